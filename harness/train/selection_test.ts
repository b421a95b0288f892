import assert from "node:assert/strict";
import {
  formatSelectionRule,
  parseSelectionRule,
  Patience,
  SELECTION_RULE_FORMS,
  Selector,
} from "./selection.ts";
import { LoopSpecError } from "./spec_error.ts";

Deno.test("parseSelectionRule: the accepted forms", () => {
  assert.deepEqual(parseSelectionRule("max dev/f1"), {
    kind: "max",
    key: "dev/f1",
    split: "dev",
    metric: "f1",
  });
  assert.deepEqual(parseSelectionRule("max test/f1"), {
    kind: "max",
    key: "test/f1",
    split: "test",
    metric: "f1",
  });
  assert.deepEqual(parseSelectionRule("max test/accuracy"), {
    kind: "max",
    key: "test/accuracy",
    split: "test",
    metric: "accuracy",
  });
  assert.deepEqual(parseSelectionRule("min lm/dev_ppl"), {
    kind: "min",
    key: "lm/dev_ppl",
    split: "lm",
    metric: "dev_ppl",
  });
  assert.equal(parseSelectionRule("min train/loss").kind, "min");
  assert.deepEqual(parseSelectionRule("last"), { kind: "last" });
  assert.deepEqual(parseSelectionRule("  max   dev/f1 "), parseSelectionRule("max dev/f1"));
  for (const s of ["max dev/f1", "min lm/dev_ppl", "last"]) {
    assert.equal(formatSelectionRule(parseSelectionRule(s)), s);
  }
});

Deno.test("parseSelectionRule: errors name the string and the accepted forms", () => {
  for (const s of ["best dev", "max f1", "max dev/", "dev", "max dev/f1/x", "MAX dev/f1", "", "first"]) {
    assert.throws(
      () => parseSelectionRule(s),
      (e: Error) =>
        e instanceof LoopSpecError &&
        e.message === `Invalid selection rule ${JSON.stringify(s)}: expected ${SELECTION_RULE_FORMS}`,
      s,
    );
  }
  assert.match(SELECTION_RULE_FORMS, /"max <split>\/<metric>", "min <split>\/<metric>" or "last"/);
});

Deno.test("Selector: strict improvement, ties keep the first best, min rules, last, NaN", () => {
  const pick = (rule: string, values: number[], key = "dev/f1") => {
    const s = new Selector(rule);
    values.forEach((v, i) => s.consider(i, { [key]: v }));
    return s.index;
  };
  assert.equal(pick("max dev/f1", [50, 70, 70, 60]), 1);
  assert.equal(pick("min lm/dev_ppl", [30, 20, 20, 25], "lm/dev_ppl"), 1);
  assert.equal(pick("last", [50, 70, 60]), 2);
  assert.equal(pick("max dev/f1", [NaN, 10, 20]), 0, "the first is always selected; nothing beats NaN");
  assert.equal(pick("max dev/f1", [10, NaN, 20]), 2);
  const s = new Selector("max dev/f1");
  assert.equal(s.index, -1);
  assert.equal(s.consider(0, { "dev/f1": 5 }), true);
  assert.equal(s.consider(1, { "dev/f1": 5 }), false);
  assert.deepEqual(s.state(), { index: 0, value: 5 });
  assert.throws(
    () => s.consider(2, { "test/f1": 9 }),
    /Selection rule "max dev\/f1" needs metric "dev\/f1", but the evaluation gave test\/f1/,
  );
});

Deno.test("Patience: a monitored metric from −∞ (DATNet) vs the selection (Yang)", () => {
  const run = (p: Patience, f1s: number[], selected: boolean[]) =>
    f1s.map((v, i) => {
      p.update({ "dev/f1": v }, selected[i]);
      return p.exhausted;
    });
  // Monitor max dev/f1, 2 evaluations: a tie does not improve.
  assert.deepEqual(run(new Patience({ evaluations: 2, monitor: "max dev/f1" }), [10, 20, 20, 15], []), [
    false,
    false,
    false,
    true,
  ]);
  // From −∞: a first NaN counts as no improvement (DATNet's bestDevF1 = −Infinity); the selection's first always is.
  const fromInf = new Patience({ evaluations: 1, monitor: "max dev/f1" });
  fromInf.update({ "dev/f1": NaN }, true);
  assert.equal(fromInf.exhausted, true);
  const bySelection = new Patience({ evaluations: 1, monitor: "selection" });
  bySelection.update({}, true);
  assert.equal(bySelection.exhausted, false);
  bySelection.update({}, false);
  assert.equal(bySelection.exhausted, true);
  assert.deepEqual(bySelection.state(), { best: -Infinity, since: 1 });
  // min monitors and 0 = never.
  assert.deepEqual(run(new Patience({ evaluations: 1, monitor: "min dev/f1" }), [3, 2, 2.5], []), [
    false,
    false,
    true,
  ]);
  assert.deepEqual(run(new Patience({ evaluations: 0, monitor: "max dev/f1" }), [3, 2, 1], []), [
    false,
    false,
    false,
  ]);
  assert.throws(
    () => new Patience({ evaluations: 1, monitor: "last" }),
    /Patience monitor "last" is not a metric/,
  );
  assert.throws(
    () => new Patience({ evaluations: -1, monitor: "selection" }),
    /Patience evaluations must be an integer ≥ 0/,
  );
  assert.throws(() => new Patience({ evaluations: 1, monitor: "dev f1" }), /Invalid selection rule "dev f1"/);
});
