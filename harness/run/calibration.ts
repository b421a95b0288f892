/**
 * Throughput calibration of the plan summary (harness/run/plan_summary.ts): training tokens/s per bench shape and
 * backend on this machine. `deno task bench` writes the medians it measured to a per-user calibration file,
 * `$XDG_CACHE_HOME/tagbench/calibration.json` (else `~/.cache/tagbench/calibration.json`), with the machine's
 * facts (hostname, CPU model, cores, date, backend, BLAS); a later bench replaces the entries of the shapes and
 * backends it measured. A shape the file lacks for the run's backend falls back to the newest committed
 * `results/bench/<run-id>/bench.csv` that has it, marked uncalibrated for this machine.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readJsonIfExists, writeJsonAtomic } from "../results/store.ts";
import type { Calibration, MachineFacts, ShapeThroughput } from "./plan_summary.ts";

/** One measured throughput in the calibration file. */
export interface CalibrationEntry extends MachineFacts {
  shape: string;
  backend: string;
  /** Median training tokens/s of `deno task bench`. */
  tokens_per_s: number;
  /** The bench.csv the median was read from. */
  bench?: string;
}

/** The calibration file. */
export interface CalibrationFile {
  schema: 1;
  entries: CalibrationEntry[];
}

/** Environment lookups the path depends on (a test passes its own). */
export type EnvLookup = (name: string) => string | undefined;

/** `$XDG_CACHE_HOME/tagbench/calibration.json`, else `~/.cache/tagbench/calibration.json` (`$HOME`, else the OS's). */
export function calibrationPath(env: EnvLookup = (k) => Deno.env.get(k)): string {
  const cache = env("XDG_CACHE_HOME") || join(env("HOME") || homedir(), ".cache");
  return join(cache, "tagbench", "calibration.json");
}

/**
 * The file with `entries` added: each replaces an earlier entry of the same shape and backend; sorted by backend,
 * then shape. Entries without a positive finite `tokens_per_s` are dropped.
 */
export function mergeCalibration(
  file: CalibrationFile | undefined,
  entries: CalibrationEntry[],
): CalibrationFile {
  const key = (e: CalibrationEntry) => `${e.backend}\u0000${e.shape}`;
  const out = new Map((file?.entries ?? []).map((e) => [key(e), e]));
  for (const e of entries) {
    if (Number.isFinite(e.tokens_per_s) && e.tokens_per_s > 0) out.set(key(e), e);
  }
  return {
    schema: 1,
    entries: [...out.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)),
  };
}

/**
 * The calibration entries of a bench run: one per tagbench row with a median and no error (PyTorch rows are not
 * tagbench's throughput), with the machine's facts and the bench.csv they come from.
 */
export function calibrationEntries(
  rows: readonly {
    shape: string;
    backend: string;
    impl: string;
    tokens_per_s_median?: number;
    blas?: string;
    error?: string;
  }[],
  facts: { hostname?: string; cpu?: string; cores?: number; date: string },
  bench: string,
): CalibrationEntry[] {
  return rows
    .filter((r) => r.impl === "tagbench" && !r.error && (r.tokens_per_s_median ?? 0) > 0)
    .map((r) => ({
      shape: r.shape,
      backend: r.backend,
      tokens_per_s: Math.round(r.tokens_per_s_median!),
      ...facts,
      blas: r.blas,
      bench,
    }));
}

/**
 * Reads the calibration file.
 *
 * @returns undefined when it does not exist.
 * @throws {Error} naming the file when it is not JSON or not a calibration file (schema 1 with entries).
 */
export async function readCalibrationFile(path = calibrationPath()): Promise<CalibrationFile | undefined> {
  let file: CalibrationFile | undefined;
  try {
    file = await readJsonIfExists<CalibrationFile>(path);
  } catch (e) {
    throw new Error(`${(e as Error).message}; delete it or run \`deno task bench\``);
  }
  if (file === undefined) return undefined;
  if (file?.schema !== 1 || !Array.isArray(file.entries)) {
    throw new Error(
      `${path} is not a tagbench calibration file (schema 1); delete it or run \`deno task bench\``,
    );
  }
  return file;
}

