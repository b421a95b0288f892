/**
 * Linear-chain conditional random field over tag sequences (Lafferty, McCallum & Pereira 2001), as the label
 * decoder of DATNet (Zhou et al., ACL 2019, §3.4) and the hierarchical RNNs of Yang et al. 2017.
 *
 * Score of tags y for emissions e (one sentence of length L):
 *   s(y) = start[y₀] + Σ_{t<L} e[t, y_t] + Σ_{1≤t<L} transitions[y_{t−1}, y_t] + end[y_{L−1}]
 * Loss per sentence: log Σ_{y'} exp(s(y') + cost(y', y)) − s(y), with cost = 0 (conditional log-likelihood)
 * or the Hamming cost c·Σ_t [y'_t ≠ y_t] of the softmax-margin objective (Gimpel & Smith 2010, eq. 4).
 *
 * The loss and its gradient are computed together in JavaScript (float64) by the scaled forward–backward
 * algorithm on the downloaded emissions: for B·T·K ≈ 32·60·17 this takes a few milliseconds, far less than the
 * hundreds of tiny tensor ops a per-time-step graph needs, and it gives identical results on every backend for
 * identical emissions. The gradient is exact: ∂loss/∂e[t, j] = P(y_t = j) − [y_t = j] etc., with marginals of
 * the (cost-augmented) model distribution. On webgpu, which cannot read tensors synchronously, the loss is the
 * same forward algorithm as tensor ops differentiated by tfjs (and {@link LinearChainCRF.decodeAsync} decodes).
 *
 * ## keras_contrib variant (Perl, Chaudhury & Giryes, ACL 2020; issue #14)
 *
 * Perl et al.'s released code (github tperl/Low-Resource-Sequence-Tagging-using-Sentence-Reconstruction @ 81cdd24)
 * ends in `keras_contrib.layers.CRF(units=n_tags)` (`models/baseline.py` l. 48, `models/transfer_model.py`
 * l. 63), compiled with `loss=crf.loss_function` (`train.py` l. 140/142), i.e. the defaults learn_mode "join",
 * test_mode "viterbi", sparse_target False, use_boundary True. Citations below are to keras-team/keras-contrib
 * @ 3fc5ef7 (its last commit; `crf.py` last changed in fff2642, 2019-02-15), `keras_contrib/layers/crf.py`
 * unless said otherwise:
 *
 * - Loss: the deprecated `CRF.loss_function` returns `crf_loss` (l. 344–349), which in join mode is `crf_nll`
 *   (`losses/crf_losses.py` l. 54–56) = `crf.get_negative_log_likelihood(y_true, X, mask)` (l. 34). Targets are
 *   one-hot (`to_categorical`, `scripts/create_ner_numpy.py` l. 100), so the `sparse_target` branch (l. 30–31)
 *   is not taken; either way the energy is computed from a one-hot `y_true`.
 * - Mask: `mask = crf._inbound_nodes[idx].input_masks[0]` (`crf_losses.py` l. 33). No layer upstream makes one
 *   (the word `Embedding` has no `mask_zero`, the char one sets `mask_zero=False`), so mask is None and every
 *   one of the 70 positions, padding included, is a real CRF step. Padding is `pad_sequences(maxlen=70,
 *   padding="post")` with label `O` (`create_ner_numpy.py` l. 60, 97–99; default `truncating="pre"` keeps the
 *   last 70 tokens).
 * - Energies: keras_contrib works with energies E = −score: p(y) = exp(−E(y)) / Z, E(y) = Σ_t u_t[y_t] +
 *   Σ_t U[y_t, y_{t+1}] with u = X·kernel + bias (the layer's own dense projection, l. 438) and U =
 *   `chain_kernel`. Here emissions = −u, transitions = −U, start = −left_boundary, end = −right_boundary.
 * - Boundaries (`add_boundary_energy`, l. 392–406): with mask None the start energy is added to step 0 and the
 *   end energy to step T−1 = 69 whatever the sentence length (l. 395–399; both to the same step when T = 1).
 *   With a mask it uses `start_mask = mask > shift_right(mask)` and `end_mask = shift_left(mask) > mask`
 *   (l. 401–405): the latter is all zero for a right-padded mask, so the end energy is then never used
 *   (keras-contrib issues #508, #539).
 * - Gold energy (`get_energy`, l. 416–432): Σ_t u_t[y_t] + Σ_{t<T−1} U[y_t, y_{t+1}] over all T steps (masked
 *   only when a mask exists, l. 424–429).
 * - log Z (`recursion`/`step`, l. 453–534, via `K.rnn`, whose step gets `states + constants`): α_t[j] =
 *   log Σ_i exp(α_{t−1}[i] − u_t[i] − U[i, j]) with α_{−1} = 0, and log Z = α_{T−1}[:, 0] (l. 414). Without a
 *   mask nothing zeroes the chain at the last step (only the mask branch, l. 459–467, does, through the 0
 *   appended in l. 516), so log Z = log Σ_y exp(−E(y) − U[y_{T−1}, 0]): a dangling transition from the last
 *   tag to tag 0 that the gold energy lacks. The loss is then not a true NLL and can go negative (issue #278,
 *   "Negative CRF loss if mask_zero=False"; lzfelix in tensorflow/addons PR #377: negative loss "disappears
 *   when a masking layer is used"). With a mask, each padded step adds log K to log Z instead (the masked step
 *   is log Σ_i exp(α[i])), a constant.
 * - Normalisation: `nloglik = (logZ + E(gold)) / K.shape(X)[1]` without a mask (l. 446–450), i.e. divided by
 *   the padded length 70 inside the layer, per sentence; with a mask divided by Σ_t mask (l. 447–448). Keras
 *   then averages the `(B,)` vector over the batch (`weighted_masked_objective`, `keras/engine/
 *   training_utils.py`, Keras 2.2: `K.mean(score_array)` with unit sample weights; the CRF output mask is None).
 *   So the "÷ 70" is the layer's per-position normalisation, and the batch mean comes on top.
 * - Test time: Viterbi (`viterbi_decoding`, l. 558–601) on the same boundary-augmented energies. Without a mask
 *   the last argmin table is not constant in its column either, so the last tag is read as
 *   `table_{T−1}[table_{T−1}[0]]` (l. 571, 589) rather than the exact argmax; {@link LinearChainCRF.decode} is
 *   the exact Viterbi.
 *
 * In this class: `lossNormalization: "per-position"` divides each sentence's loss by its length L_b = Σ_t mask
 * (pass an all-ones `[B, 70]` mask for keras_contrib's unmasked ÷ 70), and `danglingEndTransition: 0` adds
 * keras_contrib's unmasked transitions[y_{L−1}, 0] inside log Z only. {@link KERAS_CONTRIB_CRF_OPTIONS} sets
 * both. Not reproduced: keras_contrib's initialisers (chain `orthogonal`, boundaries `zeros`, l. 202–205) and
 * the masked-mode quirks above.
 *
 * @example
 * ```ts
 * const crf = new LinearChainCRF(9, createRng(1), { name: "ner_crf" });
 * const { value, grads } = tf.variableGrads(() => crf.negLogLikelihood(emissions, tags, mask));
 * const paths = crf.decode(emissions, lengths);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng } from "./init.ts";
import { customOp, type CustomOpResult, hostReadsAvailable, logSumExp, matMul } from "./ops.ts";

/** Options of {@link LinearChainCRF}. */
export interface CRFOptions {
  /** Prefix of the variable names (`<name>/transitions`, …); must be unique among live variables. Default
   * `crf_<n>` with a process-wide counter. */
  name?: string;
  /** Learn a start score per tag (default true). */
  start?: boolean;
  /** Learn an end score per tag (default true). Yang et al. 2017 used a start vector and no end. */
  end?: boolean;
  /** Default {@link CRFLossNormalization} of {@link LinearChainCRF.negLogLikelihood} (default `"batch-mean"`). */
  lossNormalization?: CRFLossNormalization;
  /** Default {@link NLLOptions.danglingEndTransition} (default none). */
  danglingEndTransition?: number;
}

