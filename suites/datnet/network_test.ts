import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, Sentence, WordEmbeddings } from "../../models/types.ts";
import {
  AT_DEFAULT,
  Datnet,
  DATNET_BASE,
  DATNET_F,
  DATNET_P,
  type DatnetConfig,
  type DatnetInputs,
  GRAD_DISCRIMINATOR,
} from "./network.ts";
import { createRng } from "../../models/init.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
} from "../../models/vocab.ts";
import { assertClose, assertNoLeak, testBackends, useBackend } from "../../models/_testing.ts";

const lookup: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };
const small: DatnetConfig = {
  ...DATNET_BASE,
  lstmUnits: 6,
  charEmbeddingDim: 5,
  charFilters: 4,
  wordEmbeddingDim: 3,
};

const s = (text: string, tags: string): Sentence => ({ words: text.split(" "), tags: tags.split(" ") });
const target = [s("Anna lives in Madrid", "B-PER O O B-LOC"), s("Madrid 2019", "B-LOC O")];
const source = [s("John visited New York today", "B-PER O B-LOC I-LOC O"), s("Bye", "O")];

const table: WordEmbeddings = {
  name: "toy4",
  dim: 4,
  words: ["anna", "madrid", "in"],
  index: new Map([["anna", 0], ["madrid", 1], ["in", 2]]),
  vectors: Float32Array.from({ length: 12 }, (_, i) => i / 10),
  source: "test",
};

function inputs(withSource: boolean, targetTable?: WordEmbeddings): DatnetInputs {
  const tw = buildWordVocabulary(target, lookup, targetTable).vocab;
  return {
    charVocab: buildCharVocabulary([...target, ...source]),
    target: { wordVocab: tw, tagVocab: buildTagVocabulary(target), lookup, embeddings: targetTable },
    source: withSource
      ? { wordVocab: buildWordVocabulary(source, lookup).vocab, tagVocab: buildTagVocabulary(source), lookup }
      : undefined,
  };
}

Deno.test("Datnet.create rejects inconsistent configurations", () => {
  const rng = createRng(1);
  assert.throws(() => Datnet.create({ ...small, variant: "datnet-p" }, inputs(false), rng), /needs a source/);
  assert.throws(
    () => Datnet.create({ ...small, discriminator: GRAD_DISCRIMINATOR }, inputs(false), rng),
    /cannot have a discriminator/,
  );
  assert.throws(
    () =>
      Datnet.create(
        { ...small, variant: "datnet-f", discriminator: { ...GRAD_DISCRIMINATOR, alpha: 1.5 } },
        inputs(true),
        rng,
      ),
    /alpha/,
  );
  assert.throws(
    () => Datnet.create({ ...small, at: { ...AT_DEFAULT, epsChar: -1 } }, inputs(false), rng),
    /epsChar/,
  );
  assert.throws(
    () => Datnet.create({ ...small, variant: "datnet-p", privateLstmUnits: 0 }, inputs(true), rng),
    /privateLstmUnits/,
  );
  assert.throws(() => Datnet.create(small, inputs(true), rng), /"base" trains on the target resource only/);
  assert.throws(() => Datnet.create({ ...small, variant: "datnet-f" }, inputs(false), rng), /needs a source/);
  assert.throws(() => Datnet.create({ ...small, dropoutRnn: 1 }, inputs(false), rng), /dropoutRnn/);
});

Deno.test("DATNET_P is 100/100/100 (shared and private BiLSTMs, units per direction)", () => {
  assert.equal(DATNET_P.variant, "datnet-p");
  assert.equal(DATNET_P.lstmUnits, 100);
  assert.equal(DATNET_P.privateLstmUnits, 100);
});

/** Loss and gradients of the first backend, compared on the others. */
const reference = new Map<string, number[]>();

