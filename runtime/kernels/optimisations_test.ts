/**
 * End-to-end check of the speed work of issue #3: the loss and every gradient of whole models with all
 * optimisations on (fused host recurrences, OpenBLAS products) equal the unoptimised computation (per-step
 * tfjs graph recurrences, tfjs' own products) to 1e-5.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, Sentence } from "../../models/types.ts";
import { LinearChainCRF } from "../../models/crf.ts";
import { Datnet, DATNET_F } from "../../suites/datnet/network.ts";
import { BiGRU } from "../../models/gru.ts";
import { createRng, glorotUniform } from "../../models/init.ts";
import { clipByGlobalNorm, denseSeq, setHostReadsAvailable } from "../../models/ops.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
} from "../../models/vocab.ts";
import { assertClose, uniqueName, useBackend } from "../../models/_testing.ts";
import { blas, setBlasDisabled } from "./blas.ts";
import { setRecurrenceImpl } from "./host_rnn.ts";

type Grads = { loss: number; grads: Record<string, Float32Array> };

/** Loss and gradients of `f` with the optimisations on or off. */
function lossAndGrads(f: () => tf.Scalar, vars: tf.Variable[], optimised: boolean): Grads {
  setRecurrenceImpl(optimised ? "fused" : "graph");
  setBlasDisabled(!optimised);
  try {
    const { value, grads } = tf.variableGrads(f, vars);
    const out = {
      loss: value.dataSync()[0],
      grads: Object.fromEntries(Object.entries(grads).map(([k, v]) => [k, v.dataSync() as Float32Array])),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  } finally {
    setRecurrenceImpl(undefined);
    setBlasDisabled(false);
  }
}

function assertEquivalent(a: Grads, b: Grads): void {
  assertClose([a.loss], [b.loss], 1e-5, 1e-6, "loss");
  assert.deepEqual(Object.keys(a.grads).sort(), Object.keys(b.grads).sort());
  for (const k of Object.keys(a.grads)) assertClose(a.grads[k], b.grads[k], 1e-5, 1e-5, `d loss / d ${k}`);
}

const words = "the a in of Madrid Anna John lives visited today New York 2019 Bye Reuters said".split(" ");
const TAGS = ["O", "B-PER", "E-PER", "S-LOC", "B-ORG", "I-ORG", "E-ORG"];
const rng0 = createRng(5);
const sentences = (n: number): Sentence[] =>
  Array.from({ length: n }, () => {
    const len = 1 + Math.floor(rng0() * 12);
    return {
      words: Array.from({ length: len }, () => words[Math.floor(rng0() * words.length)]),
      tags: Array.from({ length: len }, () => TAGS[Math.floor(rng0() * TAGS.length)]),
    };
  });
const lookup: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };

Deno.test("DATNet-F on wasm: loss and gradients with all optimisations equal the unoptimised ones to 1e-5", async () => {
  await useBackend("wasm");
  const tgt = sentences(9);
  const src = sentences(11);
  const charVocab = buildCharVocabulary([...tgt, ...src]);
  const res = (ss: Sentence[]) => ({
    wordVocab: buildWordVocabulary(ss, lookup).vocab,
    tagVocab: buildTagVocabulary(ss),
    lookup,
  });
  const model = Datnet.create(
    { ...DATNET_F, lstmUnits: 24, charEmbeddingDim: 10, charFilters: 8, wordEmbeddingDim: 12 },
    { charVocab, target: res(tgt), source: res(src) },
    createRng(3),
    uniqueName("eq_datnet"),
  );
  const tb = encodeBatch(tgt, res(tgt).wordVocab, charVocab, res(tgt).tagVocab, lookup);
  const sb = encodeBatch(src, res(src).wordVocab, charVocab, res(src).tagVocab, lookup);
  const f = () => tf.add(model.loss(tb, "target", true, 7), model.loss(sb, "source", true, 8)) as tf.Scalar;
  const vars = model.trainableVariables();
  assertEquivalent(lossAndGrads(f, vars, true), lossAndGrads(f, vars, false));
  model.dispose();
});

