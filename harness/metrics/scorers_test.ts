import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { namedScores, registerScorer, SCORERS } from "./scorers.ts";

const prf = (precision: number, recall: number) => ({
  precision,
  recall,
  f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0,
});

Deno.test("SCORERS are registered under their own ids", () => {
  for (const [key, scorer] of Object.entries(SCORERS)) strictEqual(scorer.id, key);
  deepStrictEqual(Object.keys(SCORERS).sort(), [
    "accuracy",
    "conlleval",
    "conlleval-iobes-as-iob2",
    "perl2020-iobes-padded",
  ]);
});

Deno.test("namedScores: chunk scorers give precision/recall/f1, accuracy gives accuracy only", () => {
  deepStrictEqual(namedScores("conlleval", { precision: 1, recall: 2, f1: 3 }), {
    precision: 1,
    recall: 2,
    f1: 3,
  });
  deepStrictEqual(namedScores("accuracy", { precision: 90, recall: 90, f1: 90 }), { accuracy: 90 });
  throws(() => namedScores("bleu", { precision: 1, recall: 1, f1: 1 }), /Unknown scorer "bleu"/);
});

Deno.test("conlleval-iobes-as-iob2: IOBES converted to IOB2 before conlleval (S-/E- never reach it)", () => {
  const gold = [["B-PER", "E-PER", "O", "S-LOC"]];
  const pred = [["B-PER", "I-PER", "O", "S-LOC"]];
  deepStrictEqual(SCORERS["conlleval-iobes-as-iob2"].score(gold, pred), prf(100, 100));
});

Deno.test("conlleval scorer: chunk P/R/F1 on IOB2, worked out by hand", () => {
  const gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]];
  const predicted = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "B-ORG"]];
  // Gold: PER 0-1, LOC 3, ORG 0. Predicted: PER 0-1, ORG 3, ORG 0, ORG 1. Correct: PER 0-1, ORG 0.
  deepStrictEqual(SCORERS.conlleval.score(gold, predicted), prf(100 * 2 / 4, 100 * 2 / 3));
});

Deno.test("conlleval scorer refuses IOBES tags", () => {
  throws(() => SCORERS.conlleval.score([["S-PER"]], [["B-PER"]]), /gold tag "S-PER" in sentence 0 is IOBES/);
  throws(
    () => SCORERS.conlleval.score([["O"], ["B-PER"]], [["O"], ["E-PER"]]),
    /predicted tag "E-PER" in sentence 1/,
  );
});

Deno.test("accuracy: token accuracy in percent as P = R = F1", () => {
  const a = 200 / 3;
  deepStrictEqual(SCORERS.accuracy.score([["NN", "VB"], ["DT"]], [["NN", "NN"], ["DT"]]), {
    precision: a,
    recall: a,
    f1: a,
  });
});

Deno.test("registerScorer: a suite's variant is found by id; another scorer under a taken id is refused", () => {
  const info = {
    id: "toy-scorer",
    description: "toy",
    score: SCORERS.accuracy.score,
    metrics: ["accuracy"] as const,
  };
  registerScorer(info);
  strictEqual(SCORERS["toy-scorer"], info);
  registerScorer(info);
  throws(() => registerScorer({ ...info }), /Scorer "toy-scorer" is already registered/);
  delete SCORERS["toy-scorer"];
});
