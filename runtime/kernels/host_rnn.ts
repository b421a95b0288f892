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
import { hostReadsAvailable } from "../host_reads.ts";
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

/**
 * One direction of a fused recurrence as its step kernels see it: T steps of B internal rows (`nAct[t]` of them
 * active at step t), H units in G gate blocks (GH = G·H columns per row of the time-major buffers), the
 * batch-major projections `pv` and output `out`, and, at index t·B + i for internal row i at step t, the offsets
 * of that row's column block in `pv` (`xs`, rows of k·G·H; likewise in their gradient) and in `out` (`ys`, rows of
 * k·H; likewise in its gradient).
 */
interface Dir {
  T: number;
  B: number;
  H: number;
  GH: number;
  nAct: Int32Array;
  xs: Int32Array;
  ys: Int32Array;
  pv: Float32Array;
  out: Float32Array;
}

function direction(
  s: HostRecurrenceShape,
  pl: Plan,
  G: number,
  d: number,
  pv: Float32Array,
  out: Float32Array,
): Dir {
  const { T, B, H } = s;
  const k = s.reverse.length;
  const rowOf = pl.rows[d];
  const xs = new Int32Array(T * B);
  const ys = new Int32Array(T * B);
  for (let q = 0; q < T * B; q++) {
    xs[q] = rowOf[q] * (k * G * H) + d * G * H;
    ys[q] = rowOf[q] * (k * H) + d * H;
  }
  return { T, B, H, GH: G * H, nAct: pl.nAct, xs, ys, pv, out };
}

/** The batch-major gradients a backward pass sees: `dyv` of the output (read), `dp` of the projections (written). */
interface BackIO {
  dyv: Float32Array;
  dp: Float32Array;
}

/**
 * Runs `step(t, n)` on every step of direction m with n = `nAct[t]` > 0 active rows, in time order or (`backward`)
 * reversed, then disposes `mats`, also when a step throws.
 */
function steps(
  m: Dir,
  backward: boolean,
  mats: (RightMatrix | undefined)[],
  step: (t: number, n: number) => void,
): void {
  try {
    if (backward) {
      for (let t = m.T - 1; t >= 0; t--) if (m.nAct[t] > 0) step(t, m.nAct[t]);
    } else {
      for (let t = 0; t < m.T && m.nAct[t] > 0; t++) step(t, m.nAct[t]);
    }
  } finally {
    for (const u of mats) u?.dispose();
  }
}

/**
 * Gradient `[H, N]` of a recurrent weight, Σ_{t≥1} h_{t−1}ᵀ·dA_t: `hs` holds the inputs of steps 0..T−2 (rows of
 * H, time-major) and `dA` the gradients of steps 1..T−1 (rows of N).
 */
function recurrentGrad(m: Dir, hs: Float32Array, dA: Float32Array, N: number): Float32Array {
  const dU = new Float32Array(m.H * N);
  gemmTN(hs, dA, (m.T - 1) * m.B, m.H, N, dU);
  return dU;
}

/**
 * A cell for {@link fusedRecurrence}: G gate blocks per unit, and the passes over all steps of one direction.
 * `w` holds the direction's weights, one per non-empty weight group, in group order; `forward` writes the
 * direction's columns of `m.out` and returns what `backward` needs; `backward` writes its columns of `io.dp` and
 * returns the gradients of `w` (same order and sizes).
 */
interface FusedCell<Saved> {
  G: number;
  forward(m: Dir, w: Float32Array[]): Saved;
  backward(m: Dir, w: Float32Array[], saved: Saved, io: BackIO): Float32Array[];
}

/**
 * One tfjs custom op running `cell` over every direction: `p` `[B·T, k·G·H]` and the weight groups (each one
 * tensor per direction, or none) in, `[B, T, kH]` out, with gradients for `p` and every weight.
 *
 * @throws {Error} when `p` or `shape.lengths` disagree with the shape, or a group does not have k weights.
 */
