/**
 * Fused LSTM and GRU recurrences computed on the host: each recurrence (all time steps, all directions, forward
 * and hand-written backward pass) is ONE tfjs custom op whose inner loops run in JavaScript on `Float32Array`s,
 * with the recurrent matrix products done by {@link RightMatrix} (OpenBLAS `sgemm` when present, else tfjs
 * `matMul`). Compared with one tfjs op per gate and step (the "graph" recurrences in `lstm.ts`/`gru.ts`), this
 * removes ~40 kernel dispatches per time step and all per-step tensor allocations.
 *
 * Layout: sequences are left-aligned with `lengths[b]` real steps; a reversed direction reads each sequence
 * backwards within its length. Internally the batch rows are ordered by decreasing length (stable), so the rows
 * still running at step t are a prefix and every product covers only them (padding costs nothing, as with
 * PyTorch's packed sequences); padded outputs are exactly zero and padded inputs get exactly zero gradient.
 *
 * Arithmetic: activations in float64 (a table-based `exp`, relative error < 1e-9) rounded to float32 on store;
 * sums of bias gradients in float64. Results agree with the graph recurrences to ~1e-6 (tests: `host_rnn_test.ts`), and are
 * deterministic for a given BLAS engine, core type and thread count.
 *
 * Selection: {@link recurrenceImpl} — env `TAGBENCH_RNN` = `fused` | `graph` | `device`; default `fused`, except
 * `device` on webgpu (no synchronous reads there; keeps the work on the GPU). `graph` is the recurrence as first
 * written (per-step tfjs ops inside one custom op, rows arranged on the host); `device` is per-step tfjs ops
 * differentiated by tfjs, with no host reads at all. For the GRU, `graph` and `device` are the same code.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { hostReadsAvailable } from "../ops.ts";
import { gemmTN, RightMatrix } from "./host_gemm.ts";

/** Which recurrence implementation the layers use (see the module doc). */
export type RecurrenceImpl = "fused" | "graph" | "device";

/** All implementations, for validation. */
export const RECURRENCE_IMPLS: readonly RecurrenceImpl[] = ["fused", "graph", "device"];

let override: RecurrenceImpl | undefined;

/**
 * Forces the recurrence implementation (tests compare the two), or restores the default with `undefined`.
 */
export function setRecurrenceImpl(impl: RecurrenceImpl | undefined): void {
  override = impl;
}

/**
 * The implementation to use on the current backend: {@link setRecurrenceImpl}'s choice, else env `TAGBENCH_RNN`,
 * else `device` on webgpu and `fused` elsewhere. On a backend without synchronous reads (webgpu) every choice
 * becomes `device`, the only one that works there.
 *
 * @throws {Error} when `TAGBENCH_RNN` is not one of {@link RECURRENCE_IMPLS}.
 */
export function recurrenceImpl(): RecurrenceImpl {
  if (!hostReadsAvailable()) return "device";
  if (override) return override;
  let v: string | undefined;
  try {
    v = Deno.env.get("TAGBENCH_RNN") || undefined;
  } catch {
    v = undefined;
  }
  if (v !== undefined) {
    if (!RECURRENCE_IMPLS.includes(v as RecurrenceImpl)) {
      throw new Error(`TAGBENCH_RNN must be one of ${RECURRENCE_IMPLS.join(", ")}, got "${v}"`);
    }
    return v as RecurrenceImpl;
  }
  return "fused";
}

/**
 * Row orders of a graph (non-fused) recurrence over a `[B·T, G]` batch-major projection: `idx[t·B + b]` is the
 * batch-major row read at step t by sentence b (reversed within its length for a backward direction; padded
 * steps read their own padding row), `back` maps those time-major rows back to batch-major order, and `mask`
 * (`[B·T]`) is 1 on real tokens. Shared by the LSTM and GRU graph recurrences.
 */
