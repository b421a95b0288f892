import assert from "node:assert/strict";
import { datnetSuite, variantBlocker, variantModel, VARIANTS } from "./suite.ts";
import { LIST_COLUMNS, listRows } from "../../tasks/list.ts";

Deno.test("smoke plan: every Table 3 variant at least once on Spanish, everything else not run with a reason", async () => {
  const plan = await datnetSuite.plan({
    profile: "smoke",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
  });
  assert.deepStrictEqual(plan.cells.map((c) => c.id).sort(), [
    "t3/es/base+at/k=10",
    "t3/es/base/k=10",
    "t3/es/base/k=50",
    "t3/es/datnet-f/k=10",
    "t3/es/datnet-f/k=50",
    "t3/es/datnet-p/k=10",
    "t3/es/f-transfer/k=10",
    "t3/es/f-transfer/k=50",
    "t3/es/p-transfer/k=10",
  ]);
  assert.deepStrictEqual(new Set(plan.cells.map((c) => c.config.variant)), new Set(Object.keys(VARIANTS)));
  assert.equal(plan.skipped.length, 72 - 9);
  assert.ok(plan.skipped.every((s) => s.reason === "not in the smoke profile"));
  assert.ok(plan.deviations.some((d) => d.startsWith("smoke profile")));
  for (const c of plan.cells) {
    assert.equal(c.seeds.length, 1);
    assert.ok(c.deviations.some((d) => d.includes("Spanish has no pretrained embeddings")), c.id);
  }
  const ft = plan.cells.find((c) => c.id === "t3/es/f-transfer/k=10")!;
  assert.ok(ft.deviations.some((d) => d.includes("GloVe 6B 100d")));
});

Deno.test("variantModel maps Table 3 rows to DATNet components with the released code's settings", () => {
  const f = variantModel(VARIANTS["datnet-f"]);
  assert.equal(f.variant, "datnet-f");
  assert.deepStrictEqual([f.discriminator?.alpha, f.discriminator?.gamma, f.discriminator?.reversal], [
    0.25,
    2,
    0.7,
  ]);
  assert.deepStrictEqual(f.at, { epsWordSource: 5, epsWordTarget: 5, epsChar: 5 });
  const p = variantModel(VARIANTS["p-transfer"]);
  assert.deepStrictEqual([p.variant, p.privateLstmUnits, p.discriminator, p.at], [
    "datnet-p",
    100,
    undefined,
    undefined,
  ]);
  const at = variantModel(VARIANTS["base+at"]);
  assert.deepStrictEqual([at.variant, at.discriminator, at.at?.epsWordTarget], ["base", undefined, 5]);
});

Deno.test("paper plan: all 72 Table 3 cells are planned, no two runs share a seed", async () => {
  const plan = await datnetSuite.plan({
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
  });
  assert.equal(plan.cells.length, 72);
  assert.equal(plan.skipped.length, 0);
  for (const v of Object.values(VARIANTS)) assert.equal(variantBlocker(v), undefined);
  assert.ok(plan.cells.every((c) => c.config.epochs === 50 && c.seeds.length === 3));
  const seeds = plan.cells.flatMap((c) => c.seeds);
  assert.equal(new Set(seeds).size, seeds.length, "no two runs share a seed");
});

Deno.test("clean protocol plans ≥ 5 seeds per cell in the paper profile and uses other seeds than paper", async () => {
  const clean = await datnetSuite.plan({
    profile: "paper",
    protocol: "clean",
    dataDir: "",
    verifyData: false,
  });
  const paper = await datnetSuite.plan({
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
  });
  assert.ok(clean.cells.every((c) => c.seeds.length >= 5));
  assert.notDeepStrictEqual(clean.cells[0].seeds.slice(0, 3), paper.cells[0].seeds);
});

Deno.test("list --format csv rows: one per claim with the documented columns", async () => {
  const rows = await listRows("datnet", "paper", "paper");
  assert.equal(rows.length, 72);
  assert.deepStrictEqual(LIST_COLUMNS, [
    "suite",
    "paper",
    "table",
    "row",
    "column",
    "metric",
    "value",
    "std",
    "n",
    "status",
  ]);
  for (const r of rows) assert.equal(r.length, LIST_COLUMNS.length);
  const row = rows.find((r) =>
    r[3] === "DATNet-F" && r[4].includes("Spanish") && r[4].includes("/ 10 sentences")
  )!;
  assert.equal(row[6], "44.52");
  assert.equal(row[9], "planned (paper profile, cell t3/es/datnet-f/k=10)");
});
