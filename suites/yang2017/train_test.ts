import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs-core";
import { chunkF1 } from "../../harness/metrics/conlleval.ts";
import type { LookupPolicy, Sentence } from "../../models/types.ts";
import { createRng, type Rng } from "../../models/init.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
} from "../../models/vocab.ts";
import { YANG_BASE, YANG_SHARING, type YangConfig, YangModel } from "./network.ts";
import {
  trainYang,
  YANG_SCHEDULE_RULES,
  YANG_TRAIN_DEFAULTS,
  YangJointOptimizer,
  type YangOutcome,
  type YangTaskData,
  type YangTrainConfig,
} from "./train.ts";
import { assertClose, TOY_LEXICON, toySentences, uniqueName, useBackend } from "../../models/_testing.ts";
import { Gazetteer } from "../../harness/data/gazetteer.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";

/** The toy NER sentences (IOB2) of `_testing.ts`, 3 to 7 words long. */
function toyNer(rng: Rng, n: number): Sentence[] {
  return toySentences(rng, n, TOY_LEXICON, 7);
}

/** A coarse "POS" task over the same words: NNP for names and places, NN for organisations, X otherwise. */
function toyPos(rng: Rng, n: number): Sentence[] {
  return toyNer(rng, n).map((s) => ({
    words: s.words,
    tags: s.tags.map((t) => (t === "O" ? "X" : t.endsWith("ORG") ? "NN" : "NNP")),
  }));
}

const lookup: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };

function target(seed: number, nTrain: number): YangTaskData {
  const rng = createRng(seed);
  return {
    name: "ner",
    train: toyNer(rng, nTrain),
    dev: toyNer(rng, 8),
    test: toyNer(rng, 8),
    lookup,
  };
}

function source(seed: number, nTrain: number): YangTaskData {
  return { name: "pos", train: toyPos(createRng(seed), nTrain), dev: [], test: [], lookup };
}

const tinyModel: YangConfig = {
  ...YANG_BASE,
  charEmbeddingDim: 4,
  charGruUnits: 4,
  wordEmbeddingDim: 8,
  wordGruUnits: 12,
  init: "tagbench",
};

const config: YangTrainConfig = {
  ...YANG_TRAIN_DEFAULTS,
  model: tinyModel,
  seed: 1,
  target: "ner",
  lr: 0.05,
  batchSize: 4,
  maxEpochs: 4,
  evaluation: { everySentences: 1000, warmupEverySentences: 1000, warmupEpochs: 0 },
};

