import assert from "node:assert/strict";
import { UsageError } from "../harness/cli.ts";
import { budgetOverrides } from "./reproduce.ts";
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
