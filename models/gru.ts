/**
 * GRU, bidirectional GRU and stacked bidirectional GRUs over padded batches (Cho et al. 2014), as the word and
 * character encoders of Yang et al. 2017 (2-layer bi-GRU 300 over words, 2-layer bi-GRU 80 over characters).
 *
 * Equations, gate columns r, z, n (PyTorch's order):
 *
 *     r = σ(x·W_r + h·U_r + b_r)      z = σ(x·W_z + h·U_z + b_z)
 *     reset after  (default):  n = tanh(x·W_n + b_n + r ⊙ (h·U_n + b_hn))
 *     reset before:            n = tanh(x·W_n + b_n + (r ⊙ h)·U_n)
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Where the reset gate goes differs between libraries. **After** the recurrent product: Lasagne's `GRULayer`
 * (`hidden_update_in + resetgate * hidden_update_hid`, no b_hn), which Yang et al.'s released code
 * (kimiyoung/transfer, `cnn_rnn.py`: `lasagne.layers.GRULayer`) uses — hence the default; PyTorch `nn.GRU` and
 * cuDNN (with the extra bias b_hn: `recurrentBias: true`); Keras `reset_after=True`. **Before** it: Cho et al.'s
 * paper, Theano tutorials, Keras/tf.layers `reset_after=False`. The update convention is
 * PyTorch's; Lasagne writes h' = (1 − u) ⊙ h + u ⊙ c, i.e. u = 1 − z, the same model with the update gate's
 * weights and bias negated (identical in distribution under a zero-mean symmetric initialisation with zero bias).
 *
 * Weights per direction: `W [D, 3H]`, `U [H, 3H]`, `b [3H]`, and `b_hn [H]` when `recurrentBias`. Importing
 * PyTorch weights: W = weight_ihᵀ, U = weight_hhᵀ, b = bias_ih + [bias_hr, bias_hz, 0], b_hn = bias_hn.
 * Initialisation: Glorot-uniform W and U, zero biases (`initializer: "normal-0.1"` gives Lasagne's N(0, 0.1²)).
 *
 * Padding: sequences are left-aligned with `lengths[b]` real steps; the backward direction reads each sequence
 * reversed within its length, so padding never feeds a real step; outputs at padded steps are exactly zero.
 *
 * Implementations (`recurrenceImpl()` in `kernels/host_rnn.ts`): the fused host recurrence (one custom op with a
 * hand-written backward pass, OpenBLAS products when present) by default, and a per-step tfjs graph
 * differentiated by tfjs, with no host reads (this file), on webgpu or when `TAGBENCH_RNN` is `graph` or
 * `device`; they agree to ~1e-6 (`gru_test.ts`, `kernels/host_rnn_test.ts`).
 *
 * Gradient of the fused op (per step; dh includes dy_t and what flows back from step t+1):
 *   dn̂ = dh ⊙ (1 − z) ⊙ (1 − n²);  dẑ = dh ⊙ (h_{t−1} − n) ⊙ z(1 − z);
 *   after:  dr̂ = dn̂ ⊙ (h·U_n + b_hn) ⊙ r(1 − r);  dh_{t−1} = dh ⊙ z + [dr̂, dẑ, dn̂ ⊙ r]·Uᵀ;
 *   before: dq = dn̂·U_nᵀ;  dr̂ = dq ⊙ h_{t−1} ⊙ r(1 − r);  dh_{t−1} = dh ⊙ z + dq ⊙ r + [dr̂, dẑ]·U_rzᵀ;
 *   d(x·W + b) = [dr̂, dẑ, dn̂];  dU = Σ_t (recurrent-product input)ᵀ·(its gradient), one matrix product.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, normal, type Rng } from "./init.ts";
import { hostGruRecurrence, recurrenceImpl, timeMajorRows } from "../runtime/kernels/host_rnn.ts";
import { gatherRows, matMul } from "./ops.ts";

/** Where the reset gate applies (see the module doc). */
export type GruReset = "after" | "before";

/** Weights of one GRU direction. */
export interface GruWeights {
  /** `[D, 3H]`, gate columns r, z, n. */
  w: tf.Variable;
  /** `[H, 3H]`, gate columns r, z, n. */
  u: tf.Variable;
  /** `[3H]`. */
  b: tf.Variable;
  /** `[H]`, inside the reset product (reset-after with `recurrentBias` only). */
  bh?: tf.Variable;
}

/** Options of {@link GRU} and {@link BiGRU}. */
export interface GruOptions {
  /** Unique variable-name prefix. */
  name: string;
  inputDim: number;
  /** Hidden units H per direction. */
  units: number;
  rng: Rng;
  /** Reset gate after (default; Lasagne/Yang et al., PyTorch, cuDNN) or before the recurrent product. */
  reset?: GruReset;
  /** Learn PyTorch's b_hn inside the reset product (reset-after only; default false, as Lasagne). */
  recurrentBias?: boolean;
  /** `glorot-uniform` (default) or `normal-0.1` (Lasagne's default `Normal(0.1)` for W and U). */
  initializer?: "glorot-uniform" | "normal-0.1";
  /** Stacked layers (BiGRU only, default 1): layer l > 0 reads layer l − 1's `[B, T, 2H]` output. */
  layers?: number;
}

