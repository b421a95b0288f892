/**
 * The `perl2020` suite: Perl, Chaudhury & Giryes, "Low Resource Sequence Tagging using Sentence Reconstruction",
 * ACL 2020 — as a declaration. Datasets (§4), the six model rows of Table 1 as variants, every table (1–7) as
 * experiments, two protocols, three profiles, budget knobs, protocol choices and the MUSE resource. What a
 * declaration cannot say is in `hooks.ts` (data, vectors, training one cell), `train.ts` and `network.ts`.
 *
 * Cell ids (= the claim ids of `claims.csv`'s `cell` column, CLAIMS.md): `t1/{en,es,nl}/{variant}/r={1,0.1,0.01}`,
 * `t2/{en,es,nl}/{baseline,transfer}`, `ud/{lang}/{baseline,transfer}/r=1` (Table 3),
 * `ud/{lang}/{baseline,method}/r=unstated` (Table 4), `t5/{en,es,nl}/{baseline,transfer}/r=0.001`,
 * `oneshot/{en,es,nl}/{baseline,method}`, `zeroshot/{es,nl}/{baseline,method}`.
 *
 * Names: in Table 1 "L2" is the sentence-reconstruction loss (§3.4, Eq. 2), not the sentence-level ℓ2
 * normalisation that every variant has; "TL" is weight sharing (§3.2); "Adversarial" the alignment branch (§3.3,
 * Eq. 1). Tables 2–7's "Our transfer", "Our method" and "Method" run as TL + L2: §4 says the adversarial loss is
 * "not use[d] in the final model used in the next experiments, which consist of only weight sharing and our
 * proposed ℓ2 reconstruction loss" (Table 2's printed values equal Table 1's TL + L2 + Adversarial instead; see
 * README.md).
 *
 * @module
 */

import {
  type ChoiceDecl,
  type DefinedSuite,
  defineSuite,
  type ExperimentDecl,
  type ProfileDecl,
  type ProtocolDecl,
  type SuiteTypes,
} from "../../harness/run/define.ts";
import type { ProfileName, ProtocolName } from "../../harness/run/suite.ts";
import type { PerlSubset } from "./data.ts";
import { perl2020Hooks } from "./hooks.ts";

/** Bumped whenever the declaration or the model code changes (suites/perl2020/fingerprint.json). */
export const VERSION = "0.1.0";

// ---------------------------------------------------------------------------------------------------------------
// Datasets (§4).

/** A dataset as the suite uses it. `registry` absent: not available here (`missing` names the file). */
export interface PerlDataset {
  registry?: string;
  title: string;
  language: string;
  task: "ner" | "pos";
  /** Path (under the data directory) of the missing train file of a UD treebank. */
  missing?: string;
}

/** UD v1.2 languages of Tables 3–4 and whether their train file is here (harness/data/registry.ts `ud12-*`). */
const UD_LANGUAGES: Record<string, { name: string; code: string; present: boolean }> = {
  ar: { name: "Arabic", code: "ar", present: false },
  bg: { name: "Bulgarian", code: "bg", present: false },
  de: { name: "German", code: "de", present: false },
  el: { name: "Greek", code: "el", present: true },
  es: { name: "Spanish", code: "es", present: false },
  et: { name: "Estonian", code: "et", present: true },
  fi: { name: "Finnish", code: "fi", present: false },
  fr: { name: "French", code: "fr", present: false },
  he: { name: "Hebrew", code: "he", present: false },
  it: { name: "Italian", code: "it", present: false },
  nl: { name: "Dutch", code: "nl", present: false },
  no: { name: "Norwegian", code: "no", present: false },
  pl: { name: "Polish", code: "pl", present: false },
  ro: { name: "Romanian", code: "ro", present: true },
  sl: { name: "Slovenian", code: "sl", present: false },
};

