/**
 * Tests of the keras_contrib CRF loss variant of {@link LinearChainCRF} (Perl et al. 2020, issue #14):
 * per-position normalisation and the dangling end transition of keras_contrib's unmasked log Z, against brute-force
 * enumeration and a literal float64 transcription of keras_contrib's `CRF.get_negative_log_likelihood` without a
 * mask (keras-contrib @ 3fc5ef7, `keras_contrib/layers/crf.py` l. 392–534).
 *
 * @module
 */

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "./init.ts";
import { crfLossAndGrad, KERAS_CONTRIB_CRF_OPTIONS, LinearChainCRF } from "./crf.ts";
import { setHostReadsAvailable } from "./ops.ts";
import {
  allPaths,
  assertClose,
  assertNoLeak,
  type CrfParams,
  crfPathScore,
  testBackends,
  uniqueName,
  useBackend,
} from "./_testing.ts";

/** Float64 host copies of everything a CRF loss depends on. */
interface Problem {
  B: number;
  T: number;
  K: number;
  em: Float64Array;
  trans: Float64Array;
  start: Float64Array | null;
  end: Float64Array | null;
  tags: Int32Array;
  lengths: number[];
}

function makeProblem(
  seed: number,
  K: number,
  T: number,
  lengths: number[],
  start: boolean,
  end: boolean,
): Problem {
  const rng = createRng(seed);
  const u = (s: number) => s * (2 * rng() - 1);
  const B = lengths.length;
  return {
    B,
    T,
    K,
    em: Float64Array.from({ length: B * T * K }, () => u(2)),
    trans: Float64Array.from({ length: K * K }, () => u(1)),
    start: start ? Float64Array.from({ length: K }, () => u(1)) : null,
    end: end ? Float64Array.from({ length: K }, () => u(1)) : null,
    tags: Int32Array.from({ length: B * T }, () => Math.floor(rng() * K)),
    lengths,
  };
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((acc, x) => acc + Math.exp(x - m), 0));
}

/**
 * Brute force over all K^L paths of each sentence: loss_b = log Σ_y exp(s(y) + transitions[y_{L−1}, d]) − s(gold)
 * (no `d` term when `dangling` is undefined), reduced as `"batch-mean"` or `"per-position"` (÷ L_b).
 */
function bruteForce(p: Problem, perPosition: boolean, dangling?: number): number {
  const params: CrfParams = { trans: p.trans, start: p.start, end: p.end };
  let sum = 0;
  for (let b = 0; b < p.B; b++) {
    const L = p.lengths[b];
    const gold = Array.from(p.tags.subarray(b * p.T, b * p.T + L));
    const scores: number[] = [];
    for (const y of allPaths(p.K, L)) {
      const extra = dangling === undefined ? 0 : p.trans[y[L - 1] * p.K + dangling];
      scores.push(crfPathScore(p.em, b, p.T, p.K, params, y) + extra);
    }
    const loss = logSumExp(scores) - crfPathScore(p.em, b, p.T, p.K, params, gold);
    sum += perPosition ? loss / L : loss;
  }
  return sum / p.B;
}

/**
 * keras_contrib's `crf_loss` without a mask, transcribed step by step in float64 in its own energy convention
 * (energy = −score: input energy u = −emissions, chain_kernel U = −transitions, left/right boundary = −start/−end),
 * then Keras's batch mean:
 * - `add_boundary_energy`, mask None (l. 395–399): u[:, 0] += left, then u[:, T−1] += right;
 * - `get_energy` (l. 419–430): Σ_t u_t[y_t] + Σ_{t<T−1} U[y_t, y_{t+1}];
 * - `recursion`/`step` (l. 501–534, 468–472): prev = 0; new[j] = logsumexp_i(−(U[i, j] + u_t[i] − prev[i]));
 *   log Z = prev[0] after the last step (l. 414);
 * - `get_negative_log_likelihood` (l. 446–450): (log Z + energy) / T.
 * Every sentence spans all T steps (no mask): `p.lengths` is ignored.
 */
