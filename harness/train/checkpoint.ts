/**
 * Checkpoints of a training unit, so that a unit killed mid-way (a preempted job, a crash) resumes from its last
 * evaluation and ends with exactly the results of an uninterrupted run (timings aside).
 *
 * What a checkpoint holds (plain data + `Float32Array`s; the trainers decide the `trainer` part):
 * - `loop`: the training loop's {@link LoopCheckpoint} — counters, stream positions and current passes, loss
 *   accumulators, cadence, selection (with the selected evaluation's artifact, e.g. test predictions, and its
 *   metrics), patience, lr-schedule states, the evaluation and epoch logs, and the states of the streams' and
 *   schedule's Rngs.
 * - `trainer`: the trainer's own state — model weights by variable name (without the process-unique model
 *   prefix, see {@link readVariables}), optimiser states (`getState()` of models/optim.ts, one per task where the
 *   trainer keeps several), the Rngs it still draws from after initialisation (e.g. DATNet's dropout seeds), and
 *   its own logs.
 * - `unit`: the unit's identity — the trainer's name and a sha256 of its configuration, seed, data and backend
 *   ({@link digest}); a checkpoint of another identity is refused ({@link CheckpointMismatchError}).
 *
 * On disk, a directory holds one checkpoint as two files:
 * - `checkpoint.json`: `{ format: "tagbench-checkpoint", version: 1, unit, position: { iteration,
 *   epochsCompleted, evaluations }, savedAt, arrays: { file, bytes, sha256, entries: [[byteOffset, length], …] },
 *   data }`, where `data` is the checkpoint with every `Float32Array` replaced by `{ "$f32": i }` (entry i of
 *   `arrays`), and the numbers JSON cannot hold (NaN, ±Infinity, −0) and `undefined` by `{ "$num": "NaN" }`,
 *   `{ "$undefined": true }`.
 * - `arrays-<id>.f32`: the float32 arrays concatenated, little-endian, in `entries` order.
 *
 * Writing is atomic ({@link writeCheckpoint}): both files are written as `tmp-<id>.*`, flushed to disk, the
 * arrays file renamed to its final name, then the JSON renamed over `checkpoint.json` (the commit: a reader sees
 * the old checkpoint or the new one, never a mix), and only then the previous arrays file and leftover `tmp-*`
 * files are removed. One writer per directory.
 *
 * Size: per float32 trainable parameter 4 bytes × (1 + optimiser slots: Adam 2, AdaGrad 1 per task that
 * updates it), plus the JSON (logs, predictions, current passes: tens of kB to a few MB).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { createHash } from "node:crypto";
import type { LoopCheckpoint, LoopCheckpointHooks } from "./loop.ts";

/** The `format` field of `checkpoint.json`. */
export const CHECKPOINT_FORMAT = "tagbench-checkpoint";
/** The `version` field of `checkpoint.json`; a reader refuses other versions. */
export const CHECKPOINT_VERSION = 1;
/** Name of the committed JSON file inside a checkpoint directory. */
export const CHECKPOINT_FILE = "checkpoint.json";

/** Who wrote a checkpoint. */
export interface CheckpointUnit {
  /** The trainer, e.g. `"datnet/trainTagger"`. */
  trainer: string;
  /** sha256 (hex) of the configuration, seed, data and backend ({@link digest}). */
  configHash: string;
  /** Readable parts of the identity (e.g. the backend), for messages. */
  [detail: string]: string;
}

/** Where the unit stood when the checkpoint was written. */
export interface CheckpointPosition {
  /** Iterations completed. */
  iteration: number;
  /** Epochs completed. */
  epochsCompleted: number;
  /** Evaluations made. */
  evaluations: number;
}

/** What {@link writeCheckpoint} writes and {@link readCheckpoint} gives back. */
export interface CheckpointContent {
  unit: CheckpointUnit;
  position: CheckpointPosition;
  /** Plain data (objects, arrays, strings, numbers incl. NaN/±Infinity, booleans, null, undefined) and
   * `Float32Array`s; object keys must not start with `$`. */
  data: unknown;
}

