import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  PERL2020_IOBES_PADDED,
  perl2020Counts,
  perl2020Entities,
  perl2020F1,
  perl2020Pad,
  perl2020PRF,
} from "./perl2020_f1.ts";
import { SCORERS } from "./scorers.ts";

const ZERO = { precision: 0, recall: 0, f1: 0 };
/** P, R in percent and F1 as f1_test.py computes it (2 / (1/P + 1/R)), for hand-worked counts. */
const prf = (tp: number, fp: number, fn: number) => perl2020PRF({ tp, fp, fn, badSentences: 0 });
const conllevalClean = SCORERS["conlleval-iobes-as-iob2"].score;
const near = (actual: number, expected: number) =>
  ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
const row = (n: number, fill = "O") => new Array<string>(n).fill(fill);

Deno.test("perl2020Entities: O does not close an open B (B O E is one entity over positions 0 and 2)", () => {
  deepStrictEqual(perl2020Entities(["B-PER", "O", "E-PER"]), [{
    tags: ["B-PER", "E-PER"],
    positions: [0, 2],
  }]);
  deepStrictEqual(perl2020Entities(["B-PER", "O", "I-PER", "O", "E-PER"]), [
    { tags: ["B-PER", "I-PER", "E-PER"], positions: [0, 2, 4] },
  ]);
  // The O positions are not part of the entity, so B O E and B I E are different entities.
  deepStrictEqual(perl2020F1([["B-PER", "O", "E-PER"]], [["B-PER", "I-PER", "E-PER"]]), ZERO);
  deepStrictEqual(perl2020F1([["B-PER", "O", "E-PER"]], [["B-PER", "O", "E-PER"]]), prf(1, 0, 0));
});

Deno.test("perl2020Entities: S is a one-token entity and drops an entity still open", () => {
  deepStrictEqual(perl2020Entities(["S-LOC", "B-PER", "S-ORG", "E-PER"]), [
    { tags: ["S-LOC"], positions: [0] },
    { tags: ["S-ORG"], positions: [2] },
  ]);
});

Deno.test("perl2020Entities: an entity never closed by E is dropped (at the end, or cut by a new B)", () => {
  deepStrictEqual(perl2020Entities(["O", "B-PER", "I-PER"]), []);
  deepStrictEqual(perl2020Entities(["B-PER", "B-PER", "E-PER"]), [{
    tags: ["B-PER", "E-PER"],
    positions: [1, 2],
  }]);
  // Gold padding is O, which does not close it either.
  deepStrictEqual(perl2020Entities(perl2020Pad(["B-PER", "I-PER"])), []);
});

Deno.test("perl2020Entities: stray I and E (no open B) are skipped; IOB1-style I-… E- has no entity", () => {
  deepStrictEqual(perl2020Entities(["I-PER", "E-PER", "O", "E-LOC", "S-ORG", "I-ORG", "E-ORG"]), [
    { tags: ["S-ORG"], positions: [4] },
  ]);
});

Deno.test("perl2020Entities: types need not agree between B, I and E; a match needs the exact tags", () => {
  deepStrictEqual(perl2020Entities(["B-PER", "I-LOC", "E-ORG"]), [
    { tags: ["B-PER", "I-LOC", "E-ORG"], positions: [0, 1, 2] },
  ]);
  deepStrictEqual(perl2020Counts([["B-PER", "I-PER", "E-PER"]], [["B-PER", "I-LOC", "E-PER"]]), {
    tp: 0,
    fp: 1,
    fn: 1,
    badSentences: 1,
  });
});

Deno.test("perl2020Entities: END ends the row; other tags are refused; prefixes are substrings", () => {
  deepStrictEqual(perl2020Entities(["S-PER", "B-LOC", "END", "S-LOC"]), [{
    tags: ["S-PER"],
    positions: [0],
  }]);
  throws(() => perl2020Entities(["O", "NN"]), /unknown tag "NN" at position 1/);
  throws(() => perl2020Entities(["o"]), RangeError);
  // `"B-" in tag` in the released code: a tag holding B- anywhere opens an entity.
  deepStrictEqual(perl2020Entities(["X-B-Y", "E-Y"]), [{ tags: ["X-B-Y", "E-Y"], positions: [0, 1] }]);
});

