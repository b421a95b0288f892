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
 * Arithmetic: activations in float64 (`Math.exp`, `Math.tanh`) rounded to float32 on store; sums of bias
 * gradients in float64. Results agree with the graph recurrences to ~1e-6 (tests: `host_rnn_test.ts`), and are
 * deterministic for a given BLAS engine, core type and thread count.
 *
 * Selection: {@link recurrenceImpl} — env `TAGBENCH_RNN` = `fused` | `graph`, default `fused` on CPU backends
 * (wasm, cpu, tensorflow) and `graph` on webgpu (keeps the work on the GPU).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { gemmTN, RightMatrix } from "./host_gemm.ts";

/** Which recurrence implementation the layers use. */
export type RecurrenceImpl = "fused" | "graph";

let override: RecurrenceImpl | undefined;

/**
 * Forces the recurrence implementation (tests compare the two), or restores the default with `undefined`.
 */
export function setRecurrenceImpl(impl: RecurrenceImpl | undefined): void {
  override = impl;
}

/**
 * The implementation to use on the current backend: {@link setRecurrenceImpl}'s choice, else env `TAGBENCH_RNN`
 * (`fused` | `graph`), else `graph` on webgpu and `fused` elsewhere.
 *
 * @throws {Error} when `TAGBENCH_RNN` has another value.
 */