/** A written checkpoint. */
export interface CheckpointSaveInfo {
  /** Path of the committed `checkpoint.json`. */
  path: string;
  /** Bytes on disk: JSON + arrays file. */
  bytes: number;
  /** Bytes of the arrays file. */
  arrayBytes: number;
  /** Seconds spent (for a trainer's save: reading the weights and optimiser states too). */
  seconds: number;
  /** Where the unit stood. */
  position: CheckpointPosition;
}

/** A checkpoint of another unit (configuration, seed, data or backend) was found where one was to be resumed. */
export class CheckpointMismatchError extends Error {
  override name = "CheckpointMismatchError";
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function checkEndianness(): void {
  if (!LITTLE_ENDIAN) throw new Error("Checkpoints are little-endian; this platform is big-endian");
}

/**
 * Splits `data` into a JSON-safe tree and its float32 arrays (see the module doc for the tags).
 *
 * @throws {TypeError} for values that are not plain data (functions, class instances other than `Float32Array`,
 *   symbols, bigints) or object keys starting with `$`, naming the path.
 */
export function encodeCheckpointData(data: unknown): { tree: unknown; arrays: Float32Array[] } {
  const arrays: Float32Array[] = [];
  const walk = (x: unknown, path: string): unknown => {
    if (x === undefined) return { $undefined: true };
    if (x === null || typeof x === "string" || typeof x === "boolean") return x;
    if (typeof x === "number") {
      if (Object.is(x, -0)) return { $num: "-0" };
      return Number.isFinite(x) ? x : { $num: String(x) };
    }
    if (x instanceof Float32Array) {
      arrays.push(x);
      return { $f32: arrays.length - 1 };
    }
    if (Array.isArray(x)) return x.map((v, i) => walk(v, `${path}[${i}]`));
    if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) {
        if (k.startsWith("$")) throw new TypeError(`Checkpoint data: key "${k}" at ${path} starts with "$"`);
        out[k] = walk(v, `${path}.${k}`);
      }
      return out;
    }
    throw new TypeError(
      `Checkpoint data: ${path} is a ${
        (x as object)?.constructor?.name ?? typeof x
      }, not plain data or a Float32Array`,
    );
  };
  return { tree: walk(data, "data"), arrays };
}

/**
 * Inverse of {@link encodeCheckpointData}.
 *
 * @throws {Error} for a reference to a missing array or an unknown tag.
 */
export function decodeCheckpointData(tree: unknown, arrays: readonly Float32Array[]): unknown {
  const walk = (x: unknown): unknown => {
    if (x === null || typeof x !== "object") return x;
    if (Array.isArray(x)) return x.map(walk);
    const o = x as Record<string, unknown>;
    if ("$f32" in o) {
      const a = arrays[o.$f32 as number];
      if (!a) throw new Error(`Checkpoint data refers to array ${o.$f32}, which the arrays file lacks`);
      return a;
    }
    if ("$num" in o) {
      const v = { "NaN": NaN, "Infinity": Infinity, "-Infinity": -Infinity, "-0": -0 }[o.$num as string];
      if (v === undefined) throw new Error(`Checkpoint data: unknown number ${JSON.stringify(o.$num)}`);
      return v;
    }
    if ("$undefined" in o) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = walk(v);
    return out;
  };
  return walk(tree);
}

async function writeAll(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.length) done += await f.write(c.subarray(done));
    }
    await f.syncData();
  } finally {
    f.close();
  }
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes `content` as the checkpoint of directory `dir` (created if missing), atomically (see the module doc),
 * replacing the previous one.
 *
 * @throws {TypeError} for data that is not plain data (see {@link encodeCheckpointData}).
 * @throws {Deno.errors.PermissionDenied | Error} for file-system errors (the previous checkpoint then stays).
 */
