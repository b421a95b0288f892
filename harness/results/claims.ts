/**
 * Claims: the published numbers a suite checks, read from the suite's `claims.csv`.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import { metricInfo } from "./metrics.ts";

/** How the published number was aggregated. `single`: one number with no stated aggregation; `mean`: mean over
 * `n` runs (with `std` when printed); `best`: best of `n` runs. */
export type ClaimStat = "single" | "mean" | "best";

/**
 * The `cell` of a claim that no cell of the suite measures: a number the paper cites from other work (a baseline
 * of another paper, say). The audit reports it `not run` with that reason.
 */
export const CITED_CELL = "cited";

/** One published number (README.md, "What a run writes"). */
export interface Claim {
  /** Unique within the suite, e.g. `acl-t3/es/base/k=10`. */
  id: string;
  paper: string;
  table: string;
  row: string;
  column: string;
  /** The metric key it is audited against (harness/results/metrics.ts), e.g. `test/f1`, `test/accuracy`. */
  metric: string;
  value: number;
  /** Printed standard deviation, if any. */
  std?: number;
  /** Number of runs behind the number, if printed. */
  n?: number;
  stat: ClaimStat;
  /** Experiment cell that measures it, a difference of two cells `A - B`, or {@link CITED_CELL}. */
  cell: string;
  /** Fraction of the target's full training data the cell uses (1 for full-data results); sets the default
   * tolerance floor (harness/results/audit.ts `toleranceFloor`). */
  fraction: number;
  /** Where in the paper (page, table). */
  source: string;
  /** Optional tolerance floor declared for this claim, in points, with its reason. */
  floor?: number;
  floorReason?: string;
}

const REQUIRED = [
  "id",
  "paper",
  "table",
  "row",
  "column",
  "metric",
  "value",
  "stat",
  "cell",
  "fraction",
  "source",
] as const;

/**
 * Parses a claims CSV (header: `id,paper,table,row,column,metric,value,std,n,stat,cell,fraction,source[,floor,floor_reason]`).
 *
 * @param text CSV text.
 * @param file Name used in error messages.
 * @throws {SyntaxError} when a required column is missing, a number does not parse, a stat is unknown or an id
 *   repeats, naming the file and line.
 */
export function parseClaims(text: string, file = "claims.csv"): Claim[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  const claims: Claim[] = [];
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const line = i + 2;
    for (const key of REQUIRED) {
      if (r[key] === undefined || r[key] === "") {
        throw new SyntaxError(`Cannot read "${file}": line ${line} has no value for column "${key}"`);
      }
    }
    const num = (key: string): number | undefined => {
      const v = r[key];
      if (v === undefined || v === "") return undefined;
      const x = Number(v);
      if (!Number.isFinite(x)) {
        throw new SyntaxError(
          `Cannot read "${file}": line ${line} column "${key}" is "${v}", expected a number`,
        );
      }
      return x;
    };
    const stat = r.stat as ClaimStat;
    if (!["single", "mean", "best"].includes(stat)) {
      throw new SyntaxError(
        `Cannot read "${file}": line ${line} has stat "${r.stat}", expected single, mean or best`,
      );
    }
    try {
      metricInfo(r.metric);
    } catch (e) {
      throw new SyntaxError(`Cannot read "${file}": line ${line}: ${(e as Error).message}`);
    }
    if (seen.has(r.id)) {
      throw new SyntaxError(`Cannot read "${file}": line ${line} repeats claim id "${r.id}"`);
    }
    seen.add(r.id);
    claims.push({
      id: r.id,
      paper: r.paper,
      table: r.table,
      row: r.row,
      column: r.column,
      metric: r.metric,
      value: num("value")!,
      std: num("std"),
      n: num("n"),
      stat,
      cell: r.cell,
      fraction: num("fraction")!,
      source: r.source,
      floor: num("floor"),
      floorReason: r.floor_reason || undefined,
    });
  });
  return claims;
}

/**
 * A table named with its paper, e.g. `ACL 2019 Table 3`: the venue of `paper` in the suite's paper card, or
 * the paper id itself when the card does not list it.
 */
export function qualifiedTable(
  papers: readonly { id: string; venue: string }[],
  paper: string,
  table: string,
): string {
  return `${papers.find((p) => p.id === paper)?.venue ?? paper} ${table}`;
}

/** Reads and parses a claims CSV file. @throws as {@link parseClaims}, or `Deno.errors.NotFound`. */
export async function loadClaims(path: string | URL): Promise<Claim[]> {
  const text = await Deno.readTextFile(path);
  return parseClaims(text, String(path).split("/").pop());
}