function createWeights(name: string, inputDim: number, opts: GruOptions): GruWeights {
  const H = opts.units;
  const init = (shape: [number, number]) =>
    opts.initializer === "normal-0.1" ? normal(opts.rng, shape, 0.1) : glorotUniform(opts.rng, shape);
  const w0 = init([inputDim, 3 * H]);
  const u0 = init([H, 3 * H]);
  const b0 = tf.zeros([3 * H]);
  const weights: GruWeights = {
    w: tf.variable(w0, true, `${name}/kernel`),
    u: tf.variable(u0, true, `${name}/recurrent_kernel`),
    b: tf.variable(b0, true, `${name}/bias`),
  };
  tf.dispose([w0, u0, b0]);
  if (opts.recurrentBias) {
    const bh0 = tf.zeros([H]);
    weights.bh = tf.variable(bh0, true, `${name}/recurrent_bias`);
    bh0.dispose();
  }
  return weights;
}

function checkOptions(opts: GruOptions): void {
  const reset = opts.reset ?? "after";
  if (reset !== "after" && reset !== "before") {
    throw new Error(`GRU "${opts.name}": reset must be "after" or "before", got "${reset as string}"`);
  }
  if (opts.recurrentBias && reset !== "after") {
    throw new Error(`GRU "${opts.name}": recurrentBias (b_hn) needs reset "after"`);
  }
  for (const [k, v] of [["inputDim", opts.inputDim], ["units", opts.units], ["layers", opts.layers ?? 1]]) {
    if (!(Number.isInteger(v) && (v as number) >= 1)) {
      throw new Error(`GRU "${opts.name}": ${k} must be a positive integer, got ${v}`);
    }
  }
}

/**
 * The per-step tfjs graph of k directions (differentiated by tfjs, no host reads): the reference
 * implementation, and the webgpu path. `p [B·T, k·3H]` batch-major projections x·W.
 */
function graphRecurrence(
  p: tf.Tensor2D,
  cells: GruWeights[],
  reverse: readonly boolean[],
  B: number,
  T: number,
  H: number,
  lengths: readonly number[],
  reset: GruReset,
): tf.Tensor3D {
  const k = cells.length;
  const GH = 3 * H;
  const outs = cells.map((cell, d) => {
    const { idx, back, mask } = timeMajorRows(lengths, B, T, reverse[d]);
    const pd = k === 1 ? p : tf.slice(p, [0, d * GH], [B * T, GH]);
    const xs = tf.add(gatherRows(pd, tf.tensor1d(idx, "int32")), cell.b);
    const steps = tf.split(xs, T, 0) as tf.Tensor2D[];
    const uRz = reset === "before" ? tf.slice(cell.u, [0, 0], [H, 2 * H]) as tf.Tensor2D : undefined;
    const uN = reset === "before" ? tf.slice(cell.u, [0, 2 * H], [H, H]) as tf.Tensor2D : undefined;
    let h: tf.Tensor2D = tf.zeros([B, H]);
    const hs: tf.Tensor2D[] = [];
    for (const x of steps) {
      const [xr, xz, xn] = tf.split(x, 3, 1);
      let r: tf.Tensor;
      let z: tf.Tensor;
      let n: tf.Tensor;
      if (reset === "after") {
        const [ar, az, an] = tf.split(matMul(h, cell.u as tf.Tensor2D), 3, 1);
        r = tf.sigmoid(tf.add(xr, ar));
        z = tf.sigmoid(tf.add(xz, az));
        n = tf.tanh(tf.add(xn, tf.mul(r, cell.bh ? tf.add(an, cell.bh) : an)));
      } else {
        const [ar, az] = tf.split(matMul(h, uRz!), 2, 1);
        r = tf.sigmoid(tf.add(xr, ar));
        z = tf.sigmoid(tf.add(xz, az));
        n = tf.tanh(tf.add(xn, matMul(tf.mul(r, h) as tf.Tensor2D, uN!)));
      }
      h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D;
      hs.push(h);
    }
    const hd = gatherRows(tf.concat(hs, 0) as tf.Tensor2D, tf.tensor1d(back, "int32"));
    return tf.mul(hd, tf.tensor2d(mask, [B * T, 1]));
  });
  return tf.reshape(k === 1 ? outs[0] : tf.concat(outs, 1), [B, T, k * H]);
}

