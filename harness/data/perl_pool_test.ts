import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { realDataDir } from "./_testing.ts";
import { readConll } from "./conll_reader.ts";
import {
  PERL_RANDOM_STATE,
  perlFileOrder,
  type PerlInputSentence,
  perlPieces,
  perlPool,
  perlTrainIndices,
} from "./perl_pool.ts";
import { sklearnTrainSubset } from "./sampling.ts";

type Token = [word: string, pos: string, tag: string];

const o = (i: number): Token => [`w${i}`, "NC", "O"];
const allO = (n: number): Token[] => Array.from({ length: n }, (_, i) => o(i));
const sentence = (toks: Token[]): PerlInputSentence => ({
  words: toks.map((t) => t[0]),
  pos: toks.map((t) => t[1]),
  tags: toks.map((t) => t[2]),
});
/** Without the POS column, as `readConll` gives sentences. */
const noPos = (toks: Token[]): PerlInputSentence => ({
  words: toks.map((t) => t[0]),
  tags: toks.map((t) => t[2]),
});

/**
 * Synthetic sentences and the pieces (start, length) the released `scripts/ner_data_preperation.py` made of them:
 * all cases were written as one CoNLL file, run through the released `prepare_ner_data` and read back (numbers
 * below are its output, keys 1 … 25 in this order).
 */
function cases(): { name: string; toks: Token[]; pieces: [number, number][] }[] {
  const entity = allO(130);
  entity[60] = ["Juan", "NP", "B-PER"];
  for (let i = 61; i < 65; i++) entity[i] = [`N${i}`, "NP", "I-PER"];
  const bAt62 = allO(130);
  bAt62[62] = ["Madrid", "NP", "B-LOC"];
  const biAt62 = allO(130);
  biAt62[62] = ["Madrid", "NP", "B-LOC"];
  biAt62[63] = ["Norte", "NP", "I-LOC"];
  const dot = allO(130);
  dot[62] = [".", "Fp", "O"];
  const blocked = allO(130);
  blocked[62] = ["Sr.", "NC", "O"]; // a "." anywhere in the row
  blocked[63] = ["1,5", "Z", "O"]; // rewritten to 1.5 before the check
  blocked[64] = ["PSOE-PSC", "NP", "O"]; // "E-" in the word
  blocked[65] = ["15", "Z", "O"];
  const skipped = allO(64);
  skipped.splice(30, 0, ["=============", "Fz", "O"]);
  const long = Array.from(
    { length: 200 },
    (_, i): Token => [`N${i}`, "NP", i < 70 && i % 2 === 0 ? "B-ORG" : "I-ORG"],
  );
  return [
    { name: "62 tokens are never cut", toks: allO(62), pieces: [[0, 62]] },
    { name: "63 tokens: the 63rd starts a piece", toks: allO(63), pieces: [[0, 62], [62, 1]] },
    { name: "130 O tokens: the rest is cut again", toks: allO(130), pieces: [[0, 62], [62, 62], [124, 6]] },
    { name: "an entity across the cut point", toks: entity, pieces: [[0, 65], [65, 62], [127, 3]] },
    { name: "B- at the cut point may start a piece", toks: bAt62, pieces: [[0, 62], [62, 62], [124, 6]] },
    { name: "B- I- at the cut point", toks: biAt62, pieces: [[0, 62], [62, 62], [124, 6]] },
    { name: "a . at the cut point", toks: dot, pieces: [[0, 63], [63, 62], [125, 5]] },
    { name: "Sr., 1,5 and PSOE-PSC block", toks: blocked, pieces: [[0, 65], [65, 62], [127, 3]] },
    { name: "a ===== row is skipped and not counted", toks: skipped, pieces: [[0, 62], [63, 2]] },
    { name: "an entity with no allowed token stays whole", toks: long, pieces: [[0, 62], [62, 138]] },
  ];
}

Deno.test("perlPieces: cut points and keys equal the released prepare_ner_data on synthetic sentences", () => {
  const cs = cases();
  for (const withPos of [true, false]) {
    const pieces = perlPieces(cs.map((c) => (withPos ? sentence(c.toks) : noPos(c.toks))));
    assertEquals(pieces.map((p) => p.number), Array.from({ length: 25 }, (_, i) => i + 1));
    assertEquals(pieces.map((p) => p.key), pieces.map((p) => `Sentence: ${p.number}`));
    cs.forEach((c, si) => {
      const mine = pieces.filter((p) => p.sentence === si);
      assertEquals(mine.map((p) => [p.start, p.words.length]), c.pieces, c.name);
      for (const p of mine) {
        const kept = c.toks.slice(p.start).filter((t) => !t[0].startsWith("=====")).slice(0, p.words.length);
        assertEquals(p.words, kept.map((t) => t[0]), c.name);
        assertEquals(p.tags, kept.map((t) => t[2]), c.name);
      }
    });
  }
});

Deno.test("perlPieces: a cut never separates an entity's tokens (IOB2 I- never starts a piece)", () => {
  for (const p of perlPieces(cases().map((c) => sentence(c.toks)))) {
    assert(!p.tags[0].startsWith("I-"), p.key);
  }
});

