/**
 * Joint training of the Yang et al. (ICLR 2017, §3.3) model family as the released code does it
 * (kimiyoung/transfer `joint.py`, `lang.joint.py`, `cnn_rnn.py`):
 *
 * - One iteration = one batch (10 sentences) of ONE task and one update of that task's loss.
 * - Task schedule: `"alternate"` (default; the released code's `for i in range(len(models))`: tasks take turns
 *   in input order, the target listed first) or `"sample"` (the paper's §3.3 text: each iteration draws the
 *   task from fixed probabilities, a binomial for two tasks). See {@link YANG_SCHEDULE_RULES}.
 * - AdaGrad (Lasagne: accumulators start at 0, ε = 1e-6), lr 0.01, no clipping, no regularisation. **Each task
 *   has its own AdaGrad instance**, hence its own accumulators, also over the shared weights (the released code
 *   builds one Theano model, with its own `lasagne.updates.adagrad`, per task).
 * - Each task reads its training set in seeded shuffled passes (an epoch), batches of consecutive indices of the
 *   permutation, the last batch of a pass possibly smaller (`step_train`).
 * - Evaluation of the target task (dev and test) follows `step_train`'s rule, {@link YANG_EVALUATION_RULE}.
 * - Reported number: `"max-test"` (the released code's `max_f1`: the maximum test score over all evaluations)
 *   or `"dev"` (the test score at the evaluation with the best dev score). Early stopping (the paper's "we do
 *   early stopping on the target task performance"; the released loop never stops) after `patience`
 *   evaluations without a new best on the selection split; a budget of target epochs and/or iterations.
 * - Gazetteer feature (paper §4.1, CoNLL-2003 English NER; released `ner.py` `read_list_data`): a task given a
 *   `gazetteer` function gets the model input `gazetteer: true`, and every batch of it, training and evaluation
 *   alike, carries the tag ids of the function's tags per token (computed once per sentence before training).
 *
 * The iterations, schedule, evaluations, selection and patience run on the shared training loop
 * (harness/train/loop.ts): one shuffled stream per task, schedule `alternate` or `sample` with epochs = target
 * passes, the `sentences` cadence (or `epochs` for `everyEpochs`) counted on the target, a final evaluation when
 * the target's last iteration was not evaluated, patience on the selection. Results are bit-identical to this
 * file's former own loop (pinned in train_test.ts).
 *
 * Label-rate subsets and train+dev pooling are the caller's job (`TaskData.train` is used as given).
 * Randomness: `cfg.seed` seeds one Rng from which, in this order, the weight initialisation, the schedule and one
 * shuffling stream per task (input order) are derived; same seed + backend + data ⇒ identical results.
 *
 * Checkpoints (`YangTrainOptions.checkpointDir`): after every evaluation the unit's state is saved
 * (harness/train/checkpoint.ts): the loop's checkpoint (positions and current passes of every task's stream,
 * their shuffling Rngs and the schedule's Rng, counters, per-task loss windows, the `sentences` cadence counter,
 * selection with the selected evaluation's test predictions, patience, logs), the trainable weights, every
 * task's AdaGrad accumulators, and the evaluation log. A later call with the same directory and unit resumes from
 * it and returns exactly what the uninterrupted run returns (timings aside).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { type LoopSpec, runLoop } from "../../harness/train/loop.ts";
import { type NamedScorer, splitMetrics } from "../../harness/train/metrics.ts";
import { parseSelectionRule, trainerSelectionRule } from "../../harness/train/selection.ts";
import type { LookupPolicy, PRF, Scorer, Sentence, WordEmbeddings } from "../../models/types.ts";
import { ensureGradients } from "../../runtime/backend.ts";
import { createRng, deriveSeed } from "../../models/init.ts";
import { AdaGrad, type AdaGradState } from "../../models/optim.ts";
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
  buildWordVocabulary,
  encodeBatch,
  type EncodedBatch,
  makeBatches,
  Vocabulary,
  type WordVocabularyInfo,
} from "../../models/vocab.ts";
import {
  YANG_SHARING,
  type YangConfig,
  type YangDescription,
  YangModel,
  type YangTaskInput,
} from "./network.ts";

/** One task's sentences and embeddings. Tags in the task's training scheme (IOBES in the paper). */
export interface YangTaskData {
  /** Task name (unique; becomes part of variable names). */
  name: string;
  /** Training sentences as given (the caller pools train+dev and draws label-rate subsets). May be empty for
   * the target (zero-shot transfer): its turns then make no update. */
  train: Sentence[];
  /** Target only: dev sentences (needed for `selection: "dev"`). */
  dev: Sentence[];
  /** Target only: test sentences. */
  test: Sentence[];
  lookup: LookupPolicy;
  embeddings?: WordEmbeddings;
  /** Pretrained vectors: `"trainable"` (default, released code) or `"frozen"`. */
  pretrained?: "trainable" | "frozen";
  /** Word embedding size without pretrained vectors (default the model's; 64 for Spanish). */
  wordEmbeddingDim?: number;
  /** Label mapping to the shared tag set (T-A, §3.2.1): tag → shared tag; unlisted tags map to themselves. */
  labelMap?: Readonly<Record<string, string>>;
  /**
   * Gazetteer feature (paper §4.1; `YangTaskInput.gazetteer`): the gazetteer tag of each word of a sentence, in
   * the task's tag scheme (IOBES; `O` where unmatched), one per word, e.g. `(w) => gaz.gazetteerTags(w)` of
   * `harness/data/gazetteer.ts`. Called once per sentence of every split; the tags go through `labelMap` like the
   * gold tags, and each must then be in the task's tag vocabulary (else `trainYang` throws, naming the tag).
   * With T-A every task must have one or none.
   */
  gazetteer?: (words: readonly string[]) => string[];
}