/**
 * How {@link LinearChainCRF.negLogLikelihood} reduces the per-sentence losses loss_b (nats) to a scalar:
 * - `"batch-mean"`: (1/B) Σ_b loss_b (nats per sentence);
 * - `"per-position"`: (1/B) Σ_b loss_b / L_b with L_b = Σ_t mask[b, t] (nats per position), keras_contrib's
 *   `get_negative_log_likelihood` (crf.py l. 446–450) followed by Keras's batch mean. With an all-ones mask,
 *   L_b = T (keras_contrib without a mask divides by the padded length, 70 in Perl et al. 2020).
 */
export type CRFLossNormalization = "batch-mean" | "per-position";

/** Options of {@link LinearChainCRF.negLogLikelihood}. */
export interface NLLOptions {
  /** Softmax-margin Hamming cost weight c ≥ 0 (Gimpel & Smith 2010); 0 (default) is plain NLL. Yang et al.
   * 2017 used 5.0. */
  costWeight?: number;
  /** Overrides the CRF's {@link CRFOptions.lossNormalization} for this call. */
  lossNormalization?: CRFLossNormalization;
  /**
   * Tag index j in [0, K): log Z (and only log Z) also scores transitions[y_{L−1}, j] from each path's last tag,
   * as keras_contrib's CRF does without a mask with j = 0 (see the module docs); the gold score does not, so
   * the loss can be negative. Overrides {@link CRFOptions.danglingEndTransition} (`null`: none for this call);
   * default the CRF's, whose default is none (true NLL).
   */
  danglingEndTransition?: number | null;
}