Deno.test("2-layer BiGRU + CRF on wasm: loss and gradients with all optimisations equal the unoptimised ones", async () => {
  await useBackend("wasm");
  const rng = createRng(4);
  const [B, T, D, H, K] = [6, 10, 21, 30, 5];
  const lengths = [10, 4, 7, 1, 10, 9];
  const gru = new BiGRU({
    name: uniqueName("eq_s2"),
    inputDim: D,
    units: H,
    layers: 2,
    recurrentBias: true,
    rng,
  });
  const w0 = glorotUniform(rng, [2 * H, K]);
  const w = tf.variable(w0, true, uniqueName("eq_s2_proj"));
  w0.dispose();
  const crf = new LinearChainCRF(K, rng, { name: uniqueName("eq_s2_crf") });
  const x = tf.tensor3d(Float32Array.from({ length: B * T * D }, () => 2 * rng() - 1), [B, T, D]);
  const tags = tf.tensor2d(Int32Array.from({ length: B * T }, () => Math.floor(rng() * K)), [B, T], "int32");
  const mask = tf.tensor2d(
    Float32Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0)),
    [B, T],
  );
  const f = () =>
    tf.tidy(() => crf.negLogLikelihood(denseSeq(gru.apply(x, lengths), w as tf.Tensor2D), tags, mask));
  const vars = [...gru.variables(), w, ...crf.variables()];
  assertEquivalent(lossAndGrads(f, vars, true), lossAndGrads(f, vars, false));
  tf.dispose([x, tags, mask, w]);
  crf.dispose();
  gru.dispose();
});

Deno.test("OpenBLAS presence is reported by the test run (informational)", () => {
  // The tests above compare against OpenBLAS only when it is installed; say which case ran.
  console.log(
    blas() ? `  OpenBLAS: ${blas()!.info.config}` : "  OpenBLAS not available: compared tfjs paths only",
  );
});

Deno.test("DATNet-F on wasm: the webgpu code paths (no host reads) give the host paths' loss, gradients, clipping", async () => {
  await useBackend("wasm");
  const tgt = sentences(7);
  const charVocab = buildCharVocabulary(tgt);
  const res = {
    wordVocab: buildWordVocabulary(tgt, lookup).vocab,
    tagVocab: buildTagVocabulary(tgt),
    lookup,
  };
  const model = Datnet.create(
    {
      ...DATNET_F,
      variant: "base",
      lstmUnits: 16,
      charEmbeddingDim: 8,
      charFilters: 6,
      wordEmbeddingDim: 10,
    },
    { charVocab, target: res },
    createRng(6),
    uniqueName("dev_datnet"),
  );
  const tb = encodeBatch(tgt, res.wordVocab, charVocab, res.tagVocab, lookup);
  const f = () => model.loss(tb, "target", true, 3);
  const vars = model.trainableVariables();
  const run = (device: boolean) => {
    setHostReadsAvailable(device ? false : undefined);
    try {
      const { value, grads } = tf.variableGrads(f, vars);
      const names = Object.keys(grads);
      const { clipped, norm } = clipByGlobalNorm(names.map((n) => grads[n]), 0.5);
      const out: Grads = {
        loss: value.dataSync()[0],
        grads: Object.fromEntries(names.map((n, i) => [n, clipped[i].dataSync() as Float32Array])),
      };
      tf.dispose([value, ...Object.values(grads), ...clipped]);
      return { out, norm };
    } finally {
      setHostReadsAvailable(undefined);
    }
  };
  const host = run(false);
  const device = run(true);
  assert.ok(Number.isNaN(device.norm) && host.norm > 0.5, "the device path clips without reading the norm");
  assertEquivalent(device.out, host.out);
  model.dispose();
});
