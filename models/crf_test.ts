import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, normal } from "./init.ts";
import { crfLossAndGrad, lengthsFromMask, LinearChainCRF, viterbi } from "./crf.ts";
import {
  assertClose,
  assertNoLeak,
  bruteForceCrf,
  type CrfParams,
  testBackends,
  uniqueName,
  useBackend,
} from "./_testing.ts";

function params(crf: LinearChainCRF): CrfParams {
  return {
    trans: crf.transitions.dataSync() as Float32Array,
    start: crf.start ? (crf.start.dataSync() as Float32Array) : null,
    end: crf.end ? (crf.end.dataSync() as Float32Array) : null,
  };
}

interface Batch {
  emissions: tf.Tensor3D;
  tags: tf.Tensor2D;
  mask: tf.Tensor2D;
  lengths: number[];
  gold: number[][];
  dispose(): void;
}

/** A batch of B = lengths.length sentences padded to T, emissions ~ N(0, 1.5²). */
function makeBatch(seed: number, T: number, K: number, lengths: number[]): Batch {
  const rng = createRng(seed);
  const B = lengths.length;
  const emissions = normal(rng, [B, T, K], 1.5) as tf.Tensor3D;
  const tagArr = new Int32Array(B * T);
  const maskArr = new Float32Array(B * T);
  const gold: number[][] = [];
  for (let b = 0; b < B; b++) {
    const g: number[] = [];
    for (let t = 0; t < T; t++) {
      // Padded steps get arbitrary tags: they must be ignored.
      tagArr[b * T + t] = Math.floor(rng() * K);
      if (t < lengths[b]) {
        maskArr[b * T + t] = 1;
        g.push(tagArr[b * T + t]);
      }
    }
    gold.push(g);
  }
  const tags = tf.tensor2d(tagArr, [B, T], "int32");
  const mask = tf.tensor2d(maskArr, [B, T], "float32");
  return { emissions, tags, mask, lengths, gold, dispose: () => tf.dispose([emissions, tags, mask]) };
}

const CONFIGS: { start: boolean; end: boolean; K: number; T: number; lengths: number[] }[] = [
  { start: true, end: true, K: 4, T: 4, lengths: [4, 2, 1] },
  { start: true, end: false, K: 3, T: 4, lengths: [3, 4, 1] }, // Yang et al. 2017: start vector, no end
  { start: false, end: false, K: 4, T: 3, lengths: [1, 3, 2] },
  { start: false, end: true, K: 2, T: 4, lengths: [2, 1, 4] },
];

/** Values from the first backend, compared on the others. */
const reference = new Map<string, ArrayLike<number>>();
function agree(key: string, values: ArrayLike<number>): void {
  const ref = reference.get(key);
  if (!ref) reference.set(key, Array.from(values));
  else assertClose(values, ref, 1e-5, 1e-5, `${key} vs first backend`);
}

