import assert from "node:assert/strict";
import {
  type CellConfig,
  CHOICES,
  datnetSuite,
  EXPERIMENTS,
  PROTOCOLS,
  SMOKE_CELLS,
  VARIANT_DECLS,
} from "./suite.ts";
import { targetSubset, wordVectors } from "./hooks.ts";
import { MODEL_CONFIGS, MODEL_SIZES, variantModel } from "./model.ts";
import { MIXING_RULES } from "./mixing.ts";
import { expandCells } from "../../harness/run/define.ts";
import { LIST_COLUMNS, LIST_RELATIVE_COLUMNS, listRelativeRows, listRows } from "../../tasks/list.ts";
import type { Sentence } from "../../models/types.ts";

const planOf = (profile: "smoke" | "paper" | "nightly", protocol: "paper" | "clean" = "paper") =>
  datnetSuite.plan({ profile, protocol, dataDir: "", verifyData: false });

const VARIANTS = datnetSuite.context({ profile: "paper", protocol: "paper", dataDir: "" }).variants;

Deno.test("every claim's cell is declared by an experiment, and every declared cell is planned or skipped", async () => {
  const claims = await datnetSuite.claims();
  const cells = new Set(datnetSuite.cells().map((c) => c.id));
  const missing = claims.filter((c) => !cells.has(c.cell)).map((c) => `${c.id} → ${c.cell}`);
  assert.deepStrictEqual(missing, []);
  const plan = await planOf("paper");
  assert.equal(plan.cells.length + plan.skipped.length, cells.size);
});

Deno.test("smoke plan covers every model variant, both targets and every sweep knob", async () => {
  for (const protocol of ["paper", "clean"] as const) {
    const plan = await planOf("smoke", protocol);
    assert.deepStrictEqual(plan.cells.map((c) => c.id).sort(), [...SMOKE_CELLS].sort());
    assert.deepStrictEqual(
      new Set(plan.cells.map((c) => c.config.variant)),
      new Set(Object.keys(VARIANT_DECLS)),
    );
    assert.deepStrictEqual(new Set(plan.cells.map((c) => c.config.targetKey)), new Set(["es", "wnut16"]));
    for (const knob of ["alpha", "gamma", "epsWordTarget"]) {
      assert.ok(plan.cells.some((c) => c.config[knob] !== undefined), knob);
    }
    assert.ok(plan.deviations.some((d) => d.startsWith("[budget] smoke profile")));
    assert.ok(plan.cells.every((c) => c.seeds.length === 1 && c.config.epochs === 3));
  }
});

Deno.test("variantModel maps rows to DATNet components with the released code's settings and sweep values", () => {
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
  const ad = variantModel(VARIANTS["at+f-transfer+ad"]);
  assert.deepStrictEqual([ad.discriminator?.kind, ad.discriminator?.alpha, ad.discriminator?.gamma], [
    "ad",
    0.5,
    0,
  ]);
  assert.equal(variantModel(VARIANTS["base+dropout"]).dropoutEmbedding, 0.5);
  const swept = variantModel(VARIANTS["datnet-p"], { alpha: 0.6, gamma: 0, epsWordTarget: 9 });
  assert.deepStrictEqual([swept.discriminator?.alpha, swept.discriminator?.gamma], [0.6, 0]);
  assert.deepStrictEqual(swept.at, { epsWordSource: 5, epsWordTarget: 9, epsChar: 5 });
  assert.throws(() => variantModel(VARIANTS["base"], { alpha: 0.3 }), /no discriminator/);
  assert.throws(() => variantModel(VARIANTS["p-transfer"], { epsWordTarget: 3 }), /no AT/);
});

