/**
 * Relative claims: the papers' directional statements ("DATNet-F beats the base model at every size",
 * "transfer beats no transfer", "the gain shrinks as the target data grows"), read from a suite's
 * `relative_claims.csv` and audited over seeds (README.md, "Relative claims").
 *
 * A relative claim can be audited where an absolute number cannot: both sides of the comparison share the
 * run's deviations (the same substituted embeddings, the same reduced budget). Deviations only one side's
 * components see are shown as `asymmetric` beside the computed verdict; a claim whose sides differ in a
 * component both use is `not comparable` (harness/results/deviations.ts).
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import { metricInfo } from "./metrics.ts";
import { compareSides, TARGET_ONLY_COMPONENTS } from "./deviations.ts";
import type { MeasuredRow } from "./audit.ts";

/** `>`: A beats B. `>=`: A is no worse than B − floor. `gain-shrinks`: A − B shrinks as `along` grows. */
export type Relation = ">" | ">=" | "gain-shrinks";

const RELATIONS: readonly Relation[] = [">", ">=", "gain-shrinks"];

/** One compared pair of cells (side A, side B) of a statement. */
export interface RelativePair {
  a: string;
  b: string;
  /** `gain-shrinks` only: the other placeholders' values (the pairs compared along `along` share it). */
  group?: string;
  /** `gain-shrinks` only: the value of the `along` placeholder. */
  at?: number;
}

/** One directional statement of a paper, with every pair of cells it covers. */
export interface RelativeStatement {
  id: string;
  paper: string;
  table: string;
  relation: Relation;
  metric: string;
  /** `>=` only: A ≥ B − floor, in points. */
  floor?: number;
  /** `gain-shrinks` only: the placeholder the gain is compared along (e.g. `k`, `rate`). */
  along?: string;
  /** The paper's sentence (or the table it is read from). */
  text: string;
  /** Where in the paper. */
  source: string;
  pairs: RelativePair[];
}

/** The declared test: one-sided paired t-test on per-seed differences at this α (README.md). */
export const RELATIVE_ALPHA = 0.05;
/** Fewer seeds than this on a side: `inconclusive`. */
export const RELATIVE_MIN_SEEDS = 3;

const COLUMNS = [
  "id",
  "paper",
  "table",
  "relation",
  "a",
  "b",
  "over",
  "along",
  "metric",
  "floor",
  "text",
  "source",
] as const;
const REQUIRED = ["id", "paper", "table", "relation", "a", "b", "metric", "text", "source"] as const;

/**
 * Expands `{var}` placeholders of two cell templates over the cartesian product of `over`
 * (`var=v1|v2; var2=w1|w2`).
 *
 * @returns One entry per combination: the two cell ids and the values used.
 * @throws {SyntaxError} when a placeholder has no values, a variable is unused, or `over` does not parse.
 */
export function expandPairs(
  a: string,
  b: string,
  over: string,
): { a: string; b: string; values: Record<string, string> }[] {
  const vars: [string, string[]][] = [];
  for (const part of over.split(";").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)\s*=\s*(.+)$/.exec(part);
    if (!m) throw new SyntaxError(`"${part}" is not var=v1|v2`);
    const values = m[2].split("|").map((v) => v.trim());
    if (values.some((v) => v === "")) throw new SyntaxError(`"${part}" has an empty value`);
    if (vars.some(([v]) => v === m[1])) throw new SyntaxError(`variable "${m[1]}" given twice`);
    vars.push([m[1], values]);
  }
  const used = new Set([...`${a} ${b}`.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]));
  for (const u of used) {
    if (!vars.some(([v]) => v === u)) throw new SyntaxError(`placeholder {${u}} has no values in "over"`);
  }
  for (const [v] of vars) {
    if (!used.has(v)) throw new SyntaxError(`variable "${v}" of "over" is in neither cell template`);
  }
  let combos: Record<string, string>[] = [{}];
  for (const [v, values] of vars) combos = combos.flatMap((c) => values.map((x) => ({ ...c, [v]: x })));
  const fill = (t: string, c: Record<string, string>) => t.replace(/\{([^}]*)\}/g, (_, v) => c[v]);
  return combos.map((c) => ({ a: fill(a, c), b: fill(b, c), values: c }));
}

/**
 * Parses a relative claims CSV (header: `id,paper,table,relation,a,b,over,along,metric,floor,text,source`).
 * Rows sharing an `id` form one statement and must agree on every column but `a`, `b` and `over`.
 *
 * @param text CSV text.
 * @param file Name used in error messages.
 * @throws {SyntaxError} naming the file and line: a missing column or value, an unknown relation or metric, a
 *   floor on a relation other than `>=` or none on `>=`, an `along` that is not a numeric placeholder of a
 *   `gain-shrinks` row, rows of one id that disagree, or a pair listed twice.
 */
