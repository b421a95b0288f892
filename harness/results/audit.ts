/**
 * The audit: every claim next to what the harness measured, with a verdict (README.md: the verdicts and the tolerance rule).
 *
 * @module
 */

import { CITED_CELL, type Claim } from "./claims.ts";
import { metricInfo } from "./metrics.ts";

/** The four verdicts. Only `reproduced` and `not reproduced` compare numbers; the other two say why not. */
export type Verdict = "reproduced" | "not reproduced" | "not comparable" | "not run";

/** One measured result row as the audit needs it (a subset of the results table). */
export interface MeasuredRow {
  cell: string;
  seed: number;
  /** Every metric the row measured, by key (`test/f1`, `test/accuracy`…); the audit reads the claim's key. */
  metrics: Record<string, number>;
  /** Deviations from the paper's protocol for this row (run-level and cell-level). */
  deviations: string[];
  protocol: string;
}

/** One audit line. Numbers in percentage points. */
export interface AuditRow {
  claim: string;
  paper: string;
  table: string;
  row: string;
  column: string;
  /** The metric key the claim is audited against, e.g. `test/f1`. */
  metric: string;
  stat: string;
  cell: string;
  published: number;
  publishedStd?: number;
  /** What is compared with the published number: the mean over seeds, or the best seed for a `best` claim. */
  measured?: number;
  /** Mean over seeds (equal to `measured` unless the claim is a `best`). */
  measuredMean?: number;
  measuredStd?: number;
  measuredMin?: number;
  measuredMax?: number;
  n: number;
  delta?: number;
  tolerance?: number;
  verdict: Verdict;
  /** Why the verdict is what it is (e.g. the reason a cell did not run). */
  reason: string;
  /**
   * Only beside `not comparable` because of deviations, with a number measured: what the tolerance rule would
   * say if the deviations were waived (`would be within tolerance`, or `outside by x points`). It never
   * replaces the verdict; see {@link waivedVerdict}.
   */
  ifWaived?: string;
  deviations: string[];
  protocol: string;
}

/** Default tolerance floors (README.md, tolerance rule), in points. */
export const DEFAULT_FLOORS = { full: 1.0, ratioAtLeast01: 2.0, below01: 4.0 } as const;

/**
 * The tolerance floor of a claim: its own declared floor, else 1.0 for full-data results (fraction 1), 2.0 when
 * the target data fraction (ratio or label rate) is ≥ 0.1, 4.0 below.
 */
export function toleranceFloor(claim: Claim): number {
  if (claim.floor !== undefined) return claim.floor;
  if (claim.fraction >= 1) return DEFAULT_FLOORS.full;
  if (claim.fraction >= 0.1) return DEFAULT_FLOORS.ratioAtLeast01;
  return DEFAULT_FLOORS.below01;
}

/**
 * Tolerance (README.md): tol = max(floor, 2·sqrt(σ_pub² + σ_meas²/n)), σ_pub the printed std (0 if none),
 * σ_meas the sample std over our n seeds (0 when n = 1).
 */
export function tolerance(
  floor: number,
  publishedStd: number | undefined,
  measuredStd: number,
  n: number,
): number {
  const sp = publishedStd ?? 0;
  const stat = 2 * Math.sqrt(sp * sp + (n > 0 ? (measuredStd * measuredStd) / n : 0));
  return Math.max(floor, stat);
}

/** Mean, sample standard deviation (n − 1; 0 for one value), min and max. @throws {RangeError} on an empty list. */
export function summarise(
  values: number[],
): { mean: number; std: number; min: number; max: number; n: number } {
  if (values.length === 0) throw new RangeError("Cannot summarise an empty list of values");
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values), n };
}

/**
 * Audits claims against measured rows.
 *
 * A claim whose cell is a difference `A - B` (a published Δ, e.g. transfer − no transfer) is measured as the
 * difference of the two cells' statistics (mean − mean, or best − best for a `best` claim), with σ_meas²/n in the
 * tolerance replaced by σ_A²/n_A + σ_B²/n_B; it is `not run` unless both cells have rows.
 *
 * Rules: a claim whose cell has no measured row is `not run` (with the planner's reason when known); rows that
 * lack the claim's metric key make it `not comparable` (saying which key); a claim whose rows carry any deviation
 * is `not comparable` (Δ still shown); otherwise `reproduced` when |Δ| ≤ tolerance, else `not reproduced`. A
 * `best` claim is compared with the best seed in the metric's direction (max for F1, min for a perplexity), any
 * other with the mean over seeds. A NaN measurement is never `reproduced`.
 *
 * @param claims The suite's claims.
 * @param rows Measured rows of one run (any protocol; pass one protocol's rows per call to keep like with like).
 * @param notRunReasons Reason per cell id for cells the plan left out.
 */
