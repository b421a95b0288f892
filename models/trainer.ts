/**
 * Training protocol of the DATNet family (Zhou et al., ACL 2019, §4.2; design.md §6 "datnet"): Adam with
 * lr_e = lr / (1 + decay·e) per epoch, global-norm clipping, seeded dropout and shuffling, dev/test evaluation
 * after every epoch, checkpoint selection on dev (or test, as one released DATNet version did), optional early
 * stopping.
 *
 * Randomness: `cfg.seed` seeds one Rng, from which four independent streams are derived in a fixed order —
 * weight initialisation, target shuffling, source shuffling, dropout seeds — so the same seed on the same backend
 * gives identical losses, metrics and predictions.
 *
 * Vocabularies (per resource): words from all splits that the pretrained table knows when there is one (the
 * table is frozen, so nothing is learnt from dev/test), else from training sentences only (dev/test-only words
 * fall back to the trained UNK); tags from all splits of the resource (so no dev/test tag is unknown); chars
 * from the training sentences of both resources (shared char embeddings).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, PRF, Scorer, Sentence, WordEmbeddings } from "../harness/types.ts";
import { ensureGradients } from "./backend.ts";
import { Datnet, type DatnetConfig, type Resource, validateDatnetConfig } from "./datnet.ts";
import type { EmbeddingDescription } from "./embedding.ts";
import { createRng, deriveSeed, type Rng } from "./init.ts";
import { clipByGlobalNorm } from "./ops.ts";
import { Adam, inverseTimeDecay } from "./optim.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
  type EncodedBatch,
  makeBatches,
  type Vocabulary,
  type WordVocabularyInfo,
} from "./vocab.ts";

/** Sentences of one resource, tags already in the training scheme (e.g. IOBES). */
export interface TaggingData {
  train: Sentence[];
  dev: Sentence[];
  test: Sentence[];
  embeddings?: WordEmbeddings;
  lookup: LookupPolicy;
}

/** One training run. */
export interface TrainConfig {
  model: DatnetConfig;
  seed: number;
  epochs: number;
  batchSize: number;
  /** Initial learning rate (DATNet 1e-3). */
  lr: number;
  /** Inverse time decay per epoch (DATNet 0.05). */
  lrDecay: number;
  /** Global gradient-norm clip (DATNet 5.0). */
  clipNorm: number;
  /** Stop after this many epochs without dev F1 improvement; 0 = run all epochs. */
  patience: number;
  /** Keep the epoch with the best dev F1, or the best test F1 (one released DATNet version). */
  selection: "dev" | "test";
  /** Cap on source batches per epoch (DATNet-F), e.g. for smoke runs. */
  sourceBatchesPerEpoch?: number;
  /**
   * Speed option, default false (the authors' batches are random). When true, each shuffled pass is cut into
   * batches of similar sentence length (sorted within windows of 50 batches, see `makeBatches`) and the batch
   * order is shuffled, so less padding is computed; the batches' composition then differs from random batching.
   */
  bucketByLength?: boolean;
  /**
   * Evaluate dev and test after every `evalEvery`-th epoch and after the last one (default 1: every epoch, as
   * the authors' code). Selection and patience then count evaluations only; epochs without an evaluation log
   * NaN F1. A cost-saving knob for CPU runs, recorded by the suite as a deviation when above 1.
   */
  evalEvery?: number;
}

/** Per-epoch log line. */
export interface EpochLog {
  epoch: number;
  /** Mean training loss over the epoch's steps (target + source CRF losses for DATNet-F/P, plus the
   * discriminator losses and the adversarial-pass losses when configured). */
  loss: number;
  devF1: number;
  testF1: number;
  /** Learning rate used in this epoch. */
  lr: number;
  /** Training tokens (target + source) per second of step time. */
  tokensPerSec: number;
  /** Seconds of training steps in this epoch (evaluation excluded). */
  seconds: number;
  /** Seconds spent predicting and scoring dev and test. */
  evalSeconds: number;
  steps: number;
}

/** Reported while training: after every step, and after each epoch's evaluation (with `devF1`). */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsInEpoch: number;
  /** Mean loss of the epoch so far. */
  loss: number;
  tokensPerSec: number;
  devF1?: number;
}

/** Vocabulary of one resource, for the manifest. */
export interface ResourceVocabularySummary extends WordVocabularyInfo {
  tags: number;
  wordEmbedding: EmbeddingDescription;
}

