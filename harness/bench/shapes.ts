/**
 * The shapes of `deno task bench` (issue #3, "Training throughput"): what one timed training step is.
 *
 * - `S1`, `S2`: synthetic shapes with dense random inputs instead of embeddings, mirrored exactly by
 *   `harness/bench/torch_reference.py` (same sizes, CRF NLL with transitions, start and end scores, same optimiser):
 *   - S1 DATNet-like: input 70 → BiLSTM 2×100 → linear 9 tags → CRF NLL, Adam lr 1e-3.
 *   - S2 Yang-like: input 210 → 2-layer BiGRU 2×300 → linear 17 tags → CRF NLL, AdaGrad lr 0.01 (GRU in
 *     PyTorch's form: reset after the recurrent product, with b_hn, as `nn.GRU`).
 *   Batch 32 × 30 tokens, every sentence 30 tokens long; the same batch every step.
 * - The real models of each suite at paper sizes, stepped exactly as `models/trainer.ts` steps them (loss of the
 *   target batch, plus a source batch for DATNet-F; global-norm clip 5; Adam 1e-3; dropout 0.2/0.5 on):
 *   DATNet base and DATNet-F (char embeddings 30, char-CNN 20 filters of width 3, BiLSTM 2×100, frozen
 *   100-d word embeddings with a trainable UNK, CRF without start/end scores), batch 10 and 32. Inputs are
 *   synthetic: sentence lengths uniform in [10, 30] tokens, words of 1–12 characters from a 5,000-word
 *   vocabulary, 17 IOBES tags (CoNLL's 4 types); a pool of 8 batches per resource, cycled.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, Sentence, WordEmbeddings } from "../types.ts";
import { LinearChainCRF } from "../../models/crf.ts";
import { Datnet, DATNET_BASE, DATNET_F, type Resource } from "../../models/datnet.ts";
import { BiGRU } from "../../models/gru.ts";
import { createRng, deriveSeed, glorotUniform, type Rng, zeros } from "../../models/init.ts";
import { BiLSTM } from "../../models/lstm.ts";
import { clipByGlobalNorm, denseSeq } from "../../models/ops.ts";
import { AdaGrad, Adam } from "../../models/optim.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
  type EncodedBatch,
  lookupKey,
} from "../../models/vocab.ts";

/** A synthetic shape: dense inputs → stacked bidirectional RNN → linear → CRF. */
export interface SyntheticShape {
  kind: "synthetic";
  id: string;
  title: string;
  inputDim: number;
  cell: "lstm" | "gru";
  /** Units per direction. */
  units: number;
  layers: number;
  tags: number;
  optimizer: "adam" | "adagrad";
  lr: number;
  batch: number;
  /** Tokens per sentence (all sentences have this length). */
  length: number;
}

/** A suite's real model at paper sizes on synthetic sentences. */
export interface DatnetShape {
  kind: "datnet";
  id: string;
  title: string;
  variant: "base" | "datnet-f";
  /** Sentences per resource batch. */
  batch: number;
}

/** One benchmark shape. */
export type BenchShape = SyntheticShape | DatnetShape;

/** Every shape, in the order the bench runs them. */
export const SHAPES: readonly BenchShape[] = [
  {
    kind: "synthetic",
    id: "S1",
    title: "DATNet-like: input 70 → BiLSTM 2×100 → 9 tags, CRF NLL, Adam",
    inputDim: 70,
    cell: "lstm",
    units: 100,
    layers: 1,
    tags: 9,
    optimizer: "adam",
    lr: 1e-3,
    batch: 32,
    length: 30,
  },
  {
    kind: "synthetic",
    id: "S2",
    title: "Yang-like: input 210 → 2-layer BiGRU 2×300 → 17 tags, CRF NLL, AdaGrad",
    inputDim: 210,
    cell: "gru",
    units: 300,
    layers: 2,
    tags: 17,
    optimizer: "adagrad",
    lr: 0.01,
    batch: 32,
    length: 30,
  },
  {
    kind: "datnet",
    id: "datnet-base-b10",
    title: "DATNet base, paper sizes, batch 10",
    variant: "base",
    batch: 10,
  },
  {
    kind: "datnet",
    id: "datnet-base-b32",
    title: "DATNet base, paper sizes, batch 32",
    variant: "base",
    batch: 32,
  },
  {
    kind: "datnet",
    id: "datnet-f-b10",
    title: "DATNet-F, paper sizes, batch 10 target + 10 source",
    variant: "datnet-f",
    batch: 10,
  },
  {
    kind: "datnet",
    id: "datnet-f-b32",
    title: "DATNet-F, paper sizes, batch 32 target + 32 source",
    variant: "datnet-f",
    batch: 32,
  },
];

