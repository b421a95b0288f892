import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Highway } from "./highway.ts";
import { createRng } from "./init.ts";
import { assertClose, assertNoLeak, uniqueName, useBackend } from "./_testing.ts";

Deno.test("Highway: y = g·tanh(xWt + bt) + (1 − g)·x per layer, against a plain reference", async () => {
  await useBackend("cpu");
  const hw = new Highway(uniqueName("hw"), 3, 2, createRng(4));
  const x = tf.tensor3d([[[0.5, -1, 2], [0, 0.25, -0.5]]]);
  const y = hw.apply(x);
  assert.deepEqual(y.shape, [1, 2, 3]);
  let h = (await x.array())[0] as number[][];
  for (const l of hw.layers) {
    const [wt, bt, wg, bg] = await Promise.all([l.wt.array(), l.bt.array(), l.wg.array(), l.bg.array()]) as [
      number[][],
      number[],
      number[][],
      number[],
    ];
    h = h.map((row) =>
      row.map((xi, j) => {
        const at = row.reduce((s, v, i) => s + v * wt[i][j], bt[j]);
        const ag = row.reduce((s, v, i) => s + v * wg[i][j], bg[j]);
        const g = 1 / (1 + Math.exp(-ag));
        return g * Math.tanh(at) + (1 - g) * xi;
      })
    );
  }
  assertClose(Array.from(await y.data()), h.flat(), 1e-5);
  tf.dispose([x, y]);
  hw.dispose();
});

Deno.test("Highway: zero layers is the identity; a wrong width throws; no tensor leaks", async () => {
  await useBackend("cpu");
  const id = new Highway(uniqueName("hw"), 2, 0, createRng(1));
  const x = tf.tensor2d([[1, 2]]);
  const y = id.apply(x);
  assert.deepEqual(Array.from(await y.data()), [1, 2]);
  assert.throws(() => id.apply(tf.tensor2d([[1, 2, 3]])), /does not end in 2/);
  assert.throws(() => new Highway("bad", 0, 1, createRng(1)), /dim must be/);
  tf.dispose([x, y]);
  id.dispose();
  const hw = new Highway(uniqueName("hw"), 4, 2, createRng(2));
  const z = tf.ones([2, 3, 4]);
  await assertNoLeak(() => {
    const { grads, value } = tf.variableGrads(() => tf.sum(hw.apply(z)) as tf.Scalar, hw.variables());
    tf.dispose([value, ...Object.values(grads)]);
  });
  assert.equal(hw.variables().length, 8);
  z.dispose();
  hw.dispose();
});
