import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { BiGRU, GRU, type GruReset, type GruWeights } from "./gru.ts";
import { createRng, type Rng } from "./init.ts";
import { type RecurrenceImpl, setRecurrenceImpl } from "../runtime/kernels/host_rnn.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "./_testing.ts";

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface RefWeights {
  w: ArrayLike<number>;
  u: ArrayLike<number>;
  b: ArrayLike<number>;
  bh?: ArrayLike<number>;
}

/** Naive float64 GRU over one sequence `x[t][d]`, gate columns r, z, n. */
function refGru(x: number[][], p: RefWeights, D: number, H: number, reset: GruReset): number[][] {
  let h = new Array(H).fill(0);
  const out: number[][] = [];
  const G = 3 * H;
  for (const xt of x) {
    const xw = new Array(G).fill(0);
    const hu = new Array(G).fill(0);
    for (let j = 0; j < G; j++) {
      let s = p.b[j];
      for (let d = 0; d < D; d++) s += xt[d] * p.w[d * G + j];
      xw[j] = s;
      let a = 0;
      for (let k = 0; k < H; k++) a += h[k] * p.u[k * G + j];
      hu[j] = a;
    }
    const r = Array.from({ length: H }, (_, k) => sigmoid(xw[k] + hu[k]));
    const z = Array.from({ length: H }, (_, k) => sigmoid(xw[H + k] + hu[H + k]));
    let cand: number[];
    if (reset === "after") {
      cand = Array.from(
        { length: H },
        (_, k) => Math.tanh(xw[2 * H + k] + r[k] * (hu[2 * H + k] + (p.bh?.[k] ?? 0))),
      );
    } else {
      const q = h.map((v, k) => r[k] * v);
      cand = Array.from({ length: H }, (_, k) => {
        let a = 0;
        for (let m = 0; m < H; m++) a += q[m] * p.u[m * G + 2 * H + k];
        return Math.tanh(xw[2 * H + k] + a);
      });
    }
    h = h.map((v, k) => (1 - z[k]) * cand[k] + z[k] * v);
    out.push(h);
  }
  return out;
}

/** Reference bidirectional layer over a padded batch `x [B, T, D]` (flat): `[B, T, 2H]` flat, zeros at padding. */
function refBiGru(
  x: ArrayLike<number>,
  lengths: number[],
  T: number,
  D: number,
  H: number,
  fw: RefWeights,
  bw: RefWeights,
  reset: GruReset,
): Float64Array {
  const B = lengths.length;
  const out = new Float64Array(B * T * 2 * H);
  lengths.forEach((len, b) => {
    const seq: number[][] = [];
    for (let t = 0; t < len; t++) seq.push(Array.from({ length: D }, (_, d) => x[(b * T + t) * D + d]));
    const hf = refGru(seq, fw, D, H, reset);
    const hb = refGru([...seq].reverse(), bw, D, H, reset).reverse();
    for (let t = 0; t < len; t++) {
      for (let k = 0; k < H; k++) {
        out[(b * T + t) * 2 * H + k] = hf[t][k];
        out[(b * T + t) * 2 * H + H + k] = hb[t][k];
      }
    }
  });
  return out;
}

function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng() - 1) * scale);
}

/** Gives the biases random values, so the tests cover the bias paths. */
function randomiseBiases(cell: GruWeights, rng: Rng): void {
  for (const v of [cell.b, cell.bh]) {
    if (!v) continue;
    const t = tf.tensor(randomArray(rng, v.size, 0.5), v.shape);
    v.assign(t);
    t.dispose();
  }
}

function refWeights(cell: GruWeights): RefWeights {
  return { w: cell.w.dataSync(), u: cell.u.dataSync(), b: cell.b.dataSync(), bh: cell.bh?.dataSync() };
}

const FORMS: { reset: GruReset; recurrentBias: boolean }[] = [
  { reset: "after", recurrentBias: false },
  { reset: "after", recurrentBias: true },
  { reset: "before", recurrentBias: false },
];

const IMPLS: RecurrenceImpl[] = ["fused", "graph"];

