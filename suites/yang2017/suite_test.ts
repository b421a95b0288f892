import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { numpyLegacyChoice } from "../../harness/data/numpy_random.ts";
import type { Sentence } from "../../models/types.ts";
import { availableResources } from "../../harness/run/define.ts";
import { figureCharts } from "../../harness/run/figures.ts";
import { SCORERS } from "../../harness/metrics/scorers.ts";
import {
  FIGURE2,
  FIGURE2_PANELS,
  FIGURE2_RATES,
  OPTIONAL_RESOURCES,
  parseDeltaCell,
  PROFILES,
  PROTOCOLS,
  SMOKE_CELLS,
  TABLE2_ROWS,
  table2Cells,
  TASKS,
  yang2017Suite,
} from "./suite.ts";
import {
  DEVIATION_GAZETTEER,
  DEVIATION_GAZETTEER_SOURCE,
  DEVIATION_GLOVE,
  docstartLayout,
  labelRateSubset,
  protocolPool,
  scorerId,
} from "./hooks.ts";
import { LABEL_MAPS } from "./model.ts";

const declaredCells = () =>
  yang2017Suite.cells().map((c) => ({ ...c.settings, id: c.id, experiments: c.experiments }));

const dataDir = Deno.env.get("TAGBENCH_DATA_DIR") ??
  resolve(fileURLToPath(new URL("../../../shared/data", import.meta.url)));

const planOf = (profile: "smoke" | "paper" | "nightly", protocol: "paper" | "clean" = "paper") =>
  yang2017Suite.plan({ profile, protocol, dataDir: "", verifyData: false });

Deno.test("claims: 36 of Table 2 (12 rows × transfer, no transfer, Δ) and 10 of Table 3, every cell declared", async () => {
  const claims = await yang2017Suite.claims();
  assert.equal(claims.filter((c) => c.table === "Table 2").length, 36);
  assert.equal(claims.filter((c) => c.table === "Table 3").length, 10);
  assert.equal(claims.length, 46);
  assert.ok(claims.every((c) => c.paper === "yang2017-iclr"));
  const cells = new Set(declaredCells().map((c) => c.id));
  const missing: string[] = [];
  for (const c of claims) {
    const pair = parseDeltaCell(c.cell);
    for (const id of pair ? [pair.minuend, pair.subtrahend] : [c.cell]) {
      if (!cells.has(id)) missing.push(`${c.id} → ${id}`);
    }
  }
  assert.deepStrictEqual(missing, []);
});

Deno.test("Table 2: each row's claims point at the row's cells and Δ = transfer − no transfer", async () => {
  const claims = await yang2017Suite.claims();
  const t2 = claims.filter((c) => c.table === "Table 2");
  assert.equal(TABLE2_ROWS.length, 12);
  for (const row of TABLE2_ROWS) {
    const prefix = `t2/${row.source}-${row.target}/${row.architecture}/rate=${row.rate}/`;
    const get = (k: string) => t2.find((c) => c.id === prefix + k)!;
    const [tr, nt, d] = [get("transfer"), get("no-transfer"), get("delta")];
    assert.ok(tr && nt && d, prefix);
    const cells = table2Cells(row);
    assert.equal(tr.cell, cells.transfer);
    assert.equal(nt.cell, cells.base);
    assert.deepStrictEqual(parseDeltaCell(d.cell), { minuend: cells.transfer, subtrahend: cells.base });
    assert.ok(Math.abs(tr.value - nt.value - d.value) < 1e-9, `${prefix}: Δ ${d.value}`);
    assert.ok([tr, nt, d].every((c) => c.fraction === row.rate));
  }
  // Rows sharing a target and rate share the no-transfer cell (CoNLL03/0.01: 68.64 twice; Genia/0.001 five times).
  assert.equal(t2.filter((c) => c.cell === "fig2/h/base/rate=0.01").length, 2);
  assert.equal(t2.filter((c) => c.cell === "fig2/a/base/rate=0.001").length, 5);
  assert.equal(parseDeltaCell("fig2/h/base/rate=0.01"), undefined);
});

