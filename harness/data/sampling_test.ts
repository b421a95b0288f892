import { assert, assertEquals, assertNotEquals, assertThrows } from "./_assert.ts";
import { firstK, seededIndices, seededSubset } from "./sampling.ts";

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
