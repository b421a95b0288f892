import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, type Rng } from "./init.ts";
import { KERAS_L2_EPSILON, sentenceL2Normalize, wordL2Normalize } from "./sentence_norm.ts";
import { assertClose, assertNoLeak, testBackends, useBackend } from "./_testing.ts";

function randomArray(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => 2 * rng() - 1);
}

/**
 * Float64 reference of tf.nn.l2_normalize on [B, T, D]: groups of `size` consecutive values (T·D per sentence,
 * D per word) each scaled by 1 / sqrt(max(Σ x², ε)).
 */
function refNormalize(x: ArrayLike<number>, size: number, eps = KERAS_L2_EPSILON): Float64Array {
  const out = new Float64Array(x.length);
  for (let g = 0; g < x.length; g += size) {
    let s = 0;
    for (let i = g; i < g + size; i++) s += x[i] * x[i];
    const r = 1 / Math.sqrt(Math.max(s, eps));
    for (let i = g; i < g + size; i++) out[i] = x[i] * r;
  }
  return out;
}

/** Central differences of Σ r ⊙ f(x) in float64. */
function numericGrad(f: (x: Float64Array) => Float64Array, x: Float64Array, r: ArrayLike<number>, h = 1e-6) {
  const loss = () => f(x).reduce((s, v, i) => s + v * r[i], 0);
  return Array.from(x, (_, i) => {
    const keep = x[i];
    x[i] = keep + h;
    const up = loss();
    x[i] = keep - h;
    const down = loss();
    x[i] = keep;
    return (up - down) / (2 * h);
  });
}

Deno.test("KERAS_L2_EPSILON is tf.nn.l2_normalize's default 1e-12", () => {
  assert.equal(KERAS_L2_EPSILON, 1e-12);
});

