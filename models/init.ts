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

/** Uniform random numbers in [0, 1). */
export type Rng = () => number;

/** A seeded Alea generator (seedrandom 3.0.5). Number and string seeds are hashed as `String(seed)`. */
export function createRng(seed: number | string): Rng {
  const prng = seedrandom.alea(String(seed));
  return () => prng();
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
