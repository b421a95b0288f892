import assert from "node:assert/strict";
import { type CellConfig, perl2020Suite, SMOKE_CELLS, TABLE1_VARIANTS, VARIANT_DECLS } from "./suite.ts";
import { sourceKey } from "./hooks.ts";
import { listRows } from "../../tasks/list.ts";

const planOf = (
  profile: "smoke" | "paper" | "nightly",
  protocol: "paper" | "clean" = "paper",
  choices: Record<string, string> = {},
) => perl2020Suite.plan({ profile, protocol, dataDir: "", verifyData: false, choices });

Deno.test("every own claim's cell is declared; every declared cell is planned or skipped under the paper profile", async () => {
  const claims = await perl2020Suite.claims();
  const cells = new Set(perl2020Suite.cells().map((c) => c.id));
  const own = claims.filter((c) => c.cell !== "cited");
  assert.equal(own.length, 108);
  assert.deepStrictEqual(own.filter((c) => !cells.has(c.cell)).map((c) => c.id), []);
  const plan = await planOf("paper");
  assert.equal(plan.cells.length + plan.skipped.length, cells.size);
});

Deno.test("UD cells without a train file are not run and name the missing file; Romanian, Estonian, Greek run", async () => {
  const plan = await planOf("paper");
  const skipped = new Map(plan.skipped.map((s) => [s.id, s.reason]));
  assert.match(skipped.get("ud/es/baseline/r=1")!, /ud_v1\.2\/UD_Spanish\/es-ud-train\.conllu\.gz/);
  assert.match(skipped.get("ud/ar/method/r=unstated")!, /UD_Arabic\/ar-ud-train/);
  const planned = new Set(plan.cells.map((c) => c.id));
  for (const id of ["ud/ro/transfer/r=1", "ud/et/method/r=unstated", "ud/el/baseline/r=unstated"]) {
    assert.ok(planned.has(id), id);
  }
  const ro = plan.cells.find((c) => c.id === "ud/ro/transfer/r=1")!;
  assert.equal((ro.config as CellConfig).sourceKey, "wsj");
  assert.ok(ro.deviations.some((d) => d.startsWith("[source data]") && d.includes("WSJ")));
});

Deno.test("smoke plan: every Table 1 variant, one one-shot and one zero-shot cell, 1 seed, the MUSE deviation", async () => {
  for (const protocol of ["paper", "clean"] as const) {
    const plan = await planOf("smoke", protocol);
    assert.deepStrictEqual(plan.cells.map((c) => c.id).sort(), [...SMOKE_CELLS].sort());
    assert.deepStrictEqual(
      new Set(plan.cells.map((c) => (c.config as CellConfig).variant)),
      new Set(Object.keys(VARIANT_DECLS)),
    );
    const kinds = new Set(plan.cells.map((c) => (c.config as CellConfig).subset.kind));
    assert.deepStrictEqual(kinds, new Set(["rate", "one-shot", "zero-shot"]));
    assert.ok(plan.cells.every((c) => c.seeds.length === 1));
    assert.ok(
      plan.cells.every((c) => c.deviations.some((d) => d.includes("MUSE vectors are not available"))),
    );
  }
});

Deno.test("nightly: Table 1 at rates 0.1 and 0.01, every variant and target, 3 seeds (5 clean)", async () => {
  const plan = await planOf("nightly");
  assert.equal(plan.cells.length, 3 * TABLE1_VARIANTS.length * 2);
  assert.ok(plan.cells.every((c) => c.seeds.length === 3));
  assert.ok((await planOf("nightly", "clean")).cells.every((c) => c.seeds.length === 5));
});

Deno.test("sources: English targets take Dutch (released) or Spanish (--choice english_source=es); POS takes WSJ", async () => {
  const ctx = { choices: { english_source: "nl" } };
  assert.equal(sourceKey("en", "ner", true, false, ctx), "nl");
  assert.equal(sourceKey("en", "ner", true, false, { choices: { english_source: "es" } }), "es");
  assert.equal(sourceKey("es", "ner", true, false, ctx), "en");
  assert.equal(sourceKey("es", "ner", false, true, ctx), "en", "zero-shot baseline trains on the source");
  assert.equal(sourceKey("es", "ner", false, false, ctx), undefined);
  assert.equal(sourceKey("ud-ro", "pos", true, false, ctx), "wsj");
  const plan = await planOf("paper", "paper", { english_source: "es", encoder: "language-specific" });
  const en = plan.cells.find((c) => c.id === "t1/en/tl/r=0.1")!;
  assert.equal((en.config as CellConfig).sourceKey, "es");
  assert.equal((en.config as CellConfig).encoder, "language-specific");
  assert.ok(plan.deviations.some((d) => d.includes("english_source")));
});

Deno.test("list shows every own-method cell of Tables 1–7 with its table, cell and status", async () => {
  const rows = await listRows("perl2020", "paper", "paper");
  const own = rows.filter((r) => r[9] !== "cited");
  assert.equal(own.length, 108);
  for (const t of [1, 2, 3, 4, 5, 6, 7]) {
    assert.ok(own.some((r) => r[2].includes(`Table ${t}`)), `Table ${t}`);
  }
  assert.ok(own.every((r) => /^(planned \(paper profile\)|not run: .+)$/.test(r[10])));
  const ud = own.find((r) => r[9] === "ud/fr/method/r=unstated")!;
  assert.match(ud[10], /not run: the UD v1\.2 train file ud_v1\.2\/UD_French\/fr-ud-train\.conllu\.gz/);
});
