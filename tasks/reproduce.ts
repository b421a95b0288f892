/**
 * `deno task reproduce <suite>`: re-runs a paper's experiments, writes a versioned run directory and prints the
 * audit of the paper's claims.
 *
 * @module
 */

import { resolveDataDir } from "../harness/data/data_dir.ts";
import { oneOf, parseCli, positiveInt, registered, runMain, UsageError } from "../harness/cli.ts";
import { auditSummaryText, type Manifest, readManifest, suiteOfRun } from "../harness/results/run_record.ts";
import { suggestions } from "../harness/did_you_mean.ts";
import { join } from "node:path";
import { reproduce, summarizeRun } from "../harness/run/runner.ts";
import {
  confirmQuestion,
  formatPlanSummary,
  isYes,
  refusalMessage,
  startDecision,
} from "../harness/run/plan_summary.ts";
import {
  type ChoiceSummary,
  onlySelects,
  type ProfileName,
  PROFILES,
  type ProtocolName,
  PROTOCOLS,
  type SuiteDefinition,
} from "../harness/run/suite.ts";
import { getSuite } from "../suites/registry.ts";
import {
  BudgetError,
  type ChoiceDecl,
  ChoiceError,
  parseBudget,
  parseChoices,
  resolveBudget,
  resolveChoices,
} from "../harness/run/define.ts";
import type { BackendName } from "../runtime/backend.ts";

const BACKENDS: readonly BackendName[] = ["wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"];

const USAGE = `usage: deno task reproduce <suite> [options]
       deno task reproduce --resume <run-dir>

  --profile smoke|paper|nightly   how much of the protocol to run (default paper; smoke takes minutes)
  --protocol paper|clean          the authors' protocol, or the clean one (default paper)
  --backend wasm|cpu|webgpu|tensorflow|tensorflow-gpu   (default wasm)
  --data-dir DIR                  datasets (default: $TAGBENCH_DATA_DIR, else ~/.cache/tagbench/data)
  --artifacts DIR                 cache of stage outputs and unit checkpoints, never under results/
                                  (default: $XDG_CACHE_HOME/tagbench/artifacts, else ~/.cache/tagbench/artifacts)
  --out DIR                       run directory (default results/<suite>/<run-id>/)
  --resume DIR                    continue an interrupted run exactly as it was planned (suite, profile,
                                  protocol, backend, seeds, --only, --budget all come from its manifest; a
                                  different value given here is refused); loses at most a minute of training
  --allow-backend-change          with --resume: continue on another backend or BLAS core type, recorded as a
                                  deviation of the units run after the change
  --seeds N                       seeds per cell (default: the profile's)
  --only PREFIX[,PREFIX]          only cells whose id starts with a prefix, e.g. t3/es/base (a trailing $
                                  selects one id exactly: t3/es/base/k=10$)
  --budget KNOB=N[,KNOB=N]        override the suite's budget knobs (e.g. epochs=20,eval_every=5), each a
                                  recorded deviation; \`--budget help\` lists the suite's knobs
  --choice NAME=OPTION[,…]        run another declared reading of a protocol choice (e.g. mixing=joint), each a
                                  recorded deviation; \`--choice help\` lists the suite's choices and options
  --plan                          print the plan (units per experiment, estimated wall time, disk) and exit:
                                  no training, no run directory, no data read
  --yes                           start a run estimated over 24 hours without asking
  --quiet                         no progress lines and no plan summary

  Deprecated aliases (one version): --epochs N, --source-batches N, --eval-every N, --iterations N are
  --budget epochs=N, source_batches=N, eval_every=N, iterations=N.`;

/** Old scale flags and the budget knob each one now sets (kept for one version, with a deprecation line). */
export const DEPRECATED_BUDGET_FLAGS: Readonly<Record<string, string>> = {
  epochs: "epochs",
  "source-batches": "source_batches",
  "eval-every": "eval_every",
  iterations: "iterations",
};

/**
 * The budget overrides of a command line: `--budget` entries plus the deprecated flags (each announced on
 * stderr), validated against the suite's knobs.
 *
 * @throws {UsageError} (one line, exit 2) for a malformed entry, a knob given twice, or a knob the suite does not
 *   declare (naming the closest and every known knob).
 */
