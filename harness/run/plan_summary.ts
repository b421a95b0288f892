/**
 * The plan summary of `deno task reproduce`: per experiment the units to run (cells × seeds), the estimated wall
 * time from a per-unit cost model, and the disk the run will write; and the rule that a run estimated over 24
 * hours needs a confirmation. Pure functions (harness/run/calibration.ts reads the throughput files).
 *
 * The cost model: a suite's `workload` hook says what one unit (cell × seed) trains on and predicts, in tokens of
 * a bench shape (harness/bench/shapes.ts), from the cell's configuration and declared data sizes; a calibration
 * says how many tokens/s that shape trains at on this machine and backend (`deno task bench`); then
 *
 *     seconds per unit = UNIT_OVERHEAD_SECONDS + trainTokens / tps + evalTokens / (EVAL_SPEEDUP · tps).
 *
 * What the estimate assumes: every unit runs its whole budget (no early stopping, so an upper bound for a
 * protocol with patience), units run one after another on a machine as loaded as when the bench ran, and the
 * suite's per-token cost factors (declared next to its hook) hold.
 *
 * @module
 */

import type { UnitWorkload } from "./suite.ts";

/**
 * Prediction tokens/s ≈ this multiple of training tokens/s of the same shape: prediction is a forward pass only
 * (no backward pass, about twice a forward, and no optimiser update) with Viterbi decoding instead of the CRF's
 * forward algorithm and its gradient, in larger batches. Measured in the committed runs: DATNet predicts ≈ 4× as
 * many tokens/s as the bench's datnet-base-b10 trains (batches of 64), Yang's model ≈ 3.2× its own training speed
 * (batches of 100); a suite weights its `evalTokens` for the rest.
 */
export const EVAL_SPEEDUP = 3;

/**
 * Seconds per unit besides training and evaluation (vocabularies, model construction, the first step's kernel
 * compilation, writing results): the committed runs' wall time minus their units' training and evaluation
 * seconds is 0.3–0.6 s per unit.
 */
export const UNIT_OVERHEAD_SECONDS = 1;

/**
 * Seconds of a run's start (backend, hashing the data files, loading word vectors), counted once for a run that
 * has units to run: 10–30 s on the committed runs' 2-core machine.
 */
export const RUN_OVERHEAD_SECONDS = 20;

/**
 * Bytes a run writes, measured on the committed runs (results/datnet/20261121T124652Z-a6d1201: 620 kB of
 * results for 72 units with 20 log entries each, 88 kB manifest, 258 kB audit; results/yang2017/
 * 20261121T124908Z-77dd07b: 269 kB for 66 units with 2.5 log entries each, 47 kB manifest, 52 kB audit, 45 kB
 * figure).
 */
export const DISK_BYTES = {
  /** manifest.json without its cells (≈ 21 kB), audit.csv + audit.md (≤ 258 kB: datnet's 576 claims), figures. */
  run: 330_000,
  /** One planned cell in manifest.json (0.7–1.1 kB). */
  cell: 1_100,
  /** One cell not run in manifest.json (id and reason, ≈ 120 B). */
  skipped: 120,
  /** One result row in results.json and results.csv, without its log (3.5–4.2 kB). */
  unit: 4_200,
  /** One epoch or evaluation of a row's log in results.json (190–240 B). */
  logEntry: 240,
} as const;

/** A run estimated over this many seconds needs `--yes` (or an explicit `--profile`) to start: 24 hours. */
export const CONFIRM_ABOVE_SECONDS = 24 * 3600;

/** Where a throughput was measured. */
export interface MachineFacts {
  hostname?: string;
  cpu?: string;
  cores?: number;
  /** ISO date of the measurement. */
  date?: string;
  blas?: string;
}

/** Training throughput of one bench shape on one backend. */
export interface ShapeThroughput {
  /** Median training tokens/s. */
  tokensPerSec: number;
  /** Where the number comes from, as shown to the user: the calibration file or a committed bench.csv. */
  source: string;
  /** Measured on this machine by `deno task bench` (the calibration file); false for a committed bench.csv. */
  calibrated: boolean;
  machine?: MachineFacts;
}

/** Throughputs by shape id for one backend. */
export interface Calibration {
  backend: string;
  shapes: Record<string, ShapeThroughput>;
  /** Problems met while reading (an unreadable calibration file…), shown in the summary. */
  notes?: string[];
}

/** Estimated seconds of one unit, split into training, evaluation and overhead. */
export interface UnitEstimate {
  seconds: number;
  trainSeconds: number;
  evalSeconds: number;
}

