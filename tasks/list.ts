/**
 * `deno task list <suite> [--format table|csv] [--profile P] [--protocol P]`: one line per claim with its cell and
 * its status under a profile (planned, or the reason it cannot run). Reads no data.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import { oneOf, runMain, UsageError } from "../harness/cli.ts";
import { PROFILES, PROTOCOLS } from "../harness/run/suite.ts";
import { getSuite, SUITES } from "../suites/registry.ts";

const USAGE =
  `usage: deno task list [<suite>] [--format table|csv] [--profile paper|smoke|nightly] [--protocol paper|clean]
  Without a suite: lists the suites. CSV columns: suite,paper,table,row,column,metric,value,std,n,status`;

/** Columns of `list --format csv`. */
export const LIST_COLUMNS = [
  "suite",
  "paper",
  "table",
  "row",
  "column",
  "metric",
  "value",
  "std",
  "n",
  "status",
];

/** The rows of `list` for a suite: each claim with its status under the profile. */
export async function listRows(suiteId: string, profile: string, protocol: string): Promise<string[][]> {
  const suite = getSuite(suiteId);
  const claims = await suite.claims();
  const plan = await suite.plan({
    profile: oneOf("profile", profile, PROFILES),
    protocol: oneOf("protocol", protocol, PROTOCOLS),
    dataDir: "",
    verifyData: false,
  });
  const planned = new Set(plan.cells.map((c) => c.id));
  const skipped = new Map(plan.skipped.map((s) => [s.id, s.reason]));
  return claims.map((c) => [
    suite.id,
    c.paper,
    c.table,
    c.row,
    c.column,
    c.metric,
    c.value.toFixed(2),
    c.std === undefined ? "" : c.std.toFixed(2),
    c.n === undefined ? "" : String(c.n),
    planned.has(c.cell)
      ? `planned (${profile} profile, cell ${c.cell})`
      : `not run: ${skipped.get(c.cell) ?? "no cell planned"}`,
  ]);
}

async function main() {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      format: { type: "string", default: "table" },
      profile: { type: "string", default: "paper" },
      protocol: { type: "string", default: "paper" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const format = oneOf("format", values.format!, ["table", "csv"] as const);
  if (positionals.length === 0) {
    for (const s of Object.values(SUITES)) console.log(`${s.id}\tv${s.version}\t${s.title}`);
    return;
  }
  if (positionals.length > 1) throw new UsageError("expected at most one suite");
  const rows = await listRows(positionals[0], values.profile!, values.protocol!);
  if (format === "csv") {
    Deno.stdout.writeSync(new TextEncoder().encode(stringify([LIST_COLUMNS, ...rows])));
    return;
  }
  for (const r of rows) console.log(`${r[2]} | ${r[3]} | ${r[4]} | ${r[5]} ${r[6]} | ${r[9]}`);
  console.log(`\n${rows.length} claims`);
}

if (import.meta.main) await runMain(main, USAGE);