export function budgetOverrides(
  suite: { id: string; budgetKnobs?: Record<string, string> },
  budget: string | undefined,
  deprecated: Record<string, string | undefined>,
  warn: (line: string) => void = (l) => console.error(l),
): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    Object.assign(out, budget === undefined ? {} : parseBudget(budget));
    for (const [flag, knob] of Object.entries(DEPRECATED_BUDGET_FLAGS)) {
      const v = deprecated[flag];
      if (v === undefined) continue;
      warn(
        `warning: --${flag} is deprecated and will be removed in the next version; use --budget ${knob}=${v}`,
      );
      if (knob in out) throw new BudgetError(`budget knob "${knob}" is given twice (--${flag} and --budget)`);
      Object.assign(out, parseBudget(`${knob}=${v}`));
    }
    resolveBudget(
      Object.fromEntries(Object.entries(suite.budgetKnobs ?? {}).map(([k, d]) => [k, { description: d }])),
      {},
      out,
      suite.id,
    );
  } catch (e) {
    if (e instanceof BudgetError) throw new UsageError(e.message, { showUsage: false });
    throw e;
  }
  return out;
}

/**
 * The choice overrides of a command line (`--choice mixing=joint,…`), checked against the suite's declared
 * choices (every protocol accepts every declared option).
 *
 * @throws {UsageError} (exit 2) for a malformed entry, an unknown choice or option.
 */
export function choiceOverrides(
  suite: { id: string; choices?: Record<string, ChoiceSummary> },
  text: string | undefined,
): Record<string, string> {
  if (text === undefined) return {};
  try {
    const given = parseChoices(text);
    const decls = Object.fromEntries(
      Object.entries(suite.choices ?? {}).map(([k, c]) => [
        k,
        { description: c.description, options: c.options, defaults: c.defaults, component: "unspecified" },
      ]),
    ) as Record<string, ChoiceDecl>;
    resolveChoices(decls, PROTOCOLS[0], given, suite.id);
    return given;
  } catch (e) {
    if (e instanceof ChoiceError) throw new UsageError(e.message, { showUsage: false });
    throw e;
  }
}

/** `--choice help`: each declared choice, its options and which protocol follows which. */
export function formatChoices(suite: { id: string; choices?: Record<string, ChoiceSummary> }): string {
  const entries = Object.entries(suite.choices ?? {});
  if (entries.length === 0) return `${suite.id} declares no protocol choices`;
  return `protocol choices of ${suite.id} (--choice NAME=OPTION):\n` +
    entries.map(([k, c]) =>
      `  ${k}: ${c.description}\n` + Object.entries(c.options).map(([o, d]) => {
        const by = Object.entries(c.defaults).filter(([, v]) => v === o).map(([p]) => p);
        return `    ${o}${by.length ? ` (default of ${by.join(", ")})` : ""}: ${d}`;
      }).join("\n")
    ).join("\n");
}

/** What a command line gave for the options a resumed run takes from its manifest (undefined: not given). */
export interface GivenPlanOptions {
  suite?: string;
  profile?: string;
  protocol?: string;
  backend?: string;
  seeds?: number;
  only?: string[];
  budget?: Record<string, number>;
  choices?: Record<string, string>;
}

/**
 * The plan options of `--resume DIR`, every one from the run's manifest: suite, profile, protocol, backend, seeds,
 * `--only` and budget overrides. An option also given on the command line must have the manifest's value.
 *
 * @throws {UsageError} (one line, exit 2) naming the option, the value given and the run's value; a different
 *   backend only without `allowBackendChange`.
 */