export function timeMajorRows(
  lengths: readonly number[],
  B: number,
  T: number,
  reverse: boolean,
): { idx: Int32Array; back: Int32Array; mask: Float32Array } {
  const idx = new Int32Array(T * B);
  const back = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  lengths.forEach((len, b) => mask.fill(1, b * T, b * T + len));
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const len = lengths[b];
      const pos = reverse && t < len ? len - 1 - t : t;
      idx[t * B + b] = b * T + pos;
      back[b * T + pos] = t * B + b;
    }
  }
  return { idx, back, mask };
}

/** Shape of a recurrence: k = `reverse.length` directions of H units over a `[B, T]` batch. */
export interface HostRecurrenceShape {
  B: number;
  T: number;
  H: number;
  lengths: readonly number[];
  /** Per direction: read the sequence reversed within its length. */
  reverse: readonly boolean[];
}

/** Row order by decreasing length, how many rows are active at each step, and where each row reads. */
interface Plan {
  /** order[i] = batch index of internal row i. */
  order: Int32Array;
  /** nAct[t] = number of sequences longer than t. */
  nAct: Int32Array;
  /** Per direction: rows[d][t·B + i] = batch-major row (b·T + position) that row i reads at step t. */
  rows: Int32Array[];
}

function plan(s: HostRecurrenceShape): Plan {
  const { B, T, lengths, reverse } = s;
  const idx = Array.from({ length: B }, (_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const order = Int32Array.from(idx);
  const nAct = new Int32Array(T);
  for (const len of lengths) for (let t = 0; t < len; t++) nAct[t]++;
  const rows = reverse.map((rev) => {
    const r = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < nAct[t]; i++) {
        const b = order[i];
        r[t * B + i] = b * T + (rev ? lengths[b] - 1 - t : t);
      }
    }
    return r;
  });
  return { order, nAct, rows };
}

function checkInputs(name: string, p: tf.Tensor, s: HostRecurrenceShape, GH: number): void {
  const k = s.reverse.length;
  if (p.rank !== 2 || p.shape[0] !== s.B * s.T || p.shape[1] !== k * GH) {
    throw new Error(`${name}: projections [${p.shape}] should be [${s.B * s.T}, ${k * GH}]`);
  }
  if (s.lengths.length !== s.B) throw new Error(`${name}: ${s.lengths.length} lengths for a batch of ${s.B}`);
}

// exp(x) as 2^(k/32)·(1 + r + r²/2 + r³/6) with k = round(32x/ln 2), |r| ≤ ln2/64: relative error < 1e-9, and
// ~2.5× faster than Math.exp in V8. The table comes from Math.exp (V8's fdlibm port), so results are the same on
// every machine.
const EXP_STEPS = 32;
const EXP_KMIN = -90 * 47;
const EXP_KMAX = 90 * 47;
const EXP_TABLE = new Float64Array(EXP_KMAX - EXP_KMIN + 1).map((_, i) =>
  Math.exp(((i + EXP_KMIN) * Math.LN2) / EXP_STEPS)
);
const EXP_INV = EXP_STEPS / Math.LN2;
const EXP_STEP = Math.LN2 / EXP_STEPS;

/** e^x for x clamped to [−87, 88] (the float32 range; σ and tanh saturate long before). */
function fastExp(x: number): number {
  const c = Math.min(88, Math.max(-87, x));
  const k = Math.floor(c * EXP_INV + 0.5);
  const r = c - k * EXP_STEP;
  return (1 + r * (1 + r * (0.5 + r * (1 / 6)))) * EXP_TABLE[k - EXP_KMIN];
}

/** σ(x) = 1 / (1 + e^−x); absolute error < 1e-9. */
export function fastSigmoid(x: number): number {
  return 1 / (1 + fastExp(-x));
}

/** tanh(x) = 1 − 2 / (1 + e^2x); absolute error < 1e-8. */
export function fastTanh(x: number): number {
  return 1 - 2 / (1 + fastExp(2 * x));
}

/** Sizes shared by the step kernels: internal batch rows B, units H, the row strides of the batch-major
 * projections (k·G·H) and outputs (k·H), and this direction's column offsets in them. */