/** The outcome without wall-clock fields and process-unique names (`yang<n>/…`). */
function timeless(o: YangOutcome): unknown {
  const json = JSON.stringify({
    ...o,
    trainSeconds: 0,
    trainTokensPerSec: 0,
    iterationsPerSec: 0,
    evaluations: o.evaluations.map((e) => ({ ...e, evalSeconds: 0 })),
    selected: { ...o.selected, evalSeconds: 0 },
  });
  return JSON.parse(json.replace(/"yang\d+/g, '"yang'));
}

Deno.test("YangJointOptimizer: one AdaGrad per task, separate accumulators over shared weights", async () => {
  await useBackend("wasm");
  const ner = toyNer(createRng(1), 4);
  const pos = toyPos(createRng(2), 4);
  const charVocab = buildCharVocabulary([...ner, ...pos]);
  const wordVocab = buildWordVocabulary([...ner, ...pos], lookup).vocab;
  const tasks = [
    { name: "ner", wordVocab, tagVocab: buildTagVocabulary(ner), lookup },
    { name: "pos", wordVocab, tagVocab: buildTagVocabulary(pos), lookup },
  ];
  const model = YangModel.create(
    { ...tinyModel, architecture: "T-B" },
    { charVocab, tasks },
    createRng(3),
    uniqueName("yopt"),
  );
  const bNer = encodeBatch(ner, wordVocab, charVocab, model.tagVocab("ner"), lookup);
  const bPos = encodeBatch(pos, wordVocab, charVocab, model.tagVocab("pos"), lookup);
  const lr = 0.01;
  const opt = new YangJointOptimizer(model, lr);
  const snap = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));
  const sharedVars = YANG_SHARING["T-B"].flatMap((g) => model.groupVariables(g, "ner"));
  const nerHead = model.groupVariables("crf", "ner");
  const posHead = model.groupVariables("crf", "pos");
  const grad = (task: string) => {
    const { value, grads } = tf.variableGrads(
      () => model.loss(task === "ner" ? bNer : bPos, task),
      model.trainableVariables(task),
    );
    value.dispose();
    const out = new Map(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())]));
    tf.dispose(Object.values(grads));
    return out;
  };

  const gNer = grad("ner");
  const posHead0 = snap(posHead);
  const shared0 = snap(sharedVars);
  await opt.step("ner", bNer);
  assert.equal(opt.optimizer("ner").stateTensors(), model.trainableVariables("ner").length);
  assert.equal(opt.optimizer("pos").stateTensors(), 0, "steps on ner leave pos's accumulators untouched");
  snap(posHead).forEach((a, i) => assert.deepEqual(a, posHead0[i], "pos's CRF is not updated by ner"));
  const shared1 = snap(sharedVars);
  shared1.forEach((a, i) => assert.notDeepEqual(a, shared0[i], `${sharedVars[i].name} updated by ner`));

  // pos's first step on the shared weights uses fresh accumulators: Δw = −lr·g/√(g² + 1e-6), whatever ner did.
  const gPos = grad("pos");
  const nerHead1 = snap(nerHead);
  await opt.step("pos", bPos);
  assert.equal(opt.optimizer("pos").stateTensors(), model.trainableVariables("pos").length);
  assert.equal(opt.optimizer("ner").stateTensors(), model.trainableVariables("ner").length);
  snap(nerHead).forEach((a, i) => assert.deepEqual(a, nerHead1[i], "ner's CRF is not updated by pos"));
  let discriminating = 0;
  snap(sharedVars).forEach((w2, i) => {
    const name = sharedVars[i].name;
    const g = gPos.get(name)!;
    const ga = gNer.get(name)!;
    const own = Array.from(g, (x, k) => shared1[i][k] - lr * x / Math.sqrt(x * x + 1e-6));
    assertClose(w2, own, 2e-6, 1e-6, `${name} after pos's first step`);
    // Had the accumulators been shared, the step would have been −lr·g/√(g_ner² + g² + 1e-6).
    g.forEach((x, k) => {
      const pooled = shared1[i][k] - lr * x / Math.sqrt(ga[k] * ga[k] + x * x + 1e-6);
      if (Math.abs(pooled - own[k]) > 1e-4) discriminating++;
    });
  });
  assert.ok(discriminating > 50, `only ${discriminating} entries tell separate from pooled accumulators`);
  opt.dispose();
  model.dispose();
});

Deno.test("trainYang: the base model learns a toy task; no tensors leak", async () => {
  await useBackend("wasm");
  const before = tf.memory().numTensors;
  const out = await trainYang({ ...config, maxEpochs: 12 }, [target(11, 24)], chunkF1);
  assert.equal(tf.memory().numTensors, before, "trainYang leaked tensors");
  assert.equal(out.stopReason, "max-epochs");
  assert.equal(out.targetEpochs, 12);
  assert.equal(out.iterations, 12 * 6);
  assert.deepEqual(out.evaluations.map((e) => e.targetEpochs), Array.from({ length: 12 }, (_, i) => i + 1));
  const first = out.evaluations[0].trainLoss.ner;
  const last = out.evaluations[11].trainLoss.ner;
  assert.ok(last < first / 3, `loss ${first} → ${last}`);
  assert.ok(out.test.f1 >= 85, `test F1 ${out.test.f1}`);
  assert.equal(out.selection, "max-test");
  assert.equal(out.test.f1, Math.max(...out.evaluations.map((e) => e.test.f1)));
  assert.equal(out.testPredictions.length, 8);
  assert.equal(out.model.config.architecture, "base");
  assert.equal(out.vocab.tasks.ner.tags, 5);
  assert.ok(out.iterationsPerSec > 0);
});

