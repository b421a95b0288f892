import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  availableResources,
  budgetDeviation,
  BudgetError,
  choiceDeviation,
  ChoiceError,
  defineSuite,
  expandCells,
  grid,
  parseBudget,
  parseChoices,
  predictionsSha256,
  resolveBudget,
  resolveChoices,
  resolveVariants,
  type SuiteDeclaration,
  type SuiteTypes,
} from "./define.ts";
import { cellSeeds } from "./seeds.ts";

interface ToyTypes extends SuiteTypes {
  settings: { size: number; variant: string };
  profile: { cap: number };
  config: { size: number; variant: string; epochs: number; layers: number };
  dataset: { title: string };
  variant: { layers: number; name: string };
}

function toy(over: Partial<SuiteDeclaration<ToyTypes>> = {}): SuiteDeclaration<ToyTypes> {
  const cells = grid({ variant: ["a", "b"], size: [1, 2] }).map((g) => ({
    id: `t/${g.variant}/${g.size}`,
    settings: g,
    ...(g.variant === "b" && g.size === 2 ? { blocker: "needs a corpus that is missing" } : {}),
  }));
  return {
    id: "toy",
    version: "1.0.0",
    paper: { title: "Toy", citation: "Nobody. Toy. 2026", papers: [{ id: "toy", venue: "nowhere" }] },
    claims: new URL("data:text/csv,id"),
    datasets: { x: { title: "X" } },
    variants: { a: { layers: 1, name: "A" }, b: { extends: "a", name: "B" } },
    experiments: [
      { id: "table1", title: "T1", source: "p. 1", cells },
      { id: "figure1", title: "F1", source: "p. 2", cells: [cells[0]], notes: ["read off the figure"] },
    ],
    protocols: {
      paper: {
        scorer: "conlleval",
        tagScheme: "IOB2",
        subset: "first-k",
        selection: "max test/f1",
        patience: 0,
        seeds: 3,
        notes: {},
      },
      clean: {
        scorer: "conlleval",
        tagScheme: "IOB2",
        subset: "seeded",
        selection: "max dev/f1",
        patience: 5,
        seeds: 5,
        notes: {},
      },
    },
    profiles: {
      smoke: {
        description: "two cells",
        includes: (c) => c.settings.size === 1,
        seeds: 1,
        budget: { epochs: 2 },
        settings: { cap: 10 },
      },
      nightly: { description: "all", includes: () => true, budget: { epochs: 10 }, settings: { cap: 0 } },
      paper: { description: "all", includes: () => true, budget: { epochs: null }, settings: { cap: 0 } },
    },
    budget: {
      epochs: { description: "epochs per cell", unlimited: "until convergence", effect: "fewer updates" },
    },
    resources: [{
      id: "vectors",
      title: "V",
      paths: ["v/vectors.txt"],
      usedFor: "all",
      substitute: "random",
    }],
    reference: { cell: "t/a/1", profile: "smoke", protocol: "paper", budget: { epochs: 1 } },
    hooks: {
      skipReason: (c) => (c.id === "t/a/2" ? "empty subset" : undefined),
      cellConfig: (c, ctx) => ({
        size: c.settings.size,
        variant: c.settings.variant,
        epochs: ctx.budget.epochs ?? 99,
        layers: ctx.variants[c.settings.variant].layers,
      }),
      cellDeviations: (_c, ctx) => (ctx.available.vectors ? [] : ["[target embeddings] no vectors: random"]),
      cellDatasets: () => [],
      trainCell: (cfg, seed) =>
        Promise.resolve({
          metrics: { "test/f1": cfg.size * 10 + seed % 7 },
          selection: "max test/f1",
          selectedAt: 1,
          progressUnit: "epoch",
          unitsRun: cfg.epochs,
          trainTokensPerSec: 1,
          trainSeconds: 1,
          testPredictions: [["B-X", "O"], ["O"]],
          epochLog: [],
        }),
    },
    ...over,
  };
}