function kerasContribLoss(p: Problem): number {
  const { B, T, K } = p;
  let sum = 0;
  for (let b = 0; b < B; b++) {
    const u = Array.from(
      { length: T },
      (_, t) => Array.from({ length: K }, (_, k) => -p.em[(b * T + t) * K + k]),
    );
    for (let k = 0; k < K; k++) u[0][k] += p.start ? -p.start[k] : 0;
    for (let k = 0; k < K; k++) u[T - 1][k] += p.end ? -p.end[k] : 0;
    const U = (i: number, j: number) => -p.trans[i * K + j];
    const y = (t: number) => p.tags[b * T + t];
    let energy = 0;
    for (let t = 0; t < T; t++) energy += u[t][y(t)];
    for (let t = 0; t < T - 1; t++) energy += U(y(t), y(t + 1));
    let prev = new Array<number>(K).fill(0);
    for (let t = 0; t < T; t++) {
      prev = Array.from(
        { length: K },
        (_, j) => logSumExp(Array.from({ length: K }, (_, i) => -(U(i, j) + u[t][i] - prev[i]))),
      );
    }
    sum += (prev[0] + energy) / T;
  }
  return sum / B;
}

/** A CRF whose variables hold `p`'s weights (rounded to float32); `p` is updated to the rounded values. */
function crfFor(p: Problem, opts: ConstructorParameters<typeof LinearChainCRF>[2] = {}): LinearChainCRF {
  const crf = new LinearChainCRF(p.K, createRng(1), {
    name: uniqueName("crf_keras"),
    start: p.start !== null,
    end: p.end !== null,
    ...opts,
  });
  const round = (a: Float64Array | null) => a?.set(Float32Array.from(a));
  [p.em, p.trans, p.start, p.end].forEach(round);
  tf.tidy(() => {
    crf.transitions.assign(tf.tensor2d(Float32Array.from(p.trans), [p.K, p.K]));
    if (p.start) crf.start!.assign(tf.tensor1d(Float32Array.from(p.start)));
    if (p.end) crf.end!.assign(tf.tensor1d(Float32Array.from(p.end)));
  });
  return crf;
}

function tensors(p: Problem): { em: tf.Tensor3D; tags: tf.Tensor2D; mask: tf.Tensor2D } {
  const mask = Float32Array.from(
    { length: p.B * p.T },
    (_, i) => (i % p.T < p.lengths[Math.floor(i / p.T)] ? 1 : 0),
  );
  return {
    em: tf.tensor3d(Float32Array.from(p.em), [p.B, p.T, p.K]),
    tags: tf.tensor2d(p.tags, [p.B, p.T], "int32"),
    mask: tf.tensor2d(mask, [p.B, p.T]),
  };
}

const CONFIGS: { K: number; T: number; lengths: number[]; start: boolean; end: boolean }[] = [
  { K: 3, T: 4, lengths: [4, 2, 1], start: true, end: true },
  { K: 4, T: 3, lengths: [3, 1, 2], start: true, end: false },
  { K: 2, T: 5, lengths: [5, 3], start: false, end: true },
  { K: 3, T: 3, lengths: [1, 3], start: false, end: false },
  { K: 3, T: 1, lengths: [1, 1], start: true, end: true }, // start and end on the same step
];

Deno.test("keras_contrib transcription (no mask) equals brute force with a dangling transition to tag 0, ÷ T", () => {
  for (const [ci, cfg] of CONFIGS.entries()) {
    const p = makeProblem(10 + ci, cfg.K, cfg.T, cfg.lengths.map(() => cfg.T), cfg.start, cfg.end);
    const keras = kerasContribLoss(p);
    assertClose([keras], [bruteForce(p, true, 0)], 1e-12, 1e-12, `config ${ci}`);
    // …and it is not the true NLL / T: the dangling term matters.
    assert.ok(Math.abs(keras - bruteForce(p, true)) > 1e-6, `config ${ci}: dangling term had no effect`);
  }
});