/** Every dataset by the key cells use: NER targets/sources, the English POS source, the UD treebanks. */
export const DATASETS: Record<string, PerlDataset> = {
  en: { registry: "conll2003", title: "CoNLL-2003 English NER", language: "en", task: "ner" },
  es: { registry: "conll2002-es", title: "CoNLL-2002 Spanish NER", language: "es", task: "ner" },
  nl: { registry: "conll2002-nl", title: "CoNLL-2002 Dutch NER", language: "nl", task: "ner" },
  wsj: {
    registry: "ptb-wsj-sample",
    title:
      "English POS source: PTB WSJ NLTK sample mapped to UPOS (harness/data/ptb_upos.ts), substitute for " +
      "UD v1.2 English train",
    language: "en",
    task: "pos",
  },
  ...Object.fromEntries(
    Object.entries(UD_LANGUAGES).map(([k, u]) => [
      `ud-${k}`,
      {
        ...(u.present ? { registry: `ud12-${u.code}` } : {}),
        title: `UD v1.2 ${u.name} UPOS`,
        language: u.code,
        task: "pos" as const,
        ...(u.present ? {} : { missing: `ud_v1.2/UD_${u.name}/${u.code}-ud-train.conllu.gz` }),
      },
    ]),
  ),
};

// ---------------------------------------------------------------------------------------------------------------
// Variants: Table 1's rows.

/** Table 1's six rows (§3, Table 1), each extending a simpler one. */
export const VARIANT_DECLS = {
  baseline: { row: "Baseline", model: "baseline", reconstruction: false, adversarial: false },
  l2: { extends: "baseline", row: "L2", reconstruction: true },
  tl: { extends: "baseline", row: "TL", model: "transfer" },
  "tl+l2": { extends: "tl", row: "(TL)+(L2)", reconstruction: true },
  "tl+adv": { extends: "tl", row: "(TL) + Adversarial", adversarial: true },
  "tl+l2+adv": { extends: "tl+l2", row: "(TL) + (L2)+ Adversarial", adversarial: true },
} as const;

/** A resolved variant. */
export interface Variant {
  row: string;
  model: "baseline" | "transfer";
  reconstruction: boolean;
  adversarial: boolean;
}

/** Table 1's rows in the paper's order. */
export const TABLE1_VARIANTS = ["baseline", "l2", "tl", "tl+l2", "tl+adv", "tl+l2+adv"];
/** The model of "Our transfer" / "Our method" / "Method" (Tables 2–7): §4's final model. */
export const FINAL_VARIANT = "tl+l2";

/** A cell's settings. */
export interface CellSettings {
  /** Key of {@link DATASETS}. */
  target: string;
  variant: string;
  subset: PerlSubset;
}

/** Table 4's label rate, which the paper does not state (see README.md "Table 4's rate"). */
export const TABLE4_RATE = 0.01;

const NER = ["en", "es", "nl"];
const rate = (r: number): PerlSubset => ({ kind: "rate", rate: r });

const udBlocker = (k: string) => {
  const d = DATASETS[`ud-${k}`];
  return d.registry ? undefined : `the UD v1.2 train file ${d.missing} is not in the data directory`;
};

