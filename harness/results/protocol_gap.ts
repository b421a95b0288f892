/**
 * The gap between the two protocols (README.md, "Profiles" and "Protocols"): for each claim, what the `paper` protocol (the authors' code,
 * quirks included) and the `clean` protocol (dev selection, exact conlleval on IOB2, unmodified test sets) measured,
 * side by side, and the difference. How much of a published number the paper's own protocol explains is itself a
 * finding of the audit.
 *
 * @module
 */

import type { AuditRow, Verdict } from "./audit.ts";

/** One claim under both protocols. Numbers in percentage points. */
export interface ProtocolGapRow {
  claim: string;
  paper: string;
  table: string;
  row: string;
  column: string;
  stat: string;
  cell: string;
  published: number;
  /** Mean over the paper protocol's seeds (undefined when it did not run this cell). */
  paperMean?: number;
  paperBest?: number;
  paperN: number;
  paperVerdict: Verdict;
  cleanMean?: number;
  cleanBest?: number;
  cleanN: number;
  cleanVerdict: Verdict;
  /** paperMean − cleanMean: what the paper protocol adds (test selection, IOBES scoring, filtered test sets…). */
  gapMean?: number;
  /** paperBest − cleanBest. */
  gapBest?: number;
}

/** Columns of protocol_gap.csv, in order. */
export const PROTOCOL_GAP_COLUMNS: (keyof ProtocolGapRow)[] = [
  "claim",
  "paper",
  "table",
  "row",
  "column",
  "stat",
  "cell",
  "published",
  "paperMean",
  "paperBest",
  "paperN",
  "paperVerdict",
  "cleanMean",
  "cleanBest",
  "cleanN",
  "cleanVerdict",
  "gapMean",
  "gapBest",
];

/**
 * Joins the audits of a `paper`-protocol run and a `clean`-protocol run of one suite claim by claim.
 *
 * @param paperAudit Audit rows of the paper-protocol run.
 * @param cleanAudit Audit rows of the clean-protocol run (same claims file).
 * @returns One row per claim of `paperAudit`, in its order.
 * @throws {Error} when a claim of one audit is missing from the other (different suites or claims versions).
 */
export function protocolGap(paperAudit: AuditRow[], cleanAudit: AuditRow[]): ProtocolGapRow[] {
  const clean = new Map(cleanAudit.map((a) => [a.claim, a]));
  if (clean.size !== paperAudit.length || paperAudit.some((a) => !clean.has(a.claim))) {
    throw new Error(
      "Cannot compare protocols: the two audits do not hold the same claims (different suites?)",
    );
  }
  return paperAudit.map((p) => {
    const c = clean.get(p.claim)!;
    const both = p.n > 0 && c.n > 0;
    return {
      claim: p.claim,
      paper: p.paper,
      table: p.table,
      row: p.row,
      column: p.column,
      stat: p.stat,
      cell: p.cell,
      published: p.published,
      paperMean: p.n > 0 ? p.measuredMean : undefined,
      paperBest: p.n > 0 ? p.measuredMax : undefined,
      paperN: p.n,
      paperVerdict: p.verdict,
      cleanMean: c.n > 0 ? c.measuredMean : undefined,
      cleanBest: c.n > 0 ? c.measuredMax : undefined,
      cleanN: c.n,
      cleanVerdict: c.verdict,
      gapMean: both ? p.measuredMean! - c.measuredMean! : undefined,
      gapBest: both ? p.measuredMax! - c.measuredMax! : undefined,
    };
  });
}

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(2));

/**
 * Markdown report of {@link protocolGap}: the claims measured under both protocols, with the mean gap summarised.
 *
 * @param rows Output of {@link protocolGap}.
 * @param title First heading (e.g. suite and the two run ids).
 */
export function protocolGapMarkdown(rows: ProtocolGapRow[], title: string): string {
  const both = rows.filter((r) => r.gapMean !== undefined);
  const gaps = both.map((r) => r.gapMean!);
  const mean = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : undefined;
  const lines = [
    `# ${title}`,
    "",
    `- claims measured under both protocols: ${both.length} of ${rows.length}`,
    `- mean gap (paper − clean, mean over seeds): ${fmt(mean)} points` +
    (gaps.length ? `; min ${fmt(Math.min(...gaps))}, max ${fmt(Math.max(...gaps))}` : ""),
    "- the paper protocol selects the checkpoint on test, scores IOBES strings with conlleval and filters tokens " +
    "in every split; the clean protocol selects on dev and scores IOB2 with exact conlleval on unmodified data",
    "",
    "| table | row | column | published | paper: mean / best (n) | clean: mean / best (n) | gap mean | gap best | " +
    "verdict paper / clean |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of both) {
    lines.push(
      `| ${r.table} | ${r.row} | ${r.column} | ${fmt(r.published)} (${r.stat}) | ${fmt(r.paperMean)} / ` +
        `${fmt(r.paperBest)} (${r.paperN}) | ${fmt(r.cleanMean)} / ${fmt(r.cleanBest)} (${r.cleanN}) | ` +
        `${fmt(r.gapMean)} | ${fmt(r.gapBest)} | ${r.paperVerdict} / ${r.cleanVerdict} |`,
    );
  }
  return lines.join("\n") + "\n";
}