Deno.test("trainYang: T-B alternates tasks, evaluates by the released rule, and is deterministic per seed", async () => {
  await useBackend("wasm");
  const tasks = [target(12, 10), source(13, 40)];
  const cfg: YangTrainConfig = {
    ...config,
    model: { ...tinyModel, architecture: "T-B" },
    maxEpochs: 3,
    evaluation: { everySentences: 8, warmupEverySentences: 1000, warmupEpochs: 1 },
  };
  const order: string[] = [];
  const a = await trainYang(cfg, tasks, chunkF1, (p) => order.push(p.task));
  // 10 target sentences in batches of 4: 3 iterations per target epoch; the target goes first.
  assert.deepEqual(order.slice(0, 6), ["ner", "pos", "ner", "pos", "ner", "pos"]);
  assert.equal(a.iterations, 17);
  assert.deepEqual(a.taskIterations, { ner: 9, pos: 8 });
  // Epochs 1–2 are warm-up (period 1000): evaluated at their ends only. In epoch 3 (period 8 sentences = 2
  // batches), after its second target iteration and at its end.
  assert.deepEqual(a.evaluations.map((e) => e.iteration), [5, 11, 15, 17]);
  assert.deepEqual(a.evaluations.map((e) => e.targetEpochs), [1, 2, 2, 3]);
  assert.ok(a.evaluations.every((e) => e.dev !== undefined && Number.isFinite(e.trainLoss.pos)));
  assert.equal(a.schedule, YANG_SCHEDULE_RULES.alternate);
  assert.deepEqual(a.model.shared, YANG_SHARING["T-B"]);
  const b = await trainYang(cfg, tasks, chunkF1);
  assert.deepEqual(timeless(a), timeless(b));
  const c = await trainYang({ ...cfg, seed: 2 }, tasks, chunkF1);
  assert.notDeepEqual(c.evaluations.map((e) => e.trainLoss), a.evaluations.map((e) => e.trainLoss));
});

Deno.test("trainYang: evaluation.everyEpochs evaluates only at every n-th target epoch end, plus a final one", async () => {
  await useBackend("wasm");
  const tasks = [target(12, 10), source(13, 40)];
  const cfg: YangTrainConfig = {
    ...config,
    model: { ...tinyModel, architecture: "T-B" },
    maxEpochs: 5,
    maxIterations: 26,
    evaluation: { everySentences: 4, warmupEverySentences: 4, warmupEpochs: -1, everyEpochs: 2 },
  };
  const out = await trainYang(cfg, tasks, chunkF1);
  // 3 target iterations per epoch, alternating with the source: epoch e ends at iteration 6e − 1. The cap of
  // 26 iterations stops inside epoch 5 (after 13 target iterations), which gets one final evaluation.
  assert.equal(out.iterations, 26);
  assert.deepEqual(out.evaluations.map((e) => e.iteration), [11, 23, 26]);
  assert.deepEqual(out.evaluations.map((e) => e.targetEpochs), [2, 4, 4]);
  await assert.rejects(
    () => trainYang({ ...cfg, evaluation: { ...cfg.evaluation, everyEpochs: 0 } }, tasks, chunkF1),
    /everyEpochs must be an integer ≥ 1/,
  );
});

Deno.test("trainYang: sampled schedule draws tasks by probability, seeded", async () => {
  await useBackend("wasm");
  const tasks = [target(14, 4), source(15, 8)];
  const cfg: YangTrainConfig = {
    ...config,
    model: { ...tinyModel, architecture: "T-C", wordGruUnits: 4 },
    lr: 0,
    batchSize: 1,
    maxEpochs: 100,
    maxIterations: 60,
    evaluation: { everySentences: 1000, warmupEverySentences: 1000, warmupEpochs: 0 },
    schedule: "sample",
    taskProbabilities: { ner: 1, pos: 3 },
  };
  const order: string[] = [];
  const out = await trainYang(cfg, tasks, chunkF1, (p) => order.push(p.task));
  assert.equal(out.stopReason, "max-iterations");
  assert.equal(out.iterations, 60);
  assert.ok(out.taskIterations.pos > 30 && out.taskIterations.ner > 5, JSON.stringify(out.taskIterations));
  assert.ok(order.some((t, i) => i > 0 && t === order[i - 1]), "not alternating");
  const again: string[] = [];
  await trainYang(cfg, tasks, chunkF1, (p) => again.push(p.task));
  assert.deepEqual(again, order);
  await assert.rejects(
    () => trainYang({ ...cfg, taskProbabilities: { ner: 1 } }, tasks, chunkF1),
    /taskProbabilities\["pos"\]/,
  );
});

