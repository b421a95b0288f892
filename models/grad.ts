/**
 * The resource-adversarial discriminator of DATNet (Zhou et al., ACL 2019, §3.3, Eq. 1): plain AD (α = 0.5,
 * γ = 0) or GRAD (α-weighted focal form, paper α 0.25, γ 2), behind a gradient-reversal layer (Ganin & Lempitsky
 * 2015) with scale λ (authors' code 0.7).
 *
 * Pipeline: shared BiLSTM states `[B, T, 2H]` → gradient reversal (identity forward, gradient × −λ backward) →
 * masked additive self-attention (Bahdanau et al. 2015): a_t = softmax_t(v · tanh(W h_t + b)) over real tokens →
 * summary s = Σ_t a_t h_t `[B, 2H]` → linear → logit z `[B]`, r = σ(z) = P(sentence is from the source).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng, zeros } from "./init.ts";
import { customOp, type CustomOpResult, dense, denseSeq } from "./ops.ts";

/** Which resource a batch comes from (the discriminator's label: source = 1, target = 0). */
export type DiscriminatorResource = "source" | "target";

/** Configuration of the resource-adversarial discriminator (§3.3). */
export interface DiscriminatorConfig {
  /** `"ad"`: plain adversarial discriminator (use α 0.5, γ 0); `"grad"`: GRAD (α 0.25, γ 2). A label only: the
   * loss is Eq. 1 with the given α and γ in both cases. */
  kind: "ad" | "grad";
  /** Weight α of the source class (1 − α for the target), in [0, 1]. */
  alpha: number;
  /** Focusing exponent γ ≥ 0 (0: no focal weighting). */
  gamma: number;
  /** Gradient-reversal scale λ ≥ 0: the encoder receives −λ × the discriminator's gradient. */
  reversal: number;
  /** Hidden size of the attention scorer; default 2 × the shared BiLSTM's units per direction. */
  attentionUnits?: number;
}

/** GRAD with the released code's settings (DATNet released code): α 0.25, γ 2, reversal scale 0.7. */
export const GRAD_DISCRIMINATOR: DiscriminatorConfig = { kind: "grad", alpha: 0.25, gamma: 2, reversal: 0.7 };

/** Plain AD (GRAD without the imbalance and focal terms, §4.6): α 0.5, γ 0, reversal scale 0.7. */
export const AD_DISCRIMINATOR: DiscriminatorConfig = { kind: "ad", alpha: 0.5, gamma: 0, reversal: 0.7 };

/**
 * Gradient-reversal layer: returns `x` unchanged; backward, the incoming gradient is multiplied by `−scale`.
 *
 * @throws {Error} when `scale` is not a finite number ≥ 0.
 */
export function gradientReversal<T extends tf.Tensor>(x: T, scale: number): T {
  if (!(Number.isFinite(scale) && scale >= 0)) {
    throw new Error(`gradientReversal: scale must be a finite number ≥ 0, got ${scale}`);
  }
  const op = customOp((xi: T): CustomOpResult<T> => ({
    value: tf.clone(xi),
    gradFunc: (dy: T) => tf.mul(dy, -scale),
  }));
  return op(x) as T;
}

/**
 * Eq. 1 for one single-resource batch, averaged over its sentences: with logits z `[B]` and r = σ(z),
 * source: mean_i −α·(1 − r_i)^γ·log r_i; target: mean_i −(1 − α)·r_i^γ·log(1 − r_i). Computed stably as
 * log r = logσ(z), log(1 − r) = logσ(−z), (1 − r)^γ = exp(γ·logσ(−z)), r^γ = exp(γ·logσ(z)).
 *
 * Normalisation: the mean over the batch's sentences, the same for both resources and the same as the CRF's
 * batch-mean NLL, so a step's loss is mean-GRAD(target batch) + mean-GRAD(source batch) + the CRF means (Eq. 2
 * with per-batch means instead of sums). With α = 0.5, γ = 0 this is 0.5 × the mean binary cross-entropy.
 */
export function discriminatorLoss(
  logits: tf.Tensor1D,
  resource: DiscriminatorResource,
  alpha: number,
  gamma: number,
): tf.Scalar {
  return tf.tidy(() => {
    const sign = resource === "source" ? 1 : -1;
    const weight = resource === "source" ? alpha : 1 - alpha;
    const logP = logSigmoid(tf.mul(logits, sign)); // log r (source) or log(1 − r) (target)
    let term = logP;
    if (gamma !== 0) {
      const logQ = logSigmoid(tf.mul(logits, -sign)); // log(1 − r) (source) or log r (target)
      term = tf.mul(tf.exp(tf.mul(logQ, gamma)), logP);
    }
    return tf.mul(tf.mean(term), -weight) as tf.Scalar;
  });
}