export function auditClaims(
  claims: Claim[],
  rows: MeasuredRow[],
  notRunReasons: Map<string, string> = new Map(),
): AuditRow[] {
  const byCell = new Map<string, MeasuredRow[]>();
  for (const r of rows) {
    const list = byCell.get(r.cell) ?? [];
    list.push(r);
    byCell.set(r.cell, list);
  }
  return claims.map((c): AuditRow => {
    const base = {
      claim: c.id,
      paper: c.paper,
      table: c.table,
      row: c.row,
      column: c.column,
      metric: c.metric,
      stat: c.stat,
      cell: c.cell,
      published: c.value,
      publishedStd: c.std,
    };
    if (c.cell === CITED_CELL) {
      return {
        ...base,
        n: 0,
        verdict: "not run",
        reason: "cited by the paper from other work: no cell of this suite measures it",
        deviations: [],
        protocol: "",
      };
    }
    const pair = parseDeltaCell(c.cell);
    if (pair) return auditDelta(c, base, byCell, pair, notRunReasons);
    const measured = byCell.get(c.cell) ?? [];
    if (measured.length === 0) {
      return {
        ...base,
        n: 0,
        verdict: "not run",
        reason: notRunReasons.get(c.cell) ?? "cell not in this run's plan",
        deviations: [],
        protocol: "",
      };
    }
    const missing = missingMetric(c, measured);
    if (missing) return missing(base);
    const values = measured.map((r) => r.metrics[c.metric]);
    const s = summarise(values);
    const value = c.stat === "best" ? best(c.metric, s) : s.mean;
    const delta = value - c.value;
    const tol = tolerance(toleranceFloor(c), c.std, s.std, s.n);
    const deviations = [...new Set(measured.flatMap((r) => r.deviations))];
    const protocol = [...new Set(measured.map((r) => r.protocol))].join("+");
    const { verdict, reason } = judge(value, delta, tol, deviations);
    const ifWaived = waivedVerdict(value, delta, tol, deviations);
    return {
      ...base,
      ...(ifWaived ? { ifWaived } : {}),
      measured: value,
      measuredMean: s.mean,
      measuredStd: s.std,
      measuredMin: s.min,
      measuredMax: s.max,
      n: s.n,
      delta,
      tolerance: tol,
      verdict,
      reason,
      deviations,
      protocol,
    };
  });
}

/** The best of a summary in the metric's direction: max when higher is better, min when lower is. */
function best(metric: string, s: { min: number; max: number }): number {
  return metricInfo(metric).direction === "higher" ? s.max : s.min;
}

/** When some row lacks the claim's metric key: a builder of the `not comparable` row saying so. */
function missingMetric(
  c: Claim,
  rows: MeasuredRow[],
): ((base: Omit<AuditRow, "n" | "verdict" | "reason" | "deviations" | "protocol">) => AuditRow) | undefined {
  const lacking = rows.filter((r) => !(c.metric in r.metrics));
  if (lacking.length === 0) return undefined;
  const cells = [...new Set(lacking.map((r) => r.cell))].join(", ");
  return (base) => ({
    ...base,
    n: 0,
    verdict: "not comparable",
    reason: `the run did not measure "${c.metric}" in ${cells} (measured: ${
      Object.keys(lacking[0].metrics).join(", ") || "nothing"
    })`,
    deviations: [],
    protocol: [...new Set(rows.map((r) => r.protocol))].join("+"),
  });
}

/**
 * The distance despite deviations: what the tolerance rule would say of a measured value if the deviations were
 * waived — `would be within tolerance (|Δ| a ≤ tol b)` or `outside by x points (|Δ| a > tol b)` — for display
 * beside a `not comparable` verdict, never in its place. Undefined when there are no deviations (the verdict
 * itself says it) or the value is not a number.
 */