Deno.test("trainYang: selection on dev or max test; early stopping on the target", async () => {
  await useBackend("wasm");
  const data = target(16, 8);
  const cfg: YangTrainConfig = { ...config, maxEpochs: 5 };
  const byDev = await trainYang({ ...cfg, selection: "dev" }, [data], chunkF1);
  const bestDev = Math.max(...byDev.evaluations.map((e) => e.dev!.f1));
  assert.equal(byDev.selected, byDev.evaluations.find((e) => e.dev!.f1 === bestDev));
  assert.equal(byDev.test, byDev.selected.test);
  // lr 0: nothing changes, so the score never improves after the first evaluation.
  const frozen = await trainYang({ ...cfg, lr: 0, maxEpochs: 10, patience: 2 }, [data], chunkF1);
  assert.equal(frozen.stopReason, "early-stopping");
  assert.equal(frozen.evaluations.length, 3);
  assert.equal(frozen.selected.index, 0);
  await assert.rejects(
    () => trainYang({ ...cfg, selection: "dev" }, [{ ...data, dev: [] }], chunkF1),
    /needs target dev/,
  );
  await assert.rejects(
    () => trainYang({ ...cfg, target: "chunk" }, [data], chunkF1),
    /"chunk" is not one of/,
  );
  await assert.rejects(
    () =>
      trainYang({ ...cfg, model: { ...tinyModel, architecture: "T-B" } }, [data, {
        ...source(1, 1),
        train: [],
      }], chunkF1),
    /Source task "pos" has no training sentence/,
  );
});

Deno.test("trainYang: T-A maps labels to one shared tag set; an empty target trains zero-shot", async () => {
  await useBackend("wasm");
  const tgt = target(17, 0);
  // The source spells persons "B-PERSON": mapped onto the target's "B-PER".
  const src = source(18, 8);
  src.train = toyNer(createRng(19), 8).map((s) => ({
    words: s.words,
    tags: s.tags.map((t) => (t === "B-PER" ? "B-PERSON" : t)),
  }));
  src.labelMap = { "B-PERSON": "B-PER" };
  const cfg: YangTrainConfig = { ...config, model: { ...tinyModel, architecture: "T-A" }, maxEpochs: 2 };
  const out = await trainYang(cfg, [tgt, src], chunkF1);
  // No target sentences: each target turn ends an (empty) epoch and is evaluated.
  assert.equal(out.iterations, 3);
  assert.deepEqual(out.taskIterations, { ner: 2, pos: 1 });
  assert.equal(out.evaluations.length, 2);
  assert.ok(Number.isNaN(out.evaluations[0].trainLoss.ner));
  assert.equal(out.vocab.tasks.ner.tags, 5);
  assert.equal(out.vocab.tasks.pos.tags, 5, "B-PERSON mapped to B-PER");
  assert.deepEqual(out.model.shared, YANG_SHARING["T-A"]);
  const tags = new Set(out.testPredictions.flat());
  assert.ok(!tags.has("B-PERSON"));
});

/** `target(seed, n)` with IOBES tags (the gazetteer's scheme, as the paper's CoNLL-2003 setup). */
function targetIobes(seed: number, nTrain: number): YangTaskData {
  const t = target(seed, nTrain);
  const iobes = (ss: Sentence[]) =>
    ss.map((s) => ({ words: s.words, tags: convertTags(s.tags, "IOB2", "IOBES") }));
  return { ...t, train: iobes(t.train), dev: iobes(t.dev), test: iobes(t.test) };
}

/** A gazetteer of the whole toy lexicon: it knows every entity of the toy task. */
const toyGazetteer = new Gazetteer([
  ...TOY_LEXICON.filter(([type]) => type !== "O").flatMap(([type, words]) =>
    words.map((w) => ({ type, words: [w] }))
  ),
  { type: "LOC", words: ["New", "York"] },
]);