Deno.test("perl2020Pad: keeps the LAST tokens of a long row, pads a short one at the end with O", () => {
  deepStrictEqual(perl2020Pad(["a", "b", "c", "d"], 3), ["b", "c", "d"]);
  deepStrictEqual(perl2020Pad(["S-X"], 3), ["S-X", "O", "O"]);
  deepStrictEqual(perl2020Pad(["S-X"], 2, "END"), ["S-X", "END"]);
  strictEqual(perl2020Pad(["S-X"]).length, 70);
  throws(() => perl2020Pad(["O"], 0), /positive integer/);
  throws(() => perl2020Pad(["O"], 2.5), /positive integer/);
});

Deno.test("padding: a row longer than 70 is scored on its last 70 tokens (conlleval sees them all)", () => {
  const gold = [["S-PER", ...row(73), "S-LOC"]]; // 75 tokens; S-PER at 0 falls in the 5 cut off
  const pred = [[...row(74), "S-LOC"]];
  deepStrictEqual(perl2020F1(gold, pred), prf(1, 0, 0));
  deepStrictEqual(perl2020F1(gold, pred, { paddedLength: null }), prf(1, 0, 1));
  const clean = conllevalClean(gold, pred);
  near(clean.precision, 100);
  near(clean.recall, 50);
});

Deno.test("padding: the model's predictions at the padded positions count (a row over all 70)", () => {
  const gold = [["B-PER", "E-PER"]];
  // An S- in the padding is a false positive.
  deepStrictEqual(perl2020F1(gold, [["B-PER", "E-PER", ...row(67), "S-LOC"]]), prf(1, 1, 0));
  // An E- in the padding closes a B- left open in the sentence: one wrong entity over positions 0, 1, 69.
  deepStrictEqual(perl2020Counts(gold, [["B-PER", "I-PER", ...row(67), "E-PER"]]), {
    tp: 0,
    fp: 1,
    fn: 1,
    badSentences: 1,
  });
  // Predictions over the real tokens only: their padding is O, which changes nothing.
  deepStrictEqual(perl2020F1(gold, [["B-PER", "I-PER"]]), ZERO);
  deepStrictEqual(
    perl2020F1(gold, [["B-PER", "E-PER"]]),
    perl2020F1(gold, [["B-PER", "E-PER"]], { paddedLength: null }),
  );
  // Small padded lengths work the same way.
  deepStrictEqual(perl2020F1([["S-X"]], [["S-X", "O", "S-Y"]], { paddedLength: 3 }), prf(1, 1, 0));
});

Deno.test("perl2020Counts: refuses misaligned input and bad padded lengths", () => {
  throws(() => perl2020F1([["O"]], []), /gold has 1 sentences but predicted has 0/);
  throws(() => perl2020F1([["O", "O"]], [["O"]]), /sentence 0 has 2 gold tags but 1 predicted tags/);
  throws(() => perl2020F1([["O"]], [["O", "O"]], { paddedLength: null }), /sentence 0 has 1 gold tags/);
  throws(() => perl2020F1([["O"]], [["O"]], { paddedLength: 0 }), /positive integer/);
  // Either row may already have the padded length.
  deepStrictEqual(perl2020F1([row(4)], [["S-X"]], { paddedLength: 4 }), ZERO);
});

Deno.test("perl2020F1: all 0 when TP = 0, even with no entity anywhere", () => {
  deepStrictEqual(perl2020F1([["O", "O"]], [["O", "O"]]), ZERO);
  deepStrictEqual(perl2020F1([], []), ZERO);
});

Deno.test("differs from conlleval (IOBES read as IOB2): B O E, unclosed B, stray E", () => {
  // B O E is one entity here; conlleval reads B-PER and E-PER as two one-token chunks, matching gold S O S.
  const gold1 = [["S-PER", "O", "S-PER"]];
  const pred1 = [["B-PER", "O", "E-PER"]];
  deepStrictEqual(perl2020Counts(gold1, pred1), { tp: 0, fp: 1, fn: 2, badSentences: 1 });
  deepStrictEqual(perl2020F1(gold1, pred1), ZERO);
  deepStrictEqual(conllevalClean(gold1, pred1), { precision: 100, recall: 100, f1: 100 });
  // A B-I never closed is no entity here; conlleval reads the chunk B-PER I-PER.
  const gold2 = [["B-PER", "E-PER", "O"]];
  const pred2 = [["B-PER", "I-PER", "O"]];
  deepStrictEqual(perl2020F1(gold2, pred2), ZERO);
  deepStrictEqual(conllevalClean(gold2, pred2), { precision: 100, recall: 100, f1: 100 });
  // A stray E is skipped here; conlleval starts a chunk with it.
  const gold3 = [["S-LOC", "O"]];
  const pred3 = [["E-LOC", "O"]];
  deepStrictEqual(perl2020F1(gold3, pred3), ZERO);
  deepStrictEqual(conllevalClean(gold3, pred3), { precision: 100, recall: 100, f1: 100 });
});

