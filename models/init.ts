/**
 * Seeded weight initialisers. Every value is generated in JavaScript from an {@link Rng} and then uploaded with
 * `tf.tensor`, so the same seed gives bit-identical weights on every backend.
 *
 * The generator is seedrandom's **Alea** (Baagøe): fast, 2^116 period, and reproducible from a number or string
 * seed.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * const w = glorotUniform(rng, [100, 200]); // limit sqrt(6 / (100 + 200))
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";

/**
 * The whole state of an Alea generator (seedrandom's `{ c, s0, s1, s2 }`): plain finite numbers (s0..s2 are
 * multiples of 2^-32 in [0, 1), c an integer), so a JSON round trip restores it exactly.
 */
export interface RngState {
  /** Alea's carry. */
  c: number;
  /** Alea's three lagged values. */
  s0: number;
  s1: number;
  s2: number;
}

/**
 * Uniform random numbers in [0, 1). Generators made by {@link createRng} / {@link restoreRng} also expose
 * `state()` (a copy of the generator's current state, for checkpoints); any other `() => number` is an Rng too,
 * it just cannot be checkpointed.
 */
export type Rng = (() => number) & { state?(): RngState };

/** An {@link Rng} whose state can be read (what {@link createRng} and {@link restoreRng} return). */
export type StatefulRng = (() => number) & { state(): RngState };

function wrap(prng: () => number, state: () => RngState): StatefulRng {
  const rng = (() => prng()) as StatefulRng;
  rng.state = state;
  return rng;
}

/**
 * A seeded Alea generator (seedrandom 3.0.5). Number and string seeds are hashed as `String(seed)`. The stream is
 * exactly that of `seedrandom.alea(String(seed))`; `state()` reads the generator's state without drawing.
 */
export function createRng(seed: number | string): StatefulRng {
  const prng = seedrandom.alea(String(seed), { state: true });
  return wrap(prng, () => prng.state());
}

/**
 * A generator that continues exactly where the one whose `state()` gave `state` stood (the saved generator is not
 * affected; both then draw the same numbers).
 *
 * @throws {TypeError} when `state` is not an Alea state (c, s0, s1, s2 finite numbers).
 * @example const r = createRng(1); r(); const s = r.state(); restoreRng(s)() === r() // true
 */
export function restoreRng(state: RngState): StatefulRng {
  const ok = state !== null && typeof state === "object" &&
    (["c", "s0", "s1", "s2"] as const).every((k) =>
      typeof state[k] === "number" && Number.isFinite(state[k])
    );
  if (!ok) {
    throw new TypeError(`restoreRng: expected an Alea state {c, s0, s1, s2}, got ${JSON.stringify(state)}`);
  }
  const prng = seedrandom.alea("", { state: { c: state.c, s0: state.s0, s1: state.s1, s2: state.s2 } });
  return wrap(prng, () => prng.state());
}

/** A 31-bit non-negative integer seed drawn from `rng`, for tf ops that take a seed (dropout, …). */
export function deriveSeed(rng: Rng): number {
  return Math.floor(rng() * 0x7fffffff);
}

/** A standard normal draw (Box–Muller; uses two uniforms per draw, no caching so the stream is simple). */
export function randn(rng: Rng): number {
  let u = rng();
  while (u <= 0) u = rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function size(shape: number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`Invalid shape [${shape}]: dimensions must be integers ≥ 0`);
    }
    n *= d;
  }
  return n;
}

/** Uniform values in [-limit, limit). */
export function uniform(rng: Rng, shape: number[], limit: number): tf.Tensor {
  const n = size(shape);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rng() - 1) * limit;
  return tf.tensor(a, shape, "float32");
}

/** Normal values with mean 0 and standard deviation `std`. */
export function normal(rng: Rng, shape: number[], std: number): tf.Tensor {
  const n = size(shape);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = randn(rng) * std;
  return tf.tensor(a, shape, "float32");
}

/**
 * Fans as Keras computes them: for a 2-D `[in, out]` weight, (in, out); for higher ranks (conv kernels
 * `[..., in, out]`) both are multiplied by the receptive field size; for 1-D, (n, n).
 */
export function computeFans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Glorot/Xavier uniform (Glorot & Bengio 2010): U(-l, l), l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, shape: number[], fanIn?: number, fanOut?: number): tf.Tensor {
  const [fi, fo] = computeFans(shape);
  const limit = Math.sqrt(6 / ((fanIn ?? fi) + (fanOut ?? fo)));
  return uniform(rng, shape, limit);
}

/**
 * A random `[n, m]` matrix with orthonormal columns (n ≥ m) or rows (n < m), as Saxe et al. 2014 and Keras'
 * `Orthogonal` initialiser: modified Gram–Schmidt (in float64) on a seeded standard normal matrix.
 * Sign convention equals QR with a positive diagonal of R. Cost O(max(n,m)·min(n,m)²).
 */
export function orthogonal(rng: Rng, shape: [number, number], gain = 1): tf.Tensor2D {
  const [n, m] = shape;
  size(shape);
  // Work on vectors of length `len`, `count` of them (count ≤ len).
  const len = Math.max(n, m);
  const count = Math.min(n, m);
  const v: Float64Array[] = [];
  for (let k = 0; k < count; k++) {
    const x = new Float64Array(len);
    for (let i = 0; i < len; i++) x[i] = randn(rng);
    v.push(x);
  }
  for (let k = 0; k < count; k++) {
    const x = v[k];
    for (let j = 0; j < k; j++) {
      const q = v[j];
      let dot = 0;
      for (let i = 0; i < len; i++) dot += q[i] * x[i];
      for (let i = 0; i < len; i++) x[i] -= dot * q[i];
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += x[i] * x[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-12) throw new Error(`orthogonal: degenerate random matrix for shape [${shape}]`);
    for (let i = 0; i < len; i++) x[i] /= norm;
  }
  const out = new Float32Array(n * m);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < len; i++) {
      // n ≥ m: vector k is column k (row i); n < m: vector k is row k (column i).
      if (n >= m) out[i * m + k] = gain * v[k][i];
      else out[k * m + i] = gain * v[k][i];
    }
  }
  return tf.tensor2d(out, [n, m], "float32");
}

/** All zeros (float32). */
export function zeros(shape: number[]): tf.Tensor {
  return tf.zeros(shape, "float32");
}
