import assert from "node:assert/strict";

// deno-lint-ignore no-explicit-any
function throwsWith(f: () => unknown, cls: new (...a: any[]) => Error, text = "") {
  assert.throws(f, (e: unknown) => e instanceof cls && e.message.includes(text));
}
import { cellSeed, cellSeeds } from "./seeds.ts";

Deno.test("cell seeds are deterministic, 31-bit and distinct across cells and repetitions", () => {
  assert.deepStrictEqual(cellSeed("datnet", "t3/es/base/k=10", 0), cellSeed("datnet", "t3/es/base/k=10", 0));
  const all = new Set<number>();
  for (const cell of ["a", "b", "c", "d"]) for (const s of cellSeeds("suite", cell, 5)) all.add(s);
  assert.deepStrictEqual(all.size, 20);
  for (const s of all) assert.ok(Number.isInteger(s) && s > 0 && s < 2 ** 31);
  throwsWith(() => cellSeeds("s", "c", 0), RangeError);
});
