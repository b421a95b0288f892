import assert from "node:assert/strict";
import type { LookupPolicy, Sentence, WordEmbeddings } from "./types.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
  lookupKey,
  makeBatches,
  MAX_WORD_CHARS,
  PAD,
  UNK,
  Vocabulary,
} from "./vocab.ts";

const policy: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };
const raw: LookupPolicy = { lowercase: false, digitsToZero: false, unk: "zero" };

const sent = (text: string, tags: string): Sentence => ({ words: text.split(" "), tags: tags.split(" ") });

const train = [sent("Peter lives in Paris", "S-PER O O S-LOC"), sent("In 1996 Paris", "O O S-LOC")];
const test = [sent("Anna visits Rome", "S-PER O S-LOC"), sent("x", "B-MISC")];

function embeddings(words: string[], dim = 2): WordEmbeddings {
  const vectors = new Float32Array(words.length * dim).map((_, i) => i + 1);
  return { name: "toy", dim, words, index: new Map(words.map((w, i) => [w, i])), vectors, source: "test" };
}

Deno.test("lookupKey applies lower-casing and digit folding", () => {
  assert.equal(lookupKey("Paris1996", policy), "paris0000");
  assert.equal(lookupKey("Paris1996", raw), "Paris1996");
});

Deno.test("Vocabulary: PAD/UNK for words and chars, sorted tags without specials", () => {
  const words = Vocabulary.build("word", ["b", "a", "b"]);
  assert.deepEqual(words.tokens, ["<pad>", "<unk>", "b", "a"]);
  assert.equal(words.id("zzz"), UNK);
  assert.equal(words.token(PAD), "<pad>");
  assert.deepEqual(Vocabulary.build("word", ["b", "a", "b"], 2).tokens, ["<pad>", "<unk>", "b"]);
  const tags = buildTagVocabulary([...train, ...test]);
  assert.deepEqual(tags.tokens, ["B-MISC", "O", "S-LOC", "S-PER"]);
  assert.throws(() => tags.id("I-ORG"), /Unknown tag "I-ORG"/);
  assert.throws(() => words.token(99), /outside this word vocabulary/);
});

Deno.test("buildWordVocabulary: with a table keeps only known keys and reports coverage", () => {
  const emb = embeddings(["peter", "in", "paris", "0000", "rome"]);
  const { vocab, info } = buildWordVocabulary([...train, ...test], policy, emb);
  assert.deepEqual(vocab.tokens, ["<pad>", "<unk>", "peter", "in", "paris", "0000", "rome"]);
  assert.equal(info.size, 7);
  assert.equal(info.embeddings, "toy");
  // 11 tokens: peter lives in paris in 1996 paris anna visits rome x → 7 found
  assert.equal(info.tokenCoverage, 7 / 11);
  assert.equal(info.typeCoverage, 5 / 9);
  const noTable = buildWordVocabulary(train, policy);
  assert.deepEqual(noTable.vocab.tokens, ["<pad>", "<unk>", "peter", "lives", "in", "paris", "0000"]);
  assert.equal(noTable.info.tokenCoverage, undefined);
});

Deno.test("encodeBatch pads words, chars, tags and mask", () => {
  const { vocab: words } = buildWordVocabulary(train, policy);
  const chars = buildCharVocabulary(train);
  const tags = buildTagVocabulary([...train, ...test]);
  const b = encodeBatch([train[1], test[0]], words, chars, tags, policy);
  assert.equal(b.batchSize, 2);
  assert.equal(b.maxLength, 3);
  assert.equal(b.maxWordLength, 6); // "visits"
  assert.deepEqual(b.lengths, [3, 3]);
  assert.equal(b.tokens, 6);
  assert.deepEqual(Array.from(b.words), [words.id("in"), words.id("0000"), words.id("paris"), UNK, UNK, UNK]);
  assert.deepEqual(Array.from(b.tags), ["O", "O", "S-LOC", "S-PER", "O", "S-LOC"].map((t) => tags.id(t)));
  // "In" → I n PAD PAD PAD PAD; "Anna" → A is unseen in training chars → UNK
  assert.deepEqual(Array.from(b.chars.subarray(0, 6)), [chars.id("I"), chars.id("n"), 0, 0, 0, 0]);
  assert.equal(b.chars[3 * 6], UNK);
  assert.deepEqual(Array.from(b.charLengths), [2, 4, 5, 4, 6, 4]);
  const c = encodeBatch([train[0], test[1]], words, chars, tags, policy);
  assert.deepEqual(Array.from(c.mask), [1, 1, 1, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(c.words.subarray(4)), [UNK, PAD, PAD, PAD]);
  assert.throws(() => encodeBatch([], words, chars, tags, policy), /empty batch/);
  assert.throws(() => encodeBatch([{ words: [], tags: [] }], words, chars, tags, policy), /empty sentence/);
});

Deno.test("encodeBatch caps characters per word", () => {
  const long = "x".repeat(MAX_WORD_CHARS + 7);
  const chars = buildCharVocabulary([{ words: [long], tags: ["O"] }]);
  const words = Vocabulary.build("word", []);
  const b = encodeBatch([{ words: [long, "x"], tags: ["O", "O"] }], words, chars, undefined, raw);
  assert.equal(b.maxWordLength, MAX_WORD_CHARS);
  assert.equal(b.chars.length, 2 * MAX_WORD_CHARS);
  assert.deepEqual(Array.from(b.tags), [0, 0]);
  assert.deepEqual(Array.from(b.charLengths), [MAX_WORD_CHARS, 1]);
});

Deno.test("makeBatches keeps order, or buckets by length when asked (deterministically)", () => {
  const lengths = [5, 1, 4, 2, 3];
  assert.deepEqual(makeBatches([0, 1, 2, 3, 4], 2), [[0, 1], [2, 3], [4]]);
  const bucketed = makeBatches([0, 1, 2, 3, 4], 2, (i) => lengths[i], true);
  assert.deepEqual(bucketed, [[1, 3], [4, 2], [0]]);
  assert.deepEqual(makeBatches([0, 1, 2, 3, 4], 2, (i) => lengths[i], true), bucketed);
  assert.throws(() => makeBatches([0], 0), /Batch size/);
});
