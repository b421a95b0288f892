import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, deriveSeed } from "../../models/init.ts";
import { Adam } from "../../models/optim.ts";
import { uniqueName, useBackend } from "../../models/_testing.ts";
import { decodeCheckpointData, encodeCheckpointData } from "./checkpoint.ts";
import {
  type EvaluationContext,
  type LoopCheckpoint,
  type LoopCheckpointHooks,
  type LoopHooks,
  type LoopProgress,
  type LoopSpec,
  LoopSpecError,
  runLoop,
  type StepContext,
  validateLoopSpec,
} from "./loop.ts";

/** A fake model: one trainable vector w, loss of a batch = mean over its items of ‖w − x‖². */
class Toy {
  readonly w: tf.Variable;
  constructor(dim: number, init = 0) {
    this.w = tf.tidy(() => tf.variable(tf.fill([dim], init), true, uniqueName("toy")));
  }
  loss(xs: number[][]): tf.Scalar {
    return tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(this.w, tf.tensor2d(xs))), 1)));
  }
  /** One optimiser step on `xs`; resolves to the batch loss. */
  async step(opt: Adam, xs: number[][]): Promise<number> {
    const { value, grads } = tf.variableGrads(() => this.loss(xs), [this.w]);
    opt.step(grads);
    tf.dispose(grads);
    const v = (await value.data())[0];
    value.dispose();
    return v;
  }
  /** Loss on `xs` without updating. */
  async score(xs: number[][]): Promise<number> {
    const l = this.loss(xs);
    const v = (await l.data())[0];
    l.dispose();
    return v;
  }
  values(): number[] {
    return Array.from(this.w.dataSync());
  }
  dispose(): void {
    this.w.dispose();
  }
}

/** `n` points around `center` (seeded uniform noise of half-width `spread`). */
function points(seed: number, n: number, center: number[], spread: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => center.map((c) => c + spread * (2 * rng() - 1)));
}

/** Runs `f` and asserts that it leaves the number of live tensors unchanged. */
async function noLeak<T>(f: () => Promise<T>): Promise<T> {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const out = await f();
  assert.equal(tf.memory().numTensors, before, "the loop test leaked tensors");
  return out;
}