function fusedRecurrence<Saved>(
  name: string,
  p: tf.Tensor2D,
  groups: tf.Tensor[][],
  shape: HostRecurrenceShape,
  cell: FusedCell<Saved>,
): tf.Tensor3D {
  const { B, T, H } = shape;
  const k = shape.reverse.length;
  const GH = cell.G * H;
  checkInputs(name, p, shape, GH);
  const live = groups.filter((g) => g.length > 0);
  for (const g of live) {
    if (g.length !== k) throw new Error(`${name}: ${g.length} weights for ${k} directions`);
  }
  const pl = plan(shape);
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const [pIn, ...wIn] = args.slice(0, -1) as tf.Tensor[];
      const pv = pIn.dataSync() as Float32Array;
      const wv = wIn.map((w) => w.dataSync() as Float32Array);
      // The inputs are group-major; each direction gets its own weight of every group.
      const ws = Array.from({ length: k }, (_, d) => live.map((_, j) => wv[j * k + d]));
      const out = new Float32Array(B * T * k * H);
      const dirs = ws.map((_, d) => direction(shape, pl, cell.G, d, pv, out));
      const saved = dirs.map((m, d) => cell.forward(m, ws[d]));
      return {
        value: tf.tensor3d(out, [B, T, k * H]),
        gradFunc: (dy: tf.Tensor3D) => {
          const io = { dyv: dy.dataSync() as Float32Array, dp: new Float32Array(B * T * k * GH) };
          const grads = dirs.map((m, d) => cell.backward(m, ws[d], saved[d], io));
          return [
            tf.tensor2d(io.dp, [B * T, k * GH]),
            ...live.flatMap((g, j) => g.map((w, d) => tf.tensor(grads[d][j], w.shape))),
          ];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(p, ...live.flat()) as tf.Tensor3D;
}

// The step kernels are top-level functions over typed arrays, so that V8 optimises each once. Each works on the
// internal rows [0, n) of step t.

/** What the LSTM forward pass of one direction keeps, time-major with internal rows: gates S, cells C, tanh(C), states Hs. */
interface LstmState {
  /** `[T, B, 4H]` gate activations i, f, o, g. */
  S: Float32Array;
  /** `[T, B, H]` each. */
  C: Float32Array;
  TC: Float32Array;
  Hs: Float32Array;
}

/**
 * The LSTM backward pass's buffers for one direction: gate gradients dZ `[T, B, 4H]`, db `[4H]`, and what flows
 * from step t + 1 into h_t (dh) and c_t (dc), `[B, H]` (rows not running at t + 1 are never written: 0).
 */
interface LstmGrads extends BackIO {
  dZ: Float32Array;
  db: Float64Array;
  dh: Float32Array;
  dc: Float32Array;
}

/**
 * LSTM step t forward: S_t holds h_{t−1}·U (zeros at t = 0) on entry and the gate activations i, f, o, g on
 * exit; writes c_t, tanh(c_t), h_t and the output rows.
 */
function lstmForwardStep(m: Dir, s: LstmState, bias: Float32Array, t: number, n: number): void {
  const { B, H, GH, xs, ys, pv, out } = m;
  const { S, C, TC, Hs } = s;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
    const y = ys[t * B + i];
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
 * LSTM step t backward: dh holds dZ_{t+1}·Uᵀ (what flows into h_t from step t + 1) and dc the gradient into c_t
 * from step t + 1; writes dZ_t, its rows of dp, adds to db, and leaves dc_t ⊙ f_t in dc.
 */
function lstmBackwardStep(m: Dir, s: LstmState, g: LstmGrads, t: number, n: number): void {
  const { B, H, GH, xs, ys } = m;
  const { S, C, TC } = s;
  const { dZ, dp, db, dh, dc, dyv } = g;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
    const y = ys[t * B + i];
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

/** The LSTM cell (gate columns i, f, o, g); weights per direction: b `[4H]`, U `[H, 4H]`. */
const LSTM_CELL: FusedCell<LstmState> = {
  G: 4,
  forward(m, [bias, u]) {
    const { T, B, H, GH } = m;
    const s: LstmState = {
      S: new Float32Array(T * B * GH),
      C: new Float32Array(T * B * H),
      TC: new Float32Array(T * B * H),
      Hs: new Float32Array(T * B * H),
    };
    const U = new RightMatrix(u, H, GH);
    steps(m, false, [U], (t, n) => {
      if (t > 0) U.times(s.Hs.subarray((t - 1) * B * H), n, s.S.subarray(t * B * GH), false);
      lstmForwardStep(m, s, bias, t, n);
    });
    return s;
  },
  backward(m, [, u], s, io) {
    const { T, B, H, GH } = m;
    const g: LstmGrads = {
      ...io,
      dZ: new Float32Array(T * B * GH),
      db: new Float64Array(GH),
      dh: new Float32Array(B * H),
      dc: new Float32Array(B * H),
    };
    const U = new RightMatrix(u, H, GH);
    steps(m, true, [U], (t, n) => {
      lstmBackwardStep(m, s, g, t, n);
      if (t > 0) U.timesTransposed(g.dZ.subarray(t * B * GH), n, g.dh, false);
    });
    // dU = Σ_t h_{t−1}ᵀ·dZ_t: states of steps 0..T−2 against gate gradients of steps 1..T−1.
    return [Float32Array.from(g.db), recurrentGrad(m, s.Hs, g.dZ.subarray(B * GH), GH)];
  },
};

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
  return fusedRecurrence("hostLstmRecurrence", p, [bs, us], shape, LSTM_CELL);
}

/**
 * What the GRU forward pass of one direction keeps, time-major with internal rows: S `[T, B, 3H]` activations
 * (r, z, n), Hs `[T, B, H]` states, Q `[T, B, H]` = h_{t−1}·U_n + b_hn (reset after) or r ⊙ h_{t−1} (reset
 * before).
 */
interface GruState {
  S: Float32Array;
  Hs: Float32Array;
  Q: Float32Array;
}

/**
 * The GRU backward pass's buffers for one direction: dA `[T, B, 3H]` gradients of the recurrent products (reset
 * after, [r̂, ẑ, n̂ ⊙ r] of h·U; reset before, [r̂, ẑ] of h·U_rz in the first 2H columns and n̂ of q·U_n in the
 * last H), db `[3H]`, dbh `[H]`, dh `[B, H]` what flows into h_t from step t + 1 (rows not running at t + 1 are
 * never written: 0); reset before only: dq = n̂·U_nᵀ `[B, H]` and step t's blocks of dA packed as dArz `[B, 2H]`
 * and dAn `[B, H]`.
 */
interface GruGrads extends BackIO {
  dA: Float32Array;
  db: Float64Array;
  dbh: Float64Array;
  dh: Float32Array;
  dq: Float32Array;
  dArz: Float32Array;
  dAn: Float32Array;
}

/**
 * GRU (reset after) step t forward: A holds h_{t−1}·U (unused at t = 0); writes the activations r, z, n into
 * S_t, q = h_{t−1}·U_n + b_hn into Q_t, h_t and the output rows.
 */
function gruAfterForwardStep(
  m: Dir,
  s: GruState,
  A: Float32Array,
  bias: Float32Array,
  bh: Float32Array,
  t: number,
  n: number,
): void {
  const { B, H, GH, xs, ys, pv, out } = m;
  const { S, Hs, Q } = s;
  const a0 = t > 0 ? 1 : 0; // A is not computed at t = 0 (h_{−1} = 0)
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const a = i * GH;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
    const y = ys[t * B + i];
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
 * GRU (reset after) step t backward: dh holds what flows into h_t from step t + 1 on entry and dh_t ⊙ z_t (the
 * direct path to h_{t−1}) on exit; writes dA_t = [r̂, ẑ, n̂ ⊙ r], dp = [r̂, ẑ, n̂], adds to db and dbh.
 */
function gruAfterBackwardStep(m: Dir, s: GruState, g: GruGrads, t: number, n: number): void {
  const { B, H, GH, xs, ys } = m;
  const { S, Hs, Q } = s;
  const { dA, dp, db, dbh, dh, dyv } = g;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
    const y = ys[t * B + i];
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
  m: Dir,
  s: GruState,
  A: Float32Array,
  bias: Float32Array,
  t: number,
  n: number,
): void {
  const { B, H, GH, xs, pv } = m;
  const { S, Hs, Q } = s;
  const a0 = t > 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const a = i * 2 * H;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
    for (let j = 0; j < H; j++) {
      S[r + j] = fastSigmoid(pv[x + j] + bias[j] + a0 * A[a + j]);
      S[r + H + j] = fastSigmoid(pv[x + H + j] + bias[H + j] + a0 * A[a + H + j]);
      Q[o + j] = t > 0 ? S[r + j] * Hs[o - B * H + j] : 0;
    }
  }
}

/** GRU (reset before) step t forward, part 2: n from A = q_t·U_n, then h_t and the output rows. */
function gruBeforeCandidateStep(
  m: Dir,
  s: GruState,
  A: Float32Array,
  bias: Float32Array,
  t: number,
  n: number,
): void {
  const { B, H, GH, xs, ys, pv, out } = m;
  const { S, Hs } = s;
  const a0 = t > 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
    const y = ys[t * B + i];
    for (let j = 0; j < H; j++) {
      S[r + 2 * H + j] = fastTanh(pv[x + 2 * H + j] + bias[2 * H + j] + a0 * A[i * H + j]);
      const zg = S[r + H + j];
      const hp = t > 0 ? Hs[o - B * H + j] : 0;
      out[y + j] = Hs[o + j] = (1 - zg) * S[r + 2 * H + j] + zg * hp;
    }
  }
}

/** GRU (reset before) step t backward, part 1: dh += dy_t; n̂ into dA_t's last block and dAn. */
function gruBeforeCandidateBackStep(m: Dir, s: GruState, g: GruGrads, t: number, n: number): void {
  const { B, H, GH, ys } = m;
  const { S } = s;
  const { dA, dAn, dh, dyv } = g;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const y = ys[t * B + i];
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
function gruBeforeGatesBackStep(m: Dir, s: GruState, g: GruGrads, t: number, n: number): void {
  const { B, H, GH, xs } = m;
  const { S, Hs } = s;
  const { dA, dArz, dq, dp, db, dh } = g;
  for (let i = 0; i < n; i++) {
    const r = (t * B + i) * GH;
    const o = (t * B + i) * H;
    const x = xs[t * B + i];
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

/**
 * A direction's U `[H, 3H]` as the products need it: whole (reset after), or split into U_rz `[H, 2H]` and U_n
 * `[H, H]` (reset before).
 */
function gruMatrices(
  u: Float32Array,
  H: number,
  resetAfter: boolean,
): { U?: RightMatrix; Urz?: RightMatrix; Un?: RightMatrix } {
  const GH = 3 * H;
  if (resetAfter) return { U: new RightMatrix(u, H, GH) };
  const urz = new Float32Array(H * 2 * H);
  const un = new Float32Array(H * H);
  for (let r = 0; r < H; r++) {
    urz.set(u.subarray(r * GH, r * GH + 2 * H), r * 2 * H);
    un.set(u.subarray(r * GH + 2 * H, (r + 1) * GH), r * H);
  }
  return { Urz: new RightMatrix(urz, H, 2 * H), Un: new RightMatrix(un, H, H) };
}

/**
 * Reset-before dU `[H, 3H]`: dU_rz = Σ h_{t−1}ᵀ·dA_rz and dU_n = Σ q_tᵀ·dA_n over steps ≥ 1 (q and h_{−1} are zero
 * at step 0), with the two column blocks of dA gathered first.
 */
function gruBeforeRecurrentGrad(m: Dir, s: GruState, dA: Float32Array): Float32Array {
  const { T, B, H, GH } = m;
  const M = (T - 1) * B;
  const aRz = new Float32Array(M * 2 * H);
  const aN = new Float32Array(M * H);
  for (let row = 0; row < M; row++) {
    const src = (B + row) * GH;
    aRz.set(dA.subarray(src, src + 2 * H), row * 2 * H);
    aN.set(dA.subarray(src + 2 * H, src + GH), row * H);
  }
  const dUrz = recurrentGrad(m, s.Hs, aRz, 2 * H);
  const dUn = recurrentGrad(m, s.Q.subarray(B * H), aN, H);
  const dU = new Float32Array(H * GH);
  for (let r = 0; r < H; r++) {
    dU.set(dUrz.subarray(r * 2 * H, (r + 1) * 2 * H), r * GH);
    dU.set(dUn.subarray(r * H, (r + 1) * H), r * GH + 2 * H);
  }
  return dU;
}

/** The GRU cell (gate columns r, z, n); weights per direction: b `[3H]`, U `[H, 3H]`, and b_hn `[H]` when present. */
function gruCell({ resetAfter, hasRecurrentBias }: HostGruOptions): FusedCell<GruState> {
  return {
    G: 3,
    forward(m, [bias, u, bhn]) {
      const { T, B, H, GH } = m;
      const s: GruState = {
        S: new Float32Array(T * B * GH),
        Hs: new Float32Array(T * B * H),
        Q: new Float32Array(T * B * H),
      };
      const A = new Float32Array(B * GH);
      const bh = hasRecurrentBias ? bhn : new Float32Array(H);
      const { U, Urz, Un } = gruMatrices(u, H, resetAfter);
      steps(m, false, [U, Urz, Un], (t, n) => {
        const hPrev = s.Hs.subarray((t - 1) * B * H);
        if (U) {
          if (t > 0) U.times(hPrev, n, A, false);
          gruAfterForwardStep(m, s, A, bias, bh, t, n);
        } else {
          if (t > 0) Urz!.times(hPrev, n, A, false);
          gruBeforeGatesStep(m, s, A, bias, t, n);
          if (t > 0) Un!.times(s.Q.subarray(t * B * H), n, A, false);
          gruBeforeCandidateStep(m, s, A, bias, t, n);
        }
      });
      return s;
    },
    backward(m, [, u], s, io) {
      const { T, B, H, GH } = m;
      const g: GruGrads = {
        ...io,
        dA: new Float32Array(T * B * GH),
        db: new Float64Array(GH),
        dbh: new Float64Array(H),
        dh: new Float32Array(B * H),
        dq: new Float32Array(B * H),
        dArz: new Float32Array(resetAfter ? 0 : B * 2 * H),
        dAn: new Float32Array(resetAfter ? 0 : B * H),
      };
      const { U, Urz, Un } = gruMatrices(u, H, resetAfter);
      steps(m, true, [U, Urz, Un], (t, n) => {
        if (U) {
          gruAfterBackwardStep(m, s, g, t, n);
          if (t > 0) U.timesTransposed(g.dA.subarray(t * B * GH), n, g.dh, true);
        } else {
          gruBeforeCandidateBackStep(m, s, g, t, n);
          if (t > 0) Un!.timesTransposed(g.dAn, n, g.dq, false);
          gruBeforeGatesBackStep(m, s, g, t, n);
          if (t > 0) Urz!.timesTransposed(g.dArz, n, g.dh, true);
        }
      });
      const dU = resetAfter
        ? recurrentGrad(m, s.Hs, g.dA.subarray(B * GH), GH)
        : gruBeforeRecurrentGrad(m, s, g.dA);
      const db = Float32Array.from(g.db);
      return hasRecurrentBias ? [db, dU, Float32Array.from(g.dbh)] : [db, dU];
    },
  };
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
  const k = shape.reverse.length;
  const { resetAfter, hasRecurrentBias } = opts;
  if (hasRecurrentBias && !resetAfter) throw new Error("hostGruRecurrence: b_hn needs the reset-after form");
  if (bhs.length !== (hasRecurrentBias ? k : 0)) {
    throw new Error(`hostGruRecurrence: ${bhs.length} recurrent biases for ${k} directions`);
  }
  return fusedRecurrence("hostGruRecurrence", p, [bs, us, bhs], shape, gruCell(opts));
}
