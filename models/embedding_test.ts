import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, WordEmbeddings } from "./types.ts";
import { CharEmbedding, WordEmbedding } from "./embedding.ts";
import { createRng } from "./init.ts";
import { PAD, UNK, Vocabulary } from "./vocab.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "./_testing.ts";

const table: WordEmbeddings = {
  name: "toy",
  dim: 3,
  words: ["the", "cat", "dog"],
  index: new Map([["the", 0], ["cat", 1], ["dog", 2]]),
  vectors: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  source: "test",
};
const policy = (unk: LookupPolicy["unk"]): LookupPolicy => ({ lowercase: true, digitsToZero: false, unk });
const vocab = new Vocabulary("word", ["<pad>", "<unk>", "dog", "the"]);

for (const backend of testBackends()) {
  Deno.test(`WordEmbedding on ${backend}: frozen pretrained rows with one trainable UNK`, async () => {
    await useBackend(backend);
    const emb = WordEmbedding.create({
      name: uniqueName("w"),
      vocab,
      policy: policy("trainable"),
      pretrained: table,
      dim: 99,
      rng: createRng(1),
    });
    assert.equal(emb.dim, 3);
    assert.equal(emb.variables().length, 1);
    const d = emb.describe();
    assert.equal(d.kind, "pretrained-frozen");
    assert.equal(d.trainableParameters, 3);
    const unk = emb.variables()[0];
    const ids = tf.tensor2d([[2, 3, UNK], [UNK, PAD, PAD]], undefined, "int32");
    await assertNoLeak(() => {
      const out = emb.lookup(ids);
      assert.deepEqual(out.shape, [2, 3, 3]);
      const u = Array.from(unk.dataSync());
      assertClose(out.dataSync(), [7, 8, 9, 1, 2, 3, ...u, ...u, 0, 0, 0, 0, 0, 0], 1e-6);
      out.dispose();
      // Gradient reaches only the UNK vector: d Σ out / d unk = number of UNK positions.
      const { value, grads } = tf.variableGrads(() => tf.sum(emb.lookup(ids)) as tf.Scalar, emb.variables());
      assertClose(grads[unk.name].dataSync(), [2, 2, 2], 1e-6);
      tf.dispose([value, ...Object.values(grads)]);
    }, "WordEmbedding.lookup");
    ids.dispose();
    emb.dispose();
  });

  Deno.test(`WordEmbedding on ${backend}: UNK zero or seeded random, frozen`, async () => {
    await useBackend(backend);
    const zero = WordEmbedding.create({
      name: uniqueName("w"),
      vocab,
      policy: policy("zero"),
      pretrained: table,
      dim: 3,
      rng: createRng(1),
    });
    assert.equal(zero.variables().length, 0);
    const ids = tf.tensor1d([UNK], "int32");
    const z = zero.lookup(ids);
    assert.deepEqual(Array.from(z.dataSync()), [0, 0, 0]);
    const rand = (seed: number) =>
      WordEmbedding.create({
        name: uniqueName("w"),
        vocab,
        policy: policy("random"),
        pretrained: table,
        dim: 3,
        rng: createRng(seed),
      });
    const [r1, r2] = [rand(5), rand(5)];
    const [v1, v2] = [r1.lookup(ids), r2.lookup(ids)];
    assert.deepEqual(Array.from(v1.dataSync()), Array.from(v2.dataSync()));
    assert.ok(Array.from(v1.dataSync()).some((v) => v !== 0));
    assert.equal(r1.variables().length, 0);
    tf.dispose([ids, z, v1, v2]);
    [zero, r1, r2].forEach((e) => e.dispose());
  });

  Deno.test(`WordEmbedding on ${backend}: trainable table without pretrained vectors`, async () => {
    await useBackend(backend);
    const emb = WordEmbedding.create({
      name: uniqueName("w"),
      vocab,
      policy: policy("trainable"),
      dim: 4,
      rng: createRng(2),
    });
    const d = emb.describe();
    assert.equal(d.kind, "trainable");
    assert.match(d.init, /uniform\(±0\.8660\)/);
    assert.equal(d.trainableParameters, 16);
    const [t] = emb.variables();
    assert.deepEqual(t.shape, [4, 4]);
    assert.deepEqual(Array.from(t.dataSync().subarray(0, 4)), [0, 0, 0, 0]);
    const ids = tf.tensor1d([2, 2, 3], "int32");
    const { value, grads } = tf.variableGrads(() => tf.sum(emb.lookup(ids)) as tf.Scalar, [t]);
    assertClose(grads[t.name].dataSync(), [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 1, 1, 1, 1], 1e-6);
    tf.dispose([ids, value, ...Object.values(grads)]);
    emb.dispose();
  });

  Deno.test(`CharEmbedding on ${backend}: shape, PAD row zero, no leak`, async () => {
    await useBackend(backend);
    const emb = new CharEmbedding(uniqueName("c"), 10, 30, createRng(3));
    const ids = tf.tensor3d([[[2, 3, 0]], [[0, 0, 0]]], undefined, "int32");
    await assertNoLeak(() => {
      const out = emb.lookup(ids);
      assert.deepEqual(out.shape, [2, 1, 3, 30]);
      assert.ok(out.dataSync().subarray(60).every((v) => v === 0));
      out.dispose();
    });
    ids.dispose();
    emb.dispose();
  });
}

Deno.test("WordEmbedding.create rejects a vocabulary word missing from the table", () => {
  const bad = new Vocabulary("word", ["<pad>", "<unk>", "cow"]);
  assert.throws(
    () =>
      WordEmbedding.create({
        name: "bad",
        vocab: bad,
        policy: policy("zero"),
        pretrained: table,
        dim: 3,
        rng: createRng(1),
      }),
    /"cow" is not in toy/,
  );
});

Deno.test("WordEmbedding.create refuses a non-finite pretrained value, naming layer, table, source and word", async () => {
  await useBackend(testBackends()[0]);
  const create = (vectors: number[]) =>
    WordEmbedding.create({
      name: "w",
      vocab,
      policy: policy("zero"),
      pretrained: { ...table, vectors: Float32Array.from(vectors) },
      dim: 3,
      rng: createRng(1),
    });
  assert.throws(
    () => create([1, 2, 3, 4, 5, 6, 7, NaN, 9]),
    new Error(
      `WordEmbedding "w": the vector of "dog" in toy (from test) has value 2 of 3 = NaN, expected a finite number`,
    ),
  );
  assert.throws(
    () => create([1, 2, -Infinity, 4, 5, 6, 7, 8, 9]),
    new Error(
      `WordEmbedding "w": the vector of "the" in toy (from test) has value 3 of 3 = -Infinity, expected a finite number`,
    ),
  );
  const ok = create([1, 2, 3, NaN, NaN, NaN, 7, 8, 9]); // "cat" is not in the vocabulary: its row is never used
  assert.equal(ok.dim, 3);
  ok.dispose();
});