for (const backend of testBackends()) {
  Deno.test(`CRF per-position loss and dangling transition equal brute force (${backend})`, async () => {
    await useBackend(backend);
    for (const [ci, cfg] of CONFIGS.entries()) {
      for (const full of [true, false]) {
        // full: all-ones mask over T (keras_contrib without a mask); else the ragged lengths.
        const p = makeProblem(
          100 + ci,
          cfg.K,
          cfg.T,
          full ? cfg.lengths.map(() => cfg.T) : cfg.lengths,
          cfg.start,
          cfg.end,
        );
        const crf = crfFor(p);
        const t = tensors(p);
        const cases: [string, Parameters<LinearChainCRF["negLogLikelihood"]>[3], number][] = [
          ["per-position", { lossNormalization: "per-position" }, bruteForce(p, true)],
          ["dangling 0", { danglingEndTransition: 0 }, bruteForce(p, false, 0)],
          ["dangling K−1", { danglingEndTransition: cfg.K - 1 }, bruteForce(p, false, cfg.K - 1)],
          [
            "keras",
            { lossNormalization: "per-position", danglingEndTransition: 0 },
            full ? kerasContribLoss(p) : bruteForce(p, true, 0),
          ],
        ];
        for (const [what, opts, expected] of cases) {
          await assertNoLeak(() => {
            const v = crf.negLogLikelihood(t.em, t.tags, t.mask, opts);
            assertClose(v.dataSync(), [expected], 1e-5, 1e-5, `${what}, config ${ci}, full ${full}`);
            v.dispose();
          }, what);
        }
        // With an all-ones mask, per-position is exactly the batch-mean NLL / T.
        if (full) {
          const a = crf.negLogLikelihood(t.em, t.tags, t.mask, { lossNormalization: "per-position" });
          const b = crf.negLogLikelihood(t.em, t.tags, t.mask);
          assertClose(a.dataSync(), [b.dataSync()[0] / cfg.T], 1e-6, 1e-6, "NLL / T");
          tf.dispose([a, b]);
        }
        // The preset, as a constructor default, and overridable per call.
        const preset = crfFor(p, KERAS_CONTRIB_CRF_OPTIONS);
        if (cfg.start && cfg.end) {
          const v = preset.negLogLikelihood(t.em, t.tags, t.mask);
          assertClose(v.dataSync(), [cases[3][2]], 1e-5, 1e-5, "preset");
          const w = preset.negLogLikelihood(t.em, t.tags, t.mask, { lossNormalization: "batch-mean" });
          assertClose(w.dataSync(), [bruteForce(p, false, 0)], 1e-5, 1e-5, "preset, batch-mean override");
          tf.dispose([v, w]);
        }
        tf.dispose([t.em, t.tags, t.mask]);
        crf.dispose();
        preset.dispose();
      }
    }
  });

  Deno.test(`CRF keras variant: gradients equal float64 finite differences, no leaks (${backend})`, async () => {
    await useBackend(backend);
    for (const [ci, cfg] of CONFIGS.entries()) {
      for (const full of [true, false]) {
        const p = makeProblem(
          200 + ci,
          cfg.K,
          cfg.T,
          full ? cfg.lengths.map(() => cfg.T) : cfg.lengths,
          cfg.start,
          cfg.end,
        );
        const crf = crfFor(p, { lossNormalization: "per-position", danglingEndTransition: 0 });
        const t = tensors(p);
        // The reference is independent of crfLossAndGrad: keras_contrib's recursion (full) or brute force.
        const ref = () => (full ? kerasContribLoss(p) : bruteForce(p, true, 0));
        const fd = (arr: Float64Array) =>
          Array.from(arr, (_, i) => {
            const h = 1e-5;
            const v = arr[i];
            arr[i] = v + h;
            const up = ref();
            arr[i] = v - h;
            const down = ref();
            arr[i] = v;
            return (up - down) / (2 * h);
          });
        const fdEm = fd(p.em);
        const fdTrans = fd(p.trans);
        const fdStart = p.start ? fd(p.start) : null;
        const fdEnd = p.end ? fd(p.end) : null;
        const what = `config ${ci}, full ${full}`;
        await assertNoLeak(() => {
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(
              () => crf.negLogLikelihood(t.em, t.tags, t.mask),
              crf.variables(),
            );
            assertClose(value.dataSync(), [ref()], 1e-5, 1e-5, `value (${what})`);
            assertClose(
              grads[crf.transitions.name].dataSync(),
              fdTrans,
              1e-5,
              1e-4,
              `d transitions (${what})`,
            );
            if (crf.start) {
              assertClose(grads[crf.start.name].dataSync(), fdStart!, 1e-5, 1e-4, `d start (${what})`);
            }
            if (crf.end) assertClose(grads[crf.end.name].dataSync(), fdEnd!, 1e-5, 1e-4, `d end (${what})`);
            const gEm = tf.grad((e: tf.Tensor) => crf.negLogLikelihood(e as tf.Tensor3D, t.tags, t.mask))(
              t.em,
            );
            assertClose(gEm.dataSync(), fdEm, 1e-5, 1e-4, `d emissions (${what})`);
          });
        }, "keras variant gradients");
        tf.dispose([t.em, t.tags, t.mask]);
        crf.dispose();
      }
    }
  });
}

