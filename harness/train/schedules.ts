/**
 * Multi-task / multi-resource schedules: which streams one iteration of the training loop reads, and what an
 * epoch is.
 *
 * - `joint-sum`: every iteration takes one batch of EVERY stream; the caller's step makes one optimiser step on the
 *   summed loss (tagbench's DATNet-F/P rule, `DATNET_F_MIXING_RULE` in suites/datnet/train.ts). The epoch length is
 *   max over streams of min(batches per pass, cap) iterations, e.g. max(#target batches, min(#source batches,
 *   sourceBatchesPerEpoch)).
 * - `alternate`: every iteration takes one batch of ONE stream; streams take turns in declaration order (Yang et
 *   al. 2017's released `joint.py` loop `for i in range(len(models))`, suites/yang2017/train.ts). With one
 *   optimiser per stream this is also the released DATNet code's single-resource batches (one Adam per resource).
 * - `sample`: every iteration draws one stream with fixed probabilities from a seeded schedule Rng (Yang et al.
 *   2017 §3.3: a binomial over {source, target}).
 * - `arranged`: every iteration takes one batch of ONE stream, in an order laid out per epoch: `mixed[s]` batches
 *   of each stream shuffled together by the seeded schedule Rng, then `appended[s]` batches of each stream in
 *   declaration order. This is the released DATNet code's `_arrange_batches` (joeyzhouty/DATnet
 *   `models/shares.py`, 26hzhang/DATNet `models/abstract.py`): some source batches and a fraction of the target
 *   batches shuffled, the rest of the target batches appended; the suite computes the counts
 *   (suites/datnet/mixing.ts). An epoch is the arrangement.
 *
 * Epochs (`EpochSpec`): the passes of one stream (Yang: target epochs), a fixed number of iterations, or the
 * combination (max or sum) of the streams' passes, optionally capped per stream.
 *
 * @module
 */

import type { Rng } from "../../models/init.ts";
import { checkInteger, checkNumber, LoopSpecError } from "./spec_error.ts";

/** What one epoch of the loop is. */
export type EpochSpec =
  /** An epoch ends when this stream completes a pass (the iteration that took its last batch). */
  | { by: "stream"; stream: string }
  /** An epoch is this many iterations. */
  | { by: "iterations"; iterations: number }
  /**
   * An epoch is max (or sum) over the schedule's streams of min(batches per pass, caps[stream] ?? ∞)
   * iterations (DATNet: max, with a cap on the source).
   */
  | { by: "passes"; combine: "max" | "sum"; caps?: Readonly<Record<string, number>> };

/** A declared schedule (plain data; the `sample` schedule's Rng is passed beside it). */
export type ScheduleSpec =
  | { kind: "joint-sum"; streams: readonly string[]; epoch?: EpochSpec }
  | { kind: "alternate"; streams: readonly string[]; epoch: EpochSpec }
  | {
    kind: "sample";
    streams: readonly string[];
    /** Relative probabilities by stream name (not normalised; each > 0). */
    probabilities: Readonly<Record<string, number>>;
    epoch: EpochSpec;
  }
  | {
    kind: "arranged";
    streams: readonly string[];
    /** Batches per epoch by stream: `mixed` shuffled together, then `appended` in stream order. */
    arrangement: Arrangement;
  };

/** Batches of one `arranged` epoch by stream (counts ≥ 0, at least one batch in all). */
export interface Arrangement {
  mixed: Readonly<Record<string, number>>;
  appended?: Readonly<Record<string, number>>;
}

/** The default epoch of `joint-sum`: the longest pass, no caps. */
export const LONGEST_PASS: EpochSpec = { by: "passes", combine: "max" };

/**
 * Throws {@link LoopSpecError} for a schedule that names unknown or duplicate streams, lacks a probability > 0 for
 * a sampled stream, has an invalid epoch declaration, or (`sample`) has no Rng.
 */