/**
 * keras_contrib's `CRF(units)` + `crf_loss` as Perl et al. 2020 trained it, to be used with an all-ones mask over
 * the 70 padded positions: start/end scores, loss per sentence divided by its (padded) length, dangling
 * transition to tag 0 in log Z.
 */
export const KERAS_CONTRIB_CRF_OPTIONS: Readonly<CRFOptions> = Object.freeze({
  start: true,
  end: true,
  lossNormalization: "per-position",
  danglingEndTransition: 0,
});

/** Options of {@link crfLossAndGrad}. */
export interface CRFLossOptions {
  /** Weight w_b of each sentence's gradient (`[B]`): the gradients are those of Σ_b w_b·loss_b; the returned
   * losses stay unweighted. Default 1 for every sentence. */
  sentenceWeights?: ArrayLike<number>;
  /** Tag j whose transitions[y_{L−1}, j] enter log Z only (see {@link NLLOptions.danglingEndTransition}). */
  danglingEndTransition?: number;
}

/** Per-sentence losses and (optionally) gradients of {@link crfLossAndGrad}. */
export interface CRFLossResult {
  /** loss_b = log Z_b(cost) − s_b(gold), float64. */
  losses: Float64Array;
  /** ∂(Σ_b loss_b)/∂emissions, `[B, T, K]` row-major; zeros at padded steps. */
  gradEmissions?: Float64Array;
  /** ∂(Σ_b loss_b)/∂transitions, `[K, K]`. */
  gradTransitions?: Float64Array;
  gradStart?: Float64Array;
  gradEnd?: Float64Array;
}

let crfCounter = 0;

/** A linear-chain CRF with learned transitions `[from, to]` and optional start/end scores. */
export class LinearChainCRF {
  readonly numTags: number;
  readonly name: string;
  /** `[K, K]`, entry `[i, j]` scores tag i followed by tag j. */
  transitions: tf.Variable;
  start?: tf.Variable;
  end?: tf.Variable;
  /** Default reduction of {@link negLogLikelihood}. */
  readonly lossNormalization: CRFLossNormalization;
  /** Default dangling end transition of {@link negLogLikelihood} (undefined: none). */
  readonly danglingEndTransition?: number;

  /**
   * Weights are Glorot-uniform (limit sqrt(6 / 2K)), as TensorFlow's `crf_log_likelihood` default.
   *
   * @throws {RangeError} on a non-positive `numTags`, an unknown `lossNormalization` or a
   * `danglingEndTransition` outside [0, numTags).
   */
  constructor(numTags: number, rng: Rng, opts: CRFOptions = {}) {
    if (!Number.isInteger(numTags) || numTags < 1) {
      throw new RangeError(`LinearChainCRF: numTags must be a positive integer, got ${numTags}`);
    }
    this.numTags = numTags;
    this.name = opts.name ?? `crf_${crfCounter++}`;
    this.lossNormalization = checkNormalization(this.name, opts.lossNormalization ?? "batch-mean");
    if (opts.danglingEndTransition !== undefined) {
      this.danglingEndTransition = checkTag(this.name, opts.danglingEndTransition, numTags);
    }
    const K = numTags;
    this.transitions = tf.tidy(() =>
      tf.variable(glorotUniform(rng, [K, K]), true, `${this.name}/transitions`)
    );
    if (opts.start ?? true) {
      this.start = tf.tidy(() => tf.variable(glorotUniform(rng, [K], K, K), true, `${this.name}/start`));
    }
    if (opts.end ?? true) {
      this.end = tf.tidy(() => tf.variable(glorotUniform(rng, [K], K, K), true, `${this.name}/end`));
    }
  }