interface Dims {
  B: number;
  H: number;
  pStride: number;
  pOff: number;
  yStride: number;
  yOff: number;
}

function dims(B: number, H: number, G: number, k: number, d: number): Dims {
  return { B, H, pStride: k * G * H, pOff: d * G * H, yStride: k * H, yOff: d * H };
}

// The step kernels are top-level functions with typed-array arguments, so that V8 optimises each once.

/**
 * LSTM step t forward on rows [0, n): S_t holds h_{t−1}·U (zeros at t = 0) on entry and the gate activations
 * i, f, o, g on exit; writes c_t, tanh(c_t), h_t and the output rows.
 */
function lstmForwardStep(
  S: Float32Array,
  C: Float32Array,
  TC: Float32Array,
  Hs: Float32Array,
  out: Float32Array,
  pv: Float32Array,
  bias: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 4 * H;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const row = rowOf[t * B + i];
    const x = row * m.pStride + m.pOff;
    const y = row * m.yStride + m.yOff;
    for (let j = 0; j < H; j++) {
      S[r + j] = fastSigmoid(S[r + j] + pv[x + j] + bias[j]);
      S[r + H + j] = fastSigmoid(S[r + H + j] + pv[x + H + j] + bias[H + j]);
      S[r + 2 * H + j] = fastSigmoid(S[r + 2 * H + j] + pv[x + 2 * H + j] + bias[2 * H + j]);
      S[r + 3 * H + j] = fastTanh(S[r + 3 * H + j] + pv[x + 3 * H + j] + bias[3 * H + j]);
      // Products of the float32-rounded gates (read back from S), as float32 tensors would give.
      const ig = S[r + j] * S[r + 3 * H + j];
      C[o + j] = t > 0 ? S[r + H + j] * C[o - B * H + j] + ig : ig;
      TC[o + j] = fastTanh(C[o + j]);
      out[y + j] = Hs[o + j] = S[r + 2 * H + j] * TC[o + j];
    }
  }
}

/**
 * LSTM step t backward on rows [0, n): dh holds dZ_{t+1}·Uᵀ (what flows into h_t from step t + 1) and dc the
 * gradient into c_t from step t + 1; writes dZ_t, its rows of dp, adds to db, and leaves dc_t ⊙ f_t in dc.
 */
function lstmBackwardStep(
  S: Float32Array,
  C: Float32Array,
  TC: Float32Array,
  dZ: Float32Array,
  dp: Float32Array,
  db: Float64Array,
  dh: Float32Array,
  dc: Float32Array,
  dyv: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 4 * H;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const row = rowOf[t * B + i];
    const x = row * m.pStride + m.pOff;
    const y = row * m.yStride + m.yOff;
    for (let j = 0; j < H; j++) {
      const ig = S[r + j];
      const fg = S[r + H + j];
      const og = S[r + 2 * H + j];
      const gg = S[r + 3 * H + j];
      const tc = TC[o + j];
      const dht = dh[i * H + j] + dyv[y + j];
      const dct = dht * og * (1 - tc * tc) + dc[i * H + j];
      const cPrev = t > 0 ? C[o - B * H + j] : 0;
      const zi = (dZ[r + j] = dct * gg * ig * (1 - ig));
      const zf = (dZ[r + H + j] = dct * cPrev * fg * (1 - fg));
      const zo = (dZ[r + 2 * H + j] = dht * tc * og * (1 - og));
      const zg = (dZ[r + 3 * H + j] = dct * ig * (1 - gg * gg));
      dp[x + j] = zi;
      dp[x + H + j] = zf;
      dp[x + 2 * H + j] = zo;
      dp[x + 3 * H + j] = zg;
      db[j] += dZ[r + j];
      db[H + j] += dZ[r + H + j];
      db[2 * H + j] += dZ[r + 2 * H + j];
      db[3 * H + j] += dZ[r + 3 * H + j];
      dc[i * H + j] = dct * fg;
    }
  }
}