export function waivedVerdict(
  value: number,
  delta: number,
  tol: number,
  deviations: string[],
): string | undefined {
  if (deviations.length === 0 || !Number.isFinite(value)) return undefined;
  const d = Math.abs(delta);
  return d <= tol
    ? `would be within tolerance (|Δ| ${d.toFixed(2)} ≤ tol ${tol.toFixed(2)})`
    : `outside by ${(d - tol).toFixed(2)} points (|Δ| ${d.toFixed(2)} > tol ${tol.toFixed(2)})`;
}

/** The verdict rule shared by plain and Δ claims: NaN or any deviation → not comparable, else |Δ| against tol. */
function judge(
  value: number,
  delta: number,
  tol: number,
  deviations: string[],
): { verdict: Verdict; reason: string } {
  if (!Number.isFinite(value)) return { verdict: "not comparable", reason: "measured value is not a number" };
  if (deviations.length > 0) {
    return {
      verdict: "not comparable",
      reason: `deviation from the paper's protocol: ${deviations.join("; ")}`,
    };
  }
  const ok = Math.abs(delta) <= tol;
  return {
    verdict: ok ? "reproduced" : "not reproduced",
    reason: `|Δ| ${Math.abs(delta).toFixed(2)} ${ok ? "≤" : ">"} tol ${tol.toFixed(2)}`,
  };
}

/** Separator of a difference cell `A - B` in a claim's `cell` column. */
export const DELTA_CELL_SEPARATOR = " - ";

/** The two cells of a difference cell `A - B`, or undefined for a plain cell id. */
export function parseDeltaCell(cell: string): { minuend: string; subtrahend: string } | undefined {
  const parts = cell.split(DELTA_CELL_SEPARATOR);
  if (parts.length !== 2) return undefined;
  return { minuend: parts[0].trim(), subtrahend: parts[1].trim() };
}

function auditDelta(
  c: Claim,
  base: Omit<AuditRow, "n" | "verdict" | "reason" | "deviations" | "protocol">,
  byCell: Map<string, MeasuredRow[]>,
  cells: { minuend: string; subtrahend: string },
  notRunReasons: Map<string, string>,
): AuditRow {
  const a = byCell.get(cells.minuend) ?? [];
  const b = byCell.get(cells.subtrahend) ?? [];
  if (a.length === 0 || b.length === 0) {
    const missing = a.length === 0 ? cells.minuend : cells.subtrahend;
    return {
      ...base,
      n: 0,
      verdict: "not run",
      reason: `Δ of two cells; ${missing}: ${notRunReasons.get(missing) ?? "cell not in this run's plan"}`,
      deviations: [],
      protocol: "",
    };
  }
  const missing = missingMetric(c, [...a, ...b]);
  if (missing) return missing(base);
  const sa = summarise(a.map((r) => r.metrics[c.metric]));
  const sb = summarise(b.map((r) => r.metrics[c.metric]));
  const value = c.stat === "best" ? best(c.metric, sa) - best(c.metric, sb) : sa.mean - sb.mean;
  const sp = c.std ?? 0;
  const stat = 2 * Math.sqrt(sp * sp + (sa.std * sa.std) / sa.n + (sb.std * sb.std) / sb.n);
  const tol = Math.max(toleranceFloor(c), stat);
  const d = value - c.value;
  const deviations = [...new Set([...a, ...b].flatMap((r) => r.deviations))];
  const protocol = [...new Set([...a, ...b].map((r) => r.protocol))].join("+");
  const judged = judge(value, d, tol, deviations);
  const verdict = judged.verdict;
  const reason = deviations.length === 0 && Number.isFinite(value)
    ? `Δ of two cells; ${judged.reason}`
    : judged.reason;
  const ifWaived = waivedVerdict(value, d, tol, deviations);
  return {
    ...base,
    ...(ifWaived ? { ifWaived } : {}),
    measured: value,
    measuredMean: sa.mean - sb.mean,
    n: Math.min(sa.n, sb.n),
    delta: d,
    tolerance: tol,
    verdict,
    reason,
    deviations,
    protocol,
  };
}

/** Count of claims per verdict, for summaries. */
export function verdictCounts(rows: AuditRow[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    "reproduced": 0,
    "not reproduced": 0,
    "not comparable": 0,
    "not run": 0,
  };
  for (const r of rows) counts[r.verdict]++;
  return counts;
}
