import { createHash } from "node:crypto";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { TESTDATA } from "./_testing.ts";
import { MT19937, numpyLegacyChoice, NumpyLegacyRandomState } from "./numpy_random.ts";

/** A stored vector: its first 50 entries and the sha256 of all of them, both as decimal integers joined by ",". */
interface StoredVector {
  k: number;
  first50: string;
  sha256: string;
}

interface Fixture {
  numpy: string;
  choice: (StoredVector & { seed: number; n: number })[];
  yang: (StoredVector & { what: string; n: number; rate: number; distinct: number })[];
  randomSample: { seed: number; size: number; first10: number[]; sha256: string }[];
  sequence: { call: "randint" | "randomSample" | "choice"; args: number[]; out: number[] }[];
}

/** Written by `testdata/numpy_random_fixture.py` with numpy 2.4.6. */
const FIXTURE: Fixture = JSON.parse(await Deno.readTextFile(join(TESTDATA, "numpy_random.json")));

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

function assertMatches(v: number[], stored: StoredVector, what: string): void {
  assertEquals(v.length, stored.k, what);
  assertEquals(v.slice(0, 50).join(","), stored.first50, what);
  assertEquals(sha256(v.join(",")), stored.sha256, what);
}

Deno.test("MT19937: the reference init_genrand(5489) outputs, and numpy's seeded state", () => {
  const mt = new MT19937(5489);
  assertEquals([mt.nextUint32(), mt.nextUint32(), mt.nextUint32()], [3499211612, 581869302, 3890346734]);
  // the 10000th output of the reference generator seeded 5489 (C++ std::mt19937 requirement)
  const ref = new MT19937(5489);
  let x = 0;
  for (let i = 0; i < 10000; i++) x = ref.nextUint32();
  assertEquals(x, 4123659995);
  assertThrows(() => new MT19937(-1), RangeError);
  assertThrows(() => new MT19937(2 ** 32), RangeError);
  assertThrows(() => new MT19937(1.5), RangeError, "expected an integer in [0, 4294967295]");
});

Deno.test(`numpyLegacyChoice: ${FIXTURE.choice.length} (seed, n, k) cases equal numpy ${FIXTURE.numpy}`, () => {
  for (const c of FIXTURE.choice) {
    assertMatches(numpyLegacyChoice(c.seed, c.n, c.k), c, `seed ${c.seed}, n ${c.n}, k ${c.k}`);
  }
  const seeds = new Set(FIXTURE.choice.map((c) => c.seed));
  assertEquals([...seeds], [13, 0, 1, 12345, 2 ** 32 - 1]);
  // both the 32-bit and the 64-bit (n − 1 > 2³² − 1) masked paths are covered
  assert(FIXTURE.choice.some((c) => c.n === 2 ** 53) && FIXTURE.choice.some((c) => c.n === 2 ** 32 + 1));
});

Deno.test("numpyLegacyChoice: np.random.RandomState(13).choice(1000, 5) pinned in the doc comment", () => {
  assertEquals(numpyLegacyChoice(13, 1000, 5), [338, 176, 74, 528, 742]);
});

Deno.test("randomSample: 53-bit doubles equal numpy's random_sample", () => {
  for (const c of FIXTURE.randomSample) {
    const d = new NumpyLegacyRandomState(c.seed).randomSample(c.size);
    assertEquals(d.slice(0, 10), c.first10);
    assertEquals(sha256(new Uint8Array(new Float64Array(d).buffer)), c.sha256, `seed ${c.seed}`);
    assert(d.every((x) => x >= 0 && x < 1));
  }
});

Deno.test("NumpyLegacyRandomState: interleaved calls consume the stream as numpy does (n = 1 draws nothing)", () => {
  const rs = new NumpyLegacyRandomState(13);
  for (const { call, args, out } of FIXTURE.sequence) {
    const got = call === "randint"
      ? rs.randint(args[0], args[1], args[2])
      : call === "choice"
      ? rs.choice(args[0], args[1])
      : rs.randomSample(args[0]);
    assertEquals(got, out, `${call}(${args.join(", ")})`);
  }
});

Deno.test("NumpyLegacyRandomState: argument errors", () => {
  const rs = new NumpyLegacyRandomState(0);
  assertThrows(() => rs.randint(5, 5, 1), RangeError, "low >= high");
  assertThrows(() => rs.randint(0, 2 ** 53 + 2, 1), RangeError);
  assertThrows(() => rs.randint(0, 10, -1), RangeError);
  assertThrows(() => rs.choice(0, 1), RangeError, "a must be greater than 0 unless no samples are taken");
  assertEquals(rs.choice(0, 0), []);
  assertThrows(() => rs.choice(-3, 0), RangeError);
  assertThrows(() => rs.randomSample(0.5), RangeError);
});

/** Written by `testdata/numpy_permutation_fixture.py` with numpy 2.4.6 (and scikit-learn 1.6.1 for the splits). */
interface PermutationFixture {
  numpy: string;
  permutation: { seed: number; n: number; k: number; first20: number[]; last20: number[]; sha256: string }[];
}
const PERMUTATION_FIXTURE: PermutationFixture = JSON.parse(
  await Deno.readTextFile(join(TESTDATA, "numpy_permutation.json")),
);

Deno.test(
  `permutation: ${PERMUTATION_FIXTURE.permutation.length} (seed, n) cases equal numpy ${PERMUTATION_FIXTURE.numpy}`,
  () => {
    for (const c of PERMUTATION_FIXTURE.permutation) {
      const what = `RandomState(${c.seed}).permutation(${c.n})`;
      const p = new NumpyLegacyRandomState(c.seed).permutation(c.n);
      assertEquals(p.length, c.k, what);
      assertEquals(p.slice(0, 20), c.first20, what);
      assertEquals(p.slice(-20), c.last20, what);
      assertEquals(sha256(p.join(",")), c.sha256, what);
    }
    const ns = new Set(PERMUTATION_FIXTURE.permutation.filter((c) => c.seed === 23).map((c) => c.n));
    for (const n of [1, 2, 10, 1000, 8323, 15806]) assert(ns.has(n), `n = ${n} is in the fixture`);
  },
);

Deno.test("permutation: pinned doc value, a bijection, n = 0 and 1 draw nothing, bad n throws", () => {
  assertEquals(new NumpyLegacyRandomState(23).permutation(10), [5, 8, 2, 9, 4, 7, 1, 0, 6, 3]);
  const p = new NumpyLegacyRandomState(7).permutation(500);
  assertEquals([...p].sort((a, b) => a - b), Array.from({ length: 500 }, (_, i) => i));
  // n ≤ 1 consumes no output: the next draw is the seed's first
  const rs = new NumpyLegacyRandomState(13);
  assertEquals(rs.permutation(0), []);
  assertEquals(rs.permutation(1), [0]);
  assertEquals(rs.choice(1000, 5), [338, 176, 74, 528, 742]);
  assertThrows(() => rs.permutation(-1), RangeError, "Cannot permute -1 items");
  assertThrows(() => rs.permutation(2.5), RangeError);
  assertThrows(() => rs.permutation(2 ** 32), RangeError);
});

Deno.test("shuffle: in place, same stream as permutation, any element type", () => {
  const words = Array.from({ length: 1000 }, (_, i) => `w${i}`);
  const out = new NumpyLegacyRandomState(23).shuffle(words);
  assert(out === words);
  const perm = new NumpyLegacyRandomState(23).permutation(1000);
  assertEquals(words, perm.map((i) => `w${i}`));
});