/**
 * Fused LSTM recurrence (gate columns i, f, o, g; see `lstm.ts` for the equations and the gradient).
 *
 * @param p `[B·T, k·4H]` batch-major input projections x·W, direction blocks side by side
 * @param bs per direction `b_d [4H]`
 * @param us per direction `U_d [H, 4H]`
 * @returns `[B, T, kH]` batch-major, each sequence in its own time order, zero at padded steps
 */
export function hostLstmRecurrence(
  p: tf.Tensor2D,
  bs: tf.Tensor[],
  us: tf.Tensor[],
  shape: HostRecurrenceShape,
): tf.Tensor3D {
  const { B, T, H } = shape;
  const k = shape.reverse.length;
  const GH = 4 * H;
  checkInputs("hostLstmRecurrence", p, shape, GH);
  const { nAct, rows } = plan(shape);
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const [pIn, ...wIn] = args.slice(0, -1) as tf.Tensor[];
      const pv = pIn.dataSync() as Float32Array;
      const bv = wIn.slice(0, k).map((b) => b.dataSync() as Float32Array);
      const uv = wIn.slice(k).map((u) => u.dataSync() as Float32Array);
      const out = new Float32Array(B * T * k * H);
      // Per direction, time-major with internal rows: gate activations S [T,B,4H], cells C, tanh(C), states Hs.
      const dirs = Array.from({ length: k }, (_, d) => {
        const S = new Float32Array(T * B * GH);
        const C = new Float32Array(T * B * H);
        const TC = new Float32Array(T * B * H);
        const Hs = new Float32Array(T * B * H);
        const m = dims(B, H, 4, k, d);
        const U = new RightMatrix(uv[d], H, GH);
        try {
          for (let t = 0; t < T && nAct[t] > 0; t++) {
            if (t > 0) U.times(Hs.subarray((t - 1) * B * H), nAct[t], S.subarray(t * B * GH), false);
            lstmForwardStep(S, C, TC, Hs, out, pv, bv[d], rows[d], t, nAct[t], m);
          }
        } finally {
          U.dispose();
        }
        return { S, C, TC, Hs };
      });
      return {
        value: tf.tensor3d(out, [B, T, k * H]),
        gradFunc: (dy: tf.Tensor3D) => {
          const dyv = dy.dataSync() as Float32Array;
          const dp = new Float32Array(B * T * k * GH);
          const dbs: tf.Tensor[] = [];
          const dus: tf.Tensor[] = [];
          dirs.forEach(({ S, C, TC, Hs }, d) => {
            const dZ = new Float32Array(T * B * GH);
            const db = new Float64Array(GH);
            // Rows not running at t + 1 were never written, so they hold 0 as they must.
            const dh = new Float32Array(B * H);
            const dc = new Float32Array(B * H);
            const m = dims(B, H, 4, k, d);
            const U = new RightMatrix(uv[d], H, GH);
            try {
              for (let t = T - 1; t >= 0; t--) {
                if (nAct[t] === 0) continue;
                lstmBackwardStep(S, C, TC, dZ, dp, db, dh, dc, dyv, rows[d], t, nAct[t], m);
                if (t > 0) U.timesTransposed(dZ.subarray(t * B * GH), nAct[t], dh, false);
              }
            } finally {
              U.dispose();
            }
            // dU = Σ_t h_{t−1}ᵀ·dZ_t: states of steps 0..T−2 against gate gradients of steps 1..T−1.
            const dU = new Float32Array(H * GH);
            gemmTN(Hs, dZ.subarray(B * GH), (T - 1) * B, H, GH, dU);
            dbs.push(tf.tensor1d(Float32Array.from(db)));
            dus.push(tf.tensor2d(dU, [H, GH]));
          });
          return [tf.tensor2d(dp, [B * T, k * GH]), ...dbs, ...dus];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(p, ...bs, ...us) as tf.Tensor3D;
}

/**
 * GRU (reset after) step t forward on rows [0, n): A holds h_{t−1}·U (unused at t = 0); writes the
 * activations r, z, n into S_t, q = h_{t−1}·U_n + b_hn into Q_t, h_t and the output rows.
 */
function gruAfterForwardStep(
  S: Float32Array,
  Hs: Float32Array,
  Q: Float32Array,
  A: Float32Array,
  out: Float32Array,
  pv: Float32Array,
  bias: Float32Array,
  bh: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 3 * H;
  const a0 = t > 0 ? 1 : 0; // A is not computed at t = 0 (h_{−1} = 0)
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const a = i * GH;
    const o = (t * B + i) * H;
    const row = rowOf[t * B + i];
    const x = row * m.pStride + m.pOff;
    const y = row * m.yStride + m.yOff;
    for (let j = 0; j < H; j++) {
      S[r + j] = fastSigmoid(pv[x + j] + bias[j] + a0 * A[a + j]);
      S[r + H + j] = fastSigmoid(pv[x + H + j] + bias[H + j] + a0 * A[a + H + j]);
      Q[o + j] = a0 * A[a + 2 * H + j] + bh[j];
      S[r + 2 * H + j] = fastTanh(pv[x + 2 * H + j] + bias[2 * H + j] + S[r + j] * Q[o + j]);
      const zg = S[r + H + j];
      const hp = t > 0 ? Hs[o - B * H + j] : 0;
      out[y + j] = Hs[o + j] = (1 - zg) * S[r + 2 * H + j] + zg * hp;
    }
  }
}

/**
 * GRU (reset after) step t backward on rows [0, n): dh holds what flows into h_t from step t + 1 on entry and
 * dh_t ⊙ z_t (the direct path to h_{t−1}) on exit; writes dA_t = [r̂, ẑ, n̂ ⊙ r], dp = [r̂, ẑ, n̂], adds to db
 * and dbh.
 */
function gruAfterBackwardStep(
  S: Float32Array,
  Hs: Float32Array,
  Q: Float32Array,
  dA: Float32Array,
  dp: Float32Array,
  db: Float64Array,
  dbh: Float64Array,
  dh: Float32Array,
  dyv: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 3 * H;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const row = rowOf[t * B + i];
    const x = row * m.pStride + m.pOff;
    const y = row * m.yStride + m.yOff;
    for (let j = 0; j < H; j++) {
      const rg = S[r + j];
      const zg = S[r + H + j];
      const ng = S[r + 2 * H + j];
      const hp = t > 0 ? Hs[o - B * H + j] : 0;
      const dht = dh[i * H + j] + dyv[y + j];
      const dzn = dht * (1 - zg) * (1 - ng * ng);
      const dzr = (dA[r + j] = dzn * Q[o + j] * rg * (1 - rg));
      const dzz = (dA[r + H + j] = dht * (hp - ng) * zg * (1 - zg));
      dA[r + 2 * H + j] = dzn * rg;
      dp[x + j] = dzr;
      dp[x + H + j] = dzz;
      dp[x + 2 * H + j] = dzn;
      db[j] += dA[r + j];
      db[H + j] += dA[r + H + j];
      db[2 * H + j] += dp[x + 2 * H + j];
      dbh[j] += dA[r + 2 * H + j];
      dh[i * H + j] = dht * zg;
    }
  }
}

