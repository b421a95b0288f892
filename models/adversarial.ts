/**
 * Adversarial training (AT) of DATNet (Zhou et al., ACL 2019, §3.5, Eq. 3–4; Goodfellow et al. 2015 linearised):
 * η = ε · g / ‖g‖₂ with g = ∂ℓ/∂e the gradient of the loss w.r.t. an embedding tensor e of the batch, the norm
 * taken PER SENTENCE over axes 1 and 2 of the tensor, as both released versions do (`add_perturbation` in
 * joeyzhouty/DATnet `models/shares.py`, and 26hzhang/DATNet `modules.py`): for the word embeddings
 * `[batch, time, dim]` each sentence's `time × dim` matrix gets ‖η‖ = ε; for the char embeddings
 * `[batch, time, chars, dim]` each (sentence, channel) over `time × chars`. The released norm is computed
 * stably as α·sqrt(Σ(g/α)² + 1e-6) with α = max|g| + 1e-12 over the same axes, which this follows. The model then
 * trains on ℓ(x) + ℓ(x + η) with η a constant. (Before datnet 0.6.0 the norm was taken over the whole batch
 * tensor, which made every sentence's η about ε/√batch.)
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

/** The axes the released code normalises the gradient over: 1 and 2 (per sentence; per channel for chars). */
export const AT_NORM_AXES = [1, 2] as const;

/**
 * η = ε · g / ‖g‖₂ with the norm over axes 1 and 2 of `g` ({@link AT_NORM_AXES}), kept per index of the other
 * axes: `g` `[batch, time, dim]` → one norm per sentence; `[batch, time, chars, dim]` → one per (sentence,
 * channel). The norm is the released α·sqrt(Σ(g/α)² + 1e-6), α = max|g| + 1e-12, so a zero gradient gives η = 0.
 * A new tensor in the caller's scope, of g's shape.
 *
 * @throws {Error} when ε is negative or not finite, or g has fewer than 3 dimensions.
 */
export function adversarialPerturbation<T extends tf.Tensor>(g: T, epsilon: number): T {
  if (!(Number.isFinite(epsilon) && epsilon >= 0)) {
    throw new Error(`adversarialPerturbation: epsilon must be a finite number ≥ 0, got ${epsilon}`);
  }
  if (g.rank < 3) {
    throw new Error(`adversarialPerturbation: g must be [batch, time, …] (rank ≥ 3), got shape [${g.shape}]`);
  }
  return tf.tidy(() => {
    if (epsilon === 0) return tf.zerosLike(g);
    const axes = [...AT_NORM_AXES];
    const alpha = tf.add(tf.max(tf.abs(g), axes, true), 1e-12);
    const l2 = tf.mul(alpha, tf.sqrt(tf.add(tf.sum(tf.square(tf.div(g, alpha)), axes, true), 1e-6)));
    return tf.mul(g, tf.div(epsilon, l2));
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
