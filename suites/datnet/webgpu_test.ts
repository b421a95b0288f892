/**
 * The webgpu backend trains each suite's model: a few full training steps (loss, gradients, global-norm clip,
 * optimiser update) of a small DATNet-F and of a Yang-style BiGRU + CRF tagger, plus decoding. Skipped when this
 * runtime has no WebGPU adapter. Deno's software adapter (llvmpipe) is enough to run it.
 *
 * On webgpu the layers take their device paths (no synchronous reads; see `hostReadsAvailable` in ops.ts); the
 * first loss is compared with the cpu backend's.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, Sentence } from "../../models/types.ts";
import { initBackend } from "../../runtime/backend.ts";
import { LinearChainCRF } from "../../models/crf.ts";
import { Datnet, DATNET_F } from "./network.ts";
import { BiGRU } from "../../models/gru.ts";
import { createRng, glorotUniform } from "../../models/init.ts";
import { clipByGlobalNorm, denseSeq } from "../../models/ops.ts";
import { AdaGrad, Adam } from "../../models/optim.ts";
import { trainTagger } from "./train.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
} from "../../models/vocab.ts";
import { assertClose, uniqueName } from "../../models/_testing.ts";

const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } })?.gpu;
const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
const ignore = !adapter;
if (ignore) console.log("webgpu_test: no WebGPU adapter in this runtime; skipping");

const lookup: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };
const s = (text: string, tags: string): Sentence => ({ words: text.split(" "), tags: tags.split(" ") });
const target = [
  s("Anna lives in Madrid", "S-PER O O S-LOC"),
  s("Madrid 2019", "S-LOC O"),
  s("New York Times said", "B-ORG I-ORG E-ORG O"),
];
const source = [s("John visited New York today", "S-PER O B-LOC E-LOC O"), s("Bye", "O")];

/** Losses of `steps` DATNet-F training steps as trainer.ts takes them, and decoded target paths. */
async function datnetSteps(backend: "webgpu" | "cpu", steps: number) {
  await initBackend(backend);
  const res = (ss: Sentence[]) => ({
    wordVocab: buildWordVocabulary(ss, lookup).vocab,
    tagVocab: buildTagVocabulary(ss),
    lookup,
  });
  const tr = res(target);
  const sr = res(source);
  const charVocab = buildCharVocabulary([...target, ...source]);
  const model = Datnet.create(
    { ...DATNET_F, lstmUnits: 8, charEmbeddingDim: 6, charFilters: 5, wordEmbeddingDim: 7 },
    { charVocab, target: tr, source: sr },
    createRng(2),
    uniqueName(`gpu_datnet_${backend}`),
  );
  const tb = encodeBatch(target, tr.wordVocab, charVocab, tr.tagVocab, lookup);
  const sb = encodeBatch(source, sr.wordVocab, charVocab, sr.tagVocab, lookup);
  const vars = model.trainableVariables();
  const opt = new Adam(vars, { lr: 0.05 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { value, grads } = tf.variableGrads(
      () =>
        tf.add(model.loss(tb, "target", true, 10 + i), model.loss(sb, "source", true, 20 + i)) as tf.Scalar,
      vars,
    );
    const names = Object.keys(grads);
    const { clipped } = clipByGlobalNorm(names.map((n) => grads[n]), 5);
    opt.step(Object.fromEntries(names.map((n, j) => [n, clipped[j]])));
    losses.push((await value.data())[0]);
    tf.dispose([value, ...Object.values(grads), ...clipped]);
  }
  const paths = await model.predict(tb, "target");
  opt.dispose();
  model.dispose();
  return { losses, paths };
}

Deno.test({
  name: "webgpu: DATNet-F trains (loss, gradients, clipping, Adam) and its first loss equals cpu's",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      const gpuRun = await datnetSteps("webgpu", 4);
      const cpuRun = await datnetSteps("cpu", 1);
      assert.ok(gpuRun.losses.every(Number.isFinite), `losses ${gpuRun.losses}`);
      assertClose([gpuRun.losses[0]], [cpuRun.losses[0]], 1e-4, 1e-4, "first loss, webgpu vs cpu");
      assert.ok(gpuRun.losses[3] < gpuRun.losses[0], `loss should fall: ${gpuRun.losses}`);
      assert.deepEqual(gpuRun.paths.map((p) => p.length), target.map((t) => t.words.length));
    } finally {
      await initBackend("cpu");
    }
  },
});