  /** The trainable variables: transitions, then start and end if present. */
  variables(): tf.Variable[] {
    const v = [this.transitions];
    if (this.start) v.push(this.start);
    if (this.end) v.push(this.end);
    return v;
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }

  /**
   * Mean over the batch of (log Z − gold score) in nats, or of (log Z − gold score) / L_b with
   * `lossNormalization: "per-position"` (see {@link CRFLossNormalization}); differentiable w.r.t. `emissions`
   * and the CRF variables. Downloads emissions, tags and mask (one sync).
   *
   * @param emissions `[B, T, K]` float32 unary scores.
   * @param tags `[B, T]` int32 gold tag ids (values at padded steps are ignored).
   * @param mask `[B, T]` float32, 1 for real tokens, right-padded with 0; every row needs at least one 1.
   * @throws {Error} on shape mismatches, a mask that is not right-padded, an empty sentence or a tag out of range.
   * @throws {RangeError} on a negative `costWeight`, an unknown `lossNormalization` or a `danglingEndTransition`
   * outside [0, K).
   */
  negLogLikelihood(
    emissions: tf.Tensor3D,
    tags: tf.Tensor2D,
    mask: tf.Tensor2D,
    opts: NLLOptions = {},
  ): tf.Scalar {
    const [B, T, K] = emissions.shape;
    if (emissions.rank !== 3 || K !== this.numTags) {
      throw new Error(
        `CRF ${this.name}: emissions shape [${emissions.shape}] should be [B, T, ${this.numTags}]`,
      );
    }
    if (tags.shape[0] !== B || tags.shape[1] !== T || mask.shape[0] !== B || mask.shape[1] !== T) {
      throw new Error(
        `CRF ${this.name}: tags [${tags.shape}] and mask [${mask.shape}] should both be [${B}, ${T}]`,
      );
    }
    if (tags.dtype !== "int32") throw new Error(`CRF ${this.name}: tags must be int32, got ${tags.dtype}`);
    const costWeight = opts.costWeight ?? 0;
    if (!(costWeight >= 0)) {
      throw new RangeError(`CRF ${this.name}: costWeight must be ≥ 0, got ${costWeight}`);
    }
    const perPosition =
      checkNormalization(this.name, opts.lossNormalization ?? this.lossNormalization) === "per-position";
    const dangling = opts.danglingEndTransition === null
      ? undefined
      : opts.danglingEndTransition ?? this.danglingEndTransition;
    if (dangling !== undefined) checkTag(this.name, dangling, K);
    if (!hostReadsAvailable()) {
      return this.#deviceNegLogLikelihood(emissions, tags, mask, costWeight, perPosition, dangling);
    }
    const lengths = lengthsFromMask(mask.dataSync(), B, T);
    // Per-position: loss_b / L_b, so sentence b's gradient is weighted by 1 / L_b.
    const lossOpts: CRFLossOptions = { danglingEndTransition: dangling };
    if (perPosition) lossOpts.sentenceWeights = lengths.map((l) => 1 / l);
    const tagIds = tags.dataSync() as Int32Array;
    const hasStart = this.start !== undefined;
    const hasEnd = this.end !== undefined;
    // customGrad needs a fixed arity: absent start/end are passed as (unused) zero tensors.
    const startT = this.start ?? tf.zeros([K]);
    const endT = this.end ?? tf.zeros([K]);
    const f = customOp(
      (em: tf.Tensor, tr: tf.Tensor, st: tf.Tensor, en: tf.Tensor): CustomOpResult<tf.Scalar> => {
        const r = crfLossAndGrad(
          em.dataSync() as Float32Array,
          B,
          T,
          K,
          tr.dataSync() as Float32Array,
          hasStart ? (st.dataSync() as Float32Array) : null,
          hasEnd ? (en.dataSync() as Float32Array) : null,
          tagIds,
          lengths,
          costWeight,
          true,
          lossOpts,
        );
        let sum = 0;
        if (perPosition) { for (let b = 0; b < B; b++) sum += r.losses[b] / lengths[b]; }
        else for (const l of r.losses) sum += l;
        const inv = 1 / B;
        return {
          value: tf.scalar(sum * inv),
          gradFunc: (dy: tf.Scalar) => {
            const g = (a: Float64Array | undefined, shape: number[]) =>
              a ? tf.mul(dy, tf.tensor(scaleToF32(a, inv), shape, "float32")) : tf.zeros(shape);
            return [
              g(r.gradEmissions, [B, T, K]),
              g(r.gradTransitions, [K, K]),
              g(hasStart ? r.gradStart : undefined, [K]),
              g(hasEnd ? r.gradEnd : undefined, [K]),
            ];
          },
        };
      },
    );
    const out = f(emissions, this.transitions, startT, endT);
    if (!hasStart) startT.dispose();
    if (!hasEnd) endT.dispose();
    return out;
  }