/** Runs one layer of `cells` (direction d reversed within length when `reverse[d]`): `[B, T, D]` → `[B, T, kH]`. */
function runGru(
  x: tf.Tensor3D,
  lengths: readonly number[],
  cells: GruWeights[],
  reverse: boolean[],
  H: number,
  inputDim: number,
  reset: GruReset,
): tf.Tensor3D {
  const [B, T, D] = x.shape;
  if (x.rank !== 3 || D !== inputDim) {
    throw new Error(`GRU: input [${x.shape}] does not fit, expected [B, T, ${inputDim}]`);
  }
  if (lengths.length !== B) throw new Error(`GRU: ${lengths.length} lengths for a batch of ${B}`);
  lengths.forEach((len, b) => {
    if (!(Number.isInteger(len) && len >= 0 && len <= T)) {
      throw new Error(`GRU: length ${len} of sequence ${b} is outside [0, ${T}]`);
    }
  });
  return tf.tidy(() => {
    const w = cells.length === 1 ? cells[0].w : tf.concat(cells.map((c) => c.w), 1);
    const p = matMul(tf.reshape(x, [B * T, D]) as tf.Tensor2D, w as tf.Tensor2D);
    if (recurrenceImpl() !== "fused") return graphRecurrence(p, cells, reverse, B, T, H, lengths, reset);
    const hasBh = cells[0].bh !== undefined;
    return hostGruRecurrence(
      p,
      cells.map((c) => c.b),
      cells.map((c) => c.u),
      hasBh ? cells.map((c) => c.bh!) : [],
      { B, T, H, lengths, reverse },
      { resetAfter: reset === "after", hasRecurrentBias: hasBh },
    );
  });
}

/** Unidirectional GRU: `[B, T, D]` → `[B, T, H]`, zero at padded steps. */
export class GRU {
  readonly units: number;
  readonly inputDim: number;
  readonly reset: GruReset;
  readonly cell: GruWeights;

  constructor(opts: GruOptions) {
    checkOptions(opts);
    if ((opts.layers ?? 1) !== 1) throw new Error(`GRU "${opts.name}": layers is a BiGRU option`);
    this.units = opts.units;
    this.inputDim = opts.inputDim;
    this.reset = opts.reset ?? "after";
    this.cell = createWeights(opts.name, opts.inputDim, opts);
  }

  /**
   * @param x `[B, T, D]`
   * @param lengths real steps per sequence (left-aligned); later steps are padding and give zeros
   * @throws {Error} when the shapes or lengths do not fit
   */
  apply(x: tf.Tensor3D, lengths: readonly number[]): tf.Tensor3D {
    return runGru(x, lengths, [this.cell], [false], this.units, this.inputDim, this.reset);
  }

  variables(): tf.Variable[] {
    const { w, u, b, bh } = this.cell;
    return bh ? [w, u, b, bh] : [w, u, b];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * Bidirectional GRU, optionally stacked: `[B, T, D]` → `[B, T, 2H]` = `[h_fwd, h_bwd]` per step of the last
 * layer, zero at padded steps. With `layers` L > 1, layer l reads layer l − 1's `[B, T, 2H]` (Yang et al.'s
 * "double layer": concatenated forward and backward states).
 *
 * Variable names: `<name>/fw/…`, `<name>/bw/…` for one layer; `<name>/l<l>/fw/…` for stacked layers.
 */
export class BiGRU {
  readonly units: number;
  readonly inputDim: number;
  readonly reset: GruReset;
  /** Per layer: forward and backward weights. */
  readonly layers: { forward: GruWeights; backward: GruWeights }[];

  constructor(opts: GruOptions) {
    checkOptions(opts);
    this.units = opts.units;
    this.inputDim = opts.inputDim;
    this.reset = opts.reset ?? "after";
    const L = opts.layers ?? 1;
    this.layers = Array.from({ length: L }, (_, l) => {
      const prefix = L === 1 ? opts.name : `${opts.name}/l${l}`;
      const dim = l === 0 ? opts.inputDim : 2 * opts.units;
      return {
        forward: createWeights(`${prefix}/fw`, dim, opts),
        backward: createWeights(`${prefix}/bw`, dim, opts),
      };
    });
  }

  /** Forward weights of the first layer. */
  get forward(): GruWeights {
    return this.layers[0].forward;
  }

  /** Backward weights of the first layer. */
  get backward(): GruWeights {
    return this.layers[0].backward;
  }

  /**
   * @param x `[B, T, D]`
   * @param lengths real steps per sequence (left-aligned); later steps are padding and give zeros
   * @throws {Error} when the shapes or lengths do not fit
   */
  apply(x: tf.Tensor3D, lengths: readonly number[]): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach(({ forward, backward }, l) => {
        const dim = l === 0 ? this.inputDim : 2 * this.units;
        h = runGru(h, lengths, [forward, backward], [false, true], this.units, dim, this.reset);
      });
      return h;
    });
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap(({ forward: f, backward: b }) =>
      [f.w, f.u, f.b, f.bh, b.w, b.u, b.b, b.bh].filter((v): v is tf.Variable => v !== undefined)
    );
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
