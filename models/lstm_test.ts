import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, type Rng } from "./init.ts";
import { BiLSTM, LSTM, type LstmWeights } from "./lstm.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "./_testing.ts";

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface RefWeights {
  w: ArrayLike<number>;
  u: ArrayLike<number>;
  b: ArrayLike<number>;
}

/** Naive float64 LSTM over one sequence `x[t][d]`, gate columns i, f, o, g. */
function refLstm(x: number[][], p: RefWeights, D: number, H: number): number[][] {
  let h = new Array(H).fill(0);
  let c = new Array(H).fill(0);
  const out: number[][] = [];
  for (const xt of x) {
    const z = new Array(4 * H).fill(0);
    for (let j = 0; j < 4 * H; j++) {
      let s = p.b[j];
      for (let d = 0; d < D; d++) s += xt[d] * p.w[d * 4 * H + j];
      for (let k = 0; k < H; k++) s += h[k] * p.u[k * 4 * H + j];
      z[j] = s;
    }
    const nc = new Array(H);
    const nh = new Array(H);
    for (let k = 0; k < H; k++) {
      const i = sigmoid(z[k]);
      const f = sigmoid(z[H + k]);
      const o = sigmoid(z[2 * H + k]);
      const g = Math.tanh(z[3 * H + k]);
      nc[k] = f * c[k] + i * g;
      nh[k] = o * Math.tanh(nc[k]);
    }
    c = nc;
    h = nh;
    out.push(h);
  }
  return out;
}

/** Reference BiLSTM over a padded batch `x [B, T, D]` (flat): `[B, T, 2H]` flat, zeros at padding. */
function refBiLstm(
  x: ArrayLike<number>,
  lengths: number[],
  T: number,
  D: number,
  H: number,
  fw: RefWeights,
  bw: RefWeights,
): Float64Array {
  const B = lengths.length;
  const out = new Float64Array(B * T * 2 * H);
  lengths.forEach((len, b) => {
    const seq: number[][] = [];
    for (let t = 0; t < len; t++) seq.push(Array.from({ length: D }, (_, d) => x[(b * T + t) * D + d]));
    const hf = refLstm(seq, fw, D, H);
    const hb = refLstm([...seq].reverse(), bw, D, H).reverse();
    for (let t = 0; t < len; t++) {
      for (let k = 0; k < H; k++) {
        out[(b * T + t) * 2 * H + k] = hf[t][k];
        out[(b * T + t) * 2 * H + H + k] = hb[t][k];
      }
    }
  });
  return out;
}

function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng() - 1) * scale);
}

/** Gives every bias a random value too, so the test covers the bias path. */
function randomiseBias(cell: LstmWeights, rng: Rng): void {
  const b = tf.tensor1d(randomArray(rng, cell.b.shape[0], 0.5));
  cell.b.assign(b);
  b.dispose();
}

function refWeights(cell: LstmWeights): RefWeights {
  return { w: cell.w.dataSync(), u: cell.u.dataSync(), b: cell.b.dataSync() };
}

