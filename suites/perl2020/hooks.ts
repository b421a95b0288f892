/**
 * The hooks of the `perl2020` suite: a cell's configuration and deviations, the protocol's view of the data (the
 * released pool and subset, or the clean one), the word tables (MUSE when supplied, else the substitute aligned
 * vectors), and training one cell with `trainPerl`. Protocol differences are read from the protocol's fields.
 *
 * @module
 */

import { join } from "node:path";
import { loadDatasetShared } from "../../harness/data/load.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";
import { perlPieces } from "../../harness/data/perl_pool.ts";
import { ptbToUpos } from "../../harness/data/ptb_upos.ts";
import { loadTextEmbeddings } from "../../harness/data/embeddings.ts";
import { namedScores, SCORERS } from "../../harness/metrics/scorers.ts";
import { alignedVectors, fastTextVectors } from "../../harness/vectors/aligned.ts";
import { prepareSpace } from "../../harness/vectors/procrustes.ts";
import { deviation, DEVIATION_COMPONENTS, TARGET_ONLY_COMPONENTS } from "../../harness/results/deviations.ts";
import type { CellOutcome, ProtocolDecl, SuiteContext, SuiteHooks } from "../../harness/run/define.ts";
import type { Sentence, TagScheme, WordEmbeddings } from "../../models/types.ts";
import {
  PERL2020_BASELINE,
  PERL2020_DISCRIMINATOR,
  PERL2020_TRANSFER,
  type Perl2020Config,
} from "./network.ts";
import {
  charVocabulary,
  concatTables,
  MAX_LEN,
  MAX_LEN_CHAR,
  PAD_WORD,
  type PerlItem,
  type PerlLookup,
  perlLookupKey,
  type PerlTable,
  releasedPool,
  restrictTable,
  subsetIndices,
  tableCoverage,
  UNKNOWN_WORD,
} from "./data.ts";
import { type PerlTrainConfig, trainPerl, TRUNCATED_LABEL } from "./train.ts";
import { type CellConfig, MUSE_FILES, type PerlTypes, TABLE4_RATE, VECTOR_CORPORA } from "./suite.ts";

type Ctx = SuiteContext<PerlTypes>;

/** The released training settings (`train.py`), shared by every cell. */
export const HYPER = {
  batchSize: 64,
  lr: 0.01,
  adamEpsilon: 1e-7,
  epochs: 60,
  plateau: { monitor: "train/crf_loss", factor: 0.1, patience: 5, minDelta: 1e-4 },
  maxLen: MAX_LEN,
  maxLenChar: MAX_LEN_CHAR,
  vectorDim: 300,
} as const;

/** Padding label of POS rows (the released code pads NER rows with `O`; it has no POS pipeline). */
export const POS_PAD_LABEL = "<pad>";

/** The one-shot rule (no code path in the release), as recorded in the manifest and the paper card. */
export const ONE_SHOT_RULE =
  "released-split: the last index of numpy RandomState(23).permutation(n) over the " +
  "target pool (what train_test_split keeps at a train size of one), moving back through the permutation past " +
  "sentences without an entity; the same sentence for every seed. seeded (clean): one sentence with an entity " +
  "drawn by the run seed";

const protocolRules = (p: ProtocolDecl) => {
  const r = p.rules ?? {};
  return {
    pool: String(r.pool ?? "released"),
    evalInput: String(r.evalInput ?? "released") as PerlTrainConfig["evalInput"],
    nerRows: String(r.nerRows ?? "padded") as PerlTrainConfig["rows"],
    splitTest: r.splitTest === true,
  };
};

const scorerId = (p: ProtocolDecl, task: string) => typeof p.scorer === "string" ? p.scorer : p.scorer[task];

function selectionOf(p: ProtocolDecl, model: string, task: string): string {
  if (typeof p.selection === "string") return p.selection;
  return (task === "pos" && p.selection.pos) || p.selection[model];
}

/** Source dataset key of a cell: transfer and zero-shot cells have one. */
export function sourceKey(
  target: string,
  task: string,
  transfer: boolean,
  zeroShot: boolean,
  ctx: Pick<Ctx, "choices">,
) {
  if (!transfer && !zeroShot) return undefined;
  if (task === "pos") return "wsj";
  return target === "en" ? ctx.choices.english_source : "en";
}

