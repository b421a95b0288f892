import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { adversarialPerturbation, AT_DEFAULT } from "./adversarial.ts";
import { createRng } from "./init.ts";
import { assertClose, assertNoLeak, testBackends, useBackend } from "./_testing.ts";

Deno.test("AT_DEFAULT is ε 5.0 on source words, target words and chars", () => {
  assert.deepEqual(AT_DEFAULT, { epsWordSource: 5, epsWordTarget: 5, epsChar: 5 });
});

/** ‖x‖₂ of each block of a row-major array cut into `blocks` equal consecutive parts. */
function blockNorms(x: number[], index: (i: number) => number, blocks: number): number[] {
  const sq = new Array(blocks).fill(0);
  x.forEach((v, i) => (sq[index(i)] += v * v));
  return sq.map(Math.sqrt);
}

for (const backend of testBackends()) {
  Deno.test(`adversarialPerturbation on ${backend}: ‖η‖₂ = ε per sentence (word) and per sentence × channel (char)`, async () => {
    await useBackend(backend);
    const rng = createRng(4);
    const [B, T, D] = [2, 3, 5];
    const g = Array.from({ length: B * T * D }, () => 2 * rng() - 1);
    // Sentence 1 gets a gradient 100× larger: a whole-batch norm would leave sentence 0's η near zero.
    for (let i = T * D; i < 2 * T * D; i++) g[i] *= 100;
    await assertNoLeak(() => {
      const gt = tf.tensor3d(g, [B, T, D]);
      for (const eps of [5, 0.3]) {
        const eta = adversarialPerturbation(gt, eps);
        assert.deepEqual(eta.shape, [B, T, D]);
        const e = Array.from(eta.dataSync());
        const norms = blockNorms(e, (i) => Math.floor(i / (T * D)), B);
        for (const n of norms) {
          assert.ok(Math.abs(n - eps) <= 1e-4, `per-sentence ‖η‖ = ${n}, expected ${eps}`);
        }
        // Along g within each sentence.
        const gn = blockNorms(g, (i) => Math.floor(i / (T * D)), B);
        assertClose(
          e,
          g.map((v, i) => (eps * v) / gn[Math.floor(i / (T * D))]),
          1e-6,
          1e-4,
          "η = ε g / ‖g_s‖",
        );
        eta.dispose();
      }
      // 4-D chars [B, T, L, C]: one norm per (sentence, channel) over time × chars.
      const [L, C] = [4, 3];
      const gc = Array.from({ length: B * T * L * C }, () => 2 * rng() - 1);
      const gct = tf.tensor4d(gc, [B, T, L, C]);
      const etaCt = adversarialPerturbation(gct, 2);
      const etaC = Array.from(etaCt.dataSync());
      const normsC = blockNorms(etaC, (i) => Math.floor(i / (T * L * C)) * C + (i % C), B * C);
      for (const n of normsC) assert.ok(Math.abs(n - 2) <= 1e-4, `per (sentence, channel) ‖η‖ = ${n}`);
      const zero = adversarialPerturbation(gt, 0);
      assert.ok(zero.dataSync().every((v) => v === 0));
      const z0 = tf.zerosLike(gt);
      const fromZero = adversarialPerturbation(z0, 5);
      assert.ok(fromZero.dataSync().every((v) => v === 0));
      tf.dispose([gt, gct, etaCt, zero, z0, fromZero]);
    }, "adversarialPerturbation");
    assert.throws(() => adversarialPerturbation(tf.zeros([2, 3, 4]), -1), /epsilon must be/);
    assert.throws(() => adversarialPerturbation(tf.zeros([2, 3]), 1), /rank ≥ 3/);
  });
}
