import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs-core";
import { chunkF1 } from "../../harness/metrics/conlleval.ts";
import type { LookupPolicy, WordEmbeddings } from "../../models/types.ts";
import { AT_DEFAULT, DATNET_BASE, type DatnetConfig, GRAD_DISCRIMINATOR } from "./network.ts";
import { createRng } from "../../models/init.ts";
import {
  type CellOutcome,
  type TaggingData,
  type TrainConfig,
  type TrainProgress,
  trainTagger,
} from "./train.ts";
import { CheckpointMismatchError, type CheckpointSaveInfo } from "../../harness/train/checkpoint.ts";
import { testBackends, TOY_LEXICON, toySentences, useBackend } from "../../models/_testing.ts";

const lookup: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };

function toyData(seed: number, nTrain: number, embeddings?: WordEmbeddings): TaggingData {
  const rng = createRng(seed);
  return {
    train: toySentences(rng, nTrain),
    dev: toySentences(rng, 10),
    test: toySentences(rng, 10),
    embeddings,
    lookup,
  };
}

/** Random 8-d vectors for half of the toy words (the rest fall back to the trainable UNK). */
function toyEmbeddings(): WordEmbeddings {
  const words = TOY_LEXICON.flatMap(([, ws]) => ws.filter((_, i) => i % 2 === 0).map((w) => w.toLowerCase()));
  const rng = createRng("emb");
  return {
    name: "toy8",
    dim: 8,
    words,
    index: new Map(words.map((w, i) => [w, i])),
    vectors: Float32Array.from({ length: words.length * 8 }, () => 2 * rng() - 1),
    source: "test",
  };
}

const model: DatnetConfig = {
  ...DATNET_BASE,
  lstmUnits: 16,
  charEmbeddingDim: 8,
  charFilters: 8,
  wordEmbeddingDim: 8,
};

const config: TrainConfig = {
  model,
  seed: 1,
  epochs: 12,
  batchSize: 4,
  lr: 0.03,
  lrDecay: 0.05,
  clipNorm: 5,
  patience: 0,
  selection: "dev",
};

/** wasm when the tests run on it (much faster than cpu), else the first test backend. */
const fast = () => (testBackends().includes("wasm") ? "wasm" : testBackends()[0]);

/** The outcome without wall-clock fields and process-unique variable names. */
function timeless(o: CellOutcome): unknown {
  const t = o.vocab.target;
  const s = o.vocab.source;
  return {
    ...o,
    vocab: {
      ...o.vocab,
      target: { ...t, wordEmbedding: { ...t.wordEmbedding, name: "" } },
      source: s && { ...s, wordEmbedding: { ...s.wordEmbedding, name: "" } },
    },
    trainTokensPerSec: 0,
    trainSeconds: 0,
    epochs: o.epochs.map((e) => ({ ...e, tokensPerSec: 0, seconds: 0, evalSeconds: 0 })),
  };
}

for (const backend of testBackends()) {
  Deno.test(`trainTagger on ${backend}: the base model learns a toy tagging task, without leaking tensors`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const out = await trainTagger(config, toyData(11, 20, toyEmbeddings()), undefined, chunkF1, (p) => {
      if (p.devF1 !== undefined) progress.push(p.devF1);
    });
    assert.equal(tf.memory().numTensors, before, "trainTagger leaked tensors");
    assert.equal(out.epochs.length, 12);
    assert.deepEqual(progress, out.epochs.map((e) => e.devF1));
    assert.ok(out.dev.f1 >= 90, `dev F1 ${out.dev.f1} after 12 epochs`);
    assert.ok(out.test.f1 >= 85, `test F1 ${out.test.f1} after 12 epochs`);
    assert.ok(out.epochs[11].loss < out.epochs[0].loss / 3, "loss should fall");
    assert.equal(out.epochs[0].lr, 0.03);
    assert.ok(Math.abs(out.epochs[2].lr - 0.03 / 1.1) < 1e-12);
    assert.equal(out.epochs[0].steps, 5);
    assert.equal(out.testPredictions.length, 10);
    assert.equal(out.selection, "dev");
    assert.equal(out.dev.f1, Math.max(...out.epochs.map((e) => e.devF1)));
    assert.ok(out.trainTokensPerSec > 0);
    assert.equal(out.vocab.target.embeddings, "toy8");
    assert.ok(out.vocab.target.tokenCoverage! > 0.2 && out.vocab.target.tokenCoverage! < 0.8);
    assert.equal(out.vocab.target.tags, 5); // B-PER B-LOC I-LOC B-ORG O
  });

  Deno.test(`trainTagger on ${backend}: same seed gives identical results, another seed differs`, async () => {
    await useBackend(backend);
    const cfg = { ...config, epochs: 3 };
    const data = toyData(12, 20);
    const a = await trainTagger(cfg, data, undefined, chunkF1);
    const b = await trainTagger(cfg, data, undefined, chunkF1);
    assert.deepEqual(timeless(a), timeless(b));
    const c = await trainTagger({ ...cfg, seed: 2 }, data, undefined, chunkF1);
    assert.notDeepEqual(c.epochs.map((e) => e.loss), a.epochs.map((e) => e.loss));
    assert.equal(a.vocab.target.wordEmbedding.kind, "trainable");
  });
}

