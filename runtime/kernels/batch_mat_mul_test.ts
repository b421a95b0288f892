import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../../models/init.ts";
import { matMul } from "../../models/ops.ts";
import { assertClose, useBackend } from "../../models/_testing.ts";
import { batchMatMulBlasWasmConfig } from "./batch_mat_mul.ts";
import { blas, setBlasDisabled } from "./blas.ts";

const HAS_BLAS = blas() !== undefined;

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

const CASES: Case[] = [
  { a: [5, 7], b: [7, 3], ta: false, tb: false },
  { a: [7, 5], b: [7, 3], ta: true, tb: false },
  { a: [5, 7], b: [3, 7], ta: false, tb: true },
  { a: [7, 5], b: [3, 7], ta: true, tb: true },
  { a: [64, 200], b: [200, 130], ta: false, tb: false },
  { a: [200, 64], b: [130, 200], ta: true, tb: true },
  { a: [3, 4, 6], b: [3, 6, 2], ta: false, tb: false }, // batched
  { a: [1, 4, 6], b: [3, 6, 2], ta: false, tb: false }, // a broadcast over the batch
  { a: [2, 3, 4, 6], b: [6, 5], ta: false, tb: false }, // b broadcast
  { a: [0, 4], b: [4, 3], ta: false, tb: false }, // empty
  { a: [3, 0], b: [0, 2], ta: false, tb: false }, // K = 0: zeros
];

/** a·b (with the case's transposes) on the current backend, operands from `seed`. */
function product(c: Case, seed: number): { shape: number[]; values: Float32Array } {
  const rng = createRng(seed);
  const rand = (shape: number[]) =>
    tf.tensor(Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => 2 * rng() - 1), shape);
  return tf.tidy(() => {
    const y = tf.matMul(rand(c.a), rand(c.b), c.ta, c.tb);
    return { shape: y.shape, values: y.dataSync() as Float32Array };
  });
}

Deno.test({
  name: "BatchMatMul (OpenBLAS) on wasm equals the cpu backend's products, transposes and batches included",
  ignore: !HAS_BLAS,
  fn: async () => {
    await useBackend("wasm");
    assert.equal(tf.getKernel(tf.BatchMatMul, "wasm")?.kernelFunc, batchMatMulBlasWasmConfig.kernelFunc);
    const before = tf.memory().numTensors;
    const wasm = CASES.map((c, i) => product(c, i));
    const again = CASES.map((c, i) => product(c, i));
    assert.equal(tf.memory().numTensors, before, "leaked tensors");
    await useBackend("cpu");
    const cpu = CASES.map((c, i) => product(c, i));
    CASES.forEach((c, i) => {
      const what = `[${c.a}]${c.ta ? "ᵀ" : ""}·[${c.b}]${c.tb ? "ᵀ" : ""}`;
      assert.deepEqual(wasm[i].shape, cpu[i].shape, what);
      assertClose(wasm[i].values, cpu[i].values, 1e-5, 1e-5, what);
      // Reproducible: the same product twice is bit-identical.
      assert.deepEqual(Array.from(again[i].values), Array.from(wasm[i].values), `${what} repeated`);
    });
  },
});

Deno.test({
  name: "BatchMatMul (OpenBLAS) on wasm: int32 goes to the built-in kernel, shape errors name both shapes",
  ignore: !HAS_BLAS,
  fn: async () => {
    await useBackend("wasm");
    assert.throws(
      () => tf.tidy(() => tf.matMul(tf.ones([2, 3], "int32"), tf.ones([3, 2], "int32"))),
      /non-float32/,
    );
    assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 2]))), /inner shapes/);
  },
});

Deno.test("ops.matMul on wasm: values and gradients with OpenBLAS equal the built-in kernel's to 1e-5", async () => {
  await useBackend("wasm");
  const rng = createRng(9);
  const av = Float32Array.from({ length: 96 * 70 }, () => 2 * rng() - 1);
  const bv = Float32Array.from({ length: 70 * 120 }, () => 2 * rng() - 1);
  const dyv = Float32Array.from({ length: 96 * 120 }, () => 2 * rng() - 1);
  const run = (disable: boolean) => {
    setBlasDisabled(disable);
    try {
      return tf.tidy(() => {
        const a = tf.tensor2d(av, [96, 70]);
        const b = tf.tensor2d(bv, [70, 120]);
        const dy = tf.tensor2d(dyv, [96, 120]);
        const f = (x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(matMul(x as tf.Tensor2D, y as tf.Tensor2D), dy));
        const [ga, gb] = tf.grads(f)([a, b]);
        return [matMul(a, b).dataSync(), ga.dataSync(), gb.dataSync()];
      });
    } finally {
      setBlasDisabled(false);
    }
  };
  const fast = run(false);
  const builtin = run(true);
  ["a·b", "d/da", "d/db"].forEach((what, i) => assertClose(fast[i], builtin[i], 1e-5, 1e-5, what));
});
