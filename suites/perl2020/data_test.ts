import assert from "node:assert/strict";
import {
  charVocabulary,
  concatTables,
  encodeBatch,
  MAX_LEN_CHAR,
  type PerlLookup,
  releasedPool,
  restrictTable,
  subsetIndices,
  tableCoverage,
} from "./data.ts";
import { uniqueCharRows } from "./network.ts";
import { perlTrainIndices } from "../../harness/data/perl_pool.ts";
import type { WordEmbeddings } from "../../models/types.ts";

function table(words: string[], dim = 2): WordEmbeddings {
  const vectors = new Float32Array(words.length * dim).map((_, i) => i + 1);
  return { name: "t", dim, words, index: new Map(words.map((w, i) => [w, i])), vectors, source: "test" };
}

Deno.test("restrictTable keeps the used rows (sorted), pad and unknown; a missing special row is an appended zero row", () => {
  const t = restrictTable(table(["the", "pad", "cat", "dog"]), ["dog", "the", "bird"]);
  assert.deepEqual([...t.index.keys()], ["dog", "the", "pad"]);
  assert.equal(t.pad, 2);
  assert.equal(t.unknown, 3, "no 'unknown' in the table: a zero row after the kept ones");
  assert.deepEqual(t.appended, ["unknown"]);
  assert.equal(t.table.rows, 4);
  assert.deepEqual([...t.table.vectors.slice(0, 2)], [7, 8], "row of 'dog' (row 3 of the source table)");
  assert.deepEqual([...t.table.vectors.slice(6, 8)], [0, 0]);
  assert.equal(tableCoverage(t, ["Dog", "bird", "THE", "x"]), 50);
});

Deno.test("concatTables: source rows first, target rows offset by the source's", () => {
  const a = restrictTable(table(["pad", "unknown", "a"]), ["a"]);
  const b = restrictTable(table(["pad", "unknown", "b"]), ["b"]);
  const j = concatTables(a, b);
  assert.equal(j.offset, 3);
  assert.equal(j.table.table.rows, 6);
  assert.deepEqual([...j.table.table.vectors.slice(6, 8)], [...b.table.vectors.slice(0, 2)]);
});

Deno.test("encodeBatch pads at the end, keeps the LAST 70 tokens, takes chars from the FIRST 70 (released create_ner_numpy.py)", () => {
  const t = restrictTable(table(["pad", "unknown", "w0", "w1"]), ["w0", "w1"]);
  const words = Array.from({ length: 72 }, (_, i) => (i === 0 ? "Ab" : i % 2 ? "w1" : "w0"));
  const tags = words.map((_, i) => (i === 71 ? "S-PER" : "O"));
  const short = { words: ["W1", "zz"], tags: ["B-LOC", "E-LOC"], lang: 1 as const };
  const lookup: PerlLookup = {
    tables: [undefined, t],
    chars: charVocabulary([{ words }, short]),
    tags: new Map([["O", 0], ["S-PER", 1], ["B-LOC", 2], ["E-LOC", 3]]),
    padTag: 0,
  };
  const e = encodeBatch([{ words, tags, lang: 1 }, short], lookup, 70);
  assert.deepEqual(e.lengths, [70, 2]);
  // Row 0: tokens 2..71 (the last 70): token 2 is w0, token 71 is w1 with S-PER.
  assert.equal(e.words[0], t.index.get("w0"));
  assert.equal(e.words[69], t.index.get("w1"));
  assert.equal(e.tags[69], 1);
  // Chars of row 0 come from the first 70 tokens: position 0 holds "Ab".
  const ab = [lookup.chars.get("A"), lookup.chars.get("b")];
  assert.deepEqual([...e.chars.slice(0, 2)], ab);
  assert.equal(e.chars[2], 0);
  // Row 1: lower-cased lookup, unknown word, padding rows and O tags after it.
  assert.equal(e.words[70], t.index.get("w1"));
  assert.equal(e.words[71], t.unknown);
  assert.equal(e.words[72], t.pad);
  assert.deepEqual([...e.tags.slice(70, 73)], [2, 3, 0]);
  assert.equal(e.chars.length, 2 * 70 * MAX_LEN_CHAR);
  assert.throws(
    () => encodeBatch([{ words: ["a"], tags: ["B-X"], lang: 1 }], lookup, 70),
    /Tag "B-X" is not in the tag vocabulary/,
  );
  assert.throws(() => encodeBatch([{ words: ["a"], tags: ["O"], lang: 0 }], lookup, 70), /No word table/);
});

