/**
 * The DATNet models as benchmark shapes (`deno task bench`): base and DATNet-F at paper sizes on synthetic
 * sentences, stepped exactly as `train.ts` steps them (loss of the step's batches, global-norm clipping 5, Adam).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { BenchModel, ModelShape } from "../../harness/bench/shapes.ts";
import { randomArray } from "../../harness/bench/shapes.ts";
import { createRng, deriveSeed, type Rng } from "../../models/init.ts";
import { clipByGlobalNorm } from "../../models/ops.ts";
import { Adam } from "../../models/optim.ts";
import type { LookupPolicy, Sentence, WordEmbeddings } from "../../models/types.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
  type EncodedBatch,
  lookupKey,
} from "../../models/vocab.ts";
import { Datnet, DATNET_BASE, DATNET_F, type Resource } from "./network.ts";

/** Sizes of a DATNet bench shape. */
interface DatnetShape {
  id: string;
  title: string;
  variant: "base" | "datnet-f";
  /** Sentences per resource batch. */
  batch: number;
}

const TAGS = [
  "O",
  ...["PER", "LOC", "ORG", "MISC"].flatMap((t) => ["B", "I", "E", "S"].map((p) => `${p}-${t}`)),
];
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.,'";
const POLICY: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };

/** `count` random sentences: lengths uniform in [10, 30], words from `words`, random tags. */
function sentences(rng: Rng, words: string[], count: number): Sentence[] {
  return Array.from({ length: count }, () => {
    const len = 10 + Math.floor(rng() * 21);
    return {
      words: Array.from({ length: len }, () => words[Math.floor(rng() * words.length)]),
      tags: Array.from({ length: len }, () => TAGS[Math.floor(rng() * TAGS.length)]),
    };
  });
}

/** A frozen "pretrained" table of `dim`-d random vectors for the lookup keys of `words`. */
function syntheticEmbeddings(rng: Rng, words: string[], dim: number): WordEmbeddings {
  const keys = [...new Set(words.map((w) => lookupKey(w, POLICY)))];
  return {
    name: `synthetic.${dim}d`,
    dim,
    words: keys,
    index: new Map(keys.map((w, i) => [w, i])),
    vectors: randomArray(rng, keys.length * dim).map((v) => v * 0.5),
    source: "suites/datnet/bench.ts (random)",
  };
}

function buildDatnet(s: DatnetShape, seed: number): BenchModel {
  const rng = createRng(seed);
  const vocab = Array.from({ length: 5000 }, () => {
    const len = 1 + Math.floor(rng() * 12);
    return Array.from({ length: len }, () => LETTERS[Math.floor(rng() * LETTERS.length)]).join("");
  });
  // 10 % of the words are left out of the table, so some tokens hit the trainable UNK.
  const embeddings = syntheticEmbeddings(rng, vocab.slice(0, 4500), 100);
  const resources: Resource[] = s.variant === "base" ? ["target"] : ["target", "source"];
  const pools = new Map<Resource, EncodedBatch[]>();
  const data = resources.map((r) => ({ r, sents: sentences(rng, vocab, 8 * s.batch) }));
  const charVocab = buildCharVocabulary(data.flatMap((d) => d.sents));
  const inputs = Object.fromEntries(data.map(({ r, sents }) => {
    const { vocab: wordVocab } = buildWordVocabulary(sents, POLICY, embeddings);
    const tagVocab = buildTagVocabulary(sents);
    const batches = Array.from(
      { length: 8 },
      (_, i) =>
        encodeBatch(sents.slice(i * s.batch, (i + 1) * s.batch), wordVocab, charVocab, tagVocab, POLICY),
    );
    pools.set(r, batches);
    return [r, { wordVocab, tagVocab, lookup: POLICY, embeddings }];
  }));
  const cfg = { ...(s.variant === "base" ? DATNET_BASE : DATNET_F), wordEmbeddingDim: 100 };
  const model = Datnet.create(
    cfg,
    { charVocab, target: inputs.target, source: inputs.source },
    rng,
    `bench_${s.id}_${seed}`,
  );
  const vars = model.trainableVariables();
  const opt = new Adam(vars, { lr: 1e-3 });
  const dropoutRng = createRng(deriveSeed(rng));
  let next = 0;
  const batchesOf = (i: number) => resources.map((r) => ({ r, batch: pools.get(r)![i % 8] }));
  return {
    nextTokens: () => batchesOf(next).reduce((n, p) => n + p.batch.tokens, 0),
    parameters: model.parameterCount(),
    async step() {
      const parts = batchesOf(next++).map((p) => ({ ...p, seed: deriveSeed(dropoutRng) }));
      const { value, grads } = tf.variableGrads(
        () => tf.addN(parts.map((p) => model.loss(p.batch, p.r, true, p.seed))) as tf.Scalar,
        vars,
      );
      const names = Object.keys(grads);
      const { clipped } = clipByGlobalNorm(names.map((n) => grads[n]), 5);
      const record: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => (record[n] = clipped[i]));
      opt.step(record);
      const loss = (await value.data())[0];
      tf.dispose([value, ...Object.values(grads), ...clipped]);
      return loss;
    },
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

const shape = (s: DatnetShape): ModelShape => ({
  kind: "model",
  id: s.id,
  title: s.title,
  suite: "datnet",
  build: (seed) => buildDatnet(s, seed),
});

/** DATNet base and DATNet-F at batch 10 (the paper's) and 32. */
export const DATNET_BENCH_SHAPES: readonly ModelShape[] = [
  shape({ id: "datnet-base-b10", title: "DATNet base, paper sizes, batch 10", variant: "base", batch: 10 }),
  shape({ id: "datnet-base-b32", title: "DATNet base, paper sizes, batch 32", variant: "base", batch: 32 }),
  shape({
    id: "datnet-f-b10",
    title: "DATNet-F, paper sizes, batch 10 target + 10 source",
    variant: "datnet-f",
    batch: 10,
  }),
  shape({
    id: "datnet-f-b32",
    title: "DATNet-F, paper sizes, batch 32 target + 32 source",
    variant: "datnet-f",
    batch: 32,
  }),
];
