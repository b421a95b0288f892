/**
 * LSTM and bidirectional LSTM over padded batches, hand-written for few ops per time step.
 *
 * Equations (Hochreiter & Schmidhuber 1997 with a forget gate; the PyTorch/TensorFlow `LSTMCell` without
 * peepholes):
 *
 *     i = σ(x·W_i + h·U_i + b_i)   f = σ(x·W_f + h·U_f + b_f)   o = σ(x·W_o + h·U_o + b_o)
 *     g = tanh(x·W_g + h·U_g + b_g)   c' = f ⊙ c + i ⊙ g   h' = o ⊙ tanh(c')
 *
 * Weights per direction: `W [D, 4H]`, `U [H, 4H]`, `b [4H]` with gate columns in the order **i, f, o, g**
 * (PyTorch uses i, f, g, o; the order only matters when importing weights). Initialisation: Glorot-uniform `W` and `U`, `b`
 * zero except the forget gate at `forgetBias` (1.0, Jozefowicz et al. 2015; TF's `LSTMCell` adds the same 1.0
 * as a constant instead).
 *
 * Padding: sequences are left-aligned, `lengths[b]` real steps. The backward direction reads each sequence
 * reversed within its length, so padding trails in both directions and padded steps never feed a real one;
 * outputs at padded steps are exactly zero.
 *
 * Speed (op overhead dominates on wasm): the input projection of all steps and both directions is ONE matMul,
 * and the recurrence of all directions is ONE custom op with a hand-written backward pass. Two implementations
 * (chosen by `recurrenceImpl()` in `kernels/host_rnn.ts`; they agree to ~1e-6, see `host_rnn_test.ts`):
 * - `fused` (default on CPU backends): `hostLstmRecurrence`, all per-step work in JavaScript on host arrays,
 *   recurrent products through OpenBLAS when present; padded steps are skipped.
 * - `graph` (`TAGBENCH_RNN=graph`; the implementation as first written): {@link recurrence}, per-step tfjs ops
 *   with the directions side by side (state `[h_fwd, h_bwd]`, block-diagonal recurrent weights); per-step rows,
 *   reversal and padding are arranged in JavaScript.
 * - `device` (webgpu, which cannot read tensors synchronously): {@link deviceRecurrence}, per-step tfjs ops
 *   differentiated by tfjs, no host reads.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng } from "./init.ts";
import { hostLstmRecurrence, recurrenceImpl, timeMajorRows } from "../runtime/kernels/host_rnn.ts";
import { gatherRows, matMul } from "./ops.ts";

/** Weights of one LSTM direction. */
export interface LstmWeights {
  /** `[D, 4H]`, gate columns i, f, o, g. */
  w: tf.Variable;
  /** `[H, 4H]`, gate columns i, f, o, g. */
  u: tf.Variable;
  /** `[4H]`. */
  b: tf.Variable;
}

/** Options of {@link BiLSTM} and {@link LSTM}. */
export interface LstmOptions {
  /** Unique variable-name prefix. */
  name: string;
  inputDim: number;
  /** Hidden units H per direction. */
  units: number;
  rng: Rng;
  /** Initial forget-gate bias (default 1.0). */
  forgetBias?: number;
}

function createWeights(
  name: string,
  inputDim: number,
  units: number,
  rng: Rng,
  forgetBias: number,
): LstmWeights {
  const H = units;
  const w0 = glorotUniform(rng, [inputDim, 4 * H]);
  const u0 = glorotUniform(rng, [H, 4 * H]);
  const bias = new Float32Array(4 * H);
  bias.fill(forgetBias, H, 2 * H);
  const b0 = tf.tensor1d(bias);
  const weights = {
    w: tf.variable(w0, true, `${name}/kernel`),
    u: tf.variable(u0, true, `${name}/recurrent_kernel`),
    b: tf.variable(b0, true, `${name}/bias`),
  };
  tf.dispose([w0, u0, b0]);
  return weights;
}

/** tanh(x) as 2·σ(2x) − 1: the wasm backend's Tanh is ~10× slower than its (XNNPACK) Sigmoid. Absolute error
 * ~1e-7 in float32. No gradient (used inside {@link recurrence}, whose gradient is written by hand). */