Deno.test("CRF keras variant: default behaviour is bit-identical, explicit batch-mean and empty options too", async () => {
  for (const backend of testBackends()) {
    await useBackend(backend);
    const p = makeProblem(300, 4, 5, [5, 2, 4], true, true);
    const crf = crfFor(p);
    const t = tensors(p);
    const run = (opts?: Parameters<LinearChainCRF["negLogLikelihood"]>[3]) =>
      tf.tidy(() => {
        const f = (e: tf.Tensor) => crf.negLogLikelihood(e as tf.Tensor3D, t.tags, t.mask, opts);
        const { value, grads } = tf.variableGrads(() => f(t.em), crf.variables());
        return [value, tf.grad(f)(t.em), ...crf.variables().map((v) => grads[v.name])].map((x) =>
          Array.from(x.dataSync())
        );
      });
    const base = run();
    assert.deepEqual(run({ lossNormalization: "batch-mean" }), base);
    assert.deepEqual(run({ costWeight: 0, danglingEndTransition: undefined }), base);
    const args = [p.em, p.B, p.T, p.K, p.trans, p.start, p.end, p.tags, p.lengths, 0.5, true] as const;
    assert.deepEqual(crfLossAndGrad(...args, {}), crfLossAndGrad(...args));
    assert.deepEqual(crfLossAndGrad(...args, { sentenceWeights: [1, 1, 1] }), crfLossAndGrad(...args));
    tf.dispose([t.em, t.tags, t.mask]);
    crf.dispose();
  }
});

