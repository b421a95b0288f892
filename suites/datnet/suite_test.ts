import assert from "node:assert/strict";
import { datnetSuite, TABLE3, variantBlocker, VARIANTS } from "./suite.ts";
import { LIST_COLUMNS, listRows } from "../../tasks/list.ts";

Deno.test("smoke plan: Base and F-Transfer at 10 and 50 Spanish sentences, everything else not run with a reason", async () => {
  const plan = await datnetSuite.plan({
    profile: "smoke",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
  });
  assert.deepStrictEqual(plan.cells.map((c) => c.id).sort(), [
    "t3/es/base/k=10",
    "t3/es/base/k=50",
    "t3/es/f-transfer/k=10",
    "t3/es/f-transfer/k=50",
  ]);
  assert.equal(plan.skipped.length, 72 - 4);
  assert.ok(plan.deviations.some((d) => d.startsWith("smoke profile")));
  for (const c of plan.cells) {
    assert.equal(c.seeds.length, 1);
    assert.ok(c.deviations.some((d) => d.includes("Spanish has no pretrained embeddings")), c.id);
  }
  const ft = plan.cells.find((c) => c.id === "t3/es/f-transfer/k=10")!;
  assert.ok(ft.deviations.some((d) => d.includes("GloVe 6B 100d")));
});

Deno.test("paper plan: every Table 3 cell is planned or skipped, unimplemented variants say what they need", async () => {
  const plan = await datnetSuite.plan({
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
  });
  assert.equal(plan.cells.length + plan.skipped.length, 72);
  const variantsRun = new Set(plan.cells.map((c) => c.config.variant));
  for (const [id, v] of Object.entries(VARIANTS)) {
    assert.equal(variantsRun.has(id), variantBlocker(v) === undefined, id);
  }
  const datnetF = plan.skipped.find((s) => s.id === TABLE3.cellId("es", "datnet-f", 10))!;
  assert.match(datnetF.reason, /GRAD.*adversarial training \(AT\)/);
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
  assert.match(row[9], /^not run: DATNet-F needs/);
});