Deno.test("expandCells: one id per cell with every experiment; the same id with other settings is refused", () => {
  const cells = expandCells(toy().experiments);
  assert.deepStrictEqual(cells.map((c) => c.id), ["t/a/1", "t/a/2", "t/b/1", "t/b/2"]);
  assert.deepStrictEqual(cells[0].experiments, ["table1", "figure1"]);
  assert.throws(
    () =>
      expandCells([
        { id: "e1", title: "", source: "", cells: [{ id: "x", settings: { k: 1 } }] },
        { id: "e2", title: "", source: "", cells: [{ id: "x", settings: { k: 2 } }] },
      ]),
    /Cell "x" is declared twice with different settings \(e1: .*"k":1.*; e2: .*"k":2/,
  );
  assert.throws(
    () =>
      expandCells([
        { id: "e1", title: "", source: "", cells: [{ id: "x", settings: {} }] },
        { id: "e2", title: "", source: "", cells: [{ id: "x", settings: {}, blocker: "no data" }] },
      ]),
    /declared twice/,
  );
});

Deno.test("resolveVariants: a variant extends its base recursively; unknown bases and cycles are errors", () => {
  const v = resolveVariants<Record<string, unknown>>({
    base: { layers: 1, at: false },
    at: { extends: "base", at: true },
    big: { extends: "at", layers: 2 },
  });
  assert.deepStrictEqual(v.big, { layers: 2, at: true });
  assert.deepStrictEqual(v.base, { layers: 1, at: false });
  assert.throws(
    () => resolveVariants({ a: { extends: "zz" } }),
    /Variant "a" extends "zz", which is not declared/,
  );
  assert.throws(() => resolveVariants({ a: { extends: "b" }, b: { extends: "a" } }), /extends itself/);
});

Deno.test("grid: the cartesian product of named axes, first axis outermost", () => {
  assert.deepStrictEqual(grid({ t: ["es", "nl"], k: [10, 50] }), [
    { t: "es", k: 10 },
    { t: "es", k: 50 },
    { t: "nl", k: 10 },
    { t: "nl", k: 50 },
  ]);
});

Deno.test("parseBudget / resolveBudget / budgetDeviation: knob=N, unknown knobs named with the known ones", () => {
  assert.deepStrictEqual(parseBudget("epochs=20, eval_every=5"), { epochs: 20, eval_every: 5 });
  assert.throws(() => parseBudget("epochs=0"), BudgetError);
  assert.throws(() => parseBudget("epochs"), /--budget entry "epochs" is not knob=N/);
  const knobs = {
    epochs: { description: "epochs per cell" },
    eval_every: { description: "evaluation cadence" },
  };
  assert.deepStrictEqual(resolveBudget(knobs, { epochs: 50 }, { eval_every: 2 }), {
    epochs: 50,
    eval_every: 2,
  });
  assert.throws(
    () => resolveBudget(knobs, {}, { epoch: 3 }, "toy"),
    (e: Error) =>
      e instanceof BudgetError && e.message.includes('Unknown budget knob "epoch" for toy.') &&
      e.message.includes("epochs") && e.message.includes("Known knobs: epochs (epochs per cell), eval_every"),
  );
  assert.equal(budgetDeviation("epochs", knobs.epochs, 50, 50, "paper"), undefined);
  assert.equal(
    budgetDeviation(
      "epochs",
      { description: "epochs", unlimited: "a full pass", effect: "fewer updates" },
      3,
      null,
      "paper",
    ),
    "[budget] budget epochs = 3 (epochs) instead of the paper profile's a full pass: fewer updates",
  );
});

Deno.test("defineSuite plan: blocker, then the suite's reason, then profile and --only; seeds, budget, deviations", async () => {
  const suite = defineSuite(toy());
  const plan = await suite.plan({ profile: "paper", protocol: "paper", dataDir: "", verifyData: false });
  assert.deepStrictEqual(plan.cells.map((c) => c.id), ["t/a/1", "t/b/1"]);
  assert.deepStrictEqual(Object.fromEntries(plan.skipped.map((s) => [s.id, s.reason])), {
    "t/a/2": "empty subset",
    "t/b/2": "needs a corpus that is missing",
  });
  const a1 = plan.cells[0];
  assert.deepStrictEqual(
    a1.seeds,
    cellSeeds("toy", "paper/t/a/1", 3),
    "protocol's seeds, derived from the id",
  );
  assert.deepStrictEqual(a1.config, {
    size: 1,
    variant: "a",
    epochs: 99,
    layers: 1,
    experiments: ["table1", "figure1"],
  });
  assert.equal(plan.cells[1].config.layers, 1, "b extends a");
  assert.deepStrictEqual(a1.deviations, ["[target embeddings] no vectors: random"]);
  assert.ok(
    a1.components!.includes("target data") && !a1.components!.includes("source data"),
    "default: target side",
  );
  assert.equal(a1.experiment, "table1");
  assert.deepStrictEqual(plan.protocolDetails.budget, { epochs: "until convergence" });
  assert.deepStrictEqual(plan.protocolDetails.experiment_notes, { figure1: ["read off the figure"] });
  assert.equal(plan.protocolDetails.selection, "max test/f1");

  const smoke = await suite.plan({
    profile: "smoke",
    protocol: "clean",
    dataDir: "",
    verifyData: false,
    budget: { epochs: 1 },
    seeds: 2,
    only: ["t/b"],
  });
  assert.deepStrictEqual(smoke.cells.map((c) => [c.id, c.config.epochs, c.seeds.length]), [["t/b/1", 1, 2]]);
  assert.equal(smoke.skipped.find((s) => s.id === "t/a/1")!.reason, "excluded by --only");
  assert.equal(smoke.skipped.find((s) => s.id === "t/a/2")!.reason, "empty subset");
  assert.deepStrictEqual(smoke.deviations, [
    "[budget] smoke profile: two cells",
    "[seeds] seeds per cell overridden to 2",
    "[budget] budget epochs = 1 (epochs per cell) instead of the smoke profile's 2: fewer updates",
  ]);
  // a deviation without its component tag is refused at planning time
  const untagged = defineSuite(toy({
    hooks: { ...toy().hooks, cellDeviations: () => ["no vectors"] },
  }));
  await assert.rejects(
    () => untagged.plan({ profile: "paper", protocol: "paper", dataDir: "", verifyData: false }),
    /Deviation of cell "t\/a\/1" is not tagged with its component/,
  );
  await assert.rejects(
    () => suite.plan({ profile: "paper", protocol: "paper", dataDir: "", budget: { iterations: 5 } }),
    /Unknown budget knob "iterations" for toy/,
  );
});

const MIXING = {
  description: "batch mixing",
  component: "source data" as const,
  options: { released: "as the released code", joint: "one joint step" },
  defaults: { paper: "released", clean: "joint" },
};

Deno.test("parseChoices / resolveChoices / choiceDeviation: name=option, each protocol's default, overrides", () => {
  assert.deepStrictEqual(parseChoices("mixing=joint, size=paper-text"), {
    mixing: "joint",
    size: "paper-text",
  });
  assert.throws(() => parseChoices("mixing"), /--choice entry "mixing" is not name=option/);
  assert.throws(() => parseChoices("mixing=a,mixing=b"), /names "mixing" twice/);
  assert.deepStrictEqual(resolveChoices({ mixing: MIXING }, "paper"), { mixing: "released" });
  assert.deepStrictEqual(resolveChoices({ mixing: MIXING }, "clean"), { mixing: "joint" });
  assert.deepStrictEqual(resolveChoices({ mixing: MIXING }, "paper", { mixing: "joint" }), {
    mixing: "joint",
  });
  assert.throws(
    () => resolveChoices({ mixing: MIXING }, "paper", { mixng: "joint" }, "toy"),
    (e: Error) =>
      e instanceof ChoiceError &&
      /^Unknown choice "mixng" for toy\..*mixing.*Known choices: mixing$/.test(e.message),
  );
  assert.throws(
    () => resolveChoices({ mixing: MIXING }, "paper", { mixing: "jont" }, "toy"),
    /Choice "mixing" of toy has no option "jont"\..*Options: released, joint/,
  );
  assert.throws(() => resolveChoices({}, "paper", { mixing: "joint" }, "toy"), /toy declares no choices/);
  assert.equal(choiceDeviation("mixing", MIXING, "released", "paper"), undefined);
  assert.equal(
    choiceDeviation("mixing", MIXING, "joint", "paper"),
    "[source data] batch mixing: mixing=joint (one joint step) instead of the paper protocol's released " +
      "(as the released code)",
  );
});

Deno.test("defineSuite choices: hooks read ctx.choices; an override is a run deviation; bad defaults refused", async () => {
  const base = toy();
  const suite = defineSuite(toy({
    choices: { mixing: MIXING },
    hooks: {
      ...base.hooks,
      cellConfig: (c, ctx) => ({
        ...base.hooks.cellConfig(c, ctx),
        layers: ctx.choices.mixing === "joint" ? 2 : 1,
      }),
    },
  }));
  const plain = await suite.plan({ profile: "paper", protocol: "paper", dataDir: "", verifyData: false });
  assert.equal(plain.cells[0].config.layers, 1);
  assert.ok(!plain.deviations.some((d) => d.includes("mixing")));
  assert.deepStrictEqual(plain.protocolDetails.choices, { mixing: "released: as the released code" });
  const joint = await suite.plan({
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
    choices: { mixing: "joint" },
  });
  assert.equal(joint.cells[0].config.layers, 2);
  assert.ok(joint.deviations.includes(choiceDeviation("mixing", MIXING, "joint", "paper")!));
  // The clean protocol's default is joint: asking for it again records nothing.
  const clean = await suite.plan({
    profile: "paper",
    protocol: "clean",
    dataDir: "",
    verifyData: false,
    choices: { mixing: "joint" },
  });
  assert.ok(!clean.deviations.some((d) => d.includes("mixing")));
  assert.deepStrictEqual(suite.choices?.mixing.defaults, { paper: "released", clean: "joint" });
  assert.throws(
    () =>
      defineSuite(
        toy({ choices: { mixing: { ...MIXING, defaults: { paper: "released", clean: "nope" } } } }),
      ),
    /choice "mixing" has no declared option "nope" for clean/,
  );
});

Deno.test("defineSuite: a profile budget naming an undeclared knob is refused at once", () => {
  const bad = toy();
  bad.profiles.smoke = { ...bad.profiles.smoke, budget: { iterations: 3 } };
  assert.throws(() => defineSuite(bad), /profile smoke sets undeclared knob "iterations"/);
});

Deno.test("defineSuite runCell: the engine hashes the test predictions as a run records them", async () => {
  const suite = defineSuite(toy());
  const plan = await suite.plan({ profile: "paper", protocol: "paper", dataDir: "", verifyData: false });
  const r = await suite.runCell(plan.cells[0], 7, {
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    onProgress: () => {},
  });
  const text = "B-X\nO\n\nO\n";
  assert.equal(r.predictionsSha256, createHash("sha256").update(text).digest("hex"));
  assert.equal(predictionsSha256([["B-X", "O"], ["O"]]), r.predictionsSha256);
  assert.deepStrictEqual(r.metrics, { "test/f1": 10 });
});

Deno.test("availableResources: every path must exist; none without a data directory", async () => {
  const dir = await Deno.makeTempDir();
  const res = [{ id: "v", title: "V", paths: ["a.txt", "b.txt"], usedFor: "", substitute: "" }];
  assert.deepStrictEqual(availableResources(res, dir), { v: false });
  await Deno.writeTextFile(`${dir}/a.txt`, "");
  assert.deepStrictEqual(availableResources(res, dir), { v: false });
  await Deno.writeTextFile(`${dir}/b.txt`, "");
  assert.deepStrictEqual(availableResources(res, dir), { v: true });
  assert.deepStrictEqual(availableResources(res, ""), { v: false });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stages: cells needing one stage configuration share one artifact; its metrics join their rows", async () => {
  const cache = await Deno.makeTempDir();
  let runs = 0;
  const seen: string[] = [];
  const decl = toy({
    stages: {
      lm: {
        title: "LM pre-training",
        source: "§3",
        run: async (config, ctx) => {
          runs++;
          await Deno.writeTextFile(`${ctx.dir}/lm.txt`, JSON.stringify(config));
          return { metrics: { "lm/dev_ppl": 50 } };
        },
      },
    },
  });
  decl.hooks = {
    ...decl.hooks,
    cellStages: (cfg) => ({ lm: { config: { layers: cfg.layers }, datasets: [] } }),
    trainCell: (cfg, seed, ctx) => {
      seen.push(Deno.readTextFileSync(`${ctx.artifacts.lm.dir}/lm.txt`));
      return toy().hooks.trainCell(cfg, seed, ctx);
    },
  };
  const suite = defineSuite(decl);
  const plan = await suite.plan({ profile: "paper", protocol: "paper", dataDir: "", verifyData: false });
  assert.equal(plan.stages!.length, 1, "t/a/1 and t/b/1 need the same configuration (b extends a: 1 layer)");
  assert.deepStrictEqual(plan.stages![0].cells, ["t/a/1", "t/b/1"]);
  const ctx = {
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    artifactsDir: cache,
    onProgress: () => {},
  } as const;
  const r1 = await suite.runCell(plan.cells[0], 1, ctx);
  const r2 = await suite.runCell(plan.cells[1], 1, ctx);
  assert.equal(runs, 1);
  assert.deepStrictEqual(seen, ['{"layers":1}', '{"layers":1}']);
  assert.equal(r1.metrics["lm/dev_ppl"], 50);
  assert.equal(r2.extra?.stage_lm, plan.stages![0].key);
  await Deno.remove(cache, { recursive: true });
});