Deno.test({
  name: "webgpu: a 2-layer BiGRU + CRF tagger (Yang et al.) trains with AdaGrad",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      const losses: Record<string, number[]> = {};
      for (const backend of ["webgpu", "cpu"] as const) {
        await initBackend(backend);
        const rng = createRng(3);
        const [B, T, D, H, K] = [3, 5, 6, 4, 4];
        const lengths = [5, 2, 4];
        const gru = new BiGRU({
          name: uniqueName(`gpu_gru_${backend}`),
          inputDim: D,
          units: H,
          layers: 2,
          rng,
        });
        const w0 = glorotUniform(rng, [2 * H, K]);
        const w = tf.variable(w0, true, uniqueName("gpu_gru_proj"));
        w0.dispose();
        const crf = new LinearChainCRF(K, rng, { name: uniqueName("gpu_gru_crf"), end: false });
        const x = tf.tensor3d(Float32Array.from({ length: B * T * D }, () => 2 * rng() - 1), [B, T, D]);
        const tags = tf.tensor2d(
          Int32Array.from({ length: B * T }, () => Math.floor(rng() * K)),
          [B, T],
          "int32",
        );
        const mask = tf.tensor2d(
          Float32Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0)),
          [B, T],
        );
        const vars = [...gru.variables(), w, ...crf.variables()];
        const opt = AdaGrad.lasagne(vars, 0.1);
        losses[backend] = [];
        for (let i = 0; i < (backend === "webgpu" ? 4 : 1); i++) {
          const { value, grads } = tf.variableGrads(
            () =>
              crf.negLogLikelihood(denseSeq(gru.apply(x, lengths), w as tf.Tensor2D), tags, mask, {
                costWeight: 5,
              }),
            vars,
          );
          opt.step(grads);
          losses[backend].push((await value.data())[0]);
          tf.dispose([value, ...Object.values(grads)]);
        }
        opt.dispose();
        tf.dispose([x, tags, mask, w]);
        crf.dispose();
        gru.dispose();
      }
      assertClose([losses.webgpu[0]], [losses.cpu[0]], 1e-4, 1e-4, "first loss, webgpu vs cpu");
      assert.ok(losses.webgpu[3] < losses.webgpu[0], `loss should fall: ${losses.webgpu}`);
    } finally {
      await initBackend("cpu");
    }
  },
});

Deno.test({
  name: "webgpu: trainTagger runs a whole cell (training, dev/test prediction, scoring) of DATNet-F",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend("webgpu");
    const accuracy = (gold: string[][], pred: string[][]) => {
      const g = gold.flat();
      const p = pred.flat();
      const f1 = 100 * g.filter((t, i) => t === p[i]).length / g.length;
      return { precision: f1, recall: f1, f1 };
    };
    const outcome = await trainTagger(
      {
        model: { ...DATNET_F, lstmUnits: 8, charEmbeddingDim: 6, charFilters: 5, wordEmbeddingDim: 7 },
        seed: 3,
        epochs: 2,
        batchSize: 2,
        lr: 0.01,
        lrDecay: 0.05,
        clipNorm: 5,
        patience: 0,
        selection: "dev",
      },
      { train: target, dev: target, test: target, lookup },
      { train: source, dev: source, test: source, lookup },
      accuracy,
    );
    assert.equal(outcome.epochs.length, 2);
    assert.deepEqual(outcome.testPredictions.map((p) => p.length), target.map((t) => t.words.length));
    assert.ok(Number.isFinite(outcome.test.f1));
  },
});
