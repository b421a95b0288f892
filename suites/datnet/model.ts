/**
 * The DATNet model of a cell: the hyper-parameters of §4.2 (as the released TF code set them) and the mapping of
 * a paper row (a variant of `suite.ts`) with a sweep's α, γ or ε_wT to the model configuration of
 * `suites/datnet/network.ts`.
 *
 * @module
 */

import type { DatnetConfig } from "./network.ts";
import { AD_DISCRIMINATOR, GRAD_DISCRIMINATOR } from "../../models/grad.ts";
import { AT_DEFAULT } from "../../models/adversarial.ts";

/** One model variant (a row of ACL Tables 3/4, TPAMI Tables 7/8), after `extends` is resolved. */
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

/** Optimiser settings and the epoch count shared by every cell (§4.2 and both released versions). */
export const HYPER = {
  /** Size of the trainable table of a language without pretrained vectors. The paper's vectors are 50-d for every
   * language; here it matches the 100-d English GloVe in use, since DATNet-F feeds both resources' word embeddings
   * into one shared BiLSTM. */
  wordEmbeddingDim: 100,
  dropoutEmbedding: 0.2,
  dropoutRnn: 0.5,
  lr: 1e-3,
  lrDecay: 0.05,
  clipNorm: 5.0,
  epochs: 50,
} as const;

/** The model configurations a run can choose (the `model_config` choice of suite.ts). */
export const MODEL_CONFIGS = ["released", "released+dense", "paper-text"] as const;
export type ModelConfigName = (typeof MODEL_CONFIGS)[number];

/** The sizes and training details that differ between the model configurations. */
export interface ModelSizes {
  /** BiLSTM units per direction: the base model's, DATNet-F's shared one, DATNet-P's shared and private ones. */
  lstmUnits: { base: number; f: number; p: number };
  /** Char embedding size of the base model and of the transfer models. */
  charEmbeddingDim: { base: number; transfer: number };
  charFilters: number;
  charWindows: number[];
  charActivation: "none" | "tanh";
  charHighwayLayers: number;
  /** One CRF over a joint tag set for both resources. */
  sharedCrf: boolean;
  /** 26hzhang's dense tanh layer after the BiLSTM. */
  rnnDense: boolean;
  batchSize: number;
  /** Which sentences the char vocabulary counts and the minimum count (trainer `charVocabulary`). */
  charVocabulary: "train" | "files";
  charMinCount: number;
}

/** joeyzhouty/DATnet's training scripts (`released`, see {@link MODEL_SIZES}). */
const RELEASED: ModelSizes = {
  lstmUnits: { base: 100, f: 200, p: 100 },
  charEmbeddingDim: { base: 30, transfer: 50 },
  charFilters: 20,
  charWindows: [2, 3, 4],
  charActivation: "tanh",
  charHighwayLayers: 2,
  sharedCrf: true,
  rnnDense: false,
  batchSize: 16,
  charVocabulary: "files",
  charMinCount: 20,
};

/** §4.2 as written (`paper-text`, see {@link MODEL_SIZES}). */
const PAPER_TEXT: ModelSizes = {
  lstmUnits: { base: 100, f: 100, p: 100 },
  charEmbeddingDim: { base: 30, transfer: 30 },
  charFilters: 20,
  charWindows: [3],
  charActivation: "none",
  charHighwayLayers: 0,
  sharedCrf: false,
  rnnDense: false,
  batchSize: 10,
  charVocabulary: "train",
  charMinCount: 1,
};

/**
 * - `released` (default of both protocols): joeyzhouty/DATnet's training scripts (`train_base_model.py`,
 *   `train_datnetf_model.py`, `train_datnetp_model.py`): base BiLSTM 100 per direction, char 30-d; DATNet-F shared
 *   BiLSTM 200 per direction (`--num_units 200`, outputs concatenated, `concat_rnn=True`, no dense layer), char
 *   50-d; DATNet-P 100/100/100, char 50-d; char-CNN kernels [2, 3, 4] × 20 filters, tanh, 2 highway layers
 *   (`CharTDNNHW`); one CRF for both resources over a joint label set (`share_label=True`); batch 16; the char
 *   dictionary counts every split of both resources' files (the whole target training file, before the subset is
 *   taken) and keeps characters seen at least 20 times (`--threshold 20`, `process_char_counter`).
 * - `released+dense`: `released` plus 26hzhang/DATNet's dense tanh layer of 2·units after the BiLSTM dropout
 *   (`bi_rnn` with `concat=True` in its `models/modules.py`; that version's other defaults — char 100-d, kernels
 *   [1..5], 300-d GloVe, batch 32 — are not taken).
 * - `paper-text`: §4.2 as written, the sizes tagbench ran up to datnet 0.6.0: BiLSTM "200" read as 2 × 100 for the
 *   base model and DATNet-F, 100/100/100 for DATNet-P, char 30-d, ONE convolution of window 3 with 20 filters, no
 *   activation or highway, a CRF per resource, batch 10 (the paper states none), char vocabulary from the training
 *   sentences used.
 */
export const MODEL_SIZES: Record<ModelConfigName, ModelSizes> = {
  released: RELEASED,
  "released+dense": { ...RELEASED, rnnDense: true },
  "paper-text": PAPER_TEXT,
};

/** Per-cell overrides of the sweeps: GRAD α and γ (Table 5, Figure 5) and AT ε_wT (Table 6). */
export interface SweepOverrides {
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
}

/**
 * The model settings of a variant under a model configuration (`sizes`, default `released`): architecture,
 * discriminator (AD: α 0.5, γ 0; GRAD: α 0.25, γ 2; reversal 0.7) and AT (ε 5 on source words, target words and chars), the released code's values (§4.2), with a sweep's
 * α, γ or ε_wT in place of the default.
 *
 * @throws {Error} when a sweep overrides α/γ of a variant without a discriminator, or ε_wT without AT.
 */
export function variantModel(
  v: Variant,
  sweep: SweepOverrides = {},
  sizes: ModelSizes = MODEL_SIZES.released,
): DatnetConfig {
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
  const transfer = v.transfer !== "none";
  const units = v.transfer === "datnet-f"
    ? sizes.lstmUnits.f
    : transfer
    ? sizes.lstmUnits.p
    : sizes.lstmUnits.base;
  return {
    variant: v.transfer === "none" ? "base" : v.transfer,
    lstmUnits: units,
    privateLstmUnits: v.transfer === "datnet-p" ? sizes.lstmUnits.p : undefined,
    charEmbeddingDim: transfer ? sizes.charEmbeddingDim.transfer : sizes.charEmbeddingDim.base,
    charFilters: sizes.charFilters,
    charWindow: sizes.charWindows[0],
    ...(sizes.charWindows.length > 1 ? { charWindows: sizes.charWindows } : {}),
    charActivation: sizes.charActivation,
    ...(sizes.charHighwayLayers ? { charHighwayLayers: sizes.charHighwayLayers } : {}),
    ...(transfer && sizes.sharedCrf ? { sharedCrf: true } : {}),
    ...(sizes.rnnDense ? { rnnDense: true } : {}),
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