export function validateSchedule(spec: ScheduleSpec, streams: readonly string[], rng?: Rng): void {
  const kinds = ["joint-sum", "alternate", "sample", "arranged"];
  if (!kinds.includes(spec?.kind)) {
    throw new LoopSpecError(
      `Schedule kind must be one of ${kinds.join(", ")}, got ${JSON.stringify(spec?.kind)}`,
    );
  }
  if (!Array.isArray(spec.streams) || spec.streams.length === 0) {
    throw new LoopSpecError(`Schedule "${spec.kind}" needs at least one stream`);
  }
  const seen = new Set<string>();
  for (const s of spec.streams) {
    if (!streams.includes(s)) {
      throw new LoopSpecError(
        `Schedule "${spec.kind}" names stream "${s}", which is not declared (streams: ${streams.join(", ")})`,
      );
    }
    if (seen.has(s)) throw new LoopSpecError(`Schedule "${spec.kind}" lists stream "${s}" twice`);
    seen.add(s);
  }
  if (spec.kind === "sample") {
    if (!rng) throw new LoopSpecError(`Schedule "sample" needs a schedule Rng`);
    for (const s of spec.streams) {
      checkNumber(`Schedule "sample" probabilities["${s}"]`, spec.probabilities?.[s], 0, false);
    }
  }
  if (spec.kind === "arranged") {
    if (!rng) throw new LoopSpecError(`Schedule "arranged" needs a schedule Rng`);
    let total = 0;
    for (const part of ["mixed", "appended"] as const) {
      for (const [s, n] of Object.entries(spec.arrangement?.[part] ?? {})) {
        if (!spec.streams.includes(s)) {
          throw new LoopSpecError(
            `Arrangement ${part} count for "${s}", which is not one of the schedule's streams`,
          );
        }
        checkInteger(`Arrangement ${part} count of "${s}"`, n, 0);
        total += n;
      }
    }
    if (total === 0) throw new LoopSpecError(`Schedule "arranged" has no batch in its arrangement`);
    return;
  }
  const epoch = epochSpec(spec);
  if (epoch?.by === "stream") {
    if (!spec.streams.includes(epoch.stream)) {
      throw new LoopSpecError(
        `Epoch stream "${epoch.stream}" is not one of the schedule's streams (${spec.streams.join(", ")})`,
      );
    }
  } else if (epoch?.by === "iterations") {
    checkInteger("Epoch iterations", epoch.iterations, 1);
  } else if (epoch?.by === "passes") {
    if (epoch.combine !== "max" && epoch.combine !== "sum") {
      throw new LoopSpecError(`Epoch combine must be "max" or "sum", got ${JSON.stringify(epoch.combine)}`);
    }
    for (const [s, cap] of Object.entries(epoch.caps ?? {})) {
      if (!spec.streams.includes(s)) {
        throw new LoopSpecError(`Epoch cap for "${s}", which is not one of the schedule's streams`);
      }
      checkInteger(`Epoch cap of "${s}"`, cap, 1);
    }
  } else {
    throw new LoopSpecError(
      `Epoch must be {by: "stream"}, {by: "iterations"} or {by: "passes"}, got ${JSON.stringify(epoch)}`,
    );
  }
}

/** The schedule's epoch declaration (`joint-sum` defaults to {@link LONGEST_PASS}; `arranged`: its length). */
export function epochSpec(spec: ScheduleSpec): EpochSpec {
  if (spec.kind === "arranged") return { by: "iterations", iterations: arrangementLength(spec.arrangement) };
  return spec.kind === "joint-sum" ? spec.epoch ?? LONGEST_PASS : spec.epoch;
}

/** Batches in one `arranged` epoch. */
export function arrangementLength(a: Arrangement): number {
  const sum = (r?: Readonly<Record<string, number>>) => Object.values(r ?? {}).reduce((x, y) => x + y, 0);
  return sum(a.mixed) + sum(a.appended);
}

