import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  AD_DISCRIMINATOR,
  discriminatorLoss,
  GRAD_DISCRIMINATOR,
  gradientReversal,
  ResourceDiscriminator,
} from "./grad.ts";
import { createRng } from "./init.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "./_testing.ts";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

Deno.test("paper defaults: GRAD α 0.25, γ 2, reversal 0.7; AD α 0.5, γ 0", () => {
  assert.deepEqual(GRAD_DISCRIMINATOR, { kind: "grad", alpha: 0.25, gamma: 2, reversal: 0.7 });
  assert.deepEqual(AD_DISCRIMINATOR, { kind: "ad", alpha: 0.5, gamma: 0, reversal: 0.7 });
});

for (const backend of testBackends()) {
  Deno.test(`gradientReversal on ${backend}: identity forward, gradient × −λ backward`, async () => {
    await useBackend(backend);
    await assertNoLeak(() => {
      const x = tf.tensor2d([[1, -2, 3], [0.5, 4, -1]]);
      const w = tf.tensor2d([[2, 1, -1], [3, 0.5, 7]]);
      const y = gradientReversal(x, 0.7);
      assertClose(y.dataSync(), x.dataSync(), 0, 0, "forward");
      // d/dx Σ w ⊙ GRL(x) = −0.7 · w
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gradientReversal(t, 0.7), w)))(x);
      assertClose(g.dataSync(), Array.from(w.dataSync(), (v) => -0.7 * v), 1e-6, 0, "gradient");
      const g0 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gradientReversal(t, 0), w)))(x);
      assertClose(g0.dataSync(), [0, 0, 0, 0, 0, 0], 0, 0, "λ = 0 gradient");
      tf.dispose([x, w, y, g, g0]);
    }, "gradientReversal");
    assert.throws(() => gradientReversal(tf.scalar(1), -1), /scale must be/);
  });

  Deno.test(
    `discriminatorLoss on ${backend}: with α = 0.5, γ = 0 it is 0.5 × mean binary cross-entropy`,
    async () => {
      await useBackend(backend);
      const z = [-2.5, -0.3, 0, 0.8, 3.1];
      const bceSource = z.reduce((s, v) => s - Math.log(sigmoid(v)), 0) / z.length;
      const bceTarget = z.reduce((s, v) => s - Math.log(1 - sigmoid(v)), 0) / z.length;
      await assertNoLeak(() => {
        const logits = tf.tensor1d(z);
        const ls = discriminatorLoss(logits, "source", 0.5, 0);
        const lt = discriminatorLoss(logits, "target", 0.5, 0);
        assertClose([ls.dataSync()[0], lt.dataSync()[0]], [0.5 * bceSource, 0.5 * bceTarget], 1e-6, 1e-6);
        tf.dispose([logits, ls, lt]);
      });
    },
  );

  Deno.test(`discriminatorLoss on ${backend}: GRAD γ = 2, α = 0.25 matches a hand computation`, async () => {
    await useBackend(backend);
    // z = [0, ln 3]: r = [0.5, 0.75].
    // source: mean(−0.25·(1−r)²·log r) = (0.25·0.25·ln 2 + 0.25·0.0625·ln(4/3)) / 2
    // target: mean(−0.75·r²·log(1−r)) = (0.75·0.25·ln 2 + 0.75·0.5625·ln 4) / 2
    const src = (0.25 * 0.25 * Math.LN2 + 0.25 * 0.0625 * Math.log(4 / 3)) / 2;
    const tgt = (0.75 * 0.25 * Math.LN2 + 0.75 * 0.5625 * Math.log(4)) / 2;
    const logits = tf.tensor1d([0, Math.log(3)]);
    const ls = discriminatorLoss(logits, "source", 0.25, 2);
    const lt = discriminatorLoss(logits, "target", 0.25, 2);
    assertClose([ls.dataSync()[0], lt.dataSync()[0]], [src, tgt], 1e-6, 1e-5);
    tf.dispose([logits, ls, lt]);
  });

  Deno.test(`ResourceDiscriminator on ${backend}: masked attention, reversed and scaled gradient`, async () => {
    await useBackend(backend);
    const make = (reversal: number) =>
      new ResourceDiscriminator(uniqueName("disc"), 4, { ...GRAD_DISCRIMINATOR, reversal }, createRng(7));
    const d1 = make(1);
    const d07 = make(0.7);
    await assertNoLeak(() => {
      const rng = createRng(3);
      const vals = Array.from({ length: 2 * 3 * 4 }, () => 2 * rng() - 1);
      const h = tf.tensor3d(vals, [2, 3, 4]);
      const mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
      const z = d1.logits(h, mask);
      assert.deepEqual(z.shape, [2]);
      // Padding does not change the logits.
      const h2 = tf.tensor3d(vals.map((v, i) => (i >= 20 ? v + 5 : v)), [2, 3, 4]);
      const z2 = d1.logits(h2, mask);
      assertClose(z2.dataSync(), z.dataSync(), 1e-6, 0, "logits with changed padding");
      const g1 = tf.grad((x: tf.Tensor) => d1.loss(x as tf.Tensor3D, mask, "source"))(h);
      const g07 = tf.grad((x: tf.Tensor) => d07.loss(x as tf.Tensor3D, mask, "source"))(h);
      assertClose(g07.dataSync(), Array.from(g1.dataSync(), (v) => 0.7 * v), 1e-6, 1e-5, "scaled gradient");
      // Reversed: the gradient reaching `shared` is −λ × the true one, so a descent step on it (what the
      // encoder's optimiser does) RAISES the discriminator loss.
      const lossAt = (x: tf.Tensor3D) => tf.tidy(() => d1.loss(x, mask, "source").dataSync()[0]);
      const l0 = lossAt(h);
      const l1 = tf.tidy(() => lossAt(tf.sub(h, tf.mul(g1, 1e-2)) as tf.Tensor3D));
      assert.ok(l1 > l0, `encoder descent should raise the discriminator loss: ${l0} → ${l1}`);
      // The discriminator's own weights get gradients (ordinary, not reversed).
      const { value, grads } = tf.variableGrads(() => d1.loss(h, mask, "target"), d1.variables());
      assert.equal(Object.keys(grads).length, 5);
      tf.dispose([h, mask, z, h2, z2, g1, g07, value, ...Object.values(grads)]);
    }, "ResourceDiscriminator");
    d1.dispose();
    d07.dispose();
  });
}
