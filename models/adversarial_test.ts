import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { adversarialPerturbation, AT_DEFAULT } from "./adversarial.ts";
import { createRng } from "./init.ts";
import { assertClose, assertNoLeak, testBackends, useBackend } from "./_testing.ts";

Deno.test("AT_DEFAULT is ε 5.0 on source words, target words and chars", () => {
  assert.deepEqual(AT_DEFAULT, { epsWordSource: 5, epsWordTarget: 5, epsChar: 5 });
});

for (const backend of testBackends()) {
  Deno.test(`adversarialPerturbation on ${backend}: ‖η‖₂ = ε over the whole tensor, along g`, async () => {
    await useBackend(backend);
    const rng = createRng(4);
    const g = Array.from({ length: 2 * 3 * 5 }, () => 2 * rng() - 1);
    await assertNoLeak(() => {
      const gt = tf.tensor3d(g, [2, 3, 5]);
      for (const eps of [5, 0.3]) {
        const eta = adversarialPerturbation(gt, eps);
        assert.deepEqual(eta.shape, [2, 3, 5]);
        const e = Array.from(eta.dataSync());
        const norm = Math.sqrt(e.reduce((s, v) => s + v * v, 0));
        assert.ok(Math.abs(norm - eps) <= 1e-4, `‖η‖ = ${norm}, expected ${eps}`);
        const gn = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
        assertClose(e, g.map((v) => (eps * v) / gn), 1e-6, 1e-5, "η = ε g / ‖g‖");
        eta.dispose();
      }
      const zero = adversarialPerturbation(gt, 0);
      assert.ok(zero.dataSync().every((v) => v === 0));
      const z0 = tf.zerosLike(gt);
      const fromZero = adversarialPerturbation(z0, 5);
      assert.ok(fromZero.dataSync().every((v) => v === 0));
      tf.dispose([gt, zero, z0, fromZero]);
    }, "adversarialPerturbation");
    assert.throws(() => adversarialPerturbation(tf.scalar(1), -1), /epsilon must be/);
  });
}