Deno.test("runLoop joint-sum (DATNet rule): one batch per stream per step, capped epochs, inverse-time lr, eval every 2 + last", async () => {
  await noLeak(async () => {
    const toy = new Toy(2);
    const adam = new Adam([toy.w], { lr: 0.05 });
    const tgt = points(1, 8, [1, 1], 0.5);
    const src = points(2, 20, [1, -1], 0.5);
    const steps: { ctx: StepContext; loss: number; adamLr: number }[] = [];
    const progress: LoopProgress[] = [];
    const spec: LoopSpec = {
      streams: [
        { name: "target", size: 8, batchSize: 4, order: "shuffled" },
        { name: "source", size: 20, batchSize: 4, order: "shuffled" },
      ],
      schedule: {
        kind: "joint-sum",
        streams: ["target", "source"],
        epoch: { by: "passes", combine: "max", caps: { source: 3 } },
      },
      lr: { adam: { kind: "inverse-time", lr: 0.05, decay: 0.05 } },
      evaluation: { cadence: { kind: "epochs", every: 2, last: true }, final: "if-unevaluated" },
      selection: "max dev/f1",
      patience: { evaluations: 0, monitor: "max dev/f1" },
      budget: { maxEpochs: 5 },
      progress: { unit: "epoch", metric: "dev/f1" },
    };
    const out = await runLoop(spec, {
      rngs: { streams: { target: createRng(3), source: createRng(4) } },
      optimizers: { adam },
      step: async (ctx) => {
        const xs = ctx.batches.flatMap((b) => b.ids.map((i) => (b.stream === "target" ? tgt[i] : src[i])));
        const loss = await toy.step(adam, xs);
        steps.push({ ctx, loss, adamLr: adam.lr });
        return { loss, tokens: xs.length };
      },
      evaluate: async () => ({ metrics: { "dev/f1": -(await toy.score(tgt)) }, artifact: toy.values() }),
      onProgress: (p) => progress.push(p),
    });
    // max(2 target batches, min(5 source batches, cap 3)) = 3 steps per epoch, 5 epochs.
    assert.equal(out.iterations, 15);
    assert.ok(steps.every((s) => s.ctx.batches.map((b) => b.stream).join() === "target,source"));
    assert.deepEqual(steps.map((s) => s.ctx.iterationInEpoch), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    // The target (2 batches per pass) is cycled across epoch boundaries; the source is read 3 batches per epoch.
    assert.deepEqual(steps.map((s) => s.ctx.batches[0].endOfPass).slice(0, 4), [false, true, false, true]);
    assert.deepEqual(out.streamIterations, { target: 15, source: 15 });
    assert.deepEqual(out.state.streams.source, { passesCompleted: 3, position: 0, batchesTaken: 15 });
    // lr of epoch e: 0.05 / (1 + 0.05·(e−1)), set on the optimiser before the epoch's first step.
    const lrs = [1, 2, 3, 4, 5].map((e) => 0.05 / (1 + 0.05 * (e - 1)));
    assert.deepEqual(out.epochs.map((e) => e.lr.adam), lrs);
    assert.deepEqual(steps.map((s) => s.adamLr), lrs.flatMap((l) => [l, l, l]));
    assert.deepEqual(steps.map((s) => s.ctx.lr.adam), steps.map((s) => s.adamLr));
    // Epoch losses: Σ step losses / steps, in order.
    out.epochs.forEach((e, k) => {
      const ls = steps.slice(3 * k, 3 * k + 3).map((s) => s.loss);
      assert.equal(e.loss, (ls[0] + ls[1] + ls[2]) / 3);
      assert.equal(e.metrics["train/loss"], e.loss);
      assert.equal(e.iterations, 3);
      assert.equal(e.tokens, 24);
      assert.ok(e.complete);
    });
    // Evaluations after epochs 2, 4 and the last (5); the first best is kept.
    assert.deepEqual(out.evaluations.map((e) => [e.epochsCompleted, e.iteration, e.trigger]), [
      [2, 6, "cadence"],
      [4, 12, "cadence"],
      [5, 15, "cadence"],
    ]);
    assert.deepEqual(out.epochs.map((e) => e.evaluation), [undefined, 0, undefined, 1, 2]);
    const f1s = out.evaluations.map((e) => e.metrics["dev/f1"]);
    assert.equal(out.selected!.evaluation.metrics["dev/f1"], Math.max(...f1s));
    assert.equal(out.selected!.evaluation.index, f1s.indexOf(Math.max(...f1s)));
    // train/loss of an evaluation: mean over the steps since the previous one.
    const l = steps.map((s) => s.loss);
    assert.equal(out.evaluations[2].metrics["train/loss"], (l[12] + l[13] + l[14]) / 3);
    assert.equal(out.stopReason, "max-epochs");
    // Progress in epochs, with the dev/f1 score on evaluated iterations.
    assert.equal(progress.length, 15);
    assert.ok(progress.every((p) => p.unit === "epoch" && p.total === 5 && p.iterationsPerEpoch === 3));
    assert.deepEqual(progress.map((p) => p.done), [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5]);
    assert.deepEqual(
      progress.filter((p) => p.score).map((p) => [p.iteration, p.score!.key, p.score!.value]),
      out.evaluations.map((e) => [e.iteration, "dev/f1", e.metrics["dev/f1"]]),
    );
    adam.dispose();
    toy.dispose();
  });
});

Deno.test("runLoop alternate with one optimiser per resource (released DATNet: single-resource batches)", async () => {
  await noLeak(async () => {
    const toy = new Toy(2);
    const opts = { target: new Adam([toy.w]), source: new Adam([toy.w]) };
    const data = { target: points(5, 8, [1, 0], 0.2), source: points(6, 24, [0, 1], 0.2) };
    const seen: [string, number, number][] = [];
    const out = await runLoop({
      streams: [
        { name: "target", size: 8, batchSize: 4, order: "shuffled" },
        { name: "source", size: 24, batchSize: 4, order: "shuffled" },
      ],
      schedule: { kind: "alternate", streams: ["target", "source"], epoch: { by: "passes", combine: "sum" } },
      lr: {
        target: { kind: "inverse-time", lr: 0.01, decay: 0.05 },
        source: { kind: "inverse-time", lr: 0.02, decay: 0.05 },
      },
      evaluation: { cadence: { kind: "epochs", every: 1 }, final: "never" },
      selection: "last",
      budget: { maxEpochs: 2 },
    }, {
      rngs: { streams: { target: createRng(7), source: createRng(8) } },
      optimizers: opts,
      step: async ({ batches: [b] }) => {
        const name = b.stream as "target" | "source";
        seen.push([name, opts[name].lr, b.index]);
        return { loss: await toy.step(opts[name], b.ids.map((i) => data[name][i])) };
      },
      evaluate: () => Promise.resolve({ metrics: {} }),
    });
    // An epoch is 2 + 6 = 8 alternating iterations; each resource's own Adam counts its own steps.
    assert.equal(out.iterations, 16);
    assert.deepEqual(seen.slice(0, 4).map((s) => s[0]), ["target", "source", "target", "source"]);
    assert.deepEqual(out.streamIterations, { target: 8, source: 8 });
    assert.equal(opts.target.t, 8);
    assert.equal(opts.source.t, 8);
    assert.deepEqual(seen[0], ["target", 0.01, 0]);
    assert.deepEqual(seen[1], ["source", 0.02, 0]);
    assert.deepEqual(seen[9], ["source", 0.02 / 1.05, 4], "epoch 2: both rates decayed");
    assert.deepEqual(out.epochs.map((e) => e.lr), [{ target: 0.01, source: 0.02 }, {
      target: 0.01 / 1.05,
      source: 0.02 / 1.05,
    }]);
    // One-stream iterations: per-stream window losses; selection "last".
    assert.ok(Number.isFinite(out.evaluations[1].metrics["train/loss_target"]));
    assert.ok(Number.isFinite(out.evaluations[1].metrics["train/loss_source"]));
    assert.equal(out.selected!.evaluation.index, 1);
    opts.target.dispose();
    opts.source.dispose();
    toy.dispose();
  });
});

Deno.test("runLoop sample schedule: seeded task draws by probability; epochs are the target's passes", async () => {
  const run = async () => {
    const order: string[] = [];
    const out = await runLoop({
      streams: [
        { name: "target", size: 4, batchSize: 2, order: "sequential" },
        { name: "source", size: 6, batchSize: 2, order: "sequential" },
      ],
      schedule: {
        kind: "sample",
        streams: ["target", "source"],
        probabilities: { target: 1, source: 3 },
        epoch: { by: "stream", stream: "target" },
      },
      evaluation: { cadence: { kind: "never" }, stream: "target", final: "if-unevaluated" },
      selection: "max test/f1",
      budget: { maxIterations: 400 },
      progress: { unit: "iteration" },
    }, {
      rngs: { schedule: createRng(11) },
      step: ({ batches: [b] }) => {
        order.push(b.stream);
        return Promise.resolve({ loss: 1 });
      },
      evaluate: () => Promise.resolve({ metrics: { "test/f1": 1 } }),
    });
    return { order, out };
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a.order, b.order);
  const src = a.out.streamIterations.source / 400;
  assert.ok(src > 0.68 && src < 0.82, `source drawn ${src}`);
  assert.equal(a.out.epochsCompleted, Math.floor(a.out.streamIterations.target / 2));
  assert.equal(a.out.stopReason, "max-iterations");
  assert.deepEqual(a.out.evaluations.map((e) => e.trigger), ["final"]);
});

/** A loop of two alternating sequential streams (a: 2 items, b: 5), batch 1, epochs = passes of a. */
function twoStreams(over: Partial<LoopSpec>): LoopSpec {
  return {
    streams: [
      { name: "a", size: 2, batchSize: 1, order: "sequential" },
      { name: "b", size: 5, batchSize: 1, order: "sequential" },
    ],
    schedule: { kind: "alternate", streams: ["a", "b"], epoch: { by: "stream", stream: "a" } },
    evaluation: { cadence: { kind: "epochs", every: 1 }, stream: "a", final: "if-unevaluated" },
    selection: "max dev/score",
    budget: { maxIterations: 4 },
    ...over,
  };
}

function constantHooks(
  scores: number[],
  losses: (number | null)[] = [],
): LoopHooks<number> & { contexts: EvaluationContext[] } {
  const contexts: EvaluationContext[] = [];
  let it = 0;
  return {
    contexts,
    step: () => Promise.resolve({ loss: losses.length ? losses[it++ % losses.length] : 1 }),
    evaluate: (ctx) => {
      contexts.push(ctx);
      return Promise.resolve({ metrics: { "dev/score": scores[ctx.index] ?? 0 }, artifact: ctx.index });
    },
  };
}

Deno.test("runLoop final evaluation: only when an iteration of the evaluation stream came after the last one", async () => {
  // Iterations: 1 a, 2 b, 3 a (ends a's pass: epoch 1, evaluated), 4 b, 5 a.
  const at = async (spec: LoopSpec) =>
    (await runLoop(spec, constantHooks([1, 2]))).evaluations.map((e) => [e.iteration, e.trigger]);
  assert.deepEqual(await at(twoStreams({})), [[3, "cadence"]], "iteration 4 is b's: no final evaluation");
  assert.deepEqual(await at(twoStreams({ budget: { maxIterations: 5 } })), [[3, "cadence"], [5, "final"]]);
  const anyStream = twoStreams({
    evaluation: { cadence: { kind: "epochs", every: 1 }, final: "if-unevaluated" },
  });
  assert.deepEqual(await at(anyStream), [[3, "cadence"], [4, "final"]]);
  const never = twoStreams({
    budget: { maxIterations: 5 },
    evaluation: { cadence: { kind: "epochs", every: 1 }, final: "never" },
  });
  assert.deepEqual(await at(never), [[3, "cadence"]]);
  // Nothing evaluated yet: always a final evaluation.
  assert.deepEqual(await at(twoStreams({ budget: { maxIterations: 2 } })), [[2, "final"]]);
});

Deno.test("runLoop: per-stream training losses of the window, null losses (empty batches) skipped", async () => {
  // Losses by iteration: a 1, b 10, a null (ends epoch 1: evaluated), b 20, a 3 (final).
  const hooks = constantHooks([1, 2], [1, 10, null, 20, 3]);
  const out = await runLoop(twoStreams({ budget: { maxIterations: 5 } }), hooks);
  assert.deepEqual(hooks.contexts.map((c) => c.trainLoss), [
    { all: 11 / 2, byStream: { a: 1, b: 10 }, parts: {} },
    { all: 23 / 2, byStream: { a: 3, b: 20 }, parts: {} },
  ]);
  assert.deepEqual(out.epochs.map((e) => [e.epoch, e.iterations, e.complete, e.loss]), [
    [1, 3, true, 11 / 2],
    [2, 2, false, 23 / 2],
  ]);
  assert.equal(out.evaluations[0].metrics["train/loss_a"], 1);
});

Deno.test("runLoop patience and budgets: stop order patience, epochs, iterations; first best kept", async () => {
  const spec = (over: Partial<LoopSpec>) =>
    twoStreams({
      evaluation: { cadence: { kind: "steps", every: 1 }, final: "if-unevaluated" },
      budget: { maxIterations: 100 },
      ...over,
    });
  // Scores 1, 3, 3, 2, …: selection stays at index 1 (tie kept first); patience 2 on the selection stops at 4.
  const p = await runLoop(
    spec({ patience: { evaluations: 2, monitor: "selection" } }),
    constantHooks([1, 3, 3, 2, 5]),
  );
  assert.equal(p.stopReason, "early-stopping");
  assert.equal(p.iterations, 4);
  assert.equal(p.selected!.evaluation.index, 1);
  assert.equal(p.selected!.artifact, 1);
  assert.deepEqual(p.state.patience, { best: -Infinity, since: 2 });
  // Patience and the epoch budget both due at iteration 3 (a's first pass ends there): patience wins, as in
  // trainYang (trainTagger then reports no early stop, since the budget's last epoch was reached).
  const both = await runLoop(
    spec({
      patience: { evaluations: 1, monitor: "selection" },
      budget: { maxEpochs: 1, maxIterations: 100 },
    }),
    constantHooks([5, 6, 4]),
  );
  assert.deepEqual([both.stopReason, both.iterations, both.epochsCompleted], ["early-stopping", 3, 1]);
  const epochs = await runLoop(spec({ budget: { maxEpochs: 2, maxIterations: 100 } }), constantHooks([]));
  assert.deepEqual([epochs.stopReason, epochs.iterations, epochs.epochsCompleted], ["max-epochs", 7, 2]);
  const its = await runLoop(spec({ budget: { maxEpochs: 2, maxIterations: 6 } }), constantHooks([]));
  assert.deepEqual([its.stopReason, its.iterations, its.epochsCompleted], ["max-iterations", 6, 1]);
});

Deno.test("runLoop: the state is plain data; a diverging loss throws; missing metrics throw", async () => {
  const out = await runLoop(twoStreams({}), constantHooks([1]));
  const s = out.state;
  const plain = (x: unknown): boolean =>
    x === null || typeof x !== "object"
      ? typeof x !== "function"
      : (Array.isArray(x) || Object.getPrototypeOf(x) === Object.prototype) && Object.values(x).every(plain);
  assert.ok(plain(s));
  assert.deepEqual(structuredClone(s), s);
  assert.deepEqual(s.streams.a, { passesCompleted: 1, position: 0, batchesTaken: 2 });
  assert.deepEqual(s.streams.b, { passesCompleted: 0, position: 2, batchesTaken: 2 });
  assert.deepEqual(s.rngStates, { streams: {} }, "sequential streams: no Rng");
  assert.deepEqual(s.passes, { b: [[0], [1], [2], [3], [4]] }, "b is in the middle of a pass");
  assert.deepEqual(s.selection, { index: 0, value: 1 });
  await assert.rejects(
    () => runLoop(twoStreams({}), constantHooks([1], [1, NaN])),
    /Training diverged: loss NaN at iteration 2 \(epoch 1, iteration 2 of the epoch; streams b\)/,
  );
  await assert.rejects(
    () => runLoop(twoStreams({ selection: "max dev/f1" }), constantHooks([1])),
    /Selection rule "max dev\/f1" needs metric "dev\/f1", but the evaluation gave train\/loss, train\/loss_a, train\/loss_b, dev\/score/,
  );
});

Deno.test("validateLoopSpec: checks a declaration without running it", () => {
  validateLoopSpec(twoStreams({}));
  validateLoopSpec({
    ...twoStreams({}),
    streams: [{ name: "a", size: 2, batchSize: 1, order: "shuffled" }, {
      name: "b",
      size: 1,
      batchSize: 1,
      order: "shuffled",
    }],
  });
  const bad: [Partial<LoopSpec>, RegExp][] = [
    [{ streams: [] }, /needs at least one stream/],
    [{
      streams: [{ name: "a", size: 2, batchSize: 1, order: "sequential" }, {
        name: "a",
        size: 2,
        batchSize: 1,
        order: "sequential",
      }],
    }, /Stream "a" is declared twice/],
    [{ schedule: { kind: "joint-sum", streams: ["c"] } }, /names stream "c", which is not declared/],
    [{ selection: "best" }, /Invalid selection rule "best": expected "max <split>\/<metric>"/],
    [{ budget: {} }, /needs a budget: maxEpochs and\/or maxIterations/],
    [{ budget: { maxEpochs: 0 } }, /Budget maxEpochs must be an integer ≥ 1/],
    [
      { evaluation: { cadence: { kind: "epochs", every: 1 }, stream: "z", final: "never" } },
      /Evaluation stream "z" is not declared/,
    ],
    [
      { evaluation: { cadence: { kind: "epochs", every: 1 }, final: "always" as never } },
      /final must be "if-unevaluated" or "never"/,
    ],
    [{ patience: { evaluations: 2, monitor: "dev/f1" } }, /Invalid selection rule "dev\/f1"/],
    [{ lr: { g: { kind: "exponential", lr: 1, factor: 0 } } }, /"g" factor must be a finite number > 0/],
    [{ progress: { unit: "minutes" as never } }, /Progress unit must be "epoch", "iteration" or "step"/],
  ];
  for (const [over, re] of bad) {
    assert.throws(
      () => validateLoopSpec(twoStreams(over)),
      (e: Error) => e instanceof LoopSpecError && re.test(e.message),
      String(re),
    );
  }
  const hooks = {
    optimizers: { adam: { lr: 1 } },
    step: () => Promise.reject(),
    evaluate: () => Promise.reject(),
  };
  assert.throws(
    () => validateLoopSpec(twoStreams({}), hooks),
    /Optimiser "adam" has no learning-rate schedule of its name/,
  );
  const shuffled = twoStreams({
    streams: [{ name: "a", size: 2, batchSize: 1, order: "shuffled" }, {
      name: "b",
      size: 2,
      batchSize: 1,
      order: "sequential",
    }],
  });
  assert.throws(
    () => validateLoopSpec(shuffled, { step: hooks.step, evaluate: hooks.evaluate }),
    /Stream "a" is shuffled but no Rng/,
  );
});

/**
 * Contract: perl2020's released Keras protocol as loop settings (the released code: Adam lr 0.01, batch
 * 64, 60 epochs, ReduceLROnPlateau on the training CRF loss ×0.1 after 5, transfer keeps the best-training-loss
 * snapshot, baseline the final weights), on a fake model whose loss is a "CRF" part plus a "reconstruction" part.
 */
Deno.test("contract perl2020: Adam 0.01, batch 64, 60 epochs, plateau on train CRF loss, best-loss snapshot / last", async () => {
  await noLeak(async () => {
    const n = 256;
    const crfData = points(21, n, [0.3, -0.2], 3);
    const recData = points(22, n, [0.1], 3);
    const perl = (selection: string): LoopSpec => ({
      streams: [{ name: "train", size: n, batchSize: 64, order: "shuffled" }],
      schedule: { kind: "joint-sum", streams: ["train"] },
      lr: {
        adam: { kind: "plateau", lr: 0.01, monitor: "train/crf_loss", mode: "min", factor: 0.1, patience: 5 },
      },
      evaluation: { cadence: { kind: "epochs", every: 1, last: true }, final: "never" },
      selection,
      budget: { maxEpochs: 60 },
    });
    const run = async (selection: string) => {
      const crf = new Toy(2, 0.3);
      const rec = new Toy(1, 0.1);
      const adam = new Adam([crf.w, rec.w], { lr: 0.01 });
      const stepLr: number[] = [];
      const seed = createRng(5);
      const out = await runLoop<number[]>(perl(selection), {
        rngs: { streams: { train: createRng(deriveSeed(seed)) } },
        optimizers: { adam },
        step: async ({ batches: [b], lr }) => {
          stepLr.push(adam.lr);
          assert.equal(adam.lr, lr.adam);
          const xc = b.ids.map((i) => crfData[i]);
          const xr = b.ids.map((i) => recData[i]);
          const c = await crf.score(xc);
          const r = await rec.score(xr);
          const { value, grads } = tf.variableGrads(() => tf.add(crf.loss(xc), rec.loss(xr)) as tf.Scalar, [
            crf.w,
            rec.w,
          ]);
          adam.step(grads);
          tf.dispose(grads);
          value.dispose();
          return { loss: c + r, parts: { crf_loss: c, rec_loss: r } };
        },
        evaluate: () => Promise.resolve({ metrics: {}, artifact: [...crf.values(), ...rec.values()] }),
      });
      const final = [...crf.values(), ...rec.values()];
      adam.dispose();
      crf.dispose();
      rec.dispose();
      return { out, stepLr, final };
    };
    const transfer = await run("min train/loss");
    const { out } = transfer;
    assert.equal(out.epochs.length, 60);
    assert.equal(out.stopReason, "max-epochs");
    assert.ok(out.epochs.every((e) => e.iterations === 4));
    // The lr trajectory is Keras' rule applied to the epochs' mean training CRF losses (min_delta 1e-4).
    const crfLoss = out.epochs.map((e) => e.metrics["train/crf_loss"]);
    const expected: number[] = [];
    let lr = 0.01, best = Infinity, wait = 0;
    for (const v of crfLoss) {
      expected.push(lr);
      if (v < best - 1e-4) [best, wait] = [v, 0];
      else if (++wait >= 5) [lr, wait] = [lr * 0.1, 0];
    }
    assert.deepEqual(out.epochs.map((e) => e.lr.adam), expected);
    assert.deepEqual(transfer.stepLr, expected.flatMap((l) => [l, l, l, l]));
    assert.ok(expected[59] < 0.01, `the plateau rule reduced the rate (${expected.slice(-1)})`);
    // Transfer: the evaluation with the least mean training loss (first on ties), with its weights.
    const losses = out.evaluations.map((e) => e.metrics["train/loss"]);
    assert.deepEqual(losses, out.epochs.map((e) => e.loss));
    const bestIndex = losses.indexOf(Math.min(...losses));
    assert.equal(out.selectionRule, "min train/loss");
    assert.equal(out.selected!.evaluation.index, bestIndex);
    assert.equal(out.selected!.artifact!.length, 3);
    // Baseline: the final weights.
    const baseline = await run("last");
    assert.equal(baseline.out.selected!.evaluation.index, 59);
    assert.deepEqual(baseline.out.selected!.artifact, baseline.final);
    assert.deepEqual(
      baseline.out.epochs.map((e) => e.loss),
      out.epochs.map((e) => e.loss),
      "same seed, same run",
    );
  });
});

/**
 * Contract: mlma2019's tagger (Adam 1e-3 ×0.9 per epoch, batch 20, no shuffling, ≤ 30 epochs, patience 3 on the
 * target-language dev set) and its LM stage (counted in steps, selection `min lm/dev_ppl`).
 */
Deno.test("contract mlma2019 tagger: unshuffled batches of 20, ×0.9 per epoch, ≤ 30 epochs, patience 3 on target dev", async () => {
  await noLeak(async () => {
    const n = 100;
    const train = points(31, n, [1], 0.1);
    const toy = new Toy(1, 0);
    const adam = new Adam([toy.w], { lr: 1e-3 });
    const batches: number[][] = [];
    const wDev = 0.02;
    const out = await runLoop<number>({
      streams: [{ name: "target", size: n, batchSize: 20, order: "sequential" }],
      schedule: { kind: "joint-sum", streams: ["target"] },
      lr: { adam: { kind: "exponential", lr: 1e-3, factor: 0.9 } },
      evaluation: { cadence: { kind: "epochs", every: 1, last: true }, final: "never" },
      selection: "max dev/f1",
      patience: { evaluations: 3, monitor: "max dev/f1" },
      budget: { maxEpochs: 30 },
    }, {
      optimizers: { adam },
      step: async ({ batches: [b] }) => {
        batches.push(b.ids);
        return { loss: await toy.step(adam, b.ids.map((i) => train[i])) };
      },
      // A dev "F1" that peaks when w passes wDev on its way to the training optimum 1.
      evaluate: () =>
        Promise.resolve({ metrics: { "dev/f1": 100 - 1000 * Math.abs(toy.values()[0] - wDev) } }),
    });
    // No shuffling: every epoch reads 0–19, 20–39, … in file order.
    const epochOrder = [0, 1, 2, 3, 4].map((k) => Array.from({ length: 20 }, (_, i) => 20 * k + i));
    for (let e = 0; e < out.epochs.length; e++) assert.deepEqual(batches.slice(5 * e, 5 * e + 5), epochOrder);
    // lr of epoch e: 1e-3 · 0.9^(e−1).
    assert.deepEqual(out.epochs.map((e) => e.lr.adam), out.epochs.map((e) => 1e-3 * 0.9 ** (e.epoch - 1)));
    // Stops 3 evaluations after the best dev F1, before 30 epochs; the best is selected.
    const f1 = out.evaluations.map((e) => e.metrics["dev/f1"]);
    const best = f1.indexOf(Math.max(...f1));
    assert.equal(out.stopReason, "early-stopping");
    assert.equal(out.epochs.length, best + 1 + 3);
    assert.ok(out.epochs.length < 30);
    assert.equal(out.selected!.evaluation.epochsCompleted, best + 1);
    adam.dispose();
    toy.dispose();
  });
});

Deno.test("contract mlma2019 LM stage: counted in steps, evaluated every k steps, selection min lm/dev_ppl", async () => {
  await noLeak(async () => {
    const train = points(41, 40, [2, -1], 0.5);
    const dev = points(42, 10, [1.6, -0.6], 0.5);
    const toy = new Toy(2, 0);
    const adam = new Adam([toy.w], { beta2: 0.997, epsilon: 1e-9 });
    const progress: LoopProgress[] = [];
    const lm = (maxIterations: number): LoopSpec => ({
      streams: [{ name: "lm", size: 40, batchSize: 4, order: "shuffled" }],
      schedule: { kind: "joint-sum", streams: ["lm"] },
      lr: { adam: { kind: "constant", lr: 0.02 } },
      evaluation: { cadence: { kind: "steps", every: 25 }, final: "if-unevaluated" },
      selection: "min lm/dev_ppl",
      budget: { maxIterations },
      progress: { unit: "step" },
    });
    const hooks: LoopHooks<number[]> = {
      rngs: { streams: { lm: createRng(43) } },
      optimizers: { adam },
      step: async ({ batches: [b] }) => ({ loss: await toy.step(adam, b.ids.map((i) => train[i])) }),
      evaluate: async () => ({
        metrics: { "lm/dev_ppl": Math.exp(await toy.score(dev)) },
        artifact: toy.values(),
      }),
      onProgress: (p) => progress.push(p),
    };
    const out = await runLoop(lm(100), hooks);
    assert.deepEqual(out.evaluations.map((e) => [e.iteration, e.trigger]), [
      [25, "cadence"],
      [50, "cadence"],
      [
        75,
        "cadence",
      ],
      [100, "cadence"],
    ]);
    const ppl = out.evaluations.map((e) => e.metrics["lm/dev_ppl"]);
    assert.equal(out.selected!.evaluation.index, ppl.indexOf(Math.min(...ppl)));
    assert.ok(ppl[0] > Math.min(...ppl), "the perplexity fell");
    assert.equal(out.stopReason, "max-iterations");
    assert.deepEqual([progress[0].unit, progress[0].done, progress[0].total], ["step", 1, 100]);
    assert.deepEqual(progress.filter((p) => p.score).map((p) => [p.done, p.score!.key]), [
      [25, "lm/dev_ppl"],
      [
        50,
        "lm/dev_ppl",
      ],
      [75, "lm/dev_ppl"],
      [100, "lm/dev_ppl"],
    ]);
    // A budget that is not a multiple of the period gets a final evaluation.
    const odd = await runLoop(lm(60), { ...hooks, onProgress: undefined });
    assert.deepEqual(odd.evaluations.map((e) => [e.iteration, e.trigger]), [
      [25, "cadence"],
      [50, "cadence"],
      [
        60,
        "final",
      ],
    ]);
    adam.dispose();
    toy.dispose();
  });
});

/** The loop's outcome without wall-clock fields. */
function timeless<A>(out: Awaited<ReturnType<typeof runLoop<A>>>): unknown {
  return {
    ...out,
    trainSeconds: 0,
    evaluations: out.evaluations.map((e) => ({ ...e, seconds: 0 })),
    epochs: out.epochs.map((e) => ({ ...e, seconds: 0 })),
    selected: out.selected && { ...out.selected, evaluation: { ...out.selected.evaluation, seconds: 0 } },
    state: { ...out.state, epochAccumulators: { ...out.state.epochAccumulators, seconds: 0 } },
  };
}

/** Checkpoint hooks keeping the last checkpoint in memory, as JSON (so it must be plain data). */
function memoryCheckpoint<A>(): { saves: number; hooks: NonNullable<LoopHooks<A>["checkpoint"]> } {
  let saved: string | undefined;
  const store = {
    saves: 0,
    hooks: {
      load: () =>
        Promise.resolve(
          saved === undefined ? undefined : decodeCheckpointData(JSON.parse(saved), []) as LoopCheckpoint<A>,
        ),
      save: (c: LoopCheckpoint<A>) => {
        const { tree, arrays } = encodeCheckpointData(c);
        assert.equal(arrays.length, 0);
        saved = JSON.stringify(tree);
        store.saves++;
        return Promise.resolve();
      },
    },
  };
  return store;
}

/** Loops whose losses depend on every batch, lr and schedule draw, with Rngs, bucketing, plateau and patience. */
const RESUMABLE: [string, LoopSpec][] = [
  ["joint-sum, bucketed, capped, inverse-time and plateau lr", {
    streams: [
      { name: "a", size: 7, batchSize: 2, order: "shuffled", bucketByLength: true },
      { name: "b", size: 11, batchSize: 3, order: "shuffled" },
    ],
    schedule: {
      kind: "joint-sum",
      streams: ["a", "b"],
      epoch: { by: "passes", combine: "max", caps: { b: 3 } },
    },
    lr: {
      main: { kind: "inverse-time", lr: 0.1, decay: 0.05 },
      plat: { kind: "plateau", lr: 0.2, monitor: "train/loss", mode: "min", factor: 0.5, patience: 1 },
    },
    evaluation: { cadence: { kind: "epochs", every: 1, last: true }, final: "if-unevaluated" },
    selection: "max dev/f1",
    budget: { maxEpochs: 6 },
  }],
  ["alternate, sentences cadence with warm-up, patience on the selection, a final evaluation", {
    streams: [
      { name: "a", size: 9, batchSize: 2, order: "shuffled" },
      { name: "b", size: 5, batchSize: 1, order: "shuffled" },
    ],
    schedule: { kind: "alternate", streams: ["a", "b"], epoch: { by: "stream", stream: "a" } },
    lr: { main: { kind: "constant", lr: 0.1 }, plat: { kind: "constant", lr: 0.2 } },
    evaluation: {
      cadence: { kind: "sentences", stream: "a", every: 4, warmupEvery: 8, warmupEpochs: 1 },
      stream: "a",
      final: "if-unevaluated",
    },
    selection: "min train/loss",
    patience: { evaluations: 6, monitor: "selection" },
    budget: { maxEpochs: 5, maxIterations: 37 },
  }],
  ["sample, steps cadence, patience on dev", {
    streams: [
      { name: "a", size: 6, batchSize: 2, order: "shuffled" },
      { name: "b", size: 4, batchSize: 1, order: "sequential" },
    ],
    schedule: {
      kind: "sample",
      streams: ["a", "b"],
      probabilities: { a: 1, b: 2 },
      epoch: { by: "iterations", iterations: 5 },
    },
    lr: { main: { kind: "exponential", lr: 0.1, factor: 0.9 }, plat: { kind: "constant", lr: 0 } },
    evaluation: { cadence: { kind: "steps", every: 3 }, final: "if-unevaluated" },
    selection: "max dev/f1",
    patience: { evaluations: 4, monitor: "max dev/f1" },
    budget: { maxIterations: 40 },
    progress: { unit: "iteration" },
  }],
];

/** Runs `spec`; `killAfter`: throw in onProgress after that many evaluations (a simulated kill). */
async function resumableRun(
  spec: LoopSpec,
  checkpoint?: NonNullable<LoopHooks<string>["checkpoint"]>,
  killAfter?: number,
) {
  const steps: unknown[] = [];
  const optimizers = { main: { lr: NaN }, plat: { lr: NaN } };
  let evaluations = 0;
  const out = await runLoop<string>(spec, {
    rngs: { streams: { a: createRng(1), b: createRng(2) }, schedule: createRng(3) },
    lengthOf: { a: (i) => (i * 7) % 5, b: (i) => (i * 3) % 4 },
    optimizers,
    checkpoint,
    step: ({ batches, iteration, lr }) => {
      // The optimisers' rates must be the loop's (also right after a mid-epoch resume).
      assert.deepEqual(lr, { main: optimizers.main.lr, plat: optimizers.plat.lr });
      steps.push([iteration, batches.map((b) => [b.stream, b.ids, b.pass, b.index])]);
      const base = batches.reduce(
        (s, b) => s + b.ids.reduce((x, i) => x + i + 1, 0) * (b.stream === "a" ? 1 : 1.5),
        0,
      );
      const loss = (base / 10) * (1 + lr.main + lr.plat) / Math.sqrt(iteration);
      return Promise.resolve({ loss, tokens: batches.length, parts: { half: loss / 2 } });
    },
    evaluate: (ctx) =>
      Promise.resolve({
        metrics: { "dev/f1": (ctx.trainLoss.all * 7919) % 1 },
        artifact: `evaluation ${ctx.index} at ${ctx.iteration}`,
      }),
    onProgress: (p) => {
      if (p.evaluation && ++evaluations === killAfter) throw new Error("killed");
    },
  });
  return { out, steps };
}

Deno.test("runLoop checkpoints: a run killed after any evaluation and resumed equals the uninterrupted run", async () => {
  for (const [what, spec] of RESUMABLE) {
    const full = await resumableRun(spec);
    const cadenceEvaluations = full.out.evaluations.filter((e) => e.trigger === "cadence").length;
    assert.ok(cadenceEvaluations >= 3, `${what}: ${cadenceEvaluations} evaluations`);
    const store = memoryCheckpoint<string>();
    const again = await resumableRun(spec, store.hooks);
    assert.deepEqual(timeless(again.out), timeless(full.out), `${what}: checkpointing changes nothing`);
    assert.equal(store.saves, full.out.evaluations.length, `${what}: one save per evaluation`);
    for (let k = 1; k <= cadenceEvaluations; k++) {
      const ckpt = memoryCheckpoint<string>();
      await assert.rejects(() => resumableRun(spec, ckpt.hooks, k), /killed/);
      const killed = full.steps.findIndex((s) =>
        (s as [number])[0] === full.out.evaluations[k - 1].iteration
      );
      const resumed = await resumableRun(spec, ckpt.hooks);
      assert.deepEqual(timeless(resumed.out), timeless(full.out), `${what}: resumed after evaluation ${k}`);
      assert.deepEqual(
        resumed.steps,
        full.steps.slice(killed + 1),
        `${what}: the steps after evaluation ${k}`,
      );
      assert.equal(
        resumed.out.selected!.evaluation,
        resumed.out.evaluations[resumed.out.selected!.evaluation.index],
      );
    }
    // A checkpoint of a finished run: nothing more is run, the same result comes back.
    const done = await resumableRun(spec, store.hooks);
    assert.deepEqual(done.steps, []);
    assert.deepEqual(timeless(done.out), timeless(full.out), `${what}: resumed after the end`);
  }
});

Deno.test("runLoop checkpoints: Rngs without state, and checkpoints of another loop, are refused", async () => {
  const [, spec] = RESUMABLE[1];
  const store = memoryCheckpoint<string>();
  await resumableRun(spec, store.hooks);
  const other: LoopSpec = {
    ...spec,
    streams: [spec.streams[0], { ...spec.streams[1], name: "c" }],
    schedule: { kind: "alternate", streams: ["a", "c"], epoch: { by: "stream", stream: "a" } },
  };
  await assert.rejects(
    () =>
      runLoop(other, {
        ...constantHooks([1]),
        rngs: { streams: { a: createRng(1), c: createRng(2) } },
        checkpoint: store.hooks as unknown as LoopCheckpointHooks<number>,
      }),
    /Checkpoint does not fit this loop: streams a, b, the loop has a, c/,
  );
  await assert.rejects(
    () =>
      runLoop(spec, {
        ...constantHooks([1]),
        rngs: { streams: { a: () => 0.5, b: createRng(2) } },
        checkpoint: store.hooks as unknown as LoopCheckpointHooks<number>,
      }),
    /the Rng of a has no state\(\) \(make it with createRng\)/,
  );
});

Deno.test("runLoop yields to the event loop after every iteration: a timer (or a signal handler) runs mid-loop", async () => {
  let fired = -1;
  let steps = 0;
  setTimeout(() => (fired = steps), 0);
  await runLoop({
    streams: [{ name: "train", size: 8, batchSize: 1, order: "sequential" }],
    schedule: { kind: "joint-sum", streams: ["train"] },
    evaluation: { cadence: { kind: "never" }, final: "never" },
    selection: "last",
    budget: { maxEpochs: 2 },
  }, {
    // Resolves as a microtask only, like a step on the wasm backend.
    step: () => Promise.resolve({ loss: ++steps }),
    evaluate: () => Promise.resolve({ metrics: {} }),
  });
  assert.equal(steps, 16);
  assert.ok(fired >= 1 && fired < 16, `the timer ran during the loop (after step ${fired})`);
});
