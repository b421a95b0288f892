/**
 * A child process for the fault-injection tests (harness/run/faults_test.ts) and `deno task faults`: runs the
 * toy suite (harness/run/_toy_suite.ts) into a run directory, fresh (`--out DIR`) or resumed (`--resume DIR`),
 * with `--delay MS` per unit, appending each unit it starts to `--log FILE`; faults come from `TAGBENCH_FAULT` (harness/results/faults.ts). Exit code 0: the
 * run completed; 1: an error (one line on stderr); 137: an injected kill; 130: SIGINT.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { readResults } from "../results/run_record.ts";
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

const REPO = new URL("../../", import.meta.url);

/**
 * The command that runs this file as a child process with `args` (`--out DIR` | `--resume DIR`, `--delay MS`,
 * `--log FILE`) and `env` (e.g. `TAGBENCH_FAULT`; empty unless given); stderr piped, stdout discarded.
 */
export function faultChild(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      new URL("deno.json", REPO).pathname,
      new URL(import.meta.url).pathname,
      ...args,
    ],
    cwd: REPO.pathname,
    env: { TAGBENCH_FAULT: "", ...env },
    stdout: "null",
    stderr: "piped",
  });
}

/**
 * What a faulted-and-resumed run must share with an uninterrupted one: each row's unit, metrics and prediction
 * hash, sorted; and how many rows repeat a unit (0 for a sound run).
 */
export async function runSignature(dir: string): Promise<{ rows: string[]; duplicates: number }> {
  const rows = await readResults(dir);
  const units = rows.map((r) => `${r.cell}#${r.seed}`);
  return {
    rows: rows.map((r) => `${r.cell}#${r.seed} ${JSON.stringify(r.metrics)} ${r.predictions_sha256}`).sort(),
    duplicates: units.length - new Set(units).size,
  };
}

if (import.meta.main) {
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
}