function fastTanh(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

/** Shape of a recurrence: k directions of H units over a `[B, T]` batch. */
interface RecurrenceShape {
  B: number;
  T: number;
  H: number;
  lengths: readonly number[];
  /** Per direction: read the sequence reversed within its length. */
  reverse: readonly boolean[];
}

/**
 * The LSTM recurrence of k directions with a hand-written backward pass (back-propagation through time), as
 * one custom op.
 *
 * Inputs: `p [B·T, k·4H]` batch-major input projections x·W (direction blocks, each with gate blocks i, f, o, g),
 * then per direction `b_d [4H]` and `u_d [H, 4H]`. Output `[B, T, kH]` batch-major, in each sequence's own time
 * order, zero at padded steps.
 *
 * Inside, the step inputs x·W + b of all directions are laid out in JavaScript as one `[B, kH]` block per step
 * and gate (directions side by side, the backward direction reversed within each length), and the recurrent
 * weights as one block-diagonal `[kH, kH]` matrix per gate, so a step is four small matMuls and ~20
 * elementwise ops for all directions together. The outputs and gradients are mapped back the same way.
 * Doing this on the host replaces `gather`/`unstack`/`split` kernels that cost more than the matMuls on wasm
 * (`Slice` copies its whole input per call; `Gather` costs ~50 ns per element). On a GPU backend it costs
 * three device↔host transfers per call.
 *
 * Gradient (per step, s = σ(z), g = tanh(z_g), c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t)):
 *   dc_t = dh_t⊙o⊙(1 − tanh²c_t) + dc_{t+1}⊙f_{t+1};  dz = [dc⊙g, dc⊙c_{t−1}, dh⊙tanh c_t] ⊙ s(1−s) ‖ dc⊙i⊙(1−g²)
 *   dh_{t−1} = dz·Uᵀ;  dU_d = Σ_t h_{t−1}ᵀ·dz_t (ONE matMul over all steps per direction);  db = Σ_t dz_t;
 *   dp = dz.
 */
function recurrence(p: tf.Tensor2D, bs: tf.Tensor[], us: tf.Tensor[], shape: RecurrenceShape): tf.Tensor3D {
  const { B, T, H, lengths, reverse } = shape;
  const k = reverse.length;
  const kH = k * H;
  const P = 4 * H; // columns of one direction in p
  /** Row of p (and of the output) that direction d reads at step t of sequence b. */
  const rowOf = (b: number, t: number, d: number) => {
    const len = lengths[b];
    return b * T + (reverse[d] && t < len ? len - 1 - t : t);
  };
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const [pIn, ...wIn] = args.slice(0, -1) as tf.Tensor[];
      const pv = pIn.dataSync() as Float32Array;
      const bv = wIn.slice(0, k).map((b) => b.dataSync() as Float32Array);
      const uvs = wIn.slice(k).map((u) => u.dataSync() as Float32Array);
      // Per gate q, block-diagonal [kH, kH]: block d is U_d's gate-q columns (or their transpose).
      const gateBlocks = (transposed: boolean) =>
        Array.from({ length: 4 }, (_, q) => {
          const a = new Float32Array(kH * kH);
          uvs.forEach((ud, d) => {
            for (let r = 0; r < H; r++) {
              for (let j = 0; j < H; j++) {
                const v = ud[r * P + q * H + j];
                if (transposed) a[(d * H + j) * kH + d * H + r] = v;
                else a[(d * H + r) * kH + d * H + j] = v;
              }
            }
          });
          return tf.tensor2d(a, [kH, kH]);
        });
      const uq = gateBlocks(false);
      const keep: tf.Tensor[] = [];
      const hs: tf.Tensor[] = [];
      let h: tf.Tensor | undefined;
      let c: tf.Tensor | undefined;
      const xq = Array.from({ length: 4 }, () => new Float32Array(B * kH));
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          for (let d = 0; d < k; d++) {
            const src = rowOf(b, t, d) * k * P + d * P;
            const bias = bv[d];
            for (let q = 0; q < 4; q++) {
              const x = xq[q];
              const dst = b * kH + d * H;
              for (let j = 0; j < H; j++) x[dst + j] = pv[src + q * H + j] + bias[q * H + j];
            }
          }
        }
        // One [kH, kH] matMul per gate: cheaper on wasm than one [kH, 4kH] matMul plus four slices.
        const [i, f, o, g] = xq.map((x, q) => {
          const xt = tf.tensor2d(x, [B, kH]);
          const z = h ? tf.add(xt, tf.matMul(h, uq[q])) : xt;
          return q < 3 ? tf.sigmoid(z) : fastTanh(z);
        });
        c = c ? tf.add(tf.mul(f, c), tf.mul(i, g)) : tf.mul(i, g);
        const tc = fastTanh(c);
        h = tf.mul(o, tc);
        hs.push(h);
        keep.push(i, f, o, g, c, tc);
      }
      // Time-major [T·B, kH] → batch-major [B, T, kH] in each sequence's own order, zeros at padding.
      const hv = tf.concat(hs, 0).dataSync() as Float32Array;
      const out = new Float32Array(B * T * kH);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          if (t >= lengths[b]) continue;
          for (let d = 0; d < k; d++) {
            const src = (t * B + b) * kH + d * H;
            out.set(hv.subarray(src, src + H), rowOf(b, t, d) * kH + d * H);
          }
        }
      }
      save(keep);
      return {
        value: tf.tensor3d(out, [B, T, kH]),
        gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
          const at = (t: number, q: number) => saved[6 * t + q];
          const dyv = dy.dataSync() as Float32Array;
          const uqT = gateBlocks(true);
          const dzs: tf.Tensor[] = new Array(4 * T);
          let dh: tf.Tensor | undefined;
          let dc: tf.Tensor | undefined;
          const dyt = new Float32Array(B * kH);
          for (let t = T - 1; t >= 0; t--) {
            dyt.fill(0);
            for (let b = 0; b < B; b++) {
              if (t >= lengths[b]) continue;
              for (let d = 0; d < k; d++) {
                const src = rowOf(b, t, d) * kH + d * H;
                dyt.set(dyv.subarray(src, src + H), b * kH + d * H);
              }
            }
            const [i, f, o, g, , tc] = Array.from({ length: 6 }, (_, q) => at(t, q));
            const dyT = tf.tensor2d(dyt, [B, kH]);
            const dht = dh ? tf.add(dyT, dh) : dyT;
            let dct = tf.mul(tf.mul(dht, o), tf.sub(1, tf.mul(tc, tc)));
            if (dc) dct = tf.add(dct, dc);
            /** d pre-activation of a sigmoid gate s from d s: ds ⊙ s ⊙ (1 − s). */
            const dSig = (ds: tf.Tensor, sv: tf.Tensor) => tf.mul(tf.mul(ds, sv), tf.sub(1, sv));
            const dz = [
              dSig(tf.mul(dct, g), i),
              t > 0 ? dSig(tf.mul(dct, at(t - 1, 4)), f) : tf.zerosLike(dct), // c_{−1} = 0
              dSig(tf.mul(dht, tc), o),
              tf.mul(tf.mul(dct, i), tf.sub(1, tf.mul(g, g))),
            ];
            dz.forEach((z, q) => (dzs[4 * t + q] = z));
            dc = tf.mul(dct, f);
            if (t > 0) dh = tf.addN(dz.map((z, q) => tf.matMul(z, uqT[q])));
          }
          // Row ((t·4 + q)·B + b) holds dz of gate q at step t for sequence b.
          const dzv = tf.concat(dzs, 0).dataSync() as Float32Array;
          // Per direction: dZ_d [T·B, 4H] (time-major, own gate columns) and h_{t−1}ᵀ [H, T·B] (zero at t = 0),
          // so that dU_d = h_prevᵀ·dZ_d is one matMul without the zero blocks of the block-diagonal U.
          const dp = new Float32Array(B * T * k * P);
          const db = Array.from({ length: k }, () => new Float64Array(P));
          const dZd = Array.from({ length: k }, () => new Float32Array(T * B * P));
          const hPrevT = Array.from({ length: k }, () => new Float32Array(H * T * B));
          for (let t = 0; t < T; t++) {
            for (let b = 0; b < B; b++) {
              const r = t * B + b;
              for (let d = 0; d < k; d++) {
                const dst = rowOf(b, t, d) * k * P + d * P;
                const dbd = db[d];
                const zd = dZd[d];
                for (let q = 0; q < 4; q++) {
                  const src = ((4 * t + q) * B + b) * kH + d * H;
                  for (let j = 0; j < H; j++) {
                    const v = dzv[src + j];
                    dp[dst + q * H + j] = v;
                    zd[r * P + q * H + j] = v;
                    dbd[q * H + j] += v;
                  }
                }
                if (t > 0) {
                  const hp = hPrevT[d];
                  const src = ((t - 1) * B + b) * kH + d * H;
                  for (let j = 0; j < H; j++) hp[j * T * B + r] = hv[src + j];
                }
              }
            }
          }
          const dus = Array.from(
            { length: k },
            (_, d) => tf.matMul(tf.tensor2d(hPrevT[d], [H, T * B]), tf.tensor2d(dZd[d], [T * B, P])),
          );
          return [
            tf.tensor2d(dp, [B * T, k * P]),
            ...db.map((a) => tf.tensor1d(Float32Array.from(a))),
            ...dus,
          ];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(p, ...bs, ...us) as tf.Tensor3D;
}

