/**
 * Batch streams: a resource's (or task's) training items read as an endless sequence of passes, each pass cut
 * into batches of item indices, shuffled with a seeded Rng or in file order.
 *
 * - Shuffled passes are what both re-run papers' trainers do: DATNet's `BatchStream` (suites/datnet/train.ts before the
 *   shared loop; Zhou et al. 2019 §4.2 "mini-batch") and Yang et al.'s `step_train` (kimiyoung/transfer
 *   `cnn_rnn.py`: a new permutation per epoch, batches of consecutive indices, the last one possibly smaller).
 * - Sequential passes (no shuffling) are mlma2019's tagger (the released tagger: batches of 20 in file
 *   order).
 * - Length bucketing (DATNet's speed option `bucketByLength`): each shuffled pass is sorted by length within
 *   windows of 50 batches (`makeBatches` of models/vocab.ts) and the batch order is shuffled again.
 *
 * An empty item set yields passes of ONE empty batch (Yang's zero-shot target: its turns make no update but still
 * end an epoch).
 *
 * @module
 */

import type { Rng } from "../../models/init.ts";
import { makeBatches } from "../../models/vocab.ts";
import { checkInteger, LoopSpecError } from "./spec_error.ts";

/** How a stream orders the items of each pass. */
export type StreamOrder = "shuffled" | "sequential";

/** A declared batch stream (plain data; its Rng and length function are passed beside it). */
export interface StreamSpec {
  /** Unique name (e.g. `"target"`, `"source"`, a task name); schedules, cadences and lr groups refer to it. */
  name: string;
  /** Items (sentences) per pass, ≥ 0; ids are 0..size−1. */
  size: number;
  /** Items per batch, ≥ 1; the last batch of a pass may be smaller. */
  batchSize: number;
  /** `"shuffled"`: a seeded Fisher–Yates permutation per pass; `"sequential"`: 0..size−1 every pass. */
  order: StreamOrder;
  /** Sort each pass by item length within windows of 50 batches (then shuffle the batch order when shuffled). */
  bucketByLength?: boolean;
}

/** One batch taken from a stream. */
export interface StreamBatch {
  /** The stream's name. */
  stream: string;
  /** Item indices (empty only for an empty stream). */
  ids: number[];
  /** 0-based pass this batch belongs to. */
  pass: number;
  /** 0-based position of the batch within its pass. */
  index: number;
  /** Whether this batch is the last of its pass (the pass is then complete). */
  endOfPass: boolean;
}

/**
 * Where a stream stands, as plain data: passes completed, batches already taken from the current pass, batches
 * taken in all. Resuming mid-pass also needs the current pass's batches ({@link BatchStream.currentPass}, kept
 * in the loop's `LoopState.passes`) and the stream Rng's state (`LoopState.rngStates`), see
 * {@link BatchStream.restore}.
 */
export interface StreamState {
  /** Passes completed. */
  passesCompleted: number;
  /** Batches taken from the current pass. */
  position: number;
  /** Batches taken in all. */
  batchesTaken: number;
}

/**
 * Fisher–Yates permutation of 0..n−1 drawn from `rng` (n − 1 draws, i from n − 1 down to 1, j = ⌊u·(i+1)⌋), the
 * exact draw order of both trainers' former private shuffles.
 *
 * @example shuffle(3, createRng(1)) // a permutation of [0, 1, 2]
 */