export function resumeOptions(
  runDir: string,
  previous: Manifest,
  given: GivenPlanOptions,
  allowBackendChange = false,
): Required<Pick<GivenPlanOptions, "suite" | "profile" | "protocol" | "backend">> & GivenPlanOptions {
  const fmt = (v: unknown) =>
    v === undefined
      ? "none (the profile's default)"
      : Array.isArray(v)
      ? v.join(",")
      : typeof v === "object"
      ? Object.entries(v as Record<string, number>).sort().map(([k, x]) => `${k}=${x}`).join(",") || "none"
      : String(v);
  const same = (a: unknown, b: unknown) => fmt(a) === fmt(b);
  const checks: [string, unknown, unknown][] = [
    ["suite", given.suite, previous.suite],
    ["--profile", given.profile, previous.profile],
    ["--protocol", given.protocol, previous.protocol],
    ["--seeds", given.seeds, previous.seeds_override],
    ["--only", given.only, previous.only?.length ? previous.only : undefined],
    ["--budget", given.budget, previous.budget_overrides ?? {}],
    ["--choice", given.choices, previous.choice_overrides ?? {}],
  ];
  if (!allowBackendChange) checks.push(["--backend", given.backend, previous.backend.name]);
  for (const [what, got, want] of checks) {
    const map = what === "--budget" || what === "--choice";
    if (got === undefined || (map && Object.keys(got as object).length === 0)) continue;
    if (!same(got, want)) {
      throw new UsageError(
        `${what} is ${fmt(got)}, but the run in ${runDir} was planned with ${
          fmt(want)
        } (its manifest.json); ` +
          `drop ${what} to resume it as planned` +
          (what === "--backend"
            ? ", or give --allow-backend-change to record the change as a deviation"
            : ""),
        { showUsage: false },
      );
    }
  }
  return {
    suite: previous.suite,
    profile: previous.profile,
    protocol: previous.protocol,
    backend: allowBackendChange && given.backend ? given.backend : previous.backend.name,
    seeds: previous.seeds_override,
    only: previous.only?.length ? previous.only : undefined,
    budget: previous.budget_overrides,
    choices: previous.choice_overrides,
  };
}

/**
 * Refuses a `--only` that selects no planned cell: the closest declared cell ids, or the reason each selected
 * cell is not run under this profile.
 *
 * @throws {UsageError} (one line, exit 2).
 */
export async function checkOnly(
  suite: SuiteDefinition,
  only: string[] | undefined,
  profile: ProfileName,
  protocol: ProtocolName,
): Promise<void> {
  if (!only?.length) return;
  const plan = await suite.plan({ profile, protocol, dataDir: "", only, verifyData: false });
  if (plan.cells.length > 0) return;
  const all = await suite.plan({ profile, protocol, dataDir: "", verifyData: false });
  const ids = [...all.cells.map((c) => c.id), ...all.skipped.map((c) => c.id)];
  const matched = all.skipped.filter((c) => only.some((p) => onlySelects(p, c.id)));
  if (matched.length) {
    throw new UsageError(
      `--only ${only.join(",")} selects no cell the ${profile} profile runs: ${
        matched.slice(0, 3).map((c) => `${c.id} (${c.reason})`).join("; ")
      }${matched.length > 3 ? `; and ${matched.length - 3} more` : ""}`,
      { showUsage: false },
    );
  }
  const near = [
    ...new Set(only.flatMap((p) => suggestions(p, ids.map((id) => id.slice(0, Math.max(p.length, 1)))))),
  ]
    .map((prefix) => ids.find((id) => id.startsWith(prefix))!);
  throw new UsageError(
    `--only ${only.join(",")} matches no cell of ${suite.id}; ` +
      (near.length ? `closest cell ids: ${near.slice(0, 3).join(", ")}` : "no cell id is close") +
      ` (\`deno task list ${suite.id}\` lists them all)`,
    { showUsage: false },
  );
}

/**
 * `deno task reproduce <suite> [options]` / `--resume DIR`: plans, runs (or continues) and audits a suite.
 *
 * @throws {UsageError} for a bad command line (unknown option, bad value, resume mismatch, a run refused without
 *   `--yes`); the runner's and readers' errors otherwise.
 */
