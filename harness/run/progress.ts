/**
 * The live progress line of `reproduce`: one line per cell showing cell, epoch, loss, dev F1, tokens/s and ETA.
 * On a terminal it is a redrawn cli-progress bar; otherwise (CI, pipes) one plain line per epoch.
 *
 * @module
 */

import cliProgress from "cli-progress";
import process from "node:process";
import type { CellProgress } from "./suite.ts";

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
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
  readonly #tty: boolean;
  readonly #quiet: boolean;

  /** @param total Number of cell×seed units in the run (for the `[i/n]` label). */
  constructor(readonly total: number, opts: { quiet?: boolean } = {}) {
    this.#tty = Boolean(process.stderr.isTTY);
    this.#quiet = Boolean(opts.quiet);
  }

  /** Starts the line of unit `index` (1-based). */
  startCell(index: number, cell: string, seed: number): void {
    this.#cell = cell;
    this.#label = `[${index}/${this.total}] ${cell} seed ${seed}`;
    this.#start = performance.now();
    this.#lastEpochPrinted = -1;
    if (this.#quiet) return;
    if (this.#tty) {
      this.#bar = new cliProgress.SingleBar({
        format:
          "{label} | {bar} | epoch {epoch}/{epochs} | loss {loss} | dev F1 {dev} | {tps} tok/s | ETA {eta}",
        stream: process.stderr,
        hideCursor: true,
        barsize: 20,
      }, cliProgress.Presets.shades_classic);
      this.#bar.start(1, 0, this.#payload({ epoch: 0, epochs: 0, loss: NaN, tokensPerSec: 0 }, NaN));
    } else {
      console.error(`${this.#label}: started`);
    }
  }

  #payload(p: CellProgress, eta: number) {
    return {
      label: this.#label,
      epoch: p.epoch,
      epochs: p.epochs,
      loss: Number.isFinite(p.loss) ? p.loss.toFixed(3) : "–",
      dev: p.devF1 === undefined ? "–" : p.devF1.toFixed(2),
      tps: Math.round(p.tokensPerSec),
      eta: formatDuration(eta),
    };
  }

  /** Updates the line. Fraction done = (epoch − 1 + step/stepsInEpoch) / epochs. */
  update(p: CellProgress): void {
    if (this.#quiet) return;
    const within = p.step !== undefined && p.stepsInEpoch ? p.step / p.stepsInEpoch : 1;
    const frac = p.epochs > 0 ? Math.min(1, (Math.max(p.epoch - 1, 0) + within) / p.epochs) : 0;
    const elapsed = (performance.now() - this.#start) / 1000;
    const eta = frac > 0 ? elapsed * (1 - frac) / frac : NaN;
    if (this.#bar) {
      this.#bar.update(frac, this.#payload(p, eta));
    } else if (p.devF1 !== undefined && p.epoch !== this.#lastEpochPrinted) {
      this.#lastEpochPrinted = p.epoch;
      const q = this.#payload(p, eta);
      console.error(
        `${q.label} | epoch ${q.epoch}/${q.epochs} | loss ${q.loss} | dev F1 ${q.dev} | ${q.tps} tok/s | ETA ${q.eta}`,
      );
    }
  }

  /** Ends the line with the cell's result. */
  endCell(summary: string): void {
    this.#bar?.stop();
    this.#bar = undefined;
    if (!this.#quiet) {
      const secs = (performance.now() - this.#start) / 1000;
      console.error(`${this.#label}: ${summary} (${formatDuration(secs)})`);
    }
  }

  /** Stops any live line (on errors). */
  abort(): void {
    this.#bar?.stop();
    this.#bar = undefined;
    void this.#cell;
  }
}