/** How the target is evaluated during training (see {@link YANG_EVALUATION_RULE}). */
export interface YangEvaluationSchedule {
  /** Period in sentences after the warm-up (released `PERIOD` 100 = every 10 batches of 10). */
  everySentences: number;
  /** Period in sentences during the warm-up (released `MIN_PERIOD` 4000). */
  warmupEverySentences: number;
  /** Warm-up while completed target epochs ≤ this (released `MIN_PERIODS[0]` 4 for the target, task 0; −1 for
   * no warm-up). */
  warmupEpochs: number;
  /**
   * Harness override for machines that cannot afford the released schedule (a recorded deviation): when given,
   * the sentence periods above are ignored and the target is evaluated only at the end of every
   * `everyEpochs`-th completed target epoch (and once after training, if the last target iteration was not
   * evaluated).
   */
  everyEpochs?: number;
}

/** `"max-test"`, `"dev"` (legacy names of `max test/f1`, `max dev/f1`) or a selection rule string. */
export type YangSelection = "max-test" | "dev" | (string & { readonly selectionRule?: never });

/** One joint training run. */
export interface YangTrainConfig {
  model: YangConfig;
  seed: number;
  /** AdaGrad learning rate (0.01). */
  lr: number;
  /** Sentences per batch (10). */
  batchSize: number;
  /** Name of the target task (evaluated, early-stopped, reported). */
  target: string;
  /** Task schedule (see {@link YANG_SCHEDULE_RULES}); default `"alternate"`. */
  schedule?: "alternate" | "sample";
  /** `"sample"` only: relative task probabilities by task name (normalised; every task needs one > 0). */
  taskProbabilities?: Readonly<Record<string, number>>;
  evaluation: YangEvaluationSchedule;
  /** Stop after this many completed target epochs (the released joint loop has no limit). */
  maxEpochs: number;
  /** Optional cap on iterations (all tasks together). */
  maxIterations?: number;
  /** Stop after this many evaluations without a new selection (a strict improvement of the selection rule's
   * metric); 0 = never. */
  patience: number;
  /**
   * `"max-test"` (rule `max test/f1`): the maximum test score over evaluations (released code); `"dev"` (`max
   * dev/f1`): test at the best dev; or any selection rule over the evaluation's metrics (`dev/*`, `test/*`,
   * `train/loss`, `train/loss_<task>`, `last`; see `parseSelectionRule` in harness/train/selection.ts). Ties keep
   * the first best.
   */
  selection: YangSelection;
  /** Extra named metrics per split (e.g. `{ accuracy }` → `test/accuracy`), beside the PRF of `score`. */
  namedScorer?: NamedScorer;
  /**
   * Word vocabulary: `"all-splits"` (released code: words of every split of every task; trainable rows of
   * dev/test-only words keep their initial value, pretrained or random, as they get no gradient) or `"train"`
   * (training words; others map to UNK). A frozen pretrained table always takes every split's words it knows.
   * Chars follow the same rule. Default `"all-splits"`.
   */
  vocabulary?: "all-splits" | "train";
  /** Batch size for prediction (released `test_batch_size` 100); does not change results. */
  evalBatchSize?: number;
}