export function parseRelativeClaims(text: string, file = "relative_claims.csv"): RelativeStatement[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  const byId = new Map<string, RelativeStatement>();
  records.forEach((r, i) => {
    const line = i + 2;
    const fail = (what: string): never => {
      throw new SyntaxError(`Cannot read "${file}": line ${line} ${what}`);
    };
    for (const key of COLUMNS) if (r[key] === undefined) fail(`has no column "${key}" (expected ${COLUMNS})`);
    for (const key of REQUIRED) if (r[key] === "") fail(`has no value for column "${key}"`);
    const relation = r.relation as Relation;
    if (!RELATIONS.includes(relation)) fail(`has relation "${r.relation}", expected one of ${RELATIONS}`);
    try {
      metricInfo(r.metric);
    } catch (e) {
      fail(`: ${(e as Error).message}`);
    }
    let floor: number | undefined;
    if (r.floor !== "") {
      floor = Number(r.floor);
      if (!Number.isFinite(floor) || floor < 0) fail(`column "floor" is "${r.floor}", expected points ≥ 0`);
      if (relation !== ">=") fail(`has a floor, which only a ">=" relation takes`);
    } else if (relation === ">=") {
      fail(`has relation ">=" without a floor (points B may exceed A by)`);
    }
    if ((r.along !== "") !== (relation === "gain-shrinks")) {
      fail(
        relation === "gain-shrinks"
          ? `has relation "gain-shrinks" without "along"`
          : `has "along" on "${relation}"`,
      );
    }
    let expanded: ReturnType<typeof expandPairs>;
    try {
      expanded = expandPairs(r.a, r.b, r.over);
    } catch (e) {
      return fail(`: ${(e as Error).message}`);
    }
    const pairs = expanded.map((p): RelativePair => {
      if (relation !== "gain-shrinks") return { a: p.a, b: p.b };
      const at = Number(p.values[r.along]);
      if (!(r.along in p.values) || !Number.isFinite(at)) {
        fail(`has along "${r.along}", expected a placeholder of "over" with numeric values`);
      }
      const group = Object.entries(p.values).filter(([k]) => k !== r.along).map(([k, v]) => `${k}=${v}`)
        .join(", ");
      return { a: p.a, b: p.b, group, at };
    });
    const statement: RelativeStatement = {
      id: r.id,
      paper: r.paper,
      table: r.table,
      relation,
      metric: r.metric,
      ...(floor !== undefined ? { floor } : {}),
      ...(r.along ? { along: r.along } : {}),
      text: r.text,
      source: r.source,
      pairs,
    };
    const prev = byId.get(r.id);
    if (!prev) {
      byId.set(r.id, statement);
    } else {
      for (const k of ["paper", "table", "relation", "metric", "floor", "along", "text", "source"] as const) {
        if (prev[k] !== statement[k]) fail(`repeats statement "${r.id}" with a different ${k}`);
      }
      prev.pairs.push(...pairs);
    }
    const all = byId.get(r.id)!.pairs;
    const keys = new Set(all.map((p) => `${p.a}\t${p.b}`));
    if (keys.size !== all.length) fail(`lists a pair of statement "${r.id}" twice`);
  });
  return [...byId.values()];
}

/** Reads and parses a relative claims file; an absent file is no statements. @throws as {@link parseRelativeClaims}. */
export async function loadRelativeClaims(path: string | URL): Promise<RelativeStatement[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return parseRelativeClaims(text, String(path).split("/").pop());
}

// ---------------------------------------------------------------------------------------------------------------
// The test.

/** Result of a one-sided paired t-test on differences d_i (Student's t, n − 1 degrees of freedom). */
export interface PairedTest {
  n: number;
  meanDiff: number;
  /** Sample standard deviation of the differences (n − 1). */
  sdDiff: number;
  t: number;
  /** P(T ≥ t) under H0 mean ≤ 0: small when the differences are clearly positive. */
  pGreater: number;
  /** P(T ≤ t) under H0 mean ≥ 0: small when the differences are clearly negative. */
  pLess: number;
}

/**
 * One-sided paired t-test on per-seed differences (t = mean / (sd / √n), df = n − 1). With zero spread, the
 * p-values are 0 or 1 by the sign of the mean (both 1 at a mean of 0).
 *
 * @param diffs Per-seed differences, in points.
 * @throws {RangeError} with fewer than 2 differences.
 */