for (const backend of testBackends()) {
  Deno.test(`Datnet on ${backend}: loss and gradients agree across backends`, async () => {
    await useBackend(backend);
    const inp = inputs(false, table);
    const model = Datnet.create(small, inp, createRng(5), `agree_${backend}`);
    const batch = encodeBatch(target, inp.target.wordVocab, inp.charVocab, inp.target.tagVocab, lookup);
    const vars = model.trainableVariables();
    const { value, grads } = tf.variableGrads(() => model.loss(batch, "target", false, 0), vars);
    const values = [value.dataSync()[0], ...vars.flatMap((v) => Array.from(grads[v.name].dataSync()))];
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
    const ref = reference.get("loss+grads");
    if (!ref) reference.set("loss+grads", values);
    else assertClose(values, ref, 1e-5, 1e-4, `loss and gradients on ${backend} vs ${testBackends()[0]}`);
  });

  Deno.test(`Datnet base on ${backend}: shapes, seeded dropout, predictions, no leaks`, async () => {
    await useBackend(backend);
    const inp = inputs(false, table);
    const model = Datnet.create(small, inp, createRng(2));
    const batch = encodeBatch(target, inp.target.wordVocab, inp.charVocab, inp.target.tagVocab, lookup);
    const K = inp.target.tagVocab.size;
    await assertNoLeak(async () => {
      const em = model.emissions(batch, "target", false, 0);
      assert.deepEqual(em.shape, [2, 4, K]);
      em.dispose();
      const loss = (training: boolean, seed: number) => {
        const l = model.loss(batch, "target", training, seed);
        const v = l.dataSync()[0];
        l.dispose();
        return v;
      };
      assert.ok(Number.isFinite(loss(true, 1)) && loss(true, 1) > 0);
      assert.equal(loss(true, 1), loss(true, 1));
      assert.notEqual(loss(true, 1), loss(true, 2));
      assert.equal(loss(false, 1), loss(false, 2));
      const paths = await model.predict(batch, "target");
      assert.deepEqual(paths.map((p) => p.length), [4, 2]);
      assert.ok(paths.flat().every((t) => t >= 0 && t < K));
      const { value, grads } = tf.variableGrads(
        () => model.loss(batch, "target", true, 3),
        model.trainableVariables(),
      );
      // Every trainable variable gets a gradient; the frozen table is not among them.
      assert.deepEqual(Object.keys(grads).sort(), model.trainableVariables().map((v) => v.name).sort());
      tf.dispose([value, ...Object.values(grads)]);
    }, "Datnet base forward/backward");
    // char emb (V·5) + cnn (3·5·4 + 4) + UNK (4) + BiLSTM 2·((8·24) + (6·24) + 24) + proj (12·K + K) + CRF K²
    const V = inp.charVocab.size;
    assert.equal(model.parameterCount(), V * 5 + 64 + 4 + 2 * (8 * 24 + 6 * 24 + 24) + 13 * K + K * K);
    assert.equal(model.describeEmbeddings().word.target!.kind, "pretrained-frozen");
    const names = model.trainableVariables().map((v) => v.name);
    assert.equal(new Set(names).size, names.length);
    model.dispose();
  });

  Deno.test(`Datnet datnet-f on ${backend}: shared encoder, separate embeddings and heads`, async () => {
    await useBackend(backend);
    const inp = inputs(true);
    const before = tf.memory().numTensors;
    const model = Datnet.create({ ...small, variant: DATNET_F.variant }, inp, createRng(3));
    const tv = new Set(model.trainableVariables("target").map((v) => v.name));
    const sv = new Set(model.trainableVariables("source").map((v) => v.name));
    const shared = [...tv].filter((n) => sv.has(n));
    assert.ok(shared.some((n) => n.includes("/bilstm/")));
    assert.ok(shared.some((n) => n.includes("/char_cnn/")));
    assert.ok(shared.some((n) => n.includes("/char_emb/")));
    assert.ok(!shared.some((n) => n.includes("word_emb") || n.includes("/proj/") || n.includes("/crf/")));
    const tb = encodeBatch(target, inp.target.wordVocab, inp.charVocab, inp.target.tagVocab, lookup);
    const sb = encodeBatch(source, inp.source!.wordVocab, inp.charVocab, inp.source!.tagVocab, lookup);
    const { value, grads } = tf.variableGrads(
      () => tf.add(model.loss(tb, "target", true, 1), model.loss(sb, "source", true, 2)) as tf.Scalar,
      model.trainableVariables(),
    );
    assert.equal(Object.keys(grads).length, model.trainableVariables().length);
    tf.dispose([value, ...Object.values(grads)]);
    // The target loss alone reaches no source-only variable.
    const t = tf.variableGrads(() => model.loss(tb, "target", true, 1), model.trainableVariables());
    assert.deepEqual(Object.keys(t.grads).sort(), [...tv].sort());
    tf.dispose([t.value, ...Object.values(t.grads)]);
    assert.deepEqual((await model.predict(sb, "source")).map((p) => p.length), [5, 1]);
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "model create/dispose leaked tensors");
  });

  Deno.test(`Datnet datnet-p on ${backend}: shared + private BiLSTMs, shapes, discriminator, no leaks`, async () => {
    await useBackend(backend);
    const inp = inputs(true);
    const before = tf.memory().numTensors;
    const cfg: DatnetConfig = {
      ...small,
      variant: "datnet-p",
      privateLstmUnits: 5,
      discriminator: GRAD_DISCRIMINATOR,
    };
    const model = Datnet.create(cfg, inp, createRng(3));
    const tb = encodeBatch(target, inp.target.wordVocab, inp.charVocab, inp.target.tagVocab, lookup);
    const sb = encodeBatch(source, inp.source!.wordVocab, inp.charVocab, inp.source!.tagVocab, lookup);
    await assertNoLeak(async () => {
      const emb = model.embed(tb, "target");
      const enc = model.encode(emb, tb, "target", false, 0);
      assert.deepEqual(enc.shared.shape, [2, 4, 12]);
      assert.deepEqual(enc.features.shape, [2, 4, 12 + 10]); // [shared 2·6 ; private 2·5]
      const em = model.emissions(sb, "source", false, 0);
      assert.deepEqual(em.shape, [2, 5, inp.source!.tagVocab.size]);
      tf.dispose([emb.word, emb.char, enc.shared, enc.features, em]);
      // Private BiLSTMs are per resource; the shared one is in both.
      const tv = model.trainableVariables("target").map((v) => v.name);
      const sv = model.trainableVariables("source").map((v) => v.name);
      assert.ok(tv.some((n) => n.includes("/target/private_bilstm/")));
      assert.ok(!tv.some((n) => n.includes("/source/private_bilstm/") || n.includes("/discriminator/")));
      assert.ok(sv.some((n) => n.includes("/source/private_bilstm/")));
      assert.ok(tv.some((n) => n.includes("/bilstm/fw")) && sv.some((n) => n.includes("/bilstm/fw")));
      // The training loss (CRF + GRAD, both resources) reaches every variable, the discriminator included.
      const all = model.trainableVariables();
      assert.ok(all.some((v) => v.name.includes("/discriminator/")));
      const { value, grads } = tf.variableGrads(
        () => tf.add(model.trainingLoss(tb, "target", 1), model.trainingLoss(sb, "source", 2)) as tf.Scalar,
        all,
      );
      assert.deepEqual(Object.keys(grads).sort(), all.map((v) => v.name).sort());
      // trainingLoss = CRF loss + discriminator loss > CRF loss alone (same dropout seed)
      const crf = model.loss(tb, "target", true, 1);
      const tl = model.trainingLoss(tb, "target", 1);
      assert.ok(tl.dataSync()[0] > crf.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads), crf, tl]);
      assert.deepEqual((await model.predict(tb, "target")).map((p) => p.length), [4, 2]);
    }, "Datnet datnet-p forward/backward");
    const V = inp.charVocab.size;
    const D = 4 + 3; // char filters + word dim
    const lstm = (units: number) => 2 * (D * 4 * units + units * 4 * units + 4 * units);
    const Kt = inp.target.tagVocab.size;
    const Ks = inp.source!.tagVocab.size;
    const words = inp.target.wordVocab.size * 3 + inp.source!.wordVocab.size * 3;
    const disc = 12 * 12 + 12 + 12 + 12 + 1;
    assert.equal(
      model.parameterCount(),
      V * 5 + 64 + words + lstm(6) + 2 * lstm(5) + 23 * Kt + Kt * Kt + 23 * Ks + Ks * Ks + disc,
    );
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "model create/dispose leaked tensors");
  });

  Deno.test(`Datnet AT on ${backend}: η has norm ε per sentence (per sentence × channel for chars) and points along ∂ℓ/∂e`, async () => {
    await useBackend(backend);
    const inp = inputs(true);
    const at = { epsWordSource: 2, epsWordTarget: 0.5, epsChar: 3 };
    const model = Datnet.create(
      { ...small, variant: "datnet-f", discriminator: GRAD_DISCRIMINATOR, at },
      inp,
      createRng(4),
    );
    const tb = encodeBatch(target, inp.target.wordVocab, inp.charVocab, inp.target.tagVocab, lookup);
    const sb = encodeBatch(source, inp.source!.wordVocab, inp.charVocab, inp.source!.tagVocab, lookup);
    await assertNoLeak(() => {
      for (const [batch, resource, epsWord] of [[tb, "target", 0.5], [sb, "source", 2]] as const) {
        const eta = model.adversarialPerturbation(batch, resource, 7)!;
        const emb = model.embed(batch, resource);
        // g is the gradient of the CRF loss alone (the released add_perturbation runs before the discriminator).
        const g = tf.grads((w: tf.Tensor, c: tf.Tensor) =>
          model.lossFromEmbeddings(
            { word: w as tf.Tensor3D, char: c as tf.Tensor4D },
            batch,
            resource,
            true,
            7,
          )
        )([emb.word, emb.char]);
        for (const [e, gi, eps] of [[eta.word, g[0], epsWord], [eta.char, g[1], at.epsChar]] as const) {
          assert.deepEqual(e.shape, gi.shape);
          const ev = Array.from(e.dataSync());
          const gv = Array.from(gi.dataSync());
          // One norm per sentence (word) or per (sentence, channel) (char): over axes 1 and 2, as released.
          const rest = e.shape.slice(3).reduce((a, b) => a * b, 1);
          const inner = e.shape[1]! * e.shape[2]! * rest;
          const block = (i: number) => Math.floor(i / inner) * rest + (i % rest);
          const norms = (a: number[]) => {
            const sq = new Array(e.shape[0]! * rest).fill(0);
            a.forEach((v, i) => (sq[block(i)] += v * v));
            return sq.map(Math.sqrt);
          };
          for (const n of norms(ev)) assert.ok(Math.abs(n - eps) <= 1e-4, `‖η‖ = ${n}, expected ${eps}`);
          const gn = norms(gv);
          assertClose(ev, gv.map((v, i) => (eps * v) / gn[block(i)]), 1e-6, 1e-4, `η of ${resource}`);
        }
        // ℓ(x) + ℓ(x + η) > ℓ(x), and η is a constant: the gradient tape starts at the weights only.
        const clean = model.trainingLoss(batch, resource, 7);
        const both = model.trainingLoss(batch, resource, 7, eta);
        assert.ok(both.dataSync()[0] > clean.dataSync()[0]);
        tf.dispose([eta.word, eta.char, emb.word, emb.char, ...g, clean, both]);
      }
    }, "Datnet AT");
    model.dispose();
  });

  Deno.test(`Datnet on ${backend}: without discriminator and AT, trainingLoss is loss exactly`, async () => {
    await useBackend(backend);
    const inp = inputs(true);
    const model = Datnet.create({ ...small, variant: "datnet-f" }, inp, createRng(6));
    const sb = encodeBatch(source, inp.source!.wordVocab, inp.charVocab, inp.source!.tagVocab, lookup);
    assert.equal(model.adversarialPerturbation(sb, "source", 1), undefined);
    const a = model.trainingLoss(sb, "source", 9);
    const b = model.loss(sb, "source", true, 9);
    assert.equal(a.dataSync()[0], b.dataSync()[0]);
    tf.dispose([a, b]);
    model.dispose();
  });
}