  /**
   * {@link negLogLikelihood} as tensor ops differentiated by tfjs, for backends that cannot read tensors
   * synchronously (webgpu): the forward algorithm in log space, one masked step per position. Same value and
   * gradients as the host computation up to float32 rounding; the mask is not checked (it must be right-padded
   * with at least one 1 per row, as documented). `perPosition` and `dangling` as in {@link negLogLikelihood}.
   */
  #deviceNegLogLikelihood(
    emissions: tf.Tensor3D,
    tags: tf.Tensor2D,
    mask: tf.Tensor2D,
    cost: number,
    perPosition: boolean,
    dangling: number | undefined,
  ): tf.Scalar {
    const [B, T, K] = emissions.shape;
    return tf.tidy(() => {
      const trans = this.transitions as tf.Tensor2D;
      const start = this.start ?? tf.zeros([K]);
      const end = this.end ?? tf.zeros([K]);
      // Gold-score terms: summed over everything (batch-mean, the original graph) or per sentence `[B]`.
      const total = (x: tf.Tensor) => (perPosition ? tf.sum(tf.reshape(x, [B, -1]), 1) : tf.sum(x));
      const oh = tf.cast(tf.oneHot(tags, K), "float32") as tf.Tensor3D;
      const m3 = tf.expandDims(mask, 2);
      // 1 at each sentence's last real token.
      const last = tf.sub(mask, tf.concat([tf.slice(mask, [0, 1], [B, T - 1]), tf.zeros([B, 1])], 1));
      let gold = tf.add(
        total(tf.mul(tf.mul(emissions, oh), m3)),
        total(tf.mul(tf.slice(oh, [0, 0, 0], [B, 1, K]), start)),
      );
      gold = tf.add(gold, total(tf.mul(tf.mul(oh, tf.expandDims(last, 2)), end)));
      if (T > 1) {
        const prev = tf.reshape(tf.slice(oh, [0, 0, 0], [B, T - 1, K]), [B * (T - 1), K]) as tf.Tensor2D;
        const cur = tf.reshape(tf.slice(oh, [0, 1, 0], [B, T - 1, K]), [B * (T - 1), K]);
        const m = tf.reshape(tf.slice(mask, [0, 1], [B, T - 1]), [B * (T - 1), 1]);
        const pair = tf.mul(tf.mul(matMul(prev, trans), cur), m);
        gold = tf.add(gold, perPosition ? total(tf.reshape(pair, [B, T - 1, K])) : tf.sum(pair));
      }
      // Cost-augmented emissions (softmax-margin: + c at every non-gold tag), inside log Z only.
      const e = cost > 0 ? tf.add(emissions, tf.mul(tf.sub(1, oh), cost)) : emissions;
      const steps = tf.unstack(e, 1) as tf.Tensor2D[];
      const masks = tf.unstack(tf.expandDims(mask, 2), 1);
      let alpha: tf.Tensor = tf.add(steps[0], start);
      for (let t = 1; t < T; t++) {
        const next = tf.add(logSumExp(tf.add(tf.expandDims(alpha, 2), trans), 1), steps[t]);
        alpha = tf.add(tf.mul(masks[t], next), tf.mul(tf.sub(1, masks[t]), alpha));
      }
      // keras_contrib's unmasked log Z also scores transitions[y_{L−1}, dangling].
      const endZ = dangling === undefined
        ? end
        : tf.add(end, tf.reshape(tf.slice(trans, [0, dangling], [K, 1]), [K]));
      const logZ = logSumExp(tf.add(alpha, endZ), 1);
      if (perPosition) return tf.div(tf.sum(tf.div(tf.sub(logZ, gold), tf.sum(mask, 1))), B) as tf.Scalar;
      return tf.div(tf.sub(tf.sum(logZ), gold), B) as tf.Scalar;
    });
  }

  /**
   * {@link decode} with asynchronous downloads: works on every backend, webgpu included (where {@link decode}
   * cannot read the emissions synchronously).
   */
  async decodeAsync(emissions: tf.Tensor3D, lengths: number[]): Promise<number[][]> {
    const [B, T, K] = emissions.shape;
    if (K !== this.numTags) throw new Error(`CRF ${this.name}: K = ${K}, expected ${this.numTags}`);
    if (lengths.length !== B) {
      throw new Error(`CRF ${this.name}: ${lengths.length} lengths for batch of ${B}`);
    }
    const [em, tr, st, en] = await Promise.all([
      emissions.data(),
      this.transitions.data(),
      this.start?.data(),
      this.end?.data(),
    ]);
    return viterbi(em, B, T, K, tr, st ?? null, en ?? null, lengths);
  }

  /**
   * Viterbi decoding: the highest-scoring tag sequence of each sentence, `lengths[b]` tags long.
   * Downloads the emissions and the CRF weights.
   */
  decode(emissions: tf.Tensor3D, lengths: number[]): number[][] {
    const [B, T, K] = emissions.shape;
    return this.decodeArrays(emissions.dataSync() as Float32Array, B, T, K, lengths);
  }

  /** {@link decode} on already downloaded emissions (`[B, T, K]` row-major). */
  decodeArrays(emissions: Float32Array, B: number, T: number, K: number, lengths: number[]): number[][] {
    if (K !== this.numTags) throw new Error(`CRF ${this.name}: K = ${K}, expected ${this.numTags}`);
    if (emissions.length < B * T * K) {
      throw new Error(`CRF ${this.name}: emissions hold ${emissions.length} values, expected ${B}·${T}·${K}`);
    }
    if (lengths.length !== B) {
      throw new Error(`CRF ${this.name}: ${lengths.length} lengths for batch of ${B}`);
    }
    return viterbi(
      emissions,
      B,
      T,
      K,
      this.transitions.dataSync() as Float32Array,
      this.start ? (this.start.dataSync() as Float32Array) : null,
      this.end ? (this.end.dataSync() as Float32Array) : null,
      lengths,
    );
  }
}