/**
 * Seconds of one unit under a calibration: `UNIT_OVERHEAD_SECONDS + trainTokens / tps + evalTokens /
 * (EVAL_SPEEDUP · tps)` with tps the shape's training tokens/s.
 *
 * @returns undefined when the calibration has no throughput for the workload's shape.
 * @throws {RangeError} for negative or non-finite token counts.
 */
export function unitSeconds(w: UnitWorkload, cal: Calibration): UnitEstimate | undefined {
  for (const [k, v] of [["trainTokens", w.trainTokens], ["evalTokens", w.evalTokens]] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`Workload ${k} must be ≥ 0, got ${v}`);
  }
  const tps = cal.shapes[w.shape]?.tokensPerSec;
  if (!(tps !== undefined && tps > 0)) return undefined;
  const trainSeconds = w.trainTokens / tps;
  const evalSeconds = w.evalTokens / (EVAL_SPEEDUP * tps);
  return { seconds: UNIT_OVERHEAD_SECONDS + trainSeconds + evalSeconds, trainSeconds, evalSeconds };
}

/** Bytes one unit adds to results.json and results.csv (`DISK_BYTES.unit` + its log entries). */
export function unitBytes(w: UnitWorkload | undefined): number {
  return DISK_BYTES.unit + (w?.logEntries ?? 0) * DISK_BYTES.logEntry;
}

/** One planned cell as the summary counts it. */
export interface PlannedUnits {
  cell: string;
  /** The experiment that declares the cell (a cell several tables print is counted once, under the first). */
  experiment: string;
  /** Seeds planned (units of the cell). */
  seeds: number;
  /** Units of the cell already done (a resumed run). */
  done: number;
  /** One unit's workload; undefined when the suite declares no cost model. */
  workload?: UnitWorkload;
}

/** What a summary is made of. */
export interface PlanSummaryInput {
  suite: string;
  version: string;
  profile: string;
  protocol: string;
  backend: string;
  cells: PlannedUnits[];
  /** Declared cells not run (blocked, not in the profile, excluded by --only). */
  skipped: number;
  /** A resumed run: only the units not yet done are estimated, and the run's fixed files exist already. */
  resume?: boolean;
  /** Problems met while estimating (a workload hook that threw…), shown in the summary. */
  notes?: string[];
}

/** The summary of one experiment. */
export interface ExperimentSummary {
  experiment: string;
  cells: number;
  /** Fewest and most seeds of its cells. */
  seeds: [number, number];
  units: number;
  done: number;
  /** Estimated seconds of its units not yet done (those with an estimate). */
  seconds: number;
  /** Units not yet done without an estimate (no throughput for their shape, or no cost model). */
  unestimated: number;
}

/** The plan summary of a run. */
export interface PlanSummary extends Omit<PlanSummaryInput, "cells" | "notes"> {
  experiments: ExperimentSummary[];
  cells: number;
  units: number;
  done: number;
  /** Units to run: `units − done`. */
  toRun: number;
  /**
   * Estimated seconds of the units to run plus the run's start; undefined when no unit to run has an estimate.
   * A lower bound when `unestimated > 0`.
   */
  seconds?: number;
  trainSeconds: number;
  evalSeconds: number;
  unestimated: number;
  /** Estimated seconds of one unit by cell id (for the run ETA); absent for cells without an estimate. */
  unitSeconds: Record<string, number>;
  /** Bytes the run will write (a resumed run: the rows still to come). */
  diskBytes: number;
  /** Mean bytes of one unit's result row, as used for `diskBytes`. */
  bytesPerUnit: number;
  /** Shapes the workloads name, each with its throughput when the calibration has one. */
  shapes: { shape: string; throughput?: ShapeThroughput }[];
  /** True when no planned cell has a workload (the suite declares no cost model). */
  noCostModel: boolean;
  /** The input's notes and the calibration's. */
  notes: string[];
}

/**
 * Sums the plan per experiment (in order of first appearance) and in total: units, units done, estimated
 * seconds of the units to run under `cal`, and the disk the run writes (`DISK_BYTES`).
 */
