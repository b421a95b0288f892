/**
 * Learning-rate schedules as declared data, evaluated per epoch (e is 1-based; the rate of epoch e is set before
 * its first iteration):
 *
 * - `constant`: lr (Yang et al. 2017: AdaGrad 0.01, suites/yang2017/train.ts).
 * - `inverse-time`: lr / (1 + decay·(e − 1)) (Zhou et al. 2019 §4.2, DATNet decay 0.05; computed by
 *   `inverseTimeDecay` of models/optim.ts, bit for bit what suites/datnet/train.ts did before the shared loop).
 * - `exponential`: lr · factor^(e − 1) (mlma2019's tagger: Adam 1e-3, ×0.9 per epoch).
 * - `plateau`: Keras `ReduceLROnPlateau` (perl2020: factor 0.1, patience 5, monitoring the training CRF loss):
 *   at each epoch end the monitored value improves when it beats the best by more than `minDelta` (Keras default
 *   1e-4); otherwise, outside a cooldown, `wait` grows, and when it reaches `patience` the rate becomes
 *   max(lr·factor, minLr) (if lr > minLr), `wait` resets and the cooldown starts. Keras holds the rate in float32;
 *   this holds it in float64.
 * - `frozen-then-ramp`: 0 for `frozenEpochs` epochs, then lr · min(1, (e − frozenEpochs) / rampEpochs) (a
 *   parameter group frozen at first and then warmed up, e.g. a pretrained encoder under a new head).
 *
 * @module
 */

import { inverseTimeDecay } from "../../models/optim.ts";
import { checkInteger, checkNumber, LoopSpecError } from "./spec_error.ts";

/** A declared learning-rate schedule. */
export type LrScheduleSpec =
  | { kind: "constant"; lr: number }
  | { kind: "inverse-time"; lr: number; decay: number }
  | { kind: "exponential"; lr: number; factor: number }
  | {
    kind: "plateau";
    lr: number;
    /** Metric key read at each epoch end, e.g. `"train/loss"`, `"train/crf_loss"`, `"dev/f1"`. */
    monitor: string;
    mode: "min" | "max";
    factor: number;
    patience: number;
    /** Improvement threshold (Keras `min_delta`, default 1e-4). */
    minDelta?: number;
    /** Keras `cooldown` (default 0): set after a reduction, decremented at each epoch end BEFORE it is tested, so
     * a cooldown n leaves the next n − 1 epoch ends uncounted. */
    cooldown?: number;
    /** Lower bound (Keras `min_lr`, default 0). */
    minLr?: number;
  }
  | { kind: "frozen-then-ramp"; lr: number; frozenEpochs: number; rampEpochs: number };

/** Plain-data state of one schedule: the current rate and, for `plateau`, Keras' best/wait/cooldown counters. */
export interface LrScheduleState {
  /** The current rate. */
  lr: number;
  /** `plateau`: best monitored value so far. */
  best?: number;
  /** `plateau`: epoch ends without improvement since the last improvement or reduction. */
  wait?: number;
  /** `plateau`: remaining cooldown. */
  cooldown?: number;
}

const KINDS = ["constant", "inverse-time", "exponential", "plateau", "frozen-then-ramp"];

/**
 * Throws {@link LoopSpecError} for an unknown kind, a negative or non-finite rate, a negative decay, a factor
 * outside (0, 1] (`plateau`: (0, 1)), a monitor that is not a `<split>/<name>` key, or negative counts; `name`
 * names the schedule in the message.
 */
export function validateLrSchedule(name: string, spec: LrScheduleSpec): void {
  if (!KINDS.includes(spec?.kind)) {
    throw new LoopSpecError(
      `Learning-rate schedule "${name}" kind must be one of ${KINDS.join(", ")}, got ${
        JSON.stringify(spec?.kind)
      }`,
    );
  }
  checkNumber(`Learning-rate schedule "${name}" lr`, spec.lr, 0, true);
  switch (spec.kind) {
    case "inverse-time":
      checkNumber(`Learning-rate schedule "${name}" decay`, spec.decay, 0, true);
      break;
    case "exponential":
      checkNumber(`Learning-rate schedule "${name}" factor`, spec.factor, 0, false);
      if (spec.factor > 1) {
        throw new LoopSpecError(`Learning-rate schedule "${name}" factor must be ≤ 1, got ${spec.factor}`);
      }
      break;
    case "plateau":
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(spec.monitor ?? "")) {
        throw new LoopSpecError(
          `Learning-rate schedule "${name}" monitor must be a metric key "<split>/<name>", got ${
            JSON.stringify(spec.monitor)
          }`,
        );
      }
      if (spec.mode !== "min" && spec.mode !== "max") {
        throw new LoopSpecError(
          `Learning-rate schedule "${name}" mode must be "min" or "max", got ${JSON.stringify(spec.mode)}`,
        );
      }
      checkNumber(`Learning-rate schedule "${name}" factor`, spec.factor, 0, false);
      if (spec.factor >= 1) {
        throw new LoopSpecError(`Learning-rate schedule "${name}" factor must be < 1, got ${spec.factor}`);
      }
      checkInteger(`Learning-rate schedule "${name}" patience`, spec.patience, 0);
      if (spec.minDelta !== undefined) {
        checkNumber(`Learning-rate schedule "${name}" minDelta`, spec.minDelta, 0, true);
      }
      if (spec.cooldown !== undefined) {
        checkInteger(`Learning-rate schedule "${name}" cooldown`, spec.cooldown, 0);
      }
      if (spec.minLr !== undefined) {
        checkNumber(`Learning-rate schedule "${name}" minLr`, spec.minLr, 0, true);
      }
      break;
    case "frozen-then-ramp":
      checkInteger(`Learning-rate schedule "${name}" frozenEpochs`, spec.frozenEpochs, 0);
      checkInteger(`Learning-rate schedule "${name}" rampEpochs`, spec.rampEpochs, 0);
      break;
  }
}

