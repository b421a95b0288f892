/**
 * Test helpers for the model layers (not exported from `mod.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { Sentence } from "./types.ts";
import { type BackendName, initBackend } from "../runtime/backend.ts";
import type { Rng } from "./init.ts";

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

/** Toy NER lexicon, `[type, words]`: the tag is a function of the word (`O` for the filler words). */
export const TOY_LEXICON: [string, string[]][] = [
  ["PER", ["John", "Mary", "Peter", "Anna", "Luis", "Carmen"]],
  ["LOC", ["Paris", "Rome", "Berlin", "Madrid", "Lisbon"]],
  ["ORG", ["Google", "Reuters", "Siemens", "Telefonica"]],
  ["O", ["the", "visited", "in", "and", "saw", "met", "with", "today", "from", "said"]],
];

/**
 * `n` toy NER sentences (IOB2) of 3 to `maxLength` words drawn from `lexicon` with `rng`; "New York" (10% of
 * draws) is always one LOC chunk, so the tag is a function of the word.
 */
export function toySentences(rng: Rng, n: number, lexicon = TOY_LEXICON, maxLength = 8): Sentence[] {
  const pick = <T>(a: T[]) => a[Math.floor(rng() * a.length)];
  const out: Sentence[] = [];
  for (let i = 0; i < n; i++) {
    const words: string[] = [];
    const tags: string[] = [];
    const len = 3 + Math.floor(rng() * (maxLength - 2));
    while (words.length < len) {
      if (rng() < 0.1) {
        words.push("New", "York");
        tags.push("B-LOC", "I-LOC");
        continue;
      }
      const [type, ws] = pick(lexicon);
      words.push(pick(ws));
      tags.push(type === "O" ? "O" : `B-${type}`);
    }
    out.push({ words, tags });
  }
  return out;
}

/** Linear-chain CRF parameters as host arrays: transitions `[K, K]` (from, to), optional start and end `[K]`. */
export interface CrfParams {
  trans: ArrayLike<number>;
  start: ArrayLike<number> | null;
  end: ArrayLike<number> | null;
}

/** Every tag sequence of length L over K tags, in lexicographic order. */
export function* allPaths(K: number, L: number): Generator<number[]> {
  const y = new Array<number>(L).fill(0);
  while (true) {
    yield [...y];
    let i = L - 1;
    while (i >= 0 && y[i] === K - 1) y[i--] = 0;
    if (i < 0) return;
    y[i]++;
  }
}

/**
 * Score of path `y` for sentence b of emissions `em` `[B, T, K]`, in float64 straight from the definition:
 * start[y₀] + Σ e[t, y_t] + Σ trans[y_{t−1}, y_t] + end[y_last] (absent start/end count 0).
 */
export function crfPathScore(
  em: ArrayLike<number>,
  b: number,
  T: number,
  K: number,
  p: CrfParams,
  y: number[],
): number {
  let s = p.start ? p.start[y[0]] : 0;
  for (let t = 0; t < y.length; t++) {
    s += em[(b * T + t) * K + y[t]];
    if (t > 0) s += p.trans[y[t - 1] * K + y[t]];
  }
  return s + (p.end ? p.end[y[y.length - 1]] : 0);
}

/**
 * Brute-force CRF loss of sentence b by enumerating every path: log Σ_y exp(s(y) + c·hamming(y, gold)) − s(gold)
 * (c = `cost`; 0 gives the NLL), and the highest-scoring path (first on ties). Exponential in the length: tests
 * only.
 */
export function bruteForceCrf(
  em: ArrayLike<number>,
  b: number,
  T: number,
  K: number,
  p: CrfParams,
  gold: number[],
  cost = 0,
): { loss: number; best: number[] } {
  const scores: number[] = [];
  let best: number[] = [];
  let bestScore = -Infinity;
  for (const y of allPaths(K, gold.length)) {
    const s = crfPathScore(em, b, T, K, p, y);
    let h = 0;
    for (let t = 0; t < y.length; t++) if (y[t] !== gold[t]) h++;
    scores.push(s + cost * h);
    if (s > bestScore) {
      bestScore = s;
      best = y;
    }
  }
  const m = Math.max(...scores);
  const logZ = m + Math.log(scores.reduce((acc, s) => acc + Math.exp(s - m), 0));
  return { loss: logZ - crfPathScore(em, b, T, K, p, gold), best };
}
