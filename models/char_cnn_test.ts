import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { CharCNN, convMaxPool, deviceConvMaxPool } from "./char_cnn.ts";
import { createRng, type Rng } from "./init.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "./_testing.ts";

function randomArray(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => 2 * rng() - 1);
}

/** Naive conv ("same" zero padding) + max over the word's characters; 0 for a word without characters. */
function refCharCnn(
  x: ArrayLike<number>,
  wordLengths: number[],
  L: number,
  C: number,
  k: number,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  F: number,
): Float64Array {
  const out = new Float64Array(wordLengths.length * F);
  const left = Math.floor((k - 1) / 2);
  wordLengths.forEach((n, i) => {
    if (n === 0) return;
    for (let f = 0; f < F; f++) {
      let best = -Infinity;
      for (let p = 0; p < n; p++) {
        let s = b[f];
        for (let j = 0; j < k; j++) {
          const q = p - left + j;
          if (q < 0 || q >= n) continue;
          for (let c = 0; c < C; c++) s += x[(i * L + q) * C + c] * w[(j * C + c) * F + f];
        }
        best = Math.max(best, s);
      }
      out[i * F + f] = best;
    }
  });
  return out;
}

for (const backend of testBackends()) {
  Deno.test(`CharCNN on ${backend}: matches a naive conv + masked max; padding never wins`, async () => {
    await useBackend(backend);
    const rng = createRng(3);
    const [B, T, L, C, F] = [2, 3, 5, 4, 6];
    // Word lengths per [b, t]; the last position of sentence 1 is a padded word (no characters).
    const lens = [5, 1, 3, 2, 4, 0];
    for (const window of [3, 1, 2]) {
      const cnn = new CharCNN({ name: uniqueName("cnn"), inputDim: C, filters: F, window, rng });
      const x = randomArray(rng, B * T * L * C);
      // Large values at padded character positions: they must not leak into the max.
      lens.forEach((n, i) => {
        for (let p = n; p < L; p++) for (let c = 0; c < C; c++) x[(i * L + p) * C + c] = 50;
      });
      await assertNoLeak(() => {
        const y = tf.tidy(() => cnn.apply(tf.tensor4d(x, [B, T, L, C]), lens));
        assert.deepEqual(y.shape, [B, T, F]);
        const expected = refCharCnn(x, lens, L, C, window, cnn.w.dataSync(), cnn.b.dataSync(), F);
        assertClose(y.dataSync(), expected, 1e-5, 0, `CharCNN window ${window}`);
        y.dispose();
      }, "CharCNN.apply");
      cnn.dispose();
    }
  });

  Deno.test(`CharCNN on ${backend}: gradient splits ties and matches finite differences`, async () => {
    await useBackend(backend);
    const rng = createRng(4);
    const [B, T, L, C, F] = [1, 2, 4, 2, 3];
    const lens = [4, 3];
    const cnn = new CharCNN({ name: uniqueName("cnn"), inputDim: C, filters: F, window: 3, rng });
    // Word 0 is "aaaa": the two inner windows are identical, so every filter's max is tied.
    const x = randomArray(rng, B * T * L * C);
    for (let p = 1; p < 4; p++) for (let c = 0; c < C; c++) x[p * C + c] = x[c];
    const xs = tf.tensor4d(x, [B, T, L, C]);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(cnn.apply(xs, lens)) as tf.Scalar,
      cnn.variables(),
    );
    // d Σ out / d bias = one per word and filter, ties or not.
    assertClose(grads[cnn.b.name].dataSync(), new Array(F).fill(B * T), 1e-6, 0, "bias gradient");
    // Kernel gradient of word 1 (no ties) against central differences of the reference.
    const r = randomArray(rng, F);
    const f = () => tf.sum(tf.mul(tf.slice(cnn.apply(xs, lens), [0, 1, 0], [1, 1, F]), r)) as tf.Scalar;
    const g = tf.variableGrads(f, [cnn.w]);
    const w = Float64Array.from(cnn.w.dataSync());
    const b = cnn.b.dataSync();
    const refLoss = () => {
      const o = refCharCnn(x, lens, L, C, 3, w, b, F);
      let s = 0;
      for (let i = 0; i < F; i++) s += o[F + i] * r[i];
      return s;
    };
    const num = Array.from(w, (_, i) => {
      const keep = w[i];
      w[i] = keep + 1e-6;
      const up = refLoss();
      w[i] = keep - 1e-6;
      const down = refLoss();
      w[i] = keep;
      return (up - down) / 2e-6;
    });
    assertClose(g.grads[cnn.w.name].dataSync(), num, 1e-4, 1e-3, "kernel gradient");
    // Characters beyond a word's length get exactly zero gradient.
    const gx = tf.tidy(() =>
      tf.grad((e: tf.Tensor) => tf.sum(cnn.apply(e as tf.Tensor4D, lens)))(xs).dataSync()
    );
    for (let c = 0; c < C; c++) assert.equal(gx[(1 * L + 3) * C + c], 0);
    assert.ok(gx.subarray(0, 3 * C).some((v) => v !== 0));
    tf.dispose([value, g.value, xs, ...Object.values(grads), ...Object.values(g.grads)]);
    cnn.dispose();
  });
}