/** Every table of the paper, in reading order. */
export const EXPERIMENTS: ExperimentDecl<CellSettings>[] = [
  {
    id: "table1",
    title: "Table 1: ablation on CoNLL-2002/2003 NER at full data and label rates 0.1, 0.01 (F1)",
    source: "ACL 2020 p. 3 Table 1",
    cells: NER.flatMap((t) =>
      TABLE1_VARIANTS.flatMap((v) =>
        [1, 0.1, 0.01].map((r) => ({
          id: `t1/${t}/${v}/r=${r}`,
          settings: { target: t, variant: v, subset: rate(r) },
        }))
      )
    ),
  },
  {
    id: "table2",
    title: "Table 2: NER F1 against the state of the art, full data",
    source: "ACL 2020 p. 3 Table 2",
    cells: NER.flatMap((t) => [
      { id: `t2/${t}/baseline`, settings: { target: t, variant: "baseline", subset: rate(1) } },
      { id: `t2/${t}/transfer`, settings: { target: t, variant: FINAL_VARIANT, subset: rate(1) } },
    ]),
    notes: ["Same settings as Table 1's Baseline and (TL)+(L2) at full data, run as their own cells."],
  },
  {
    id: "table3",
    title: "Table 3: UD v1.2 POS accuracy, full data, English source",
    source: "ACL 2020 p. 4 Table 3",
    cells: ["es", "nl", "ro"].flatMap((l) =>
      [["baseline", "baseline"], ["transfer", FINAL_VARIANT]].map(([name, v]) => ({
        id: `ud/${l}/${name}/r=1`,
        settings: { target: `ud-${l}`, variant: v, subset: rate(1) },
        ...(udBlocker(l) ? { blocker: udBlocker(l) } : {}),
      }))
    ),
  },
  {
    id: "table4",
    title: `Table 4: UD v1.2 POS accuracy, low resource (rate not stated; ${TABLE4_RATE} here), 3 seeds`,
    source: "ACL 2020 p. 4 Table 4",
    cells: ["ar", "bg", "et", "fi", "fr", "de", "el", "he", "it", "no", "pl", "sl", "es"].flatMap((l) =>
      [["baseline", "baseline"], ["method", FINAL_VARIANT]].map(([name, v]) => ({
        id: `ud/${l}/${name}/r=unstated`,
        settings: { target: `ud-${l}`, variant: v, subset: rate(TABLE4_RATE) },
        ...(udBlocker(l) ? { blocker: udBlocker(l) } : {}),
      }))
    ),
    notes: [`The paper states no rate; the harness uses ${TABLE4_RATE} (README.md, "Table 4's rate").`],
  },
  {
    id: "table5",
    title: "Table 5: NER F1 at label rate 0.001",
    source: "ACL 2020 p. 5 Table 5",
    cells: NER.flatMap((t) =>
      [["baseline", "baseline"], ["transfer", FINAL_VARIANT]].map(([name, v]) => ({
        id: `t5/${t}/${name}/r=0.001`,
        settings: { target: t, variant: v, subset: rate(0.001) },
      }))
    ),
  },
  {
    id: "table6",
    title: "Table 6: NER F1, one shot (one target sentence)",
    source: "ACL 2020 p. 5 Table 6",
    cells: NER.flatMap((t) =>
      [["baseline", "baseline"], ["method", FINAL_VARIANT]].map(([name, v]) => ({
        id: `oneshot/${t}/${name}`,
        settings: { target: t, variant: v, subset: { kind: "one-shot" } as PerlSubset },
      }))
    ),
  },
  {
    id: "table7",
    title: "Table 7: NER F1, zero shot (source only, target lookup at test)",
    source: "ACL 2020 p. 5 Table 7",
    cells: ["es", "nl"].flatMap((t) =>
      [["baseline", "baseline"], ["method", FINAL_VARIANT]].map(([name, v]) => ({
        id: `zeroshot/${t}/${name}`,
        settings: { target: t, variant: v, subset: { kind: "zero-shot" } as PerlSubset },
      }))
    ),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Protocols, choices, profiles, budget.

/**
 * The two protocols. `rules.pool`: the released pool (pieces, key order, train + dev) or the train file only;
 * `rules.evalInput`/`rules.rows`: how test sentences are padded and scored (train.ts `PerlTrainConfig`);
 * `selection`: by model (`baseline`/`transfer`).
 */
export const PROTOCOLS: Record<ProtocolName, ProtocolDecl> = {
  paper: {
    scorer: { ner: "perl2020-iobes-padded", pos: "accuracy" },
    tagScheme: "IOBES",
    subset: "released-split",
    selection: { baseline: "last", transfer: "min train/crf_loss" },
    patience: 0,
    rules: { pool: "released", evalInput: "released", nerRows: "padded", splitTest: true },
    notes: {
      scorer_note:
        "NER: the released utils/f1_test.py over rows padded to 70 (harness/metrics/perl2020_f1.ts); " +
        "POS: token accuracy",
      subset_note: "train + dev pooled (train pieces then dev pieces, 'Sentence: N' key order); the target " +
        "pool's train_test_split(test_size = 1 − rate, random_state = 23) train part; the same subset for every seed",
      selection_note:
        "transfer: the epoch with the least training CRF loss (ModelCheckpoint); baseline: the " +
        "final weights",
      eval_note:
        "test sentences cut into pieces like the training files and padded / truncated to their last 70 " +
        "tokens; all 70 predicted positions scored",
    },
  },
  clean: {
    scorer: { ner: "conlleval-iobes-as-iob2", pos: "accuracy" },
    tagScheme: "IOBES",
    subset: "seeded",
    selection: { baseline: "max dev/f1", transfer: "max dev/f1", pos: "max dev/accuracy" },
    patience: 10,
    rules: { pool: "train-file", evalInput: "whole", nerRows: "tokens", splitTest: false },
    notes: {
      scorer_note: "conlleval on IOB2 (IOBES predictions and gold converted first); POS token accuracy",
      subset_note:
        "the target train file only (dev held out), max(1, round(rate·n)) sentences drawn by the run seed",
      selection_note: "the epoch with the best dev score; early stopping after 10 epochs without a new best",
      eval_note:
        "dev and test sentences whole (not cut, not truncated), padded to max(70, length); real tokens scored",
    },
  },
};

/** Where the paper and the released code admit several readings, each as an option (harness/run/define.ts). */
export const CHOICES = {
  encoder: {
    description: "the transfer model's encoder BiLSTM",
    component: "model",
    options: {
      shared:
        "one encoder BiLSTM for both languages (released models/transfer_model.py; §4: sharing the base " +
        "BiLSTM is better in few-/one-shot)",
      "language-specific":
        "one encoder per language, switched per token (Figure 1's caption: 'the LSTMs are " +
        "language-specific')",
    },
    defaults: { paper: "shared", clean: "shared" },
  },
  english_source: {
    description: "the source language of English-target NER cells",
    component: "source data",
    options: {
      nl: "CoNLL-2002 Dutch (the released train.py's source for an English target)",
      es: "CoNLL-2002 Spanish (§4: 'English to Spanish and Spanish to English')",
    },
    defaults: { paper: "nl", clean: "nl" },
  },
  adversarial_objective: {
    description: "how L_G of Eq. 1 reaches the encoder (the release has no adversarial branch)",
    component: "model",
    options: {
      reversal: "one discriminator cross-entropy behind a gradient-reversal layer (λ = 1)",
      "flipped-label": "Eq. 1 literally: L_D with the encoder frozen plus L_G on flipped labels with the " +
        "discriminator frozen",
    },
    defaults: { paper: "reversal", clean: "reversal" },
  },
} as const satisfies Record<string, ChoiceDecl>;

/** Per-profile data caps. */
export interface PerlProfileSettings {
  /** Dev/test sentences used (first n); undefined = all. */
  evalSentences?: number;
}

/** Cells of the smoke profile: every Table 1 variant once, one one-shot and one zero-shot cell. */
export const SMOKE_CELLS = [
  ...TABLE1_VARIANTS.map((v) => `t1/es/${v}/r=0.01`),
  "oneshot/es/method",
  "zeroshot/es/method",
];

/** The suite's types. */
export interface PerlTypes extends SuiteTypes {
  settings: CellSettings;
  profile: PerlProfileSettings;
  config: CellConfig;
  dataset: PerlDataset;
  variant: Variant;
}

/** A planned cell's configuration (manifest; read back by the training hook). */
export interface CellConfig {
  [key: string]: unknown;
  targetKey: string;
  target: string;
  task: "ner" | "pos";
  variant: string;
  row: string;
  model: "baseline" | "transfer";
  reconstruction: boolean;
  adversarial: boolean;
  subset: PerlSubset;
  /** Source dataset key, for transfer and zero-shot cells. */
  sourceKey?: string;
  /** Source sentences used (first n of the source pool) or all. */
  sourceSentences?: number | "all";
  epochs: number;
  evalEvery: number;
  evalSentences: number | "all";
  /** Word vectors: `muse` (supplied) or `aligned-fasttext` (the substitute). */
  vectors: "muse" | "aligned-fasttext";
  /** Token cap of the substitute vectors' text (budget `vector_tokens`); absent = all. */
  vectorTokens?: number;
  encoder: "shared" | "language-specific";
  adversarialObjective: "reversal" | "flipped-label";
}

const PROFILES: Record<ProfileName, ProfileDecl<CellSettings, PerlProfileSettings>> = {
  smoke: {
    includes: (c) => SMOKE_CELLS.includes(c.id),
    seeds: 1,
    budget: { epochs: 2, source_sentences: 64, eval_every: 1, vector_tokens: 50_000 },
    settings: { evalSentences: 100 },
    description:
      "every Table 1 variant at rate 0.01 on Spanish plus one one-shot and one zero-shot cell: 2 " +
      "epochs, 64 source sentences, substitute vectors from 50k tokens per language, first 100 test sentences, 1 " +
      "seed; a few minutes on 2 CPU cores",
  },
  nightly: {
    includes: (c) =>
      c.experiments.includes("table1") && c.settings.subset.kind === "rate" &&
      [0.1, 0.01].includes(c.settings.subset.rate),
    seeds: (_c, protocol) => (protocol === "clean" ? 5 : 3),
    budget: { epochs: 60, source_sentences: null, eval_every: 1, vector_tokens: null },
    settings: {},
    description: "Table 1 at label rates 0.1 and 0.01 (every variant, every target), 60 epochs, 3 seeds " +
      "(5 under the clean protocol); GPU-sized",
  },
  paper: {
    includes: () => true,
    seeds: (_c, protocol) => (protocol === "clean" ? 5 : 3),
    budget: { epochs: 60, source_sentences: null, eval_every: 1, vector_tokens: null },
    settings: {},
    description:
      "every table as published: 60 epochs, the whole source pool, 3 seeds (the paper's 3 runs; 5 " +
      "under the clean protocol)",
  },
};

/** MUSE aligned vectors under the data directory (Lample et al. 2018b / Conneau et al. 2018). */
export const MUSE_FILES = ["en", "es", "nl", "ro", "et", "el"].map((l) =>
  `embeddings/muse/wiki.multi.${l}.vec`
);

/** Monolingual corpora the substitute vectors read per language (corpora/PROVENANCE.md). */
export const VECTOR_CORPORA: Record<string, readonly string[]> = {
  en: ["gnome-user-docs", "installation-guide", "libreoffice-help", "manpages", "manpages-dev"].map((f) =>
    `corpora/en/${f}.txt.gz`
  ),
  es: ["bible-rv1909", "gnome-user-docs", "installation-guide", "libreoffice-help", "manpages"].map((f) =>
    `corpora/es/${f}.txt.gz`
  ),
  nl: ["gnome-user-docs", "installation-guide", "libreoffice-help", "manpages"].map((f) =>
    `corpora/nl/${f}.txt.gz`
  ),
  ro: [],
  et: [],
  el: [],
};

/** The suite registered under `perl2020`. */
export const perl2020Suite: DefinedSuite<PerlTypes> = defineSuite<PerlTypes>({
  id: "perl2020",
  version: VERSION,
  paper: {
    title: "Low Resource Sequence Tagging using Sentence Reconstruction",
    citation: "Tal Perl, Sriram Chaudhury, Raja Giryes. Low Resource Sequence Tagging using Sentence " +
      "Reconstruction. ACL 2020 (short papers), pp. 2792–2797",
    code: "github:tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction (62bec24 / 81cdd24)",
    papers: [{ id: "perl2020-acl", venue: "ACL 2020" }],
  },
  claims: new URL("./claims.csv", import.meta.url),
  relativeClaims: new URL("./relative_claims.csv", import.meta.url),
  datasets: DATASETS,
  variants: VARIANT_DECLS,
  experiments: EXPERIMENTS,
  protocols: PROTOCOLS,
  profiles: PROFILES,
  choices: CHOICES,
  budget: {
    epochs: { description: "training epochs per cell", effect: "fewer updates than the released 60 epochs" },
    source_sentences: {
      description: "source sentences in the training array of transfer and zero-shot cells (first n of the " +
        "released source pool)",
      unlimited: "the whole source pool (train + dev)",
      component: "source data",
    },
    eval_every: {
      description: "snapshot (and, under a dev selection, evaluate dev) every n-th epoch and after the last",
      effect: "checkpoint selection sees fewer candidates",
      component: "evaluation",
    },
    vector_tokens: {
      description: "tokens of text per language the substitute aligned vectors are trained on",
      unlimited: "all the text of the data directory for that language",
      component: "target embeddings",
    },
  },
  resources: [
    {
      id: "muse",
      title:
        "MUSE aligned fastText Wikipedia vectors, 300-d (Conneau et al. 2018), the paper's word vectors (§4)",
      paths: MUSE_FILES,
      usedFor:
        "every cell's source and target word vectors (frozen), replacing the substitute aligned vectors",
      source:
        "https://github.com/facebookresearch/MUSE (wiki.multi.<lang>.vec, 'aligned vectors'); put them " +
        "under embeddings/muse/ in the data directory; sha256 not published",
      substitute:
        "the shared substitute aligned vectors (harness/vectors/aligned.ts): 300-d fastText skip-gram " +
        "on the data directory's text per language, Spanish/Dutch mapped onto English by Procrustes on identical " +
        "strings; languages without text (ro, et, el) have no substitute and their cells fail with that reason",
    },
  ],
  reference: { cell: "t1/es/tl+l2/r=0.01", profile: "smoke", protocol: "paper", budget: { epochs: 1 } },
  hooks: perl2020Hooks,
});
