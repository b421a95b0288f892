import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { BiGRU, type GruReset } from "../../models/gru.ts";
import { createRng, type Rng } from "../../models/init.ts";
import { BiLSTM } from "../../models/lstm.ts";
import { assertClose, testBackends, uniqueName, useBackend } from "../../models/_testing.ts";
import { blas, setBlasDisabled } from "./blas.ts";
import { fastSigmoid, fastTanh, type RecurrenceImpl, recurrenceImpl, setRecurrenceImpl } from "./host_rnn.ts";

function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng() - 1) * scale);
}

interface Layer {
  apply(x: tf.Tensor3D, lengths: readonly number[]): tf.Tensor3D;
  variables(): tf.Variable[];
  dispose(): void;
}

/** Output, d loss/d x and d loss/d every variable of `layer` under one implementation. */
function run(
  layer: Layer,
  impl: RecurrenceImpl,
  xv: Float32Array,
  shape: number[],
  lengths: number[],
  r: Float32Array,
) {
  setRecurrenceImpl(impl);
  try {
    return tf.tidy(() => {
      const x = tf.tensor3d(xv, shape as [number, number, number]);
      const rT = tf.tensor(r, [shape[0], shape[1], r.length / (shape[0] * shape[1])]);
      const f = (xt: tf.Tensor) => tf.sum(tf.mul(layer.apply(xt as tf.Tensor3D, lengths), rT)) as tf.Scalar;
      const out = layer.apply(x, lengths).dataSync();
      const gx = tf.grad(f)(x).dataSync();
      const { grads } = tf.variableGrads(() => f(x), layer.variables());
      return { out, gx, grads: Object.fromEntries(Object.entries(grads).map(([k, v]) => [k, v.dataSync()])) };
    });
  } finally {
    setRecurrenceImpl(undefined);
  }
}

function assertSame(a: ReturnType<typeof run>, b: ReturnType<typeof run>, tol: number, what: string): void {
  assertClose(a.out, b.out, tol, 0, `${what}: output`);
  assertClose(a.gx, b.gx, tol, 0, `${what}: d/dx`);
  assert.deepEqual(Object.keys(a.grads).sort(), Object.keys(b.grads).sort());
  for (const k of Object.keys(a.grads)) assertClose(a.grads[k], b.grads[k], tol, 0, `${what}: d/d ${k}`);
}

const HAS_BLAS = blas() !== undefined;

for (const backend of testBackends()) {
  for (const useBlas of HAS_BLAS ? [true, false] : [false]) {
    const tag = `${backend}, ${useBlas ? "OpenBLAS" : "no BLAS"}`;
    // Sizes big enough that the products exercise real BLAS kernels, with ragged lengths (one sequence empty
    // of padding, one of length 1) so that the row skipping of the fused path is covered.
    const [B, T, D, H] = [7, 9, 11, 13];
    const lengths = [9, 3, 1, 9, 5, 7, 2];

    Deno.test(`fused BiLSTM on ${tag}: output and gradients equal the graph recurrence to 1e-5`, async () => {
      await useBackend(backend);
      setBlasDisabled(!useBlas);
      try {
        const rng = createRng(21);
        const lstm = new BiLSTM({ name: uniqueName("eq_lstm"), inputDim: D, units: H, rng });
        const xv = randomArray(rng, B * T * D, 2);
        const r = randomArray(rng, B * T * 2 * H);
        const before = tf.memory().numTensors;
        const fused = run(lstm, "fused", xv, [B, T, D], lengths, r);
        const graph = run(lstm, "graph", xv, [B, T, D], lengths, r);
        assert.equal(tf.memory().numTensors, before, "leaked tensors");
        assertSame(fused, graph, 1e-5, "BiLSTM");
        // The device recurrence (tensor ops only, the webgpu path) agrees too.
        assertSame(run(lstm, "device", xv, [B, T, D], lengths, r), graph, 1e-5, "BiLSTM device");
        // Deterministic: the same call gives bit-identical results.
        const again = run(lstm, "fused", xv, [B, T, D], lengths, r);
        assertSame(again, fused, 0, "BiLSTM repeated");
        lstm.dispose();
      } finally {
        setBlasDisabled(false);
      }
    });

    for (const reset of ["after", "before"] as GruReset[]) {
      Deno.test(`fused 2-layer BiGRU (reset ${reset}) on ${tag}: equals the graph recurrence to 1e-5`, async () => {
        await useBackend(backend);
        setBlasDisabled(!useBlas);
        try {
          const rng = createRng(22);
          const gru = new BiGRU({
            name: uniqueName("eq_gru"),
            inputDim: D,
            units: H,
            layers: 2,
            reset,
            recurrentBias: reset === "after",
            rng,
          });
          // Non-zero biases, so the bias paths are compared too.
          for (const v of gru.variables().filter((v) => v.rank === 1)) {
            const t = tf.tensor1d(randomArray(rng, v.size, 0.5));
            v.assign(t);
            t.dispose();
          }
          const xv = randomArray(rng, B * T * D, 2);
          const r = randomArray(rng, B * T * 2 * H);
          const before = tf.memory().numTensors;
          const fused = run(gru, "fused", xv, [B, T, D], lengths, r);
          const graph = run(gru, "graph", xv, [B, T, D], lengths, r);
          assert.equal(tf.memory().numTensors, before, "leaked tensors");
          assertSame(fused, graph, 1e-5, `BiGRU reset ${reset}`);
          assertSame(run(gru, "fused", xv, [B, T, D], lengths, r), fused, 0, "BiGRU repeated");
          gru.dispose();
        } finally {
          setBlasDisabled(false);
        }
      });
    }
  }
}

Deno.test("fastSigmoid and fastTanh are within 1e-8 of Math, saturate cleanly and are odd/symmetric", () => {
  let maxS = 0;
  let maxT = 0;
  for (let i = 0; i <= 200_000; i++) {
    const x = -100 + i * 0.001;
    maxS = Math.max(maxS, Math.abs(fastSigmoid(x) - 1 / (1 + Math.exp(-x))));
    maxT = Math.max(maxT, Math.abs(fastTanh(x) - Math.tanh(x)));
  }
  assert.ok(maxS < 1e-8, `sigmoid error ${maxS}`);
  assert.ok(maxT < 1e-8, `tanh error ${maxT}`);
  for (const x of [1e6, -1e6, Infinity, -Infinity]) {
    assert.ok(Number.isFinite(fastSigmoid(x)) && Number.isFinite(fastTanh(x)), `finite at ${x}`);
  }
  assert.equal(fastSigmoid(0), 0.5);
  assert.equal(fastTanh(0), 0);
});

Deno.test("recurrenceImpl: override, then TAGBENCH_RNN, then the backend's default", async () => {
  await useBackend("cpu");
  const saved = Deno.env.get("TAGBENCH_RNN");
  try {
    Deno.env.delete("TAGBENCH_RNN");
    assert.equal(recurrenceImpl(), "fused");
    Deno.env.set("TAGBENCH_RNN", "graph");
    assert.equal(recurrenceImpl(), "graph");
    setRecurrenceImpl("fused");
    assert.equal(recurrenceImpl(), "fused");
    setRecurrenceImpl(undefined);
    Deno.env.set("TAGBENCH_RNN", "fast");
    assert.throws(() => recurrenceImpl(), /TAGBENCH_RNN must be one of fused, graph, device, got "fast"/);
  } finally {
    setRecurrenceImpl(undefined);
    if (saved === undefined) Deno.env.delete("TAGBENCH_RNN");
    else Deno.env.set("TAGBENCH_RNN", saved);
  }
});