const LANGUAGE_NAMES: Record<string, string> = {
  en: "English",
  es: "Spanish",
  nl: "Dutch",
  ro: "Romanian",
  et: "Estonian",
  el: "Greek",
};

function vectorDeviation(language: string, side: "target" | "source"): string {
  const name = LANGUAGE_NAMES[language] ?? language;
  const text = language === "en"
    ? "English MUSE vectors (wiki.multi.en.vec) are not available here: substitute 300-d fastText skip-gram " +
      "vectors trained on CoNLL-2003 English train and corpora/en (software documentation, not Wikipedia) are " +
      "used, unit rows, centred (harness/vectors/aligned.ts); they are the reference space of the alignment"
    : `${name} MUSE vectors are not available here: substitute 300-d fastText skip-gram vectors trained on the ` +
      `target's training file${
        (VECTOR_CORPORA[language] ?? []).length > 0
          ? ` and corpora/${language}/*.txt.gz`
          : " alone (no corpus here)"
      }, mapped onto the English substitute by Procrustes on identical strings, are used; their ` +
      "precision@1 on held-out identical strings is in each row (vectors_precision_at_1)";
  return deviation(side === "target" ? "target embeddings" : "source embeddings", text);
}

// ---------------------------------------------------------------------------------------------------------------
// Data.

const datasetCache = new Map<string, Promise<Record<"train" | "dev" | "test", Sentence[]>>>();

/** A dataset's splits with tags in `scheme` (NER) or as read (POS; the WSJ sample mapped to UD v1 UPOS). */
function splits(ctx: Ctx, key: string): Promise<Record<"train" | "dev" | "test", Sentence[]>> {
  const d = ctx.datasets[key];
  const id = `${ctx.dataDir}|${key}`;
  let p = datasetCache.get(id);
  if (!p) {
    p = (async () => {
      if (!d.registry) {
        throw new Error(`Dataset "${key}" is not available here: ${d.missing ?? "no registry id"}`);
      }
      const ds = await loadDatasetShared(d.registry, ctx.dataDir);
      const out = {} as Record<"train" | "dev" | "test", Sentence[]>;
      for (const name of ["train", "dev", "test"] as const) {
        const s = ds.splits[name]?.sentences;
        if (!s) throw new Error(`Dataset "${d.registry}" has no ${name} split, expected train, dev and test`);
        out[name] = d.task === "ner"
          ? s.map((x) => ({ words: x.words, tags: convertTags(x.tags, ds.spec.scheme, "IOB2") }))
          : key === "wsj"
          ? ptbToUpos(s, { ud: 1 })
          : s.map((x) => ({ words: x.words, tags: [...x.tags] }));
      }
      return out;
    })();
    datasetCache.set(id, p);
    p.catch(() => datasetCache.delete(id));
  }
  return p;
}

const toScheme = (task: string, scheme: TagScheme) => (tags: readonly string[]) =>
  task === "ner" ? convertTags(tags, "IOB2", scheme) : [...tags];

/** A language's word vectors: MUSE when supplied, else the substitute (English: the reference space). */
async function languageVectors(
  ctx: Ctx & { artifactsDir: string },
  cfg: CellConfig,
  language: string,
  vocabulary: Set<string>,
  extra: Record<string, string | number>,
): Promise<WordEmbeddings> {
  if (cfg.vectors === "muse") {
    const file = MUSE_FILES.find((f) => f.endsWith(`.${language}.vec`));
    if (!file) throw new Error(`No MUSE file is declared for language "${language}"`);
    return await loadTextEmbeddings(join(ctx.dataDir, file), {
      vocabulary,
      name: `muse.wiki.multi.${language}`,
    });
  }
  const english = {
    language: "en",
    corpusFiles: VECTOR_CORPORA.en,
    sentences: (await splits(ctx, "en")).train.map((s) => s.words),
    sentencesLabel: "conll2003 train",
    maxTokens: cfg.vectorTokens,
  };
  const common = { dataDir: ctx.dataDir, cacheDir: ctx.artifactsDir, dim: HYPER.vectorDim };
  if (language === "en") {
    const v = await fastTextVectors({ ...common, ...english });
    extra.vectors_en_training_tokens = v.record.text.tokens;
    const t = await loadTextEmbeddings(v.vecPath, { name: "fasttext.en.300d" });
    return prepareSpace(t, { center: true, meanRows: 50_000 });
  }
  const key = Object.keys(ctx.datasets).find((k) =>
    ctx.datasets[k].language === language && ctx.datasets[k].registry
  )!;
  const out = await alignedVectors({
    ...common,
    language,
    corpusFiles: VECTOR_CORPORA[language] ?? [],
    sentences: (await splits(ctx, key)).train.map((s) => s.words),
    sentencesLabel: `${ctx.datasets[key].registry} train`,
    maxTokens: cfg.vectorTokens,
    reference: { fastText: english },
  });
  extra[`vectors_${language}_training_tokens`] = out.record.target.text.tokens;
  extra.vectors_precision_at_1 = out.record.precisionAt1.value ?? NaN;
  extra.vectors_key = out.artifact.key;
  return out.embeddings;
}

// ---------------------------------------------------------------------------------------------------------------
// Hooks.

/** The hooks of the perl2020 declaration. */
export const perl2020Hooks: SuiteHooks<PerlTypes> = {
  cellConfig(c, ctx): CellConfig {
    const s = c.settings;
    const v = ctx.variants[s.variant];
    const d = ctx.datasets[s.target];
    const transfer = v.model === "transfer";
    const zeroShot = s.subset.kind === "zero-shot";
    const src = sourceKey(s.target, d.task, transfer, zeroShot, ctx);
    const b = ctx.budget;
    return {
      targetKey: s.target,
      target: d.registry ?? s.target,
      task: d.task,
      variant: s.variant,
      row: v.row,
      model: v.model,
      reconstruction: v.reconstruction,
      adversarial: v.adversarial,
      subset: s.subset,
      ...(src ? { sourceKey: src, sourceSentences: b.source_sentences ?? "all" } : {}),
      epochs: b.epochs!,
      evalEvery: b.eval_every ?? 1,
      evalSentences: ctx.profileDecl.settings.evalSentences ?? "all",
      vectors: ctx.available.muse ? "muse" : "aligned-fasttext",
      ...(!ctx.available.muse && b.vector_tokens != null ? { vectorTokens: b.vector_tokens } : {}),
      encoder: ctx.choices.encoder as CellConfig["encoder"],
      adversarialObjective: ctx.choices.adversarial_objective as CellConfig["adversarialObjective"],
    };
  },

  cellDeviations(c, ctx) {
    const s = c.settings;
    const d = ctx.datasets[s.target];
    const v = ctx.variants[s.variant];
    const src = sourceKey(s.target, d.task, v.model === "transfer", s.subset.kind === "zero-shot", ctx);
    const out: string[] = [];
    if (!ctx.available.muse) {
      out.push(vectorDeviation(d.language, "target"));
      if (src) out.push(vectorDeviation(ctx.datasets[src].language, "source"));
    }
    if (src === "wsj") {
      out.push(deviation(
        "source data",
        "the English POS source is the NLTK 10% sample of the PTB WSJ (3,914 sentences) mapped to UD v1 UPOS " +
          "(harness/data/ptb_upos.ts) instead of UD v1.2 English, whose train file is not available here",
      ));
    }
    if (d.task === "pos") {
      out.push(deviation(
        "unspecified",
        "the released code has no POS pipeline: the treebank's train + dev are pooled whole (not cut), padded to " +
          "70, and accuracy is taken over the real tokens",
      ));
    }
    return out;
  },

  cellResources: (cfg) => (cfg.vectors === "muse" ? ["muse"] : []),

  cellComponents: (c, ctx) =>
    ctx.variants[c.settings.variant].model === "transfer" || c.settings.subset.kind === "zero-shot"
      ? DEVIATION_COMPONENTS
      : TARGET_ONLY_COMPONENTS,

  cellDatasets: (cfg) => [cfg.targetKey, ...(cfg.sourceKey ? [cfg.sourceKey] : [])],

  embeddings(configs) {
    const seen = new Set<string>();
    const out: Record<string, unknown>[] = [];
    for (const c of configs) {
      const langs = [c.targetKey, c.sourceKey].filter((k): k is string => !!k);
      for (const k of langs) {
        const key = `${k}|${c.vectors}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          dataset: k,
          name: c.vectors === "muse"
            ? "muse.wiki.multi"
            : "fasttext.300d (substitute, harness/vectors/aligned.ts)",
          frozen: true,
          dim: HYPER.vectorDim,
          lookup: {
            lowercase: true,
            digitsToZero: false,
            unk: `row of "${UNKNOWN_WORD}"`,
            pad: `row of "${PAD_WORD}"`,
          },
          ...(c.vectorTokens !== undefined ? { max_tokens: c.vectorTokens } : {}),
        });
      }
    }
    return Promise.resolve(out);
  },

  protocolDetails(_configs, ctx) {
    return Promise.resolve({
      hyper_parameters: HYPER,
      model_baseline: PERL2020_BASELINE,
      model_transfer: PERL2020_TRANSFER,
      discriminator: { ...PERL2020_DISCRIMINATOR, objective: ctx.choices.adversarial_objective },
      one_shot_rule: ONE_SHOT_RULE,
      table4_rate: TABLE4_RATE,
      scorers: Object.fromEntries(
        ["ner", "pos"].map((t) => [t, SCORERS[scorerId(ctx.protocolDecl, t)].description]),
      ),
      rules: protocolRules(ctx.protocolDecl),
    });
  },

  async trainCell(cfg, seed, ctx): Promise<CellOutcome> {
    const proto = ctx.protocolDecl;
    const r = protocolRules(proto);
    const scheme = proto.tagScheme as TagScheme;
    const conv = toScheme(cfg.task, scheme);
    const cutRows = cfg.task === "ner";
    const tgt = await splits(ctx, cfg.targetKey);
    // Target pool and subset.
    const pool = r.pool === "released"
      ? releasedPool(tgt.train, tgt.dev, cutRows, conv)
      : tgt.train.map((s) => ({ words: [...s.words], tags: conv(s.tags) }));
    const rule = proto.subset === "released-split" ? "released-split" : "seeded";
    const entity = (i: number) => pool[i].tags.some((t) => t !== "O");
    const targetTrain = subsetIndices(pool.length, cfg.subset, rule, seed, entity).map((i) => pool[i]);
    // Dev and test: cut into pieces like the training files under the released protocol (NER).
    const evalSplit = (ss: Sentence[]) => {
      const cut = r.splitTest && cutRows ? perlPieces(ss) : ss;
      const all = cut.map((s) => ({ words: [...s.words], tags: conv(s.tags) }));
      return cfg.evalSentences === "all" ? all : all.slice(0, cfg.evalSentences);
    };
    const dev = evalSplit(tgt.dev);
    const test = evalSplit(tgt.test);
    // Source pool (the released pool, not subsampled), first n.
    let source: Sentence[] = [];
    if (cfg.sourceKey) {
      const s = await splits(ctx, cfg.sourceKey);
      const sp = releasedPool(s.train, s.dev, ctx.datasets[cfg.sourceKey].task === "ner", conv);
      source = cfg.sourceSentences === "all" ? sp : sp.slice(0, cfg.sourceSentences);
    }
    const transfer = cfg.model === "transfer";
    const zeroShot = cfg.subset.kind === "zero-shot";
    const items: PerlItem[] = [
      ...targetTrain.map((s) => ({ words: s.words, tags: s.tags, lang: 1 as const })),
      ...source.map((s) => ({ words: s.words, tags: s.tags, lang: 0 as const })),
    ];
    // Tables restricted to the words the cell can look up.
    const extra: Record<string, string | number> = {};
    const vocab = (ss: Sentence[][]) => {
      const v = new Set<string>([PAD_WORD, UNKNOWN_WORD]);
      for (const x of ss) for (const s of x) for (const w of s.words) v.add(perlLookupKey(w));
      return v;
    };
    const tLang = ctx.datasets[cfg.targetKey].language;
    const targetTable = restrictTable(
      await languageVectors(ctx, cfg, tLang, vocab([pool, dev, test]), extra),
      vocab([pool, dev, test]),
    );
    let sourceTable: PerlTable | undefined;
    if (cfg.sourceKey) {
      const sLang = ctx.datasets[cfg.sourceKey].language;
      sourceTable = restrictTable(
        await languageVectors(ctx, cfg, sLang, vocab([source]), extra),
        vocab([source]),
      );
    }
    const tagNames = [
      ...new Set([...pool, ...dev, ...test, ...source].flatMap((s) => s.tags)),
      cfg.task === "ner" ? "O" : POS_PAD_LABEL,
    ].filter((t, i, a) => a.indexOf(t) === i).sort();
    const tags = new Map(tagNames.map((t, i) => [t, i]));
    const padTag = tags.get(cfg.task === "ner" ? "O" : POS_PAD_LABEL)!;
    const chars = charVocabulary([...pool, ...dev, ...test, ...source]);
    let lookup: PerlLookup;
    if (transfer) lookup = { tables: [sourceTable, targetTable], chars, tags, padTag };
    else if (zeroShot) {
      // The baseline has one lookup: source rows then target rows (an aligned space), trained on the source.
      const j = concatTables(sourceTable!, targetTable);
      lookup = { tables: [j.table, j.table], offsets: [0, j.offset], chars, tags, padTag };
    } else lookup = { tables: [undefined, targetTable], chars, tags, padTag };
    const base = transfer ? PERL2020_TRANSFER : PERL2020_BASELINE;
    const net: Perl2020Config = {
      ...base,
      reconstruction: cfg.reconstruction,
      adversarial: cfg.adversarial,
      sharedEncoder: !transfer || cfg.encoder === "shared",
      ...(cfg.adversarial
        ? { discriminator: { ...PERL2020_DISCRIMINATOR, objective: cfg.adversarialObjective } }
        : {}),
    };
    const selection = selectionOf(proto, cfg.model, cfg.task);
    const trainCfg: PerlTrainConfig = {
      net,
      seed,
      epochs: cfg.epochs,
      batchSize: HYPER.batchSize,
      lr: HYPER.lr,
      adamEpsilon: HYPER.adamEpsilon,
      plateau: { ...HYPER.plateau },
      selection,
      patience: proto.patience,
      evalEvery: cfg.evalEvery,
      evalInput: r.evalInput,
      rows: cfg.task === "ner" ? r.nerRows : "tokens",
      finalDev: selection.includes("dev/") || r.pool !== "released",
    };
    const scorer = scorerId(proto, cfg.task);
    const out = await trainPerl(
      trainCfg,
      { items, dev, test, lookup, numChars: chars.size + 2 },
      (g, p) => namedScores(scorer, SCORERS[scorer].score(g, p)),
      (p) =>
        ctx.onProgress({
          unit: "epoch",
          at: p.epoch,
          of: p.epochs,
          step: p.step,
          stepsInEpoch: p.stepsInEpoch,
          loss: p.loss,
          ...(p.score ? { score: p.score } : {}),
          tokensPerSec: p.positionsPerSec,
        }),
      ctx.checkpoint,
    );
    const testWords = test.flatMap((s) => s.words);
    Object.assign(extra, {
      parameters: out.parameters,
      target_train_sentences: targetTrain.length,
      target_train_tokens: targetTrain.reduce((a, s) => a + s.words.length, 0),
      source_train_sentences: source.length,
      target_table_rows: targetTable.table.rows,
      target_test_table_token_coverage: tableCoverage(targetTable, testWords),
      ...(targetTable.appended.length ? { target_table_zero_rows: targetTable.appended.join(" ") } : {}),
      ...(sourceTable?.appended.length ? { source_table_zero_rows: sourceTable.appended.join(" ") } : {}),
      test_sentences: test.length,
      test_tokens_truncated: test.reduce((a, s) => a + Math.max(0, s.words.length - MAX_LEN), 0) *
        (r.evalInput === "released" ? 1 : 0),
      throughput_unit: "padded positions (B·70) per second",
    });
    if (cfg.subset.kind === "one-shot") {
      extra.one_shot_sentence = targetTrain[0].words.join(" ").slice(0, 200);
    }
    return {
      metrics: out.metrics,
      selection: out.selectionRule,
      selectedAt: out.selectedEpoch,
      progressUnit: "epoch",
      unitsRun: out.epochs.length,
      trainTokensPerSec: out.positionsPerSec,
      trainSeconds: out.trainSeconds,
      testPredictions: out.testPredictions,
      epochLog: out.epochs.map((e) => ({ ...e })),
      extra,
    };
  },
};

export { TRUNCATED_LABEL };
