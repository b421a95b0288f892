import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, glorotUniform, type Rng } from "./init.ts";
import {
  conv1d,
  type Conv1dPadding,
  conv1dPadding,
  ReconstructionDecoder,
  reconstructionLoss,
  RELEASED_DECODER_FILTERS,
} from "./reconstruction.ts";
import { sentenceL2Normalize, wordL2Normalize } from "./sentence_norm.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "./_testing.ts";

function randomArray(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => 2 * rng() - 1);
}

/** Zeros before the first step, as TensorFlow pads (hard-coded, independent of conv1dPadding). */
const LEFT_PAD: Record<Conv1dPadding, (k: number) => number> = {
  same: (k) => [0, 0, 1, 1, 2, 2][k - 1],
  causal: (k) => k - 1,
  valid: () => 0,
};
const OUT_STEPS: Record<Conv1dPadding, (T: number, k: number) => number> = {
  same: (T) => T,
  causal: (T) => T,
  valid: (T, k) => T - k + 1,
};

/** Naive Keras Conv1D in float64: y[b,t,f] = bias[f] + Σ_j Σ_c x[b, t − left + j, c]·w[j, c, f] (0 outside). */
function refConv1d(
  x: ArrayLike<number>,
  [B, T, C]: number[],
  w: ArrayLike<number>,
  k: number,
  F: number,
  bias: ArrayLike<number> | null,
  padding: Conv1dPadding,
): Float64Array {
  const left = LEFT_PAD[padding](k);
  const Tout = OUT_STEPS[padding](T, k);
  const y = new Float64Array(B * Tout * F);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tout; t++) {
      for (let f = 0; f < F; f++) {
        let s = bias ? bias[f] : 0;
        for (let j = 0; j < k; j++) {
          const q = t - left + j;
          if (q < 0 || q >= T) continue;
          for (let c = 0; c < C; c++) s += x[(b * T + q) * C + c] * w[(j * C + c) * F + f];
        }
        y[(b * Tout + t) * F + f] = s;
      }
    }
  }
  return y;
}

interface RefLayer {
  w: Float64Array;
  b: Float64Array | null;
  k: number;
  F: number;
  relu: boolean;
}

/** The decoder in float64: convs ("same"), ReLU, then x / sqrt(max(Σ_d x², 1e-12)) per position. */
function refDecoder(h: ArrayLike<number>, [B, T, C]: number[], layers: RefLayer[]): Float64Array {
  let y: ArrayLike<number> = h;
  let c = C;
  for (const l of layers) {
    const z = refConv1d(y, [B, T, c], l.w, l.k, l.F, l.b, "same");
    if (l.relu) { for (let i = 0; i < z.length; i++) z[i] = Math.max(z[i], 0); }
    y = z;
    c = l.F;
  }
  const out = Float64Array.from(y);
  for (let p = 0; p < B * T; p++) {
    let s = 0;
    for (let d = 0; d < c; d++) s += out[p * c + d] ** 2;
    const r = 1 / Math.sqrt(Math.max(s, 1e-12));
    for (let d = 0; d < c; d++) out[p * c + d] *= r;
  }
  return out;
}

function refLoss(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (target[i] - pred[i]) ** 2;
  return s / pred.length;
}

function refLayers(dec: ReconstructionDecoder): RefLayer[] {
  return dec.layers.map((l) => ({
    w: Float64Array.from(l.kernel.dataSync()),
    b: l.bias ? Float64Array.from(l.bias.dataSync()) : null,
    k: l.kernel.shape[0],
    F: l.kernel.shape[2] as number,
    relu: l.relu,
  }));
}

/** Central difference of `loss` in entry i of `v` (float64, restored afterwards). */
function centralDiff(loss: () => number, v: Float64Array, i: number, h = 1e-6): number {
  const keep = v[i];
  v[i] = keep + h;
  const up = loss();
  v[i] = keep - h;
  const down = loss();
  v[i] = keep;
  return (up - down) / (2 * h);
}

