import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { AdaGrad, Adam, inverseTimeDecay } from "./optim.ts";
import { assertClose, testBackends, uniqueName, useBackend } from "./_testing.ts";

const W0 = [0.5, -1, 2];
const G1 = [0.1, -0.2, 0.3];
const G2 = [-0.4, 0.5, 0.05];

function grads(v: tf.Variable, g: number[]): Record<string, tf.Tensor> {
  return { [v.name]: tf.tensor1d(g) };
}

function step(opt: { step(g: Record<string, tf.Tensor>): void }, v: tf.Variable, g: number[]): void {
  const gr = grads(v, g);
  opt.step(gr);
  tf.dispose(Object.values(gr));
}

for (const backend of testBackends()) {
  Deno.test(`Adam: two steps equal the TF1 formula computed by hand (${backend})`, async () => {
    await useBackend(backend);
    const v = tf.variable(tf.tensor1d(W0), true, uniqueName("adam_w"));
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const opt = new Adam([v], { lr });
    assert.equal(opt.lr, 0.01);
    const w = [...W0];
    const m = [0, 0, 0];
    const s = [0, 0, 0];
    for (const [t, g] of [[1, G1], [2, G2]] as [number, number[]][]) {
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
        w[i] -= (lrT * m[i]) / (Math.sqrt(s[i]) + eps);
      }
      step(opt, v, g);
      assertClose(v.dataSync(), w, 1e-6, 1e-6, `w after step ${t}`);
      // Sanity of the hand formula: Adam's first step moves every weight by ≈ lr·sign(g).
      if (t === 1) assertClose(v.dataSync(), W0.map((x, i) => x - lr * Math.sign(G1[i])), 1e-6, 0, "step 1");
    }
    assert.equal(opt.stateTensors(), 2);
    opt.dispose();
    v.dispose();
  });

  Deno.test(`AdaGrad: TF-style and Lasagne-style updates for two steps (${backend})`, async () => {
    await useBackend(backend);
    for (const style of ["tf", "lasagne"] as const) {
      const v = tf.variable(tf.tensor1d(W0), true, uniqueName(`adagrad_${style}`));
      const lr = 0.1;
      const opt = style === "tf" ? new AdaGrad([v], { lr }) : AdaGrad.lasagne([v], lr);
      const acc0 = style === "tf" ? 0.1 : 0;
      const eps = style === "tf" ? 0 : 1e-6;
      const w = [...W0];
      const acc = [acc0, acc0, acc0];
      for (const g of [G1, G2]) {
        for (let i = 0; i < 3; i++) {
          acc[i] += g[i] * g[i];
          w[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
        }
        step(opt, v, g);
        assertClose(v.dataSync(), w, 1e-6, 1e-6, `${style}: w`);
      }
      assert.equal(opt.stateTensors(), 1);
      opt.dispose();
      v.dispose();
    }
  });

  Deno.test(`optimisers: separate instances keep separate state over shared weights (${backend})`, async () => {
    await useBackend(backend);
    const v = tf.variable(tf.tensor1d(W0), true, uniqueName("shared"));
    const a = new AdaGrad([v], { lr: 0.1 });
    const b = new AdaGrad([v], { lr: 0.1 });
    step(a, v, G1);
    step(b, v, G1);
    // Each saw one gradient: each update is lr·g/sqrt(0.1 + g²); a shared accumulator would give a smaller 2nd step.
    const expected = W0.map((w, i) => w - 2 * (0.1 * G1[i]) / Math.sqrt(0.1 + G1[i] ** 2));
    assertClose(v.dataSync(), expected, 1e-6, 1e-6);
    a.dispose();
    b.dispose();
    v.dispose();
  });

  Deno.test(`optimisers: missing grads skip variables, unknown names and shapes throw, no leaks (${backend})`, async () => {
    await useBackend(backend);
    const v1 = tf.variable(tf.tensor1d(W0), true, uniqueName("v1"));
    const v2 = tf.variable(tf.tensor2d([[1, 2]]), true, uniqueName("v2"));
    for (const opt of [new Adam([v1, v2]), new AdaGrad([v1, v2])]) {
      const w2 = Array.from(v2.dataSync());
      step(opt, v1, G1);
      assertClose(v2.dataSync(), w2, 0, 0, "v2 untouched");
      assert.equal(opt.stateTensors(), opt instanceof Adam ? 2 : 1);
      const bad = { nope: tf.tensor1d([1]) };
      assert.throws(() => opt.step(bad), /"nope".*not one of/);
      const badShape = { [v2.name]: tf.tensor1d([1, 2]) };
      assert.throws(() => opt.step(badShape), /shape \[2\], variable has \[1,2\]/);
      tf.dispose([...Object.values(bad), ...Object.values(badShape)]);
      // After the state exists, further steps allocate nothing that outlives the step.
      step(opt, v1, G2);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step(opt, v1, G2);
      assert.equal(tf.memory().numTensors, before, "optimiser steps leaked tensors");
      opt.dispose();
      assert.equal(opt.stateTensors(), 0);
    }
    assert.throws(() => new AdaGrad([v1], { initialAccumulator: 0 }), /must be > 0/);
    tf.dispose([v1, v2]);
  });
}

Deno.test("inverseTimeDecay: lr0 / (1 + decay·epoch)", () => {
  assert.equal(inverseTimeDecay(1e-3, 0.05, 0), 1e-3);
  assertClose([inverseTimeDecay(1e-3, 0.05, 10)], [1e-3 / 1.5], 1e-15);
  assertClose([inverseTimeDecay(0.01, 0.05, 49)], [0.01 / 3.45], 1e-15);
});
