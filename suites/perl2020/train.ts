/**
 * Training one perl2020 cell as the released `train.py` does (tperl/Low-Resource-Sequence-Tagging-using-Sentence-
 * Reconstruction): Keras `fit` on one array of source and target sentences (shuffled every epoch, batch 64), Adam
 * lr 0.01, `ReduceLROnPlateau` on the training CRF loss (×0.1 after 5 epochs without a 1e-4 improvement), 60
 * epochs; the transfer models test the snapshot with the best training CRF loss (`ModelCheckpoint`), the baseline
 * the final weights. Runs on the shared loop (harness/train/loop.ts), whose contract test
 * (`contract perl2020`, harness/train/loop_test.ts) pins these settings.
 *
 * Evaluation: under a selection on the training loss (or `last`) no held-out data is read during training; each
 * epoch's evaluation only snapshots the weights, and the selected snapshot predicts dev and test once at the end
 * (the released `test.py`). Under a dev selection (the clean protocol) each evaluation predicts dev.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { ensureGradients } from "../../runtime/backend.ts";
import { createRng, deriveSeed, restoreRng, type RngState } from "../../models/init.ts";
import { Adam, type AdamState } from "../../models/optim.ts";
import { type LoopSpec, runLoop } from "../../harness/train/loop.ts";
import { parseSelectionRule } from "../../harness/train/selection.ts";
import {
  assignVariables,
  digest,
  readVariables,
  type TrainerRunOptions,
  unitCheckpoint,
  withoutPrefix,
  withPrefix,
} from "../../harness/train/checkpoint.ts";
import type { Sentence } from "../../models/types.ts";
import { type Perl2020Batch, type Perl2020Config, Perl2020Net } from "./network.ts";
import {
  encodeBatch,
  MAX_LEN,
  MAX_LEN_CHAR,
  type PerlEncoded,
  type PerlItem,
  type PerlLookup,
} from "./data.ts";

/** Trainer id of perl2020 checkpoints. */
export const PERL2020_CHECKPOINT_TRAINER = "perl2020/trainPerl";

/** Label given to tokens the released padding cut off (a longer sentence keeps its last 70): never correct. */
export const TRUNCATED_LABEL = "<truncated>";

/** Training settings of one unit. */
export interface PerlTrainConfig {
  net: Perl2020Config;
  seed: number;
  /** Epochs (released: 60). */
  epochs: number;
  /** Batch size (released: 64). */
  batchSize: number;
  /** Adam learning rate (released: 0.01) and ε (Keras 2 `K.epsilon()` = 1e-7). */
  lr: number;
  adamEpsilon: number;
  /** `ReduceLROnPlateau` on the epoch mean of `monitor` (released: `train/crf_loss`, ×0.1, patience 5, 1e-4). */
  plateau: { monitor: string; factor: number; patience: number; minDelta: number };
  /** Selection rule: `min train/crf_loss` (released transfer), `last` (released baseline), `max dev/f1`… */
  selection: string;
  /** Early stopping: evaluations without a better selection value (0: never). */
  patience: number;
  /** Evaluate (snapshot, and dev under a dev selection) every n epochs and after the last. */
  evalEvery: number;
  /**
   * How dev/test sentences are fed: `"released"` padded / truncated to 70 as the released `create_ner_numpy.py`
   * (a longer sentence keeps its last 70 tokens); `"whole"` padded to max(70, length), nothing cut.
   */
  evalInput: "released" | "whole";
  /**
   * What a prediction row holds: `"padded"` the 70 predicted tags of the padded row (the released `test.py`
   * scores them all); `"tokens"` one tag per token of the sentence (tokens cut off by the padding get
   * {@link TRUNCATED_LABEL}).
   */
  rows: "padded" | "tokens";
  /** Predict dev with the selected weights too (the released `test.py` predicts test only). */
  finalDev: boolean;
}

/** The data of one unit. */
export interface PerlTrainData {
  /** Training items: the target subset and (transfer) the source pool, in one array. */
  items: PerlItem[];
  /** Target dev and test sentences, tags in the training scheme. */
  dev: Sentence[];
  test: Sentence[];
  lookup: PerlLookup;
  /** Number of chars + 2 (padding, unknown). */
  numChars: number;
}

