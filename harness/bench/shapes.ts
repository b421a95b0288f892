/**
 * The shapes of `deno task bench` (issue #3, "Training throughput"): what one timed training step is.
 *
 * - `S1`, `S2`: synthetic shapes with dense random inputs instead of embeddings, mirrored exactly by
 *   `harness/bench/torch_reference.py` (same sizes, CRF NLL with transitions, start and end scores, same optimiser):
 *   - S1 DATNet-like: input 70 → BiLSTM 2×100 → linear 9 tags → CRF NLL, Adam lr 1e-3.
 *   - S2 Yang-like: input 210 → 2-layer BiGRU 2×300 → linear 17 tags → CRF NLL, AdaGrad lr 0.01 (GRU in
 *     PyTorch's form: reset after the recurrent product, with b_hn, as `nn.GRU`).
 *   Batch 32 × 30 tokens, every sentence 30 tokens long; the same batch every step.
 * - Each suite's real models at paper sizes, declared by the suite as {@link ModelShape}s (its declaration's
 *   `bench`; e.g. suites/datnet/bench.ts: DATNet base and DATNet-F, batch 10 and 32), built by the suite.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { LinearChainCRF } from "../../models/crf.ts";
import { BiGRU } from "../../models/gru.ts";
import { createRng, glorotUniform, type Rng, zeros } from "../../models/init.ts";
import { BiLSTM } from "../../models/lstm.ts";
import { denseSeq } from "../../models/ops.ts";
import { AdaGrad, Adam } from "../../models/optim.ts";

/** A synthetic shape: dense inputs → stacked bidirectional RNN → linear → CRF. */
export interface SyntheticShape {
  kind: "synthetic";
  id: string;
  title: string;
  inputDim: number;
  cell: "lstm" | "gru";
  /** Units per direction. */
  units: number;
  layers: number;
  tags: number;
  optimizer: "adam" | "adagrad";
  lr: number;
  batch: number;
  /** Tokens per sentence (all sentences have this length). */
  length: number;
}

/**
 * A suite's real model at paper sizes on synthetic sentences, declared by the suite (its declaration's `bench`)
 * with the function that builds it.
 */
export interface ModelShape {
  kind: "model";
  id: string;
  title: string;
  /** The suite that declares it. */
  suite: string;
  /** Builds the model and data with weights and inputs from `seed`. Call on an initialised backend. */
  build(seed: number): BenchModel;
}

/** One benchmark shape. */
export type BenchShape = SyntheticShape | ModelShape;

/** The synthetic shapes, in the order the bench runs them (each suite's real models follow, see tasks/bench.ts). */
export const SYNTHETIC_SHAPES: readonly SyntheticShape[] = [
  {
    kind: "synthetic",
    id: "S1",
    title: "DATNet-like: input 70 → BiLSTM 2×100 → 9 tags, CRF NLL, Adam",
    inputDim: 70,
    cell: "lstm",
    units: 100,
    layers: 1,
    tags: 9,
    optimizer: "adam",
    lr: 1e-3,
    batch: 32,
    length: 30,
  },
  {
    kind: "synthetic",
    id: "S2",
    title: "Yang-like: input 210 → 2-layer BiGRU 2×300 → 17 tags, CRF NLL, AdaGrad",
    inputDim: 210,
    cell: "gru",
    units: 300,
    layers: 2,
    tags: 17,
    optimizer: "adagrad",
    lr: 0.01,
    batch: 32,
    length: 30,
  },
];

/**
 * The shape with this id.
 *
 * @throws {Error} naming the known ids when there is none.
 */
export function getShape(id: string, shapes: readonly BenchShape[]): BenchShape {
  const s = shapes.find((x) => x.id === id);
  if (!s) {
    throw new Error(`Unknown bench shape "${id}": expected one of ${shapes.map((x) => x.id).join(", ")}`);
  }
  return s;
}

/** A model ready to take timed training steps. */
export interface BenchModel {
  /** Real (non-padding) tokens of the next step. */
  nextTokens(): number;
  /** One full training step (forward, loss, backward, optimiser update); resolves to the loss. */
  step(): Promise<number>;
  /** Trainable scalars. */
  parameters: number;
  dispose(): void;
}

/** `n` uniform values in [−1, 1) from `rng`. */
export function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng() - 1;
  return a;
}

/** Builds the model and data of `shape` with weights and inputs from `seed`. Call on an initialised backend. */
export function buildBenchModel(shape: BenchShape, seed = 1): BenchModel {
  return shape.kind === "synthetic" ? buildSynthetic(shape, seed) : shape.build(seed);
}

function buildSynthetic(s: SyntheticShape, seed: number): BenchModel {
  const rng = createRng(seed);
  const name = `bench_${s.id}_${seed}`;
  const rnn = s.cell === "lstm"
    ? new BiLSTM({ name: `${name}/bilstm`, inputDim: s.inputDim, units: s.units, rng })
    : new BiGRU({
      name: `${name}/bigru`,
      inputDim: s.inputDim,
      units: s.units,
      layers: s.layers,
      reset: "after",
      recurrentBias: true,
      rng,
    });
  if (s.cell === "lstm" && s.layers !== 1) {
    throw new Error(`Bench shape ${s.id}: stacked LSTMs are not supported`);
  }
  const w0 = glorotUniform(rng, [2 * s.units, s.tags]);
  const b0 = zeros([s.tags]);
  const projW = tf.variable(w0, true, `${name}/proj/kernel`);
  const projB = tf.variable(b0, true, `${name}/proj/bias`);
  tf.dispose([w0, b0]);
  const crf = new LinearChainCRF(s.tags, rng, { name: `${name}/crf` });
  const vars = [...rnn.variables(), projW, projB, ...crf.variables()];
  const opt = s.optimizer === "adam" ? new Adam(vars, { lr: s.lr }) : new AdaGrad(vars, { lr: s.lr });
  const { batch: B, length: T } = s;
  const x = tf.tensor3d(randomArray(rng, B * T * s.inputDim), [B, T, s.inputDim]);
  const tags = tf.tensor2d(
    Int32Array.from({ length: B * T }, () => Math.floor(rng() * s.tags)),
    [B, T],
    "int32",
  );
  const mask = tf.ones([B, T]) as tf.Tensor2D;
  const lengths = new Array<number>(B).fill(T);
  return {
    nextTokens: () => B * T,
    parameters: vars.reduce((n, v) => n + v.size, 0),
    async step() {
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const h = rnn.apply(x, lengths);
          const em = denseSeq(h, projW as tf.Tensor2D, projB as tf.Tensor1D);
          return crf.negLogLikelihood(em, tags, mask);
        }), vars);
      opt.step(grads);
      const loss = (await value.data())[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    },
    dispose() {
      opt.dispose();
      tf.dispose([x, tags, mask, projW, projB]);
      crf.dispose();
      rnn.dispose();
    },
  };
}