Deno.test("conv1dPadding: Keras/TensorFlow zeros before and after the time axis", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map((k) => conv1dPadding(k, "same")), [[0, 0], [0, 1], [1, 1], [1, 2], [
    2,
    2,
  ]]);
  assert.deepEqual([1, 3, 4].map((k) => conv1dPadding(k, "causal")), [[0, 0], [2, 0], [3, 0]]);
  assert.deepEqual(conv1dPadding(3, "valid"), [0, 0]);
  assert.throws(() => conv1dPadding(0, "same"), /kernel width/);
  assert.throws(() => conv1dPadding(3, "full" as Conv1dPadding), /padding must be/);
});

Deno.test("ReconstructionDecoder: released architecture, Keras initialisers, rng draw order", async () => {
  await useBackend("cpu");
  assert.deepEqual(RELEASED_DECODER_FILTERS, [8, 16, 32, 64]);
  const dec = new ReconstructionDecoder({ name: uniqueName("dec"), inputDim: 160, rng: createRng(5) });
  const shapes = dec.variables().map((v) => v.shape);
  assert.deepEqual(shapes, [[3, 160, 8], [8], [3, 8, 16], [16], [3, 16, 32], [32], [3, 32, 64], [64], [
    1,
    64,
    300,
  ]]);
  assert.deepEqual(dec.layers.map((l) => l.relu), [true, true, true, true, false]);
  assert.equal(dec.layers[4].bias, null, "the k = 1 projection has no bias");
  // Kernels: the rng's draws in layer order, Glorot-uniform with conv fans (k·C, k·F); biases zero.
  const rng = createRng(5);
  const expected = [[3, 160, 8], [3, 8, 16], [3, 16, 32], [3, 32, 64], [1, 64, 300]].map((s) => {
    const t = glorotUniform(rng, s);
    const v = t.dataSync().slice();
    t.dispose();
    return v;
  });
  dec.layers.forEach((l, i) => {
    assert.deepEqual(l.kernel.dataSync(), expected[i], `kernel ${i + 1}`);
    const [k, C, F] = l.kernel.shape;
    const limit = Math.sqrt(6 / (k * C + k * F));
    assert.ok(l.kernel.dataSync().every((v) => Math.abs(v) <= limit), `kernel ${i + 1} within ±${limit}`);
    if (l.bias) assert.ok(l.bias.dataSync().every((v) => v === 0), `bias ${i + 1} zero`);
  });
  assert.ok(dec.variables().every((v) => v.trainable));
  assert.equal(new Set(dec.variables().map((v) => v.name)).size, 9);
  dec.dispose();
  assert.throws(
    () => new ReconstructionDecoder({ name: "bad", inputDim: 0, rng: createRng(1) }),
    /inputDim must be/,
  );
  assert.throws(
    () => new ReconstructionDecoder({ name: "bad", inputDim: 4, filters: [8, 0], rng: createRng(1) }),
    /filters must be/,
  );
});

Deno.test("reconstructionLoss: mean over batch, time AND dimension of the squared error (hand computed)", async () => {
  await useBackend("cpu");
  // B = 1, T = 2, D = 2: errors (1 − 0.6, 0 − 0.8) and (2 − 0, 0 − (−1)) → squares 0.16, 0.64, 4, 1.
  const pred = tf.tensor3d([[[0.6, 0.8], [0, -1]]]);
  const target = tf.tensor3d([[[1, 0], [2, 0]]]);
  const l = reconstructionLoss(pred, target);
  assertClose(l.dataSync(), [(0.16 + 0.64 + 4 + 1) / 4], 1e-6, 0, "loss");
  // = (1/D) × the mean over positions of ‖e − ẽ‖² (Eq. 2 averaged over positions would be 2.9).
  assertClose(l.dataSync(), [((0.16 + 0.64) + (4 + 1)) / 2 / 2], 1e-6);
  const bad = tf.zeros([1, 2, 3]);
  assert.throws(() => reconstructionLoss(pred, bad as tf.Tensor3D), /must be equal/);
  tf.dispose([pred, target, l, bad]);
});