export function shuffle(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Throws {@link LoopSpecError} for an invalid stream declaration (empty name, negative or fractional size, batch
 * size < 1, unknown order), or when a shuffled stream has no Rng or a bucketed one no length function.
 */
export function validateStreamSpec(spec: StreamSpec, rng?: Rng, lengthOf?: (i: number) => number): void {
  if (typeof spec.name !== "string" || spec.name === "") {
    throw new LoopSpecError(`A stream needs a non-empty name, got ${JSON.stringify(spec.name)}`);
  }
  checkInteger(`Stream "${spec.name}" size`, spec.size, 0);
  checkInteger(`Stream "${spec.name}" batchSize`, spec.batchSize, 1);
  if (spec.order !== "shuffled" && spec.order !== "sequential") {
    throw new LoopSpecError(
      `Stream "${spec.name}" order must be "shuffled" or "sequential", got ${JSON.stringify(spec.order)}`,
    );
  }
  if (spec.order === "shuffled" && !rng) {
    throw new LoopSpecError(`Stream "${spec.name}" is shuffled but no Rng was given for it`);
  }
  if (spec.bucketByLength && !lengthOf) {
    throw new LoopSpecError(
      `Stream "${spec.name}" buckets by length but no lengthOf function was given for it`,
    );
  }
}

/**
 * An endless stream of batches over `spec.size` items. Passes are built lazily when their first batch is taken
 * (shuffled: one permutation from `rng`, then with bucketing one more permutation of the batches), so a stream's
 * Rng is consumed only by that stream, in pass order.
 *
 * @example
 * ```ts
 * const s = new BatchStream({ name: "target", size: 5, batchSize: 2, order: "sequential" });
 * s.next().ids; // [0, 1]; then [2, 3]; then [4] with endOfPass true; then [0, 1] of pass 1 …
 * ```
 */
export class BatchStream {
  /** The declaration. */
  readonly spec: StreamSpec;
  readonly #rng?: Rng;
  readonly #lengthOf?: (i: number) => number;
  #batches: number[][] | undefined;
  #position = 0;
  #passesCompleted = 0;
  #batchesTaken = 0;

  /**
   * A stream over `spec.size` items; `rng` shuffles (required when shuffled), `lengthOf` gives item lengths
   * (required when bucketing).
   *
   * @throws {LoopSpecError} for an invalid declaration (see {@link validateStreamSpec}).
   */
  constructor(spec: StreamSpec, rng?: Rng, lengthOf?: (i: number) => number) {
    validateStreamSpec(spec, rng, lengthOf);
    this.spec = spec;
    this.#rng = rng;
    this.#lengthOf = lengthOf;
  }

  /** Batches per pass: ⌈size / batchSize⌉, or 1 (the empty batch) for an empty stream. */
  get perPass(): number {
    return Math.max(1, Math.ceil(this.spec.size / this.spec.batchSize));
  }

  /** Passes completed so far. */
  get passesCompleted(): number {
    return this.#passesCompleted;
  }

  /** The next batch; completes the pass when it is the pass's last. */
  next(): StreamBatch {
    if (!this.#batches) {
      this.#batches = this.#pass();
      this.#position = 0;
    }
    const index = this.#position++;
    const ids = this.#batches[index];
    const endOfPass = this.#position >= this.#batches.length;
    const pass = this.#passesCompleted;
    this.#batchesTaken++;
    if (endOfPass) {
      this.#passesCompleted++;
      this.#batches = undefined;
      this.#position = 0;
    }
    return { stream: this.spec.name, ids, pass, index, endOfPass };
  }

  /** Plain-data position (see {@link StreamState}). */
  state(): StreamState {
    return {
      passesCompleted: this.#passesCompleted,
      position: this.#position,
      batchesTaken: this.#batchesTaken,
    };
  }

  /**
   * A copy of the current pass's batches while a pass is under way (some but not all of its batches taken),
   * else `undefined` (the next batch starts a new pass).
   */
  currentPass(): number[][] | undefined {
    return this.#batches?.map((b) => [...b]);
  }

  /**
   * Puts the stream where `state` and `pass` (from {@link BatchStream.state} and {@link BatchStream.currentPass}
   * of a stream of the same declaration) say; the stream's Rng must stand where the saved stream's stood (give
   * the constructor `restoreRng` of its saved state), so that later passes are the same too.
   *
   * @throws {Error} when the state is not one this declaration can reach: counters that are not integers ≥ 0, a
   *   pass under way without its batches (or batches without a pass under way), or batches whose count or ids do
   *   not fit the declaration.
   */
  restore(state: StreamState, pass: readonly (readonly number[])[] | undefined): void {
    const name = this.spec.name;
    const { passesCompleted, position, batchesTaken } = state ?? {};
    for (
      const [k, v] of [["passesCompleted", passesCompleted], ["position", position], [
        "batchesTaken",
        batchesTaken,
      ]]
    ) {
      if (!(Number.isInteger(v) && (v as number) >= 0)) {
        throw new Error(
          `Stream "${name}": cannot restore ${k} ${JSON.stringify(v)}, expected an integer ≥ 0`,
        );
      }
    }
    if ((position > 0) !== (pass !== undefined)) {
      throw new Error(
        `Stream "${name}": cannot restore position ${position} ${
          pass ? "with" : "without"
        } the current pass's batches`,
      );
    }
    if (pass) {
      const size = this.spec.size;
      const ok = Array.isArray(pass) && pass.length === this.perPass && position < pass.length &&
        pass.every((b) => Array.isArray(b) && b.every((i) => Number.isInteger(i) && i >= 0 && i < size)) &&
        pass.reduce((n, b) => n + b.length, 0) === size;
      if (!ok) {
        throw new Error(
          `Stream "${name}": the saved pass does not fit the declaration (${size} items, ${this.perPass} batches)`,
        );
      }
    }
    this.#passesCompleted = passesCompleted;
    this.#position = position;
    this.#batchesTaken = batchesTaken;
    this.#batches = pass?.map((b) => [...b]);
  }

  #pass(): number[][] {
    const { size, batchSize, order, bucketByLength } = this.spec;
    if (size === 0) return [[]];
    const ids = order === "shuffled" ? shuffle(size, this.#rng!) : Array.from({ length: size }, (_, i) => i);
    if (!bucketByLength) return makeBatches(ids, batchSize);
    const batches = makeBatches(ids, batchSize, this.#lengthOf!, true);
    return order === "shuffled" ? shuffle(batches.length, this.#rng!).map((i) => batches[i]) : batches;
  }
}