/**
 * log σ(z) = min(z, 0) − log(1 + exp(−|z|)), stable for any z. (tf.logSigmoid's custom gradient reads a disposed
 * tensor when its input is an intermediate inside `tf.tidy` under `tf.grad`, in tfjs 4.22.)
 */
function logSigmoid(z: tf.Tensor): tf.Tensor {
  return tf.sub(tf.minimum(z, 0), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/**
 * The discriminator's weights and forward pass. Weights are drawn from `rng` in the order attention W, v, then
 * output w (biases zero).
 */
export class ResourceDiscriminator {
  readonly config: DiscriminatorConfig;
  readonly inputDim: number;
  readonly attW: tf.Variable;
  readonly attB: tf.Variable;
  readonly attV: tf.Variable;
  readonly outW: tf.Variable;
  readonly outB: tf.Variable;

  /**
   * @param inputDim size of the shared states (2H)
   * @throws {Error} for α outside [0, 1], γ < 0, a negative reversal scale or bad attention units.
   */
  constructor(name: string, inputDim: number, cfg: DiscriminatorConfig, rng: Rng) {
    validateDiscriminatorConfig(cfg);
    this.config = cfg;
    this.inputDim = inputDim;
    const A = cfg.attentionUnits ?? inputDim;
    const w0 = glorotUniform(rng, [inputDim, A]);
    const v0 = glorotUniform(rng, [A, 1]);
    const o0 = glorotUniform(rng, [inputDim, 1]);
    const b0 = zeros([A]);
    const ob0 = zeros([1]);
    this.attW = tf.variable(w0, true, `${name}/attention/kernel`);
    this.attB = tf.variable(b0, true, `${name}/attention/bias`);
    this.attV = tf.variable(v0, true, `${name}/attention/v`);
    this.outW = tf.variable(o0, true, `${name}/out/kernel`);
    this.outB = tf.variable(ob0, true, `${name}/out/bias`);
    tf.dispose([w0, v0, o0, b0, ob0]);
  }

  /**
   * Logits z `[B]` (r = σ(z) = P(source)) of shared states `shared` `[B, T, D]` with padding mask `[B, T]`
   * (1 real, 0 padding; every row needs a real token). The gradient-reversal layer is applied first, so
   * gradients into `shared` are reversed and scaled; the discriminator's own weights get ordinary gradients.
   */
  logits(shared: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const [B, T] = shared.shape;
      const h = gradientReversal(shared, this.config.reversal);
      const u = tf.tanh(denseSeq(h, this.attW as tf.Tensor2D, this.attB as tf.Tensor1D));
      const scores = tf.reshape(denseSeq(u, this.attV as tf.Tensor2D), [B, T]);
      const masked = tf.add(scores, tf.mul(tf.sub(mask, 1), 1e9));
      const a = tf.softmax(masked); // over T
      const summary = tf.sum(tf.mul(tf.expandDims(a, 2), h), 1) as tf.Tensor2D;
      return tf.reshape(dense(summary, this.outW as tf.Tensor2D, this.outB as tf.Tensor1D), [
        B,
      ]) as tf.Tensor1D;
    });
  }

  /** Eq. 1 ({@link discriminatorLoss}) of a single-resource batch. */
  loss(shared: tf.Tensor3D, mask: tf.Tensor2D, resource: DiscriminatorResource): tf.Scalar {
    return tf.tidy(() =>
      discriminatorLoss(this.logits(shared, mask), resource, this.config.alpha, this.config.gamma)
    );
  }

  variables(): tf.Variable[] {
    return [this.attW, this.attB, this.attV, this.outW, this.outB];
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/** Checks a {@link DiscriminatorConfig}; throws with the offending field. */
export function validateDiscriminatorConfig(cfg: DiscriminatorConfig): void {
  if (cfg.kind !== "ad" && cfg.kind !== "grad") {
    throw new Error(`DiscriminatorConfig.kind must be "ad" or "grad", got "${cfg.kind as string}"`);
  }
  if (!(cfg.alpha >= 0 && cfg.alpha <= 1)) throw new Error(`DiscriminatorConfig.alpha must be in [0, 1]`);
  if (!(Number.isFinite(cfg.gamma) && cfg.gamma >= 0)) {
    throw new Error(`DiscriminatorConfig.gamma must be ≥ 0`);
  }
  if (!(Number.isFinite(cfg.reversal) && cfg.reversal >= 0)) {
    throw new Error(`DiscriminatorConfig.reversal must be ≥ 0`);
  }
  if (
    cfg.attentionUnits !== undefined && !(Number.isInteger(cfg.attentionUnits) && cfg.attentionUnits >= 1)
  ) {
    throw new Error(`DiscriminatorConfig.attentionUnits must be a positive integer`);
  }
}
