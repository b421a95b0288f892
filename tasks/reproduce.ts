/**
 * `deno task reproduce <suite>`: re-runs a paper's experiments, writes a versioned run directory and prints the
 * audit of the paper's claims.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolveDataDir } from "../harness/data/data_dir.ts";
import { oneOf, runMain, UsageError } from "../harness/cli.ts";
import { auditSummaryText, readManifest } from "../harness/results/run_record.ts";
import { join } from "node:path";
import { reproduce, summarizeRun } from "../harness/run/runner.ts";
import {
  confirmQuestion,
  formatPlanSummary,
  isYes,
  refusalMessage,
  startDecision,
} from "../harness/run/plan_summary.ts";
import { PROFILES, PROTOCOLS } from "../harness/run/suite.ts";
import { getSuite } from "../suites/registry.ts";
import { BudgetError, parseBudget, resolveBudget } from "../harness/run/define.ts";
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
  --resume DIR                    continue an interrupted run; loses at most the cell that was running
  --seeds N                       seeds per cell (default: the profile's)
  --only PREFIX[,PREFIX]          only cells whose id starts with a prefix, e.g. t3/es/base
  --budget KNOB=N[,KNOB=N]        override the suite's budget knobs (e.g. epochs=20,eval_every=5), each a
                                  recorded deviation; \`--budget help\` lists the suite's knobs
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

async function main() {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      profile: { type: "string" },
      protocol: { type: "string" },
      backend: { type: "string", default: "wasm" },
      "data-dir": { type: "string" },
      artifacts: { type: "string" },
      out: { type: "string" },
      resume: { type: "string" },
      seeds: { type: "string" },
      only: { type: "string" },
      budget: { type: "string" },
      epochs: { type: "string" },
      "source-batches": { type: "string" },
      "eval-every": { type: "string" },
      iterations: { type: "string" },
      quiet: { type: "boolean", default: false },
      plan: { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const previous = values.resume ? await readManifest(values.resume) : undefined;
  const suiteId = positionals[0] ?? previous?.suite;
  if (!suiteId) throw new UsageError("no suite given");
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
  const suite = getSuite(suiteId);
  const profile = oneOf("profile", values.profile ?? previous?.profile ?? "paper", PROFILES);
  const protocol = oneOf("protocol", values.protocol ?? previous?.protocol ?? "paper", PROTOCOLS);
  const backend = oneOf("backend", values.backend!, BACKENDS);
  // A resumed run keeps its --seeds and --only unless new ones are given (the runner checks that they match).
  const seeds = values.seeds === undefined ? previous?.seeds_override : Number(values.seeds);
  if (seeds !== undefined && (!Number.isInteger(seeds) || seeds < 1)) {
    throw new UsageError(`--seeds is "${values.seeds}", expected a positive integer`);
  }
  if (values.budget === "help") {
    console.log(
      `budget knobs of ${suite.id}:\n` +
        Object.entries(suite.budgetKnobs ?? {}).map(([k, d]) => `  ${k}: ${d}`).join("\n"),
    );
    return;
  }
  const budget = budgetOverrides(suite, values.budget, {
    epochs: values.epochs,
    "source-batches": values["source-batches"],
    "eval-every": values["eval-every"],
    iterations: values.iterations,
  });
  if (values.out && values.resume) throw new UsageError("--out and --resume exclude each other");
  const dataDir = resolveDataDir(values["data-dir"]).dir;
  const options = {
    suite,
    profile,
    protocol,
    dataDir,
    backend,
    out: values.out,
    resume: values.resume,
    seeds,
    only: values.only?.split(",").map((s) => s.trim()).filter(Boolean) ?? previous?.only,
    // A resumed run keeps its budget overrides unless new ones are given (the runner checks that they match).
    budget: Object.keys(budget).length > 0 ? budget : previous?.budget_overrides,
  };
  const summary = await summarizeRun(options);
  if (values.plan) {
    console.log(formatPlanSummary(summary));
    return;
  }
  const decision = startDecision(summary.seconds, {
    yes: values.yes!,
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
    command: ["reproduce", ...Deno.args],
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

if (import.meta.main) await runMain(main, USAGE);