Deno.test("declared cells: Figure 2's ten panels over five rates, no-transfer curves once per target", () => {
  const cells = declaredCells();
  assert.equal(new Set(cells.map((c) => c.id)).size, cells.length);
  for (const p of FIGURE2_PANELS) {
    for (const r of FIGURE2_RATES) {
      assert.ok(cells.some((c) => c.id === `fig2/${p.id}/${p.architecture}/rate=${r === 1 ? "1.0" : r}`));
    }
  }
  const base = cells.filter((c) => c.id.startsWith("fig2/") && c.architecture === "base");
  // Seven distinct targets × four rates > 0.
  assert.equal(base.length, 28);
  assert.ok(!cells.some((c) => c.id === "fig2/j/base/rate=0.01"), "(j) reuses (h)'s CoNLL03 curve");
  assert.deepStrictEqual(cells.find((c) => c.id === "fig2/h/base/rate=0.01")!.experiments, [
    "figure2",
    "table2",
  ]);
  assert.equal(cells.filter((c) => c.id.startsWith("t3/")).length, 10);
  assert.equal(cells.length, 50 + 28 + 2 + 10);
});

Deno.test("paper plan: every cell planned or skipped with a reason; missing data and empty subsets skipped", async () => {
  const plan = await planOf("paper");
  const declared = declaredCells();
  const skipped = new Map(plan.skipped.map((s) => [s.id, s.reason]));
  const planned = new Set(plan.cells.map((c) => c.id));
  for (const c of declared) assert.ok(planned.has(c.id) !== skipped.has(c.id), c.id);
  assert.match(skipped.get("fig2/a/T-A/rate=0.001")!, /^Genia corpus not available/);
  assert.match(skipped.get("fig2/f/T-B/rate=0.001")!, /^full Penn Treebank/);
  assert.match(skipped.get("t3/ptb/transfer")!, /full Penn Treebank/);
  assert.match(skipped.get("fig2/d/base/rate=0.001")!, /int\(0.001·709\) = 0 sentences/);
  assert.ok(planned.has("fig2/d/T-A/rate=0.001"), "zero-shot transfer still runs");
  assert.ok(!plan.skipped.some((s) => parseDeltaCell(s.id)), "Δ pairs are audited from their two cells");
  assert.ok(plan.cells.every((c) => c.seeds.length === 3));
  const h = plan.cells.find((c) => c.id === "fig2/h/T-B/rate=0.01")!;
  assert.deepStrictEqual([h.config.poolSentences, h.config.subsetSentences], [18453, 184]);
  assert.ok(h.deviations.some((d) => d.includes("gazetteer")));
  assert.ok(h.deviations.some((d) => d.includes("GloVe")));
  assert.ok(h.deviations.some((d) => d.includes("NLTK 10% WSJ sample")));
  const i = plan.cells.find((c) => c.id === "fig2/i/T-C/rate=0.01")!;
  assert.ok(i.deviations.some((d) => d.includes("Polyglot")));
  const e = plan.cells.find((c) => c.id === "fig2/e/T-A/rate=0.1")!;
  assert.deepStrictEqual(e.config.labelMaps, { conll03: "conll03->twitter-ner" });
  assert.ok(e.deviations.some((d) => d.includes("Ritter")));
  assert.deepStrictEqual(plan.protocolDetails.selection, {
    ner: "max test/f1",
    chunk: "max test/f1",
    pos: "max test/accuracy",
  });
  assert.match(String(plan.protocolDetails.reported_number), /MAXIMUM TEST score/);
});

Deno.test("seeds: unique over every run of a plan, and different between protocols", async () => {
  for (const protocol of ["paper", "clean"] as const) {
    const plan = await planOf("paper", protocol);
    const seeds = plan.cells.flatMap((c) => c.seeds);
    assert.equal(new Set(seeds).size, seeds.length, protocol);
  }
  const paper = await planOf("paper", "paper");
  const clean = await planOf("paper", "clean");
  assert.ok(clean.cells.every((c) => c.seeds.length >= 5));
  assert.notDeepStrictEqual(clean.cells[0].seeds.slice(0, 3), paper.cells[0].seeds);
  assert.deepStrictEqual(clean.protocolDetails.selection, {
    ner: "max dev/f1",
    chunk: "max dev/f1",
    pos: "max dev/accuracy",
  });
});

