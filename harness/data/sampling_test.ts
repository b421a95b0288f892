import { createHash } from "node:crypto";
import { join } from "node:path";
import { assert, assertEquals, assertNotEquals, assertThrows } from "./_assert.ts";
import { TESTDATA } from "./_testing.ts";
import { NumpyLegacyRandomState } from "./numpy_random.ts";
import {
  firstK,
  seededIndices,
  seededSubset,
  sklearnTrainSubset,
  sklearnTrainTestSplit,
} from "./sampling.ts";

const items = Array.from({ length: 100 }, (_, i) => `s${i}`);

Deno.test("firstK: the first k in file order; k > n throws", () => {
  assertEquals(firstK(items, 3), ["s0", "s1", "s2"]);
  assertEquals(firstK(items, 0), []);
  assertEquals(firstK(items, 100), items);
  assertThrows(() => firstK(items, 101), RangeError, "Cannot take 101 sentences from 100");
  assertThrows(() => firstK(items, -1), RangeError);
  assertThrows(() => firstK(items, 2.5), RangeError);
});

Deno.test("seededIndices: deterministic, distinct, ascending, in range", () => {
  const a = seededIndices(1000, 50, 13);
  assertEquals(seededIndices(1000, 50, 13), a);
  assertEquals(seededIndices(1000, 50, "13"), a); // seeds are hashed as strings
  assertEquals(new Set(a).size, 50);
  assert(a.every((x, i) => Number.isInteger(x) && x >= 0 && x < 1000 && (i === 0 || a[i - 1] < x)));
  assertEquals(seededIndices(5, 5, 1), [0, 1, 2, 3, 4]);
  assertEquals(seededIndices(5, 0, 1), []);
  assertThrows(() => seededIndices(5, 6, 1), RangeError);
});

Deno.test("seededIndices: a pinned value (changing the algorithm would change every recorded subset)", () => {
  assertEquals(seededIndices(20, 5, 42), PINNED);
});

Deno.test("seededIndices: different seeds give different subsets (also 1 vs 11, which collide under ARC4)", () => {
  const subsets = new Set(Array.from({ length: 200 }, (_, s) => seededIndices(1000, 50, s).join(",")));
  assertEquals(subsets.size, 200);
  assertNotEquals(seededIndices(1000, 50, 1), seededIndices(1000, 50, 11));
  assertNotEquals(seededIndices(1000, 50, 1), seededIndices(1000, 50, 2));
});

Deno.test("seededIndices: roughly uniform", () => {
  const counts = new Array(10).fill(0);
  for (let s = 0; s < 2000; s++) for (const i of seededIndices(10, 3, s)) counts[i]++;
  // each index is expected 600 times; 5 σ ≈ 100
  for (const c of counts) assert(Math.abs(c - 600) < 100, String(counts));
});

Deno.test("seededSubset: items in original order, deterministic", () => {
  const sub = seededSubset(items, 10, "run-1");
  assertEquals(sub, seededSubset(items, 10, "run-1"));
  assertEquals(sub, seededIndices(100, 10, "run-1").map((i) => items[i]));
  assertEquals(sub, [...sub].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  assertThrows(() => seededSubset(items, 101, 1), RangeError);
});
const PINNED = [0, 6, 11, 13, 17];

/** `trainTestSplit` of `testdata/numpy_permutation.json` (numpy 2.4.6; each case checked against scikit-learn). */
interface SplitCase {
  what: string;
  n: number;
  rate: number;
  randomState: number;
  nTest: number;
  k: number;
  first20: number[];
  last20: number[];
  sha256: string;
}
const SPLITS: { sklearn: string | null; trainTestSplit: SplitCase[] } = JSON.parse(
  await Deno.readTextFile(join(TESTDATA, "numpy_permutation.json")),
);

Deno.test(`sklearnTrainSubset: ${SPLITS.trainTestSplit.length} cases equal train_test_split's train part`, () => {
  assert(SPLITS.sklearn !== null, "the fixture was cross-checked against scikit-learn itself (1.6.1)");
  for (const c of SPLITS.trainTestSplit) {
    const what = `n ${c.n}, rate ${c.rate}`;
    const train = sklearnTrainSubset(c.n, c.rate, c.randomState);
    assertEquals(train.length, c.k, what);
    assertEquals(c.n - c.k, c.nTest, what);
    assertEquals(train.slice(0, 20), c.first20, what);
    assertEquals(train.slice(-20), c.last20, what);
    assertEquals(createHash("sha256").update(train.join(",")).digest("hex"), c.sha256, what);
  }
  // the paper's Spanish pool (train + dev before the >60-token split) at its three rates
  const es = SPLITS.trainTestSplit.filter((c) => c.n === 8323 + 1915).map((c) => [c.rate, c.k]);
  for (const rc of [[0.1, 1023], [0.01, 102], [0.001, 10]]) {
    assert(es.some((x) => x[0] === rc[0] && x[1] === rc[1]));
  }
});

Deno.test("sklearnTrainSubset: Python float arithmetic of 1 − rate and ceil (scikit-learn 1.6.1 values)", () => {
  // 1 - 0.7 = 0.30000000000000004 in doubles, so n_test = ceil(3.0000000000000004) = 4 and 6 are kept, not 7
  assertEquals(sklearnTrainSubset(10, 0.7, 23), [4, 7, 1, 0, 6, 3]);
  // 1 - 0.1 = 0.9 exactly as Python prints it; 0.9 · 10 = 9, so one sentence is kept
  assertEquals(sklearnTrainSubset(10, 0.1, 23), [3]);
  assertEquals(sklearnTrainSubset(10, 0.5, 23), [7, 1, 0, 6, 3]);
  // the kept part is the tail of the permutation; the test part its head
  const perm = new NumpyLegacyRandomState(23).permutation(10238);
  const { train, test } = sklearnTrainTestSplit(10238, 1 - 0.01, 23);
  assertEquals(test, perm.slice(0, 10136));
  assertEquals(train, perm.slice(10136));
  assertEquals(sklearnTrainSubset(10238, 0.01, 23), train);
});

Deno.test("sklearnTrainSubset: rate 1, 0, > 1, an empty train part and bad arguments throw one sentence", () => {
  assertThrows(
    () => sklearnTrainSubset(100, 1, 23),
    RangeError,
    "whole pool without calling train_test_split",
  );
  assertThrows(() => sklearnTrainSubset(100, 0, 23), RangeError, "open interval (0, 1)");
  assertThrows(() => sklearnTrainSubset(100, 1.5, 23), RangeError);
  assertThrows(() => sklearnTrainSubset(100, NaN, 23), RangeError);
  // ceil(0.999 · 999) = 999: nothing left (scikit-learn: "the resulting train set will be empty")
  assertThrows(() => sklearnTrainSubset(999, 0.001, 23), RangeError, "leaves none");
  assertEquals(sklearnTrainSubset(1000, 0.001, 23).length, 1);
  assertThrows(() => sklearnTrainSubset(0, 0.5, 23), RangeError, "Cannot split 0 items");
  assertThrows(() => sklearnTrainSubset(2.5, 0.5, 23), RangeError);
  assertThrows(() => sklearnTrainSubset(10, 0.5, -1), RangeError, "random_state = -1");
  assertThrows(() => sklearnTrainTestSplit(10, 1, 23), RangeError, "test_size = 1");
  assertThrows(() => sklearnTrainTestSplit(10, 0.95, 23), RangeError, "train set would be empty");
});
