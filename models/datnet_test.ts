import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, Sentence, WordEmbeddings } from "../harness/types.ts";
import { Datnet, DATNET_BASE, DATNET_F, type DatnetConfig, type DatnetInputs } from "./datnet.ts";
import { createRng } from "./init.ts";
import { buildCharVocabulary, buildTagVocabulary, buildWordVocabulary, encodeBatch } from "./vocab.ts";
import { assertClose, assertNoLeak, testBackends, useBackend } from "./_testing.ts";

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

Deno.test("Datnet.create rejects unimplemented or inconsistent configurations", () => {
  const rng = createRng(1);
  assert.throws(
    () => Datnet.create({ ...small, variant: "datnet-p" }, inputs(true), rng),
    /datnet-p.*not implemented/,
  );
  assert.throws(
    () =>
      Datnet.create({ ...small, grad: { alpha: 0.25, gamma: 2, reversalScale: 0.7 } }, inputs(false), rng),
    /GRAD.*not implemented/,
  );
  assert.throws(
    () => Datnet.create({ ...small, at: { epsilon: 5, word: true, char: true } }, inputs(false), rng),
    /adversarial training.*not implemented/,
  );
  assert.throws(() => Datnet.create(small, inputs(true), rng), /"base" trains on the target resource only/);
  assert.throws(() => Datnet.create({ ...small, variant: "datnet-f" }, inputs(false), rng), /needs a source/);
  assert.throws(() => Datnet.create({ ...small, dropoutRnn: 1 }, inputs(false), rng), /dropoutRnn/);
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
}