for (const backend of testBackends()) {
  for (const impl of IMPLS) {
    for (const { reset, recurrentBias } of FORMS) {
      const form = `reset ${reset}${recurrentBias ? " + b_hn" : ""}`;
      Deno.test(`BiGRU on ${backend} (${impl}, ${form}): forward matches a naive JS reference`, async () => {
        await useBackend(backend);
        setRecurrenceImpl(impl);
        try {
          const rng = createRng(11);
          const [B, T, D, H] = [3, 6, 5, 4];
          const lengths = [6, 2, 4];
          const gru = new BiGRU({
            name: uniqueName("bigru"),
            inputDim: D,
            units: H,
            rng,
            reset,
            recurrentBias,
          });
          randomiseBiases(gru.forward, rng);
          randomiseBiases(gru.backward, rng);
          const xv = randomArray(rng, B * T * D, 2);
          await assertNoLeak(() => {
            const out = tf.tidy(() => gru.apply(tf.tensor3d(xv, [B, T, D]), lengths));
            assert.deepEqual(out.shape, [B, T, 2 * H]);
            const expected = refBiGru(
              xv,
              lengths,
              T,
              D,
              H,
              refWeights(gru.forward),
              refWeights(gru.backward),
              reset,
            );
            assertClose(out.dataSync(), expected, 1e-5, 0, "BiGRU output");
            out.dispose();
          }, "BiGRU.apply");
          gru.dispose();
        } finally {
          setRecurrenceImpl(undefined);
        }
      });

      Deno.test(`BiGRU on ${backend} (${impl}, ${form}): gradients match finite differences`, async () => {
        await useBackend(backend);
        setRecurrenceImpl(impl);
        try {
          const rng = createRng(12);
          const [B, T, D, H] = [2, 3, 2, 2];
          const lengths = [3, 2];
          const gru = new BiGRU({
            name: uniqueName("bigru"),
            inputDim: D,
            units: H,
            rng,
            reset,
            recurrentBias,
          });
          randomiseBiases(gru.forward, rng);
          randomiseBiases(gru.backward, rng);
          const xv = randomArray(rng, B * T * D);
          const r = randomArray(rng, B * T * 2 * H);
          const x = tf.tensor3d(xv, [B, T, D]);
          const rT = tf.tensor3d(r, [B, T, 2 * H]);
          const lossFn = (xt: tf.Tensor) => tf.sum(tf.mul(gru.apply(xt as tf.Tensor3D, lengths), rT));
          const before = tf.memory().numTensors;
          const { value, grads } = tf.variableGrads(() => lossFn(x) as tf.Scalar, gru.variables());
          const gx = tf.grad(lossFn)(x);
          const copy = (p: RefWeights) => ({
            w: Float64Array.from(p.w),
            u: Float64Array.from(p.u),
            b: Float64Array.from(p.b),
            bh: p.bh ? Float64Array.from(p.bh) : undefined,
          });
          const base = {
            xs: Float64Array.from(xv),
            fw: copy(refWeights(gru.forward)),
            bw: copy(refWeights(gru.backward)),
          };
          const refLoss = () => {
            const o = refBiGru(base.xs, lengths, T, D, H, base.fw, base.bw, reset);
            let s = 0;
            for (let i = 0; i < o.length; i++) s += o[i] * r[i];
            return s;
          };
          assertClose([value.dataSync()[0]], [refLoss()], 1e-5, 1e-5, "loss");
          const eps = 1e-6;
          const check = (analytic: ArrayLike<number>, arr: Float64Array, what: string) => {
            const num = Array.from({ length: arr.length }, (_, i) => {
              const keep = arr[i];
              arr[i] = keep + eps;
              const up = refLoss();
              arr[i] = keep - eps;
              const down = refLoss();
              arr[i] = keep;
              return (up - down) / (2 * eps);
            });
            assertClose(analytic, num, 1e-4, 1e-3, what);
          };
          check(gx.dataSync(), base.xs, "d loss / d x");
          for (const [cell, ref] of [[gru.forward, base.fw], [gru.backward, base.bw]] as const) {
            check(grads[cell.w.name].dataSync(), ref.w, `d loss / d ${cell.w.name}`);
            check(grads[cell.u.name].dataSync(), ref.u, `d loss / d ${cell.u.name}`);
            check(grads[cell.b.name].dataSync(), ref.b, `d loss / d ${cell.b.name}`);
            if (cell.bh) check(grads[cell.bh.name].dataSync(), ref.bh!, `d loss / d ${cell.bh.name}`);
          }
          // The padded rows of x get exactly zero gradient.
          const g = gx.dataSync();
          for (let d = 0; d < D; d++) assert.equal(g[(1 * T + 2) * D + d], 0);
          tf.dispose([value, gx, ...Object.values(grads)]);
          assert.equal(tf.memory().numTensors, before, "gradient computation leaked tensors");
          tf.dispose([x, rT]);
          gru.dispose();
        } finally {
          setRecurrenceImpl(undefined);
        }
      });
    }

    Deno.test(`BiGRU on ${backend} (${impl}): two stacked layers match the reference; padding is inert`, async () => {
      await useBackend(backend);
      setRecurrenceImpl(impl);
      try {
        const rng = createRng(13);
        const [B, T, D, H] = [3, 5, 4, 3];
        const lengths = [5, 1, 3];
        const gru = new BiGRU({ name: uniqueName("bigru2"), inputDim: D, units: H, layers: 2, rng });
        assert.equal(gru.layers.length, 2);
        assert.equal(gru.variables().length, 12);
        assert.ok(gru.variables().every((v) => /\/l[01]\/(fw|bw)\//.test(v.name)));
        const x1 = randomArray(rng, B * T * D, 2);
        const x2 = x1.slice();
        for (let t = 1; t < T; t++) for (let d = 0; d < D; d++) x2[(1 * T + t) * D + d] = 50 * (t + d);
        const run = (xv: Float32Array) =>
          tf.tidy(() => gru.apply(tf.tensor3d(xv, [B, T, D]), lengths)).dataSync();
        const y1 = run(x1);
        const l0 = refBiGru(
          x1,
          lengths,
          T,
          D,
          H,
          refWeights(gru.layers[0].forward),
          refWeights(gru.layers[0].backward),
          "after",
        );
        const l1 = refBiGru(
          l0,
          lengths,
          T,
          2 * H,
          H,
          refWeights(gru.layers[1].forward),
          refWeights(gru.layers[1].backward),
          "after",
        );
        assertClose(y1, l1, 1e-5, 0, "2-layer BiGRU output");
        assert.deepEqual(Array.from(run(x2)).map((v) => v + 0), Array.from(y1).map((v) => v + 0));
        gru.dispose();
      } finally {
        setRecurrenceImpl(undefined);
      }
    });
  }

  Deno.test(`GRU on ${backend}: unidirectional forward matches the reference, zero at padding`, async () => {
    await useBackend(backend);
    const rng = createRng(14);
    const [B, T, D, H] = [2, 4, 3, 5];
    const lengths = [4, 1];
    const gru = new GRU({ name: uniqueName("gru"), inputDim: D, units: H, rng, reset: "before" });
    randomiseBiases(gru.cell, rng);
    const xv = randomArray(rng, B * T * D);
    const out = tf.tidy(() => gru.apply(tf.tensor3d(xv, [B, T, D]), lengths));
    const expected = new Float64Array(B * T * H);
    lengths.forEach((len, b) => {
      const seq = Array.from(
        { length: len },
        (_, t) => Array.from(xv.subarray((b * T + t) * D, (b * T + t + 1) * D)),
      );
      refGru(seq, refWeights(gru.cell), D, H, "before").forEach((h, t) => expected.set(h, (b * T + t) * H));
    });
    assertClose(out.dataSync(), expected, 1e-5, 0, "GRU output");
    out.dispose();
    gru.dispose();
  });
}

Deno.test("GRU: invalid options and inputs are rejected with a clear message", () => {
  const rng = createRng(1);
  assert.throws(
    () => new BiGRU({ name: "g_bad1", inputDim: 2, units: 2, rng, reset: "before", recurrentBias: true }),
    /recurrentBias \(b_hn\) needs reset "after"/,
  );
  assert.throws(
    () => new BiGRU({ name: "g_bad2", inputDim: 2, units: 0, rng }),
    /units must be a positive integer/,
  );
  assert.throws(
    () => new BiGRU({ name: "g_bad3", inputDim: 2, units: 2, rng, reset: "middle" as GruReset }),
    /reset must be "after" or "before"/,
  );
  assert.throws(
    () => new GRU({ name: "g_bad4", inputDim: 2, units: 2, rng, layers: 2 }),
    /layers is a BiGRU option/,
  );
  const g = new GRU({ name: uniqueName("g_ok"), inputDim: 2, units: 2, rng });
  assert.throws(() => g.apply(tf.zeros([1, 3, 4]) as tf.Tensor3D, [3]), /does not fit, expected \[B, T, 2\]/);
  assert.throws(() => g.apply(tf.zeros([1, 3, 2]) as tf.Tensor3D, [4]), /length 4 of sequence 0 is outside/);
  g.dispose();
});

Deno.test("GRU: normal-0.1 initialiser draws N(0, 0.01) weights and zero biases", () => {
  const g = new GRU({
    name: uniqueName("g_init"),
    inputDim: 40,
    units: 30,
    rng: createRng(3),
    initializer: "normal-0.1",
  });
  const w = g.cell.w.dataSync();
  let s = 0;
  let s2 = 0;
  for (const v of w) {
    s += v;
    s2 += v * v;
  }
  const mean = s / w.length;
  const std = Math.sqrt(s2 / w.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 0.1) < 0.01, `mean ${mean}, std ${std}`);
  assert.ok(g.cell.b.dataSync().every((v) => v === 0));
  g.dispose();
});
