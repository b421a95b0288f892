import assert from "node:assert/strict";
import { evaluationCost, formatDuration, RunProgress } from "./progress.ts";

/** A clock the test moves by hand (milliseconds). */
function clock() {
  let t = 0;
  return { now: () => t, advance: (seconds: number) => (t += seconds * 1000) };
}

Deno.test("runEta without estimates: the current unit's ETA plus the mean of the finished units per unit left", () => {
  const c = clock();
  const p = new RunProgress(4, { quiet: true, now: c.now });
  p.startCell(1, "a", 1);
  c.advance(10);
  assert.equal(p.runEta(30), 30 + 40 * 3); // none finished: this unit's own 10 s + 30 s
  c.advance(30);
  p.endCell("done");
  p.startCell(2, "b", 1);
  c.advance(5);
  assert.equal(p.runEta(15), 15 + 40 * 2);
});

Deno.test("runEta with estimates: the units left at their estimates, scaled by measured ÷ estimated", () => {
  const c = clock();
  // Unit 2 was done before a resume (0); units 3 and 4 are estimated at 100 s and 300 s.
  const p = new RunProgress(4, { quiet: true, now: c.now, estimates: [50, 0, 100, 300] });
  p.startCell(1, "a", 1);
  c.advance(20);
  // Nothing finished: this unit's elapsed + ETA (20 + 80 = 100 s) against its estimate of 50 s gives 2×.
  assert.equal(p.runEta(80), 80 + 2 * (0 + 100 + 300));
  c.advance(80);
  p.endCell("done");
  p.startCell(3, "c", 1);
  c.advance(10);
  // Finished: 100 s measured for 50 s estimated.
  assert.equal(p.runEta(40), 40 + 2 * 300);
  c.advance(90);
  p.endCell("done"); // measured 100 s for an estimate of 100 s: ratio (100 + 100) / (50 + 100)
  p.startCell(4, "d", 1);
  assert.equal(p.runEta(0), 0);
});

Deno.test("runEta falls back to the mean when a unit left has no estimate", () => {
  const c = clock();
  const p = new RunProgress(3, { quiet: true, now: c.now, estimates: [10, undefined, 10] });
  p.startCell(1, "a", 1);
  c.advance(4);
  p.endCell("done");
  p.startCell(2, "b", 1);
  assert.equal(p.runEta(6), 6 + 4);
  assert.equal(formatDuration(3725), "1h02m");
});

Deno.test("evaluationCost: evaluations so far, seconds each and their share of the unit's time (yang2017 eval_sentences)", () => {
  const p = { unit: "iteration" as const, at: 40, of: 100, loss: 1 };
  assert.equal(evaluationCost(p, 10), "");
  assert.equal(
    evaluationCost({ ...p, evaluations: { count: 8, seconds: 3.2 } }, 10),
    " | eval 8× 0.4 s, 32% of the time",
  );
  assert.equal(evaluationCost({ ...p, evaluations: { count: 0, seconds: 0 } }, 10), "");
  // The plain line (CI, pipes) carries it.
  const c = clock();
  const lines: string[] = [];
  const orig = console.error;
  console.error = (m: string) => lines.push(m);
  try {
    const r = new RunProgress(1, { now: c.now, tty: false });
    r.startCell(1, "t2/es/ner/r=0.1", 7);
    c.advance(20);
    r.update({ ...p, score: { key: "test/f1", value: 50 }, evaluations: { count: 4, seconds: 5 } });
  } finally {
    console.error = orig;
  }
  assert.ok(lines.some((l) => l.includes("| eval 4× 1.3 s, 25% of the time |")), lines.join("\n"));
});