Deno.test("trainTagger: DATNet-F mixes one target and one source batch per step", async () => {
  await useBackend(fast());
  const before = tf.memory().numTensors;
  const target = toyData(13, 8, toyEmbeddings());
  // Source: another "language" (upper-cased words), its own tag set (IOB2 of PER/LOC only), 30 sentences.
  const srcLex = TOY_LEXICON.filter(([t]) => t !== "ORG").map((
    [t, ws],
  ) => [t, ws.map((w) => w.toUpperCase())]) as [
    string,
    string[],
  ][];
  const rng = createRng(14);
  const source: TaggingData = {
    train: toySentences(rng, 30, srcLex),
    dev: [],
    test: [],
    lookup: { ...lookup, lowercase: false },
  };
  const cfg: TrainConfig = { ...config, model: { ...model, variant: "datnet-f" }, epochs: 10 };
  const out = await trainTagger(cfg, target, source, chunkF1);
  assert.equal(tf.memory().numTensors, before, "trainTagger leaked tensors");
  // max(2 target batches, 8 source batches) steps per epoch
  assert.equal(out.epochs[0].steps, 8);
  assert.ok(out.dev.f1 >= 80, `dev F1 ${out.dev.f1}`);
  assert.equal(out.vocab.source!.tags, 4); // B-PER B-LOC I-LOC O
  const capped = await trainTagger({ ...cfg, epochs: 1, sourceBatchesPerEpoch: 3 }, target, source, chunkF1);
  assert.equal(capped.epochs[0].steps, 3);
  await assert.rejects(() => trainTagger(cfg, target, undefined, chunkF1), /needs a source/);
});

Deno.test("trainTagger: length bucketing is deterministic and still learns", async () => {
  await useBackend(fast());
  const cfg = { ...config, epochs: 6, bucketByLength: true };
  const data = toyData(16, 24);
  const a = await trainTagger(cfg, data, undefined, chunkF1);
  const b = await trainTagger(cfg, data, undefined, chunkF1);
  assert.deepEqual(timeless(a), timeless(b));
  assert.equal(a.epochs[0].steps, 6);
  assert.ok(a.epochs[5].loss < a.epochs[0].loss / 2, "loss should fall");
});

Deno.test("trainTagger: early stopping on dev and selection on test", async () => {
  await useBackend(fast());
  const data = toyData(15, 8);
  // lr 0: nothing changes, so dev F1 never improves after epoch 1.
  const frozen = await trainTagger({ ...config, lr: 0, epochs: 10, patience: 2 }, data, undefined, chunkF1);
  assert.equal(frozen.epochsRun, 3);
  assert.ok(frozen.earlyStopped);
  assert.equal(frozen.selectedEpoch, 1);
  const byTest = await trainTagger({ ...config, epochs: 4, selection: "test" }, data, undefined, chunkF1);
  assert.equal(byTest.selection, "test");
  assert.equal(byTest.test.f1, Math.max(...byTest.epochs.map((e) => e.testF1)));
  assert.equal(byTest.epochs[byTest.selectedEpoch - 1].testF1, byTest.test.f1);
});

