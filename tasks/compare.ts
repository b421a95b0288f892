/**
 * `deno task compare <run-a> <run-b>`: compares two runs of one suite unit by unit (cell × seed): every metric
 * both rows carry and the sha256 of the test predictions. Prints one line per unit that differs (or is in one
 * run only) and a summary; exits 1 when anything differs, so it can check that a refactor changed no result.
 * Reads runs of any schema version (schema-1 rows are upgraded on read).
 *
 * @module
 */

import { ExitStatus, parseCli, runMain, UsageError } from "../harness/cli.ts";
import { readManifest, readResults, type ResultRow } from "../harness/results/run_record.ts";

const USAGE = `usage: deno task compare <run-dir-a> <run-dir-b>
  Compares the metrics and prediction sha256 of every cell × seed of two runs; exit 1 when any differs.`;

/** One unit's comparison. */
export interface UnitComparison {
  unit: string;
  same: boolean;
  differences: string[];
}

/**
 * Compares two runs' rows unit by unit: a metric present in both must be equal (NaN equals NaN), the prediction
 * hashes must be equal, and every unit must be in both.
 */
export function compareRows(a: ResultRow[], b: ResultRow[]): UnitComparison[] {
  const key = (r: ResultRow) => `${r.cell}#${r.seed}`;
  const mb = new Map(b.map((r) => [key(r), r]));
  const out: UnitComparison[] = [];
  for (const ra of a) {
    const rb = mb.get(key(ra));
    mb.delete(key(ra));
    if (!rb) {
      out.push({ unit: key(ra), same: false, differences: ["only in run a"] });
      continue;
    }
    const differences: string[] = [];
    for (const [k, va] of Object.entries(ra.metrics)) {
      if (!(k in rb.metrics)) continue;
      const vb = rb.metrics[k];
      if (!(va === vb || (Number.isNaN(va) && Number.isNaN(vb)))) differences.push(`${k} ${va} ≠ ${vb}`);
    }
    if (ra.predictions_sha256 !== rb.predictions_sha256) differences.push("predictions sha256 differ");
    out.push({ unit: key(ra), same: differences.length === 0, differences });
  }
  for (const k of mb.keys()) out.push({ unit: k, same: false, differences: ["only in run b"] });
  return out;
}

/**
 * `deno task compare <run-a> <run-b>`: prints the unit-by-unit comparison.
 *
 * @throws {ExitStatus} 1 (after printing) when any unit differs; {@link UsageError} for a bad command line or runs
 *   of different suites; the readers' errors for a directory that holds no run or a damaged run file.
 */
export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCli(args, { help: { type: "boolean", short: "h", default: false } }, {
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 2) throw new UsageError("expected two run directories");
  const [ma, mb] = await Promise.all(positionals.map((d) => readManifest(d)));
  if (ma.suite !== mb.suite) {
    throw new UsageError(`the runs are of different suites (${ma.suite}, ${mb.suite})`);
  }
  const [a, b] = await Promise.all(positionals.map((d) => readResults(d)));
  const units = compareRows(a, b);
  for (const u of units) {
    const ra = b.find((r) => `${r.cell}#${r.seed}` === u.unit);
    const shown = ra
      ? Object.entries(ra.metrics).filter(([k]) => k.startsWith("test/")).map(([k, v]) =>
        `${k} ${v.toFixed(2)}`
      ).join(", ")
      : "";
    console.log(
      `${u.same ? "same" : "DIFF"}  ${u.unit}  ${
        u.same ? `${shown}, sha256 ${ra!.predictions_sha256.slice(0, 12)}` : u.differences.join("; ")
      }`,
    );
  }
  const diff = units.filter((u) => !u.same).length;
  console.log(
    `${units.length - diff} of ${units.length} units identical (metrics and prediction sha256): ` +
      `${ma.run_id} (suite ${ma.suite_version}, schema ${ma.schema_version}) vs ${mb.run_id} ` +
      `(suite ${mb.suite_version}, schema ${mb.schema_version})`,
  );
  if (diff > 0) throw new ExitStatus(1);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