export function recurrenceImpl(): RecurrenceImpl {
  if (override) return override;
  let v: string | undefined;
  try {
    v = Deno.env.get("TAGBENCH_RNN") || undefined;
  } catch {
    v = undefined;
  }
  if (v !== undefined) {
    if (v !== "fused" && v !== "graph") throw new Error(`TAGBENCH_RNN must be fused or graph, got "${v}"`);
    return v;
  }
  return tf.getBackend() === "webgpu" ? "graph" : "fused";
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

/** Row order by decreasing length, and how many rows are active at each step. */
interface Plan {
  /** order[i] = batch index of internal row i. */
  order: Int32Array;
  /** nAct[t] = number of sequences longer than t. */
  nAct: Int32Array;
}

function plan(lengths: readonly number[], T: number): Plan {
  const B = lengths.length;
  const idx = Array.from({ length: B }, (_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const nAct = new Int32Array(T);
  for (const len of lengths) for (let t = 0; t < len; t++) nAct[t]++;
  return { order: Int32Array.from(idx), nAct };
}

/** Batch-major row (b·T + position) that direction `rev` reads at step t of sequence b (t < len). */
function srcRow(b: number, t: number, len: number, T: number, rev: boolean): number {
  return b * T + (rev ? len - 1 - t : t);
}

/**
 * X_d [T, B, GH] time-major, internal row order: p's direction-d block (+ bias) at the row read at each step.
 * Rows beyond nAct[t] stay zero.
 */
function gatherInputs(
  pv: Float32Array,
  bias: Float32Array,
  d: number,
  k: number,
  GH: number,
  s: HostRecurrenceShape,
  pl: Plan,
): Float32Array {
  const { B, T, lengths, reverse } = s;
  const X = new Float32Array(T * B * GH);
  for (let t = 0; t < T; t++) {
    const n = pl.nAct[t];
    for (let i = 0; i < n; i++) {
      const b = pl.order[i];
      const src = srcRow(b, t, lengths[b], T, reverse[d]) * k * GH + d * GH;
      const dst = (t * B + i) * GH;
      for (let j = 0; j < GH; j++) X[dst + j] = pv[src + j] + bias[j];
    }
  }
  return X;
}

/** Writes direction d's states H_d [T, B, H] (internal rows) into the batch-major output [B, T, kH]. */
function scatterOutputs(
  Hd: Float32Array,
  out: Float32Array,
  d: number,
  k: number,
  s: HostRecurrenceShape,
  pl: Plan,
): void {
  const { B, T, H, lengths, reverse } = s;
  for (let t = 0; t < T; t++) {
    const n = pl.nAct[t];
    for (let i = 0; i < n; i++) {
      const b = pl.order[i];
      const dst = srcRow(b, t, lengths[b], T, reverse[d]) * k * H + d * H;
      const src = (t * B + i) * H;
      out.set(Hd.subarray(src, src + H), dst);
    }
  }
}

/** dy [B, T, kH] → row i of step t's direction-d gradient, added into `dh` (internal rows, [n, H]). */
function addOutputGrad(
  dyv: Float32Array,
  dh: Float32Array,
  t: number,
  d: number,
  k: number,
  s: HostRecurrenceShape,
  pl: Plan,
): void {
  const { T, H, lengths, reverse } = s;
  const n = pl.nAct[t];
  for (let i = 0; i < n; i++) {
    const b = pl.order[i];
    const src = srcRow(b, t, lengths[b], T, reverse[d]) * k * H + d * H;
    const dst = i * H;
    for (let j = 0; j < H; j++) dh[dst + j] += dyv[src + j];
  }
}

/** dZ_d [T, B, GH] → dp [B·T, k·GH] (direction block d) and db_d (float64 column sums). */
function scatterInputGrads(
  dZ: Float32Array,
  dp: Float32Array,
  db: Float64Array,
  d: number,
  k: number,
  GH: number,
  s: HostRecurrenceShape,
  pl: Plan,
): void {
  const { B, T, lengths, reverse } = s;
  for (let t = 0; t < T; t++) {
    const n = pl.nAct[t];
    for (let i = 0; i < n; i++) {
      const b = pl.order[i];
      const dst = srcRow(b, t, lengths[b], T, reverse[d]) * k * GH + d * GH;
      const src = (t * B + i) * GH;
      for (let j = 0; j < GH; j++) {
        const v = dZ[src + j];
        dp[dst + j] = v;
        db[j] += v;
      }
    }
  }
}

function checkInputs(name: string, p: tf.Tensor, s: HostRecurrenceShape, GH: number): void {
  const k = s.reverse.length;
  if (p.rank !== 2 || p.shape[0] !== s.B * s.T || p.shape[1] !== k * GH) {
    throw new Error(`${name}: projections [${p.shape}] should be [${s.B * s.T}, ${k * GH}]`);
  }
  if (s.lengths.length !== s.B) throw new Error(`${name}: ${s.lengths.length} lengths for a batch of ${s.B}`);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

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
  const G = 4;
  const GH = G * H;
  checkInputs("hostLstmRecurrence", p, shape, GH);
  const pl = plan(shape.lengths, T);
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const [pIn, ...wIn] = args.slice(0, -1) as tf.Tensor[];
      const pv = pIn.dataSync() as Float32Array;
      const bv = wIn.slice(0, k).map((b) => b.dataSync() as Float32Array);
      const uv = wIn.slice(k).map((u) => u.dataSync() as Float32Array);
      /** Per direction: gate activations S [T,B,4H] (i, f, o, g), cells C, tanh(C), states Hs [T,B,H]. */
      const dirs = Array.from({ length: k }, (_, d) => {
        const S = gatherInputs(pv, bv[d], d, k, GH, shape, pl);
        const C = new Float32Array(T * B * H);
        const TC = new Float32Array(T * B * H);
        const Hs = new Float32Array(T * B * H);
        const U = new RightMatrix(uv[d], H, GH);
        try {
          for (let t = 0; t < T; t++) {
            const n = pl.nAct[t];
            if (n === 0) break;
            const sOff = t * B * GH;
            if (t > 0) U.times(Hs.subarray((t - 1) * B * H), n, S.subarray(sOff), true);
            const hOff = t * B * H;
            const cPrevOff = (t - 1) * B * H;
            for (let i = 0; i < n; i++) {
              const r = sOff + i * GH;
              const o = hOff + i * H;
              const po = cPrevOff + i * H;
              for (let j = 0; j < H; j++) {
                const ig = sigmoid(S[r + j]);
                const fg = sigmoid(S[r + H + j]);
                const og = sigmoid(S[r + 2 * H + j]);
                const gg = Math.tanh(S[r + 3 * H + j]);
                S[r + j] = ig;
                S[r + H + j] = fg;
                S[r + 2 * H + j] = og;
                S[r + 3 * H + j] = gg;
                // Round as float32 tensors would, so c and tanh(c) are exactly what later steps read.
                const c = t > 0 ? Math.fround(fg) * C[po + j] + Math.fround(ig) * Math.fround(gg) : ig * gg;
                C[o + j] = c;
                const tc = Math.tanh(C[o + j]);
                TC[o + j] = tc;
                Hs[o + j] = Math.fround(og) * TC[o + j];
              }
            }
          }
        } finally {
          U.dispose();
        }
        return { S, C, TC, Hs };
      });
      const out = new Float32Array(B * T * k * H);
      dirs.forEach((dir, d) => scatterOutputs(dir.Hs, out, d, k, shape, pl));
      return {
        value: tf.tensor3d(out, [B, T, k * H]),
        gradFunc: (dy: tf.Tensor3D) => {
          const dyv = dy.dataSync() as Float32Array;
          const dp = new Float32Array(B * T * k * GH);
          const dbs: tf.Tensor[] = [];
          const dus: tf.Tensor[] = [];
          dirs.forEach(({ S, C, TC, Hs }, d) => {
            const dZ = new Float32Array(T * B * GH);
            const dh = new Float32Array(B * H); // dh of step t: dy_t + (dZ_{t+1}·Uᵀ)
            const dcNext = new Float32Array(B * H);
            const U = new RightMatrix(uv[d], H, GH);
            try {
              for (let t = T - 1; t >= 0; t--) {
                const n = pl.nAct[t];
                if (n === 0) continue;
                addOutputGrad(dyv, dh, t, d, k, shape, pl);
                const sOff = t * B * GH;
                const hOff = t * B * H;
                const cPrevOff = (t - 1) * B * H;
                for (let i = 0; i < n; i++) {
                  const r = sOff + i * GH;
                  const o = hOff + i * H;
                  for (let j = 0; j < H; j++) {
                    const ig = S[r + j];
                    const fg = S[r + H + j];
                    const og = S[r + 2 * H + j];
                    const gg = S[r + 3 * H + j];
                    const tc = TC[o + j];
                    const dht = dh[i * H + j];
                    const dc = dht * og * (1 - tc * tc) + dcNext[i * H + j];
                    const cPrev = t > 0 ? C[cPrevOff + i * H + j] : 0;
                    dZ[r + j] = dc * gg * ig * (1 - ig);
                    dZ[r + H + j] = dc * cPrev * fg * (1 - fg);
                    dZ[r + 2 * H + j] = dht * tc * og * (1 - og);
                    dZ[r + 3 * H + j] = dc * ig * (1 - gg * gg);
                    dcNext[i * H + j] = dc * fg;
                  }
                }
                // dh_{t−1} = dZ_t·Uᵀ on the rows still running at t; rows beyond stay 0 (never written).
                if (t > 0) U.timesTransposed(dZ.subarray(sOff), n, dh, false);
              }
            } finally {
              U.dispose();
            }
            const db = new Float64Array(GH);
            scatterInputGrads(dZ, dp, db, d, k, GH, shape, pl);
            const dU = new Float32Array(H * GH);
            // dU = Σ_t h_{t−1}ᵀ·dZ_t: states of steps 0..T−2 against gate gradients of steps 1..T−1.
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
  const pl = plan(shape.lengths, T);
  const op = tf.customGrad(
    ((...args: unknown[]) => {
      const [pIn, ...wIn] = args.slice(0, -1) as tf.Tensor[];
      const pv = pIn.dataSync() as Float32Array;
      const bv = wIn.slice(0, k).map((b) => b.dataSync() as Float32Array);
      const uv = wIn.slice(k, 2 * k).map((u) => u.dataSync() as Float32Array);
      const bhv = wIn.slice(2 * k).map((b) => b.dataSync() as Float32Array);
      /** Reset-before: U_d split into U_rz [H, 2H] and U_n [H, H]. */
      const split = resetAfter ? [] : uv.map((u) => {
        const urz = new Float32Array(H * 2 * H);
        const un = new Float32Array(H * H);
        for (let r = 0; r < H; r++) {
          urz.set(u.subarray(r * GH, r * GH + 2 * H), r * 2 * H);
          un.set(u.subarray(r * GH + 2 * H, (r + 1) * GH), r * H);
        }
        return { urz, un };
      });
      /**
       * Per direction: S [T,B,3H] activations (r, z, n); Hs [T,B,H] states; Q [T,B,H] = h·U_n + b_hn
       * (reset-after) or r ⊙ h_{t−1} (reset-before).
       */
      const dirs = Array.from({ length: k }, (_, d) => {
        const S = gatherInputs(pv, bv[d], d, k, GH, shape, pl);
        const Hs = new Float32Array(T * B * H);
        const Q = new Float32Array(T * B * H);
        const A = new Float32Array(B * GH); // recurrent products of one step
        const bh = hasRecurrentBias ? bhv[d] : undefined;
        const U = resetAfter ? new RightMatrix(uv[d], H, GH) : undefined;
        const Urz = resetAfter ? undefined : new RightMatrix(split[d].urz, H, 2 * H);
        const Un = resetAfter ? undefined : new RightMatrix(split[d].un, H, H);
        try {
          for (let t = 0; t < T; t++) {
            const n = pl.nAct[t];
            if (n === 0) break;
            const sOff = t * B * GH;
            const hOff = t * B * H;
            const pOff = (t - 1) * B * H;
            if (resetAfter) {
              if (t > 0) U!.times(Hs.subarray(pOff), n, A, false);
              else A.fill(0);
              for (let i = 0; i < n; i++) {
                const r = sOff + i * GH;
                const a = i * GH;
                const o = hOff + i * H;
                for (let j = 0; j < H; j++) {
                  const rg = sigmoid(S[r + j] + A[a + j]);
                  const zg = sigmoid(S[r + H + j] + A[a + H + j]);
                  const q = Math.fround(A[a + 2 * H + j] + (bh ? bh[j] : 0));
                  const ng = Math.tanh(S[r + 2 * H + j] + Math.fround(rg) * q);
                  S[r + j] = rg;
                  S[r + H + j] = zg;
                  S[r + 2 * H + j] = ng;
                  Q[o + j] = q;
                  const hp = t > 0 ? Hs[pOff + i * H + j] : 0;
                  const zf = Math.fround(zg);
                  Hs[o + j] = (1 - zf) * Math.fround(ng) + zf * hp;
                }
              }
            } else {
              // r, z from h·U_rz; then q = r ⊙ h and the candidate from q·U_n.
              const Arz = A.subarray(0, B * 2 * H);
              if (t > 0) Urz!.times(Hs.subarray(pOff), n, Arz, false);
              else Arz.fill(0);
              for (let i = 0; i < n; i++) {
                const r = sOff + i * GH;
                const a = i * 2 * H;
                const o = hOff + i * H;
                for (let j = 0; j < H; j++) {
                  const rg = sigmoid(S[r + j] + Arz[a + j]);
                  S[r + j] = rg;
                  S[r + H + j] = sigmoid(S[r + H + j] + Arz[a + H + j]);
                  Q[o + j] = t > 0 ? Math.fround(rg) * Hs[pOff + i * H + j] : 0;
                }
              }
              const An = A.subarray(0, B * H);
              if (t > 0) Un!.times(Q.subarray(hOff), n, An, false);
              else An.fill(0);
              for (let i = 0; i < n; i++) {
                const r = sOff + i * GH;
                const o = hOff + i * H;
                for (let j = 0; j < H; j++) {
                  const ng = Math.tanh(S[r + 2 * H + j] + An[i * H + j]);
                  S[r + 2 * H + j] = ng;
                  const hp = t > 0 ? Hs[pOff + i * H + j] : 0;
                  const zf = S[r + H + j];
                  Hs[o + j] = (1 - zf) * Math.fround(ng) + zf * hp;
                }
              }
            }
          }
        } finally {
          U?.dispose();
          Urz?.dispose();
          Un?.dispose();
        }
        return { S, Hs, Q };
      });
      const out = new Float32Array(B * T * k * H);
      dirs.forEach((dir, d) => scatterOutputs(dir.Hs, out, d, k, shape, pl));
      return {
        value: tf.tensor3d(out, [B, T, k * H]),
        gradFunc: (dy: tf.Tensor3D) => {
          const dyv = dy.dataSync() as Float32Array;
          const dp = new Float32Array(B * T * k * GH);
          const dbs: tf.Tensor[] = [];
          const dus: tf.Tensor[] = [];
          const dbhs: tf.Tensor[] = [];
          dirs.forEach(({ S, Hs, Q }, d) => {
            const dZ = new Float32Array(T * B * GH); // gradients of the input pre-activations (x·W + b)
            // Gradients of the recurrent products: reset-after [r, z, n-part (dzn ⊙ r)] of h·U;
            // reset-before [r, z] of h·U_rz (first 2H columns) and the candidate's of q·U_n (last H).
            const dA = new Float32Array(T * B * GH);
            const dh = new Float32Array(B * H);
            const dq = new Float32Array(B * H);
            const dbh = new Float64Array(H);
            const U = resetAfter ? new RightMatrix(uv[d], H, GH) : undefined;
            const Urz = resetAfter ? undefined : new RightMatrix(split[d].urz, H, 2 * H);
            const Un = resetAfter ? undefined : new RightMatrix(split[d].un, H, H);
            const dArz = resetAfter ? undefined : new Float32Array(B * 2 * H);
            const dAn = resetAfter ? undefined : new Float32Array(B * H);
            try {
              for (let t = T - 1; t >= 0; t--) {
                const n = pl.nAct[t];
                if (n === 0) continue;
                addOutputGrad(dyv, dh, t, d, k, shape, pl);
                const sOff = t * B * GH;
                const hOff = t * B * H;
                const pOff = (t - 1) * B * H;
                if (resetAfter) {
                  for (let i = 0; i < n; i++) {
                    const r = sOff + i * GH;
                    const o = hOff + i * H;
                    for (let j = 0; j < H; j++) {
                      const rg = S[r + j];
                      const zg = S[r + H + j];
                      const ng = S[r + 2 * H + j];
                      const hp = t > 0 ? Hs[pOff + i * H + j] : 0;
                      const dht = dh[i * H + j];
                      const dzn = dht * (1 - zg) * (1 - ng * ng);
                      const dzr = dzn * Q[o + j] * rg * (1 - rg);
                      const dzz = dht * (hp - ng) * zg * (1 - zg);
                      dZ[r + j] = dzr;
                      dZ[r + H + j] = dzz;
                      dZ[r + 2 * H + j] = dzn;
                      const dan = dzn * rg;
                      dA[r + j] = dzr;
                      dA[r + H + j] = dzz;
                      dA[r + 2 * H + j] = dan;
                      dbh[j] += Math.fround(dan);
                      dh[i * H + j] = dht * zg; // direct path to h_{t−1}
                    }
                  }
                  if (t > 0) U!.timesTransposed(dA.subarray(sOff), n, dh, true);
                } else {
                  for (let i = 0; i < n; i++) {
                    const r = sOff + i * GH;
                    for (let j = 0; j < H; j++) {
                      const zg = S[r + H + j];
                      const ng = S[r + 2 * H + j];
                      const dzn = dh[i * H + j] * (1 - zg) * (1 - ng * ng);
                      dZ[r + 2 * H + j] = dzn;
                      dA[r + 2 * H + j] = dzn;
                      dAn![i * H + j] = dzn;
                    }
                  }
                  // dq = dzn·U_nᵀ (q = r ⊙ h_{t−1}; q = 0 at t = 0, so nothing flows there).
                  if (t > 0) Un!.timesTransposed(dAn!, n, dq, false);
                  for (let i = 0; i < n; i++) {
                    const r = sOff + i * GH;
                    for (let j = 0; j < H; j++) {
                      const rg = S[r + j];
                      const zg = S[r + H + j];
                      const ng = S[r + 2 * H + j];
                      const hp = t > 0 ? Hs[pOff + i * H + j] : 0;
                      const dht = dh[i * H + j];
                      const dqv = t > 0 ? dq[i * H + j] : 0;
                      const dzr = dqv * hp * rg * (1 - rg);
                      const dzz = dht * (hp - ng) * zg * (1 - zg);
                      dZ[r + j] = dzr;
                      dZ[r + H + j] = dzz;
                      dA[r + j] = dzr;
                      dA[r + H + j] = dzz;
                      dArz![i * 2 * H + j] = dzr;
                      dArz![i * 2 * H + H + j] = dzz;
                      dh[i * H + j] = dht * zg + dqv * rg;
                    }
                  }
                  if (t > 0) Urz!.timesTransposed(dArz!, n, dh, true);
                }
              }
            } finally {
              U?.dispose();
              Urz?.dispose();
              Un?.dispose();
            }
            const db = new Float64Array(GH);
            scatterInputGrads(dZ, dp, db, d, k, GH, shape, pl);
            const dU = new Float32Array(H * GH);
            if (resetAfter) {
              gemmTN(Hs, dA.subarray(B * GH), (T - 1) * B, H, GH, dU);
            } else {
              // dU_rz = Σ h_{t−1}ᵀ·dA_rz and dU_n = Σ q_tᵀ·dA_n, on the [T·B, 3H] dA with strided columns:
              // gather the two column blocks (steps ≥ 1; q and h_{−1} are zero at step 0).
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