/** Options of a joint training run that leave its results unchanged (checkpointing, harness/train/checkpoint.ts). */
export type YangTrainOptions = TrainerRunOptions;

/** The `unit.trainer` of {@link trainYang}'s checkpoints. */
export const YANG_CHECKPOINT_TRAINER = "yang2017/trainYang";

/** {@link trainYang}'s own part of a checkpoint (variable names relative to the model's name). */
interface YangCheckpointPart {
  /** Trainable weights (shared ones once). */
  variables: Record<string, Float32Array>;
  /** Each task's AdaGrad state. */
  optimizers: Record<string, AdaGradState>;
  /** The evaluation log so far. */
  evaluations: YangEvaluation[];
}

/**
 * sha256 identity of a {@link trainYang} unit: the configuration (seed included; a `namedScorer` counts by its
 * presence only), every task's settings (lookup, embeddings by name, size and dimension, pretrained mode, label
 * map, gazetteer presence), split sizes and sentences, and the tfjs backend.
 */
export function yangUnitHash(cfg: YangTrainConfig, tasks: readonly YangTaskData[]): string {
  return digest({
    trainer: YANG_CHECKPOINT_TRAINER,
    cfg,
    tasks: tasks.map((t) => ({
      ...t,
      train: undefined,
      dev: undefined,
      test: undefined,
      sizes: [t.train.length, t.dev.length, t.test.length],
      sentences: digest([t.train, t.dev, t.test]),
      embeddings: t.embeddings &&
        { name: t.embeddings.name, dim: t.embeddings.dim, words: t.embeddings.words.length },
    })),
    backend: tf.getBackend(),
  });
}

/** The released code's protocol (kimiyoung/transfer `joint.py`): AdaGrad 0.01, batch 10, alternate, max-test, no early stop. */
export const YANG_TRAIN_DEFAULTS: Omit<YangTrainConfig, "model" | "seed" | "target"> = {
  lr: 0.01,
  batchSize: 10,
  schedule: "alternate",
  evaluation: { everySentences: 100, warmupEverySentences: 4000, warmupEpochs: 4 },
  maxEpochs: 100,
  patience: 0,
  selection: "max-test",
  vocabulary: "all-splits",
  evalBatchSize: 100,
};

/** The task-schedule rules, verbatim for the run manifest. */
export const YANG_SCHEDULE_RULES: Readonly<Record<"alternate" | "sample", string>> = {
  alternate: "Tasks take turns in input order (target first), one batch of one task per iteration, as the " +
    "released joint.py/lang.joint.py loop `for i in range(len(models))`.",
  sample: "Each iteration draws one task with the given fixed probabilities (paper §3.3: a binomial over " +
    "{source, target}) from the seeded schedule stream, then takes that task's next batch.",
};

/** When the target is evaluated, verbatim for the run manifest. */
export const YANG_EVALUATION_RULE =
  "After each target iteration (cnn_rnn.step_train): the in-epoch iteration counter i is incremented; when the " +
  "target's pass ends, completed epochs e += 1 and i = 0; period = warmupEverySentences while e ≤ warmupEpochs, " +
  "else everySentences; the target's dev and test sets are evaluated when i·batchSize mod period = 0 (so at every " +
  "epoch end, too). If training stops after an unevaluated target iteration, one final evaluation is made. " +
  "Harness override everyEpochs = n (a deviation): evaluate only when a target pass ends and e mod n = 0, plus " +
  "that final evaluation.";

/** One evaluation of the target. */
export interface YangEvaluation {
  /** 0-based index among the run's evaluations. */
  index: number;
  /** Iterations so far, all tasks. */
  iteration: number;
  /** Completed target epochs at the time. */
  targetEpochs: number;
  /** Absent when the target has no dev sentences. */
  dev?: PRF;
  test: PRF;
  /** Per task: mean batch loss of its iterations since the previous evaluation (NaN when it had none). */
  trainLoss: Record<string, number>;
  evalSeconds: number;
}

