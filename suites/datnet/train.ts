/**
 * Training protocol of the DATNet family (Zhou et al., ACL 2019, §4.2; the released TF code): Adam with
 * lr_e = lr / (1 + decay·e) per epoch, global-norm clipping, seeded dropout and shuffling, dev/test evaluation
 * after every epoch, checkpoint selection on dev (or test, as one released DATNet version did), optional early
 * stopping. The epochs, batches, evaluations, selection and patience run on the shared training loop
 * (harness/train/loop.ts), declared in {@link trainTagger}; results are bit-identical to this file's former own
 * loop (pinned in trainer_test.ts).
 *
 * Randomness: `cfg.seed` seeds one Rng, from which four independent streams are derived in a fixed order —
 * weight initialisation, target shuffling, source shuffling, dropout seeds — so the same seed on the same backend
 * gives identical losses, metrics and predictions.
 *
 * Checkpoints (`TrainOptions.checkpointDir`): after every evaluation the unit's state is saved
 * (harness/train/checkpoint.ts): the loop's checkpoint (positions, current passes, the shuffling Rngs, counters,
 * accumulators, selection with the selected epoch's dev/test PRF and test predictions, patience, lr state, logs),
 * the trainable weights, Adam's `t`, m and v, and the dropout-seed Rng. A later call with the same directory and
 * the same unit resumes from it and returns exactly what the uninterrupted run returns (timings aside).
 *
 * Vocabularies (per resource): words from all splits that the pretrained table knows when there is one (the
 * table is frozen, so nothing is learnt from dev/test), else from training sentences only (dev/test-only words
 * fall back to the trained UNK); tags from all splits of the resource (so no dev/test tag is unknown); chars
 * from the training sentences of both resources (shared char embeddings).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { type LoopSpec, runLoop } from "../../harness/train/loop.ts";
import { type NamedScorer, splitMetrics } from "../../harness/train/metrics.ts";
import { parseSelectionRule, trainerSelectionRule } from "../../harness/train/selection.ts";
import type { LookupPolicy, PRF, Scorer, Sentence, WordEmbeddings } from "../../models/types.ts";
import { ensureGradients } from "../../runtime/backend.ts";
import { Datnet, type DatnetConfig, type Resource, validateDatnetConfig } from "./network.ts";
import { MIXING_RULES, type MixingRule, releasedArrangement } from "./mixing.ts";
import type { EmbeddingDescription } from "../../models/embedding.ts";
import { createRng, deriveSeed, restoreRng, type RngState } from "../../models/init.ts";
import { clipByGlobalNorm } from "../../models/ops.ts";
import { Adam, type AdamState } from "../../models/optim.ts";
import {
  assignVariables,
  digest,
  readVariables,
  type TrainerRunOptions,
  unitCheckpoint,
  withoutPrefix,
  withPrefix,
} from "../../harness/train/checkpoint.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
  type EncodedBatch,
  makeBatches,
  type Vocabulary,
  type WordVocabularyInfo,
} from "../../models/vocab.ts";

export { shuffle } from "../../harness/train/streams.ts";

/** Sentences of one resource, tags already in the training scheme (e.g. IOBES). */
export interface TaggingData {
  train: Sentence[];
  dev: Sentence[];
  test: Sentence[];
  embeddings?: WordEmbeddings;
  lookup: LookupPolicy;
  /**
   * Sentences of the resource's training FILE before a low-resource subset is taken (released
   * `org_train_dataset_size`, which the `joeyzhouty` mixing rule reads; suites/datnet/mixing.ts); default `train`.
   */
  trainFile?: Sentence[];
}