Deno.test("subsetIndices: released split = train_test_split(random_state=23); one-shot = the permutation read from its end", () => {
  assert.deepEqual(subsetIndices(10, { kind: "rate", rate: 0.5 }, "released-split", 1, () => true), [
    7,
    1,
    0,
    6,
    3,
  ]);
  assert.deepEqual(
    subsetIndices(10, { kind: "rate", rate: 0.5 }, "released-split", 2, () => true),
    perlTrainIndices(10, 0.5),
    "the same for every seed",
  );
  // numpy: RandomState(23).permutation(10) = [5, 8, 2, 9, 4, 7, 1, 0, 6, 3]; from the end 3, 6, …
  assert.deepEqual(subsetIndices(10, { kind: "one-shot" }, "released-split", 1, () => true), [3]);
  assert.deepEqual(subsetIndices(10, { kind: "one-shot" }, "released-split", 1, (i) => i !== 3), [6]);
  assert.deepEqual(subsetIndices(10, { kind: "zero-shot" }, "released-split", 1, () => true), []);
  assert.deepEqual(subsetIndices(10, { kind: "rate", rate: 1 }, "released-split", 1, () => true).length, 10);
  const seeded = subsetIndices(1000, { kind: "rate", rate: 0.01 }, "seeded", 5, () => true);
  assert.equal(seeded.length, 10);
  assert.notDeepEqual(seeded, subsetIndices(1000, { kind: "rate", rate: 0.01 }, "seeded", 6, () => true));
  const one = subsetIndices(50, { kind: "one-shot" }, "seeded", 3, (i) => i % 7 === 0);
  assert.equal(one.length, 1);
  assert.equal(one[0] % 7, 0);
  assert.throws(
    () => subsetIndices(5, { kind: "one-shot" }, "released-split", 1, () => false),
    /has an entity/,
  );
  assert.throws(
    () => subsetIndices(5, { kind: "rate", rate: 0 }, "released-split", 1, () => true),
    /outside/,
  );
});

Deno.test("releasedPool: pieces in key order (train then dev) converted to the training scheme; POS pools are whole", () => {
  const s = (n: number, tag = "O") => ({
    words: Array.from({ length: n }, (_, i) => `w${i}`),
    tags: Array(n).fill(tag),
  });
  const train = Array.from({ length: 11 }, (_, i) => s(i + 1));
  const pool = releasedPool(train, [s(2, "B-PER")], true, (t) => t.map((x) => x.replace("B-", "S-")));
  assert.equal(pool.length, 12);
  assert.equal(pool[1].words.length, 10, "'Sentence: 10' sorts second");
  assert.deepEqual(pool[11].tags, ["S-PER", "S-PER"]);
  const whole = releasedPool([s(80)], [s(3)], false, (t) => [...t]);
  assert.deepEqual(whole.map((x) => x.words.length), [80, 3]);
});

Deno.test("uniqueCharRows: distinct rows in first-seen order and the inverse index", () => {
  const x = Int32Array.from([1, 2, 0, 0, 1, 2, 3, 4, 0, 0]);
  const { unique, inverse } = uniqueCharRows(x, 5, 2);
  assert.deepEqual([...unique], [1, 2, 0, 0, 3, 4]);
  assert.deepEqual([...inverse], [0, 1, 0, 2, 1]);
});