/** Reported after every iteration (and with `evaluation` after an evaluation). */
export interface YangProgress {
  iteration: number;
  task: string;
  loss: number;
  targetEpochs: number;
  evaluation?: YangEvaluation;
  /** Evaluations made so far and the seconds they took (the cadence's cost). */
  evaluations: { count: number; seconds: number };
}

/** Vocabulary summary per task, for the manifest. */
export interface YangTaskVocabulary extends WordVocabularyInfo {
  tags: number;
}

/** What a joint training run produced. */
export interface YangOutcome {
  /** `"max-test"` when the selection rule reads the test split (the selection sees the test set), else `"dev"`. */
  selection: "max-test" | "dev";
  /** The canonical selection rule, e.g. `max test/f1`. */
  selectionRule: string;
  /** The selected evaluation's metrics: `test/f1`, `test/precision`, …, `dev/f1`, … (when the target has dev
   * sentences), `train/loss` and `train/loss_<task>` (means since the previous evaluation). */
  metrics: Record<string, number>;
  /** The evaluation the reported numbers come from. */
  selected: YangEvaluation;
  dev?: PRF;
  test: PRF;
  evaluations: YangEvaluation[];
  /** Test predictions at the selected evaluation (tags of the target; T-A: the shared tag set). */
  testPredictions: string[][];
  iterations: number;
  /** Iterations per task (updates + empty turns of an empty target). */
  taskIterations: Record<string, number>;
  targetEpochs: number;
  stopReason: "max-epochs" | "max-iterations" | "early-stopping";
  /** Seconds of training iterations (evaluation excluded). */
  trainSeconds: number;
  trainTokensPerSec: number;
  iterationsPerSec: number;
  schedule: string;
  model: YangDescription;
  vocab: { chars: number; tasks: Record<string, YangTaskVocabulary> };
}

/**
 * One AdaGrad (Lasagne form) per task over that task's variables, so shared weights get one set of
 * accumulators per task, as in the released code. {@link YangJointOptimizer.step} makes one update of one task.
 */
export class YangJointOptimizer {
  readonly model: YangModel;
  readonly #optimizers: Map<string, AdaGrad>;
  readonly #vars: Map<string, tf.Variable[]>;

  constructor(model: YangModel, lr = 0.01) {
    this.model = model;
    this.#vars = new Map(model.tasks.map((t) => [t, model.trainableVariables(t)]));
    this.#optimizers = new Map(model.tasks.map((t) => [t, AdaGrad.lasagne(this.#vars.get(t)!, lr)]));
  }

  /**
   * `task`'s optimizer.
   *
   * @throws {Error} for an unknown task.
   */
  optimizer(task: string): AdaGrad {
    const o = this.#optimizers.get(task);
    if (!o) throw new Error(`No optimizer for task "${task}": expected ${this.model.tasks.join(", ")}`);
    return o;
  }