export async function writeCheckpoint(dir: string, content: CheckpointContent): Promise<CheckpointSaveInfo> {
  checkEndianness();
  const t0 = performance.now();
  const { tree, arrays } = encodeCheckpointData(content.data);
  await Deno.mkdir(dir, { recursive: true });
  const id = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  const file = `arrays-${id}.f32`;
  const entries: [number, number][] = [];
  const hash = createHash("sha256");
  let offset = 0;
  for (const a of arrays) {
    entries.push([offset, a.length]);
    hash.update(bytesOf(a));
    offset += a.byteLength;
  }
  const header = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    unit: content.unit,
    position: content.position,
    savedAt: new Date().toISOString(),
    arrays: { file, bytes: offset, sha256: hash.digest("hex"), entries },
    data: tree,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  await writeAll(`${dir}/tmp-${id}.f32`, arrays.map(bytesOf));
  await writeAll(`${dir}/tmp-${id}.json`, [json]);
  await Deno.rename(`${dir}/tmp-${id}.f32`, `${dir}/${file}`);
  await Deno.rename(`${dir}/tmp-${id}.json`, `${dir}/${CHECKPOINT_FILE}`);
  for await (const e of Deno.readDir(dir)) {
    const stale = (e.name.startsWith("arrays-") && e.name.endsWith(".f32") && e.name !== file) ||
      e.name.startsWith("tmp-");
    if (stale && e.isFile) await Deno.remove(`${dir}/${e.name}`).catch(() => {});
  }
  return {
    path: `${dir}/${CHECKPOINT_FILE}`,
    bytes: json.length + offset,
    arrayBytes: offset,
    seconds: (performance.now() - t0) / 1000,
    position: content.position,
  };
}

/**
 * Reads the checkpoint of directory `dir`; `undefined` when there is none (no directory or no
 * `checkpoint.json`). The arrays are views into one buffer read from disk: copy what must outlive it.
 *
 * @throws {Error} when `checkpoint.json` is not a checkpoint of this format and version, or the arrays file is
 *   missing, has another size or another sha256 (a damaged checkpoint).
 */
export async function readCheckpoint(dir: string): Promise<CheckpointContent | undefined> {
  checkEndianness();
  const path = `${dir}/${CHECKPOINT_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  let h: {
    format?: unknown;
    version?: unknown;
    unit: CheckpointUnit;
    position: CheckpointPosition;
    arrays: { file: string; bytes: number; sha256: string; entries: [number, number][] };
    data: unknown;
  };
  try {
    h = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: not a tagbench checkpoint, or a damaged one`);
  }
  if (h?.format !== CHECKPOINT_FORMAT || h.version !== CHECKPOINT_VERSION) {
    throw new Error(
      `${path} is not a ${CHECKPOINT_FORMAT} version ${CHECKPOINT_VERSION} (format ${
        JSON.stringify(h?.format)
      }, version ${JSON.stringify(h?.version)})`,
    );
  }
  const a = h.arrays;
  const binPath = `${dir}/${a?.file}`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(binPath);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`The checkpoint's arrays file ${binPath} is missing`);
    }
    throw e;
  }
  if (bytes.length !== a.bytes || createHash("sha256").update(bytes).digest("hex") !== a.sha256) {
    throw new Error(`The checkpoint's arrays file ${binPath} is damaged (size or sha256 differs)`);
  }
  const arrays = a.entries.map(([off, len]) => {
    if (off % 4 !== 0 || off + 4 * len > bytes.length) {
      throw new Error(`${path}: bad array entry [${off}, ${len}]`);
    }
    return new Float32Array(bytes.buffer, bytes.byteOffset + off, len);
  });
  return { unit: h.unit, position: h.position, data: decodeCheckpointData(h.data, arrays) };
}

/** The value in a canonical JSON form: object keys sorted, functions as `"<function>"`, non-finite numbers as
 * strings, typed arrays as arrays, `undefined` object entries dropped. */