/** A small source resource: upper-cased words, PER/LOC only, no dev/test. */
function toySource(seed: number, n: number): TaggingData {
  const srcLex = TOY_LEXICON.filter(([t]) => t !== "ORG").map((
    [t, ws],
  ) => [t, ws.map((w) => w.toUpperCase())]) as [
    string,
    string[],
  ][];
  return {
    train: toySentences(createRng(seed), n, srcLex),
    dev: [],
    test: [],
    lookup: { ...lookup, lowercase: false },
  };
}

for (const backend of testBackends()) {
  Deno.test(
    `trainTagger on ${backend}: DATNet-F with GRAD + AT and DATNet-P run, deterministic per seed`,
    async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const target = toyData(17, 8);
      const source = toySource(18, 12);
      const base = { ...config, epochs: 2, sourceBatchesPerEpoch: 3 };
      const fCfg: TrainConfig = {
        ...base,
        model: { ...model, variant: "datnet-f", discriminator: GRAD_DISCRIMINATOR, at: AT_DEFAULT },
      };
      const pCfg: TrainConfig = { ...base, model: { ...model, variant: "datnet-p", privateLstmUnits: 8 } };
      for (const cfg of [fCfg, pCfg]) {
        const a = await trainTagger(cfg, target, source, chunkF1);
        const b = await trainTagger(cfg, target, source, chunkF1);
        assert.deepEqual(timeless(a), timeless(b), `${cfg.model.variant} is deterministic`);
        assert.equal(a.epochs[0].steps, 3);
        assert.ok(a.epochs.every((e) => Number.isFinite(e.loss) && e.loss > 0));
        const c = await trainTagger({ ...cfg, seed: 2 }, target, source, chunkF1);
        assert.notDeepEqual(c.epochs.map((e) => e.loss), a.epochs.map((e) => e.loss));
      }
      // The same F model without GRAD/AT has fewer parameters (no discriminator) and a smaller loss (no
      // discriminator term, no adversarial pass).
      const plain = await trainTagger(
        { ...fCfg, model: { ...model, variant: "datnet-f" } },
        target,
        source,
        chunkF1,
      );
      const full = await trainTagger(fCfg, target, source, chunkF1);
      assert.ok(plain.parameters < full.parameters);
      assert.ok(plain.epochs[0].loss < full.epochs[0].loss);
      assert.equal(tf.memory().numTensors, before, "trainTagger leaked tensors");
    },
  );
}

Deno.test("trainTagger with evalEvery: evaluates every n-th and the last epoch, selects among those", async () => {
  await useBackend(fast());
  const out = await trainTagger(
    { ...config, epochs: 5, evalEvery: 2, selection: "test" },
    toyData(11, 20, toyEmbeddings()),
    undefined,
    chunkF1,
  );
  assert.equal(out.epochs.length, 5);
  const evaluated = out.epochs.filter((e) => !Number.isNaN(e.devF1)).map((e) => e.epoch);
  assert.deepEqual(evaluated, [2, 4, 5]);
  assert.ok(Number.isNaN(out.epochs[0].testF1) && out.epochs[0].evalSeconds === 0);
  assert.ok(evaluated.includes(out.selectedEpoch));
  assert.equal(
    out.test.f1,
    Math.max(...out.epochs.filter((e) => !Number.isNaN(e.testF1)).map((e) => e.testF1)),
  );
  await assert.rejects(
    () => trainTagger({ ...config, evalEvery: 0 }, toyData(11, 20, toyEmbeddings()), undefined, chunkF1),
    /evalEvery/,
  );
});

/**
 * Pinned fingerprints (cpu backend, pure JavaScript kernels) recorded from trainer.ts before it moved onto the
 * shared loop (harness/train/loop.ts): sha256 of the test predictions and of the epoch log (losses, F1s, lr, steps,
 * selection, early stopping). A change here means that the same seed no longer gives the same results — the
 * reference runs' prediction hashes would change too. Re-record only for an intended change of numerics (e.g. a
 * tfjs upgrade), after checking that the port itself is still step-for-step identical.
 */
