import assert from "node:assert/strict";
import { UsageError } from "../harness/cli.ts";
import { budgetOverrides, checkOnly, choiceOverrides, formatChoices, resumeOptions } from "./reproduce.ts";
import type { Manifest } from "../harness/results/run_record.ts";
import { yang2017Suite } from "../suites/yang2017/suite.ts";
import { datnetSuite } from "../suites/datnet/suite.ts";

Deno.test("budgetOverrides: --budget entries and the deprecated flags, validated against the suite's knobs", () => {
  const warnings: string[] = [];
  const warn = (l: string) => warnings.push(l);
  assert.deepStrictEqual(budgetOverrides(yang2017Suite, "iterations=10", {}, warn), { iterations: 10 });
  assert.deepStrictEqual(
    budgetOverrides(yang2017Suite, undefined, { iterations: "10", "eval-every": "2" }, warn),
    { iterations: 10, eval_every: 2 },
  );
  assert.deepStrictEqual(warnings, [
    "warning: --eval-every is deprecated and will be removed in the next version; use --budget eval_every=2",
    "warning: --iterations is deprecated and will be removed in the next version; use --budget iterations=10",
  ]);
  assert.deepStrictEqual(budgetOverrides(datnetSuite, "epochs=20,eval_every=5", {}, warn), {
    epochs: 20,
    eval_every: 5,
  });
  const err = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof UsageError && !e.showUsage && re.test(e.message));
  err(
    () => budgetOverrides(yang2017Suite, "source_batches=3", {}, warn),
    /^Unknown budget knob "source_batches" for yang2017\. .*Known knobs: epochs \(.*\), iterations \(.*\), eval_every \(/,
  );
  err(() => budgetOverrides(datnetSuite, "epoch=3", {}, warn), /Did you mean "epochs"\?|did you mean/i);
  err(() => budgetOverrides(datnetSuite, "epochs=x", {}, warn), /not knob=N/);
  err(() => budgetOverrides(datnetSuite, "epochs=3", { epochs: "4" }, warn), /given twice/);
});

Deno.test("choiceOverrides / formatChoices: --choice checked against the suite's declared choices", () => {
  assert.deepStrictEqual(choiceOverrides(datnetSuite, undefined), {});
  assert.deepStrictEqual(choiceOverrides(datnetSuite, "mixing=joint,model_config=paper-text"), {
    mixing: "joint",
    model_config: "paper-text",
  });
  const err = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof UsageError && re.test(e.message));
  err(
    () => choiceOverrides(datnetSuite, "mixing=alternate"),
    /Choice "mixing" of datnet has no option "alternate"/,
  );
  err(() => choiceOverrides(datnetSuite, "mixin=joint"), /Unknown choice "mixin" for datnet\. .*mixing/);
  err(() => choiceOverrides(yang2017Suite, "mixing=joint"), /yang2017 declares no choices/);
  const help = formatChoices(datnetSuite);
  assert.match(help, /^protocol choices of datnet \(--choice NAME=OPTION\):/);
  assert.ok(
    help.includes("\n    joeyzhouty (default of paper, clean): joeyzhouty/DATnet _arrange_batches"),
    help,
  );
  assert.equal(formatChoices(yang2017Suite), "yang2017 declares no protocol choices");
});

Deno.test("reproduce CLI: an undeclared budget knob is one line on stderr and exit code 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./reproduce.ts", import.meta.url).pathname,
      "yang2017",
      "--budget",
      "source_batches=3",
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 2);
  const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^error: Unknown budget knob "source_batches" for yang2017\..*Known knobs: epochs/);
});

/** The parts of a manifest `resumeOptions` reads: a 2-seed smoke run of datnet with --only and a budget. */
const resumable = {
  suite: "datnet",
  profile: "smoke",
  protocol: "clean",
  backend: { name: "wasm" },
  seeds_override: 2,
  only: ["t3/es/base"],
  budget_overrides: { epochs: 3 },
} as unknown as Manifest;

Deno.test("resumeOptions: --resume DIR alone takes the whole plan from the manifest; a different value is refused", () => {
  assert.deepStrictEqual(resumeOptions("run", resumable, {}), {
    suite: "datnet",
    profile: "smoke",
    protocol: "clean",
    backend: "wasm",
    seeds: 2,
    only: ["t3/es/base"],
    budget: { epochs: 3 },
    choices: undefined,
  });
  // The same values given again are fine.
  assert.equal(
    resumeOptions("run", resumable, { seeds: 2, profile: "smoke", budget: { epochs: 3 } }).seeds,
    2,
  );
  const refused = (given: Parameters<typeof resumeOptions>[2], text: string) =>
    assert.throws(
      () => resumeOptions("run", resumable, given),
      (e: unknown) => e instanceof UsageError && e.message.includes(text),
    );
  refused(
    { seeds: 1 },
    "--seeds is 1, but the run in run was planned with 2 (its manifest.json); drop --seeds",
  );
  refused({ only: ["t3/es"] }, "--only is t3/es, but the run in run was planned with t3/es/base");
  refused({ budget: { epochs: 5 } }, "--budget is epochs=5, but the run in run was planned with epochs=3");
  refused({ profile: "paper" }, "--profile is paper, but the run in run was planned with smoke");
  refused(
    { choices: { mixing: "joint" } },
    "--choice is mixing=joint, but the run in run was planned with none",
  );
  const withChoice = { ...resumable, choice_overrides: { mixing: "joint" } } as unknown as Manifest;
  assert.deepStrictEqual(resumeOptions("run", withChoice, {}).choices, { mixing: "joint" });
  refused({ backend: "cpu" }, "--allow-backend-change");
  assert.equal(resumeOptions("run", resumable, { backend: "cpu" }, true).backend, "cpu");
});

Deno.test("checkOnly: --only selecting no planned cell is a usage error naming the closest cell ids", async () => {
  await checkOnly(datnetSuite, ["t3/es/base/k=10"], "paper", "paper"); // selects a cell: fine
  await assert.rejects(
    () => checkOnly(datnetSuite, ["zzz"], "paper", "paper"),
    (e: unknown) =>
      e instanceof UsageError && /matches no cell of datnet; no cell id is close/.test(e.message),
  );
  await assert.rejects(
    () => checkOnly(datnetSuite, ["t3/es/bsae"], "paper", "paper"),
    (e: unknown) =>
      e instanceof UsageError && /matches no cell of datnet; closest cell ids: t3\/es\/base/.test(e.message),
  );
  await assert.rejects(
    () => checkOnly(datnetSuite, ["t3/wnut16/datnet-p/k=1000"], "smoke", "paper"),
    (e: unknown) => e instanceof UsageError && /selects no cell the smoke profile runs/.test(e.message),
  );
});