/** `"dev"`, `"test"` (legacy names of `max dev/f1`, `max test/f1`) or a selection rule string. */
export type TaggerSelection = "dev" | "test" | (string & { readonly selectionRule?: never });

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
  /**
   * Keep the epoch with the best dev F1 (`"dev"` = rule `max dev/f1`), or the best test F1 (`"test"` = `max
   * test/f1`, one released DATNet version), or any selection rule over the evaluation's metrics (`dev/*`,
   * `test/*`, `train/loss`, `last`; see `parseSelectionRule` in harness/train/selection.ts).
   */
  selection: TaggerSelection;
  /** Extra named metrics per split (keys `dev/<name>`, `test/<name>`), beside the PRF of `score`. */
  namedScorer?: NamedScorer;
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
  /**
   * How DATNet-F/P mix the resources (suites/datnet/mixing.ts): `joint` (default; one step on the sum of a target
   * and a source batch, {@link DATNET_F_MIXING_RULE}) or a released rule (`joeyzhouty`, `26hzhang`: single-resource
   * batches in a per-epoch arrangement, one Adam per resource, {@link DATNET_RELEASED_MIXING_RULE}).
   */
  mixing?: MixingRule;
  /**
   * Which sentences the char vocabulary counts: `train` (default; the training sentences used, both resources) or
   * `files` (every split of both resources' files, the target's whole training file included, as the released
   * `process_transfer` counts before subsetting); characters seen fewer than `charMinCount` times (released: 20)
   * map to UNK.
   */
  charVocabulary?: "train" | "files";
  /** Minimum count of a character (default 1). */
  charMinCount?: number;
}

/** Options of a training run that leave its results unchanged (checkpointing, harness/train/checkpoint.ts). */
export type TrainOptions = TrainerRunOptions;

/** The `unit.trainer` of {@link trainTagger}'s checkpoints. */
export const DATNET_CHECKPOINT_TRAINER = "datnet/trainTagger";

/** {@link trainTagger}'s own part of a checkpoint (names relative to the model's name). */
interface TaggerCheckpointPart {
  /** Trainable weights. */
  variables: Record<string, Float32Array>;
  /** Each optimiser's state (`adam`, or `target` and `source` under a released mixing rule). */
  adams: Record<string, AdamState>;
  /** The dropout-seed Rng. */
  dropoutRng: RngState;
}

/**
 * sha256 identity of a {@link trainTagger} unit: the configuration (seed included; a `namedScorer` counts by its
 * presence only), each resource's split sizes, sentences, lookup policy and embeddings (name, size, dimension),
 * and the tfjs backend.
 */