function scaleToF32(a: Float64Array, s: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
  return out;
}

/**
 * Sentence lengths from a right-padded 0/1 mask `[B, T]`.
 *
 * @throws {Error} when a row has a 1 after a 0, or no 1 at all.
 */
export function lengthsFromMask(mask: ArrayLike<number>, B: number, T: number): number[] {
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    let len = 0;
    while (len < T && mask[b * T + len] > 0.5) len++;
    for (let t = len; t < T; t++) {
      if (mask[b * T + t] > 0.5) {
        throw new Error(`CRF mask row ${b} is not right-padded: 1 at step ${t} after a 0 at step ${len}`);
      }
    }
    if (len === 0) throw new Error(`CRF mask row ${b} is empty: every sentence needs at least one token`);
    lengths.push(len);
  }
  return lengths;
}

/**
 * CRF loss per sentence and its gradient, by the scaled forward–backward algorithm in float64
 * (Rabiner 1989 scaling; marginals as in Sutton & McCallum 2012, §4.1).
 *
 * `emissions` `[B, T, K]`, `transitions` `[K, K]`, `start`/`end` `[K]` or null (absent = 0), `tags` `[B, T]`,
 * `lengths[b]` in [1, T]. With `costWeight` c > 0, c is added to every non-gold emission inside log Z only.
 * `opts` (default none) weights the sentences' gradients and adds a dangling end transition inside log Z
 * (keras_contrib's unmasked CRF, see the module docs): log Z_b = log Σ_y exp(s(y) + transitions[y_{L−1}, j]).
 *
 * @throws {Error} on a length outside [1, T] or a tag outside [0, K).
 * @throws {RangeError} on a `danglingEndTransition` outside [0, K).
 */