for (const backend of testBackends()) {
  Deno.test(`BiLSTM on ${backend}: forward matches a naive JS reference to 1e-5`, async () => {
    await useBackend(backend);
    const rng = createRng(7);
    const [B, T, D, H] = [3, 6, 5, 4];
    const lengths = [6, 2, 4];
    const lstm = new BiLSTM({ name: uniqueName("bilstm"), inputDim: D, units: H, rng });
    randomiseBias(lstm.forward, rng);
    randomiseBias(lstm.backward, rng);
    const xv = randomArray(rng, B * T * D, 2);
    await assertNoLeak(() => {
      const out = tf.tidy(() => lstm.apply(tf.tensor3d(xv, [B, T, D]), lengths));
      assert.deepEqual(out.shape, [B, T, 2 * H]);
      const expected = refBiLstm(xv, lengths, T, D, H, refWeights(lstm.forward), refWeights(lstm.backward));
      assertClose(out.dataSync(), expected, 1e-5, 0, "BiLSTM output");
      out.dispose();
    }, "BiLSTM.apply");
    lstm.dispose();
  });

  Deno.test(`BiLSTM on ${backend}: padded input values change nothing`, async () => {
    await useBackend(backend);
    const rng = createRng(8);
    const [B, T, D, H] = [2, 5, 3, 2];
    const lengths = [5, 3];
    const lstm = new BiLSTM({ name: uniqueName("bilstm"), inputDim: D, units: H, rng });
    const x1 = randomArray(rng, B * T * D);
    const x2 = x1.slice();
    for (let t = 3; t < T; t++) for (let d = 0; d < D; d++) x2[(1 * T + t) * D + d] = 100 * (t + d);
    const run = (x: Float32Array) =>
      tf.tidy(() => lstm.apply(tf.tensor3d(x, [B, T, D]), lengths))
        .dataSync().map((v) => v + 0); // -0 → 0
    assert.deepEqual(Array.from(run(x2)), Array.from(run(x1)));
    lstm.dispose();
  });

  Deno.test(`LSTM on ${backend}: forward matches the reference, zero at padding`, async () => {
    await useBackend(backend);
    const rng = createRng(9);
    const [B, T, D, H] = [2, 4, 3, 5];
    const lengths = [4, 1];
    const lstm = new LSTM({ name: uniqueName("lstm"), inputDim: D, units: H, rng });
    randomiseBias(lstm.cell, rng);
    const xv = randomArray(rng, B * T * D);
    const out = tf.tidy(() => lstm.apply(tf.tensor3d(xv, [B, T, D]), lengths));
    const expected = new Float64Array(B * T * H);
    lengths.forEach((len, b) => {
      const seq = Array.from(
        { length: len },
        (_, t) => Array.from(xv.subarray((b * T + t) * D, (b * T + t + 1) * D)),
      );
      refLstm(seq, refWeights(lstm.cell), D, H).forEach((h, t) => expected.set(h, (b * T + t) * H));
    });
    assertClose(out.dataSync(), expected, 1e-5, 0, "LSTM output");
    out.dispose();
    lstm.dispose();
  });

  Deno.test(`BiLSTM on ${backend}: gradients match finite differences of the reference`, async () => {
    await useBackend(backend);
    const rng = createRng(10);
    const [B, T, D, H] = [2, 3, 2, 2];
    const lengths = [3, 2];
    const lstm = new BiLSTM({ name: uniqueName("bilstm"), inputDim: D, units: H, rng });
    randomiseBias(lstm.forward, rng);
    randomiseBias(lstm.backward, rng);
    const xv = randomArray(rng, B * T * D);
    const r = randomArray(rng, B * T * 2 * H);
    const x = tf.tensor3d(xv, [B, T, D]);
    const lossFn = (xt: tf.Tensor) =>
      tf.sum(
        tf.mul(
          lstm.apply(xt as tf.Tensor3D, lengths),
          tf.tensor3d(r, [B, T, 2 * H]),
        ),
      );
    const vars = lstm.variables();
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => lossFn(x) as tf.Scalar, vars);
    const gx = tf.grad(lossFn)(x);
    const fw = refWeights(lstm.forward);
    const bw = refWeights(lstm.backward);
    const refLoss = (xs: ArrayLike<number>, f: RefWeights, b: RefWeights) => {
      const o = refBiLstm(xs, lengths, T, D, H, f, b);
      let s = 0;
      for (let i = 0; i < o.length; i++) s += o[i] * r[i];
      return s;
    };
    const base = { xs: Float64Array.from(xv), fw: copy(fw), bw: copy(bw) };
    assertClose([value.dataSync()[0]], [refLoss(base.xs, base.fw, base.bw)], 1e-5, 1e-5, "loss");
    const eps = 1e-6;
    const numeric = (arr: Float64Array, i: number) => {
      const keep = arr[i];
      arr[i] = keep + eps;
      const up = refLoss(base.xs, base.fw, base.bw);
      arr[i] = keep - eps;
      const down = refLoss(base.xs, base.fw, base.bw);
      arr[i] = keep;
      return (up - down) / (2 * eps);
    };
    const check = (analytic: ArrayLike<number>, arr: Float64Array, what: string) => {
      const num = Array.from({ length: arr.length }, (_, i) => numeric(arr, i));
      assertClose(analytic, num, 1e-4, 1e-3, what);
    };
    check(gx.dataSync(), base.xs, "d loss / d x");
    const names: [string, Float64Array][] = [
      [lstm.forward.w.name, base.fw.w],
      [lstm.forward.u.name, base.fw.u],
      [lstm.forward.b.name, base.fw.b],
      [lstm.backward.w.name, base.bw.w],
      [lstm.backward.u.name, base.bw.u],
      [lstm.backward.b.name, base.bw.b],
    ];
    for (const [name, arr] of names) check(grads[name].dataSync(), arr, `d loss / d ${name}`);
    // The padded rows of x get no gradient.
    const g = gx.dataSync();
    for (let d = 0; d < D; d++) assert.equal(g[(1 * T + 2) * D + d], 0);
    tf.dispose([value, gx, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, "gradient computation leaked tensors");
    x.dispose();
    lstm.dispose();
  });
}

function copy(p: RefWeights): { w: Float64Array; u: Float64Array; b: Float64Array } {
  return { w: Float64Array.from(p.w), u: Float64Array.from(p.u), b: Float64Array.from(p.b) };
}
