/**
 * A child process for the fault-injection tests (harness/run/faults_test.ts) and `deno task faults`: runs the
 * toy suite (harness/run/_toy_suite.ts) into a run directory, fresh (`--out DIR`) or resumed (`--resume DIR`),
 * with `--delay MS` per unit, appending each unit it starts to `--log FILE`; faults come from `TAGBENCH_FAULT` (harness/results/faults.ts). Exit code 0: the
 * run completed; 1: an error (one line on stderr); 137: an injected kill; 130: SIGINT.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { reproduce } from "./runner.ts";
import { TOY_BASE, toySuite } from "./_toy_suite.ts";

/** The units this process starts, appended to `--log FILE` (one `cell#seed` per line) as they start. */
class UnitLog extends Array<string> {
  constructor(private file?: string) {
    super();
  }
  override push(...units: string[]): number {
    if (this.file) Deno.writeTextFileSync(this.file, units.map((u) => `${u}\n`).join(""), { append: true });
    return super.push(...units);
  }
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string" },
    resume: { type: "string" },
    delay: { type: "string", default: "0" },
    log: { type: "string" },
  },
});
try {
  await reproduce({
    ...TOY_BASE,
    suite: toySuite({ calls: new UnitLog(values.log), delayMs: Number(values.delay) }),
    out: values.out,
    resume: values.resume,
    command: ["fault-child", ...Deno.args],
  });
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  Deno.exit(1);
}