Deno.test("model configurations: released (joeyzhouty scripts) vs paper-text (§4.2) sizes; choices match the code", () => {
  const f = variantModel(VARIANTS["datnet-f"]);
  assert.deepStrictEqual(
    [
      f.lstmUnits,
      f.charEmbeddingDim,
      f.charWindows,
      f.charHighwayLayers,
      f.charActivation,
      f.sharedCrf,
      f.rnnDense,
    ],
    [200, 50, [2, 3, 4], 2, "tanh", true, undefined],
  );
  const base = variantModel(VARIANTS["base"]);
  assert.deepStrictEqual([base.lstmUnits, base.charEmbeddingDim, base.sharedCrf], [100, 30, undefined]);
  const p = variantModel(VARIANTS["datnet-p"]);
  assert.deepStrictEqual([p.lstmUnits, p.privateLstmUnits, p.charEmbeddingDim], [100, 100, 50]);
  const text = variantModel(VARIANTS["datnet-f"], {}, MODEL_SIZES["paper-text"]);
  assert.deepStrictEqual(
    [
      text.lstmUnits,
      text.charEmbeddingDim,
      text.charWindows,
      text.charWindow,
      text.charHighwayLayers,
      text.sharedCrf,
    ],
    [100, 30, undefined, 3, undefined, undefined],
  );
  assert.equal(variantModel(VARIANTS["datnet-f"], {}, MODEL_SIZES["released+dense"]).rnnDense, true);
  assert.deepStrictEqual([MODEL_SIZES.released.batchSize, MODEL_SIZES["paper-text"].batchSize], [16, 10]);
  assert.deepStrictEqual(Object.keys(CHOICES.model_config.options), [...MODEL_CONFIGS]);
  assert.deepStrictEqual(Object.keys(CHOICES.mixing.options), [...MIXING_RULES]);
});

Deno.test("choices: defaults follow joeyzhouty; --choice reaches the cells and is a recorded run deviation", async () => {
  const opts = { profile: "nightly", protocol: "paper", dataDir: "", verifyData: false } as const;
  const plain = await datnetSuite.plan({ ...opts, only: ["t3/es/datnet-f/k=10$", "t3/es/base/k=10$"] });
  const f = plain.cells.find((c) => c.id === "t3/es/datnet-f/k=10")!.config;
  const b = plain.cells.find((c) => c.id === "t3/es/base/k=10")!.config;
  assert.deepStrictEqual([f.modelConfig, f.mixing, b.mixing], ["released", "joeyzhouty", undefined]);
  assert.deepStrictEqual(f.wordVectors, {
    target: "random",
    source: "glove.6B.100d",
    english: "glove.6B.100d",
  });
  assert.ok(!plain.deviations.some((d) => d.includes("instead of the paper protocol's")));
  const joint = await datnetSuite.plan({
    ...opts,
    only: ["t3/es/datnet-f/k=10$"],
    choices: { mixing: "joint", target_vectors: "aligned-fasttext" },
  });
  const jf = joint.cells[0].config as unknown as CellConfig;
  assert.deepStrictEqual([jf.mixing, jf.wordVectors.target], ["joint", "aligned-fasttext"]);
  assert.ok(
    joint.deviations.some((d) =>
      /^\[source data\] .*mixing=joint .* instead of the paper protocol's joeyzhouty/.test(d)
    ),
  );
  assert.ok(
    joint.cells[0].deviations.some((d) =>
      /^\[target embeddings\] Spanish .*substitute aligned vectors/.test(d)
    ),
  );
  assert.ok(!joint.cells[0].deviations.some((d) => /randomly initialised/.test(d)));
});

Deno.test("wordVectors: the papers' vectors when present, else GloVe for English and the choice for es/nl", () => {
  const ctx = (available: Record<string, boolean>, target_vectors = "random") => ({
    available,
    choices: { target_vectors },
  });
  assert.deepStrictEqual(wordVectors("es", true, ctx({ "lin2018-word2vec": true })), {
    target: "lin2018",
    source: "lin2018",
    english: "lin2018",
  });
  assert.deepStrictEqual(wordVectors("en", false, ctx({})), {
    target: "glove.6B.100d",
    english: "glove.6B.100d",
  });
  assert.deepStrictEqual(wordVectors("en", true, ctx({ "glove.840B.300d": true })), {
    target: "glove.840B.300d",
    source: "glove.840B.300d",
    english: "glove.840B.300d",
  });
  assert.deepStrictEqual(wordVectors("nl", false, ctx({}, "aligned-fasttext")), {
    target: "aligned-fasttext",
    english: "glove.6B.100d",
  });
});