function canonical(x: unknown): unknown {
  if (typeof x === "function") return "<function>";
  if (typeof x === "number") return Number.isFinite(x) ? x : String(x);
  if (typeof x === "bigint") return String(x);
  if (x === null || typeof x !== "object") return x ?? null;
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (x instanceof Map) return canonical([...x.entries()]);
  if (x instanceof Set) return canonical([...x.values()]);
  if (Array.isArray(x)) return x.map(canonical);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x).sort()) {
    const v = (x as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = canonical(v);
  }
  return out;
}

/**
 * sha256 (hex) of `value`'s canonical JSON (object keys sorted; functions count as `"<function>"`, so only their
 * presence is part of the digest). For a unit's identity: configuration, seed, data digests, backend.
 *
 * @example digest({ b: 1, a: [2] }) === digest({ a: [2], b: 1 }) // true
 */
export function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(canonical(value))).digest("hex");
}

/** Names of `vars` without the model's prefix `prefix/` (process-unique, e.g. `datnet3/`). */
function relativeName(v: tf.Variable, prefix: string): string {
  if (!v.name.startsWith(`${prefix}/`)) {
    throw new Error(`Variable "${v.name}" is not under the model's name "${prefix}/"`);
  }
  return v.name.slice(prefix.length + 1);
}

/**
 * Exact float32 copies of `vars`' values keyed by name relative to the model's name `prefix` (e.g.
 * `bilstm/fw/kernel` for `datnet3/bilstm/fw/kernel`), read asynchronously (every backend).
 *
 * @throws {Error} for a variable outside `prefix/` or one that is not float32.
 */
export async function readVariables(
  vars: readonly tf.Variable[],
  prefix: string,
): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const v of vars) {
    if (v.dtype !== "float32") {
      throw new Error(`Variable "${v.name}" is ${v.dtype}, checkpoints hold float32`);
    }
    out[relativeName(v, prefix)] = new Float32Array(await v.data<"float32">());
  }
  return out;
}

/**
 * Assigns to `vars` the values saved by {@link readVariables} (names relative to `prefix`; copies).
 *
 * @throws {Error} when a variable has no saved value, a saved value has no variable, or a size differs; nothing
 *   is assigned then.
 */
export function assignVariables(
  vars: readonly tf.Variable[],
  prefix: string,
  values: Readonly<Record<string, Float32Array>>,
): void {
  const byName = new Map(vars.map((v) => [relativeName(v, prefix), v]));
  for (const [name, v] of byName) {
    const a = values[name];
    if (!(a instanceof Float32Array)) throw new Error(`The checkpoint has no value for variable "${name}"`);
    if (a.length !== v.size) {
      throw new Error(
        `The checkpoint's "${name}" has ${a.length} values, the variable [${v.shape}] ${v.size}`,
      );
    }
  }
  for (const name of Object.keys(values)) {
    if (!byName.has(name)) throw new Error(`The checkpoint has variable "${name}", which the model lacks`);
  }
  tf.tidy(() => {
    for (const [name, v] of byName) v.assign(tf.tensor(values[name].slice(), v.shape, "float32"));
  });
}

/** `record` with keys made relative to `prefix/` (optimiser slots keyed by full variable names). */
export function withoutPrefix<T>(record: Readonly<Record<string, T>>, prefix: string): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => {
      if (!k.startsWith(`${prefix}/`)) throw new Error(`"${k}" is not under the model's name "${prefix}/"`);
      return [k.slice(prefix.length + 1), v];
    }),
  );
}

/** `record` with keys prefixed by `prefix/` (inverse of {@link withoutPrefix}). */
export function withPrefix<T>(record: Readonly<Record<string, T>>, prefix: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [`${prefix}/${k}`, v]));
}

