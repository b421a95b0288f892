/**
 * Evaluation cadences: after which iterations of the training loop the model is evaluated.
 *
 * - `epochs`: at the end of every `every`-th epoch, and (`last`) at the end of the budget's last epoch (DATNet:
 *   every epoch, `evalEvery` n as a CPU knob, suites/datnet/train.ts; Yang's harness override `everyEpochs`).
 * - `sentences`: Yang et al.'s released rule (kimiyoung/transfer `cnn_rnn.py` `step_train`, quoted as
 *   `YANG_EVALUATION_RULE` in suites/yang2017/train.ts): counted on the iterations of one stream; its in-epoch
 *   iteration counter i restarts at 0 when its pass ends; the period is `warmupEvery` sentences while the
 *   stream's completed passes ≤ `warmupEpochs`, else `every`; evaluate when i·batchSize mod period = 0 (so at
 *   every pass end too).
 * - `steps`: after every `every`-th iteration (an LM stage counted in steps).
 * - `never`: only the loop's final evaluation.
 *
 * @module
 */

import { checkInteger, LoopSpecError } from "./spec_error.ts";
import type { StreamBatch } from "./streams.ts";

/** A declared evaluation cadence. */
export type CadenceSpec =
  | { kind: "epochs"; every: number; last?: boolean }
  | { kind: "sentences"; stream: string; every: number; warmupEvery: number; warmupEpochs: number }
  | { kind: "steps"; every: number }
  | { kind: "never" };

/** What the cadence sees after one iteration. */
export interface CadenceEvent {
  /** Iterations completed, 1-based. */
  iteration: number;
  /** Batches the iteration took. */
  batches: readonly StreamBatch[];
  /** Whether the iteration ended an epoch. */
  epochEnded: boolean;
  /** Epochs completed (after this iteration). */
  epochsCompleted: number;
  /** The budget's epoch count, when there is one. */
  maxEpochs?: number;
  /** Passes completed by each stream (after this iteration). */
  passesCompleted: Readonly<Record<string, number>>;
}

/** Plain-data state of a {@link Cadence}: the `sentences` cadence's in-epoch counter. */
export interface CadenceState {
  /** Iterations of the counted stream since its pass began (Yang's `self.iter`). */
  inEpoch: number;
}

/**
 * Throws {@link LoopSpecError} for an unknown kind, periods < 1, `warmupEpochs` < −1 (−1: no warm-up), or a
 * `sentences` stream that is not declared.
 */
export function validateCadence(spec: CadenceSpec, streams: readonly string[]): void {
  switch (spec?.kind) {
    case "epochs":
      checkInteger("Evaluation cadence every (epochs)", spec.every, 1);
      break;
    case "steps":
      checkInteger("Evaluation cadence every (steps)", spec.every, 1);
      break;
    case "sentences":
      if (!streams.includes(spec.stream)) {
        throw new LoopSpecError(
          `Evaluation cadence counts on stream "${spec.stream}", which is not declared (${
            streams.join(", ")
          })`,
        );
      }
      checkInteger("Evaluation cadence every (sentences)", spec.every, 1);
      checkInteger("Evaluation cadence warmupEvery (sentences)", spec.warmupEvery, 1);
      checkInteger("Evaluation cadence warmupEpochs", spec.warmupEpochs, -1);
      break;
    case "never":
      break;
    default:
      throw new LoopSpecError(
        `Evaluation cadence kind must be "epochs", "sentences", "steps" or "never", got ${
          JSON.stringify((spec as { kind?: unknown })?.kind)
        }`,
      );
  }
}

/** Decides after each iteration whether an evaluation is due. */
export class Cadence {
  /** The declaration. */
  readonly spec: CadenceSpec;
  readonly #batchSize: number;
  #inEpoch = 0;

  /**
   * `batchSize`: the nominal batch size of the `sentences` cadence's stream (the released rule multiplies the
   * iteration counter by it).
   *
   * @throws {LoopSpecError} as {@link validateCadence}.
   */
  constructor(spec: CadenceSpec, streams: readonly string[], batchSize = 1) {
    validateCadence(spec, streams);
    this.spec = spec;
    this.#batchSize = batchSize;
  }

  /** Whether the iteration described by `e` is followed by an evaluation (updates the `sentences` counter). */
  due(e: CadenceEvent): boolean {
    const spec = this.spec;
    switch (spec.kind) {
      case "epochs":
        return e.epochEnded &&
          (e.epochsCompleted % spec.every === 0 || (spec.last === true && e.epochsCompleted === e.maxEpochs));
      case "steps":
        return e.iteration % spec.every === 0;
      case "never":
        return false;
      case "sentences": {
        const b = e.batches.find((x) => x.stream === spec.stream);
        if (!b) return false;
        this.#inEpoch = b.endOfPass ? 0 : this.#inEpoch + 1;
        const period = e.passesCompleted[spec.stream] <= spec.warmupEpochs ? spec.warmupEvery : spec.every;
        return (this.#inEpoch * this.#batchSize) % period === 0;
      }
    }
  }

  /** Plain-data state. */
  state(): CadenceState {
    return { inEpoch: this.#inEpoch };
  }

  /** Puts back a {@link Cadence.state}. @throws {Error} when `inEpoch` is not an integer ≥ 0. */
  restore(state: CadenceState): void {
    if (!(Number.isInteger(state?.inEpoch) && state.inEpoch >= 0)) {
      throw new Error(`Cadence: cannot restore inEpoch ${JSON.stringify(state?.inEpoch)}`);
    }
    this.#inEpoch = state.inEpoch;
  }
}