Deno.test("smoke plan: T-A, T-B, T-C and the base model each at least once, one seed, recorded as smoke", async () => {
  for (const protocol of ["paper", "clean"] as const) {
    const plan = await planOf("smoke", protocol);
    assert.deepStrictEqual(plan.cells.map((c) => c.id).sort(), [...SMOKE_CELLS].sort());
    assert.deepStrictEqual(
      new Set(plan.cells.map((c) => c.config.architecture)),
      new Set(["base", "T-A", "T-B", "T-C"]),
    );
    assert.ok(plan.cells.every((c) => c.seeds.length === 1));
    assert.ok(plan.cells.every((c) => c.config.iterationsPerTask === PROFILES.smoke.budget.iterations));
    assert.ok(plan.deviations.some((d) => d.startsWith("[budget] smoke profile")));
  }
});

Deno.test("nightly plan: Table 2's runnable rows and their no-transfer cells at rates 0.01 and 0.1, 3 seeds (5 clean)", async () => {
  const plan = await planOf("nightly");
  const ids = plan.cells.map((c) => c.id).sort();
  const expected = ["d", "e", "g", "h", "i", "j"].flatMap((p) => {
    const panel = FIGURE2_PANELS.find((q) => q.id === p)!;
    return [0.01, 0.1].map((r) => `fig2/${p}/${panel.architecture}/rate=${r}`);
  });
  for (const t of ["d", "e", "g", "h", "i"]) {
    for (const r of [0.01, 0.1]) expected.push(`fig2/${t}/base/rate=${r}`);
  }
  assert.deepStrictEqual(ids, expected.sort());
  assert.ok(plan.cells.every((c) => c.seeds.length === 3));
  assert.ok(plan.deviations.some((d) => d.startsWith("[budget] nightly profile")));
  assert.ok((await planOf("nightly", "clean")).cells.every((c) => c.seeds.length === 5));
});

Deno.test("budget: epochs, iterations and eval_every reach every cell and are deviations; source_batches is refused", async () => {
  const plan = await yang2017Suite.plan({
    profile: "paper",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
    only: ["fig2/g/"],
    budget: { epochs: 7, eval_every: 5, iterations: 150 },
  });
  assert.equal(plan.cells.length, 9);
  assert.ok(plan.cells.every((c) => c.config.maxEpochs === 7));
  assert.ok(plan.cells.every((c) => c.config.iterationsPerTask === 150));
  assert.ok(plan.cells.every((c) => (c.config.evaluation as { everyEpochs?: number }).everyEpochs === 5));
  assert.deepStrictEqual(plan.deviations, [
    "[budget] budget epochs = 7 (completed target epochs per cell at most) instead of the paper profile's 100",
    "[evaluation] budget eval_every = 5 (evaluate the target at every n-th target epoch end (and after the last iteration)) " +
    "instead of the paper profile's released schedule (every 100 target sentences after 4 epochs, and every " +
    "epoch end): the maximum test score is taken over fewer evaluations",
    "[budget] budget iterations = 150 (training iterations (batches) per task at most) instead of the paper profile's " +
    "20000: fewer updates than the profile's schedule",
  ]);
  await assert.rejects(
    () =>
      yang2017Suite.plan({ profile: "paper", protocol: "paper", dataDir: "", budget: { source_batches: 3 } }),
    /Unknown budget knob "source_batches" for yang2017\..*Known knobs: epochs/,
  );
});

const pool: Sentence[] = Array.from({ length: 1234 }, (_, i) => ({ words: [`w${i}`], tags: ["O"] }));

Deno.test("labelRateSubset: paper = numpy RandomState(13).choice with replacement; clean = seeded, distinct", () => {
  const paper = PROTOCOLS.paper.subset;
  const clean = PROTOCOLS.clean.subset;
  const a = labelRateSubset(pool, 0.1, paper, 1);
  assert.deepStrictEqual(a.indices, numpyLegacyChoice(13, 1234, 123));
  assert.deepStrictEqual(labelRateSubset(pool, 0.1, paper, 2).indices, a.indices, "seed-independent");
  assert.deepStrictEqual(labelRateSubset(pool, 0.01, paper, 1).indices, a.indices.slice(0, 12), "nested");
  assert.deepStrictEqual(a.sentences[0], pool[a.indices[0]]);
  assert.equal(labelRateSubset(pool, 0, paper, 1).indices.length, 0);
  const c = labelRateSubset(pool, 0.1, clean, 1);
  assert.equal(c.indices.length, 123);
  assert.equal(new Set(c.indices).size, 123);
  assert.notDeepStrictEqual(labelRateSubset(pool, 0.1, clean, 2).indices, c.indices);
  assert.equal(labelRateSubset(pool, 1, paper, 1).sentences.length, 1234);
  assert.throws(() => labelRateSubset(pool, 1.5, paper, 1), RangeError);
  assert.throws(() => labelRateSubset(pool, 0.1, "reservoir", 1), /Unknown subset rule "reservoir"/);
});