Deno.test("paper plan: runnable cells planned with the paper's repetitions, no two runs share a seed", async () => {
  const plan = await planOf("paper");
  const byId = new Map(plan.cells.map((c) => [c.id, c]));
  assert.equal(byId.get("full/es/datnet-p")!.seeds.length, 10, "Table 2: 10 runs");
  assert.equal(byId.get("t3/wnut16/datnet-f/k=1000")!.seeds.length, 3);
  assert.equal(byId.get("lm/conll2003/base")!.seeds.length, 3);
  assert.deepStrictEqual(byId.get("full/es/datnet-p")!.config.experiments, ["table2", "table4"]);
  assert.ok(plan.cells.every((c) => c.config.epochs === 50 && c.config.sourceBatchesPerEpoch !== 20));
  const t3 = plan.cells.filter((c) => c.id.startsWith("t3/"));
  assert.equal(t3.length, 72);
  const skipped = new Map(plan.skipped.map((s) => [s.id, s.reason]));
  assert.match(skipped.get("clner/es-gl/datnet-f")!, /WikiANN/);
  assert.match(skipped.get("lm/conll2003/datnet-f+bert")!, /ELMo \/ BERT/);
  assert.match(skipped.get("ud/eu/datnet-p")!, /UD v1.2/);
  const seeds = plan.cells.flatMap((c) => c.seeds);
  assert.equal(new Set(seeds).size, seeds.length, "no two runs share a seed");
});

Deno.test("nightly plan: Table 3 on both targets at every size plus Table 2, 3 seeds", async () => {
  const plan = await planOf("nightly");
  const ids = plan.cells.map((c) => c.id);
  assert.equal(ids.filter((id) => id.startsWith("t3/")).length, 72);
  assert.equal(ids.filter((id) => id.startsWith("full/")).length, 12);
  assert.equal(ids.length, 84);
  assert.ok(plan.cells.every((c) => c.seeds.length === 3));
});

Deno.test("clean protocol: ≥ 5 seeds per cell, other seeds than paper, no test selection or filtering", async () => {
  const clean = await planOf("paper", "clean");
  const paper = await planOf("paper", "paper");
  assert.ok(clean.cells.every((c) => c.seeds.length >= 5));
  assert.notDeepStrictEqual(clean.cells[0].seeds.slice(0, 3), paper.cells[0].seeds.slice(0, 3));
  assert.equal(PROTOCOLS.clean.selection, "max dev/f1");
  assert.equal(PROTOCOLS.clean.rules?.tokenFilter, false);
  assert.equal(PROTOCOLS.paper.selection, "max test/f1");
});

Deno.test("budget overrides reach every cell and are recorded as run deviations; unknown knobs are refused", async () => {
  const plan = await datnetSuite.plan({
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
    only: ["t3/es/datnet-f/"],
    budget: { epochs: 7, source_batches: 30, eval_every: 5 },
  });
  assert.equal(plan.cells.length, 6);
  for (const c of plan.cells) {
    assert.deepStrictEqual([c.config.epochs, c.config.sourceBatchesPerEpoch, c.config.evalEvery], [7, 30, 5]);
  }
  assert.equal(plan.deviations.length, 3);
  assert.ok(plan.deviations.some((d) => d.startsWith("[evaluation] budget eval_every = 5")));
  assert.ok(
    plan.deviations.some((d) => d.includes("instead of the paper profile's a full pass over CoNLL-2003")),
  );
  await assert.rejects(
    () => datnetSuite.plan({ profile: "paper", protocol: "paper", dataDir: "", budget: { iterations: 3 } }),
    /Unknown budget knob "iterations" for datnet\..*Known knobs: epochs .*source_batches .*eval_every/,
  );
});

