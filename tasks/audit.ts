/**
 * `deno task audit <run-dir> [--rows]`: recomputes the audit of an existing run from its results and the suite's
 * numeric and relative claims, rewrites audit.csv, audit_relative.csv and audit.md, and prints the per-table
 * summary and the path of the full audit (`--rows`: every claim's row instead).
 *
 * `deno task audit <paper-run> <clean-run> [--out DIR]`: audits both runs (one per protocol, same suite) and
 * reports the claims measured under both side by side with the gap between the protocols; `--out` writes
 * protocol_gap.csv and protocol_gap.md there.
 *
 * @module
 */

import { join } from "node:path";
import { auditTable, parseCli, runMain, UsageError } from "../harness/cli.ts";
import { auditSummaryText, readManifest, suiteOfRun } from "../harness/results/run_record.ts";
import { PROTOCOL_GAP_COLUMNS, protocolGap, protocolGapMarkdown } from "../harness/results/protocol_gap.ts";
import { toCsv, writeTextAtomic } from "../harness/results/store.ts";
import { reaudit } from "../harness/run/runner.ts";
import { getSuite } from "../suites/registry.ts";

const USAGE =
  `usage: deno task audit <run-dir> [--rows]                  summary (every claim's row with --rows)
       deno task audit <run-dir> <run-dir> [--out DIR]   one paper-protocol and one clean-protocol run of a suite:
                                                         both audits side by side with the protocol gap`;

/**
 * `deno task audit …`: re-audits one run, or two runs of a suite's two protocols side by side.
 *
 * @throws {UsageError} for a bad command line or runs that do not pair up; the readers' errors for a directory
 *   that holds no run or a damaged run file.
 */
export async function main(args: string[]): Promise<void> {
  const { positionals, values } = parseCli(args, {
    out: { type: "string" },
    rows: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length < 1 || positionals.length > 2) {
    throw new UsageError("expected one or two run directories");
  }
  if (positionals.length === 1) {
    if (values.out) throw new UsageError("--out applies to the comparison of two runs");
    const manifest = await readManifest(positionals[0]);
    const { audit } = await reaudit(positionals[0], suiteOfRun(positionals[0], manifest, getSuite), {
      command: ["audit", ...args],
    });
    console.log(
      values.rows
        ? auditTable(audit.claims)
        : auditSummaryText(manifest, audit, join(positionals[0], "audit.md")),
    );
    return;
  }
  const manifests = await Promise.all(positionals.map((d) => readManifest(d)));
  if (manifests[0].suite !== manifests[1].suite) {
    throw new UsageError(`the runs are of different suites (${manifests[0].suite}, ${manifests[1].suite})`);
  }
  const paperIdx = manifests.findIndex((m) => m.protocol === "paper");
  const cleanIdx = manifests.findIndex((m) => m.protocol === "clean");
  if (paperIdx < 0 || cleanIdx < 0) {
    throw new UsageError(
      `expected one paper-protocol and one clean-protocol run, got ${
        manifests.map((m) => m.protocol).join(" and ")
      }`,
    );
  }
  const suite = suiteOfRun(positionals[0], manifests[0], getSuite);
  const paper = await reaudit(positionals[paperIdx], suite, { command: ["audit", ...args] });
  const clean = await reaudit(positionals[cleanIdx], suite, { command: ["audit", ...args] });
  const rows = protocolGap(paper.audit.claims, clean.audit.claims);
  const md = protocolGapMarkdown(
    rows,
    `Protocol gap of ${suite.id}: paper run ${manifests[paperIdx].run_id} (${
      manifests[paperIdx].profile
    }) vs ` +
      `clean run ${manifests[cleanIdx].run_id} (${manifests[cleanIdx].profile})`,
  );
  if (values.out) {
    await writeTextAtomic(join(values.out, "protocol_gap.csv"), toCsv(rows as never, PROTOCOL_GAP_COLUMNS));
    await writeTextAtomic(join(values.out, "protocol_gap.md"), md);
    console.error(`wrote ${join(values.out, "protocol_gap.csv")} and protocol_gap.md`);
  }
  console.log(md);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