for (const backend of testBackends()) {
  Deno.test(`sentenceL2Normalize on ${backend}: whole sentence (T × D, padding included) has norm 1`, async () => {
    await useBackend(backend);
    const rng = createRng(11);
    const [B, T, D] = [3, 4, 5];
    const x = randomArray(rng, B * T * D);
    await assertNoLeak(() => {
      const xt = tf.tensor3d(Float32Array.from(x), [B, T, D]);
      const y = sentenceL2Normalize(xt);
      assert.deepEqual(y.shape, [B, T, D]);
      const v = y.dataSync();
      assertClose(v, refNormalize(x, T * D), 1e-6, 0, "sentence-normalised values");
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let i = b * T * D; i < (b + 1) * T * D; i++) s += v[i] * v[i];
        assertClose([s], [1], 1e-5, 0, `sentence ${b} squared norm`);
      }
      // Padding positions count: changing only the last ("padded") step of sentence 0 rescales its first step.
      const x2 = Float32Array.from(x);
      for (let d = 0; d < D; d++) x2[(T - 1) * D + d] = 10;
      const xt2 = tf.tensor3d(x2, [B, T, D]);
      const y2 = sentenceL2Normalize(xt2);
      const v2 = y2.dataSync();
      assert.ok(Math.abs(v2[0] - v[0]) > 1e-3, "the padded step must enter the sentence norm");
      assertClose(v2.subarray(T * D), v.subarray(T * D), 0, 0, "other sentences unchanged");
      tf.dispose([xt, y, xt2, y2]);
    }, "sentenceL2Normalize");
  });

  Deno.test(`wordL2Normalize on ${backend}: every position has norm 1`, async () => {
    await useBackend(backend);
    const rng = createRng(12);
    const [B, T, D] = [2, 3, 7];
    const x = randomArray(rng, B * T * D);
    await assertNoLeak(() => {
      const xt = tf.tensor3d(Float32Array.from(x), [B, T, D]);
      const y = wordL2Normalize(xt);
      assertClose(y.dataSync(), refNormalize(x, D), 1e-6, 0, "word-normalised values");
      const norms = tf.tidy(() => tf.sum(tf.square(y), 2));
      assertClose(norms.dataSync(), new Array(B * T).fill(1), 1e-5, 0, "per-word squared norms");
      tf.dispose([xt, y, norms]);
    }, "wordL2Normalize");
  });

  Deno.test(`L2 normalisations on ${backend}: gradients match float64 finite differences`, async () => {
    await useBackend(backend);
    const rng = createRng(13);
    const [B, T, D] = [2, 3, 4];
    const x = randomArray(rng, B * T * D);
    const r = randomArray(rng, B * T * D);
    const cases: [string, (t: tf.Tensor3D) => tf.Tensor3D, number][] = [
      ["sentence", (t) => sentenceL2Normalize(t), T * D],
      ["word", (t) => wordL2Normalize(t), D],
    ];
    for (const [what, f, size] of cases) {
      await assertNoLeak(() => {
        const xt = tf.tensor3d(Float32Array.from(x), [B, T, D]);
        const rt = tf.tensor3d(Float32Array.from(r), [B, T, D]);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor3D), rt)))(xt);
        const num = numericGrad((v) => refNormalize(v, size), x, r);
        assertClose(g.dataSync(), num, 1e-5, 1e-3, `${what} gradient`);
        tf.dispose([xt, rt, g]);
      }, `${what} gradient`);
    }
  });

  Deno.test(`L2 normalisations on ${backend}: zero input gives zeros and a finite gradient (no NaN)`, async () => {
    await useBackend(backend);
    const [B, T, D] = [2, 2, 3];
    const rng = createRng(14);
    // Sentence 0 all zeros; sentence 1 has one all-zero word (step 0) and one real word.
    const x = new Float32Array(B * T * D);
    for (let i = T * D + D; i < 2 * T * D; i++) x[i] = 2 * rng() - 1;
    const r = Float32Array.from(randomArray(rng, B * T * D));
    await assertNoLeak(() => {
      const xt = tf.tensor3d(x, [B, T, D]);
      const rt = tf.tensor3d(r, [B, T, D]);
      for (const [what, f] of [["sentence", sentenceL2Normalize], ["word", wordL2Normalize]] as const) {
        const y = f(xt);
        const yv = y.dataSync();
        assert.ok(yv.every(Number.isFinite), `${what}: output finite`);
        assertClose(yv.subarray(0, T * D), new Array(T * D).fill(0), 0, 0, `${what}: zero sentence`);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor3D), rt)))(xt);
        const gv = g.dataSync();
        assert.ok(gv.every(Number.isFinite), `${what}: gradient finite`);
        // TensorFlow's value at 0: d(x·rsqrt(max(Σx², ε)))/dx = rsqrt(ε) = 1e6 (no gradient through the max).
        assertClose(gv.subarray(0, T * D), Array.from(r.subarray(0, T * D), (v) => v * 1e6), 0, 1e-3, what);
        tf.dispose([y, g]);
      }
      // The word normaliser's zero word of sentence 1 also gets rsqrt(ε)·dy.
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(wordL2Normalize(t as tf.Tensor3D), rt)))(xt);
      const gv = g.dataSync();
      const at = T * D;
      assertClose(
        gv.subarray(at, at + D),
        Array.from(r.subarray(at, at + D), (v) => v * 1e6),
        0,
        1e-3,
        "word",
      );
      tf.dispose([xt, rt, g]);
    }, "zero input");
  });
}

Deno.test("L2 normalisations: below ε (Σ x² < 1e-12) the input is scaled by 1e6, not to unit norm", async () => {
  await useBackend("cpu");
  await assertNoLeak(() => {
    const x = tf.tensor3d([[[1e-7, -2e-7], [0, 3e-7]]]);
    const s = sentenceL2Normalize(x);
    const w = wordL2Normalize(x);
    assertClose(s.dataSync(), [0.1, -0.2, 0, 0.3], 1e-6, 1e-5, "sentence");
    assertClose(w.dataSync(), [0.1, -0.2, 0, 0.3], 1e-6, 1e-5, "word");
    tf.dispose([x, s, w]);
  });
});

Deno.test("L2 normalisations: bad input throws", async () => {
  await useBackend("cpu");
  const x2 = tf.zeros([2, 3]);
  const x3 = tf.zeros([1, 2, 3]);
  assert.throws(() => sentenceL2Normalize(x2 as unknown as tf.Tensor3D), /expected a \[B, T, D\] tensor/);
  assert.throws(() => wordL2Normalize(x3 as tf.Tensor3D, 0), /epsilon must be/);
  const xi = tf.zeros([1, 2, 3], "int32");
  assert.throws(() => wordL2Normalize(xi as tf.Tensor3D), /expected float32/);
  tf.dispose([x2, x3, xi]);
});