Deno.test("trainYang: a gazetteer feeds every batch of its task, changes the results, and stays deterministic", async () => {
  await useBackend("wasm");
  const before = tf.memory().numTensors;
  let calls = 0;
  const gazetteer = (words: readonly string[]) => {
    calls++;
    return toyGazetteer.gazetteerTags(words);
  };
  const tgt = targetIobes(21, 12);
  const cfg: YangTrainConfig = {
    ...config,
    model: { ...tinyModel, architecture: "T-B" },
    lr: 0.01,
    maxEpochs: 3,
  };
  const tasks = [{ ...tgt, gazetteer }, source(22, 12)];
  const withGaz = await trainYang(cfg, tasks, chunkF1);
  assert.equal(tf.memory().numTensors, before, "trainYang leaked tensors");
  assert.equal(calls, 12 + 8 + 8, "the gazetteer is called once per sentence");
  assert.equal(withGaz.stopReason, "max-epochs");
  assert.equal(withGaz.evaluations.length, 3);
  assert.deepEqual(withGaz.model.gazetteer, ["ner"]);
  const K = withGaz.vocab.tasks.ner.tags;
  assert.equal(K, 6, "O, S-PER, S-LOC, S-ORG and B-LOC, E-LOC of New York");
  const without = await trainYang(cfg, [tgt, source(22, 12)], chunkF1);
  assert.equal(without.model.gazetteer, undefined);
  assert.equal(withGaz.model.parameters.crf.ner - without.model.parameters.crf.ner, K * K);
  assert.equal(withGaz.model.parameters.crf.pos, without.model.parameters.crf.pos, "the source has none");
  assert.notDeepEqual(
    withGaz.evaluations.map((e) => e.trainLoss),
    without.evaluations.map((e) => e.trainLoss),
  );
  // The toy gazetteer knows every entity, so its feature makes the tagger better early on.
  assert.ok(withGaz.test.f1 > without.test.f1, `F1 ${withGaz.test.f1} with, ${without.test.f1} without`);
  const again = await trainYang(cfg, tasks, chunkF1);
  assert.deepEqual(timeless(again), timeless(withGaz));
});

Deno.test("trainYang: gazetteer tags go through labelMap and must be in the task's tag set", async () => {
  await useBackend("wasm");
  const cfg: YangTrainConfig = { ...config, maxEpochs: 1 };
  // The toy target is IOB2: the gazetteer's S-PER is not one of its tags.
  await assert.rejects(
    () => trainYang(cfg, [{ ...target(23, 4), gazetteer: (w) => toyGazetteer.gazetteerTags(w) }], chunkF1),
    /Task "ner": gazetteer tag "S-\w+" \(train sentence \d+\) is not in the task's tag set/,
  );
  await assert.rejects(
    () => trainYang(cfg, [{ ...target(23, 4), gazetteer: (w) => w.slice(1).map(() => "O") }], chunkF1),
    /gave \d+ tags for train sentence 1 of \d+ words/,
  );
  // Mapped through labelMap like the gold tags: "GAZ" → "O".
  const out = await trainYang(cfg, [{
    ...target(23, 4),
    labelMap: { GAZ: "O" },
    gazetteer: (w) => w.map(() => "GAZ"),
  }], chunkF1);
  assert.deepEqual(out.model.gazetteer, ["ner"]);
  // T-A shares the CRF: a gazetteer on one task only is rejected.
  await assert.rejects(
    () =>
      trainYang({ ...cfg, model: { ...tinyModel, architecture: "T-A" } }, [
        { ...target(23, 4), gazetteer: (w) => w.map(() => "O") },
        source(24, 4),
      ], chunkF1),
    /same gazetteer setting/,
  );
});

/**
 * Pinned fingerprints (cpu backend, pure JavaScript kernels) recorded from yang_trainer.ts before it moved onto
 * the shared loop (harness/train/loop.ts): sha256 of the test predictions and of the evaluation log (iterations,
 * target epochs, dev/test PRF, per-task training losses, selection, stop reason) and of the per-iteration
 * progress (task, loss). A change here means that the same seed no longer gives the same results. Re-record only
 * for an intended change of numerics (e.g. a tfjs upgrade), after checking that the port is still identical.
 */
function yangFingerprint(o: YangOutcome, progress: unknown[]): { predictions: string; log: string } {
  const sha = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 32);
  return {
    predictions: sha(o.testPredictions),
    log: sha({
      evaluations: o.evaluations.map((
        e,
      ) => [e.index, e.iteration, e.targetEpochs, e.dev, e.test, e.trainLoss]),
      selected: [o.selected.index, o.selection, o.iterations, o.taskIterations, o.targetEpochs, o.stopReason],
      progress,
    }),
  };
}