Deno.test("perlPieces: DOCSTART rows are dropped; a DOCSTART-only sentence gets no key; lengths must agree", () => {
  const pieces = perlPieces([
    { words: ["-DOCSTART-"], tags: ["O"], pos: ["-DOCSTART-"] },
    noPos([["-DOCSTART-", "", "O"], o(1), o(2)]),
  ]);
  assertEquals(pieces.map((p) => [p.key, p.sentence, p.start, p.words]), [["Sentence: 1", 1, 1, [
    "w1",
    "w2",
  ]]]);
  assertEquals(perlPieces([]), []);
  assertThrows(() => perlPieces([{ words: ["a", "b"], tags: ["O"] }]), RangeError, "2 words but 1 tags");
  assertThrows(() => perlPieces([{ words: ["a"], tags: ["O"], pos: [] }]), RangeError, "and 0 POS tags");
});

Deno.test("perlFileOrder: keys in lexicographic order (Sentence: 1, 10, 100, 11, …, 2)", () => {
  const ordered = perlFileOrder(Array.from({ length: 100 }, (_, i) => noPos([o(i)])));
  const keys = ordered.map((p) => p.key);
  assertEquals(keys.slice(0, 5), [
    "Sentence: 1",
    "Sentence: 10",
    "Sentence: 100",
    "Sentence: 11",
    "Sentence: 12",
  ]);
  assertEquals(
    keys.filter((k) => ["1", "2", "10", "11", "100"].includes(k.slice(10))),
    ["Sentence: 1", "Sentence: 10", "Sentence: 100", "Sentence: 11", "Sentence: 2"],
  );
  assertEquals(keys.indexOf("Sentence: 2"), keys.indexOf("Sentence: 19") + 1);
  assertEquals(keys.at(-1), "Sentence: 99");
  assertEquals(ordered[2].words, ["w99"]); // the piece keyed 100 is the 100th sentence
  // pieces of one long sentence are keyed in file order, then sorted with the rest
  const mixed = perlFileOrder([...Array.from({ length: 9 }, (_, i) => noPos([o(i)])), noPos(allO(130))]);
  assertEquals(mixed.map((p) => p.number), [1, 10, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("perlPool: train pieces in key order, then dev pieces keyed from 1 again", () => {
  const train = Array.from({ length: 11 }, (_, i) => noPos([[`t${i}`, "", "O"]]));
  const dev = [noPos(allO(63)), noPos([["d", "", "B-PER"]])];
  const pool = perlPool(train, dev);
  assertEquals(
    pool.map((p) => `${p.split}:${p.number}`),
    ["1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"].map((n) => `train:${n}`).concat(
      ["dev:1", "dev:2", "dev:3"],
    ),
  );
  assertEquals(pool.at(-1)!.words, ["d"]);
});

Deno.test("perlTrainIndices: the whole pool in order at rate 1, else train_test_split(random_state=23)", () => {
  assertEquals(PERL_RANDOM_STATE, 23);
  assertEquals(perlTrainIndices(5, 1), [0, 1, 2, 3, 4]);
  assertEquals(perlTrainIndices(10675, 0.1), sklearnTrainSubset(10675, 0.1, 23));
  assertEquals(perlTrainIndices(10675, 0.1).length, 1067);
  assertEquals(perlTrainIndices(10, 0.5), [7, 1, 0, 6, 3]);
  assertThrows(() => perlTrainIndices(0, 1), RangeError, "Cannot take a pool of 0 sentences");
  assertThrows(() => perlTrainIndices(10, 0), RangeError);
  assertThrows(() => perlTrainIndices(10, 1.5), RangeError);
});

/**
 * CoNLL-2002 (NLTK copy): number of pieces, longest piece, and sha256 of `number:length` (input tokens) of every
 * piece in key order, joined by ",", from the released `prepare_ner_data` (keys recorded as it wrote them).
 */
const RELEASED = {
  "esp.train": [8705, 68, "c1cf49cdcb13bc0a8e85181aef8491a7908af1bbd743645f40149a6d076f7ab5"],
  "esp.testa": [1970, 64, "550049691bde54b4fce34d900821d9c768c2c8f9c7184cef885cdd9d79e86e92"],
  "ned.train": [15885, 63, "41a2de79e2d8d7c7b1ff634da2725329d8aea98303a08c9c60aac90049cfd473"],
  "ned.testa": [2899, 62, "f1d2908f9e29580c0303a8cff63dd5d71421228998e110a06159e07387c337f3"],
} as const;

const dataDir = realDataDir();
const conll2002 = dataDir === undefined ? undefined : join(dataDir, "conll2002");

Deno.test({
  name: "perlFileOrder: CoNLL-2002 es/nl pieces equal the released preprocessing's (real data)",
  ignore: conll2002 === undefined || !existsSync(join(conll2002, "esp.train")),
  fn: async () => {
    const read = async (file: string) =>
      readConll(await Deno.readTextFile(join(conll2002!, file)), { format: "conll2002", file }).sentences;
    for (const [file, [n, longest, sha]] of Object.entries(RELEASED)) {
      const pieces = perlFileOrder(await read(file));
      assertEquals(pieces.length, n, file);
      assertEquals(Math.max(...pieces.map((p) => p.words.length)), longest, file);
      const digest = createHash("sha256").update(
        pieces.map((p) => `${p.number}:${p.words.length}`).join(","),
      );
      assertEquals(digest.digest("hex"), sha, file);
    }
    assertEquals(perlPool(await read("esp.train"), await read("esp.testa")).length, 10675);
  },
});
