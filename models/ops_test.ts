import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, normal } from "./init.ts";
import {
  clipByGlobalNorm,
  clipGradsByGlobalNorm,
  dense,
  denseSeq,
  gatherRows,
  globalNorm,
  logSumExp,
  matMul,
} from "./ops.ts";
import { assertClose, assertNoLeak, testBackends, useBackend } from "./_testing.ts";

function rand(seed: number, shape: number[]): tf.Tensor {
  return normal(createRng(seed), shape, 1);
}

/** Results computed on the first backend, compared on the others. */
const reference = new Map<string, Float32Array>();
function agreeAcrossBackends(key: string, values: Float32Array, atol = 1e-5): void {
  const ref = reference.get(key);
  if (!ref) reference.set(key, values);
  else assertClose(values, ref, atol, 1e-5, `${key} vs first backend`);
}

for (const backend of testBackends()) {
  Deno.test(`matMul: values and gradients equal tf.matMul's (${backend})`, async () => {
    await useBackend(backend);
    // [2, 50, 60] and [1, 7, 2] take the (b·dyᵀ)ᵀ path for d/da on wasm.
    for (const [n, k, m] of [[3, 4, 5], [1, 7, 2], [16, 33, 9], [2, 50, 60]]) {
      const a = rand(n * 100 + k, [n, k]) as tf.Tensor2D;
      const b = rand(m * 7 + 1, [k, m]) as tf.Tensor2D;
      const w = rand(5, [n, m]); // makes dy non-uniform
      await assertNoLeak(() => {
        tf.tidy(() => {
          const f1 = (x: tf.Tensor, y: tf.Tensor) =>
            tf.sum(tf.mul(matMul(x as tf.Tensor2D, y as tf.Tensor2D), w));
          const f2 = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w));
          assertClose(matMul(a, b).dataSync(), tf.matMul(a, b).dataSync(), 1e-5, 1e-5, "value");
          const [ga, gb] = tf.grads(f1)([a, b]);
          const [ha, hb] = tf.grads(f2)([a, b]);
          assertClose(ga.dataSync(), ha.dataSync(), 1e-5, 1e-5, "d/da");
          assertClose(gb.dataSync(), hb.dataSync(), 1e-5, 1e-5, "d/db");
          agreeAcrossBackends(`matMul ${n}x${k}x${m} d/da`, ga.dataSync() as Float32Array);
        });
      }, "matMul and its gradient");
      tf.dispose([a, b, w]);
    }
  });

  Deno.test(`matMul: shape mismatch names both shapes (${backend})`, async () => {
    await useBackend(backend);
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([4, 2]) as tf.Tensor2D;
    assert.throws(() => matMul(a, b), /\[2,3\] and \[4,2\]/);
    tf.dispose([a, b]);
  });

  Deno.test(`dense / denseSeq: x·w + b (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      const w = tf.tensor2d([[1, 0, 2], [0, 1, -1]]);
      const b = tf.tensor1d([0.5, -0.5, 1]);
      assertClose(dense(x, w, b).dataSync(), [1.5, 1.5, 1, 3.5, 3.5, 3]);
      assertClose(dense(x, w).dataSync(), [1, 2, 0, 3, 4, 2]);
      const x3 = tf.reshape(x, [1, 2, 2]) as tf.Tensor3D;
      const y3 = denseSeq(x3, w, b);
      assert.deepEqual(y3.shape, [1, 2, 3]);
      assertClose(y3.dataSync(), [1.5, 1.5, 1, 3.5, 3.5, 3]);
      assert.throws(() => dense(x, w, tf.tensor1d([1, 2])), /bias shape \[2\]/);
    });
  });

  Deno.test(`gatherRows: values and gradient equal cpu tf.gather's, with repeated ids (${backend})`, async () => {
    await useBackend(backend);
    const table = rand(11, [6, 3]) as tf.Tensor2D;
    const ids = tf.tensor1d([4, 0, 4, 5, 4, 0, 2], "int32");
    const dyW = rand(12, [7, 3]);
    await assertNoLeak(() => {
      tf.tidy(() => {
        assertClose(gatherRows(table, ids).dataSync(), tf.gather(table, ids).dataSync(), 0, 0, "rows");
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, ids), dyW)))(table);
        assert.deepEqual(g.shape, [6, 3]);
        // Expected: row r = Σ_{i: ids[i] = r} dyW[i] (computed in JS).
        const dy = dyW.dataSync();
        const idv = ids.dataSync();
        const expected = new Float32Array(18);
        for (let i = 0; i < idv.length; i++) {
          for (let k = 0; k < 3; k++) expected[idv[i] * 3 + k] += dy[i * 3 + k];
        }
        assertClose(g.dataSync(), expected, 1e-6, 0, "d table");
        // And tf.gather's own gradient (UnsortedSegmentSum; registered by us on wasm) agrees.
        const h = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dyW)))(table);
        assertClose(h.dataSync(), expected, 1e-6, 0, "tf.gather d table");
        agreeAcrossBackends("gatherRows grad", g.dataSync() as Float32Array, 0);
      });
    }, "gatherRows and its gradient");
    assert.throws(() => gatherRows(table, tf.tensor1d([0, 1])), /int32/);
    tf.dispose([table, ids, dyW]);
  });

  Deno.test(`clipByGlobalNorm: scales by maxNorm / norm only above maxNorm (${backend})`, async () => {
    await useBackend(backend);
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[0, 4]]);
    await assertNoLeak(() => {
      const { clipped, norm } = clipByGlobalNorm([a, b], 1);
      assertClose([norm], [5], 1e-6);
      assertClose(clipped[0].dataSync(), [0.6, 0], 1e-6);
      assertClose(clipped[1].dataSync(), [0, 0.8], 1e-6);
      assert.deepEqual(clipped[1].shape, [1, 2]);
      tf.dispose(clipped);
      const r = clipByGlobalNorm([a, b], 10);
      assertClose([r.norm], [5], 1e-6);
      assertClose(r.clipped[0].dataSync(), [3, 0], 0);
      tf.dispose(r.clipped);
      const rec = clipGradsByGlobalNorm({ a, b }, 2.5);
      assert.deepEqual(Object.keys(rec.clipped), ["a", "b"]);
      assertClose(rec.clipped.b.dataSync(), [0, 2], 1e-6);
      tf.dispose(Object.values(rec.clipped));
      assertClose([globalNorm([a, b])], [5], 1e-6);
      assert.deepEqual(clipByGlobalNorm([], 1), { clipped: [], norm: 0 });
    }, "clipByGlobalNorm");
    tf.dispose([a, b]);
  });

  Deno.test(`logSumExp: stable values, −∞ rows, gradient = softmax (${backend})`, async () => {
    await useBackend(backend);
    const rows = [[1, 2, 3], [1000, 1001, 999], [-1000, -1001, -999], [-Infinity, -Infinity, -Infinity], [
      0,
      -Infinity,
      0,
    ]];
    const ref = rows.map((r) => {
      const m = Math.max(...r);
      return m === -Infinity ? -Infinity : m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
    });
    const x = tf.tensor2d(rows);
    await assertNoLeak(() => {
      tf.tidy(() => {
        const y = logSumExp(x, 1).dataSync();
        for (let i = 0; i < rows.length; i++) {
          if (ref[i] === -Infinity) assert.equal(y[i], -Infinity);
          else assertClose([y[i]], [ref[i]], 1e-4, 1e-6, `row ${i}`);
        }
        assert.deepEqual(logSumExp(x, -1, true).shape, [5, 1]);
        assertClose(logSumExp(x, 0).dataSync().slice(0, 1), [1000], 1e-3);
        const w = tf.tensor1d([1, 2, 3, 4, 5]);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(logSumExp(v, 1), w)))(x).dataSync();
        for (let i = 0; i < rows.length; i++) {
          for (let j = 0; j < 3; j++) {
            const p = ref[i] === -Infinity ? 0 : Math.exp(rows[i][j] - ref[i]);
            assertClose([g[i * 3 + j]], [p * (i + 1)], 1e-5, 1e-5, `d row ${i} col ${j}`);
          }
        }
      });
    }, "logSumExp");
    x.dispose();
  });
}