  /**
   * One AdaGrad update of `task`'s variables on `batch`'s loss (no clipping); resolves to the batch-mean loss
   * (read asynchronously, so it also works on webgpu).
   */
  async step(task: string, batch: EncodedBatch): Promise<number> {
    const opt = this.optimizer(task);
    const { value, grads } = tf.variableGrads(() => this.model.loss(batch, task), this.#vars.get(task)!);
    opt.step(grads);
    tf.dispose(Object.values(grads));
    try {
      return (await value.data())[0];
    } finally {
      value.dispose();
    }
  }

  /** Frees the accumulators (not the model). */
  dispose(): void {
    for (const o of this.#optimizers.values()) o.dispose();
  }
}

function mapTags(s: Sentence, map?: Readonly<Record<string, string>>): Sentence {
  return map ? { words: s.words, tags: s.tags.map((t) => map[t] ?? t) } : s;
}

/** The selection rule of a {@link YangSelection} (legacy aliases, else a rule over dev, test or train). */
export function yangSelectionRule(selection: YangSelection): string {
  return trainerSelectionRule(selection, { "max-test": "max test/f1", dev: "max dev/f1" }, [
    "dev",
    "test",
    "train",
  ], "YangTrainConfig.selection");
}

function checkConfig(cfg: YangTrainConfig, tasks: YangTaskData[]): void {
  const names = tasks.map((t) => t.name);
  if (!names.includes(cfg.target)) {
    throw new Error(`Target task "${cfg.target}" is not one of the tasks: ${names.join(", ")}`);
  }
  if (!(cfg.lr >= 0)) throw new Error(`YangTrainConfig.lr must be ≥ 0, got ${cfg.lr}`);
  for (const [k, v] of [["batchSize", cfg.batchSize], ["maxEpochs", cfg.maxEpochs]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) {
      throw new Error(`YangTrainConfig.${k} must be an integer ≥ 1, got ${v}`);
    }
  }
  if (cfg.maxIterations !== undefined && !(Number.isInteger(cfg.maxIterations) && cfg.maxIterations >= 1)) {
    throw new Error(`YangTrainConfig.maxIterations must be an integer ≥ 1 when given`);
  }
  if (!(Number.isInteger(cfg.patience) && cfg.patience >= 0)) {
    throw new Error(`YangTrainConfig.patience must be an integer ≥ 0, got ${cfg.patience}`);
  }
  const e = cfg.evaluation;
  for (
    const [k, v] of [["everySentences", e.everySentences], ["warmupEverySentences", e.warmupEverySentences]]
  ) {
    if (!(Number.isInteger(v) && (v as number) >= 1)) {
      throw new Error(`YangTrainConfig.evaluation.${k} must be an integer ≥ 1`);
    }
  }
  if (e.everyEpochs !== undefined && !(Number.isInteger(e.everyEpochs) && e.everyEpochs >= 1)) {
    throw new Error(`YangTrainConfig.evaluation.everyEpochs must be an integer ≥ 1 when given`);
  }
  if (!(Number.isInteger(e.warmupEpochs) && e.warmupEpochs >= -1)) {
    throw new Error(`YangTrainConfig.evaluation.warmupEpochs must be an integer ≥ −1 (−1: no warm-up)`);
  }
  const rule = parseSelectionRule(yangSelectionRule(cfg.selection));
  const schedule = cfg.schedule ?? "alternate";
  if (schedule !== "alternate" && schedule !== "sample") {
    throw new Error(`YangTrainConfig.schedule must be "alternate" or "sample", got "${schedule as string}"`);
  }
  if (schedule === "sample") {
    for (const n of names) {
      const p = cfg.taskProbabilities?.[n];
      if (!(p !== undefined && p > 0 && Number.isFinite(p))) {
        throw new Error(`Schedule "sample" needs taskProbabilities["${n}"] > 0`);
      }
    }
  }
  const target = tasks.find((t) => t.name === cfg.target)!;
  if (rule.kind !== "last" && rule.split === "dev" && target.dev.length === 0) {
    throw new Error(`Selection "${cfg.selection}" needs target dev sentences, but "${cfg.target}" has none`);
  }
  if (target.test.length === 0) throw new Error(`The target task "${cfg.target}" has no test sentences`);
  for (const t of tasks) {
    if (t.name !== cfg.target && !t.train.some((s) => s.words.length > 0)) {
      throw new Error(`Source task "${t.name}" has no training sentence`);
    }
  }
}

/**
 * Trains a Yang et al. model jointly on `tasks` and evaluates `cfg.target` periodically with `score` (gold and
 * predicted tag strings; the PRF's `f1` is the score, accuracy for POS). Empty sentences are skipped in training
 * and predicted as []. With T-A every task's tags (all splits) are mapped through its `labelMap` and the union is
 * the shared tag set; the target's gold tags are mapped too, so scores are on the shared tag set. Each evaluation's
 * metrics are `dev/*` (when the target has dev sentences) and `test/*` (precision, recall, f1, plus the
 * `namedScorer`'s names), `train/loss` and `train/loss_<task>`; `cfg.selection` picks among them (first best on
 * ties) and the outcome carries the selected record as `metrics`.
 *
 * @throws {Error} for an invalid configuration (incl. an invalid selection rule, or one over a metric the
 *   evaluation lacks), a target without test sentences, a source without training sentences, tasks that the
 *   architecture cannot share (see `validateYangConfig`), a gazetteer function that returns the wrong number of
 *   tags or a tag outside the task's tag vocabulary, or a diverging loss.
 * @throws {CheckpointMismatchError} when `options.checkpointDir` holds a checkpoint of another unit; {Error} for a
 *   damaged checkpoint or a failed save.
 */
export async function trainYang(
  cfg: YangTrainConfig,
  tasks: YangTaskData[],
  score: Scorer,
  onProgress?: (p: YangProgress) => void,
  options: YangTrainOptions = {},
): Promise<YangOutcome> {
  checkConfig(cfg, tasks);
  await ensureGradients();
  const root = createRng(cfg.seed);
  const initRng = createRng(deriveSeed(root));
  const scheduleRng = createRng(deriveSeed(root));
  const shuffleRngs = tasks.map(() => createRng(deriveSeed(root)));
  const shared = YANG_SHARING[cfg.model.architecture];
  const allSplits = (cfg.vocabulary ?? "all-splits") === "all-splits";

  // Sentences with mapped tags; vocabularies.
  const data = tasks.map((t) => ({
    task: t,
    train: t.train.filter((s) => s.words.length > 0).map((s) => mapTags(s, t.labelMap)),
    dev: t.dev.map((s) => mapTags(s, t.labelMap)),
    test: t.test.map((s) => mapTags(s, t.labelMap)),
  }));
  const vocabSource = (d: (typeof data)[number]) => allSplits ? [...d.train, ...d.dev, ...d.test] : d.train;
  const charVocab = buildCharVocabulary(data.flatMap(vocabSource));
  const wordVocab = (group: typeof data): { vocab: Vocabulary; info: WordVocabularyInfo } => {
    const t = group[0].task;
    if (t.embeddings && t.pretrained === "frozen") {
      return buildWordVocabulary(
        group.flatMap((d) => [...d.train, ...d.dev, ...d.test]),
        t.lookup,
        t.embeddings,
      );
    }
    const { vocab } = buildWordVocabulary(group.flatMap(vocabSource), t.lookup);
    let info: WordVocabularyInfo = { size: vocab.size };
    if (t.embeddings) {
      const found = vocab.tokens.filter((w) => t.embeddings!.index.has(w)).length;
      info = { ...info, embeddings: t.embeddings.name, typeCoverage: found / Math.max(1, vocab.size - 2) };
    }
    return { vocab, info };
  };
  const words = shared.includes("wordEmbedding")
    ? Array(tasks.length).fill(wordVocab(data))
    : data.map((d) => wordVocab([d]));
  const tagsOf = (ds: typeof data) =>
    Vocabulary.build("tag", ds.flatMap((d) => [...d.train, ...d.dev, ...d.test].flatMap((s) => s.tags)));
  const tags = shared.includes("crf") ? Array(tasks.length).fill(tagsOf(data)) : data.map((d) => tagsOf([d]));
  const inputs: YangTaskInput[] = tasks.map((t, i) => ({
    name: t.name,
    wordVocab: words[i].vocab,
    tagVocab: tags[i],
    lookup: t.lookup,
    embeddings: t.embeddings,
    pretrained: t.pretrained,
    wordEmbeddingDim: t.wordEmbeddingDim,
    gazetteer: t.gazetteer !== undefined,
  }));
  const gazetteers = data.map((d, i) =>
    gazetteerIds(d.task, { train: d.train, dev: d.dev, test: d.test }, tags[i])
  );
  /** Pads sentences of task `i` into a batch (with the gazetteer tag ids when the task has a gazetteer). */
  const encode = (i: number, sentences: Sentence[], tagVocab: Vocabulary | undefined): EncodedBatch => {
    const batch = encodeBatch(sentences, words[i].vocab, charVocab, tagVocab, data[i].task.lookup);
    const gaz = gazetteers[i];
    if (gaz) {
      const T = batch.maxLength;
      const ids = new Int32Array(batch.batchSize * T);
      sentences.forEach((s, b) => ids.set(gaz.get(s)!, b * T));
      batch.gazetteer = ids;
    }
    return batch;
  };

  const model = YangModel.create(cfg.model, { charVocab, tasks: inputs }, initRng);
  const optim = new YangJointOptimizer(model, cfg.lr);
  const ti = tasks.findIndex((t) => t.name === cfg.target);
  const target = data[ti];
  const schedule = cfg.schedule ?? "alternate";
  const evalBatch = cfg.evalBatchSize ?? 100;
  const names = tasks.map((t) => t.name);
  const rule = yangSelectionRule(cfg.selection);
  const parsed = parseSelectionRule(rule);
  const e = cfg.evaluation;
  const epoch = { by: "stream", stream: cfg.target } as const;
  const loop: LoopSpec = {
    streams: data.map((d) => ({
      name: d.task.name,
      size: d.train.length,
      batchSize: cfg.batchSize,
      order: "shuffled",
    })),
    schedule: schedule === "alternate" ? { kind: "alternate", streams: names, epoch } : {
      kind: "sample",
      streams: names,
      probabilities: Object.fromEntries(names.map((n) => [n, cfg.taskProbabilities?.[n] ?? 0])),
      epoch,
    },
    lr: Object.fromEntries(names.map((n) => [n, { kind: "constant", lr: cfg.lr }])),
    evaluation: {
      cadence: e.everyEpochs !== undefined ? { kind: "epochs", every: e.everyEpochs, last: false } : {
        kind: "sentences",
        stream: cfg.target,
        every: e.everySentences,
        warmupEvery: e.warmupEverySentences,
        warmupEpochs: e.warmupEpochs,
      },
      stream: cfg.target,
      final: "if-unevaluated",
    },
    selection: rule,
    patience: { evaluations: cfg.patience, monitor: "selection" },
    budget: { maxEpochs: cfg.maxEpochs, maxIterations: cfg.maxIterations },
    progress: { unit: "iteration", metric: parsed.kind === "last" ? "test/f1" : parsed.key },
  };

  const predict = async (sentences: Sentence[]): Promise<string[][]> => {
    const out: string[][] = sentences.map(() => []);
    const ids = sentences.map((_, i) => i).filter((i) => sentences[i].words.length > 0);
    for (const batch of makeBatches(ids, evalBatch, (i) => sentences[i].words.length, true)) {
      const enc = encode(ti, batch.map((i) => sentences[i]), undefined);
      const paths = await model.predict(enc, cfg.target);
      batch.forEach((i, k) => (out[i] = paths[k].map((t) => tags[ti].token(t))));
    }
    return out;
  };
  const devGold = target.dev.map((s) => s.tags);
  const testGold = target.test.map((s) => s.tags);
  const evaluations: YangEvaluation[] = [];
  const taskIndex = new Map(names.map((n, i) => [n, i]));
  type Selected = { evaluation: YangEvaluation; predictions: string[][] };
  const vars = model.trainableVariables();
  const checkpoint = options.checkpointDir === undefined
    ? undefined
    : unitCheckpoint<Selected, YangCheckpointPart>({
      dir: options.checkpointDir,
      minSecondsBetweenSaves: options.checkpointEverySeconds,
      unit: {
        trainer: YANG_CHECKPOINT_TRAINER,
        configHash: yangUnitHash(cfg, tasks),
        backend: tf.getBackend(),
      },
      collect: async () => {
        const optimizers: Record<string, AdaGradState> = {};
        for (const n of names) {
          const st = await optim.optimizer(n).getState();
          optimizers[n] = { ...st, accumulators: withoutPrefix(st.accumulators, model.name) };
        }
        return { variables: await readVariables(vars, model.name), optimizers, evaluations };
      },
      restore: (part, loopPart) => {
        assignVariables(vars, model.name, part.variables);
        for (const n of names) {
          const st = part.optimizers[n];
          if (!st) throw new Error(`The checkpoint has no optimiser state for task "${n}"`);
          optim.optimizer(n).setState({ ...st, accumulators: withPrefix(st.accumulators, model.name) });
        }
        evaluations.push(...part.evaluations);
        // The selected artifact's evaluation is the log's record (one object, as in an uninterrupted run).
        const a = loopPart.selected?.artifact;
        if (a) a.evaluation = evaluations[a.evaluation.index];
      },
      onSave: options.onCheckpoint,
    });

  try {
    const out = await runLoop<Selected>(loop, {
      checkpoint,
      rngs: { streams: Object.fromEntries(names.map((n, i) => [n, shuffleRngs[i]])), schedule: scheduleRng },
      optimizers: Object.fromEntries(names.map((n) => [n, optim.optimizer(n)])),
      step: async ({ batches: [b] }) => {
        if (!b.ids.length) return { loss: null };
        const i = taskIndex.get(b.stream)!;
        const batch = encode(i, b.ids.map((k) => data[i].train[k]), tags[i]);
        const loss = await optim.step(b.stream, batch);
        return { loss, tokens: batch.tokens };
      },
      evaluate: async (ctx) => {
        const e0 = performance.now();
        let dev: PRF | undefined;
        let metrics: Record<string, number> = {};
        if (target.dev.length) {
          const devPred = await predict(target.dev);
          dev = score(devGold, devPred);
          metrics = splitMetrics("dev", dev, cfg.namedScorer?.(devGold, devPred));
        }
        const testPred = await predict(target.test);
        const test = score(testGold, testPred);
        metrics = { ...metrics, ...splitMetrics("test", test, cfg.namedScorer?.(testGold, testPred)) };
        const evaluation: YangEvaluation = {
          index: evaluations.length,
          iteration: ctx.iteration,
          targetEpochs: ctx.epochsCompleted,
          dev,
          test,
          trainLoss: Object.fromEntries(names.map((n) => [n, ctx.trainLoss.byStream[n]])),
          evalSeconds: (performance.now() - e0) / 1000,
        };
        evaluations.push(evaluation);
        return { metrics, artifact: { evaluation, predictions: testPred } };
      },
      onProgress: onProgress &&
        ((p) =>
          onProgress({
            iteration: p.iteration,
            task: p.streams[0],
            loss: p.loss ?? NaN,
            targetEpochs: p.epochsCompleted,
            evaluation: p.evaluation && evaluations[p.evaluation.index],
            evaluations: {
              count: evaluations.length,
              seconds: evaluations.reduce((a, e) => a + e.evalSeconds, 0),
            },
          })),
    });
    const sel = out.selected!;
    return {
      selection: parsed.kind !== "last" && parsed.split === "test" ? "max-test" : "dev",
      selectionRule: out.selectionRule,
      metrics: sel.evaluation.metrics,
      selected: sel.artifact!.evaluation,
      dev: sel.artifact!.evaluation.dev,
      test: sel.artifact!.evaluation.test,
      evaluations,
      testPredictions: sel.artifact!.predictions,
      iterations: out.iterations,
      taskIterations: out.streamIterations,
      targetEpochs: out.epochsCompleted,
      stopReason: out.stopReason,
      trainSeconds: out.trainSeconds,
      trainTokensPerSec: out.trainSeconds > 0 ? out.tokens / out.trainSeconds : 0,
      iterationsPerSec: out.trainSeconds > 0 ? out.iterations / out.trainSeconds : 0,
      schedule: YANG_SCHEDULE_RULES[schedule],
      model: model.describe(),
      vocab: {
        chars: charVocab.size,
        tasks: Object.fromEntries(tasks.map((t, i) => [t.name, { ...words[i].info, tags: tags[i].size }])),
      },
    };
  } finally {
    optim.dispose();
    model.dispose();
  }
}

/**
 * Gazetteer tag ids of every sentence of a task's splits (tags mapped through `labelMap`), keyed by sentence
 * object; undefined when the task has no gazetteer.
 *
 * @throws {Error} when the gazetteer returns a tag count other than the word count, or a tag outside `tagVocab`.
 */
function gazetteerIds(
  task: YangTaskData,
  splits: Record<"train" | "dev" | "test", Sentence[]>,
  tagVocab: Vocabulary,
): Map<Sentence, Int32Array> | undefined {
  const gazetteer = task.gazetteer;
  if (!gazetteer) return undefined;
  const out = new Map<Sentence, Int32Array>();
  for (const [split, sentences] of Object.entries(splits)) {
    sentences.forEach((s, n) => {
      if (out.has(s)) return;
      const tags = gazetteer(s.words);
      if (tags.length !== s.words.length) {
        throw new Error(
          `Task "${task.name}": the gazetteer gave ${tags.length} tags for ${split} sentence ${n + 1} of ` +
            `${s.words.length} words, expected one per word`,
        );
      }
      out.set(
        s,
        Int32Array.from(tags, (t) => {
          const tag = task.labelMap?.[t] ?? t;
          if (!tagVocab.has(tag)) {
            const where = `${split} sentence ${n + 1}`;
            throw new Error(
              `Task "${task.name}": gazetteer tag "${tag}" (${where}) is not in the task's tag set ` +
                `(${tagVocab.tokens.join(" ")}): the gazetteer must use the task's tag scheme`,
            );
          }
          return tagVocab.id(tag);
        }),
      );
    });
  }
  return out;
}