/**
 * One epoch's stream order of an `arranged` schedule: the `mixed` batches (streams in declaration order, each
 * repeated its count) shuffled by Fisher–Yates with `rng` (for i from n−1 down to 1, j = ⌊rng()·(i+1)⌋, the
 * algorithm of Python's `random.shuffle`), then the `appended` batches in declaration order.
 */
export function arrangeEpoch(a: Arrangement, streams: readonly string[], rng: Rng): string[] {
  const head = streams.flatMap((s) => Array<string>(a.mixed[s] ?? 0).fill(s));
  for (let i = head.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [head[i], head[j]] = [head[j], head[i]];
  }
  return [...head, ...streams.flatMap((s) => Array<string>(a.appended?.[s] ?? 0).fill(s))];
}

/**
 * Iterations per epoch for a fixed-length epoch, from the streams' batches per pass; `undefined` when epochs
 * end with a stream's pass (their length in iterations is not fixed).
 *
 * @example epochLength({ by: "passes", combine: "max", caps: { source: 3 } }, ["target", "source"],
 *   { target: 2, source: 8 }) // max(2, min(8, 3)) = 3
 */
export function epochLength(
  epoch: EpochSpec,
  streams: readonly string[],
  perPass: Readonly<Record<string, number>>,
): number | undefined {
  if (epoch.by === "stream") return undefined;
  if (epoch.by === "iterations") return epoch.iterations;
  const lengths = streams.map((s) => Math.min(perPass[s], epoch.caps?.[s] ?? Infinity));
  return epoch.combine === "max" ? Math.max(...lengths) : lengths.reduce((a, b) => a + b, 0);
}

/**
 * Index of the stream drawn by `u·Σp` against the running sum of `probabilities` (in order), the last index on
 * rounding; exactly the draw of Yang's sampled schedule (one `rng()` per iteration).
 */
export function drawIndex(probabilities: readonly number[], sum: number, rng: Rng): number {
  let u = rng() * sum;
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

/**
 * Chooses the streams of each iteration. `pick(iteration)` takes the 0-based iteration count and returns stream
 * names in schedule order.
 */
export class Scheduler {
  /** The declaration. */
  readonly spec: ScheduleSpec;
  readonly #rng?: Rng;
  readonly #probs: number[];
  readonly #sum: number;
  #epochOrder: string[] = [];

  /**
   * A scheduler over the declared `streams`; `rng` is the `sample` schedule's Rng.
   *
   * @throws {LoopSpecError} as {@link validateSchedule}.
   */
  constructor(spec: ScheduleSpec, streams: readonly string[], rng?: Rng) {
    validateSchedule(spec, streams, rng);
    this.spec = spec;
    this.#rng = rng;
    this.#probs = spec.kind === "sample" ? spec.streams.map((s) => spec.probabilities[s]) : [];
    this.#sum = this.#probs.reduce((a, b) => a + b, 0);
  }

  /**
   * Streams read by iteration `iteration` (0-based): all (`joint-sum`), the turn's, a seeded draw, or the
   * epoch's arranged stream (`arranged`: a new order is laid out at every epoch's first iteration).
   */
  pick(iteration: number): readonly string[] {
    const { spec } = this;
    if (spec.kind === "joint-sum") return spec.streams;
    if (spec.kind === "alternate") return [spec.streams[iteration % spec.streams.length]];
    if (spec.kind === "arranged") {
      const at = iteration % arrangementLength(spec.arrangement);
      if (at === 0) this.#epochOrder = arrangeEpoch(spec.arrangement, spec.streams, this.#rng!);
      return [this.#epochOrder[at]];
    }
    return [spec.streams[drawIndex(this.#probs, this.#sum, this.#rng!)]];
  }

  /** The current epoch's order (`arranged`; empty otherwise), for a checkpoint. */
  epochOrder(): string[] {
    return [...this.#epochOrder];
  }

  /** Continues an epoch from a checkpoint's {@link Scheduler.epochOrder}. */
  restoreEpochOrder(order: readonly string[]): void {
    this.#epochOrder = [...order];
  }
}