/**
 * The shape with this id.
 *
 * @throws {Error} naming the known ids when there is none.
 */
export function getShape(id: string): BenchShape {
  const s = SHAPES.find((x) => x.id === id);
  if (!s) {
    throw new Error(`Unknown bench shape "${id}": expected one of ${SHAPES.map((x) => x.id).join(", ")}`);
  }
  return s;
}

/** A model ready to take timed training steps. */
export interface BenchModel {
  /** Real (non-padding) tokens of the next step. */
  nextTokens(): number;
  /** One full training step (forward, loss, backward, optimiser update); resolves to the loss. */
  step(): Promise<number>;
  /** Trainable scalars. */
  parameters: number;
  dispose(): void;
}

function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng() - 1;
  return a;
}

/** Builds the model and data of `shape` with weights and inputs from `seed`. Call on an initialised backend. */
export function buildBenchModel(shape: BenchShape, seed = 1): BenchModel {
  return shape.kind === "synthetic" ? buildSynthetic(shape, seed) : buildDatnet(shape, seed);
}

function buildSynthetic(s: SyntheticShape, seed: number): BenchModel {
  const rng = createRng(seed);
  const name = `bench_${s.id}_${seed}`;
  const rnn = s.cell === "lstm"
    ? new BiLSTM({ name: `${name}/bilstm`, inputDim: s.inputDim, units: s.units, rng })
    : new BiGRU({
      name: `${name}/bigru`,
      inputDim: s.inputDim,
      units: s.units,
      layers: s.layers,
      reset: "after",
      recurrentBias: true,
      rng,
    });
  if (s.cell === "lstm" && s.layers !== 1) {
    throw new Error(`Bench shape ${s.id}: stacked LSTMs are not supported`);
  }
  const w0 = glorotUniform(rng, [2 * s.units, s.tags]);
  const b0 = zeros([s.tags]);
  const projW = tf.variable(w0, true, `${name}/proj/kernel`);
  const projB = tf.variable(b0, true, `${name}/proj/bias`);
  tf.dispose([w0, b0]);
  const crf = new LinearChainCRF(s.tags, rng, { name: `${name}/crf` });
  const vars = [...rnn.variables(), projW, projB, ...crf.variables()];
  const opt = s.optimizer === "adam" ? new Adam(vars, { lr: s.lr }) : new AdaGrad(vars, { lr: s.lr });
  const { batch: B, length: T } = s;
  const x = tf.tensor3d(randomArray(rng, B * T * s.inputDim), [B, T, s.inputDim]);
  const tags = tf.tensor2d(
    Int32Array.from({ length: B * T }, () => Math.floor(rng() * s.tags)),
    [B, T],
    "int32",
  );
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  const lengths = new Array<number>(B).fill(T);
  return {
    nextTokens: () => B * T,
    parameters: vars.reduce((n, v) => n + v.size, 0),
    async step() {
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const h = rnn.apply(x, lengths);
          const em = denseSeq(h, projW as tf.Tensor2D, projB as tf.Tensor1D);
          return crf.negLogLikelihood(em, tags, mask);
        }), vars);
      opt.step(grads);
      const loss = (await value.data())[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    },
    dispose() {
      opt.dispose();
      tf.dispose([x, tags, mask, projW, projB]);
      crf.dispose();
      rnn.dispose();
    },
  };
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
    source: "harness/bench/shapes.ts (random)",
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
