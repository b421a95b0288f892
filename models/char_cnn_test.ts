import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { CharCNN } from "./char_cnn.ts";
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
