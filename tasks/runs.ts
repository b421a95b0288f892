/**
 * `deno task runs [<suite>] [DIR] [--format table|csv]`: the index of the runs under `results/` (or DIR), one line
 * per run directory (a folder holding `manifest.json`): suite, run id, profile, protocol, backend, commit, units
 * done of units planned, status, and the verdict counts of its `audit.csv` (and of `audit_relative.csv` when
 * the run has one). Reads no data and no result rows.
 *
 * @module
 */

import { RELATIVE_VERDICTS } from "../harness/results/relative.ts";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { oneOf, parseCli, runMain, UsageError, writeStdout } from "../harness/cli.ts";
import { didYouMean } from "../harness/did_you_mean.ts";
import { type Manifest, readManifestHead } from "../harness/results/run_record.ts";
import { PLANNED_SUITES, SUITES } from "../suites/registry.ts";

const USAGE = `usage: deno task runs [<suite>] [DIR] [--format table|csv]
  Lists the run directories under DIR (default results/; a results root, a suite folder or any folder, searched
  3 levels deep), sorted by suite and run id. A single argument that is an existing directory is DIR, otherwise
  a suite. CSV columns: suite,run_id,profile,protocol,backend,commit,units,status,verdicts,relative,dir`;

/** Folder searched when no DIR is given (relative to the working directory, as `reproduce` writes it). */
export const DEFAULT_RESULTS_DIR = "results";

/** How many folder levels below DIR are searched for run directories (root/suite/run needs 2). */
export const MAX_DEPTH = 3;

/** Columns of `runs --format csv`. */
export const RUNS_COLUMNS = [
  "suite",
  "run_id",
  "profile",
  "protocol",
  "backend",
  "commit",
  "units",
  "status",
  "verdicts",
  "relative",
  "dir",
] as const;

/** Shown for an absent file (no `audit.csv`, no `audit_relative.csv`). */
export const ABSENT = "–";

/** Verdicts in the order they are counted; any other value found in a file follows, in order of appearance. */
const VERDICT_ORDER: readonly string[] = [
  "reproduced",
  "not reproduced",
  ...RELATIVE_VERDICTS.filter((v) => v !== "not comparable" && v !== "not run"),
  "not comparable",
  "not run",
];

/** One line of the index: a run directory summarised. */
export interface RunSummary {
  /** The run directory, as found under the searched folder. */
  dir: string;
  suite: string;
  runId: string;
  profile: string;
  protocol: string;
  backend: string;
  /** First 12 characters of the commit, `+dirty` appended when the tree was dirty. */
  commit: string;
  /** `units_done/units_total`. */
  units: string;
  complete: boolean;
  /** Verdict counts of `audit.csv` ({@link ABSENT} when there is none). */
  verdicts: string;
  /** Verdict counts of `audit_relative.csv` ({@link ABSENT} when there is none). */
  relative: string;
}

/** Options of {@link listRuns}. */
export interface ListRunsOptions {
  /** Only the runs of this suite id. */
  suite?: string;
  /** Receives one line per run directory (or audit file) that could not be read; default: stderr. */
  warn?: (line: string) => void;
  /** Folder levels searched below the root (default {@link MAX_DEPTH}). */
  maxDepth?: number;
}