Deno.test("targetSubset: first k under paper, seeded under clean, ρ fraction for ratios", () => {
  const train: Sentence[] = Array.from({ length: 40 }, (_, i) => ({ words: [`w${i}`], tags: ["O"] }));
  const { paper, clean } = PROTOCOLS;
  assert.deepStrictEqual(targetSubset(train, { kind: "first-k", k: 3 }, paper, 1), train.slice(0, 3));
  const a = targetSubset(train, { kind: "first-k", k: 3 }, clean, 1);
  assert.equal(a.length, 3);
  assert.deepStrictEqual(a, targetSubset(train, { kind: "first-k", k: 3 }, clean, 1));
  assert.notDeepStrictEqual(a, targetSubset(train, { kind: "first-k", k: 3 }, clean, 2));
  assert.equal(targetSubset(train, { kind: "ratio", ratio: 0.1 }, paper, 5).length, 4);
  assert.equal(targetSubset(train, { kind: "ratio", ratio: 1 }, paper, 5), train);
  assert.equal(targetSubset(train, { kind: "all" }, clean, 5), train);
  assert.throws(
    () => targetSubset(train, { kind: "first-k", k: 3 }, { ...paper, subset: "middle-k" }, 1),
    /Unknown subset rule "middle-k"/,
  );
});

Deno.test("experiments: cells shared between tables are declared with identical settings", () => {
  const cells = datnetSuite.cells();
  assert.equal(new Set(cells.map((c) => c.id)).size, cells.length);
  assert.ok(EXPERIMENTS.length >= 11);
  assert.deepStrictEqual(cells.find((c) => c.id === "full/wnut17/base")!.experiments, [
    "table2",
    "tpami-table8",
  ]);
  const settings = (target: "es" | "nl") => ({ target, variant: "base", subset: { kind: "all" as const } });
  assert.throws(
    () =>
      expandCells([
        { id: "a", title: "", source: "", cells: [{ id: "x", settings: settings("es") }] },
        { id: "b", title: "", source: "", cells: [{ id: "x", settings: settings("nl") }] },
      ]),
    /declared twice/,
  );
});

Deno.test("list --format csv rows: one per claim with the documented columns and status", async () => {
  const claims = await datnetSuite.claims();
  const rows = await listRows("datnet", "paper", "paper");
  assert.equal(rows.length, claims.length);
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
    "cell",
    "status",
  ]);
  for (const r of rows) assert.equal(r.length, LIST_COLUMNS.length);
  assert.ok(!rows.some((r) => r[10].includes("no cell planned")), "every claim has a declared cell");
  const row = rows.find((r) =>
    r[3] === "DATNet-F" && r[4].includes("Spanish") && r[4].includes("/ 10 sentences")
  )!;
  assert.equal(row[2], "ACL 2019 Table 3");
  assert.equal(row[6], "44.52");
  assert.equal(row[9], "t3/es/datnet-f/k=10");
  assert.equal(row[10], "planned (paper profile)");
  assert.ok(rows.some((r) => r[2] === "TPAMI 2021 Table 6"), "TPAMI tables are named with their paper");
});

Deno.test("list --relative: every statement with its pairs and how many the profile plans", async () => {
  const rows = await listRelativeRows("datnet", "nightly", "paper");
  assert.deepStrictEqual(rows.length, (await datnetSuite.relativeClaims()).length);
  for (const r of rows) assert.equal(r.length, LIST_RELATIVE_COLUMNS.length);
  const t3 = rows.find((r) => r[1] === "acl-t3/datnet-f>base")!;
  assert.equal(t3[3], "ACL 2019 Table 3");
  assert.match(t3[6], /^t3\/es\/datnet-f\/k=10 > t3\/es\/base\/k=10; /);
  assert.equal(t3[7], "12", "the nightly profile plans Table 3's DATNet-F and Base cells on both targets");
});