export function crfLossAndGrad(
  emissions: ArrayLike<number>,
  B: number,
  T: number,
  K: number,
  transitions: ArrayLike<number>,
  start: ArrayLike<number> | null,
  end: ArrayLike<number> | null,
  tags: ArrayLike<number>,
  lengths: number[],
  costWeight = 0,
  wantGrad = true,
  opts: CRFLossOptions = {},
): CRFLossResult {
  const dangling = opts.danglingEndTransition;
  const weights = opts.sentenceWeights;
  // End scores inside log Z: end + transitions[:, dangling] with a dangling transition, else end.
  let endZ: ArrayLike<number> | null = end;
  if (dangling !== undefined) {
    checkTag("crfLossAndGrad", dangling, K);
    const e = new Float64Array(K);
    for (let i = 0; i < K; i++) e[i] = (end ? end[i] : 0) + transitions[i * K + dangling];
    endZ = e;
  }
  // exp of the weights, shifted by their max so every factor is ≤ 1.
  const mT = maxOf(transitions, K * K);
  const M = new Float64Array(K * K);
  for (let i = 0; i < K * K; i++) M[i] = Math.exp(transitions[i] - mT);
  const mS = start ? maxOf(start, K) : 0;
  const mE = endZ ? maxOf(endZ, K) : 0;
  const S = new Float64Array(K);
  const N = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    S[j] = start ? Math.exp(start[j] - mS) : 1;
    N[j] = endZ ? Math.exp(endZ[j] - mE) : 1;
  }
  const losses = new Float64Array(B);
  const gE = wantGrad ? new Float64Array(B * T * K) : undefined;
  const gT = wantGrad ? new Float64Array(K * K) : undefined;
  const gS = wantGrad ? new Float64Array(K) : undefined;
  const gN = wantGrad ? new Float64Array(K) : undefined;
  const E = new Float64Array(T * K); // exp(e' − m_t), e' = cost-augmented emissions
  const a = new Float64Array(T * K); // scaled forward
  const bw = new Float64Array(T * K); // scaled backward
  const c = new Float64Array(T); // scale factors
  const w = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    if (!(L >= 1 && L <= T)) throw new Error(`CRF: length ${L} of sentence ${b} is outside [1, ${T}]`);
    const off = b * T * K;
    let logShift = 0;
    let gold = 0;
    let prev = -1;
    for (let t = 0; t < L; t++) {
      const y = tags[b * T + t];
      if (!(y >= 0 && y < K)) {
        throw new Error(`CRF: tag ${y} at sentence ${b}, step ${t} is outside [0, ${K})`);
      }
      gold += emissions[off + t * K + y];
      if (prev >= 0) gold += transitions[prev * K + y];
      prev = y;
      let m = -Infinity;
      for (let j = 0; j < K; j++) {
        const v = emissions[off + t * K + j] + (j === y ? 0 : costWeight);
        if (v > m) m = v;
      }
      for (let j = 0; j < K; j++) {
        E[t * K + j] = Math.exp(emissions[off + t * K + j] + (j === y ? 0 : costWeight) - m);
      }
      logShift += m;
    }
    const y0 = tags[b * T];
    const yL = tags[b * T + L - 1];
    if (start) gold += start[y0];
    if (end) gold += end[yL];
    // forward
    let s0 = 0;
    for (let j = 0; j < K; j++) s0 += a[j] = S[j] * E[j];
    c[0] = s0;
    for (let j = 0; j < K; j++) a[j] /= s0;
    for (let t = 1; t < L; t++) {
      const ap = (t - 1) * K;
      let st = 0;
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let i = 0; i < K; i++) s += a[ap + i] * M[i * K + j];
        const v = s * E[t * K + j];
        a[t * K + j] = v;
        st += v;
      }
      c[t] = st;
      for (let j = 0; j < K; j++) a[t * K + j] /= st;
    }
    let cF = 0;
    for (let j = 0; j < K; j++) cF += a[(L - 1) * K + j] * N[j];
    let logZ = Math.log(cF) + logShift + (L - 1) * mT + (start ? mS : 0) + (endZ ? mE : 0);
    for (let t = 0; t < L; t++) logZ += Math.log(c[t]);
    losses[b] = logZ - gold;
    if (!wantGrad) continue;
    // Multiplying by wb = 1 is exact: without weights the gradients are bit-identical to the unweighted ones.
    const wb = weights ? weights[b] : 1;
    // backward: Σ_j a_t[j]·bw_t[j] = 1 for every t.
    for (let j = 0; j < K; j++) bw[(L - 1) * K + j] = N[j] / cF;
    for (let t = L - 1; t >= 1; t--) {
      // w_j = E_t[j]·bw_t[j] / c_t, shared by the backward step and the pairwise marginals at t.
      for (let j = 0; j < K; j++) w[j] = (E[t * K + j] * bw[t * K + j]) / c[t];
      const ap = (t - 1) * K;
      for (let i = 0; i < K; i++) {
        let s = 0;
        const ai = a[ap + i] * wb;
        for (let j = 0; j < K; j++) {
          const mw = M[i * K + j] * w[j];
          s += mw;
          gT![i * K + j] += ai * mw;
        }
        bw[ap + i] = s;
      }
      gT![tags[b * T + t - 1] * K + tags[b * T + t]] -= wb;
    }
    for (let t = 0; t < L; t++) {
      for (let j = 0; j < K; j++) gE![off + t * K + j] = a[t * K + j] * bw[t * K + j] * wb;
      gE![off + t * K + tags[b * T + t]] -= wb;
    }
    if (start) {
      for (let j = 0; j < K; j++) gS![j] += a[j] * bw[j] * wb;
      gS![y0] -= wb;
    }
    if (end) {
      for (let j = 0; j < K; j++) gN![j] += a[(L - 1) * K + j] * bw[(L - 1) * K + j] * wb;
      gN![yL] -= wb;
    }
    // ∂ log Z / ∂ transitions[i, dangling] = P(y_{L−1} = i); the gold score has no such term.
    if (dangling !== undefined) {
      for (let i = 0; i < K; i++) gT![i * K + dangling] += a[(L - 1) * K + i] * bw[(L - 1) * K + i] * wb;
    }
  }
  return { losses, gradEmissions: gE, gradTransitions: gT, gradStart: gS, gradEnd: gN };
}

