/**
 * The results store: atomic writes and the CSV/JSON/Markdown files of a run directory (README.md, "What a run writes").
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import { dirname, join } from "node:path";

/**
 * Writes a text file atomically: a temporary file in the same directory, then a rename, so a reader (or a resumed
 * run after a kill) sees either the old or the new content, never half of it.
 *
 * @throws Deno errors from the file system (e.g. permission denied).
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

/** Writes JSON (2-space indented, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Reads a JSON file, or returns `undefined` when it does not exist. @throws {SyntaxError} on invalid JSON. */
export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Renders records as CSV with a header row, in the column order given (missing values empty; arrays joined with
 * `; `; numbers as JavaScript prints them).
 */
export function toCsv(records: Record<string, unknown>[], columns: string[]): string {
  const rows = records.map((r) =>
    columns.map((c) => {
      const v = r[c];
      if (v === undefined || v === null) return "";
      if (Array.isArray(v)) return v.join("; ");
      return typeof v === "object" ? JSON.stringify(v) : String(v);
    })
  );
  return stringify([columns, ...rows]);
}

/** Paths of the files of one run directory. */
export function runFiles(runDir: string) {
  return {
    manifest: join(runDir, "manifest.json"),
    resultsCsv: join(runDir, "results.csv"),
    resultsJson: join(runDir, "results.json"),
    auditCsv: join(runDir, "audit.csv"),
    auditRelativeCsv: join(runDir, "audit_relative.csv"),
    auditMd: join(runDir, "audit.md"),
  };
}

/** Formats a number with fixed decimals, or `–` when absent. */
export function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}