Deno.test("CRF keras variant: device path (tensor ops, for webgpu) equals the host forward–backward", async () => {
  for (const backend of testBackends()) {
    await useBackend(backend);
    // T ≥ 2 only: the device path's gradient fails at T = 1 whatever the options (tfjs `stack` error in the
    // default path too; a pre-existing limitation, not part of this variant).
    for (const [ci, cfg] of CONFIGS.entries()) {
      if (cfg.T < 2) continue;
      const p = makeProblem(400 + ci, cfg.K, cfg.T, cfg.lengths, cfg.start, cfg.end);
      const crf = crfFor(p);
      const t = tensors(p);
      for (
        const opts of [
          { lossNormalization: "per-position" as const },
          { danglingEndTransition: 0 },
          { lossNormalization: "per-position" as const, danglingEndTransition: cfg.K - 1, costWeight: 2 },
        ]
      ) {
        const run = (device: boolean) => {
          setHostReadsAvailable(device ? false : undefined);
          try {
            return tf.tidy(() => {
              const f = (e: tf.Tensor) => crf.negLogLikelihood(e as tf.Tensor3D, t.tags, t.mask, opts);
              const { value, grads } = tf.variableGrads(() => f(t.em), crf.variables());
              return [value, tf.grad(f)(t.em), ...crf.variables().map((v) => grads[v.name])].map((x) =>
                x.dataSync()
              );
            });
          } finally {
            setHostReadsAvailable(undefined);
          }
        };
        const host = run(false);
        const device = run(true);
        const what = `${backend}, config ${ci}, ${JSON.stringify(opts)}`;
        for (let i = 0; i < host.length; i++) {
          assertClose(device[i], host[i], 1e-5, 1e-5, `output ${i} (${what})`);
        }
      }
      tf.dispose([t.em, t.tags, t.mask]);
      crf.dispose();
    }
  }
});

Deno.test("CRF keras variant: the dangling transition lets the loss go negative (keras-contrib issue #278)", async () => {
  await useBackend(testBackends()[0]);
  const p = makeProblem(500, 3, 4, [4, 4], true, true);
  // Gold avoids tag 0 and is favoured by its emissions; transitions[·, 0] = −20 only enter the keras log Z.
  for (let i = 0; i < p.tags.length; i++) {
    p.tags[i] = 1 + (p.tags[i] % (p.K - 1));
    p.em[i * p.K + p.tags[i]] += 3;
  }
  for (let i = 0; i < p.K; i++) p.trans[i * p.K] = -20;
  const crf = crfFor(p, KERAS_CONTRIB_CRF_OPTIONS);
  const t = tensors(p);
  const keras = crf.negLogLikelihood(t.em, t.tags, t.mask);
  const nll = crf.negLogLikelihood(t.em, t.tags, t.mask, { danglingEndTransition: null });
  assert.ok(keras.dataSync()[0] < 0, `keras_contrib loss ${keras.dataSync()[0]} should be negative here`);
  assert.ok(nll.dataSync()[0] > 0, "the true NLL is positive");
  tf.dispose([keras, nll, t.em, t.tags, t.mask]);
  crf.dispose();
});

Deno.test("CRF keras variant: option errors", () => {
  const bad = "per-token" as unknown as "per-position";
  assert.throws(() => new LinearChainCRF(3, createRng(1), { lossNormalization: bad }), /lossNormalization/);
  assert.throws(
    () => new LinearChainCRF(3, createRng(1), { danglingEndTransition: 3 }),
    /danglingEndTransition/,
  );
  assert.throws(
    () => new LinearChainCRF(3, createRng(1), { danglingEndTransition: 0.5 }),
    /danglingEndTransition/,
  );
  const crf = new LinearChainCRF(3, createRng(1), { name: uniqueName("crf_keras_err") });
  const p = makeProblem(600, 3, 2, [2], true, true);
  const t = tensors(p);
  assert.throws(
    () => crf.negLogLikelihood(t.em, t.tags, t.mask, { lossNormalization: bad }),
    /lossNormalization/,
  );
  assert.throws(() => crf.negLogLikelihood(t.em, t.tags, t.mask, { danglingEndTransition: -1 }), /\[0, 3\)/);
  assert.throws(
    () =>
      crfLossAndGrad(p.em, 1, 2, 3, p.trans, null, null, p.tags, [2], 0, false, { danglingEndTransition: 3 }),
    /danglingEndTransition/,
  );
  assert.equal(crf.lossNormalization, "batch-mean");
  assert.equal(crf.danglingEndTransition, undefined);
  tf.dispose([t.em, t.tags, t.mask]);
  crf.dispose();
});
