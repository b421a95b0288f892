import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { AdaGrad, type AdaGradState, Adam, type AdamState, inverseTimeDecay } from "./optim.ts";
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

  Deno.test(`optimisers: getState/setState copy the state exactly; the next steps are identical (${backend})`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const makers = [
      (vs: tf.Variable[]) => new Adam(vs, { lr: 0.01 }),
      (vs: tf.Variable[]) => new AdaGrad(vs, { lr: 0.1 }),
      (vs: tf.Variable[]) => AdaGrad.lasagne(vs, 0.1),
    ];
    for (const make of makers) {
      // Two copies of the same weights, one optimiser each; the second gets the first's state after 2 steps.
      const variable = (x: () => tf.Tensor, name: string) =>
        tf.tidy(() => tf.variable(x(), true, uniqueName(name)));
      const a1 = variable(() => tf.tensor1d(W0), "sa1");
      const a2 = variable(() => tf.tensor2d([[1, 2]]), "sa2");
      const b1 = variable(() => tf.tensor1d(W0), "sb1");
      const b2 = variable(() => tf.tensor2d([[1, 2]]), "sb2");
      const a = make([a1, a2]);
      const b = make([b1, b2]);
      step(a, a1, G1);
      step(a, a1, G2);
      const state = await a.getState();
      if (a instanceof Adam) {
        const s = state as AdamState;
        assert.equal(s.t, 2);
        assert.deepEqual(Object.keys(s.m), [a1.name], "only variables with a gradient have moments");
        assert.ok(s.m[a1.name] instanceof Float32Array && s.m[a1.name].length === 3);
        // The state is a copy: changing it changes nothing in the optimiser.
        s.m[a1.name].fill(123);
        assert.notEqual((await a.getState() as AdamState).m[a1.name][0], 123);
        s.m[a1.name].set((await a.getState() as AdamState).m[a1.name]);
      } else {
        assert.deepEqual(Object.keys((state as AdaGradState).accumulators), [a1.name]);
      }
      // b's variables are named differently: rename the state's keys as a checkpoint does.
      const rename = (r: Record<string, Float32Array>) =>
        Object.fromEntries(Object.entries(r).map(([k, x]) => [k === a1.name ? b1.name : b2.name, x]));
      b1.assign(a1);
      if (b instanceof Adam) {
        const s = state as AdamState;
        b.setState({ ...s, m: rename(s.m), v: rename(s.v) });
      } else {
        b.setState({
          ...(state as AdaGradState),
          accumulators: rename((state as AdaGradState).accumulators),
        });
      }
      assert.equal(b.stateTensors(), a.stateTensors());
      for (const g of [G1, G2, G1]) {
        step(a, a1, g);
        step(b, b1, g);
        assert.deepEqual(b1.dataSync(), a1.dataSync(), "bit-identical after restoring the state");
      }
      // A second variable's first gradient after the restore starts from fresh state in both.
      const g2a = { [a2.name]: tf.tensor2d([[0.3, -0.1]]) };
      const g2b = { [b2.name]: tf.tensor2d([[0.3, -0.1]]) };
      a.step(g2a);
      b.step(g2b);
      assert.deepEqual(b2.dataSync(), a2.dataSync());
      tf.dispose([...Object.values(g2a), ...Object.values(g2b)]);
      // Errors leave the state unchanged.
      const n = b.stateTensors();
      const wrong = { [b1.name]: new Float32Array(2) };
      if (b instanceof Adam) {
        assert.throws(() => b.setState({ t: 1, lr: 0.1, m: wrong, v: wrong }), /Float32Array of 3 values/);
        assert.throws(
          () => b.setState({ t: 1, lr: 0.1, m: { nope: new Float32Array(1) }, v: {} }),
          /"nope", which is not one of/,
        );
        assert.throws(
          () => b.setState({ t: 1, lr: 0.1, m: { [b1.name]: new Float32Array(3) }, v: {} }),
          /m and v name different variables/,
        );
        assert.throws(() => b.setState({ t: -1, lr: 0.1, m: {}, v: {} }), /t must be an integer/);
      } else {
        assert.throws(() => b.setState({ lr: 0.1, accumulators: wrong }), /Float32Array of 3 values/);
      }
      assert.equal(b.stateTensors(), n);
      a.dispose();
      b.dispose();
      tf.dispose([a1, a2, b1, b2]);
    }
    assert.equal(tf.memory().numTensors, before, "getState/setState leaked tensors");
  });
}

Deno.test("inverseTimeDecay: lr0 / (1 + decay·epoch)", () => {
  assert.equal(inverseTimeDecay(1e-3, 0.05, 0), 1e-3);
  assertClose([inverseTimeDecay(1e-3, 0.05, 10)], [1e-3 / 1.5], 1e-15);
  assertClose([inverseTimeDecay(0.01, 0.05, 49)], [0.01 / 3.45], 1e-15);
});
