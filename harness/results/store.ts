/**
 * The results store: atomic writes and the CSV/JSON/Markdown files of a run directory (README.md, "What a run writes").
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import { basename, dirname, join } from "node:path";
import { faultArmed, faultPoint } from "./faults.ts";
import type { z } from "zod";

/**
 * Writes a text file atomically: a temporary file in the same directory, then a rename, so a reader (or a resumed
 * run after a kill) sees either the old or the new content, never half of it.
 *
 * @throws Deno errors from the file system (e.g. permission denied).
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const site = `write:${basename(path)}`;
  if (faultArmed(site)) {
    // Tests only (harness/results/faults.ts): a kill or a full disk half-way through this write.
    await Deno.writeTextFile(tmp, text.slice(0, text.length >> 1));
    faultPoint(site);
  }
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

/** The temporary files {@link writeTextAtomic} leaves when killed mid-write: `<name>.tmp-<pid>-<8 hex>`. */
export function isTempFile(name: string): boolean {
  return /\.tmp-\d+-[0-9a-f]{8}$/.test(name);
}

/**
 * Removes the temporary files of interrupted atomic writes from a directory (not recursive).
 *
 * @returns The names removed.
 */
export function removeTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && isTempFile(e.name)) {
      Deno.removeSync(join(dir, e.name));
      removed.push(e.name);
    }
  }
  return removed;
}

/** {@link writeJsonAtomic}, synchronously (for a signal handler, which must finish before the process exits). */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  Deno.writeTextFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  Deno.renameSync(tmp, path);
}

/** Writes JSON (2-space indented, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * A JSON file that is not what its reader expects: `Cannot read "<path>": <what is wrong>, expected <what>`, e.g.
 * `Cannot read "results/x/results.json": rows[3].seed is "a", expected a number`.
 */
export class JsonFileError extends SyntaxError {
  override name = "JsonFileError";
  /** The problem alone, without `Cannot read "<path>": `. */
  readonly problem: string;
  constructor(readonly path: string, problem: string) {
    super(`Cannot read "${path}": ${problem}`);
    this.problem = problem;
  }
}

/** What a reader expects of a JSON file: the schema its content must pass, and how to name it in messages. */
export interface JsonExpectation<T> {
  /** The schema (zod); its output is what the reader returns. */
  schema: z.ZodType<T>;
  /** The file's kind for messages, e.g. `a tagbench manifest` (`…, expected a tagbench manifest`). */
  what: string;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  return { line, column: pos - before.lastIndexOf("\n") };
}

/**
 * The plain-words reason a text is not JSON, from the parser's message: `it ends in the middle of a string at
 * line 1201, column 14, position 35932`, `it is empty`, `unexpected "}"`…
 */
export function jsonSyntaxProblem(text: string, message: string): string {
  if (text.trim() === "") return "it is empty";
  const at = message.match(/ in JSON at position (\d+)/);
  let pos = at ? Number(at[1]) : undefined;
  let what = message.replace(/ in JSON at position .*$/s, "");
  if (/^Unexpected end of JSON input/.test(message)) {
    pos = text.length;
    what = "it ends before the JSON does (truncated?)";
  } else if (/^Unterminated string/.test(message)) {
    what = "it ends in the middle of a string";
  } else if (pos !== undefined && pos >= text.trimEnd().length) {
    what = `it ends before the JSON does (truncated?): ${what.charAt(0).toLowerCase()}${what.slice(1)}`;
  } else {
    const token = message.match(/^Unexpected token '(.+?)', /s);
    what = token ? `unexpected "${token[1]}"` : what.charAt(0).toLowerCase() + what.slice(1);
  }
  if (pos === undefined) return what;
  const { line, column } = lineColumn(text, pos);
  return `${what} at line ${line}, column ${column}, position ${pos}`;
}

/** The path of a value in a JSON document as code would write it: `rows[3].seed`, `metrics["test/f1"]`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(k))) out += out ? `.${String(k)}` : String(k);
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  record: "an object",
  null: "null",
};
const CONTAINERS = new Set(["array", "object", "record", "tuple", "map", "set"]);

/** The default `expected …` words of a schema issue (schemas may set their own with `{ error: "…" }`). */
const expectedWords: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type":
      return TYPE_WORDS[iss.expected] ?? `a ${iss.expected}`;
    case "invalid_value":
      return iss.values.length === 1
        ? JSON.stringify(iss.values[0])
        : `one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return iss.origin === "array"
        ? `a list of at least ${iss.minimum}`
        : iss.origin === "string"
        ? "a non-empty string"
        : `a number ${iss.inclusive ? "≥" : ">"} ${iss.minimum}`;
    case "too_big":
      return iss.origin === "array"
        ? `a list of at most ${iss.maximum}`
        : `a number ${iss.inclusive ? "≤" : "<"} ${iss.maximum}`;
    default:
      return undefined;
  }
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** How a found value reads in a message: `is missing`, `is a list`, `is "a"`, `is a string` (for a container). */
function describeFound(v: unknown, wantsContainer: boolean): string {
  if (v === undefined) return "is missing";
  if (v === null) return "is null";
  if (Array.isArray(v)) return "is a list";
  if (typeof v === "object") return "is an object";
  if (wantsContainer) return typeof v === "boolean" ? `is ${v}` : `is a ${typeof v}`;
  const json = JSON.stringify(v);
  return json.length <= 40 ? `is ${json}` : `is a ${typeof v} (${json.slice(0, 30)}…)`;
}

/**
 * Checks parsed JSON against what its reader expects.
 *
 * @returns the schema's output.
 * @throws {JsonFileError} naming `path`, the first value that is wrong and what was expected there, e.g.
 *   `"rows" is a string, expected a list of result rows`, `rows[3].seed is "a", expected a number`,
 *   `"suite" is missing, expected a string`, `it is a list, expected a tagbench manifest` (and how many more
 *   problems there are).
 */
export function checkJson<T>(path: string, data: unknown, expect: JsonExpectation<T>): T {
  const r = expect.schema.safeParse(data, { error: expectedWords });
  if (r.success) return r.data;
  const [first, ...more] = r.error.issues;
  const found = valueAt(data, first.path);
  const wantsContainer = first.path.length === 0 ||
    (first.code === "invalid_type" && CONTAINERS.has(first.expected)) || first.code === "custom";
  const where = first.path.length === 0
    ? "it"
    : first.path.length === 1
    ? `"${String(first.path[0])}"`
    : jsonPath(first.path);
  const expected = first.path.length === 0 && first.code === "invalid_type" ? expect.what : first.message;
  const rest = more.length ? ` (and ${more.length} more problem${more.length === 1 ? "" : "s"})` : "";
  throw new JsonFileError(
    path,
    `${where} ${describeFound(found, wantsContainer)}, expected ${expected}${rest}`,
  );
}

/**
 * Reads a JSON file, or returns `undefined` when it does not exist; with `expect`, checks its content against a
 * schema and returns the schema's output.
 *
 * @throws {JsonFileError} naming the file when it is not valid JSON (`not valid JSON (it ends in the middle of a
 *   string at line 1201, column 14, position 35932), expected a tagbench manifest`) or does not pass the schema (see
 *   {@link checkJson}); Deno's file-system errors other than NotFound.
 */
export async function readJsonIfExists<T = unknown>(
  path: string,
  expect?: JsonExpectation<T>,
): Promise<T | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const problem = jsonSyntaxProblem(text, (e as Error).message);
    throw new JsonFileError(path, `not valid JSON (${problem})${expect ? `, expected ${expect.what}` : ""}`);
  }
  return expect ? checkJson(path, data, expect) : data as T;
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
