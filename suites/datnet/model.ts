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

/** Model and optimiser settings shared by every cell (§4.2). Batch size and mixing are harness choices (unstated). */
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

/** Per-cell overrides of the sweeps: GRAD α and γ (Table 5, Figure 5) and AT ε_wT (Table 6). */
export interface SweepOverrides {
  alpha?: number;
  gamma?: number;
  epsWordTarget?: number;
}

/**
 * The model settings of a variant: architecture, discriminator (AD: α 0.5, γ 0; GRAD: α 0.25, γ 2; reversal
 * 0.7) and AT (ε 5 on source words, target words and chars), the released code's values (§4.2), with a sweep's
 * α, γ or ε_wT in place of the default.
 *
 * @throws {Error} when a sweep overrides α/γ of a variant without a discriminator, or ε_wT without AT.
 */
export function variantModel(v: Variant, sweep: SweepOverrides = {}): DatnetConfig {
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
  return {
    variant: v.transfer === "none" ? "base" : v.transfer,
    lstmUnits: HYPER.lstmUnits,
    privateLstmUnits: v.transfer === "datnet-p" ? HYPER.lstmUnits : undefined,
    charEmbeddingDim: HYPER.charEmbeddingDim,
    charFilters: HYPER.charFilters,
    charWindow: HYPER.charWindow,
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