export function taggerUnitHash(
  cfg: TrainConfig,
  target: TaggingData,
  source: TaggingData | undefined,
): string {
  const data = (d: TaggingData | undefined) =>
    d && {
      sizes: [d.train.length, d.dev.length, d.test.length],
      sentences: digest([d.train, d.dev, d.test]),
      lookup: d.lookup,
      embeddings: d.embeddings &&
        { name: d.embeddings.name, dim: d.embeddings.dim, words: d.embeddings.words.length },
    };
  return digest({
    trainer: DATNET_CHECKPOINT_TRAINER,
    cfg,
    target: data(target),
    source: data(source),
    backend: tf.getBackend(),
  });
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
  /** `"test"` when the selection rule reads the test split (the selection sees the test set), else `"dev"`. */
  selection: "dev" | "test";
  /** The canonical selection rule, e.g. `max dev/f1`. */
  selectionRule: string;
  /** The selected evaluation's metrics: `dev/f1`, `dev/precision`, …, `test/f1`, …, `train/loss` (mean over the
   * iterations since the previous evaluation). */
  metrics: Record<string, number>;
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

/** The released mixing rules as a sentence for the manifest (suites/datnet/mixing.ts has the formulas). */
export const DATNET_RELEASED_MIXING_RULE =
  "Single-resource batches, each resource with its own Adam (same lr schedule), in a per-epoch order: num_src " +
  "source batches and num_tgt target batches shuffled together, the remaining target batches appended " +
  "(released _arrange_batches; joeyzhouty: num_src = int(ceil(|S|/B) * sqrt(|S0|) * 0.3 / sqrt(|T0|)), num_tgt = " +
  "ceil(f * ceil(|T|/B)) with f = 0.2 for at most 500 target sentences, 0.7 for the full file, else 0.5; " +
  "26hzhang: num_src = int(0.3 * ceil(|S|/B)), f = 0.8); num_src capped by the source_batches budget. Each " +
  "resource is read as an endless stream of seeded shuffled passes.";

/**
 * How the discriminator and AT enter a step (tagbench's reading of Eq. 1–4, to be recorded in the run manifest
 * when either is on). DATNet-P mixes resources by {@link DATNET_F_MIXING_RULE} too.
 */
export const DATNET_ADVERSARIAL_RULE =
  "Per batch (one resource): loss = batch-mean CRF NLL + batch-mean Eq. 1 discriminator loss on the shared " +
  "BiLSTM states after their dropout (sentence mean, same for both resources; gradient into the shared BiLSTM " +
  "reversed and scaled by the reversal scale). With AT, g = d CRF-loss / d embeddings at the step's weights and " +
  "dropout masks, eta = eps * g / ||g||_2 with the norm per sentence (per sentence and char channel for the char " +
  "embeddings), and the batch contributes CRF(e) + discriminator(e) + CRF(e + eta), eta constant, the perturbed " +
  "pass with its own dropout masks (released order: perturbation and adversarial loss before the discriminator " +
  "loss is added).";

/** Batch size used for dev/test prediction (sentences sorted by length within windows to cut padding). */
export const EVAL_BATCH_SIZE = 64;

interface Prepared {
  words: Vocabulary;
  /** Replaced by the joint tag vocabulary under a shared CRF. */
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

/** The selection rule of a {@link TaggerSelection} (legacy aliases, else a rule over dev, test or train). */
export function taggerSelectionRule(selection: TaggerSelection): string {
  return trainerSelectionRule(
    selection,
    { dev: "max dev/f1", test: "max test/f1" },
    ["dev", "test", "train"],
    "TrainConfig.selection",
  );
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
  taggerSelectionRule(cfg.selection);
  if (cfg.evalEvery !== undefined && !(Number.isInteger(cfg.evalEvery) && cfg.evalEvery >= 1)) {
    throw new Error(`TrainConfig.evalEvery must be an integer ≥ 1 when given`);
  }
  if (cfg.mixing !== undefined && !MIXING_RULES.includes(cfg.mixing)) {
    throw new Error(`TrainConfig.mixing must be one of ${MIXING_RULES.join(", ")}, got "${cfg.mixing}"`);
  }
  if (cfg.charMinCount !== undefined && !(Number.isInteger(cfg.charMinCount) && cfg.charMinCount >= 1)) {
    throw new Error(`TrainConfig.charMinCount must be an integer ≥ 1 when given`);
  }
  if (
    cfg.sourceBatchesPerEpoch !== undefined &&
    !(Number.isInteger(cfg.sourceBatchesPerEpoch) && cfg.sourceBatchesPerEpoch >= 1)
  ) {
    throw new Error(`TrainConfig.sourceBatchesPerEpoch must be an integer ≥ 1 when given`);
  }
}

/**
 * Trains a DATNet model on `target` (and `source` for DATNet-F/P) and evaluates it on the target's dev and test
 * sets after every epoch (or every `evalEvery`-th) with `score` (gold and predicted tag strings in the training
 * scheme).
 *
 * Runs on the shared loop (harness/train/loop.ts) declared as: streams `target` (and `source`) of seeded
 * shuffled passes (optionally length-bucketed); schedule `joint-sum` with epochs of max(#target batches,
 * min(#source batches, sourceBatchesPerEpoch)) steps ({@link DATNET_F_MIXING_RULE}), or under a released
 * `mixing` rule `arranged` with one Adam per resource ({@link DATNET_RELEASED_MIXING_RULE}, suites/datnet/mixing.ts,
 * the order drawn from a fifth seeded stream); lr `inverse-time` (epoch e,
 * 1-based, uses lr / (1 + lrDecay·(e−1)), Zhou et al. 2019 §4.2); cadence every `evalEvery` epochs plus the last;
 * selection `max dev/f1` (`"dev"`) or `max test/f1` (`"test"`) or the given rule, first best kept on ties;
 * patience counting evaluations without a new best dev F1 (`max dev/f1`, whatever the selection). The base
 * model's epoch is one seeded shuffled pass over the target training sentences; the discriminator and AT follow
 * {@link DATNET_ADVERSARIAL_RULE}. Empty sentences are skipped in training and predicted as [].
 *
 * With `options.checkpointDir`, the unit's state is saved after every evaluation and an earlier checkpoint of the
 * same unit is resumed (see {@link TrainOptions}).
 *
 * @throws {Error} for an invalid configuration (incl. a selection rule over a split other than dev, test, train),
 *   an empty training set, a variant that does not fit the data, or a diverging loss.
 * @throws {CheckpointMismatchError} when `options.checkpointDir` holds a checkpoint of another unit; {Error} for a
 *   damaged checkpoint or a failed save.
 */
export async function trainTagger(
  cfg: TrainConfig,
  target: TaggingData,
  source: TaggingData | undefined,
  score: Scorer,
  onProgress?: (p: TrainProgress) => void,
  options: TrainOptions = {},
): Promise<CellOutcome> {
  checkConfig(cfg, source !== undefined);
  await ensureGradients(); // tfjs-core registers no gradients by itself (initBackend does this too)
  const root = createRng(cfg.seed);
  const initRng = createRng(deriveSeed(root));
  const targetRng = createRng(deriveSeed(root));
  const sourceRng = createRng(deriveSeed(root));
  let dropoutRng = createRng(deriveSeed(root));
  // Drawn after the other four, so that adding it left their streams unchanged.
  const scheduleRng = createRng(deriveSeed(root));

  const tgt = prepare(target);
  const src = source ? prepare(source) : undefined;
  if (tgt.train.length === 0) {
    throw new Error("Cannot train: the target training set has no non-empty sentence");
  }
  if (src && src.train.length === 0) throw new Error("Cannot train: the source training set is empty");
  if (src && cfg.model.sharedCrf) {
    // Released share_label: one label dictionary over every split of both resources.
    const joint = buildTagVocabulary([target, source!].flatMap((d) => [...d.train, ...d.dev, ...d.test]));
    tgt.tags = joint;
    src.tags = joint;
  }
  const files = (d: TaggingData) => [...(d.trainFile ?? d.train), ...d.dev, ...d.test];
  const charVocab = buildCharVocabulary(
    cfg.charVocabulary === "files"
      ? [...files(target), ...(source ? files(source) : [])]
      : [...tgt.train, ...(src?.train ?? [])],
    cfg.charMinCount ?? 1,
  );

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
  const mixing: MixingRule = src ? cfg.mixing ?? "joint" : "joint";
  const released = mixing !== "joint";
  // Released rules: one Adam per resource over the variables its loss reaches (TF compute_gradients skips the
  // others); joint: one Adam over everything.
  const discVars = model.discriminator?.variables() ?? [];
  const groups: Record<string, tf.Variable[]> = released
    ? {
      target: [...model.trainableVariables("target"), ...discVars],
      source: [...model.trainableVariables("source"), ...discVars],
    }
    : { adam: vars };
  const optimizers: Record<string, Adam> = Object.fromEntries(
    Object.entries(groups).map(([k, v]) => [k, new Adam(v, { lr: cfg.lr })]),
  );
  const bucket = cfg.bucketByLength ?? false;
  const lengthOf = (ss: Sentence[]) => (i: number) => ss[i].words.length;
  const evalEvery = cfg.evalEvery ?? 1;
  const rule = taggerSelectionRule(cfg.selection);
  const loop: LoopSpec = {
    streams: [
      {
        name: "target",
        size: tgt.train.length,
        batchSize: cfg.batchSize,
        order: "shuffled",
        bucketByLength: bucket,
      },
      ...(src
        ? [{
          name: "source",
          size: src.train.length,
          batchSize: cfg.batchSize,
          order: "shuffled" as const,
          bucketByLength: bucket,
        }]
        : []),
    ],
    schedule: released
      ? {
        kind: "arranged",
        streams: ["source", "target"],
        arrangement: releasedArrangement(mixing, {
          batchSize: cfg.batchSize,
          source: src!.train.length,
          target: tgt.train.length,
          sourceFile: (source!.trainFile ?? source!.train).length,
          targetFile: (target.trainFile ?? target.train).length,
          sourceCap: cfg.sourceBatchesPerEpoch,
        }),
      }
      : {
        kind: "joint-sum",
        streams: src ? ["target", "source"] : ["target"],
        epoch: {
          by: "passes",
          combine: "max",
          caps: src && cfg.sourceBatchesPerEpoch !== undefined
            ? { source: cfg.sourceBatchesPerEpoch }
            : undefined,
        },
      },
    lr: Object.fromEntries(
      Object.keys(groups).map((k) => [k, { kind: "inverse-time", lr: cfg.lr, decay: cfg.lrDecay } as const]),
    ),
    evaluation: { cadence: { kind: "epochs", every: evalEvery, last: true }, final: "if-unevaluated" },
    selection: rule,
    patience: { evaluations: cfg.patience, monitor: "max dev/f1" },
    budget: { maxEpochs: cfg.epochs },
    progress: { unit: "epoch", metric: "dev/f1" },
  };
  const resources = { target: tgt, source: src };
  const devGold = target.dev.map((s) => s.tags);
  const testGold = target.test.map((s) => s.tags);
  interface Selected {
    dev: PRF;
    test: PRF;
    testPredictions: string[][];
  }

  const checkpoint = options.checkpointDir === undefined
    ? undefined
    : unitCheckpoint<Selected, TaggerCheckpointPart>({
      dir: options.checkpointDir,
      minSecondsBetweenSaves: options.checkpointEverySeconds,
      unit: {
        trainer: DATNET_CHECKPOINT_TRAINER,
        configHash: taggerUnitHash(cfg, target, source),
        backend: tf.getBackend(),
      },
      collect: async () => {
        const adams: Record<string, AdamState> = {};
        for (const [k, opt] of Object.entries(optimizers)) {
          const a = await opt.getState();
          adams[k] = { ...a, m: withoutPrefix(a.m, model.name), v: withoutPrefix(a.v, model.name) };
        }
        return { variables: await readVariables(vars, model.name), adams, dropoutRng: dropoutRng.state() };
      },
      restore: (part) => {
        assignVariables(vars, model.name, part.variables);
        for (const [k, opt] of Object.entries(optimizers)) {
          const a = part.adams[k];
          if (!a) throw new Error(`Checkpoint has no state of optimiser "${k}"`);
          opt.setState({ ...a, m: withPrefix(a.m, model.name), v: withPrefix(a.v, model.name) });
        }
        dropoutRng = restoreRng(part.dropoutRng);
      },
      onSave: options.onCheckpoint,
    });

  try {
    const out = await runLoop<Selected>(loop, {
      checkpoint,
      rngs: {
        streams: { target: targetRng, source: sourceRng },
        schedule: released ? scheduleRng : undefined,
      },
      lengthOf: { target: lengthOf(tgt.train), ...(src ? { source: lengthOf(src.train) } : {}) },
      optimizers,
      step: async ({ batches }) => {
        const parts: { batch: EncodedBatch; resource: Resource; seed: number }[] = batches.map((b) => {
          const resource = b.stream as Resource;
          const p = resources[resource]!;
          return {
            batch: encodeBatch(b.ids.map((i) => p.train[i]), p.words, charVocab, p.tags, p.data.lookup),
            resource,
            seed: deriveSeed(dropoutRng),
          };
        });
        // AT (§3.5): η per part from the gradient at the current weights, computed before the step's tape.
        const etas = parts.map((p) => model.adversarialPerturbation(p.batch, p.resource, p.seed));
        const group = released ? parts[0].resource : "adam";
        const { value, grads } = tf.variableGrads(
          () =>
            tf.addN(
              parts.map((p, i) => model.trainingLoss(p.batch, p.resource, p.seed, etas[i])),
            ) as tf.Scalar,
          groups[group],
        );
        for (const eta of etas) if (eta) tf.dispose([eta.word, eta.char]);
        const names = Object.keys(grads);
        const { clipped } = clipByGlobalNorm(names.map((n) => grads[n]), cfg.clipNorm);
        const record: Record<string, tf.Tensor> = {};
        names.forEach((n, i) => (record[n] = clipped[i]));
        optimizers[group].step(record);
        const loss = (await value.data())[0];
        tf.dispose([value, ...Object.values(grads), ...clipped]);
        return { loss, tokens: parts.reduce((a, p) => a + p.batch.tokens, 0) };
      },
      evaluate: async () => {
        const devPred = await predictAll(model, tgt, charVocab, target.dev);
        const testPred = await predictAll(model, tgt, charVocab, target.test);
        const dev = score(devGold, devPred);
        const test = score(testGold, testPred);
        return {
          metrics: {
            ...splitMetrics("dev", dev, cfg.namedScorer?.(devGold, devPred)),
            ...splitMetrics("test", test, cfg.namedScorer?.(testGold, testPred)),
          },
          artifact: { dev, test, testPredictions: testPred },
        };
      },
      onProgress: onProgress &&
        ((p) => {
          const progress: TrainProgress = {
            epoch: p.epoch,
            epochs: cfg.epochs,
            step: p.iterationInEpoch,
            stepsInEpoch: p.iterationsPerEpoch,
            loss: p.epochLoss,
            tokensPerSec: p.epochTokens / p.epochSeconds,
          };
          onProgress(progress);
          if (p.evaluation) onProgress({ ...progress, devF1: p.evaluation.metrics["dev/f1"] });
        }),
    });
    const evaluations = out.evaluations;
    const epochs: EpochLog[] = out.epochs.map((e) => {
      const ev = e.evaluation === undefined ? undefined : evaluations[e.evaluation];
      return {
        epoch: e.epoch,
        loss: e.loss,
        devF1: ev ? ev.metrics["dev/f1"] : NaN,
        testF1: ev ? ev.metrics["test/f1"] : NaN,
        lr: e.lr.adam,
        tokensPerSec: e.tokens / e.seconds,
        seconds: e.seconds,
        evalSeconds: ev ? ev.seconds : 0,
        steps: e.iterations,
      };
    });
    const best = out.selected!;
    const parsed = parseSelectionRule(rule);
    const parameters = model.parameterCount();
    const emb = model.describeEmbeddings();
    return {
      selectedEpoch: best.evaluation.epochsCompleted,
      selection: parsed.kind !== "last" && parsed.split === "test" ? "test" : "dev",
      selectionRule: out.selectionRule,
      metrics: best.evaluation.metrics,
      dev: best.artifact!.dev,
      test: best.artifact!.test,
      epochs,
      trainTokensPerSec: out.tokens / out.trainSeconds,
      trainSeconds: out.trainSeconds,
      parameters,
      testPredictions: best.artifact!.testPredictions,
      vocab: {
        chars: charVocab.size,
        target: { ...tgt.info, tags: tgt.tags.size, wordEmbedding: emb.word.target! },
        source: src && { ...src.info, tags: src.tags.size, wordEmbedding: emb.word.source! },
      },
      epochsRun: epochs.length,
      earlyStopped: out.stopReason === "early-stopping" && epochs.length < cfg.epochs,
    };
  } finally {
    for (const opt of Object.values(optimizers)) opt.dispose();
    model.dispose();
  }
}