/** Named metrics of predicted against gold rows (`f1`, `precision`, `recall`, or `accuracy`). */
export type PerlScore = (gold: string[][], predicted: string[][]) => Record<string, number>;

/** One epoch of the log. */
export interface PerlEpochLog {
  [key: string]: number;
  epoch: number;
  loss: number;
  crf_loss: number;
  lr: number;
  positionsPerSec: number;
  seconds: number;
}

/** What a unit produced. */
export interface PerlOutcome {
  metrics: Record<string, number>;
  selectionRule: string;
  /** Epochs completed at the selected evaluation. */
  selectedEpoch: number;
  epochs: PerlEpochLog[];
  testPredictions: string[][];
  /** Padded positions (B·70) trained on per second of step time. */
  positionsPerSec: number;
  trainSeconds: number;
  parameters: number;
}

/** Progress of a unit. */
export interface PerlProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsInEpoch: number;
  loss: number;
  positionsPerSec: number;
  score?: { key: string; value: number };
}

interface CheckpointPart {
  /** The weights at the checkpoint (the selected snapshot is the loop's artifact). */
  variables: Record<string, Float32Array>;
  adam: AdamState;
  dropoutRng: RngState;
}

const EVAL_BATCH = 128;

function tensors(e: PerlEncoded, withLang: boolean): Perl2020Batch {
  return {
    words: tf.tensor2d(e.words, [e.b, e.t], "int32"),
    chars: tf.tensor3d(e.chars, [e.b, e.t, MAX_LEN_CHAR], "int32"),
    tags: tf.tensor2d(e.tags, [e.b, e.t], "int32"),
    ...(withLang ? { lang: tf.tensor2d(e.lang, [e.b, e.t], "int32") } : {}),
  };
}

function disposeBatch(b: Perl2020Batch): void {
  tf.dispose([b.words, b.chars, b.tags, ...(b.lang ? [b.lang] : [])]);
}

/**
 * Predicted tag rows of target sentences (see {@link PerlTrainConfig.rows}). Sentences are fed in batches of
 * 128 in order, each padded as `evalInput` says.
 */
export function predictRows(
  net: Perl2020Net,
  sentences: readonly Sentence[],
  lookup: PerlLookup,
  cfg: Pick<PerlTrainConfig, "evalInput" | "rows">,
): string[][] {
  const names = [...lookup.tags.keys()];
  const out: string[][] = [];
  for (let i = 0; i < sentences.length; i += EVAL_BATCH) {
    const chunk = sentences.slice(i, i + EVAL_BATCH);
    const length = cfg.evalInput === "released"
      ? MAX_LEN
      : Math.max(MAX_LEN, ...chunk.map((s) => s.words.length));
    const items: PerlItem[] = chunk.map((s) => ({ words: s.words, tags: s.tags, lang: 1 }));
    const enc = encodeBatch(items, lookup, length);
    const batch = tensors(enc, net.config.variant === "transfer");
    try {
      const paths = net.predict(batch);
      paths.forEach((p, k) => {
        const tags = p.map((t) => names[t]);
        if (cfg.rows === "padded") {
          out.push(tags);
          return;
        }
        const n = chunk[k].words.length;
        const cut = n - enc.lengths[k];
        out.push([...new Array<string>(cut).fill(TRUNCATED_LABEL), ...tags.slice(0, enc.lengths[k])]);
      });
    } finally {
      disposeBatch(batch);
    }
  }
  return out;
}

/** sha256 of everything that makes a unit (configuration and data), for its checkpoint. */
export function perlUnitHash(cfg: PerlTrainConfig, data: PerlTrainData): string {
  return digest({
    trainer: PERL2020_CHECKPOINT_TRAINER,
    cfg,
    items: digest(data.items),
    dev: digest(data.dev),
    test: digest(data.test),
    tables: data.lookup.tables.map((t) => t && { name: t.name, rows: t.table.rows, dim: t.table.dim }),
    offsets: data.lookup.offsets ?? null,
    backend: tf.getBackend(),
  });
}