function checkNormalization(name: string, n: CRFLossNormalization): CRFLossNormalization {
  if (n !== "batch-mean" && n !== "per-position") {
    throw new RangeError(`CRF ${name}: lossNormalization must be "batch-mean" or "per-position", got ${n}`);
  }
  return n;
}

function checkTag(name: string, j: number, K: number): number {
  if (!(Number.isInteger(j) && j >= 0 && j < K)) {
    throw new RangeError(`CRF ${name}: danglingEndTransition must be a tag index in [0, ${K}), got ${j}`);
  }
  return j;
}

function maxOf(x: ArrayLike<number>, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[i] > m) m = x[i];
  return m;
}

/**
 * Viterbi decoding in float64. Ties go to the lowest tag index. `start`/`end` null means 0.
 */
export function viterbi(
  emissions: ArrayLike<number>,
  B: number,
  T: number,
  K: number,
  transitions: ArrayLike<number>,
  start: ArrayLike<number> | null,
  end: ArrayLike<number> | null,
  lengths: number[],
): number[][] {
  const out: number[][] = [];
  const delta = new Float64Array(K);
  const next = new Float64Array(K);
  const back = new Int32Array(T * K);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    if (!(L >= 0 && L <= T)) throw new Error(`Viterbi: length ${L} of sentence ${b} is outside [0, ${T}]`);
    if (L === 0) {
      out.push([]);
      continue;
    }
    const off = b * T * K;
    for (let j = 0; j < K; j++) delta[j] = emissions[off + j] + (start ? start[j] : 0);
    for (let t = 1; t < L; t++) {
      for (let j = 0; j < K; j++) {
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < K; i++) {
          const v = delta[i] + transitions[i * K + j];
          if (v > best) {
            best = v;
            arg = i;
          }
        }
        next[j] = best + emissions[off + t * K + j];
        back[t * K + j] = arg;
      }
      delta.set(next);
    }
    let best = -Infinity;
    let arg = 0;
    for (let j = 0; j < K; j++) {
      const v = delta[j] + (end ? end[j] : 0);
      if (v > best) {
        best = v;
        arg = j;
      }
    }
    const path = new Array<number>(L);
    path[L - 1] = arg;
    for (let t = L - 1; t >= 1; t--) path[t - 1] = back[t * K + path[t]];
    out.push(path);
  }
  return out;
}
