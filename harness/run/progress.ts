/**
 * The live progress line of `reproduce`: one line per cell showing the cell, its progress in epochs or iterations,
 * loss, the latest score labelled with its metric key, tokens/s, the cell's ETA and the whole run's ETA. On a
 * terminal it is a redrawn cli-progress bar; otherwise (CI, pipes) one plain line per evaluation.
 *
 * @module
 */

import cliProgress from "cli-progress";
import process from "node:process";
import type { CellProgress } from "./suite.ts";

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
/**
 * The evaluation cadence's cost in a progress line: ` | eval 12× 2.1 s, 35% of the time` (evaluations so far,
 * mean seconds each, their share of the unit's elapsed seconds); empty when the unit reports none.
 */
export function evaluationCost(p: CellProgress, elapsedSeconds: number): string {
  const e = p.evaluations;
  if (!e || e.count === 0) return "";
  const share = elapsedSeconds > 0 ? Math.min(100, Math.round((100 * e.seconds) / elapsedSeconds)) : 0;
  return ` | eval ${e.count}× ${(e.seconds / e.count).toFixed(1)} s, ${share}% of the time`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** Progress reporter for one run. */
export class RunProgress {
  #bar?: cliProgress.SingleBar;
  #cell = "";
  #label = "";
  #start = 0;
  #lastEpochPrinted = -1;
  #index = 0;
  /** Seconds of the units finished in this process, for the run's ETA. */
  #finished: number[] = [];
  /** The cost model's estimated seconds of the units finished in this process (undefined: none). */
  #finishedEstimates: (number | undefined)[] = [];
  readonly #estimates?: readonly (number | undefined)[];
  readonly #now: () => number;
  readonly #tty: boolean;
  readonly #quiet: boolean;

  /**
   * @param total Number of cell×seed units in the run (for the `[i/n]` label).
   * @param opts.estimates The cost model's seconds of each unit, by 0-based unit index (0 for a unit already done,
   *   undefined where there is no estimate), for the run ETA (see {@link runEta}).
   * @param opts.now The clock in milliseconds (default `performance.now`; tests pass their own).
   */
  constructor(
    readonly total: number,
    opts: {
      quiet?: boolean;
      estimates?: readonly (number | undefined)[];
      now?: () => number;
      tty?: boolean;
    } = {},
  ) {
    this.#tty = opts.tty ?? Boolean(process.stderr.isTTY);
    this.#quiet = Boolean(opts.quiet);
    this.#estimates = opts.estimates;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Starts the line of unit `index` (1-based). */
  startCell(index: number, cell: string, seed: number): void {
    this.#cell = cell;
    this.#index = index;
    this.#label = `[${index}/${this.total}] ${cell} seed ${seed}`;
    this.#start = this.#now();
    this.#lastEpochPrinted = -1;
    if (this.#quiet) return;
    if (this.#tty) {
      this.#bar = new cliProgress.SingleBar({
        format:
          "{label} | {bar} | {position} | loss {loss} | {score} | {tps} tok/s{evals} | ETA {eta} | run ETA {runEta}",
        stream: process.stderr,
        hideCursor: true,
        barsize: 20,
      }, cliProgress.Presets.shades_classic);
      this.#bar.start(1, 0, this.#payload({ unit: "epoch", at: 0, of: 0, loss: NaN }, NaN));
    } else {
      console.error(`${this.#label}: started`);
    }
  }

  #payload(p: CellProgress, eta: number) {
    return {
      label: this.#label,
      position: `${p.unit} ${p.at}/${p.of > 0 ? p.of : "?"}`,
      loss: Number.isFinite(p.loss) ? p.loss.toFixed(3) : "–",
      score: p.score === undefined ? "no score yet" : `${p.score.key} ${p.score.value.toFixed(2)}`,
      tps: p.tokensPerSec === undefined ? "–" : String(Math.round(p.tokensPerSec)),
      evals: evaluationCost(p, (this.#now() - this.#start) / 1000),
      eta: formatDuration(eta),
      runEta: formatDuration(this.runEta(eta)),
    };
  }

  /**
   * The whole run's ETA in seconds: the current unit's ETA plus the units after it. With the cost model's
   * estimates for every unit after it, their sum scaled by measured ÷ estimated seconds of the units finished in
   * this process (before any has finished: of the current unit, its elapsed time plus `cellEta` against its
   * estimate; 1 when that is unknown too); otherwise the mean duration of the finished units (the current unit's
   * own duration when none has finished) times their number.
   */
  runEta(cellEta: number): number {
    const elapsed = (this.#now() - this.#start) / 1000;
    const after = Math.max(0, this.total - this.#index);
    const rest = this.#estimates?.slice(this.#index, this.total);
    if (rest && rest.length === after && rest.every((x) => x !== undefined && Number.isFinite(x))) {
      let measured = 0;
      let estimated = 0;
      this.#finished.forEach((secs, i) => {
        const est = this.#finishedEstimates[i];
        if (est !== undefined && est > 0) {
          measured += secs;
          estimated += est;
        }
      });
      if (estimated === 0) {
        const own = this.#estimates![this.#index - 1];
        if (own !== undefined && own > 0 && Number.isFinite(cellEta)) {
          measured = elapsed + cellEta;
          estimated = own;
        }
      }
      const ratio = estimated > 0 ? measured / estimated : 1;
      return cellEta + ratio * rest.reduce((a: number, b) => a + (b ?? 0), 0);
    }
    const mean = this.#finished.length
      ? this.#finished.reduce((a, b) => a + b, 0) / this.#finished.length
      : elapsed + cellEta;
    return cellEta + mean * after;
  }

  /**
   * Updates the line. Fraction done = (at − 1 + step/stepsInEpoch) / of for epochs, at / of for iterations.
   */
  update(p: CellProgress): void {
    if (this.#quiet) return;
    const within = p.step !== undefined && p.stepsInEpoch ? p.step / p.stepsInEpoch : 1;
    const done = p.unit === "epoch" ? Math.max(p.at - 1, 0) + within : p.at;
    const frac = p.of > 0 ? Math.min(1, done / p.of) : 0;
    const elapsed = (this.#now() - this.#start) / 1000;
    const eta = frac > 0 ? elapsed * (1 - frac) / frac : NaN;
    if (this.#bar) {
      this.#bar.update(frac, this.#payload(p, eta));
    } else if (p.score !== undefined && p.at !== this.#lastEpochPrinted) {
      this.#lastEpochPrinted = p.at;
      const q = this.#payload(p, eta);
      console.error(
        `${q.label} | ${q.position} | loss ${q.loss} | ${q.score} | ${q.tps} tok/s${q.evals} | ETA ${q.eta} | ` +
          `run ETA ${q.runEta}`,
      );
    }
  }

  /** Ends the line with the cell's result. */
  endCell(summary: string): void {
    this.#bar?.stop();
    this.#bar = undefined;
    const secs = (this.#now() - this.#start) / 1000;
    this.#finished.push(secs);
    this.#finishedEstimates.push(this.#estimates?.[this.#index - 1]);
    if (!this.#quiet) console.error(`${this.#label}: ${summary} (${formatDuration(secs)})`);
  }

  /** Stops any live line (on errors). */
  abort(): void {
    this.#bar?.stop();
    this.#bar = undefined;
    void this.#cell;
  }
}