/**
 * The rate of 1-based epoch `epoch` for the schedules that depend on the epoch only (all but `plateau`, whose
 * rate depends on the metrics seen; for it this returns the initial rate).
 *
 * @example lrAtEpoch({ kind: "inverse-time", lr: 1e-3, decay: 0.05 }, 3) // 1e-3 / 1.1
 */
export function lrAtEpoch(spec: LrScheduleSpec, epoch: number): number {
  switch (spec.kind) {
    case "constant":
    case "plateau":
      return spec.lr;
    case "inverse-time":
      return inverseTimeDecay(spec.lr, spec.decay, epoch - 1);
    case "exponential":
      return spec.lr * spec.factor ** (epoch - 1);
    case "frozen-then-ramp":
      if (epoch <= spec.frozenEpochs) return 0;
      return spec.rampEpochs === 0
        ? spec.lr
        : spec.lr * Math.min(1, (epoch - spec.frozenEpochs) / spec.rampEpochs);
  }
}

/** One schedule with its state: {@link LrScheduler.atEpochStart} gives the epoch's rate, `atEpochEnd` updates. */
export class LrScheduler {
  /** The lr group's name. */
  readonly name: string;
  /** The declaration. */
  readonly spec: LrScheduleSpec;
  #lr: number;
  #best: number;
  #wait = 0;
  #cooldown = 0;

  /**
   * The schedule of lr group `name`, starting at `spec.lr`.
   *
   * @throws {LoopSpecError} as {@link validateLrSchedule}.
   */
  constructor(name: string, spec: LrScheduleSpec) {
    validateLrSchedule(name, spec);
    this.name = name;
    this.spec = spec;
    this.#lr = spec.lr;
    this.#best = spec.kind === "plateau" && spec.mode === "max" ? -Infinity : Infinity;
  }

  /** The current rate. */
  get lr(): number {
    return this.#lr;
  }

  /** Sets and returns the rate of 1-based epoch `epoch` (for `plateau`: the rate left by earlier epoch ends). */
  atEpochStart(epoch: number): number {
    if (this.spec.kind !== "plateau") this.#lr = lrAtEpoch(this.spec, epoch);
    return this.#lr;
  }

  /**
   * End of an epoch: `plateau` reads `metrics[monitor]` (Keras `on_epoch_end`); other kinds do nothing. A monitor
   * missing from `metrics` skips the update when `required` is false (an epoch without evaluation).
   *
   * @throws {LoopSpecError} when the monitor is missing and `required` is true.
   */
  atEpochEnd(metrics: Readonly<Record<string, number>>, required: boolean): void {
    const spec = this.spec;
    if (spec.kind !== "plateau") return;
    const current = metrics[spec.monitor];
    if (current === undefined) {
      if (!required) return;
      throw new LoopSpecError(
        `Learning-rate schedule "${this.name}" monitors "${spec.monitor}", which the epoch's metrics lack ` +
          `(they have ${Object.keys(metrics).join(", ") || "none"})`,
      );
    }
    const minDelta = spec.minDelta ?? 1e-4;
    const inCooldown = this.#cooldown > 0;
    if (inCooldown) {
      this.#cooldown--;
      this.#wait = 0;
    }
    const improved = spec.mode === "min" ? current < this.#best - minDelta : current > this.#best + minDelta;
    if (improved) {
      this.#best = current;
      this.#wait = 0;
    } else if (!(this.#cooldown > 0)) {
      this.#wait++;
      if (this.#wait >= spec.patience) {
        const minLr = spec.minLr ?? 0;
        if (this.#lr > minLr) {
          this.#lr = Math.max(this.#lr * spec.factor, minLr);
          this.#cooldown = spec.cooldown ?? 0;
          this.#wait = 0;
        }
      }
    }
  }

  /** Plain-data state (see {@link LrScheduleState}). */
  state(): LrScheduleState {
    return this.spec.kind === "plateau"
      ? { lr: this.#lr, best: this.#best, wait: this.#wait, cooldown: this.#cooldown }
      : { lr: this.#lr };
  }

  /**
   * Puts back a {@link LrScheduler.state} of a schedule of the same declaration.
   *
   * @throws {Error} when `lr` is not a number, or (`plateau`) `best` is not a number or `wait`/`cooldown` are not
   *   integers ≥ 0.
   */
  restore(state: LrScheduleState): void {
    const plateau = this.spec.kind === "plateau";
    const count = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
    if (
      typeof state?.lr !== "number" ||
      (plateau && !(typeof state.best === "number" && count(state.wait) && count(state.cooldown)))
    ) {
      throw new Error(`Learning-rate schedule "${this.name}": cannot restore ${JSON.stringify(state)}`);
    }
    this.#lr = state.lr;
    if (plateau) {
      this.#best = state.best!;
      this.#wait = state.wait!;
      this.#cooldown = state.cooldown!;
    }
  }
}