function datnetFingerprint(o: CellOutcome): { predictions: string; log: string } {
  const sha = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 32);
  return {
    predictions: sha(o.testPredictions),
    log: sha({
      epochs: o.epochs.map((e) => [e.epoch, e.loss, e.devF1, e.testF1, e.lr, e.steps]),
      selected: [o.selectedEpoch, o.selection, o.dev, o.test, o.epochsRun, o.earlyStopped],
    }),
  };
}

Deno.test("trainTagger: results are bit-identical to the pre-loop trainer (pinned cpu fingerprints)", async () => {
  await useBackend("cpu");
  const fCfg: TrainConfig = {
    ...config,
    epochs: 2,
    sourceBatchesPerEpoch: 3,
    model: { ...model, variant: "datnet-f", discriminator: GRAD_DISCRIMINATOR, at: AT_DEFAULT },
  };
  const f = await trainTagger(fCfg, toyData(17, 8), toySource(18, 12), chunkF1);
  // Selection on test, patience on dev F1 (a tie at epoch 4 stops it), evaluation every 2nd epoch.
  const pCfg: TrainConfig = { ...config, lr: 0.6, epochs: 12, patience: 1, selection: "test", seed: 3 };
  const p = await trainTagger({ ...pCfg, evalEvery: 2 }, toyData(19, 8), undefined, chunkF1);
  assert.ok(
    p.earlyStopped && p.epochsRun === 4 && p.selectedEpoch === 4,
    "stops on a dev-F1 tie, selects on test",
  );
  assert.deepEqual({ f: datnetFingerprint(f), p: datnetFingerprint(p) }, PINNED_DATNET);
});

// `f` (DATNet-F with AT and GRAD) re-recorded at datnet 0.6.0 for the per-sentence AT norm (models/adversarial.ts)
// and at 0.7.0 for the released order of AT and the discriminator (η from the CRF loss only; the discriminator reads
// the shared states after dropout), intended changes of numerics; `p` (no AT) is unchanged, so the rest of the
// trainer is still step-for-step the same. Recorded with OpenBLAS (libopenblas0-pthread), as CI runs.
const PINNED_DATNET = {
  f: { predictions: "778333faac3d0c8ed48d9770e1f06ab9", log: "b9a809bba4c35d69ca517deb5a6b0637" },
  p: { predictions: "cfa749199c63d8eda7aa6fc55308c26b", log: "753462c1e43b17ceeb2bf37ad5d5ecc3" },
};

Deno.test("trainTagger: selection rule strings, the selected metrics record, a named scorer", async () => {
  await useBackend(fast());
  const data = toyData(15, 8);
  const base: TrainConfig = { ...config, epochs: 3 };
  const legacy = await trainTagger({ ...base, selection: "test" }, data, undefined, chunkF1);
  const tokens = (gold: string[][]) => ({ tokens: gold.flat().length });
  const rule = await trainTagger(
    { ...base, selection: " max test/f1 ", namedScorer: tokens },
    data,
    undefined,
    chunkF1,
  );
  assert.deepEqual(timeless({ ...rule, metrics: {} }), timeless({ ...legacy, metrics: {} }));
  assert.equal(rule.selection, "test");
  assert.equal(rule.selectionRule, "max test/f1");
  assert.equal(legacy.selectionRule, "max test/f1");
  assert.equal(rule.metrics["test/f1"], rule.test.f1);
  assert.equal(rule.metrics["dev/precision"], rule.dev.precision);
  assert.equal(rule.metrics["test/tokens"], data.test.flatMap((s) => s.words).length);
  assert.equal(legacy.metrics["test/tokens"], undefined);
  // Evaluated every epoch: train/loss of the selected evaluation is its epoch's mean loss.
  assert.equal(rule.metrics["train/loss"], rule.epochs[rule.selectedEpoch - 1].loss);
  const last = await trainTagger({ ...base, selection: "last" }, data, undefined, chunkF1);
  assert.deepEqual([last.selectedEpoch, last.selection, last.selectionRule], [3, "dev", "last"]);
  const byLoss = await trainTagger({ ...base, selection: "min train/loss" }, data, undefined, chunkF1);
  const losses = byLoss.epochs.map((e) => e.loss);
  assert.equal(byLoss.selectedEpoch, losses.indexOf(Math.min(...losses)) + 1);
  await assert.rejects(
    () => trainTagger({ ...base, selection: "best" }, data, undefined, chunkF1),
    /Invalid selection rule "best"/,
  );
  await assert.rejects(
    () => trainTagger({ ...base, selection: "min lm/dev_ppl" }, data, undefined, chunkF1),
    /selection "min lm\/dev_ppl" reads split "lm": the trainer evaluates dev, test, train/,
  );
});