for (const backend of testBackends()) {
  Deno.test(`CRF NLL equals brute-force enumeration, cost 0 and > 0 (${backend})`, async () => {
    await useBackend(backend);
    for (const [ci, cfg] of CONFIGS.entries()) {
      const crf = new LinearChainCRF(cfg.K, createRng(100 + ci), {
        name: uniqueName("crf_bf"),
        start: cfg.start,
        end: cfg.end,
      });
      const batch = makeBatch(200 + ci, cfg.T, cfg.K, cfg.lengths);
      const em = batch.emissions.dataSync();
      const p = params(crf);
      for (const cost of [0, 2.5]) {
        const expected = batch.gold.map((g, b) => bruteForceCrf(em, b, cfg.T, cfg.K, p, g, cost).loss);
        const mean = expected.reduce((a, b) => a + b, 0) / expected.length;
        await assertNoLeak(() => {
          const nll = crf.negLogLikelihood(batch.emissions, batch.tags, batch.mask, { costWeight: cost });
          assert.deepEqual(nll.shape, []);
          assertClose(nll.dataSync(), [mean], 1e-4, 1e-6, `config ${ci} cost ${cost}`);
          agree(`nll ${ci} ${cost}`, nll.dataSync());
          nll.dispose();
        }, "negLogLikelihood");
        const perSentence = crfLossAndGrad(
          em,
          cfg.lengths.length,
          cfg.T,
          cfg.K,
          p.trans,
          p.start,
          p.end,
          batch.tags.dataSync(),
          cfg.lengths,
          cost,
          false,
        ).losses;
        assertClose(
          perSentence,
          expected,
          1e-9,
          1e-9,
          `per-sentence float64 losses, config ${ci} cost ${cost}`,
        );
      }
      // costWeight 0 is exactly the plain NLL.
      const a = crf.negLogLikelihood(batch.emissions, batch.tags, batch.mask);
      const b = crf.negLogLikelihood(batch.emissions, batch.tags, batch.mask, { costWeight: 0 });
      assert.equal(a.dataSync()[0], b.dataSync()[0]);
      tf.dispose([a, b]);
      batch.dispose();
      crf.dispose();
    }
  });

  Deno.test(`CRF Viterbi equals brute-force argmax (${backend})`, async () => {
    await useBackend(backend);
    for (const [ci, cfg] of CONFIGS.entries()) {
      const crf = new LinearChainCRF(cfg.K, createRng(300 + ci), {
        name: uniqueName("crf_vit"),
        start: cfg.start,
        end: cfg.end,
      });
      for (let rep = 0; rep < 5; rep++) {
        const batch = makeBatch(400 + 10 * ci + rep, cfg.T, cfg.K, cfg.lengths);
        const em = batch.emissions.dataSync();
        const p = params(crf);
        const paths = crf.decode(batch.emissions, cfg.lengths);
        for (let b = 0; b < cfg.lengths.length; b++) {
          assert.deepEqual(
            paths[b],
            bruteForceCrf(em, b, cfg.T, cfg.K, p, batch.gold[b]).best,
            `config ${ci} sentence ${b}`,
          );
        }
        assert.deepEqual(
          crf.decodeArrays(em as Float32Array, cfg.lengths.length, cfg.T, cfg.K, cfg.lengths),
          paths,
        );
        agree(`viterbi ${ci} ${rep}`, paths.flat());
        batch.dispose();
      }
      crf.dispose();
    }
  });

  Deno.test(`CRF gradients equal finite differences (${backend})`, async () => {
    await useBackend(backend);
    for (const [ci, cfg] of CONFIGS.entries()) {
      for (const cost of [0, 1.5]) {
        const crf = new LinearChainCRF(cfg.K, createRng(500 + ci), {
          name: uniqueName("crf_fd"),
          start: cfg.start,
          end: cfg.end,
        });
        const batch = makeBatch(600 + ci, cfg.T, cfg.K, cfg.lengths);
        const B = cfg.lengths.length;
        const { K, T } = cfg;
        const em = Float64Array.from(batch.emissions.dataSync());
        const p = params(crf);
        const trans = Float64Array.from(p.trans);
        const start = p.start ? Float64Array.from(p.start) : null;
        const end = p.end ? Float64Array.from(p.end) : null;
        const tags = batch.tags.dataSync();
        const meanLoss = () => {
          const l = crfLossAndGrad(em, B, T, K, trans, start, end, tags, cfg.lengths, cost, false).losses;
          return l.reduce((a, b) => a + b, 0) / B;
        };
        // Central differences in float64 on the exact function.
        const fd = (arr: Float64Array) =>
          Array.from(arr, (_, i) => {
            const h = 1e-5;
            const v = arr[i];
            arr[i] = v + h;
            const up = meanLoss();
            arr[i] = v - h;
            const down = meanLoss();
            arr[i] = v;
            return (up - down) / (2 * h);
          });
        const fdEm = fd(em);
        const fdTrans = fd(trans);
        const fdStart = start ? fd(start) : null;
        const fdEnd = end ? fd(end) : null;
        // Padded steps have zero gradient.
        for (let b = 0; b < B; b++) {
          for (let t = cfg.lengths[b]; t < T; t++) {
            for (let k = 0; k < K; k++) assert.equal(fdEm[(b * T + t) * K + k], 0);
          }
        }
        await assertNoLeak(() => {
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(
              () => crf.negLogLikelihood(batch.emissions, batch.tags, batch.mask, { costWeight: cost }),
              crf.variables(),
            );
            assertClose(value.dataSync(), [meanLoss()], 1e-5, 1e-6, "value");
            assertClose(
              grads[crf.transitions.name].dataSync(),
              fdTrans,
              1e-5,
              1e-4,
              `d transitions (${ci}, ${cost})`,
            );
            if (crf.start) assertClose(grads[crf.start.name].dataSync(), fdStart!, 1e-5, 1e-4, "d start");
            if (crf.end) assertClose(grads[crf.end.name].dataSync(), fdEnd!, 1e-5, 1e-4, "d end");
            assert.equal(Object.keys(grads).length, crf.variables().length);
            const gEm = tf.grad((e: tf.Tensor) =>
              crf.negLogLikelihood(e as tf.Tensor3D, batch.tags, batch.mask, { costWeight: cost })
            )(batch.emissions);
            assertClose(gEm.dataSync(), fdEm, 1e-5, 1e-4, `d emissions (${ci}, ${cost})`);
            // Chain rule through the upstream gradient: d(3·nll) = 3·d(nll).
            const g3 = tf.grad((e: tf.Tensor) =>
              tf.mul(crf.negLogLikelihood(e as tf.Tensor3D, batch.tags, batch.mask, { costWeight: cost }), 3)
            )(batch.emissions);
            assertClose(g3.dataSync(), fdEm.map((v) => 3 * v), 1e-5, 1e-4, "d (3·nll)");
            agree(`grad ${ci} ${cost}`, gEm.dataSync());
          });
        }, "CRF gradients");
        batch.dispose();
        crf.dispose();
      }
    }
  });

  Deno.test(`CRF float32 finite differences through tf agree with the gradient (${backend})`, async () => {
    await useBackend(backend);
    const crf = new LinearChainCRF(3, createRng(7), { name: uniqueName("crf_fd32") });
    const batch = makeBatch(8, 3, 3, [3, 1, 2]);
    const gEm = tf.tidy(() =>
      tf.grad((e: tf.Tensor) => crf.negLogLikelihood(e as tf.Tensor3D, batch.tags, batch.mask))(
        batch.emissions,
      )
    );
    const g = gEm.dataSync();
    const base = Array.from(batch.emissions.dataSync());
    const h = 1e-2;
    for (const i of [0, 4, 8, 9, 20]) {
      const at = (d: number) =>
        tf.tidy(() => {
          const v = base.slice();
          v[i] += d;
          return crf.negLogLikelihood(tf.tensor3d(v, batch.emissions.shape), batch.tags, batch.mask)
            .dataSync()[0];
        });
      assertClose([(at(h) - at(-h)) / (2 * h)], [g[i]], 2e-3, 1e-2, `emission ${i}`);
    }
    gEm.dispose();
    batch.dispose();
    crf.dispose();
  });

  Deno.test(`CRF padding invariance: padded steps never change loss or gradients (${backend})`, async () => {
    await useBackend(backend);
    const K = 4;
    const crf = new LinearChainCRF(K, createRng(9), { name: uniqueName("crf_pad") });
    const lengths = [3, 1, 2];
    const small = makeBatch(10, 3, K, lengths);
    // Same real tokens, padded to T = 6 with different garbage emissions and tags.
    const T2 = 6;
    const em1 = small.emissions.arraySync();
    const tg1 = small.tags.arraySync();
    const rng = createRng(11);
    const em2 = em1.map((
      row,
    ) => [...row, ...Array.from({ length: T2 - 3 }, () => Array.from({ length: K }, () => 10 * rng()))]);
    const tg2 = tg1.map((row) => [...row, ...Array.from({ length: T2 - 3 }, () => Math.floor(rng() * K))]);
    // Also scramble the padded part of the short batch.
    const em1b = em1.map((row, b) => row.map((v, t) => (t >= lengths[b] ? v.map(() => -50 * rng()) : v)));
    const mask2 = tf.tensor2d(lengths.map((l) => Array.from({ length: T2 }, (_, t) => (t < l ? 1 : 0))));
    const run = (em: number[][][], tags: number[][], mask: tf.Tensor2D) =>
      tf.tidy(() => {
        const e = tf.tensor3d(em);
        const t = tf.tensor2d(tags, undefined, "int32");
        const f = () => crf.negLogLikelihood(e, t, mask, { costWeight: 1 });
        const { value, grads } = tf.variableGrads(f, crf.variables());
        const gE = tf.grad((x: tf.Tensor) =>
          crf.negLogLikelihood(x as tf.Tensor3D, t, mask, { costWeight: 1 })
        )(e);
        return {
          loss: value.dataSync()[0],
          grads: crf.variables().map((v) => Array.from(grads[v.name].dataSync())),
          gE: gE.arraySync() as number[][][],
          paths: crf.decode(e, lengths),
        };
      });
    const r1 = run(em1, tg1, small.mask);
    const r1b = run(em1b, tg1, small.mask);
    const r2 = run(em2, tg2, mask2);
    for (const r of [r1b, r2]) {
      assertClose([r.loss], [r1.loss], 1e-6, 1e-6, "loss");
      r.grads.forEach((g, i) => assertClose(g, r1.grads[i], 1e-6, 1e-6, `grad ${i}`));
      assert.deepEqual(r.paths, r1.paths);
      for (let b = 0; b < 3; b++) {
        for (let t = 0; t < r.gE[b].length; t++) {
          if (t >= lengths[b]) assert.ok(r.gE[b][t].every((v) => v === 0), `padded grad b${b} t${t}`);
          else assertClose(r.gE[b][t], r1.gE[b][t], 1e-6, 1e-6, `d emission b${b} t${t}`);
        }
      }
    }
    tf.dispose(mask2);
    small.dispose();
    crf.dispose();
  });

  Deno.test(`CRF: variables, names, errors, no leaks (${backend})`, async () => {
    await useBackend(backend);
    const a = new LinearChainCRF(3, createRng(1));
    const b = new LinearChainCRF(3, createRng(1));
    assert.notEqual(a.transitions.name, b.transitions.name);
    assert.equal(a.variables().length, 3);
    const named = new LinearChainCRF(5, createRng(1), { name: uniqueName("tagger"), end: false });
    assert.match(named.transitions.name, /^tagger_\d+\/transitions$/);
    assert.equal(named.variables().length, 2);
    assert.equal(named.end, undefined);
    assert.deepEqual(named.transitions.shape, [5, 5]);
    // Same seed ⇒ same weights.
    assertClose(a.transitions.dataSync(), b.transitions.dataSync(), 0);
    const batch = makeBatch(1, 3, 3, [2, 3]);
    assert.throws(
      () => a.negLogLikelihood(batch.emissions, batch.tags, tf.tensor2d([[1, 0, 1], [1, 1, 1]])),
      /not right-padded/,
    );
    assert.throws(
      () => a.negLogLikelihood(batch.emissions, batch.tags, tf.tensor2d([[0, 0, 0], [1, 1, 1]])),
      /empty/,
    );
    assert.throws(
      () => named.negLogLikelihood(batch.emissions, batch.tags, batch.mask),
      /should be \[B, T, 5\]/,
    );
    assert.throws(
      () =>
        a.negLogLikelihood(
          batch.emissions,
          tf.tensor2d([[5, 0, 0], [0, 0, 0]], undefined, "int32"),
          batch.mask,
        ),
      /tag 5/,
    );
    assert.throws(
      () => a.negLogLikelihood(batch.emissions, batch.tags, batch.mask, { costWeight: -1 }),
      /costWeight/,
    );
    assert.deepEqual(lengthsFromMask([1, 1, 0, 1, 0, 0], 2, 3), [2, 1]);
    // Repeated training-style steps leave no tensors behind.
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          a.negLogLikelihood(batch.emissions, batch.tags, batch.mask)
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      a.decode(batch.emissions, [2, 3]);
    }
    assert.equal(tf.memory().numTensors, before, "training steps leaked tensors");
    batch.dispose();
    for (const c of [a, b, named]) c.dispose();
    assert.deepEqual(viterbi([0, 1, 1, 0], 1, 2, 2, [0, 0, 0, 0], null, null, [0]), [[]]);
  });
}