/** GRU (reset before) step t forward, part 1: r, z into S_t from A = h_{t−1}·U_rz; q = r ⊙ h_{t−1} into Q_t. */
function gruBeforeGatesStep(
  S: Float32Array,
  Hs: Float32Array,
  Q: Float32Array,
  A: Float32Array,
  pv: Float32Array,
  bias: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 3 * H;
  const a0 = t > 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const a = i * 2 * H;
    const o = (t * B + i) * H;
    const x = rowOf[t * B + i] * m.pStride + m.pOff;
    for (let j = 0; j < H; j++) {
      S[r + j] = fastSigmoid(pv[x + j] + bias[j] + a0 * A[a + j]);
      S[r + H + j] = fastSigmoid(pv[x + H + j] + bias[H + j] + a0 * A[a + H + j]);
      Q[o + j] = t > 0 ? S[r + j] * Hs[o - B * H + j] : 0;
    }
  }
}

/** GRU (reset before) step t forward, part 2: n from A = q_t·U_n, then h_t and the output rows. */
function gruBeforeCandidateStep(
  S: Float32Array,
  Hs: Float32Array,
  A: Float32Array,
  out: Float32Array,
  pv: Float32Array,
  bias: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 3 * H;
  const a0 = t > 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const row = rowOf[t * B + i];
    const x = row * m.pStride + m.pOff;
    const y = row * m.yStride + m.yOff;
    for (let j = 0; j < H; j++) {
      S[r + 2 * H + j] = fastTanh(pv[x + 2 * H + j] + bias[2 * H + j] + a0 * A[i * H + j]);
      const zg = S[r + H + j];
      const hp = t > 0 ? Hs[o - B * H + j] : 0;
      out[y + j] = Hs[o + j] = (1 - zg) * S[r + 2 * H + j] + zg * hp;
    }
  }
}

