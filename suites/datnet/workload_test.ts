import assert from "node:assert/strict";
import { datnetSuite } from "./suite.ts";
import { DATNET_COST, DATNET_SHAPE } from "./workload.ts";

const plan = async (
  profile: "smoke" | "nightly" | "paper",
  budget: Record<string, number>,
  only: string,
  choices?: Record<string, string>,
) => {
  const opts = { profile, protocol: "paper", dataDir: "", budget, choices } as const;
  const p = await datnetSuite.plan({ ...opts, only: [only], verifyData: false });
  const cell = p.cells.find((c) => c.id === only);
  assert.ok(cell, only);
  return datnetSuite.workload!(cell, opts);
};

Deno.test("datnet workload: base and DATNet-F cells by hand", async () => {
  // Spanish train: 8,323 sentences, 264,715 tokens; dev 52,923 and test 51,533 tokens; CoNLL-2003 train 14,041
  // sentences, 203,621 tokens.
  const es = 264715 / 8323;
  const base = await plan("nightly", { epochs: 20, eval_every: 5 }, "t3/es/base/k=1000");
  assert.equal(base.shape, DATNET_SHAPE);
  assert.ok(Math.abs(base.trainTokens - 20 * 1000 * es * DATNET_COST.base) < 1e-6 * base.trainTokens);
  assert.ok(Math.abs(base.evalTokens - 4 * (52923 + 51533) * DATNET_COST.eval) < 1e-6 * base.evalTokens);
  assert.equal(base.logEntries, 20);
  // DATNet-F (GRAD + AT), k = 10, released sizes and mixing (batch 16): 878 source batches, of which the
  // arrangement takes int(878 · √14041 · 0.3 / √8323) = 342, capped at 10, plus the one target batch.
  const f = await plan("nightly", { epochs: 20, eval_every: 5, source_batches: 10 }, "t3/es/datnet-f/k=10");
  const factor = DATNET_COST.base * DATNET_COST.discriminator * DATNET_COST.at * DATNET_COST.wideF;
  assert.ok(Math.abs(f.trainTokens - 20 * (10 * es + 10 * 203621 / 878) * factor) < 1e-6 * f.trainTokens);
  // Under the joint rule and the paper-text sizes (batch 10): max(1, min(1,405, 10)) = 10 steps of 10 target +
  // 10 source sentences.
  const joint = await plan(
    "nightly",
    { epochs: 20, eval_every: 5, source_batches: 10 },
    "t3/es/datnet-f/k=10",
    { mixing: "joint", model_config: "paper-text" },
  );
  const perStep = 10 * es + 203621 / 1405;
  const jointFactor = DATNET_COST.base * DATNET_COST.discriminator * DATNET_COST.at;
  assert.ok(Math.abs(joint.trainTokens - 20 * 10 * perStep * jointFactor) < 1e-6 * joint.trainTokens);
  // WNUT-2016 trains on train+dev under the paper protocol: 3,394 sentences, 62,730 tokens for the full cell.
  const w = await plan("nightly", { epochs: 1, eval_every: 1 }, "full/wnut16/base");
  assert.ok(Math.abs(w.trainTokens - 62730 * DATNET_COST.base) < 1e-6 * w.trainTokens);
});

Deno.test("datnet workload: every planned cell of every profile and protocol has one, without data", async () => {
  for (const profile of ["smoke", "nightly", "paper"] as const) {
    for (const protocol of ["paper", "clean"] as const) {
      const opts = { profile, protocol, dataDir: "" };
      const p = await datnetSuite.plan({ ...opts, verifyData: false });
      for (const c of p.cells) {
        const w = datnetSuite.workload!(c, opts);
        assert.ok(w.trainTokens > 0 && w.evalTokens > 0, `${profile}/${protocol} ${c.id}`);
      }
    }
  }
});