Deno.test("Datnet released architecture: char-CNN windows [2, 3, 4] + highway, shared CRF gets gradients from both resources", async () => {
  await useBackend("cpu");
  const joint = buildTagVocabulary([...target, ...source]);
  const base = inputs(true);
  const inp: DatnetInputs = {
    ...base,
    target: { ...base.target, tagVocab: joint },
    source: { ...base.source!, tagVocab: joint },
  };
  const cfg: DatnetConfig = {
    ...small,
    variant: "datnet-f",
    charWindows: [2, 3, 4],
    charHighwayLayers: 2,
    charActivation: "tanh",
    sharedCrf: true,
    rnnDense: true,
  };
  const model = Datnet.create(cfg, inp, createRng(11));
  assert.equal(model.charCnns.length, 3);
  assert.equal(model.charHighway.dim, 12);
  // One CRF: its transitions appear once among the variables, and both resources' losses reach them.
  const crfVars = model.trainableVariables().filter((v) => /\/crf\//.test(v.name));
  assert.ok(crfVars.length >= 1);
  assert.equal(new Set(crfVars.map((v) => v.name)).size, crfVars.length);
  const tb = encodeBatch(target, inp.target.wordVocab, inp.charVocab, joint, lookup);
  const sb = encodeBatch(source, inp.source!.wordVocab, inp.charVocab, joint, lookup);
  for (const [batch, resource] of [[tb, "target"], [sb, "source"]] as const) {
    const { grads, value } = tf.variableGrads(() => model.loss(batch, resource, true, 3), crfVars);
    for (const v of crfVars) {
      const g = Array.from(grads[v.name].dataSync());
      assert.ok(g.some((x) => x !== 0), `${resource} loss gives the shared CRF ${v.name} a gradient`);
    }
    tf.dispose([value, ...Object.values(grads)]);
  }
  // The rest of the released pieces train too: every char-CNN, the highway layers and the dense layer.
  const { grads, value } = tf.variableGrads(
    () => model.loss(tb, "target", true, 3),
    model.trainableVariables("target"),
  );
  for (
    const name of [
      `${model.name}/char_cnn_2/kernel`,
      `${model.name}/char_highway/1/gate/kernel`,
      `${model.name}/rnn_dense/kernel`,
    ]
  ) {
    assert.ok(Array.from(grads[name].dataSync()).some((x) => x !== 0), `${name} gets a gradient`);
  }
  tf.dispose([value, ...Object.values(grads)]);
  const before = tf.memory().numTensors;
  model.dispose();
  assert.ok(tf.memory().numTensors < before);
  // Separate tag vocabularies cannot share one CRF.
  assert.throws(() => Datnet.create(cfg, inputs(true), createRng(1)), /joint tag vocabulary/);
  assert.throws(() => Datnet.create({ ...cfg, charWindows: [] }, inp, createRng(1)), /charWindows/);
});