export function summarizePlan(input: PlanSummaryInput, cal: Calibration | undefined): PlanSummary {
  const byExperiment = new Map<string, ExperimentSummary>();
  const perUnit: Record<string, number> = {};
  let trainSeconds = 0;
  let evalSeconds = 0;
  let unitSum = 0;
  let unestimated = 0;
  let rowBytes = 0;
  let rows = 0;
  const shapes = new Map<string, ShapeThroughput | undefined>();
  for (const c of input.cells) {
    let e = byExperiment.get(c.experiment);
    if (!e) {
      e = {
        experiment: c.experiment,
        cells: 0,
        seeds: [c.seeds, c.seeds],
        units: 0,
        done: 0,
        seconds: 0,
        unestimated: 0,
      };
      byExperiment.set(c.experiment, e);
    }
    const toRun = Math.max(0, c.seeds - c.done);
    e.cells++;
    e.seeds = [Math.min(e.seeds[0], c.seeds), Math.max(e.seeds[1], c.seeds)];
    e.units += c.seeds;
    e.done += c.seeds - toRun;
    if (c.workload) shapes.set(c.workload.shape, cal?.shapes[c.workload.shape]);
    const est = c.workload && cal ? unitSeconds(c.workload, cal) : undefined;
    if (est) {
      perUnit[c.cell] = est.seconds;
      e.seconds += toRun * est.seconds;
      trainSeconds += toRun * est.trainSeconds;
      evalSeconds += toRun * est.evalSeconds;
      unitSum += toRun * est.seconds;
    } else {
      e.unestimated += toRun;
      unestimated += toRun;
    }
    rowBytes += toRun * unitBytes(c.workload);
    rows += toRun;
  }
  const experiments = [...byExperiment.values()];
  const units = experiments.reduce((n, e) => n + e.units, 0);
  const done = experiments.reduce((n, e) => n + e.done, 0);
  const toRun = units - done;
  const estimated = toRun - unestimated;
  const fixed = input.resume
    ? 0
    : DISK_BYTES.run + input.cells.length * DISK_BYTES.cell + input.skipped * DISK_BYTES.skipped;
  return {
    suite: input.suite,
    version: input.version,
    profile: input.profile,
    protocol: input.protocol,
    backend: input.backend,
    skipped: input.skipped,
    resume: input.resume,
    experiments,
    cells: input.cells.length,
    units,
    done,
    toRun,
    seconds: estimated > 0 ? unitSum + RUN_OVERHEAD_SECONDS : toRun === 0 ? 0 : undefined,
    trainSeconds,
    evalSeconds,
    unestimated,
    unitSeconds: perUnit,
    diskBytes: fixed + rowBytes,
    bytesPerUnit: rows ? rowBytes / rows : DISK_BYTES.unit,
    shapes: [...shapes].map(([shape, throughput]) => ({ shape, ...(throughput ? { throughput } : {}) })),
    noCostModel: input.cells.length > 0 && input.cells.every((c) => !c.workload),
    notes: [...(input.notes ?? []), ...(cal?.notes ?? [])],
  };
}