/** What a trainer gives {@link unitCheckpoint}. */
export interface UnitCheckpointOptions<A, T> {
  /** The checkpoint directory (created at the first save). */
  dir: string;
  /** The unit's identity; a checkpoint of another identity is refused. */
  unit: CheckpointUnit;
  /** The trainer's part of a checkpoint, read at each save (weights, optimiser states, Rng states, logs). */
  collect(): Promise<T>;
  /** Puts a saved trainer part back (the loop part is given too, e.g. to re-link artifacts to the logs). */
  restore(part: T, loop: LoopCheckpoint<A>): void;
  /** Called after each save. */
  onSave?(info: CheckpointSaveInfo): void;
  /**
   * Skip a save when the previous one is less than this many seconds old (default 0: save at every
   * evaluation). Resuming from an older checkpoint gives the same results, only later; this bounds the I/O of a
   * schedule that evaluates often (the released Yang schedule: every 10 target batches).
   */
  minSecondsBetweenSaves?: number;
}

/**
 * The loop's checkpoint hooks for a trainer: `save` writes `{ loop, trainer: collect() }` to `dir`; `load` reads
 * the checkpoint of `dir` (undefined when there is none), refuses one of another unit, restores the trainer part
 * and returns the loop part.
 *
 * @throws {CheckpointMismatchError} (from `load`) for a checkpoint of another trainer or configuration.
 * @throws {Error} (from `load`) for a damaged checkpoint, or whatever `restore` throws.
 */
export function unitCheckpoint<A, T>(opts: UnitCheckpointOptions<A, T>): LoopCheckpointHooks<A> {
  const { dir, unit } = opts;
  let lastSave = -Infinity;
  return {
    async load() {
      const c = await readCheckpoint(dir);
      if (!c) return undefined;
      if (c.unit?.trainer !== unit.trainer || c.unit?.configHash !== unit.configHash) {
        const other = c.unit?.trainer === unit.trainer
          ? "another configuration"
          : `trainer ${c.unit?.trainer}`;
        throw new CheckpointMismatchError(
          `The checkpoint in ${dir} belongs to ${other} (config sha256 ${
            String(c.unit?.configHash).slice(0, 12)
          }…, this unit's is ${
            unit.configHash.slice(0, 12)
          }…), so it cannot be resumed here: delete it or use ` +
            `another checkpoint directory.`,
        );
      }
      const data = c.data as { loop: LoopCheckpoint<A>; trainer: T };
      opts.restore(data.trainer, data.loop);
      return data.loop;
    },
    async save(loop) {
      const t0 = performance.now();
      if ((t0 - lastSave) / 1000 < (opts.minSecondsBetweenSaves ?? 0)) return;
      lastSave = t0;
      const trainer = await opts.collect();
      const s = loop.state;
      const info = await writeCheckpoint(dir, {
        unit,
        position: { iteration: s.iteration, epochsCompleted: s.epochsCompleted, evaluations: s.evaluations },
        data: { loop, trainer },
      });
      opts.onSave?.({ ...info, seconds: (performance.now() - t0) / 1000 });
    },
  };
}

/** Options of a trainer's run that leave its results unchanged: where it checkpoints, and a save callback. */
export interface TrainerRunOptions {
  /**
   * Checkpoint directory of this unit: the state is saved there after every evaluation (atomically, replacing
   * the previous checkpoint), and when the directory already holds a checkpoint of the same unit (same
   * configuration, seed, data and backend) training resumes from it, with the results of an uninterrupted run.
   * A checkpoint of another unit is refused (`CheckpointMismatchError`). The directory is left after training;
   * the caller deletes it.
   */
  checkpointDir?: string;
  /** Skip a save when the previous one is less than this many seconds old (default 0: every evaluation). */
  checkpointEverySeconds?: number;
  /** Called after each checkpoint save (path, bytes, seconds, position). */
  onCheckpoint?: (info: CheckpointSaveInfo) => void;
}

/** How often the engine lets a unit checkpoint (seconds between saves): a kill loses at most this much work. */
export const ENGINE_CHECKPOINT_EVERY_SECONDS = 60;