const sha256 = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex");

/**
 * Trains with a checkpoint directory and a progress callback that throws after the `killAfter`-th evaluation (a
 * simulated kill), then again with the same directory; returns the resumed outcome, the saves of the killed run
 * and the epochs the resumed run reported progress for.
 */
async function killAndResume(
  cfg: TrainConfig,
  target: TaggingData,
  source: TaggingData | undefined,
  killAfter: number,
  dir: string,
): Promise<{ resumed: CellOutcome; saves: CheckpointSaveInfo[]; resumedEpochs: number[] }> {
  const saves: CheckpointSaveInfo[] = [];
  let evaluations = 0;
  const kill = (p: TrainProgress) => {
    if (p.devF1 !== undefined && ++evaluations === killAfter) throw new Error("killed");
  };
  await assert.rejects(
    () =>
      trainTagger(cfg, target, source, chunkF1, kill, {
        checkpointDir: dir,
        onCheckpoint: (i) => saves.push(i),
      }),
    /killed/,
  );
  const resumedEpochs: number[] = [];
  const resumed = await trainTagger(cfg, target, source, chunkF1, (p) => resumedEpochs.push(p.epoch), {
    checkpointDir: dir,
  });
  return { resumed, saves, resumedEpochs };
}

Deno.test("trainTagger checkpoints: DATNet-F with GRAD + AT killed mid-way resumes with identical results", async () => {
  await useBackend(fast());
  const before = tf.memory().numTensors;
  const target = toyData(17, 8);
  const source = toySource(18, 12);
  const cfg: TrainConfig = {
    ...config,
    epochs: 5,
    sourceBatchesPerEpoch: 3,
    model: { ...model, variant: "datnet-f", discriminator: GRAD_DISCRIMINATOR, at: AT_DEFAULT },
  };
  const full = await trainTagger(cfg, target, source, chunkF1);
  const dir = await Deno.makeTempDir({ prefix: "tagbench_datnet_ckpt_" });
  try {
    const { resumed, saves, resumedEpochs } = await killAndResume(cfg, target, source, 3, dir);
    assert.deepEqual(
      saves.map((s) => s.position),
      [1, 2, 3].map((e) => ({
        iteration: 3 * e,
        epochsCompleted: e,
        evaluations: e,
      })),
    );
    assert.ok(saves.every((s) => s.arrayBytes === 4 * 3 * full.parameters), "weights + Adam m and v");
    assert.equal(resumedEpochs[0], 4, "the resumed run starts with epoch 4");
    assert.equal(sha256(resumed.testPredictions), sha256(full.testPredictions));
    assert.deepEqual(resumed.metrics, full.metrics);
    assert.deepEqual(timeless(resumed), timeless(full), "outcome and logs, timings aside");
    // The checkpoint is left after training; another configuration is refused with one sentence.
    assert.ok((await Deno.stat(`${dir}/checkpoint.json`)).isFile);
    await assert.rejects(
      () => trainTagger({ ...cfg, seed: 2 }, target, source, chunkF1, undefined, { checkpointDir: dir }),
      (e) =>
        e instanceof CheckpointMismatchError &&
        /^The checkpoint in \S+ belongs to another configuration \(config sha256 [0-9a-f]{12}…, this unit's is [0-9a-f]{12}…\), so it cannot be resumed here: delete it or use another checkpoint directory\.$/
          .test(e.message),
    );
    // Calling again after the end resumes from the last checkpoint: no more training, the same outcome.
    const again = await trainTagger(cfg, target, source, chunkF1, undefined, { checkpointDir: dir });
    assert.deepEqual(timeless(again), timeless(full));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(tf.memory().numTensors, before, "trainTagger leaked tensors");
});

Deno.test("trainTagger checkpoints: the selected epoch's predictions before the kill, evalEvery, early stopping", async () => {
  await useBackend(fast());
  const before = tf.memory().numTensors;
  const data = toyData(15, 8);
  // lr 0 from epoch 1: nothing changes, so epoch 1 stays selected (its predictions come from the checkpoint).
  const frozen: TrainConfig = { ...config, lr: 0, epochs: 4 };
  // Evaluated at epochs 2, 4 (early stop on a dev-F1 tie) of the pinned run; killed after the first.
  const stopping: TrainConfig = {
    ...config,
    lr: 0.6,
    epochs: 12,
    patience: 1,
    selection: "test",
    seed: 3,
    evalEvery: 2,
  };
  for (const [cfg, d, k] of [[frozen, data, 2], [stopping, toyData(19, 8), 1]] as const) {
    const full = await trainTagger(cfg, d, undefined, chunkF1);
    const dir = await Deno.makeTempDir({ prefix: "tagbench_datnet_ckpt_" });
    try {
      const { resumed } = await killAndResume(cfg, d, undefined, k, dir);
      assert.deepEqual(timeless(resumed), timeless(full));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    if (cfg === frozen) assert.equal(full.selectedEpoch, 1);
    else assert.ok(full.earlyStopped && full.epochsRun === 4);
  }
  assert.equal(tf.memory().numTensors, before, "trainTagger leaked tensors");
});

Deno.test("trainTagger released mixing: joeyzhouty epochs are the arrangement, single-resource steps, resume is exact", async () => {
  await useBackend(fast());
  const before = tf.memory().numTensors;
  // k = 6 target sentences out of a "file" of 40, 60 source sentences, batch 4: ⌈60/4⌉ = 15 source batches,
  // int(15 · √60 · 0.3 / √40) = int(5.51) = 5 source batches; ⌈0.2 · ⌈6/4⌉⌉ = 1 target batch mixed, 1 appended.
  const file = toyData(21, 40);
  const target: TaggingData = { ...file, train: file.train.slice(0, 6), trainFile: file.train };
  const source = toySource(22, 60);
  const cfg: TrainConfig = {
    ...config,
    epochs: 4,
    mixing: "joeyzhouty",
    model: { ...model, variant: "datnet-f", sharedCrf: true, charWindows: [2, 3], charHighwayLayers: 1 },
    charVocabulary: "files",
    charMinCount: 2,
  };
  const full = await trainTagger(cfg, target, source, chunkF1);
  assert.deepEqual(full.epochs.map((e) => e.steps), [7, 7, 7, 7]);
  // One joint tag set for the shared CRF (the source's PER/LOC tags and the target's ORG).
  assert.equal(full.vocab.target.tags, full.vocab.source!.tags);
  assert.ok(full.vocab.target.tags > 4);
  // The 26hzhang rule: int(0.3 · 15) = 4 source batches, ⌈0.8 · 2⌉ = 2 target batches.
  const hz = await trainTagger({ ...cfg, epochs: 1, mixing: "26hzhang" }, target, source, chunkF1);
  assert.equal(hz.epochs[0].steps, 6);
  // A source cap bounds the source batches of the arrangement.
  const capped = await trainTagger({ ...cfg, epochs: 1, sourceBatchesPerEpoch: 1 }, target, source, chunkF1);
  assert.equal(capped.epochs[0].steps, 3);
  const dir = await Deno.makeTempDir({ prefix: "tagbench_datnet_mix_" });
  try {
    const { resumed, saves } = await killAndResume(cfg, target, source, 2, dir);
    // Two Adams (target and source), each with m and v over its own variables, beside the weights.
    assert.ok(saves.every((s) => s.arrayBytes > 4 * 3 * full.parameters));
    assert.equal(sha256(resumed.testPredictions), sha256(full.testPredictions));
    assert.deepEqual(resumed.metrics, full.metrics);
    assert.deepEqual(resumed.epochs.map((e) => e.loss), full.epochs.map((e) => e.loss));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(tf.memory().numTensors, before, "trainTagger leaked tensors");
  await assert.rejects(
    () => trainTagger({ ...cfg, mixing: "alternate" as never }, target, source, chunkF1),
    /mixing must be one of joeyzhouty, 26hzhang, joint/,
  );
});