export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCli(args, {
    profile: { type: "string" },
    protocol: { type: "string" },
    backend: { type: "string" },
    "allow-backend-change": { type: "boolean", default: false },
    "data-dir": { type: "string" },
    artifacts: { type: "string" },
    out: { type: "string" },
    resume: { type: "string" },
    seeds: { type: "string" },
    only: { type: "string" },
    budget: { type: "string" },
    choice: { type: "string" },
    epochs: { type: "string" },
    "source-batches": { type: "string" },
    "eval-every": { type: "string" },
    iterations: { type: "string" },
    quiet: { type: "boolean", default: false },
    plan: { type: "boolean", default: false },
    yes: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
  if (values.out && values.resume) throw new UsageError("--out and --resume exclude each other");
  if (values["allow-backend-change"] && !values.resume) {
    throw new UsageError("--allow-backend-change applies to --resume only");
  }
  const givenSeeds = values.seeds === undefined ? undefined : positiveInt("seeds", values.seeds);
  const givenOnly = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const previous = values.resume ? await readManifest(values.resume) : undefined;
  if (positionals[0] === undefined && !previous) throw new UsageError("no suite given");
  // A suite named here is a command-line value (exit 2); one named by the resumed run's manifest, a bad file.
  const suite = positionals[0] !== undefined
    ? registered(positionals[0], getSuite)
    : suiteOfRun(values.resume!, previous!, getSuite);
  if (values.budget === "help") {
    console.log(
      `budget knobs of ${suite.id}:\n` +
        Object.entries(suite.budgetKnobs ?? {}).map(([k, d]) => `  ${k}: ${d}`).join("\n"),
    );
    return;
  }
  if (values.choice === "help") {
    console.log(formatChoices(suite));
    return;
  }
  const givenChoices = choiceOverrides(suite, values.choice);
  const givenBudget = budgetOverrides(suite, values.budget, {
    epochs: values.epochs,
    "source-batches": values["source-batches"],
    "eval-every": values["eval-every"],
    iterations: values.iterations,
  });
  // A resume takes its whole plan from the manifest; what the command line gives must agree with it.
  const plan = previous
    ? resumeOptions(values.resume!, previous, {
      suite: positionals[0],
      profile: values.profile,
      protocol: values.protocol,
      backend: values.backend,
      seeds: givenSeeds,
      only: givenOnly,
      budget: givenBudget,
      choices: givenChoices,
    }, values["allow-backend-change"])
    : {
      profile: values.profile ?? "paper",
      protocol: values.protocol ?? "paper",
      backend: values.backend ?? "wasm",
      seeds: givenSeeds,
      only: givenOnly,
      budget: givenBudget,
      choices: givenChoices,
    };
  const profile = oneOf("profile", plan.profile, PROFILES);
  const protocol = oneOf("protocol", plan.protocol, PROTOCOLS);
  const backend = oneOf("backend", plan.backend, BACKENDS);
  await checkOnly(suite, plan.only, profile, protocol);
  const dataDir = resolveDataDir(values["data-dir"]).dir;
  const options = {
    suite,
    profile,
    protocol,
    dataDir,
    backend,
    out: values.out,
    resume: values.resume,
    seeds: plan.seeds,
    only: plan.only,
    budget: plan.budget && Object.keys(plan.budget).length ? plan.budget : undefined,
    choices: plan.choices && Object.keys(plan.choices).length ? plan.choices : undefined,
    allowBackendChange: values["allow-backend-change"],
  };
  const summary = await summarizeRun(options);
  if (values.plan) {
    console.log(formatPlanSummary(summary));
    return;
  }
  const decision = startDecision(summary.seconds, {
    yes: values.yes,
    explicitProfile: values.profile !== undefined,
    terminal: Deno.stdin.isTerminal(),
  });
  if (!values.quiet || decision !== "start") console.error(formatPlanSummary(summary));
  if (decision === "refuse") throw new UsageError(refusalMessage(summary), { showUsage: false });
  if (decision === "ask" && !isYes(await askLine(confirmQuestion(summary)))) {
    throw new Error("not started (answer other than y)");
  }
  const result = await reproduce({
    ...options,
    artifactsDir: values.artifacts,
    quiet: values.quiet,
    command: ["reproduce", ...args],
    unitSeconds: summary.unitSeconds,
  });
  console.log(auditSummaryText(result.manifest, result.audit, join(result.runDir, "audit.md")));
  console.log(`run directory: ${result.runDir}`);
}

/** Writes `question` to stderr and reads one line from stdin (null at end of input). */
async function askLine(question: string): Promise<string | null> {
  await Deno.stderr.write(new TextEncoder().encode(question));
  const decoder = new TextDecoder();
  const buf = new Uint8Array(256);
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) return text === "" ? null : text;
    text += decoder.decode(buf.subarray(0, n), { stream: true });
  }
  return text.slice(0, text.indexOf("\n"));
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