Deno.test("a small multi-sentence corpus, worked out by hand (and against conlleval)", () => {
  const gold = [
    ["B-PER", "I-PER", "E-PER", "O", "S-LOC"],
    ["O", "B-ORG", "E-ORG", "O"],
    ["S-MISC", "O", "B-LOC", "E-LOC"],
    ["O", "O"],
  ];
  const pred = [
    ["B-PER", "I-PER", "E-PER", "O", "S-ORG"], // PER 0-2 right; S-ORG ≠ S-LOC: TP 1, FP 1, FN 1
    ["O", "B-ORG", "O", "E-ORG"], // entity (1, 3) ≠ gold (1, 2): FP 1, FN 1
    ["S-MISC", "O", "B-LOC", "I-LOC"], // S-MISC right; B-LOC I-LOC never closed: TP 1, FN 1
    ["I-PER", "E-PER"], // stray I and E: nothing
  ];
  // TP 2, FP 2, FN 3: P = 2/4, R = 2/5, F1 = 2 / (2 + 2.5) = 4/9.
  deepStrictEqual(perl2020Counts(gold, pred), { tp: 2, fp: 2, fn: 3, badSentences: 3 });
  const got = perl2020F1(gold, pred);
  strictEqual(got.precision, 50);
  strictEqual(got.recall, 40);
  near(got.f1, 400 / 9);
  deepStrictEqual(SCORERS["perl2020-iobes-padded"].score(gold, pred), got);
  // conlleval on IOB2: 7 predicted chunks (ORG 1, ORG 3 in sentence 2; LOC 2-3 in 3; PER 0-1 in 4), 5 gold,
  // 3 correct (PER 0-2, MISC 0, LOC 2-3): P = 3/7, R = 3/5, F1 = 50.
  const clean = conllevalClean(gold, pred);
  near(clean.precision, 300 / 7);
  near(clean.recall, 60);
  near(clean.f1, 50);
});

Deno.test("perl2020-iobes-padded is registered in SCORERS", () => {
  strictEqual(SCORERS["perl2020-iobes-padded"], PERL2020_IOBES_PADDED);
  deepStrictEqual(PERL2020_IOBES_PADDED.metrics, ["precision", "recall", "f1"]);
  ok(PERL2020_IOBES_PADDED.description.includes("utils/f1_test.py"));
});

/**
 * Cases generated by a Python re-implementation of the released utils/f1_test.py (extract_entites + f1_test)
 * with Keras-style padding: [paddedLength | null, [[gold, predicted], ...] (space-separated tags; a predicted
 * row may cover all padded positions), [TP, FP, FN, bad sentences, P, R, F1 (fractions)]].
 */
type Case = [number | null, [string, string][], [number, number, number, number, number, number, number]];

Deno.test("matches a re-implementation of utils/f1_test.py on 200 random corpora", async () => {
  const cases: Case[] = JSON.parse(
    await Deno.readTextFile(new URL("./testdata/perl2020_f1_cases.json", import.meta.url)),
  );
  strictEqual(cases.length, 200);
  for (const [i, [paddedLength, sentences, [tp, fp, fn, bad, p, r, f]]] of cases.entries()) {
    const gold = sentences.map(([g]) => g.split(" "));
    const pred = sentences.map(([, q]) => q.split(" "));
    const msg = `case ${i}`;
    deepStrictEqual(perl2020Counts(gold, pred, { paddedLength }), { tp, fp, fn, badSentences: bad }, msg);
    deepStrictEqual(perl2020F1(gold, pred, { paddedLength }), {
      precision: 100 * p,
      recall: 100 * r,
      f1: 100 * f,
    }, msg);
  }
});