for (const backend of testBackends()) {
  Deno.test(`conv1d on ${backend}: matches a naive loop for k 1–5, every padding and both layouts`, async () => {
    await useBackend(backend);
    const rng = createRng(21);
    // (C, F) with C > F (taps layout under "auto") and C < F (im2col); T = 1 and 2 exercise overhanging windows.
    for (const [B, T, C, F] of [[2, 6, 5, 3], [1, 4, 2, 7], [2, 1, 3, 2], [1, 2, 4, 4]]) {
      for (const k of [1, 2, 3, 4, 5]) {
        for (const padding of ["same", "causal", "valid"] as Conv1dPadding[]) {
          if (padding === "valid" && T < k) continue;
          const x = randomArray(rng, B * T * C);
          const w = randomArray(rng, k * C * F);
          const b = randomArray(rng, F);
          const expected = refConv1d(x, [B, T, C], w, k, F, b, padding);
          const expectedNoBias = refConv1d(x, [B, T, C], w, k, F, null, padding);
          await assertNoLeak(() => {
            const xt = tf.tensor3d(Float32Array.from(x), [B, T, C]);
            const wt = tf.tensor3d(Float32Array.from(w), [k, C, F]);
            const bt = tf.tensor1d(Float32Array.from(b));
            for (const strategy of ["auto", "im2col", "taps"] as const) {
              const what = `B${B} T${T} C${C} F${F} k${k} ${padding} ${strategy}`;
              const y = conv1d(xt, wt, bt, padding, strategy);
              assert.deepEqual(y.shape, [B, OUT_STEPS[padding](T, k), F], what);
              assertClose(y.dataSync(), expected, 1e-5, 1e-5, what);
              const y0 = conv1d(xt, wt, undefined, padding, strategy);
              assertClose(y0.dataSync(), expectedNoBias, 1e-5, 1e-5, `${what} without bias`);
              tf.dispose([y, y0]);
            }
            tf.dispose([xt, wt, bt]);
          }, "conv1d");
        }
      }
    }
    const x = tf.zeros([1, 2, 3]) as tf.Tensor3D;
    const w = tf.zeros([3, 3, 2]) as tf.Tensor3D;
    assert.throws(() => conv1d(x, w, undefined, "valid"), /leaves no output/);
    assert.throws(() => conv1d(x, tf.zeros([3, 4, 2]) as tf.Tensor3D), /does not fit/);
    assert.throws(() => conv1d(x, w, tf.zeros([3]) as tf.Tensor1D), /bias/);
    tf.dispose([x, w]);
  });

  Deno.test(`conv1d on ${backend}: gradients (input, kernel, bias) match finite differences`, async () => {
    await useBackend(backend);
    const rng = createRng(22);
    const [B, T, C, F] = [2, 4, 3, 2];
    for (const k of [2, 3]) {
      for (const strategy of ["im2col", "taps"] as const) {
        const x = randomArray(rng, B * T * C);
        const w = randomArray(rng, k * C * F);
        const b = randomArray(rng, F);
        const r = randomArray(rng, B * T * F);
        const loss = () => refConv1d(x, [B, T, C], w, k, F, b, "same").reduce((s, v, i) => s + v * r[i], 0);
        await assertNoLeak(() => {
          const xt = tf.tensor3d(Float32Array.from(x), [B, T, C]);
          const wt = tf.tensor3d(Float32Array.from(w), [k, C, F]);
          const bt = tf.tensor1d(Float32Array.from(b));
          const rt = tf.tensor3d(Float32Array.from(r), [B, T, F]);
          const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
            tf.sum(
              tf.mul(conv1d(xi as tf.Tensor3D, wi as tf.Tensor3D, bi as tf.Tensor1D, "same", strategy), rt),
            )
          )([xt, wt, bt]);
          const what = `k${k} ${strategy}`;
          assertClose(
            grads[0].dataSync(),
            x.map((_, i) => centralDiff(loss, x, i)),
            1e-5,
            1e-4,
            `${what} dx`,
          );
          assertClose(
            grads[1].dataSync(),
            w.map((_, i) => centralDiff(loss, w, i)),
            1e-5,
            1e-4,
            `${what} dw`,
          );
          assertClose(
            grads[2].dataSync(),
            b.map((_, i) => centralDiff(loss, b, i)),
            1e-5,
            1e-4,
            `${what} db`,
          );
          tf.dispose([xt, wt, bt, rt, ...grads]);
        }, "conv1d gradient");
      }
    }
  });

  Deno.test(`ReconstructionDecoder on ${backend}: [B, T, 300] of unit-norm words, as the reference`, async () => {
    await useBackend(backend);
    const rng = createRng(23);
    const [B, T, D] = [2, 5, 12];
    const dec = new ReconstructionDecoder({ name: uniqueName("dec"), inputDim: D, rng });
    for (const l of dec.layers) {
      if (l.bias) l.bias.assign(tf.tidy(() => tf.randomUniform(l.bias!.shape, -0.05, 0.05, "float32", 9)));
    }
    // D = 12 > 8 filters: the first layer takes the "taps" layout, the later ones (C < F) im2col.
    const h = randomArray(rng, B * T * D);
    await assertNoLeak(() => {
      const ht = tf.tensor3d(Float32Array.from(h), [B, T, D]);
      const y = dec.apply(ht);
      assert.deepEqual(y.shape, [B, T, 300]);
      const norms = tf.tidy(() => tf.sum(tf.square(y), 2));
      assertClose(norms.dataSync(), new Array(B * T).fill(1), 1e-5, 0, "per-word squared norms");
      assertClose(y.dataSync(), refDecoder(h, [B, T, D], refLayers(dec)), 1e-5, 1e-4, "decoder output");
      tf.dispose([ht, y, norms]);
    }, "ReconstructionDecoder.apply");
    const bad = tf.zeros([1, 2, D + 1]) as tf.Tensor3D;
    assert.throws(() => dec.apply(bad), /does not fit/);
    bad.dispose();
    dec.dispose();
  });

  Deno.test(`ReconstructionDecoder on ${backend}: gradients of the loss match finite differences`, async () => {
    await useBackend(backend);
    const rng = createRng(24);
    const [B, T, D, E] = [2, 4, 6, 5];
    // Small filters keep the float64 reference cheap; the layer structure is the released one.
    const dec = new ReconstructionDecoder({
      name: uniqueName("dec"),
      inputDim: D,
      filters: [4, 5, 6, 7],
      outputDim: E,
      rng,
    });
    // Non-zero biases, so their gradients are tested away from the initial point too. Small ones: with biases
    // that dominate the (sentence-normalised, hence small) input the decoder is nearly positively homogeneous in
    // them, and the final per-word normalisation would hide a wrongly scaled bias.
    for (const l of dec.layers) {
      if (l.bias) {
        l.bias.assign(tf.tidy(() => tf.mul(tf.randomUniform(l.bias!.shape, -1, 1, "float32", 7), 0.01)));
      }
    }
    const layers = refLayers(dec);
    const x = randomArray(rng, B * T * D); // raw encoder states; the sentence normalisation is part of the loss
    const target = randomArray(rng, B * T * E).map((v) => 3 * v); // raw (un-normalised) embedding rows
    const sentenceNorm = (v: Float64Array) => {
      const out = new Float64Array(v.length);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let i = b * T * D; i < (b + 1) * T * D; i++) s += v[i] * v[i];
        for (let i = b * T * D; i < (b + 1) * T * D; i++) out[i] = v[i] / Math.sqrt(Math.max(s, 1e-12));
      }
      return out;
    };
    const loss = () => refLoss(refDecoder(sentenceNorm(x), [B, T, D], layers), target);
    await assertNoLeak(() => {
      const xt = tf.tensor3d(Float32Array.from(x), [B, T, D]);
      const tt = tf.tensor3d(Float32Array.from(target), [B, T, E]);
      const f = (xi: tf.Tensor3D) => reconstructionLoss(dec.apply(sentenceL2Normalize(xi)), tt);
      const { value, grads } = tf.variableGrads(() => f(xt), dec.variables());
      assertClose(value.dataSync(), [loss()], 1e-5, 1e-5, "loss value");
      // Sampled entries of every variable (all of the small ones) against central differences.
      dec.variables().forEach((v, vi) => {
        const ref = vi % 2 === 0 ? layers[Math.floor(vi / 2)].w : layers[Math.floor(vi / 2)].b!;
        const g = grads[v.name].dataSync();
        const idx = Array.from(
          { length: Math.min(8, ref.length) },
          (_, j) => Math.floor((j * ref.length) / 8),
        );
        assertClose(
          idx.map((i) => g[i]),
          idx.map((i) => centralDiff(loss, ref, i)),
          1e-6,
          2e-3,
          `d loss / d ${v.name}`,
        );
      });
      const gx = tf.grad((xi: tf.Tensor) => f(xi as tf.Tensor3D))(xt);
      assertClose(
        gx.dataSync(),
        x.map((_, i) => centralDiff(loss, x, i)),
        1e-6,
        2e-3,
        "d loss / d encoder states",
      );
      tf.dispose([xt, tt, value, gx, ...Object.values(grads)]);
    }, "decoder gradients");
    dec.dispose();
  });

  Deno.test(`reconstructionLoss on ${backend}: gradient 2(pred − target)/(B·T·D)`, async () => {
    await useBackend(backend);
    const rng = createRng(25);
    const [B, T, D] = [2, 3, 4];
    const p = randomArray(rng, B * T * D);
    const t = randomArray(rng, B * T * D);
    await assertNoLeak(() => {
      const pt = tf.tensor3d(Float32Array.from(p), [B, T, D]);
      const tt = tf.tensor3d(Float32Array.from(t), [B, T, D]);
      const l = reconstructionLoss(pt, tt);
      assertClose(l.dataSync(), [refLoss(p, t)], 1e-6, 1e-5, "loss");
      const g = tf.grad((x: tf.Tensor) => reconstructionLoss(x as tf.Tensor3D, tt))(pt);
      assertClose(g.dataSync(), p.map((v, i) => (2 * (v - t[i])) / (B * T * D)), 1e-7, 1e-5, "gradient");
      tf.dispose([pt, tt, l, g]);
    }, "reconstructionLoss");
  });
}