Deno.test("trainYang: results are bit-identical to the pre-loop trainer (pinned cpu fingerprints)", async () => {
  await useBackend("cpu");
  const stops: string[] = [];
  const run = async (cfg: YangTrainConfig, tasks: YangTaskData[]) => {
    const progress: unknown[] = [];
    const o = await trainYang(cfg, tasks, chunkF1, (p) => progress.push([p.iteration, p.task, p.loss]));
    stops.push(o.stopReason);
    return yangFingerprint(o, progress);
  };
  // T-B, alternating, the released evaluation rule with a warm-up.
  const tb = await run({
    ...config,
    model: { ...tinyModel, architecture: "T-B" },
    maxEpochs: 3,
    evaluation: { everySentences: 8, warmupEverySentences: 1000, warmupEpochs: 1 },
  }, [target(12, 10), source(13, 40)]);
  // T-C, sampled schedule, an iteration budget that stops mid-epoch (final evaluation).
  const sample = await run({
    ...config,
    model: { ...tinyModel, architecture: "T-C", wordGruUnits: 4 },
    batchSize: 2,
    maxEpochs: 100,
    maxIterations: 30,
    schedule: "sample",
    taskProbabilities: { ner: 1, pos: 3 },
  }, [target(14, 4), source(15, 8)]);
  // Base, dev selection, patience 3 (stops early).
  const dev = await run({
    ...config,
    lr: 1.0,
    maxEpochs: 20,
    patience: 3,
    selection: "dev",
    evaluation: { everySentences: 4, warmupEverySentences: 4, warmupEpochs: -1 },
  }, [target(16, 8)]);
  assert.deepEqual(stops, ["max-epochs", "max-iterations", "early-stopping"]);
  assert.deepEqual({ tb, sample, dev }, PINNED_YANG);
});

const PINNED_YANG = {
  tb: { predictions: "815349a45282fe71261413a622664134", log: "7bc68b7c8f4bbd78a68fd3622f314253" },
  sample: { predictions: "246106e13940029097b41d99798b5afc", log: "f0f6f5f7846ea7173e5078758d5139f6" },
  dev: { predictions: "7fb4946eaaef6e62116a6aa1ed166828", log: "9b9eab9d3e5308cb943a98a04c9620b7" },
};

Deno.test("trainYang: selection rule strings, the selected metrics record, a named scorer", async () => {
  await useBackend("wasm");
  const data = target(16, 8);
  const cfg: YangTrainConfig = { ...config, maxEpochs: 3 };
  const legacy = await trainYang(cfg, [data], chunkF1);
  const accuracy = (gold: string[][], pred: string[][]) => {
    const g = gold.flat();
    const p = pred.flat();
    return { accuracy: 100 * g.filter((t, i) => t === p[i]).length / g.length };
  };
  const rule = await trainYang({ ...cfg, selection: "max test/f1", namedScorer: accuracy }, [data], chunkF1);
  assert.deepEqual(timeless({ ...rule, metrics: {} }), timeless({ ...legacy, metrics: {} }));
  assert.deepEqual([rule.selection, rule.selectionRule, legacy.selectionRule], [
    "max-test",
    "max test/f1",
    "max test/f1",
  ]);
  assert.equal(rule.metrics["test/f1"], rule.test.f1);
  assert.equal(rule.metrics["dev/f1"], rule.dev!.f1);
  assert.equal(rule.metrics["train/loss_ner"], rule.selected.trainLoss.ner);
  const accs = await trainYang(
    { ...cfg, selection: "max test/accuracy", namedScorer: accuracy },
    [data],
    chunkF1,
  );
  assert.equal(accs.selection, "max-test");
  assert.ok(accs.metrics["test/accuracy"] > 0 && accs.metrics["test/accuracy"] <= 100);
  const last = await trainYang({ ...cfg, selection: "last" }, [data], chunkF1);
  assert.deepEqual([last.selected.index, last.selection], [last.evaluations.length - 1, "dev"]);
  await assert.rejects(
    () => trainYang({ ...cfg, selection: "max dev/accuracy" }, [{ ...data, dev: [] }], chunkF1),
    /Selection "max dev\/accuracy" needs target dev sentences/,
  );
  await assert.rejects(
    () => trainYang({ ...cfg, selection: "max-dev" }, [data], chunkF1),
    /Invalid selection rule "max-dev"/,
  );
});