/** Parsed arguments of `deno task runs`. */
export interface RunsArgs {
  suite?: string;
  dir: string;
  format: "table" | "csv";
  help: boolean;
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const errorText = (e: unknown) => oneLine(e instanceof Error ? e.message : String(e));

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Checks a suite id against the registry.
 *
 * @throws {UsageError} for an unknown or only planned suite, naming the closest known id and the known ones.
 */
export function checkSuite(id: string): string {
  if (id in SUITES) return id;
  const known = Object.keys(SUITES);
  if (PLANNED_SUITES.includes(id)) {
    throw new UsageError(
      `Suite "${id}" is planned but not implemented yet. Known suites: ${known.join(", ")}`,
      {
        showUsage: false,
      },
    );
  }
  throw new UsageError(
    `Unknown suite "${id}" (and no directory of that name).${didYouMean(id, known)} Known suites: ${
      known.join(", ")
    }`,
    { showUsage: false },
  );
}

/**
 * Reads the command line: `[<suite>] [DIR] [--format table|csv]`. One positional that is an existing directory
 * is DIR; one that looks like a path (contains a slash or starts with `.`) but does not exist is a missing DIR;
 * otherwise it is a suite. With two, the first is the suite and the second DIR.
 *
 * @throws {UsageError} for an unknown option, an unknown suite, a DIR that does not exist or is not a directory,
 *   a bad `--format`, more than two positionals.
 */
export async function parseRunsArgs(args: string[]): Promise<RunsArgs> {
  const { positionals, values } = parseCli(args, {
    format: { type: "string", default: "table" },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  const format = oneOf("format", values.format, ["table", "csv"] as const);
  if (values.help) return { dir: DEFAULT_RESULTS_DIR, format, help: true };
  if (positionals.length > 2) throw new UsageError("expected at most a suite and a directory");
  let suite: string | undefined;
  let dir: string | undefined;
  if (positionals.length === 2) [suite, dir] = positionals;
  else if (positionals.length === 1) {
    const p = positionals[0];
    if (await isDirectory(p) || /[\\/]/.test(p) || p.startsWith(".")) dir = p;
    else suite = p;
  }
  if (suite !== undefined) checkSuite(suite);
  if (dir !== undefined) {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(dir);
    } catch {
      throw new UsageError(`The directory "${dir}" does not exist.`, { showUsage: false });
    }
    if (!stat.isDirectory) {
      throw new UsageError(`"${dir}" is not a directory.`, { showUsage: false });
    }
  }
  return { suite, dir: dir ?? DEFAULT_RESULTS_DIR, format, help: false };
}

/**
 * The run directories under `root` (itself included): every folder holding `manifest.json`, searched
 * `maxDepth` levels down; a run directory's own subfolders and hidden folders are not searched. Sorted by path.
 */
export async function findRunDirs(
  root: string,
  maxDepth = MAX_DEPTH,
  warn: (line: string) => void = console.error,
): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number) => {
    try {
      const stat = await Deno.stat(join(dir, "manifest.json"));
      if (stat.isFile) {
        found.push(dir);
        return;
      }
    } catch {
      // not a run directory
    }
    if (depth >= maxDepth) return;
    const subdirs: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.name.startsWith(".")) continue;
        const path = join(dir, e.name);
        if (e.isDirectory || (e.isSymlink && await isDirectory(path))) subdirs.push(path);
      }
    } catch (e) {
      warn(`warning: cannot read folder ${dir}: ${errorText(e)}`);
      return;
    }
    for (const d of subdirs.sort()) await walk(d, depth + 1);
  };
  await walk(root, 0);
  return found.sort();
}

/**
 * Counts the `verdict` column of an audit CSV: `reproduced 3, not reproduced 1, not comparable 40, not run 12`
 * (the numeric verdicts, then the relative ones (holds, does not hold, …), in that order, then any other value in order of appearance; zero counts left out;
 * `no claims` for a file without rows).
 *
 * @throws {Error} when the text is not CSV or has no `verdict` column.
 */
export function verdictCounts(csvText: string): string {
  const records = parse(csvText, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (records.length === 0) return "no claims";
  if (!("verdict" in records[0])) throw new Error("it has no verdict column");
  const counts = new Map<string, number>(VERDICT_ORDER.map((v) => [v, 0]));
  for (const r of records) {
    const v = r.verdict.trim() || "(empty)";
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 0).map(([v, n]) => `${v} ${n}`).join(", ");
}

async function auditCounts(path: string, warn: (line: string) => void): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return ABSENT;
    warn(`warning: cannot read ${path}: ${errorText(e)}`);
    return "?";
  }
  try {
    return verdictCounts(text);
  } catch (e) {
    warn(`warning: cannot count the verdicts of ${path}: ${errorText(e)}`);
    return "?";
  }
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : "?");
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? String(v) : "?");

/**
 * Summarises one run directory from its manifest and audit files.
 *
 * @returns undefined (after one warning line naming the file) when the manifest cannot be read, is not JSON,
 *   names no suite or run id, or has a newer schema version; other fields are shown as found (`?` when absent or
 *   of the wrong type).
 */