Deno.test("reconstruction loss (decoder output normalised per word): zero when it reproduces a unit-norm row's direction, and independent of the output's scale", async () => {
  await useBackend("cpu");
  await assertNoLeak(async () => {
    const rng = createRng(41);
    const raw = tf.tidy(() => glorotUniform(rng, [2, 5, 7]) as tf.Tensor3D);
    const unit = wordL2Normalize(raw);
    const other = tf.tidy(() => glorotUniform(rng, [2, 5, 7]) as tf.Tensor3D);
    for (const scale of [1e-3, 1, 37, 1e4]) {
      // ẽ/‖ẽ‖ with ẽ = scale · e: the decoder reproduced e's direction at any scale.
      const zero = tf.tidy(() =>
        reconstructionLoss(wordL2Normalize(tf.mul(unit, scale) as tf.Tensor3D), unit)
      );
      assert.ok((await zero.data())[0] < 1e-12, `scale ${scale}: ${(await zero.data())[0]}`);
      // Another direction: the loss depends on ẽ's direction only.
      const a = tf.tidy(() => reconstructionLoss(wordL2Normalize(other), unit));
      const b = tf.tidy(() => reconstructionLoss(wordL2Normalize(tf.mul(other, scale) as tf.Tensor3D), unit));
      assertClose(await b.data(), await a.data(), 1e-6);
      tf.dispose([zero, a, b]);
    }
    tf.dispose([raw, unit, other]);
  });
});