/**
 * The recurrence as per-step tfjs ops differentiated by tfjs, with no host reads (the `device` implementation,
 * for webgpu): each direction's step inputs are gathered time-major with the reversal built in, the outputs
 * gathered back and masked to zero at padded steps. Same equations as {@link recurrence}.
 */
function deviceRecurrence(
  p: tf.Tensor2D,
  cells: LstmWeights[],
  reverse: readonly boolean[],
  B: number,
  T: number,
  H: number,
  lengths: readonly number[],
): tf.Tensor3D {
  const k = cells.length;
  const G = 4 * H;
  const outs = cells.map((cell, d) => {
    const { idx, back, mask } = timeMajorRows(lengths, B, T, reverse[d]);
    const pd = k === 1 ? p : tf.slice(p, [0, d * G], [B * T, G]);
    const xs = tf.add(gatherRows(pd, tf.tensor1d(idx, "int32")), cell.b);
    let h: tf.Tensor2D = tf.zeros([B, H]);
    let c: tf.Tensor = tf.zeros([B, H]);
    const hs: tf.Tensor2D[] = [];
    for (const x of tf.split(xs, T, 0) as tf.Tensor2D[]) {
      const [i, f, o, g] = tf.split(tf.add(x, matMul(h, cell.u as tf.Tensor2D)), 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
      hs.push(h);
    }
    const hd = gatherRows(tf.concat(hs, 0) as tf.Tensor2D, tf.tensor1d(back, "int32"));
    return tf.mul(hd, tf.tensor2d(mask, [B * T, 1]));
  });
  return tf.reshape(k === 1 ? outs[0] : tf.concat(outs, 1), [B, T, k * H]);
}

/** Runs `cells` (direction d reversed within length when `reverse[d]`) over `x [B, T, D]` → `[B, T, kH]`. */
function runLstm(
  x: tf.Tensor3D,
  lengths: readonly number[],
  cells: LstmWeights[],
  reverse: boolean[],
  H: number,
  inputDim: number,
): tf.Tensor3D {
  const [B, T, D] = x.shape;
  if (x.rank !== 3 || D !== inputDim) {
    throw new Error(`LSTM: input [${x.shape}] does not fit, expected [B, T, ${inputDim}]`);
  }
  if (lengths.length !== B) throw new Error(`LSTM: ${lengths.length} lengths for a batch of ${B}`);
  lengths.forEach((len, b) => {
    if (!(Number.isInteger(len) && len >= 0 && len <= T)) {
      throw new Error(`LSTM: length ${len} of sequence ${b} is outside [0, ${T}]`);
    }
  });
  return tf.tidy(() => {
    const w = cells.length === 1 ? cells[0].w : tf.concat(cells.map((c) => c.w), 1);
    const p = matMul(tf.reshape(x, [B * T, D]) as tf.Tensor2D, w as tf.Tensor2D);
    const shape = { B, T, H, lengths, reverse };
    const bs = cells.map((c) => c.b);
    const us = cells.map((c) => c.u);
    switch (recurrenceImpl()) {
      case "fused":
        return hostLstmRecurrence(p, bs, us, shape);
      case "graph":
        return recurrence(p, bs, us, shape);
      case "device":
        return deviceRecurrence(p, cells, reverse, B, T, H, lengths);
    }
  });
}

/** Unidirectional LSTM: `[B, T, D]` → `[B, T, H]`, zero at padded steps. */
export class LSTM {
  readonly units: number;
  readonly inputDim: number;
  readonly cell: LstmWeights;

  constructor(opts: LstmOptions) {
    this.units = opts.units;
    this.inputDim = opts.inputDim;
    this.cell = createWeights(opts.name, opts.inputDim, opts.units, opts.rng, opts.forgetBias ?? 1);
  }

  /**
   * @param x `[B, T, D]`
   * @param lengths real steps per sequence (left-aligned); later steps are padding and give zeros
   */
  apply(x: tf.Tensor3D, lengths: readonly number[]): tf.Tensor3D {
    return runLstm(x, lengths, [this.cell], [false], this.units, this.inputDim);
  }

  variables(): tf.Variable[] {
    return [this.cell.w, this.cell.u, this.cell.b];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * Bidirectional LSTM: `[B, T, D]` → `[B, T, 2H]` = `[h_fwd, h_bwd]` per step, zero at padded steps; the
 * backward direction starts at each sequence's last real token.
 */
export class BiLSTM {
  readonly units: number;
  readonly inputDim: number;
  readonly forward: LstmWeights;
  readonly backward: LstmWeights;

  constructor(opts: LstmOptions) {
    const fb = opts.forgetBias ?? 1;
    this.units = opts.units;
    this.inputDim = opts.inputDim;
    this.forward = createWeights(`${opts.name}/fw`, opts.inputDim, opts.units, opts.rng, fb);
    this.backward = createWeights(`${opts.name}/bw`, opts.inputDim, opts.units, opts.rng, fb);
  }

  /**
   * @param x `[B, T, D]`
   * @param lengths real steps per sequence (left-aligned); later steps are padding and give zeros
   */
  apply(x: tf.Tensor3D, lengths: readonly number[]): tf.Tensor3D {
    return runLstm(x, lengths, [this.forward, this.backward], [false, true], this.units, this.inputDim);
  }

  variables(): tf.Variable[] {
    const { forward: f, backward: b } = this;
    return [f.w, f.u, f.b, b.w, b.u, b.b];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