export async function summarizeRun(
  dir: string,
  warn: (line: string) => void = console.error,
): Promise<RunSummary | undefined> {
  let m: Awaited<ReturnType<typeof readManifestHead>>;
  try {
    m = await readManifestHead(dir);
  } catch (e) {
    warn(`warning: skipping ${dir}: ${errorText(e)}`);
    return undefined;
  }
  const git = m.git as Partial<Manifest["git"]> | undefined;
  const timings = m.timings as Partial<Manifest["timings"]> | undefined;
  const backend = m.backend as Partial<Manifest["backend"]> | undefined;
  const [verdicts, relative] = await Promise.all([
    auditCounts(join(dir, "audit.csv"), warn),
    auditCounts(join(dir, "audit_relative.csv"), warn),
  ]);
  return {
    dir,
    suite: m.suite,
    runId: m.run_id,
    profile: str(m.profile),
    protocol: str(m.protocol),
    backend: str(backend?.name),
    commit: typeof git?.commit === "string" ? `${git.commit.slice(0, 12)}${git.dirty ? "+dirty" : ""}` : "?",
    units: `${num(timings?.units_done)}/${num(timings?.units_total)}`,
    complete: m.status === "complete",
    verdicts,
    relative,
  };
}

/**
 * The runs under `root`, sorted by suite, then run id, then directory; optionally only one suite's. Run
 * directories whose manifest cannot be read are left out with one warning line each.
 */
export async function listRuns(root: string, opts: ListRunsOptions = {}): Promise<RunSummary[]> {
  const warn = opts.warn ?? console.error;
  const runs: RunSummary[] = [];
  for (const dir of await findRunDirs(root, opts.maxDepth ?? MAX_DEPTH, warn)) {
    const s = await summarizeRun(dir, warn);
    if (s && (opts.suite === undefined || s.suite === opts.suite)) runs.push(s);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return runs.sort((a, b) => cmp(a.suite, b.suite) || cmp(a.runId, b.runId) || cmp(a.dir, b.dir));
}

function rowOf(r: RunSummary): string[] {
  return [
    r.suite,
    r.runId,
    r.profile,
    r.protocol,
    r.backend,
    r.commit,
    r.units,
    r.complete ? "complete" : "incomplete",
    r.verdicts,
    r.relative,
  ];
}

/** The footer of the table: `N runs (k complete, m incomplete)`. */
export function runsFooter(runs: RunSummary[]): string {
  const k = runs.filter((r) => r.complete).length;
  return `${runs.length} run${runs.length === 1 ? "" : "s"} (${k} complete, ${runs.length - k} incomplete)`;
}

/** Renders the runs as a fixed-width table with a header and the {@link runsFooter} line. */
export function runsTable(runs: RunSummary[]): string {
  const footer = runsFooter(runs);
  if (runs.length === 0) return footer;
  const header = RUNS_COLUMNS.filter((c) => c !== "dir").map((c) => c.replace("_", " "));
  const body = runs.map(rowOf);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const last = header.length - 1;
  const line = (r: string[]) =>
    r.map((c, i) => (i === last ? c : i === 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [line(header), ...body.map(line), "", footer].join("\n");
}

/**
 * Renders the runs as CSV with a header row ({@link RUNS_COLUMNS}); an absent audit file is an empty cell
 * (the table's `–`), and the last column is the run directory.
 */
export function runsCsv(runs: RunSummary[]): string {
  const cell = (v: string) => (v === ABSENT ? "" : v);
  return stringify([
    [...RUNS_COLUMNS],
    ...runs.map((r) => [...rowOf(r).slice(0, -2), cell(r.verdicts), cell(r.relative), r.dir]),
  ]);
}

/**
 * `deno task runs [<suite>] [DIR] [--format table|csv]`: prints the index of the runs.
 *
 * @throws {UsageError} for a bad command line (see {@link parseRunsArgs}).
 */
export async function main(args: string[]): Promise<void> {
  const a = await parseRunsArgs(args);
  if (a.help) {
    console.log(USAGE);
    return;
  }
  const runs = await listRuns(a.dir, { suite: a.suite });
  if (a.format === "csv") {
    await writeStdout(runsCsv(runs));
    return;
  }
  console.log(runsTable(runs));
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