/**
 * The gradient of convMaxPool as first written (recomputing every word's windows in the backward pass), kept
 * here to show that the faster one (positions remembered by the forward pass) gives bit-identical results.
 */
function oldConvMaxPoolGrad(
  yv: Float32Array,
  bv: Float32Array,
  dyv: Float32Array,
  lens: number[],
  L: number,
  k: number,
  F: number,
): { dY: Float32Array; db: Float32Array } {
  const N = lens.length;
  const left = Math.floor((k - 1) / 2);
  const kF = k * F;
  const conv = new Float64Array(L * F);
  const dY = new Float32Array(N * L * kF);
  const db = new Float64Array(F);
  for (let n = 0; n < N; n++) {
    const len = lens[n];
    if (len <= 0) continue;
    for (let p = 0; p < len; p++) {
      for (let f = 0; f < F; f++) conv[p * F + f] = bv[f];
      for (let j = 0; j < k; j++) {
        const q = p - left + j;
        if (q < 0 || q >= len) continue;
        for (let f = 0; f < F; f++) conv[p * F + f] += yv[(n * L + q) * kF + j * F + f];
      }
    }
    for (let f = 0; f < F; f++) {
      let m = -Infinity;
      let ties = 0;
      for (let p = 0; p < len; p++) {
        const v = conv[p * F + f];
        if (v > m) {
          m = v;
          ties = 1;
        } else if (v === m) ties++;
      }
      const g = dyv[n * F + f] / ties;
      for (let p = 0; p < len; p++) {
        if (conv[p * F + f] !== m) continue;
        db[f] += g;
        for (let j = 0; j < k; j++) {
          const q = p - left + j;
          if (q >= 0 && q < len) dY[(n * L + q) * kF + j * F + f] += g;
        }
      }
    }
  }
  return { dY, db: Float32Array.from(db) };
}

Deno.test("convMaxPool: the gradient from remembered max positions is bit-identical to recomputing windows", async () => {
  await useBackend("cpu");
  const rng = createRng(8);
  const [L, k, F] = [7, 3, 5];
  const lens = [7, 1, 0, 4, 6, 3, 2, 7];
  const N = lens.length;
  // Values on a coarse grid, so that many windows tie for the maximum.
  const yv = Float32Array.from({ length: N * L * k * F }, () => Math.round(4 * rng()) / 4);
  const bv = Float32Array.from({ length: F }, () => Math.round(4 * rng()) / 4);
  const dyv = randomArray(rng, N * F);
  const [dY, db] = tf.tidy(() => {
    const y = tf.tensor2d(yv, [N * L, k * F]);
    const b = tf.tensor1d(bv);
    const dy = tf.tensor2d(dyv, [N, F]);
    const g = tf.grads((a: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(convMaxPool(a as tf.Tensor2D, c, lens, N, L, k, F), dy))
    )([y, b]);
    return g.map((t) => t.dataSync() as Float32Array);
  });
  const old = oldConvMaxPoolGrad(yv, bv, dyv, lens, L, k, F);
  assert.deepEqual(dY, old.dY);
  assert.deepEqual(db, old.db);
});

Deno.test("deviceConvMaxPool (tensor ops, for webgpu) equals convMaxPool: values and gradients", async () => {
  for (const backend of testBackends()) {
    await useBackend(backend);
    const rng = createRng(9);
    for (const k of [3, 1, 2, 5]) {
      const [L, F] = [6, 4];
      const lens = [6, 1, 0, 4, 2, 3];
      const N = lens.length;
      const yv = randomArray(rng, N * L * k * F);
      const bv = randomArray(rng, F);
      const dyv = randomArray(rng, N * F);
      const run = (pool: typeof convMaxPool) =>
        tf.tidy(() => {
          const y = tf.tensor2d(yv, [N * L, k * F]);
          const b = tf.tensor1d(bv);
          const f = (a: tf.Tensor, c: tf.Tensor) =>
            tf.sum(tf.mul(pool(a as tf.Tensor2D, c, lens, N, L, k, F), tf.tensor2d(dyv, [N, F])));
          const out = pool(y, b, lens, N, L, k, F).dataSync();
          return [out, ...tf.grads(f)([y, b]).map((g) => g.dataSync())];
        });
      const host = run(convMaxPool);
      const device = run(deviceConvMaxPool);
      ["output", "d/dy", "d/dbias"].forEach((what, i) =>
        assertClose(device[i], host[i], 1e-5, 1e-5, `${backend}, window ${k}: ${what}`)
      );
    }
  }
});