/** GRU (reset before) step t backward, part 1: dh += dy_t; n̂ into dA_t's last block and dAn. */
function gruBeforeCandidateBackStep(
  S: Float32Array,
  dA: Float32Array,
  dAn: Float32Array,
  dh: Float32Array,
  dyv: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 3 * H;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const y = rowOf[t * B + i] * m.yStride + m.yOff;
    for (let j = 0; j < H; j++) {
      const zg = S[r + H + j];
      const ng = S[r + 2 * H + j];
      const dht = (dh[i * H + j] += dyv[y + j]);
      dAn[i * H + j] = dA[r + 2 * H + j] = dht * (1 - zg) * (1 - ng * ng);
    }
  }
}

/**
 * GRU (reset before) step t backward, part 2, with dq = n̂·U_nᵀ: r̂ and ẑ into dA_t and dArz, dp, db; leaves
 * dh_t ⊙ z_t + dq ⊙ r_t (the paths to h_{t−1} other than through U_rz) in dh.
 */
function gruBeforeGatesBackStep(
  S: Float32Array,
  Hs: Float32Array,
  dA: Float32Array,
  dArz: Float32Array,
  dq: Float32Array,
  dp: Float32Array,
  db: Float64Array,
  dh: Float32Array,
  rowOf: Int32Array,
  t: number,
  n: number,
  m: Dims,
): void {
  const { B, H } = m;
  const GH = 3 * H;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const x = rowOf[t * B + i] * m.pStride + m.pOff;
    for (let j = 0; j < H; j++) {
      const rg = S[r + j];
      const zg = S[r + H + j];
      const ng = S[r + 2 * H + j];
      const hp = t > 0 ? Hs[o - B * H + j] : 0;
      const dht = dh[i * H + j];
      const dqv = t > 0 ? dq[i * H + j] : 0;
      dArz[i * 2 * H + j] = dA[r + j] = dqv * hp * rg * (1 - rg);
      dArz[i * 2 * H + H + j] = dA[r + H + j] = dht * (hp - ng) * zg * (1 - zg);
      dp[x + j] = dA[r + j];
      dp[x + H + j] = dA[r + H + j];
      dp[x + 2 * H + j] = dA[r + 2 * H + j];
      db[j] += dA[r + j];
      db[H + j] += dA[r + H + j];
      db[2 * H + j] += dA[r + 2 * H + j];
      dh[i * H + j] = dht * zg + dqv * rg;
    }
  }
}

/** Options of {@link hostGruRecurrence}. */
export interface HostGruOptions {
  /** Apply the reset gate after the recurrent product (r ⊙ (h·U_n + b_hn)) instead of before it ((r ⊙ h)·U_n). */
  resetAfter: boolean;
  /** Per direction `b_hn [H]` inside the reset product (PyTorch/cuDNN form; reset-after only). */
  hasRecurrentBias: boolean;
}