export function pairedTTest(diffs: readonly number[]): PairedTest {
  const n = diffs.length;
  if (n < 2) throw new RangeError(`A paired t-test needs at least 2 differences, got ${n}`);
  const mean = diffs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(diffs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  if (sd === 0) {
    return {
      n,
      meanDiff: mean,
      sdDiff: 0,
      t: mean === 0 ? 0 : Math.sign(mean) * Infinity,
      pGreater: mean > 0 ? 0 : 1,
      pLess: mean < 0 ? 0 : 1,
    };
  }
  const t = mean / (sd / Math.sqrt(n));
  const below = tCdf(t, n - 1);
  return { n, meanDiff: mean, sdDiff: sd, t, pGreater: 1 - below, pLess: below };
}

/**
 * Holm's step-down adjustment of m p-values (family-wise error at the chosen α): the k-th smallest p becomes
 * max over j ≤ k of min(1, (m − j + 1)·p_(j)).
 *
 * @returns Adjusted p-values in the input order.
 */
export function holm(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The audit.

/**
 * `holds`: the test rejects "A ≤ B" (A ≤ B − floor for `>=`; gain at the larger size ≥ gain at the smaller for
 * `gain-shrinks`); `does not hold`: the reverse test rejects; `inconclusive`: neither, or fewer than
 * {@link RELATIVE_MIN_SEEDS} seeds per side; `indicative (smoke)`: a smoke run, which never gives a verdict;
 * `not comparable`: the sides differ in a component both use, or a metric is missing; `not run`: a side has no
 * rows.
 */
export type RelativeVerdict =
  | "holds"
  | "does not hold"
  | "inconclusive"
  | "indicative (smoke)"
  | "not comparable"
  | "not run";

/** The relative verdicts, in display order. */
export const RELATIVE_VERDICTS: readonly RelativeVerdict[] = [
  "holds",
  "does not hold",
  "inconclusive",
  "indicative (smoke)",
  "not comparable",
  "not run",
];

/** One tested item of a statement: a pair (`>`, `>=`) or two adjacent sizes of a pair (`gain-shrinks`). */
export interface RelativeAuditRow {
  statement: string;
  paper: string;
  table: string;
  relation: Relation;
  /** What is tested, e.g. `t3/es/datnet-f/k=10 > t3/es/base/k=10`. */
  item: string;
  /** Cells of side A (one, or the pair at the smaller size for `gain-shrinks`). */
  a: string;
  b: string;
  metric: string;
  /** Seed pairs tested. */
  n: number;
  /** Mean of side A and of side B over the paired seeds (for `gain-shrinks`: the gains). */
  meanA?: number;
  meanB?: number;
  /** Mean per-seed difference tested (A − B, + floor for `>=`). */
  meanDiff?: number;
  /** One-sided p-value of "holds" (Holm-adjusted within the statement for `gain-shrinks`). */
  p?: number;
  /** One-sided p-value of the reverse ("does not hold"), adjusted likewise. */
  pReverse?: number;
  verdict: RelativeVerdict;
  reason: string;
  /** Deviations only one side's components see: shown beside the verdict, never changing it. */
  asymmetric: string[];
  /** Beside `not comparable` with numbers measured: the verdict the test would give if the deviations were
   * waived (a distance, never the verdict). */
  ifWaived?: string;
}

/** Options of {@link auditRelative}. */
export interface RelativeAuditOptions {
  /** A smoke run: every computed verdict becomes `indicative (smoke)`. */
  smoke?: boolean;
  /** Components each cell uses (default {@link TARGET_ONLY_COMPONENTS} for a cell not listed). */
  components?: ReadonlyMap<string, readonly string[]>;
  /** Reason per cell id for cells the plan left out. */
  notRunReasons?: ReadonlyMap<string, string>;
  alpha?: number;
}

interface Side {
  cells: string[];
  /** Per-seed values, seeds sorted ascending, one list per cell. */
  values: number[][];
  deviations: string[];
}

/**
 * Audits relative statements against one run's rows. Seeds are paired by rank: the i-th smallest seed of one
 * cell with the i-th smallest of the other (the harness draws seeds per cell, so the pairing is by position);
 * with unequal counts the first min(n_A, n_B) are used.
 *
 * `>`: d_i = A_i − B_i; `>=`: d_i = A_i − B_i + floor; both tested one-sided at α. `gain-shrinks`: within each
 * group (the other placeholders), for adjacent values of `along` (x < y), d_i = g_i(x) − g_i(y) with
 * g = A − B; the statement's p-values are Holm-adjusted (each direction separately).
 */
export function auditRelative(
  statements: readonly RelativeStatement[],
  rows: readonly MeasuredRow[],
  opts: RelativeAuditOptions = {},
): RelativeAuditRow[] {
  const alpha = opts.alpha ?? RELATIVE_ALPHA;
  const byCell = new Map<string, MeasuredRow[]>();
  for (const r of rows) byCell.set(r.cell, [...(byCell.get(r.cell) ?? []), r]);
  for (const list of byCell.values()) list.sort((x, y) => x.seed - y.seed);
  const components = (cell: string) => new Set(opts.components?.get(cell) ?? TARGET_ONLY_COMPONENTS);
  const out: RelativeAuditRow[] = [];
  for (const s of statements) {
    const items = s.relation === "gain-shrinks" ? gainItems(s) : s.pairs.map((p) => ({
      item: `${p.a} ${s.relation} ${p.b}${s.floor !== undefined ? ` − ${s.floor}` : ""}`,
      a: [p.a],
      b: [p.b],
    }));
    const pending: { row: RelativeAuditRow; test?: PairedTest }[] = [];
    for (const it of items) {
      const base = {
        statement: s.id,
        paper: s.paper,
        table: s.table,
        relation: s.relation,
        item: it.item,
        a: it.a.join(" − "),
        b: it.b.join(" − "),
        metric: s.metric,
        asymmetric: [] as string[],
      };
      const missing = [...it.a, ...it.b].find((c) => !byCell.get(c)?.length);
      if (missing) {
        pending.push({
          row: {
            ...base,
            n: 0,
            verdict: "not run",
            reason: `${missing}: ${opts.notRunReasons?.get(missing) ?? "cell not in this run's plan"}`,
          },
        });
        continue;
      }
      const lacking = [...it.a, ...it.b].find((c) => byCell.get(c)!.some((r) => !(s.metric in r.metrics)));
      if (lacking) {
        pending.push({
          row: {
            ...base,
            n: 0,
            verdict: "not comparable",
            reason: `the run did not measure "${s.metric}" in ${lacking}`,
          },
        });
        continue;
      }
      const side = (cells: string[]): Side => ({
        cells,
        values: cells.map((c) => byCell.get(c)!.map((r) => r.metrics[s.metric])),
        deviations: [...new Set(cells.flatMap((c) => byCell.get(c)!.flatMap((r) => r.deviations)))],
      });
      const A = side(it.a);
      const B = side(it.b);
      // Comparability: the two compared sides, and for a gain also each gain's own two cells.
      const checks: [Side, Side][] = [[A, B]];
      if (s.relation === "gain-shrinks") {
        checks.push([side([it.a[0]]), side([it.a[1]])], [side([it.b[0]]), side([it.b[1]])]);
      }
      const differ = new Set<string>();
      const asymmetric = new Set<string>();
      for (const [x, y] of checks) {
        const cmp = compareSides(
          { deviations: x.deviations, components: new Set(x.cells.flatMap((c) => [...components(c)])) },
          { deviations: y.deviations, components: new Set(y.cells.flatMap((c) => [...components(c)])) },
        );
        cmp.differ.forEach((d) => differ.add(d));
        cmp.asymmetric.forEach((d) => asymmetric.add(d));
      }
      const n = Math.min(...[...A.values, ...B.values].map((v) => v.length));
      const sideValues = (x: Side) =>
        Array.from(
          { length: n },
          (_, i) => x.values.length === 1 ? x.values[0][i] : x.values[0][i] - x.values[1][i],
        );
      const va = sideValues(A);
      const vb = sideValues(B);
      const diffs = va.map((x, i) => x - vb[i] + (s.floor ?? 0));
      const row: RelativeAuditRow = {
        ...base,
        n,
        meanA: mean(va),
        meanB: mean(vb),
        meanDiff: mean(diffs),
        asymmetric: [...asymmetric],
        verdict: "inconclusive",
        reason: "",
      };
      if (differ.size > 0) {
        row.verdict = "not comparable";
        row.reason = `the sides differ in a component both use: ${[...differ].join("; ")}`;
      }
      const finite = diffs.every(Number.isFinite);
      if (!finite && differ.size === 0) {
        row.verdict = "not comparable";
        row.reason = "a measured value is not a number";
      }
      pending.push({ row, test: finite && n >= 2 ? pairedTTest(diffs) : undefined });
    }
    // Holm within a gain-shrinks statement, over the items that have a test.
    const tested = pending.filter((p) => p.test);
    if (s.relation === "gain-shrinks" && tested.length > 1) {
      const pg = holm(tested.map((p) => p.test!.pGreater));
      const pl = holm(tested.map((p) => p.test!.pLess));
      tested.forEach((p, i) => (p.test = { ...p.test!, pGreater: pg[i], pLess: pl[i] }));
    }
    for (const { row, test } of pending) {
      if (row.verdict === "not run" || (row.verdict === "not comparable" && row.meanDiff === undefined)) {
        out.push(row);
        continue;
      }
      const judged = judgeRelative(row.n, test, alpha, s.relation === "gain-shrinks");
      if (test) {
        row.p = test.pGreater;
        row.pReverse = test.pLess;
      }
      if (row.verdict === "not comparable") {
        row.ifWaived = `would be ${judged.verdict} (${judged.reason})`;
      } else if (opts.smoke) {
        row.verdict = "indicative (smoke)";
        row.reason = `smoke run: no verdict; mean difference ${
          fmtSigned(row.meanDiff!)
        } over ${row.n} seed(s)`;
      } else {
        row.verdict = judged.verdict;
        row.reason = judged.reason;
      }
      out.push(row);
    }
  }
  return out;
}

/** The test's verdict for one item. */
function judgeRelative(
  n: number,
  test: PairedTest | undefined,
  alpha: number,
  adjusted: boolean,
): { verdict: "holds" | "does not hold" | "inconclusive"; reason: string } {
  if (n < RELATIVE_MIN_SEEDS || !test) {
    return {
      verdict: "inconclusive",
      reason: `${n} seed pair(s), fewer than ${RELATIVE_MIN_SEEDS}: no test`,
    };
  }
  const p = adjusted ? "Holm-adjusted p" : "p";
  const stats = `mean difference ${fmtSigned(test.meanDiff)} ± ${test.sdDiff.toFixed(2)} over ${n} seeds`;
  if (test.pGreater < alpha) {
    return { verdict: "holds", reason: `${stats}; ${p} = ${fmtP(test.pGreater)} < ${alpha}` };
  }
  if (test.pLess < alpha) {
    return { verdict: "does not hold", reason: `${stats}; reverse ${p} = ${fmtP(test.pLess)} < ${alpha}` };
  }
  return {
    verdict: "inconclusive",
    reason: `${stats}; ${p} = ${fmtP(test.pGreater)}, reverse ${fmtP(test.pLess)}, neither < ${alpha}`,
  };
}

/** The items of a `gain-shrinks` statement: adjacent values of `along` within each group. */
function gainItems(s: RelativeStatement): { item: string; a: string[]; b: string[] }[] {
  const groups = new Map<string, RelativePair[]>();
  for (const p of s.pairs) groups.set(p.group ?? "", [...(groups.get(p.group ?? "") ?? []), p]);
  const items: { item: string; a: string[]; b: string[] }[] = [];
  for (const [group, pairs] of groups) {
    pairs.sort((x, y) => x.at! - y.at!);
    for (let i = 0; i + 1 < pairs.length; i++) {
      const [x, y] = [pairs[i], pairs[i + 1]];
      items.push({
        item: `gain at ${s.along}=${x.at} > gain at ${s.along}=${y.at}${group ? ` (${group})` : ""}`,
        a: [x.a, x.b],
        b: [y.a, y.b],
      });
    }
  }
  return items;
}

/** Counts of each verdict over one statement's items, and the statement's one-line summary. */
export interface RelativeSummary {
  statement: string;
  paper: string;
  table: string;
  text: string;
  counts: Record<RelativeVerdict, number>;
  items: number;
  /** E.g. `5 of 6 hold, 1 inconclusive`. */
  line: string;
}

/** Per-statement summary (how many of its items hold), in statement order. */
export function summariseRelative(
  statements: readonly RelativeStatement[],
  rows: readonly RelativeAuditRow[],
): RelativeSummary[] {
  return statements.map((s) => {
    const mine = rows.filter((r) => r.statement === s.id);
    const counts = relativeCounts(mine);
    const rest = RELATIVE_VERDICTS.filter((v) => v !== "holds" && counts[v] > 0).map((v) =>
      `${counts[v]} ${v}`
    );
    return {
      statement: s.id,
      paper: s.paper,
      table: s.table,
      text: s.text,
      counts,
      items: mine.length,
      line: [`${counts.holds} of ${mine.length} hold`, ...rest].join(", "),
    };
  });
}

/** Count of relative audit rows per verdict. */
export function relativeCounts(rows: readonly RelativeAuditRow[]): Record<RelativeVerdict, number> {
  const counts = Object.fromEntries(RELATIVE_VERDICTS.map((v) => [v, 0])) as Record<RelativeVerdict, number>;
  for (const r of rows) counts[r.verdict]++;
  return counts;
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function fmtSigned(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}
