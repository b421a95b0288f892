import { deepStrictEqual, throws } from "node:assert/strict";
import { SCORERS } from "../../harness/metrics/scorers.ts";
import { strictIobesF1, strictIobesSpans } from "./scorer.ts";
import "../datnet/scorer.ts";

const prf = (precision: number, recall: number) => ({
  precision,
  recall,
  f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0,
});

Deno.test("datnet-iobes: conlleval on raw IOBES merges adjacent same-type entities", () => {
  // Gold entities PER 0-1 and PER 2; predicted PER 0-1 and PER 2-3. Clean scoring: 1 of 2 correct (50/50/50).
  const gold = [["B-PER", "E-PER", "S-PER", "O"]];
  const predicted = [["B-PER", "E-PER", "B-PER", "E-PER"]];
  deepStrictEqual(strictIobesF1(gold, predicted), prf(50, 50));
  deepStrictEqual(
    SCORERS.conlleval.score([["B-PER", "I-PER", "B-PER", "O"]], [["B-PER", "I-PER", "B-PER", "I-PER"]]),
    {
      ...prf(50, 50),
    },
  );
  // conlleval knows no S- and no E→B start: gold is one chunk 0-2, predicted one chunk 0-3, none correct.
  deepStrictEqual(SCORERS["datnet-iobes"].score(gold, predicted), prf(0, 0));
  // The design's example: 6 tokens, 2 phrases, all correct.
  const tags = ["B-PER", "E-PER", "B-PER", "E-PER", "S-LOC", "S-LOC"];
  deepStrictEqual(SCORERS["datnet-iobes"].score([tags], [tags]), prf(100, 100));
});

Deno.test("datnet-iobes counts an unclosed predicted B- I- run as a wrong chunk; strict IOBES drops it", () => {
  const gold = [["B-PER", "I-PER", "E-PER", "O", "S-LOC"]];
  const predicted = [["B-PER", "I-PER", "O", "O", "S-LOC"]];
  // conlleval: gold PER 0-2, LOC 4; predicted PER 0-1 (wrong), LOC 4 (right).
  deepStrictEqual(SCORERS["datnet-iobes"].score(gold, predicted), prf(50, 50));
  // Strict: predicted PER run is never closed by E-PER, so it is not an entity: 1 of 1 predicted, 1 of 2 gold.
  deepStrictEqual(SCORERS["yang2017-strict-iobes"].score(gold, predicted), {
    precision: 100,
    recall: 50,
    f1: 100 * (2 * 1 * 0.5 / 1.5),
  });
});

Deno.test("strictIobesSpans keeps S-X and closed B-X I-X… E-X runs only", () => {
  deepStrictEqual(strictIobesSpans(["B-PER", "I-PER", "I-PER", "E-PER", "S-LOC", "O"]), [
    { start: 0, end: 4, type: "PER" },
    { start: 4, end: 5, type: "LOC" },
  ]);
  // Stray I-/E-, a run broken by another type, a run broken by a new B-.
  deepStrictEqual(strictIobesSpans(["I-PER", "E-PER", "B-LOC", "E-PER", "S-ORG"]), [{
    start: 4,
    end: 5,
    type: "ORG",
  }]);
  deepStrictEqual(strictIobesSpans(["B-PER", "B-PER", "E-PER"]), [{ start: 1, end: 3, type: "PER" }]);
  deepStrictEqual(strictIobesSpans(["B-PER", "I-PER"]), []);
  deepStrictEqual(strictIobesSpans(["B-MISC", "E-MISC", "E-MISC"]), [{ start: 0, end: 2, type: "MISC" }]);
  deepStrictEqual(strictIobesSpans([]), []);
});

Deno.test("yang2017-strict-iobes: exact matches over sentences, ill-formed predictions are not false positives", () => {
  const gold = [["B-PER", "E-PER", "B-LOC", "E-LOC", "S-ORG"], ["S-PER", "O"]];
  const predicted = [["I-PER", "E-PER", "B-LOC", "E-PER", "S-ORG"], ["B-PER", "E-PER"]];
  // Gold: PER 0-2, LOC 2-4, ORG 4; PER 0. Predicted: ORG 4; PER 0-2 (wrong extent). 1 correct of 2, of 4 gold.
  deepStrictEqual(SCORERS["yang2017-strict-iobes"].score(gold, predicted), {
    precision: 50,
    recall: 25,
    f1: 100 * (2 * 0.5 * 0.25 / 0.75),
  });
  deepStrictEqual(strictIobesF1([["O"]], [["B-PER"]]), { precision: 0, recall: 0, f1: 0 });
  throws(() => strictIobesF1([["O", "O"]], [["O"]]), /sentence 0 has 2 gold tags but 1 predicted/);
});