/** What a training run produced. */
export interface CellOutcome {
  /** 1-based epoch whose dev/test scores and test predictions are reported. */
  selectedEpoch: number;
  selection: "dev" | "test";
  dev: PRF;
  test: PRF;
  epochs: EpochLog[];
  /** Over all epochs: training tokens per second of step time. */
  trainTokensPerSec: number;
  trainSeconds: number;
  /** Trainable parameters. */
  parameters: number;
  /** Test predictions of the selected epoch, tag strings in the training scheme, one per test sentence. */
  testPredictions: string[][];
  vocab: { chars: number; target: ResourceVocabularySummary; source?: ResourceVocabularySummary };
  /** Epochs actually run (< cfg.epochs after early stopping). */
  epochsRun: number;
  earlyStopped: boolean;
}

/**
 * How DATNet-F mixes resources (the paper does not say; this is tagbench's rule, to be recorded in the run
 * manifest). The authors' code alternates single-resource batches with one optimizer per resource; this harness
 * takes one joint step on the sum of the two losses instead.
 */
export const DATNET_F_MIXING_RULE =
  "Each step takes one target batch and one source batch and makes one Adam step on the sum of their batch-mean " +
  "CRF losses. An epoch has max(#target batches, min(#source batches, sourceBatchesPerEpoch)) steps; each " +
  "resource is read as an endless stream of seeded shuffled passes (a pass is reshuffled when exhausted and " +
  "continues across epochs), so the shorter resource is cycled and the longer one is traversed once per epoch.";

/**
 * How the discriminator and AT enter a step (tagbench's reading of Eq. 1–4, to be recorded in the run manifest
 * when either is on). DATNet-P mixes resources by {@link DATNET_F_MIXING_RULE} too.
 */
export const DATNET_ADVERSARIAL_RULE =
  "Per batch (one resource): loss = batch-mean CRF NLL + batch-mean Eq. 1 discriminator loss (sentence mean, same " +
  "for both resources; gradient into the shared BiLSTM reversed and scaled by the reversal scale). With AT, " +
  "g = d loss / d embeddings at the step's weights and dropout masks, eta = eps * g / ||g||_2 with the norm over " +
  "the batch's whole word (resp. char) embedding tensor, and the batch contributes loss(e) + loss(e + eta), eta " +
  "constant, the perturbed pass with its own dropout masks; one Adam step on the sum over the step's batches.";

/** Batch size used for dev/test prediction (sentences sorted by length within windows to cut padding). */
export const EVAL_BATCH_SIZE = 64;

interface Prepared {
  words: Vocabulary;
  tags: Vocabulary;
  info: WordVocabularyInfo;
  data: TaggingData;
  train: Sentence[];
}

function prepare(data: TaggingData): Prepared {
  const all = [...data.train, ...data.dev, ...data.test];
  const { vocab, info } = data.embeddings
    ? buildWordVocabulary(all, data.lookup, data.embeddings)
    : buildWordVocabulary(data.train, data.lookup);
  return {
    words: vocab,
    tags: buildTagVocabulary(all),
    info,
    data,
    train: data.train.filter((s) => s.words.length > 0),
  };
}

/** An endless stream of batches of sentence indices: seeded shuffled passes over `sentences`. */
class BatchStream {
  #batches: number[][] = [];
  #next = 0;
  constructor(
    readonly sentences: Sentence[],
    readonly batchSize: number,
    readonly rng: Rng,
    readonly bucket: boolean,
  ) {}

  /** Batches in one pass. */
  get perPass(): number {
    return Math.ceil(this.sentences.length / this.batchSize);
  }

  next(): number[] {
    if (this.#next >= this.#batches.length) {
      const order = shuffle(this.sentences.length, this.rng);
      if (this.bucket) {
        const batches = makeBatches(order, this.batchSize, (i) => this.sentences[i].words.length, true);
        this.#batches = shuffle(batches.length, this.rng).map((i) => batches[i]);
      } else {
        this.#batches = makeBatches(order, this.batchSize);
      }
      this.#next = 0;
    }
    return this.#batches[this.#next++];
  }
}

