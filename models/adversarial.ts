/**
 * Adversarial training (AT) of DATNet (Zhou et al., ACL 2019, §3.5, Eq. 3–4; Goodfellow et al. 2015 linearised):
 * η = ε · g / ‖g‖₂ with g = ∂ℓ/∂e the gradient of the loss w.r.t. an embedding tensor e of the batch, the norm
 * taken over the WHOLE tensor of the batch (all sentences, time steps and dimensions), not per sentence or per
 * token. The model then trains on ℓ(x) + ℓ(x + η) with η a constant.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** Perturbation norms ε of AT (§3.5): separately for source words, target words and chars (both resources). */
export interface AdversarialConfig {
  /** ε for the source resource's word embeddings (ε_wS); 0 = no perturbation. */
  epsWordSource: number;
  /** ε for the target resource's word embeddings (ε_wT); 0 = no perturbation. */
  epsWordTarget: number;
  /** ε for the char embeddings (ε_c), both resources; 0 = no perturbation. */
  epsChar: number;
}

/** The released code's AT setting (DATNet released code): ε 5.0 on word and char embeddings. */
export const AT_DEFAULT: AdversarialConfig = { epsWordSource: 5, epsWordTarget: 5, epsChar: 5 };

/**
 * η = ε · g / ‖g‖₂ over the whole tensor `g` (any shape); zeros when ε = 0 or g = 0 (the norm is floored at
 * 1e-12). A new tensor in the caller's scope.
 *
 * @throws {Error} when ε is negative or not finite.
 */
export function adversarialPerturbation<T extends tf.Tensor>(g: T, epsilon: number): T {
  if (!(Number.isFinite(epsilon) && epsilon >= 0)) {
    throw new Error(`adversarialPerturbation: epsilon must be a finite number ≥ 0, got ${epsilon}`);
  }
  return tf.tidy(() => {
    if (epsilon === 0) return tf.zerosLike(g);
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(g))), 1e-12);
    return tf.mul(g, tf.div(epsilon, norm));
  }) as T;
}

/** Checks an {@link AdversarialConfig}. */
export function validateAdversarialConfig(cfg: AdversarialConfig): void {
  for (const k of ["epsWordSource", "epsWordTarget", "epsChar"] as const) {
    if (!(Number.isFinite(cfg[k]) && cfg[k] >= 0)) {
      throw new Error(`AdversarialConfig.${k} must be a finite number ≥ 0, got ${cfg[k]}`);
    }
  }
}
