/**
 * `deno task list <suite> [--relative] [--format table|csv] [--profile P] [--protocol P]`: one line per claim
 * with its paper-qualified table ("ACL 2019 Table 3"), its cell and its status under a profile (planned, or the
 * reason it cannot run); with `--relative`, one line per relative claim (the papers' directional statements)
 * with its pairs and how many of them the profile plans. Reads no data.
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import { oneOf, parseCli, registered, runMain, UsageError, writeStdout } from "../harness/cli.ts";
import { PROFILES, PROTOCOLS } from "../harness/run/suite.ts";
import { qualifiedTable } from "../harness/results/claims.ts";
import { getSuite, SUITES } from "../suites/registry.ts";

const USAGE =
  `usage: deno task list [<suite>] [--relative] [--format table|csv] [--profile paper|smoke|nightly] [--protocol paper|clean]
  Without a suite: lists the suites. CSV columns: suite,paper,table,row,column,metric,value,std,n,cell,status
  --relative: the relative claims; CSV columns: suite,statement,paper,table,relation,metric,pairs,planned,text,source`;

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
  "cell",
  "status",
];

/** Columns of `list --relative --format csv`. */
export const LIST_RELATIVE_COLUMNS = [
  "suite",
  "statement",
  "paper",
  "table",
  "relation",
  "metric",
  "pairs",
  "planned",
  "text",
  "source",
];

async function planOf(suiteId: string, profile: string, protocol: string) {
  const suite = registered(suiteId, getSuite);
  const plan = await suite.plan({
    profile: oneOf("profile", profile, PROFILES),
    protocol: oneOf("protocol", protocol, PROTOCOLS),
    dataDir: "",
    verifyData: false,
  });
  return {
    suite,
    planned: new Set(plan.cells.map((c) => c.id)),
    skipped: new Map(plan.skipped.map((s) => [s.id, s.reason])),
  };
}

/** The rows of `list` for a suite: each claim with its paper-qualified table, its cell and its status. */
export async function listRows(suiteId: string, profile: string, protocol: string): Promise<string[][]> {
  const { suite, planned, skipped } = await planOf(suiteId, profile, protocol);
  const claims = await suite.claims();
  return claims.map((c) => [
    suite.id,
    c.paper,
    qualifiedTable(suite.papers, c.paper, c.table),
    c.row,
    c.column,
    c.metric,
    c.value.toFixed(2),
    c.std === undefined ? "" : c.std.toFixed(2),
    c.n === undefined ? "" : String(c.n),
    c.cell,
    planned.has(c.cell)
      ? `planned (${profile} profile)`
      : `not run: ${skipped.get(c.cell) ?? "no cell planned"}`,
  ]);
}

/**
 * The rows of `list --relative` for a suite: each relative claim with its pairs and how many of them the profile
 * plans (both cells planned).
 */
export async function listRelativeRows(
  suiteId: string,
  profile: string,
  protocol: string,
): Promise<string[][]> {
  const { suite, planned } = await planOf(suiteId, profile, protocol);
  return (await suite.relativeClaims()).map((s) => [
    suite.id,
    s.id,
    s.paper,
    qualifiedTable(suite.papers, s.paper, s.table),
    s.relation === ">="
      ? `>= (floor ${s.floor})`
      : s.relation === "gain-shrinks"
      ? `gain-shrinks along ${s.along}`
      : s.relation,
    s.metric,
    s.pairs.map((p) => `${p.a} ${s.relation === "gain-shrinks" ? "−" : s.relation} ${p.b}`).join("; "),
    String(s.pairs.filter((p) => planned.has(p.a) && planned.has(p.b)).length),
    s.text,
    s.source,
  ]);
}

/**
 * `deno task list …`: prints the suites, or a suite's claims (or relative claims) with their status.
 *
 * @throws {UsageError} for a bad command line or an unknown suite.
 */
export async function main(args: string[]): Promise<void> {
  const { positionals, values } = parseCli(args, {
    format: { type: "string", default: "table" },
    profile: { type: "string", default: "paper" },
    protocol: { type: "string", default: "paper" },
    relative: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const format = oneOf("format", values.format, ["table", "csv"] as const);
  if (positionals.length === 0) {
    for (const s of Object.values(SUITES)) console.log(`${s.id}\tv${s.version}\t${s.title}`);
    return;
  }
  if (positionals.length > 1) throw new UsageError("expected at most one suite");
  if (values.relative) {
    const rows = await listRelativeRows(positionals[0], values.profile, values.protocol);
    if (format === "csv") {
      await writeStdout(stringify([LIST_RELATIVE_COLUMNS, ...rows]));
      return;
    }
    for (const r of rows) {
      const pairs = r[6].split("; ");
      console.log(
        `${r[3]} | ${r[1]} | ${r[4]} ${r[5]} | ${pairs.length} pairs, ${
          r[7]
        } planned (${values.profile} profile)`,
      );
      console.log(`    “${r[8]}” (${r[9]})`);
      for (const p of pairs) console.log(`    ${p}`);
    }
    console.log(`\n${rows.length} relative claims`);
    return;
  }
  const rows = await listRows(positionals[0], values.profile, values.protocol);
  if (format === "csv") {
    await writeStdout(stringify([LIST_COLUMNS, ...rows]));
    return;
  }
  for (const r of rows) console.log(`${r[2]} | ${r[3]} | ${r[4]} | ${r[5]} ${r[6]} | ${r[9]} | ${r[10]}`);
  console.log(`\n${rows.length} claims`);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
