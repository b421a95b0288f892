import assert from "node:assert/strict";
import seedrandom from "seedrandom";
import type { WordEmbeddings } from "../../models/types.ts";
import {
  alignByIdenticalStrings,
  applyMap,
  type DenseRows,
  identicalStringsDictionary,
  isHeldOut,
  precisionAt1,
  prepareSpace,
  procrustes,
} from "./procrustes.ts";

/** Standard normal samples from a seeded generator (Box–Muller). */
function gaussian(rng: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  }
  return out;
}

/** A random orthogonal [d, d] matrix: Gram–Schmidt on the rows of a Gaussian matrix. */
function randomRotation(rng: () => number, d: number): Float64Array {
  const q = gaussian(rng, d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[i * d + j] * q[k * d + j];
      for (let j = 0; j < d; j++) q[i * d + j] -= dot * q[k * d + j];
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += q[i * d + j] ** 2;
    for (let j = 0; j < d; j++) q[i * d + j] /= Math.sqrt(s);
  }
  return q;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** WᵀW − I, largest absolute entry. */
function orthogonalityError(w: Float64Array, d: number): number {
  let m = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += w[k * d + i] * w[k * d + j];
      m = Math.max(m, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return m;
}

function table(name: string, words: string[], vectors: Float32Array, dim: number): WordEmbeddings {
  return { name, dim, words, index: new Map(words.map((w, i) => [w, i])), vectors, source: "test" };
}

Deno.test("procrustes recovers a known random rotation from noiseless and noisy pairs", () => {
  const rng = seedrandom("procrustes");
  for (const d of [5, 20, 64]) {
    const n = 2000;
    const q = randomRotation(rng, d);
    assert.ok(orthogonalityError(q, d) < 1e-12);
    const x: DenseRows = { rows: n, cols: d, data: gaussian(rng, n * d) };
    const y: DenseRows = { rows: n, cols: d, data: applyMap(x, q) };
    const w = procrustes(x, y);
    assert.ok(maxAbsDiff(w, q) < 1e-4, `noiseless d=${d}: |W − Q| = ${maxAbsDiff(w, q)}`);
    assert.ok(orthogonalityError(w, d) < 1e-10);

    const noise = gaussian(rng, n * d);
    const noisy = Float64Array.from(y.data, (v, i) => v + 1e-3 * noise[i]);
    const wn = procrustes(x, { rows: n, cols: d, data: noisy });
    assert.ok(maxAbsDiff(wn, q) < 1e-4, `noisy d=${d}: |W − Q| = ${maxAbsDiff(wn, q)}`);
    assert.ok(orthogonalityError(wn, d) < 1e-10);
  }
});

Deno.test("procrustes: fewer pairs than dimensions still gives an orthogonal map that fits them", () => {
  const rng = seedrandom("few");
  const d = 12, n = 5;
  const q = randomRotation(rng, d);
  const x: DenseRows = { rows: n, cols: d, data: gaussian(rng, n * d) };
  const y: DenseRows = { rows: n, cols: d, data: applyMap(x, q) };
  const w = procrustes(x, y);
  assert.ok(orthogonalityError(w, d) < 1e-10);
  assert.ok(maxAbsDiff(applyMap(x, w), y.data) < 1e-4);
});

Deno.test("procrustes: mismatched or malformed shapes throw one plain sentence", () => {
  const x: DenseRows = { rows: 3, cols: 4, data: new Float32Array(12) };
  assert.throws(
    () => procrustes(x, { rows: 3, cols: 5, data: new Float32Array(15) }),
    { name: "RangeError", message: "Procrustes: X is [3, 4] but Y is [3, 5], expected the same shape" },
  );
  assert.throws(() => procrustes(x, { rows: 2, cols: 4, data: new Float32Array(8) }), /X is \[3, 4\] but Y/);
  assert.throws(() => procrustes(x, { rows: 3, cols: 4, data: new Float32Array(11) }), /Y holds 11 values/);
  assert.throws(
    () =>
      procrustes({ rows: 0, cols: 4, data: new Float32Array(0) }, {
        rows: 0,
        cols: 4,
        data: new Float32Array(0),
      }),
    /no dictionary pairs/,
  );
  assert.throws(() => applyMap(x, new Float64Array(9)), /W holds 9 values, expected 4 × 4/);
  const a = table("a", ["x"], new Float32Array(4), 4), b = table("b", ["x"], new Float32Array(3), 3);
  assert.throws(() => alignByIdenticalStrings(a, b), /a has dimension 4 but target b has 3/);
});

Deno.test("identical strings: shared words in the first maxRank rows, a hash split that depends on the word alone", () => {
  const src = ["</s>", "de", "la", "linux", "que", "calc", "en", "2", "madrid", "x11"];
  const tgt = ["the", "linux", "of", "en", "2", "calc", "x11", "madrid", "de", "</s>"];
  const s = table("es", src, new Float32Array(src.length * 2), 2);
  const t = table("en", tgt, new Float32Array(tgt.length * 2), 2);
  const all = identicalStringsDictionary(s, t, { heldOutFraction: 0 });
  assert.deepStrictEqual(
    all.train,
    ["de", "linux", "calc", "en", "2", "madrid", "x11"],
    "source order, no </s>",
  );
  assert.deepStrictEqual(all.heldOut, []);
  const capped = identicalStringsDictionary(s, t, { maxRank: 6, heldOutFraction: 0 });
  assert.deepStrictEqual(capped.train, ["linux", "calc"], "both ranks below maxRank");

  // The split is a function of the word: the same for any table, any order, and stable across versions.
  const half = identicalStringsDictionary(s, t, { heldOutFraction: 0.5 });
  assert.deepStrictEqual([...half.train, ...half.heldOut].sort(), [...all.train].sort());
  for (const w of half.heldOut) assert.ok(isHeldOut(w, 0.5));
  for (const w of half.train) assert.ok(!isHeldOut(w, 0.5));
  const reversed = table("es2", [...src].reverse(), new Float32Array(src.length * 2), 2);
  assert.deepStrictEqual(
    identicalStringsDictionary(reversed, t, { heldOutFraction: 0.5 }).heldOut.sort(),
    [...half.heldOut].sort(),
  );
  // sha256("linux") starts 0xcaf9… (0.793) and sha256("de") 0x959a… (0.584): pinned so that a change of hash shows.
  assert.deepStrictEqual([isHeldOut("linux", 0.8), isHeldOut("linux", 0.79), isHeldOut("de", 0.59)], [
    true,
    false,
    true,
  ]);
  const words = Array.from({ length: 4000 }, (_, i) => `w${i}`);
  const frac = words.filter((w) => isHeldOut(w, 0.2)).length / words.length;
  assert.ok(Math.abs(frac - 0.2) < 0.03, `held-out fraction ${frac}`);
  assert.throws(() => identicalStringsDictionary(s, t, { heldOutFraction: 1 }), /expected \[0, 1\)/);
});

Deno.test("alignByIdenticalStrings: a rotated copy is aligned back with precision@1 = 1", () => {
  const rng = seedrandom("copy");
  const d = 16, n = 600;
  const words = Array.from({ length: n }, (_, i) => `w${i}`);
  const en = Float32Array.from(gaussian(rng, n * d));
  const q = randomRotation(rng, d);
  // Source = English rotated by Qᵀ and rescaled per word (unit-length scaling must not matter), so W = Q.
  const qt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) qt[i * d + j] = q[j * d + i];
  const es = applyMap({ rows: n, cols: d, data: en }, qt).map((v, i) => v * (1 + (Math.floor(i / d) % 3)));
  const a = alignByIdenticalStrings(table("es", words, es, d), table("en", words, en, d));
  assert.equal(a.dictionary.train.length + a.dictionary.heldOut.length, n);
  assert.ok(a.dictionary.heldOut.length > 80);
  assert.ok(maxAbsDiff(a.w, q) < 1e-4);
  assert.deepStrictEqual([a.heldOut.precision, a.heldOut.hits, a.heldOut.queries], [
    1,
    a.dictionary.heldOut.length,
    a.dictionary.heldOut.length,
  ]);
  // Without the map, retrieval fails; a searched vocabulary that leaves the gold word out counts a miss.
  const identity = new Float64Array(d * d).map((_, i) => (i % (d + 1) === 0 ? 1 : 0));
  const none = precisionAt1(
    table("es", words, es, d),
    table("en", words, en, d),
    identity,
    a.dictionary.heldOut,
  );
  assert.ok(none.precision < 0.2, `unmapped precision ${none.precision}`);
  const capped = precisionAt1(table("es", words, es, d), table("en", words, en, d), a.w, ["w0", "w599"], {
    searchRank: 100,
  });
  assert.deepStrictEqual([capped.hits, capped.queries, capped.searchRank], [1, 2, 100]);
});

Deno.test("prepareSpace: unit rows; centring removes the shared direction, computed without </s>", () => {
  // Two words sharing a large common component (+10 on axis 0), and </s> far away.
  const t = table("t", ["</s>", "a", "b"], Float32Array.from([0, -100, 10, 1, 10, -1]), 2);
  const plain = prepareSpace(t, { center: false });
  assert.deepStrictEqual(Array.from(plain.vectors.subarray(0, 2)), [0, -1]);
  const cos = (v: Float32Array) => v[2] * v[4] + v[3] * v[5];
  assert.ok(cos(plain.vectors) > 0.97, "a and b look alike before centring");
  const c = prepareSpace(t);
  assert.ok(Math.abs(cos(c.vectors) + 1) < 1e-6, "opposite after centring on their mean");
  for (let r = 0; r < 3; r++) {
    assert.ok(Math.abs(Math.hypot(c.vectors[2 * r], c.vectors[2 * r + 1]) - 1) < 1e-6);
  }
  assert.equal(c.words, t.words);
  assert.deepStrictEqual(t.vectors[1], -100, "the input is not changed");
});