/** Seconds as `45s`, `1m17s`, `12m`, `3h05m` or `2d03h` (rounded to the unit shown). */
export function formatEstimate(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  const m = Math.round(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
  const h = Math.round(s / 3600);
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

/** Bytes as `850 kB`, `12.4 MB`, `3.1 GB` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");

function machine(t: ShapeThroughput): string {
  const m = t.machine ?? {};
  return [m.hostname, m.cpu, m.cores !== undefined ? `${m.cores} cores` : undefined, m.date?.slice(0, 10)]
    .filter((x) => x)
    .join(", ");
}

/**
 * The summary as the lines `reproduce` prints: a header, one row per experiment (cells, seeds, units, estimated
 * time), the total with its training / evaluation split, the disk, the throughput each shape was estimated with
 * (saying when it is uncalibrated for this machine, and naming the file), and what the estimate assumes.
 */
export function formatPlanSummary(s: PlanSummary): string {
  const lines: string[] = [];
  lines.push(
    `plan: ${s.suite} v${s.version}, profile ${s.profile}, protocol ${s.protocol}, backend ${s.backend}: ` +
      `${int(s.cells)} cells planned, ${int(s.skipped)} not run` +
      (s.resume ? `; resuming: ${int(s.done)} of ${int(s.units)} units done` : ""),
  );
  const estimated = (e: { seconds: number; unestimated: number; units: number; done: number }) =>
    e.units - e.done === 0
      ? "done"
      : e.unestimated === e.units - e.done
      ? "?"
      : `${formatEstimate(e.seconds)}${e.unestimated ? "+?" : ""}`;
  const header = ["experiment", "cells", "seeds", "units", ...(s.resume ? ["to run"] : []), "est. time"];
  const rows = s.experiments.map((e) => [
    e.experiment,
    int(e.cells),
    e.seeds[0] === e.seeds[1] ? String(e.seeds[0]) : `${e.seeds[0]}–${e.seeds[1]}`,
    int(e.units),
    ...(s.resume ? [int(e.units - e.done)] : []),
    estimated(e),
  ]);
  const totalTime = s.seconds === undefined
    ? "?"
    : `${formatEstimate(s.seconds)}${s.unestimated ? "+?" : ""}`;
  rows.push([
    "total",
    int(s.cells),
    "",
    int(s.units),
    ...(s.resume ? [int(s.toRun)] : []),
    totalTime,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  lines.push("  " + line(header));
  for (const r of rows) lines.push("  " + line(r));
  if (s.seconds !== undefined && s.toRun > 0) {
    lines.push(
      `  estimated wall time ${totalTime} for ${int(s.toRun)} units: training ${
        formatEstimate(s.trainSeconds)
      }, ` +
        `evaluation ${formatEstimate(s.evalSeconds)}, overhead ${
          formatEstimate(s.seconds - s.trainSeconds - s.evalSeconds)
        }` + (s.unestimated ? `; ${int(s.unestimated)} units without an estimate` : ""),
    );
  }
  lines.push(
    `  disk: ≈ ${formatBytes(s.diskBytes)}${s.resume ? " more" : ""} (${
      formatBytes(s.bytesPerUnit)
    } per unit` +
      `${s.resume ? "" : ` + ${formatBytes(DISK_BYTES.run)} manifest and audit`})`,
  );
  if (s.noCostModel) {
    lines.push(`  no time estimate: suite ${s.suite} declares no cost model (workload hook)`);
  }
  for (const { shape, throughput: t } of s.shapes) {
    if (!t) {
      lines.push(
        `  no throughput of shape ${shape} on backend ${s.backend}: its units have no estimate; run ` +
          `\`deno task bench --shapes ${shape} --backend ${s.backend}\``,
      );
    } else if (t.calibrated) {
      lines.push(
        `  throughput: ${shape} ${int(t.tokensPerSec)} tok/s on ${s.backend}, calibrated: ${t.source}` +
          (machine(t) ? ` (${machine(t)})` : ""),
      );
    } else {
      lines.push(
        `  throughput: ${shape} ${
          int(t.tokensPerSec)
        } tok/s on ${s.backend}, UNCALIBRATED for this machine: ` +
          `from ${t.source}${machine(t) ? ` (${machine(t)})` : ""}; run \`deno task bench\` to calibrate`,
      );
    }
  }
  for (const n of s.notes) lines.push(`  note: ${n}`);
  if (!s.noCostModel && s.toRun > 0) {
    lines.push(
      `  assumes: every unit runs its whole budget (no early stopping), one unit at a time, the machine as ` +
        `loaded as during the bench; prediction ${EVAL_SPEEDUP}× faster per token than training; ` +
        `${UNIT_OVERHEAD_SECONDS} s per unit and ${RUN_OVERHEAD_SECONDS} s per run besides`,
    );
  }
  return lines.join("\n");
}

/** What `reproduce` does with an estimate: start, ask on the terminal, or refuse (exit 2). */
export type StartDecision = "start" | "ask" | "refuse";

/**
 * The 24-hour rule: a run estimated over {@link CONFIRM_ABOVE_SECONDS} starts only with `--yes` or an explicit
 * `--profile`; otherwise it asks (y/N) on a terminal and refuses on a non-terminal stdin. A run without an
 * estimate starts.
 */
export function startDecision(
  seconds: number | undefined,
  o: { yes: boolean; explicitProfile: boolean; terminal: boolean },
): StartDecision {
  if (seconds === undefined || seconds <= CONFIRM_ABOVE_SECONDS || o.yes || o.explicitProfile) return "start";
  return o.terminal ? "ask" : "refuse";
}

/** The line after the summary of a refused run: how long it would take and how to start it anyway. */
export function refusalMessage(s: PlanSummary): string {
  return `the run is estimated at ${
    formatEstimate(s.seconds ?? NaN)
  }, over 24 hours: pass --yes to start it ` +
    `(or choose the profile explicitly with --profile ${s.profile}; --plan shows the plan without running)`;
}

/** The question asked on a terminal for a run over 24 hours. */
export function confirmQuestion(s: PlanSummary): string {
  return `The run is estimated at ${formatEstimate(s.seconds ?? NaN)} (over 24 hours). Start it? (y/N) `;
}

/** Whether an answer to {@link confirmQuestion} is yes (`y` or `yes`, any case); anything else is no. */
export function isYes(answer: string | null | undefined): boolean {
  return /^\s*y(es)?\s*$/i.test(answer ?? "");
}