Deno.test("docstartLayout: DOCSTART lines as units between the loader's sentences", () => {
  const text = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter NNP I-NP I-PER\n\n" +
    "-DOCSTART- -X- O O\n\nBonn NNP I-NP I-LOC\n";
  assert.deepStrictEqual(docstartLayout(text, 3), [-1, 0, 1, -1, 2]);
  assert.throws(() => docstartLayout(text, 4), /reader mismatch/);
});

Deno.test("scorers: paper strict IOBES drops ill-formed spans; clean converts IOBES to IOB2 for conlleval", () => {
  const gold = [["B-PER", "E-PER", "O", "S-LOC"]];
  const pred = [["B-PER", "I-PER", "O", "S-LOC"]];
  const score = (protocol: "paper" | "clean", kind: "ner" | "pos") =>
    SCORERS[scorerId(PROTOCOLS[protocol], kind)].score;
  const paper = score("paper", "ner")(gold, pred);
  assert.deepStrictEqual([paper.precision, paper.recall], [100, 50]);
  const clean = score("clean", "ner")(gold, pred);
  assert.equal(clean.f1, 100, "conlleval on IOB2: B-PER I-PER is the same chunk");
  assert.equal(score("paper", "pos")([["NN", "VB"]], [["NN", "NN"]]).f1, 50);
});

Deno.test("T-A label maps: CoNLL-2003 types into Ritter's, PTB brackets into Twitter's", () => {
  const ner = LABEL_MAPS["conll03->twitter-ner"];
  assert.equal(Object.keys(ner).length, 16);
  assert.deepStrictEqual([ner["S-PER"], ner["B-LOC"], ner["E-ORG"], ner["I-MISC"]], [
    "S-person",
    "B-geo-loc",
    "E-company",
    "I-other",
  ]);
  assert.equal(LABEL_MAPS["ptb->twitter-pos"]["-LRB-"], "(");
});

Deno.test("Figure 2 as data: ten panels, measured curves with gaps, Table 2 points overlaid", async () => {
  const claims = await yang2017Suite.claims();
  const charts = figureCharts(
    FIGURE2,
    new Map([["fig2/d/T-A/rate=0.1|test/accuracy", 80], ["fig2/h/base/rate=0.01|test/f1", 60]]),
    claims,
  );
  assert.equal(charts.length, 10);
  const d = charts[3];
  assert.equal(d.title, "(d) PTB → Twitter POS");
  assert.deepStrictEqual(d.series[0].points.map((p) => p.y), [null, null, null, 80, null]);
  assert.deepStrictEqual(d.series[2].points, [{ x: 3, y: 83.65 }]);
  assert.deepStrictEqual(d.series[3].points, [{ x: 3, y: 74.8 }]);
  const j = charts[9];
  assert.equal(j.series[1].points[2].y, 60, "(j) draws CoNLL03's no-transfer curve from (h)");
  assert.match(charts[0].subtitle!, /not run: Genia not available/);
  assert.match(charts[5].subtitle!, /not run: full PTB not available/);
});