/**
 * Trains with a checkpoint directory and a progress callback that throws after the `killAfter`-th evaluation (a
 * simulated kill), then again with the same directory; returns both runs' progress and the resumed outcome.
 */
async function killAndResume(cfg: YangTrainConfig, tasks: YangTaskData[], killAfter: number, dir: string) {
  const killedProgress: unknown[] = [];
  let evaluations = 0;
  await assert.rejects(
    () =>
      trainYang(cfg, tasks, chunkF1, (p) => {
        killedProgress.push([p.iteration, p.task, p.loss]);
        if (p.evaluation && ++evaluations === killAfter) throw new Error("killed");
      }, { checkpointDir: dir }),
    /killed/,
  );
  const resumedProgress: unknown[] = [];
  const resumed = await trainYang(
    cfg,
    tasks,
    chunkF1,
    (p) => resumedProgress.push([p.iteration, p.task, p.loss]),
    { checkpointDir: dir },
  );
  return { resumed, killedProgress, resumedProgress };
}

Deno.test("trainYang checkpoints: T-B (alternate, released rule) and the sampled schedule resume with identical results", async () => {
  await useBackend("wasm");
  const before = tf.memory().numTensors;
  const sha = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex");
  const cases: [string, YangTrainConfig, YangTaskData[], number[]][] = [
    // Evaluations after iterations 5, 11 (warm-up epoch ends), 15 (mid-epoch 3), 17: killed after each of 1–3.
    [
      "T-B alternate",
      {
        ...config,
        model: { ...tinyModel, architecture: "T-B" },
        maxEpochs: 3,
        evaluation: { everySentences: 8, warmupEverySentences: 1000, warmupEpochs: 1 },
      },
      [target(12, 10), source(13, 40)],
      [1, 3],
    ],
    // Sampled tasks, evaluations at target epoch ends, an iteration budget that stops mid-epoch (final evaluation).
    [
      "T-C sample",
      {
        ...config,
        model: { ...tinyModel, architecture: "T-C", wordGruUnits: 4 },
        batchSize: 2,
        maxEpochs: 100,
        maxIterations: 30,
        schedule: "sample",
        taskProbabilities: { ner: 1, pos: 3 },
      },
      [target(14, 4), source(15, 8)],
      [2],
    ],
  ];
  for (const [what, cfg, tasks, kills] of cases) {
    const progress: unknown[] = [];
    const full = await trainYang(cfg, tasks, chunkF1, (p) => progress.push([p.iteration, p.task, p.loss]));
    for (const k of kills) {
      const dir = await Deno.makeTempDir({ prefix: "tagbench_yang_ckpt_" });
      try {
        const { resumed, killedProgress, resumedProgress } = await killAndResume(cfg, tasks, k, dir);
        const killedAt = full.evaluations[k - 1].iteration;
        assert.equal(
          (resumedProgress[0] as number[])[0],
          killedAt + 1,
          `${what}: resumed after iteration ${killedAt}`,
        );
        assert.deepEqual(
          [...killedProgress, ...resumedProgress],
          progress,
          `${what} killed after evaluation ${k}`,
        );
        assert.equal(sha(resumed.testPredictions), sha(full.testPredictions));
        assert.deepEqual(resumed.metrics, full.metrics);
        assert.deepEqual(timeless(resumed), timeless(full), `${what}: outcome and logs, timings aside`);
        assert.equal(
          resumed.selected,
          resumed.evaluations[resumed.selected.index],
          "one record, as uninterrupted",
        );
        await assert.rejects(
          () => trainYang({ ...cfg, lr: 0.04 }, tasks, chunkF1, undefined, { checkpointDir: dir }),
          /^CheckpointMismatchError: The checkpoint in \S+ belongs to another configuration/,
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  }
  assert.equal(tf.memory().numTensors, before, "trainYang leaked tensors");
});
