/**
 * Highway layers (Srivastava et al. 2015, "Highway Networks"), as the released DATNet char encoder stacks them
 * after its CNN (`CharTDNNHW` in joeyzhouty/DATnet `models/shares.py`, two layers): per layer,
 * t = tanh(x·W_t + b_t), g = σ(x·W_g + b_g), y = g ⊙ t + (1 − g) ⊙ x. The width D is kept.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform, type Rng, zeros } from "./init.ts";
import { dense } from "./ops.ts";

/** `layers` highway layers of width `dim` over the last axis. */
export class Highway {
  readonly dim: number;
  readonly layers: { wt: tf.Variable; bt: tf.Variable; wg: tf.Variable; bg: tf.Variable }[];

  /**
   * Weights Glorot-uniform, biases zero (TF `tf.layers.Dense` defaults), drawn from `rng` layer by layer
   * (transform, then gate).
   *
   * @throws {Error} when `dim` or `layers` is not a positive (resp. non-negative) integer.
   */
  constructor(name: string, dim: number, layers: number, rng: Rng) {
    if (!(Number.isInteger(dim) && dim >= 1)) {
      throw new Error(`Highway "${name}": dim must be ≥ 1, got ${dim}`);
    }
    if (!(Number.isInteger(layers) && layers >= 0)) {
      throw new Error(`Highway "${name}": layers must be an integer ≥ 0, got ${layers}`);
    }
    this.dim = dim;
    this.layers = Array.from({ length: layers }, (_, i) => {
      const v = (t: tf.Tensor, n: string) => {
        const out = tf.variable(t, true, `${name}/${i}/${n}`);
        t.dispose();
        return out;
      };
      return {
        wt: v(glorotUniform(rng, [dim, dim]), "trans/kernel"),
        bt: v(zeros([dim]), "trans/bias"),
        wg: v(glorotUniform(rng, [dim, dim]), "gate/kernel"),
        bg: v(zeros([dim]), "gate/bias"),
      };
    });
  }

  /**
   * @param x `[..., D]`
   * @returns `[..., D]`, x itself (a new tensor) when there are no layers
   * @throws {Error} when the last axis is not D.
   */
  apply(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.dim) {
      throw new Error(`Highway: input [${x.shape}] does not end in ${this.dim}`);
    }
    return tf.tidy(() => {
      const shape = x.shape;
      let h = tf.reshape(x, [-1, this.dim]) as tf.Tensor2D;
      for (const l of this.layers) {
        const t = tf.tanh(dense(h, l.wt as tf.Tensor2D, l.bt as tf.Tensor1D));
        const g = tf.sigmoid(dense(h, l.wg as tf.Tensor2D, l.bg as tf.Tensor1D));
        h = tf.add(tf.mul(g, t), tf.mul(tf.sub(1, g), h)) as tf.Tensor2D;
      }
      return tf.reshape(h, shape);
    });
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.wt, l.bt, l.wg, l.bg]);
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