/**
 * Adds the entries to the calibration file (see {@link mergeCalibration}), written atomically.
 *
 * @returns the file's path.
 * @throws Deno file-system errors; {Error} when an existing file is not a calibration file.
 */
export async function writeCalibration(
  entries: CalibrationEntry[],
  path = calibrationPath(),
): Promise<string> {
  await writeJsonAtomic(path, mergeCalibration(await readCalibrationFile(path), entries));
  return path;
}

/** The committed bench runs' folder, `results/bench/` of this checkout. */
export const COMMITTED_BENCH_DIR = fileURLToPath(new URL("../../results/bench/", import.meta.url));

/**
 * Training throughputs of the newest committed bench run that measured each shape on `backend` (run folders
 * sorted by name, newest first; tagbench rows without an error), with the machine facts of its bench.json.
 */
export async function committedThroughputs(
  backend: string,
  shapes: string[],
  benchDir = COMMITTED_BENCH_DIR,
): Promise<Record<string, ShapeThroughput>> {
  let runs: string[];
  try {
    runs = [...Deno.readDirSync(benchDir)].filter((e) => e.isDirectory).map((e) => e.name).sort().reverse();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
  const out: Record<string, ShapeThroughput> = {};
  for (const run of runs) {
    if (shapes.every((s) => s in out)) break;
    let csv: string;
    try {
      csv = await Deno.readTextFile(join(benchDir, run, "bench.csv"));
    } catch {
      continue;
    }
    const info = await readJsonIfExists<{ cpu?: string; cores?: number; started?: string }>(
      join(benchDir, run, "bench.json"),
    ).catch(() => undefined);
    const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    for (const r of rows) {
      const tps = Number(r.tokens_per_s_median);
      if (r.impl !== "tagbench" || r.backend !== backend || r.error || !(tps > 0)) continue;
      if (!shapes.includes(r.shape) || r.shape in out) continue;
      out[r.shape] = {
        tokensPerSec: tps,
        source: `results/bench/${run}/bench.csv`,
        calibrated: false,
        machine: { cpu: info?.cpu, cores: info?.cores, date: info?.started, blas: r.blas || undefined },
      };
    }
  }
  return out;
}

function thisHost(): string | undefined {
  try {
    return Deno.hostname();
  } catch {
    return undefined;
  }
}

/** `~/…` for a path under the home directory. */
function tilde(path: string): string {
  const home = Deno.env.get("HOME");
  return home && path.startsWith(home + "/") ? `~${path.slice(home.length)}` : path;
}

/**
 * The throughputs of `shapes` on `backend`: from the calibration file where it has them (measured on this
 * machine), else from the newest committed bench.csv (uncalibrated). An unreadable calibration file is reported
 * in `notes` and skipped, so that planning never fails on it.
 */
export async function loadCalibration(
  backend: string,
  shapes: string[],
  opts: { path?: string; benchDir?: string } = {},
): Promise<Calibration> {
  const path = opts.path ?? calibrationPath();
  const notes: string[] = [];
  const out: Record<string, ShapeThroughput> = {};
  let file: CalibrationFile | undefined;
  try {
    file = await readCalibrationFile(path);
  } catch (e) {
    notes.push(`calibration file ignored: ${(e as Error).message}`);
  }
  const here = thisHost();
  for (const e of file?.entries ?? []) {
    if (e.backend !== backend || !shapes.includes(e.shape) || !(e.tokens_per_s > 0)) continue;
    const { hostname, cpu, cores, date, blas } = e;
    if (hostname && here && hostname !== here) {
      notes.push(`${e.shape} on ${backend} was calibrated on host ${hostname}, not on this one (${here})`);
    }
    out[e.shape] = {
      tokensPerSec: e.tokens_per_s,
      source: tilde(path),
      calibrated: true,
      machine: { hostname, cpu, cores, date, blas },
    };
  }
  const missing = shapes.filter((s) => !(s in out));
  if (missing.length) Object.assign(out, await committedThroughputs(backend, missing, opts.benchDir));
  return { backend, shapes: out, ...(notes.length ? { notes } : {}) };
}