/**
 * Fused GRU recurrence (gate columns r, z, n; see `gru.ts` for the equations and the gradient).
 *
 * @param p `[B·T, k·3H]` batch-major input projections x·W
 * @param bs per direction `b_d [3H]`
 * @param us per direction `U_d [H, 3H]`
 * @param bhs per direction `b_hn [H]` when `opts.hasRecurrentBias` (else empty)
 * @returns `[B, T, kH]` batch-major, each sequence in its own time order, zero at padded steps
 */
export function hostGruRecurrence(
  p: tf.Tensor2D,
  bs: tf.Tensor[],
  us: tf.Tensor[],
  bhs: tf.Tensor[],
  shape: HostRecurrenceShape,
  opts: HostGruOptions,
): tf.Tensor3D {
  const { B, T, H } = shape;
  const k = shape.reverse.length;
  const GH = 3 * H;
  const { resetAfter, hasRecurrentBias } = opts;
  if (hasRecurrentBias && !resetAfter) throw new Error("hostGruRecurrence: b_hn needs the reset-after form");
  if (bhs.length !== (hasRecurrentBias ? k : 0)) {
    throw new Error(`hostGruRecurrence: ${bhs.length} recurrent biases for ${k} directions`);
  }
  checkInputs("hostGruRecurrence", p, shape, GH);
  const { nAct, rows } = plan(shape);
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const [pIn, ...wIn] = args.slice(0, -1) as tf.Tensor[];
      const pv = pIn.dataSync() as Float32Array;
      const bv = wIn.slice(0, k).map((b) => b.dataSync() as Float32Array);
      const uv = wIn.slice(k, 2 * k).map((u) => u.dataSync() as Float32Array);
      const bhv = wIn.slice(2 * k).map((b) => b.dataSync() as Float32Array);
      // Reset-before: U_d split into U_rz [H, 2H] and U_n [H, H].
      const split = resetAfter ? [] : uv.map((u) => {
        const urz = new Float32Array(H * 2 * H);
        const un = new Float32Array(H * H);
        for (let r = 0; r < H; r++) {
          urz.set(u.subarray(r * GH, r * GH + 2 * H), r * 2 * H);
          un.set(u.subarray(r * GH + 2 * H, (r + 1) * GH), r * H);
        }
        return { urz, un };
      });
      const mats = (d: number) =>
        resetAfter
          ? { U: new RightMatrix(uv[d], H, GH) }
          : { Urz: new RightMatrix(split[d].urz, H, 2 * H), Un: new RightMatrix(split[d].un, H, H) };
      const out = new Float32Array(B * T * k * H);
      // Per direction, time-major with internal rows: S [T,B,3H] activations (r, z, n), Hs [T,B,H] states,
      // Q [T,B,H] = h_{t−1}·U_n + b_hn (reset after) or r ⊙ h_{t−1} (reset before).
      const dirs = Array.from({ length: k }, (_, d) => {
        const S = new Float32Array(T * B * GH);
        const Hs = new Float32Array(T * B * H);
        const Q = new Float32Array(T * B * H);
        const A = new Float32Array(B * GH);
        const bh = hasRecurrentBias ? bhv[d] : new Float32Array(H);
        const m = dims(B, H, 3, k, d);
        const { U, Urz, Un } = mats(d);
        try {
          for (let t = 0; t < T && nAct[t] > 0; t++) {
            const n = nAct[t];
            const hPrev = Hs.subarray((t - 1) * B * H);
            if (U) {
              if (t > 0) U.times(hPrev, n, A, false);
              gruAfterForwardStep(S, Hs, Q, A, out, pv, bv[d], bh, rows[d], t, n, m);
            } else {
              if (t > 0) Urz!.times(hPrev, n, A, false);
              gruBeforeGatesStep(S, Hs, Q, A, pv, bv[d], rows[d], t, n, m);
              if (t > 0) Un!.times(Q.subarray(t * B * H), n, A, false);
              gruBeforeCandidateStep(S, Hs, A, out, pv, bv[d], rows[d], t, n, m);
            }
          }
        } finally {
          U?.dispose();
          Urz?.dispose();
          Un?.dispose();
        }
        return { S, Hs, Q };
      });
      return {
        value: tf.tensor3d(out, [B, T, k * H]),
        gradFunc: (dy: tf.Tensor3D) => {
          const dyv = dy.dataSync() as Float32Array;
          const dp = new Float32Array(B * T * k * GH);
          const dbs: tf.Tensor[] = [];
          const dus: tf.Tensor[] = [];
          const dbhs: tf.Tensor[] = [];
          dirs.forEach(({ S, Hs, Q }, d) => {
            // Gradients of the recurrent products: reset after, [r̂, ẑ, n̂ ⊙ r] of h·U; reset before, [r̂, ẑ] of
            // h·U_rz (first 2H columns) and n̂ of q·U_n (last H).
            const dA = new Float32Array(T * B * GH);
            const db = new Float64Array(GH);
            const dbh = new Float64Array(H);
            const dh = new Float32Array(B * H); // rows not running at t + 1 are never written: 0
            const dq = new Float32Array(B * H);
            const dArz = new Float32Array(resetAfter ? 0 : B * 2 * H);
            const dAn = new Float32Array(resetAfter ? 0 : B * H);
            const m = dims(B, H, 3, k, d);
            const { U, Urz, Un } = mats(d);
            try {
              for (let t = T - 1; t >= 0; t--) {
                const n = nAct[t];
                if (n === 0) continue;
                if (U) {
                  gruAfterBackwardStep(S, Hs, Q, dA, dp, db, dbh, dh, dyv, rows[d], t, n, m);
                  if (t > 0) U.timesTransposed(dA.subarray(t * B * GH), n, dh, true);
                } else {
                  gruBeforeCandidateBackStep(S, dA, dAn, dh, dyv, rows[d], t, n, m);
                  if (t > 0) Un!.timesTransposed(dAn, n, dq, false);
                  gruBeforeGatesBackStep(S, Hs, dA, dArz, dq, dp, db, dh, rows[d], t, n, m);
                  if (t > 0) Urz!.timesTransposed(dArz, n, dh, true);
                }
              }
            } finally {
              U?.dispose();
              Urz?.dispose();
              Un?.dispose();
            }
            const dU = new Float32Array(H * GH);
            if (resetAfter) {
              gemmTN(Hs, dA.subarray(B * GH), (T - 1) * B, H, GH, dU);
            } else {
              // dU_rz = Σ h_{t−1}ᵀ·dA_rz and dU_n = Σ q_tᵀ·dA_n over steps ≥ 1 (q and h_{−1} are zero at
              // step 0), with the two column blocks of dA gathered first.
              const M = (T - 1) * B;
              const aRz = new Float32Array(M * 2 * H);
              const aN = new Float32Array(M * H);
              for (let row = 0; row < M; row++) {
                const src = (B + row) * GH;
                aRz.set(dA.subarray(src, src + 2 * H), row * 2 * H);
                aN.set(dA.subarray(src + 2 * H, src + GH), row * H);
              }
              const dUrz = new Float32Array(H * 2 * H);
              const dUn = new Float32Array(H * H);
              gemmTN(Hs, aRz, M, H, 2 * H, dUrz);
              gemmTN(Q.subarray(B * H), aN, M, H, H, dUn);
              for (let r = 0; r < H; r++) {
                dU.set(dUrz.subarray(r * 2 * H, (r + 1) * 2 * H), r * GH);
                dU.set(dUn.subarray(r * H, (r + 1) * H), r * GH + 2 * H);
              }
            }
            dbs.push(tf.tensor1d(Float32Array.from(db)));
            dus.push(tf.tensor2d(dU, [H, GH]));
            if (hasRecurrentBias) dbhs.push(tf.tensor1d(Float32Array.from(dbh)));
          });
          return [tf.tensor2d(dp, [B * T, k * GH]), ...dbs, ...dus, ...dbhs];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(p, ...bs, ...us, ...bhs) as tf.Tensor3D;
}
