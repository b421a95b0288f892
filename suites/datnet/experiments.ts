/**
 * The experiments of the `datnet` suite as data: every table and figure of Zhou et al. (ACL 2019) and of its TPAMI
 * extension, each as a list of experiment cells. A cell is what must be trained to check one or more claims; cells
 * that several tables print (e.g. the full-data DATNet-P on Spanish in ACL Tables 2 and 4 and TPAMI Tables 3, 7 and
 * 11) are declared once and listed under every table that uses them.
 *
 * Cell ids: `t3/{target}/{variant}/k={k}` (first k target sentences), `full/{target}/{variant}` (all target data),
 * `ratio/{target}/{variant}/r={ρ}` (a ρ fraction of the target training sentences), `alpha/es/r={ρ}/alpha={α}`,
 * `eps/es/r={ρ}/eps_wT={ε}`, `gamma/es/{variant}/gamma={γ}`, `clner/{tgt}/base`, `clner/{src}-{tgt}/{variant}`,
 * `ud/{lang}/{variant}`, `lm/{dataset}/{variant}`.
 *
 * @module
 */

/** One model variant: transfer architecture, resource-adversarial discriminator, adversarial training. */
export interface Variant {
  /** Row label as printed in the paper. */
  row: string;
  /** `none`: target only (Base model, Fig. 1a); `datnet-f` (Fig. 1c) / `datnet-p` (Fig. 1b): with the source. */
  transfer: "none" | "datnet-f" | "datnet-p";
  /** Resource-adversarial discriminator (§3.3): none, plain AD (α 0.5, γ 0), or GRAD (α 0.25, γ 2). */
  discriminator: "none" | "ad" | "grad";
  /** Adversarial training on the word and char embeddings (§3.5). */
  at: boolean;
  /** Dropout on [char features ; word embeddings] instead of the default 0.2 (TPAMI Table 8 "Base + dropout"). */
  dropoutEmbedding?: number;
}

/**
 * Every variant the papers print: the six rows of ACL Table 3, the fourteen of ACL Table 4 / TPAMI Table 7, and
 * TPAMI Table 8's "Base + dropout". Keys are used in cell ids.
 */
export const VARIANTS: Record<string, Variant> = {
  "base": { row: "Base", transfer: "none", discriminator: "none", at: false },
  "base+at": { row: "+ AT", transfer: "none", discriminator: "none", at: true },
  "base+dropout": {
    row: "Base + dropout",
    transfer: "none",
    discriminator: "none",
    at: false,
    dropoutEmbedding: 0.5,
  },
  "p-transfer": { row: "+ P-Transfer (no AD)", transfer: "datnet-p", discriminator: "none", at: false },
  "f-transfer": { row: "+ F-Transfer (no AD)", transfer: "datnet-f", discriminator: "none", at: false },
  "p-transfer+ad": { row: "+P-T (AD)", transfer: "datnet-p", discriminator: "ad", at: false },
  "f-transfer+ad": { row: "+F-T (AD)", transfer: "datnet-f", discriminator: "ad", at: false },
  "p-transfer+grad": { row: "+P-T (GRAD)", transfer: "datnet-p", discriminator: "grad", at: false },
  "f-transfer+grad": { row: "+F-T (GRAD)", transfer: "datnet-f", discriminator: "grad", at: false },
  "at+p-transfer": { row: "+AT +P-T (no AD)", transfer: "datnet-p", discriminator: "none", at: true },
  "at+f-transfer": { row: "+AT +F-T (no AD)", transfer: "datnet-f", discriminator: "none", at: true },
  "at+p-transfer+ad": { row: "+AT +P-T (AD)", transfer: "datnet-p", discriminator: "ad", at: true },
  "at+f-transfer+ad": { row: "+AT +F-T (AD)", transfer: "datnet-f", discriminator: "ad", at: true },
  "datnet-p": { row: "DATNet-P", transfer: "datnet-p", discriminator: "grad", at: true },
  "datnet-f": { row: "DATNet-F", transfer: "datnet-f", discriminator: "grad", at: true },
};

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

/** Targets the harness can train on. Every experiment's source is CoNLL-2003 English (§4.1). */
export const TARGETS = {
  es: { dataset: "conll2002-es", language: "es", title: "CoNLL-2002 Spanish NER", filter: "datnet-conll" },
  nl: { dataset: "conll2002-nl", language: "nl", title: "CoNLL-2002 Dutch NER", filter: "datnet-conll" },
  wnut16: { dataset: "wnut16", language: "en", title: "WNUT-2016 Twitter NER", filter: "datnet-wnut" },
  wnut17: { dataset: "wnut17", language: "en", title: "WNUT-2017 Twitter NER", filter: "datnet-wnut" },
  conll2003: {
    dataset: "conll2003",
    language: "en",
    title: "CoNLL-2003 English NER",
    filter: "datnet-conll",
  },
} as const;
export type TargetKey = keyof typeof TARGETS;

/** The source of every transfer experiment: CoNLL-2003 English NER (§4.1). */
export const SOURCE = { dataset: "conll2003", filter: "datnet-conll" } as const;

/** Which target training sentences a cell uses. */
export type TargetSubset =
  | { kind: "first-k"; k: number }
  | { kind: "ratio"; ratio: number }
  | { kind: "all" };

/** One declared experiment cell. */
export interface CellSpec {
  id: string;
  /** Experiment ids (tables/figures) that use this cell; the first declares it. */
  experiments: string[];
  target: TargetKey;
  variant: string;
  subset: TargetSubset;
  /** Overrides of the variant's GRAD α / γ and AT ε_wT (the sweeps). */
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
  /** Why this cell cannot run here (missing resource or unstated protocol), or undefined when it can. */
  blocker?: string;
}

/** One table or figure. */
export interface Experiment {
  id: string;
  title: string;
  /** Where in the papers. */
  source: string;
  cells: Omit<CellSpec, "experiments">[];
  /** What the harness chose where the paper is silent. */
  notes?: string[];
}

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

const full = (target: TargetKey, variant: string) => ({
  id: `full/${target}/${variant}`,
  target,
  variant,
  subset: { kind: "all" } as TargetSubset,
});

const WIKIANN_BLOCKER =
  "WikiANN / PAN-X (Pan et al. 2017) is not available here (design.md §5); the reader " +
  "exists (harness/data/wikiann_reader.ts)";
const UD_BLOCKER =
  "the UD v1.2 transfer setting is not runnable here: the source language and its training " +
  "data are not stated in the paper, and most UD v1.2 treebanks here have no train split (design.md §5)";
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

/** Every table and figure of both papers, in reading order. */
export const EXPERIMENTS: Experiment[] = [
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

/**
 * All declared cells, each once, with the experiments that use it, in declaration order.
 *
 * @throws {Error} when two experiments declare one id with different settings.
 */
export function declaredCells(experiments: Experiment[] = EXPERIMENTS): CellSpec[] {
  const byId = new Map<string, CellSpec>();
  for (const e of experiments) {
    for (const c of e.cells) {
      const prev = byId.get(c.id);
      if (prev) {
        const { experiments: _, ...rest } = prev;
        if (JSON.stringify(rest) !== JSON.stringify(c)) {
          throw new Error(`Cell "${c.id}" is declared twice with different settings (${e.id})`);
        }
        if (!prev.experiments.includes(e.id)) prev.experiments.push(e.id);
        continue;
      }
      byId.set(c.id, { ...c, experiments: [e.id] });
    }
  }
  return [...byId.values()];
}
