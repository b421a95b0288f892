import assert from "node:assert/strict";
import { Cadence, type CadenceEvent, type CadenceSpec } from "./cadence.ts";
import { LoopSpecError } from "./spec_error.ts";
import { BatchStream } from "./streams.ts";

/** Iterations of a single stream (size, batch size) and which of them the cadence evaluates after. */
function dueOnOneStream(
  spec: CadenceSpec,
  size: number,
  batchSize: number,
  n: number,
  maxEpochs?: number,
): number[] {
  const s = new BatchStream({ name: "t", size, batchSize, order: "sequential" });
  const c = new Cadence(spec, ["t"], batchSize);
  const out: number[] = [];
  for (let i = 1; i <= n; i++) {
    const b = s.next();
    const e: CadenceEvent = {
      iteration: i,
      batches: [b],
      epochEnded: b.endOfPass,
      epochsCompleted: s.passesCompleted,
      maxEpochs,
      passesCompleted: { t: s.passesCompleted },
    };
    if (c.due(e)) out.push(i);
  }
  return out;
}

Deno.test("cadence epochs: every n-th epoch end, plus the budget's last epoch when declared (DATNet evalEvery)", () => {
  // 3 iterations per epoch.
  assert.deepEqual(dueOnOneStream({ kind: "epochs", every: 1 }, 9, 3, 9), [3, 6, 9]);
  assert.deepEqual(dueOnOneStream({ kind: "epochs", every: 2, last: true }, 9, 3, 15, 5), [6, 12, 15]);
  assert.deepEqual(dueOnOneStream({ kind: "epochs", every: 2 }, 9, 3, 15, 5), [6, 12]);
});

Deno.test("cadence sentences: Yang's released rule with a warm-up, counted on one stream", () => {
  // 10 sentences in batches of 4: 3 iterations per pass. Passes 1–2 are warm-up (period 1000): due only at their
  // ends; afterwards period 8 = 2 batches: after the 2nd iteration of a pass and at its end.
  const spec: CadenceSpec = { kind: "sentences", stream: "t", every: 8, warmupEvery: 1000, warmupEpochs: 1 };
  assert.deepEqual(dueOnOneStream(spec, 10, 4, 9), [3, 6, 8, 9]);
  // No warm-up (−1), period 4 = every batch.
  assert.deepEqual(dueOnOneStream({ ...spec, warmupEpochs: -1, every: 4 }, 10, 4, 4), [1, 2, 3, 4]);
  // Iterations of other streams do not count and are never due.
  const c = new Cadence(spec, ["t", "s"], 4);
  const other: CadenceEvent = {
    iteration: 1,
    batches: [{ stream: "s", ids: [0], pass: 0, index: 0, endOfPass: true }],
    epochEnded: false,
    epochsCompleted: 0,
    passesCompleted: { t: 0, s: 1 },
  };
  assert.equal(c.due(other), false);
  assert.deepEqual(c.state(), { inEpoch: 0 });
});

Deno.test("cadence steps and never", () => {
  assert.deepEqual(dueOnOneStream({ kind: "steps", every: 4 }, 3, 1, 13), [4, 8, 12]);
  assert.deepEqual(dueOnOneStream({ kind: "never" }, 3, 1, 13), []);
});

Deno.test("cadence: invalid declarations throw LoopSpecError", () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: "hourly" }, /kind must be "epochs", "sentences", "steps" or "never"/],
    [{ kind: "epochs", every: 0 }, /every \(epochs\) must be an integer ≥ 1/],
    [{ kind: "steps", every: 2.5 }, /every \(steps\)/],
    [
      { kind: "sentences", stream: "x", every: 1, warmupEvery: 1, warmupEpochs: 0 },
      /stream "x", which is not declared/,
    ],
    [
      { kind: "sentences", stream: "t", every: 1, warmupEvery: 1, warmupEpochs: -2 },
      /warmupEpochs must be an integer ≥ -1/,
    ],
  ];
  for (const [spec, re] of bad) {
    assert.throws(
      () => new Cadence(spec as never, ["t"]),
      (e: Error) => e instanceof LoopSpecError && re.test(e.message),
      String(re),
    );
  }
});