Deno.test({
  name:
    "paper protocol on real CoNLL-2003: N counts DOCSTART pseudo-sentences; rate 0.01 = numpy choice(13, N, int(0.01·N))",
  ignore: !existsSync(join(dataDir, "conll2003")),
  fn: async () => {
    const p = await protocolPool(TASKS.conll03, PROTOCOLS.paper, dataDir);
    const n = p.pool.length;
    assert.equal(n, TASKS.conll03.poolSentences!["train+dev"]);
    assert.equal(n, 18453);
    assert.equal(p.docstarts, 946 + 216);
    assert.deepStrictEqual(p.pool[0].words, ["-DOCSTART-"]);
    assert.deepStrictEqual(p.dev, [], "dev is pooled into training");
    const sub = labelRateSubset(p.pool, 0.01, PROTOCOLS.paper.subset, 12345);
    assert.deepStrictEqual(sub.indices, numpyLegacyChoice(13, n, Math.trunc(0.01 * n)));
    assert.equal(sub.indices.length, 184);
    assert.ok(sub.sentences.every((s, k) => s === p.pool[sub.indices[k]]));
    assert.ok(p.pool.every((s) => s.tags.every((t) => /^(O|[BIES]-(PER|LOC|ORG|MISC))$/.test(t))), "IOBES");
    const clean = await protocolPool(TASKS.conll03, PROTOCOLS.clean, dataDir);
    assert.equal(clean.pool.length, 14041);
    assert.equal(clean.dev.length, 3250);
  },
});

Deno.test("optional resources: SENNA, Polyglot and eng.list in the data directory drop their deviations", async () => {
  const dir = await Deno.makeTempDir();
  const nightly = async () =>
    await yang2017Suite.plan({ profile: "nightly", protocol: "paper", dataDir: dir, verifyData: false });
  const before = await nightly();
  const devs = (id: string, plan: typeof before) => plan.cells.find((c) => c.id === id)!.deviations;
  assert.ok(devs("fig2/h/base/rate=0.01", before).includes(`[target embeddings] ${DEVIATION_GLOVE}`));
  assert.ok(devs("fig2/h/base/rate=0.01", before).includes(`[target data] ${DEVIATION_GAZETTEER}`));
  assert.ok(
    devs("fig2/i/base/rate=0.01", before).some((d) => d.includes("] no Spanish pretrained embeddings")),
  );
  const resources = yang2017Suite.declaration.resources;
  assert.deepEqual(availableResources(resources, dir), {
    senna: false,
    "polyglot-es": false,
    "polyglot-nl": false,
    gazetteer: false,
  });

  for (
    const rel of [
      OPTIONAL_RESOURCES.senna.words,
      OPTIONAL_RESOURCES.senna.vectors,
      OPTIONAL_RESOURCES.polyglot.es,
      OPTIONAL_RESOURCES.gazetteer,
    ]
  ) {
    await Deno.mkdir(join(dir, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, rel), "");
  }
  assert.deepEqual(availableResources(resources, dir), {
    senna: true,
    "polyglot-es": true,
    "polyglot-nl": false,
    gazetteer: true,
  });
  const after = await nightly();
  for (const c of after.cells) assert.ok(!c.deviations.some((d) => d.endsWith(DEVIATION_GLOVE)), c.id);
  assert.ok(!devs("fig2/h/base/rate=0.01", after).some((d) => d.endsWith(DEVIATION_GAZETTEER)));
  assert.ok(
    !devs("fig2/i/base/rate=0.01", after).some((d) => d.includes("] no Spanish pretrained embeddings")),
  );
  // CoNLL-2003 as a source gets no gazetteer features: still a deviation, with its own reason.
  assert.ok(devs("fig2/e/T-A/rate=0.1", after).includes(`[source data] ${DEVIATION_GAZETTEER_SOURCE}`));
  assert.ok(!devs("fig2/e/T-A/rate=0.1", after).includes(DEVIATION_GAZETTEER));
});

Deno.test("budget eval_sentences: evaluations every n target sentences from the start, whatever the iteration cap", async () => {
  const plan = await yang2017Suite.plan({
    profile: "nightly",
    protocol: "paper",
    dataDir: "",
    verifyData: false,
    only: ["fig2/g/"],
    budget: { iterations: 150, eval_sentences: 100 },
  });
  assert.ok(plan.cells.length > 0);
  for (const c of plan.cells) {
    assert.deepStrictEqual(c.config.evaluation, {
      everySentences: 100,
      warmupEverySentences: 100,
      warmupEpochs: -1,
    });
  }
  assert.ok(plan.deviations.some((d) => d.startsWith("[evaluation] budget eval_sentences = 100")));
  await assert.rejects(
    () =>
      yang2017Suite.plan({
        profile: "nightly",
        protocol: "paper",
        dataDir: "",
        verifyData: false,
        budget: { eval_every: 2, eval_sentences: 100 },
      }),
    /give eval_every or eval_sentences, not both/,
  );
});