Deno.test("CRF loss+gradient at training size is fast (B 32, T 60, K 17)", () => {
  const B = 32, T = 60, K = 17;
  const rng = createRng(3);
  const em = Float32Array.from({ length: B * T * K }, () => rng() * 4 - 2);
  const trans = Float32Array.from({ length: K * K }, () => rng() - 0.5);
  const tags = Int32Array.from({ length: B * T }, () => Math.floor(rng() * K));
  const lengths = Array.from({ length: B }, (_, b) => T - b);
  crfLossAndGrad(em, B, T, K, trans, trans.subarray(0, K), trans.subarray(K, 2 * K), tags, lengths, 0, true);
  const t0 = performance.now();
  const reps = 10;
  for (let i = 0; i < reps; i++) {
    crfLossAndGrad(
      em,
      B,
      T,
      K,
      trans,
      trans.subarray(0, K),
      trans.subarray(K, 2 * K),
      tags,
      lengths,
      0,
      true,
    );
  }
  const ms = (performance.now() - t0) / reps;
  // Generous bound (≈ 3 ms measured on the 2-core dev machine); guards against accidental O(K³) or allocation.
  assert.ok(ms < 50, `crfLossAndGrad took ${ms.toFixed(1)} ms`);
});

Deno.test("CRF device path (tensor ops, for webgpu) equals the host forward-backward: loss and gradients", async () => {
  const { setHostReadsAvailable } = await import("./ops.ts");
  for (const backend of testBackends()) {
    await useBackend(backend);
    const rng = createRng(31);
    const [B, T, K] = [4, 6, 5];
    const lengths = [6, 1, 3, 5];
    const emv = Float32Array.from({ length: B * T * K }, () => 3 * (2 * rng() - 1));
    const tagv = Int32Array.from({ length: B * T }, () => Math.floor(rng() * K));
    const maskv = Float32Array.from(
      { length: B * T },
      (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0),
    );
    for (const [bounds, cost] of [[true, 0], [false, 0], [true, 5]] as const) {
      const crf = new LinearChainCRF(K, rng, { name: uniqueName("crf_dev"), start: bounds, end: bounds });
      const run = (device: boolean) => {
        setHostReadsAvailable(device ? false : undefined);
        try {
          return tf.tidy(() => {
            const em = tf.tensor3d(emv, [B, T, K]);
            const f = (e: tf.Tensor) =>
              crf.negLogLikelihood(
                e as tf.Tensor3D,
                tf.tensor2d(tagv, [B, T], "int32"),
                tf.tensor2d(maskv, [B, T]),
                {
                  costWeight: cost,
                },
              );
            const { value, grads } = tf.variableGrads(() => f(em), crf.variables());
            const ge = tf.grad(f)(em);
            return [value, ge, ...crf.variables().map((v) => grads[v.name])].map((t) => t.dataSync());
          });
        } finally {
          setHostReadsAvailable(undefined);
        }
      };
      const host = run(false);
      const device = run(true);
      const what = `${backend}, start/end ${bounds}, cost ${cost}`;
      assertClose(device[0], host[0], 1e-5, 1e-5, `loss (${what})`);
      for (let i = 1; i < host.length; i++) {
        assertClose(device[i], host[i], 1e-5, 1e-5, `gradient ${i} (${what})`);
      }
      // decodeAsync gives decode's paths.
      const em = tf.tensor3d(emv, [B, T, K]);
      assert.deepEqual(await crf.decodeAsync(em, lengths), crf.decode(em, lengths));
      em.dispose();
      crf.dispose();
    }
  }
});
