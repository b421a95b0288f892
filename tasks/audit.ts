/**
 * `deno task audit <run-dir>`: recomputes the audit of an existing run from its results and the suite's claims,
 * rewrites audit.csv/md and prints the table.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { auditTable, runMain, UsageError } from "../harness/cli.ts";
import { readManifest } from "../harness/results/run_record.ts";
import { reaudit } from "../harness/run/runner.ts";
import { getSuite } from "../suites/registry.ts";

const USAGE = "usage: deno task audit <run-dir>";

async function main() {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError("expected exactly one run directory");
  const runDir = positionals[0];
  const manifest = await readManifest(runDir);
  const { audit } = await reaudit(runDir, getSuite(manifest.suite));
  console.log(auditTable(audit));
}

if (import.meta.main) await runMain(main, USAGE);