let unitCounter = 0;

/**
 * Trains one unit and evaluates the selected weights on the target's dev and test sentences.
 *
 * Loop: one stream `train` over `data.items`, shuffled per epoch by a seeded Rng, batches of `batchSize`
 * (the last one smaller), one Adam step per batch on the total loss of {@link Perl2020Net.loss} (no gradient
 * clipping, as Keras without `clipnorm`); lr `plateau` on `train/crf_loss`; an evaluation every `evalEvery`
 * epochs and after the last; the selection rule picks a weight snapshot, which predicts dev and test at the end.
 *
 * @throws {Error} for an empty training set, an invalid configuration (network.ts `validatePerl2020Config`), a
 *   selection on a split other than train, dev or last, or a diverging loss.
 */
export async function trainPerl(
  cfg: PerlTrainConfig,
  data: PerlTrainData,
  score: PerlScore,
  onProgress?: (p: PerlProgress) => void,
  options: TrainerRunOptions = {},
): Promise<PerlOutcome> {
  if (data.items.length === 0) throw new Error("Cannot train: no training sentence");
  const rule = parseSelectionRule(cfg.selection);
  if (rule.kind !== "last" && !["train", "dev"].includes(rule.split)) {
    throw new Error(`perl2020 selects on train or dev metrics or "last", got "${cfg.selection}"`);
  }
  await ensureGradients();
  const root = createRng(cfg.seed);
  const initRng = createRng(deriveSeed(root));
  const streamRng = createRng(deriveSeed(root));
  let dropoutRng = createRng(deriveSeed(root));
  const [src, tgt] = data.lookup.tables;
  const transfer = cfg.net.variant === "transfer";
  const name = `perl2020u${unitCounter++}`;
  const net = Perl2020Net.create(
    cfg.net,
    {
      numChars: data.numChars,
      numTags: data.lookup.tags.size,
      target: (tgt ?? src)!.table,
      ...(transfer ? { source: src!.table } : {}),
    },
    initRng,
    name,
  );
  const vars = net.trainableVariables();
  const adam = new Adam(vars, { lr: cfg.lr, epsilon: cfg.adamEpsilon });
  const devKey = rule.kind !== "last" && rule.split === "dev";
  const loop: LoopSpec = {
    streams: [{ name: "train", size: data.items.length, batchSize: cfg.batchSize, order: "shuffled" }],
    schedule: { kind: "joint-sum", streams: ["train"] },
    lr: {
      adam: {
        kind: "plateau",
        lr: cfg.lr,
        monitor: cfg.plateau.monitor,
        mode: "min",
        factor: cfg.plateau.factor,
        patience: cfg.plateau.patience,
        minDelta: cfg.plateau.minDelta,
      },
    },
    evaluation: { cadence: { kind: "epochs", every: cfg.evalEvery, last: true }, final: "never" },
    selection: cfg.selection,
    ...(cfg.patience > 0 ? { patience: { evaluations: cfg.patience, monitor: cfg.selection } } : {}),
    budget: { maxEpochs: cfg.epochs },
    progress: { unit: "epoch", metric: rule.kind === "last" ? "train/crf_loss" : rule.key },
  };
  type Snapshot = Record<string, Float32Array>;
  const checkpoint = options.checkpointDir === undefined
    ? undefined
    : unitCheckpoint<Snapshot, CheckpointPart>({
      dir: options.checkpointDir,
      minSecondsBetweenSaves: options.checkpointEverySeconds,
      unit: {
        trainer: PERL2020_CHECKPOINT_TRAINER,
        configHash: perlUnitHash(cfg, data),
        backend: tf.getBackend(),
      },
      collect: async () => {
        const a = await adam.getState();
        return {
          variables: await readVariables(vars, name),
          adam: { ...a, m: withoutPrefix(a.m, name), v: withoutPrefix(a.v, name) },
          dropoutRng: dropoutRng.state(),
        };
      },
      restore: (part) => {
        assignVariables(vars, name, part.variables);
        adam.setState({ ...part.adam, m: withPrefix(part.adam.m, name), v: withPrefix(part.adam.v, name) });
        dropoutRng = restoreRng(part.dropoutRng);
      },
      onSave: options.onCheckpoint,
    });
  const score2 = (split: string, gold: Sentence[], pred: string[][]) =>
    Object.fromEntries(
      Object.entries(score(gold.map((s) => s.tags), pred)).map(([k, v]) => [`${split}/${k}`, v]),
    );
  try {
    const out = await runLoop<Snapshot>(loop, {
      checkpoint,
      rngs: { streams: { train: streamRng } },
      optimizers: { adam },
      step: async ({ batches: [b] }) => {
        const enc = encodeBatch(b.ids.map((i) => data.items[i]), data.lookup, MAX_LEN);
        const batch = tensors(enc, transfer);
        const seed = deriveSeed(dropoutRng);
        const kept: tf.Scalar[] = [];
        try {
          const { value, grads } = tf.variableGrads(() => {
            const l = net.loss(batch, true, seed);
            kept.push(
              tf.keep(l.crf),
              ...[l.reconstruction, l.adversarial].filter((x) => x).map((x) => tf.keep(x!)),
            );
            return l.total;
          }, vars);
          adam.step(grads);
          const loss = (await value.data())[0];
          const parts: Record<string, number> = { crf_loss: (await kept[0].data())[0] };
          let k = 1;
          if (net.decoder) parts.reconstruction_loss = (await kept[k++].data())[0];
          if (net.discriminator) parts.adversarial_loss = (await kept[k++].data())[0];
          tf.dispose([value, ...Object.values(grads)]);
          return { loss, tokens: enc.b * enc.t, parts };
        } finally {
          tf.dispose(kept);
          disposeBatch(batch);
        }
      },
      evaluate: async () => {
        const metrics = devKey ? score2("dev", data.dev, predictRows(net, data.dev, data.lookup, cfg)) : {};
        return { metrics, artifact: await readVariables(vars, name) };
      },
      onProgress: onProgress &&
        ((p) =>
          onProgress({
            epoch: p.epoch,
            epochs: cfg.epochs,
            step: p.iterationInEpoch,
            stepsInEpoch: p.iterationsPerEpoch,
            loss: p.epochLoss,
            positionsPerSec: p.epochTokens / Math.max(p.epochSeconds, 1e-9),
            ...(p.score ? { score: p.score } : {}),
          })),
    });
    const selected = out.selected!;
    assignVariables(vars, name, selected.artifact!);
    const devPred = cfg.finalDev ? predictRows(net, data.dev, data.lookup, cfg) : undefined;
    const testPred = predictRows(net, data.test, data.lookup, cfg);
    const metrics: Record<string, number> = {
      ...Object.fromEntries(
        Object.entries(selected.evaluation.metrics).filter(([k]) => k.startsWith("train/")),
      ),
      ...(devPred ? score2("dev", data.dev, devPred) : {}),
      ...score2("test", data.test, testPred),
    };
    return {
      metrics,
      selectionRule: out.selectionRule,
      selectedEpoch: selected.evaluation.epochsCompleted,
      epochs: out.epochs.map((e) => ({
        epoch: e.epoch,
        loss: e.loss,
        crf_loss: e.metrics["train/crf_loss"],
        ...(e.metrics["train/reconstruction_loss"] !== undefined
          ? { reconstruction_loss: e.metrics["train/reconstruction_loss"] }
          : {}),
        ...(e.metrics["train/adversarial_loss"] !== undefined
          ? { adversarial_loss: e.metrics["train/adversarial_loss"] }
          : {}),
        ...(e.evaluation !== undefined && rule.kind !== "last" && rule.split === "dev"
          ? { selection_score: out.evaluations[e.evaluation].metrics[rule.key] }
          : {}),
        lr: e.lr.adam,
        positionsPerSec: e.tokens / Math.max(e.seconds, 1e-9),
        seconds: e.seconds,
      })),
      testPredictions: testPred,
      positionsPerSec: out.tokens / Math.max(out.trainSeconds, 1e-9),
      trainSeconds: out.trainSeconds,
      parameters: net.parameterCount(),
    };
  } finally {
    adam.dispose();
    net.dispose();
  }
}
