import assert from "node:assert/strict";
import { Cadence, type CadenceSpec } from "../../harness/train/cadence.ts";
import { yang2017Suite } from "./suite.ts";
import { YANG_COST, YANG_SHAPE, yangEvaluations } from "./workload.ts";
import type { YangEvaluationSchedule } from "./train.ts";

/** Evaluations the training loop's cadence makes for `iterations` target batches in passes of `batches`. */
function simulated(iterations: number, batches: number, s: YangEvaluationSchedule): number {
  const spec: CadenceSpec = s.everyEpochs !== undefined
    ? { kind: "epochs", every: s.everyEpochs, last: false }
    : {
      kind: "sentences",
      stream: "t",
      every: s.everySentences,
      warmupEvery: s.warmupEverySentences,
      warmupEpochs: s.warmupEpochs,
    };
  const cadence = new Cadence(spec, ["t"], 10);
  let n = 0;
  let last = false;
  for (let i = 1; i <= iterations; i++) {
    const endOfPass = i % batches === 0;
    const passes = Math.floor(i / batches);
    last = cadence.due({
      iteration: i,
      batches: [{ stream: "t", ids: [], pass: passes, index: 0, endOfPass }],
      epochEnded: endOfPass,
      epochsCompleted: passes,
      passesCompleted: { t: passes },
    });
    if (last) n++;
  }
  return n + (last ? 0 : 1);
}

Deno.test("yangEvaluations counts what the loop's cadence evaluates (released rule and everyEpochs)", () => {
  const schedules: YangEvaluationSchedule[] = [
    { everySentences: 100, warmupEverySentences: 4000, warmupEpochs: 4 },
    { everySentences: 60, warmupEverySentences: 60, warmupEpochs: -1 },
    { everySentences: 100, warmupEverySentences: 4000, warmupEpochs: 4, everyEpochs: 10 },
    { everySentences: 100, warmupEverySentences: 4000, warmupEpochs: 4, everyEpochs: 3 },
    { everySentences: 35, warmupEverySentences: 70, warmupEpochs: 1 },
  ];
  for (const s of schedules) {
    for (const batches of [1, 2, 7, 19, 185, 450]) {
      for (const iterations of [1, 5, 12, 150, 1000, 2345]) {
        assert.equal(
          yangEvaluations(iterations, batches, s),
          simulated(iterations, batches, s),
          JSON.stringify({ s, batches, iterations }),
        );
      }
    }
  }
  assert.equal(yangEvaluations(0, 5, schedules[0]), 0);
});

Deno.test("yang2017 workload: the committed nightly run's cell, by hand", () => {
  // fig2/h/base/rate=0.1 under the nightly profile with iterations=150, eval_every=10: CoNLL-2003's train+dev pool
  // (18,453 sentences, 254,983 tokens), int(0.1·N) = 1,845 target sentences, 185 batches per pass; 150 batches
  // (less than a pass) and one final evaluation of the test set (3,453 sentences, 46,435 tokens).
  const plan = {
    profile: "nightly",
    protocol: "paper",
    dataDir: "",
    budget: { iterations: 150, eval_every: 10 },
  } as const;
  return yang2017Suite.plan({ ...plan, only: ["fig2/h/base/rate=0.1"], verifyData: false }).then((p) => {
    const w = yang2017Suite.workload!(p.cells[0], plan);
    assert.equal(w.shape, YANG_SHAPE);
    const tokens = 150 / 185 * 1845 * 254983 / 18453;
    assert.ok(Math.abs(w.trainTokens - tokens * YANG_COST.train) < 1e-6 * w.trainTokens);
    assert.ok(Math.abs(w.evalTokens - 46435 * YANG_COST.eval) < 1e-6 * w.evalTokens);
    assert.equal(w.logEntries, 1);
  });
});

Deno.test("yang2017 workload: every planned cell of every profile and protocol has one, without data", async () => {
  for (const profile of ["smoke", "nightly", "paper"] as const) {
    for (const protocol of ["paper", "clean"] as const) {
      const opts = { profile, protocol, dataDir: "" };
      const p = await yang2017Suite.plan({ ...opts, verifyData: false });
      for (const c of p.cells) {
        const w = yang2017Suite.workload!(c, opts);
        assert.ok(
          w.trainTokens >= 0 && w.evalTokens > 0 && w.logEntries! >= 1,
          `${profile}/${protocol} ${c.id}`,
        );
      }
    }
  }
});