/** Fisher–Yates permutation of 0..n−1 from `rng`. */
export function shuffle(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Predicts tag strings for every sentence (empty sentences get []), in input order. */
async function predictAll(
  model: Datnet,
  p: Prepared,
  charVocab: Vocabulary,
  sentences: Sentence[],
): Promise<string[][]> {
  const out: string[][] = sentences.map(() => []);
  const ids = sentences.map((_, i) => i).filter((i) => sentences[i].words.length > 0);
  for (const batch of makeBatches(ids, EVAL_BATCH_SIZE, (i) => sentences[i].words.length, true)) {
    const enc = encodeBatch(batch.map((i) => sentences[i]), p.words, charVocab, undefined, p.data.lookup);
    const paths = await model.predict(enc, "target");
    batch.forEach((i, k) => (out[i] = paths[k].map((t) => p.tags.token(t))));
  }
  return out;
}

function checkConfig(cfg: TrainConfig, hasSource: boolean): void {
  validateDatnetConfig(cfg.model, hasSource);
  if (!(Number.isInteger(cfg.epochs) && cfg.epochs >= 1)) throw new Error(`TrainConfig.epochs must be ≥ 1`);
  if (!(Number.isInteger(cfg.batchSize) && cfg.batchSize >= 1)) {
    throw new Error(`TrainConfig.batchSize must be ≥ 1`);
  }
  if (!(Number.isInteger(cfg.patience) && cfg.patience >= 0)) {
    throw new Error(`TrainConfig.patience must be ≥ 0`);
  }
  if (cfg.selection !== "dev" && cfg.selection !== "test") {
    throw new Error(`TrainConfig.selection must be "dev" or "test", got "${cfg.selection as string}"`);
  }
  if (cfg.evalEvery !== undefined && !(Number.isInteger(cfg.evalEvery) && cfg.evalEvery >= 1)) {
    throw new Error(`TrainConfig.evalEvery must be an integer ≥ 1 when given`);
  }
  if (cfg.sourceBatchesPerEpoch !== undefined && !(cfg.sourceBatchesPerEpoch >= 1)) {
    throw new Error(`TrainConfig.sourceBatchesPerEpoch must be ≥ 1 when given`);
  }
}

/**
 * Trains a DATNet model on `target` (and `source` for DATNet-F/P) and evaluates it on the target's dev and test
 * sets after every epoch (or every `evalEvery`-th) with `score` (gold and predicted tag strings in the training
 * scheme).
 *
 * Epoch e (1-based) uses lr / (1 + lrDecay·(e−1)). The base model's epoch is one seeded shuffled pass over the
 * target training sentences; DATNet-F/P follow {@link DATNET_F_MIXING_RULE}, the discriminator and AT
 * {@link DATNET_ADVERSARIAL_RULE}. Selection keeps the first epoch
 * with the best F1 on `cfg.selection`'s split; with `patience` > 0 training stops after that many consecutive
 * epochs without a new best dev F1. Empty sentences are skipped in training and predicted as [].
 *
 * @throws {Error} for an invalid configuration, an empty training set or a variant that does not fit the data.
 */
export async function trainTagger(
  cfg: TrainConfig,
  target: TaggingData,
  source: TaggingData | undefined,
  score: Scorer,
  onProgress?: (p: TrainProgress) => void,
): Promise<CellOutcome> {
  checkConfig(cfg, source !== undefined);
  await ensureGradients(); // tfjs-core registers no gradients by itself (initBackend does this too)
  const root = createRng(cfg.seed);
  const initRng = createRng(deriveSeed(root));
  const targetRng = createRng(deriveSeed(root));
  const sourceRng = createRng(deriveSeed(root));
  const dropoutRng = createRng(deriveSeed(root));

  const tgt = prepare(target);
  const src = source ? prepare(source) : undefined;
  if (tgt.train.length === 0) {
    throw new Error("Cannot train: the target training set has no non-empty sentence");
  }
  if (src && src.train.length === 0) throw new Error("Cannot train: the source training set is empty");
  const charVocab = buildCharVocabulary([...tgt.train, ...(src?.train ?? [])]);

  const model = Datnet.create(
    cfg.model,
    {
      charVocab,
      target: {
        wordVocab: tgt.words,
        tagVocab: tgt.tags,
        lookup: target.lookup,
        embeddings: target.embeddings,
      },
      source: src &&
        {
          wordVocab: src.words,
          tagVocab: src.tags,
          lookup: src.data.lookup,
          embeddings: src.data.embeddings,
        },
    },
    initRng,
  );
  const vars = model.trainableVariables();
  const optimizer = new Adam(vars, { lr: cfg.lr });
  const bucket = cfg.bucketByLength ?? false;
  const tgtStream = new BatchStream(tgt.train, cfg.batchSize, targetRng, bucket);
  const srcStream = src ? new BatchStream(src.train, cfg.batchSize, sourceRng, bucket) : undefined;
  const stepsPerEpoch = srcStream
    ? Math.max(tgtStream.perPass, Math.min(srcStream.perPass, cfg.sourceBatchesPerEpoch ?? Infinity))
    : tgtStream.perPass;

  const devGold = target.dev.map((s) => s.tags);
  const testGold = target.test.map((s) => s.tags);
  const epochs: EpochLog[] = [];
  let best: { epoch: number; dev: PRF; test: PRF; testPredictions: string[][] } | undefined;
  let bestDevF1 = -Infinity;
  let sinceDevBest = 0;
  let earlyStopped = false;
  let totalTokens = 0;
  let totalSeconds = 0;

  try {
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const lr = inverseTimeDecay(cfg.lr, cfg.lrDecay, epoch - 1);
      optimizer.lr = lr;
      let lossSum = 0;
      let tokens = 0;
      let seconds = 0;
      for (let step = 1; step <= stepsPerEpoch; step++) {
        const t0 = performance.now();
        const parts: { batch: EncodedBatch; resource: Resource; seed: number }[] = [];
        const tb = tgtStream.next().map((i) => tgt.train[i]);
        parts.push({
          batch: encodeBatch(tb, tgt.words, charVocab, tgt.tags, target.lookup),
          resource: "target",
          seed: deriveSeed(dropoutRng),
        });
        if (src && srcStream) {
          const sb = srcStream.next().map((i) => src.train[i]);
          parts.push({
            batch: encodeBatch(sb, src.words, charVocab, src.tags, src.data.lookup),
            resource: "source",
            seed: deriveSeed(dropoutRng),
          });
        }
        // AT (§3.5): η per part from the gradient at the current weights, computed before the step's tape.
        const etas = parts.map((p) => model.adversarialPerturbation(p.batch, p.resource, p.seed));
        const { value, grads } = tf.variableGrads(
          () =>
            tf.addN(
              parts.map((p, i) => model.trainingLoss(p.batch, p.resource, p.seed, etas[i])),
            ) as tf.Scalar,
          vars,
        );
        for (const eta of etas) if (eta) tf.dispose([eta.word, eta.char]);
        const names = Object.keys(grads);
        const { clipped } = clipByGlobalNorm(names.map((n) => grads[n]), cfg.clipNorm);
        const record: Record<string, tf.Tensor> = {};
        names.forEach((n, i) => (record[n] = clipped[i]));
        optimizer.step(record);
        const loss = (await value.data())[0];
        tf.dispose([value, ...Object.values(grads), ...clipped]);
        if (!Number.isFinite(loss)) {
          throw new Error(`Training diverged: loss ${loss} at epoch ${epoch}, step ${step}`);
        }
        seconds += (performance.now() - t0) / 1000;
        lossSum += loss;
        for (const p of parts) tokens += p.batch.tokens;
        onProgress?.({
          epoch,
          epochs: cfg.epochs,
          step,
          stepsInEpoch: stepsPerEpoch,
          loss: lossSum / step,
          tokensPerSec: tokens / seconds,
        });
      }
      totalTokens += tokens;
      totalSeconds += seconds;

      const evalEvery = cfg.evalEvery ?? 1;
      if (epoch % evalEvery !== 0 && epoch !== cfg.epochs) {
        epochs.push({
          epoch,
          loss: lossSum / stepsPerEpoch,
          devF1: NaN,
          testF1: NaN,
          lr,
          tokensPerSec: tokens / seconds,
          seconds,
          evalSeconds: 0,
          steps: stepsPerEpoch,
        });
        continue;
      }
      const e0 = performance.now();
      const devPred = await predictAll(model, tgt, charVocab, target.dev);
      const testPred = await predictAll(model, tgt, charVocab, target.test);
      const dev = score(devGold, devPred);
      const test = score(testGold, testPred);
      const evalSeconds = (performance.now() - e0) / 1000;
      epochs.push({
        epoch,
        loss: lossSum / stepsPerEpoch,
        devF1: dev.f1,
        testF1: test.f1,
        lr,
        tokensPerSec: tokens / seconds,
        seconds,
        evalSeconds,
        steps: stepsPerEpoch,
      });
      onProgress?.({
        epoch,
        epochs: cfg.epochs,
        step: stepsPerEpoch,
        stepsInEpoch: stepsPerEpoch,
        loss: lossSum / stepsPerEpoch,
        tokensPerSec: tokens / seconds,
        devF1: dev.f1,
      });
      const selected = cfg.selection === "dev" ? dev.f1 : test.f1;
      if (!best || selected > (cfg.selection === "dev" ? best.dev.f1 : best.test.f1)) {
        best = { epoch, dev, test, testPredictions: testPred };
      }
      if (dev.f1 > bestDevF1) {
        bestDevF1 = dev.f1;
        sinceDevBest = 0;
      } else {
        sinceDevBest++;
      }
      if (cfg.patience > 0 && sinceDevBest >= cfg.patience && epoch < cfg.epochs) {
        earlyStopped = true;
        break;
      }
    }
    const parameters = model.parameterCount();
    const emb = model.describeEmbeddings();
    return {
      selectedEpoch: best!.epoch,
      selection: cfg.selection,
      dev: best!.dev,
      test: best!.test,
      epochs,
      trainTokensPerSec: totalTokens / totalSeconds,
      trainSeconds: totalSeconds,
      parameters,
      testPredictions: best!.testPredictions,
      vocab: {
        chars: charVocab.size,
        target: { ...tgt.info, tags: tgt.tags.size, wordEmbedding: emb.word.target! },
        source: src && { ...src.info, tags: src.tags.size, wordEmbedding: emb.word.source! },
      },
      epochsRun: epochs.length,
      earlyStopped,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
