/**
 * Test helpers for the model layers (not exported from `mod.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, initBackend } from "./backend.ts";

/** Backends the model tests run on: `TAGBENCH_TEST_BACKENDS` (comma-separated) or `cpu,wasm`. */
export function testBackends(): BackendName[] {
  const env = Deno.env.get("TAGBENCH_TEST_BACKENDS");
  return (env ? env.split(",").map((s) => s.trim()) : ["cpu", "wasm"]) as BackendName[];
}

/** Selects `name` (throws if tfjs cannot use it). */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend(name);
}

/** Runs `f` and asserts that it leaves the number of live tensors unchanged. */
export async function assertNoLeak(f: () => void | Promise<void>, what = "the function"): Promise<void> {
  const before = tf.memory().numTensors;
  await f();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `${what} leaked ${after - before} tensors`);
}

/** Asserts `|a[i] − b[i]| ≤ atol + rtol·|b[i]|` for all i, naming the first offending index. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 0,
  what = "values",
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: length ${actual.length}, expected ${expected.length}`,
  );
  for (let i = 0; i < actual.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      assert.fail(`${what}[${i}] = ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

let nameCounter = 0;
/** A variable-name prefix no other test uses in this process. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${nameCounter++}`;
}
