import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  PERL2020_BASELINE,
  PERL2020_DISCRIMINATOR,
  PERL2020_TRANSFER,
  type Perl2020Batch,
  type Perl2020Config,
  type Perl2020Inputs,
  Perl2020Net,
  type PretrainedTable,
} from "./network.ts";
import { createRng } from "../../models/init.ts";
import { assertClose, assertNoLeak, testBackends, uniqueName, useBackend } from "../../models/_testing.ts";

const B = 2;
const T = 5;
const C = 4;
const E = 6;
const K = 3;
const small = {
  charEmbeddingDim: 4,
  charLstmUnits: 3,
  encoderUnits: 3,
  taggerUnits: 3,
  decoderFilters: [2, 3],
  discriminator: { ...PERL2020_DISCRIMINATOR, filters: [4] },
};
const baseline: Perl2020Config = { ...PERL2020_BASELINE, ...small, reconstruction: true };
const transfer: Perl2020Config = { ...PERL2020_TRANSFER, ...small, reconstruction: true, adversarial: true };

/** A tiny random "MUSE" table whose rows are distinguishable: row r of language `lang` starts with 10·lang + r. */
function table(rows: number, lang: number, seed: number): PretrainedTable {
  const rng = createRng(seed);
  const vectors = Float32Array.from(
    { length: rows * E },
    (_, i) => (i % E === 0 ? 10 * lang + i / E : rng() - 0.5),
  );
  return { rows, dim: E, vectors };
}
const tgtTable = table(7, 1, 1);
const srcTable = table(9, 2, 2);
const baselineInputs: Perl2020Inputs = { numChars: 8, numTags: K, target: tgtTable };
const transferInputs: Perl2020Inputs = { ...baselineInputs, source: srcTable };

/** Sentence 0 target (ids < 7), sentence 1 source (ids up to 8) with `withLang`, else target; padding id 0, padding
 * tag 0 (`O`). */
function batch(withLang: boolean): Perl2020Batch {
  return tf.tidy(() => ({
    words: tf.tensor2d([[1, 2, 6, 0, 0], withLang ? [8, 3, 7, 5, 0] : [5, 3, 6, 5, 0]], [B, T], "int32"),
    chars: tf.tensor3d(Array.from({ length: B * T * C }, (_, i) => (i * 5) % 8), [B, T, C], "int32"),
    lang: withLang ? tf.tensor2d([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], [B, T], "int32") : undefined,
    tags: tf.tensor2d([[1, 0, 2, 0, 0], [2, 2, 0, 1, 0]], [B, T], "int32"),
  } as tf.TensorContainerObject)) as unknown as Perl2020Batch;
}
const disposeBatch = (b: Perl2020Batch) =>
  tf.dispose([b.words, b.chars, b.tags, ...(b.lang ? [b.lang] : [])]);

/** Frobenius norm of each sentence of `x` `[B, T, D]`. */
function sentenceNorms(x: tf.Tensor3D): number[] {
  const n = tf.tidy(() => tf.sqrt(tf.sum(tf.square(x), [1, 2])));
  const out = Array.from(n.dataSync());
  n.dispose();
  return out;
}

/** Flat gradient values of `vars` for the scalar `f` (zeros for variables it does not reach). */
function gradsOf(f: () => tf.Scalar, vars: tf.Variable[]): Float32Array {
  const { value, grads } = tf.variableGrads(f, vars);
  const out = vars.flatMap((v) => Array.from(grads[v.name]?.dataSync() ?? new Float32Array(v.size)));
  tf.dispose([value, ...Object.values(grads)]);
  return Float32Array.from(out);
}
const l2 = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

Deno.test("Perl2020Net.create rejects inconsistent configurations", () => {
  const rng = createRng(1);
  assert.throws(() => Perl2020Net.create(baseline, transferInputs, rng), /takes no source/);
  assert.throws(
    () => Perl2020Net.create({ ...baseline, adversarial: true }, baselineInputs, rng),
    /transfer/,
  );
  assert.throws(() => Perl2020Net.create(transfer, baselineInputs, rng), /source table/);
  assert.throws(
    () => Perl2020Net.create({ ...baseline, dropoutTagger: 1 }, baselineInputs, rng),
    /dropoutTagger/,
  );
});

Deno.test("presets carry the released sizes (models/baseline.py, models/transfer_model.py @ 62bec24)", () => {
  const pick = (c: Perl2020Config) => [
    c.charEmbeddingDim,
    c.charLstmUnits,
    c.encoderUnits,
    c.taggerUnits,
    c.dropoutEncoder,
    c.dropoutTagger,
    c.dropoutPlacement,
    c.sharedEncoder,
  ];
  assert.deepEqual(pick(PERL2020_BASELINE), [40, 80, 80, 80, 0.5, 0.5, "before-norm", true]);
  assert.deepEqual(pick(PERL2020_TRANSFER), [80, 100, 100, 100, 0.35, 0.35, "after-norm", true]);
});

for (const backend of testBackends()) {
  Deno.test(`Perl2020Net on ${backend}: shapes, sentence-norm placement, predictions, no leaks`, async () => {
    await useBackend(backend);
    for (const cfg of [baseline, transfer]) {
      const inputs = cfg.variant === "baseline" ? baselineInputs : transferInputs;
      const net = Perl2020Net.create(cfg, inputs, createRng(3), uniqueName("perl"));
      const b = batch(cfg.variant === "transfer");
      await assertNoLeak(() => {
        const emb = net.embed(b);
        assert.deepEqual(emb.chars.shape, [B, T, 2 * cfg.charLstmUnits]);
        assert.deepEqual(emb.words.shape, [B, T, E]);
        for (const training of [false, true]) {
          const enc = net.encode(emb, training, 11);
          const Z = 2 * cfg.encoderUnits;
          assert.deepEqual(enc.featureVector.shape, [B, T, Z]);
          assertClose(sentenceNorms(enc.featureVector), [1, 1], 1e-5, 0, "‖feature_vector‖ per sentence");
          const tagNorms = sentenceNorms(enc.taggerInput);
          if (cfg.dropoutPlacement === "before-norm" || !training) {
            // baseline: Dropout → sentenceL2Norm → tagger, so the tagger reads a unit-norm sentence even in training
            assertClose(tagNorms, [1, 1], 1e-5, 0, "‖tagger input‖");
          } else {
            // transfer: sentenceL2Norm → Dropout → tagger: inverted dropout changes the norm
            assert.ok(tagNorms.some((n) => Math.abs(n - 1) > 1e-3), `tagger input norms ${tagNorms}`);
          }
          const em = net.emissions(enc.taggerInput, training, 11);
          assert.deepEqual(em.shape, [B, T, K]);
          tf.dispose([enc.encoder, enc.featureVector, enc.taggerInput, em]);
        }
        tf.dispose(Object.values(emb));
        const losses = net.loss(b, true, 5);
        assert.equal(losses.reconstruction !== undefined, true);
        assert.equal(losses.adversarial !== undefined, cfg.adversarial);
        const parts = [losses.crf, losses.reconstruction, losses.adversarial].filter((x) => x !== undefined);
        const sum = parts.reduce((s, x) => s + x!.dataSync()[0], 0);
        assertClose(
          [losses.total.dataSync()[0]],
          [sum],
          1e-5,
          1e-5,
          "total = crf + reconstruction + adversarial",
        );
        tf.dispose(Object.values(losses));
        const paths = net.predict(b);
        assert.equal(paths.length, B);
        for (const p of paths) {
          assert.equal(p.length, T);
          assert.ok(p.every((y) => Number.isInteger(y) && y >= 0 && y < K));
        }
        const g = gradsOf(() => net.loss(b, true, 5).total, net.trainableVariables());
        assert.ok(l2(g) > 0 && Number.isFinite(l2(g)));
      }, `${cfg.variant} forward/backward`);
      disposeBatch(b);
      const before = tf.memory().numTensors;
      const n = net.trainableVariables().length + (cfg.variant === "transfer" ? 2 : 1);
      net.dispose();
      assert.equal(tf.memory().numTensors, before - n, "dispose frees every variable and table");
    }
  });
}

Deno.test("the language switch picks each token's own table; padded char slots are real steps", async () => {
  await useBackend("cpu");
  for (const sharedEncoder of [true, false]) {
    const net = Perl2020Net.create(
      { ...transfer, sharedEncoder },
      transferInputs,
      createRng(4),
      uniqueName("p"),
    );
    const b = batch(true);
    const ids = b.words.arraySync();
    const lang = b.lang!.arraySync();
    const emb = net.embed(b);
    const words = emb.words.arraySync();
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < T; t++) {
        const tab = lang[i][t] === 1 ? tgtTable : srcTable;
        const row = Array.from(tab.vectors.subarray(ids[i][t] * E, (ids[i][t] + 1) * E));
        assertClose(words[i][t], row, 0, 0, `word ${i},${t}`);
      }
    }
    assert.equal(emb.sourceWords !== undefined, !sharedEncoder);
    tf.dispose(Object.values(emb));
    // no char mask: changing a trailing (padding) char slot changes that word's char encoding (CuDNNLSTM, no mask)
    const values = Int32Array.from(b.chars.dataSync()); // a copy (bufferSync shares the tensor's storage)
    values[C - 1] = values[C - 1] === 3 ? 4 : 3; // last char slot of word (0, 0)
    const chars2 = tf.tensor3d(values, [B, T, C], "int32");
    const e1 = net.embed(b);
    const e2 = net.embed({ ...b, chars: chars2 });
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(e1.chars, e2.chars))).dataSync()[0]);
    assert.ok(d > 0, "padding char slot ignored");
    tf.dispose([...Object.values(e1), ...Object.values(e2), chars2]);
    disposeBatch(b);
    net.dispose();
  }
  const net = Perl2020Net.create(transfer, transferInputs, createRng(4), uniqueName("p"));
  const bad = batch(true);
  const words = tf.tensor2d([[7, 0, 0, 0, 0], [8, 0, 0, 0, 0]], [B, T], "int32"); // 7 is outside the target table
  assert.throws(() => net.embed({ ...bad, words }), /outside the target table/);
  tf.dispose(words);
  disposeBatch(bad);
  net.dispose();
});

Deno.test("gradients of reconstruction and adversarial terms reach the shared encoder; reversal flips the sign", async () => {
  await useBackend("cpu");
  const lambda = 0.5;
  const cfg: Perl2020Config = {
    ...transfer,
    discriminator: { ...transfer.discriminator!, reversal: lambda },
  };
  const net = Perl2020Net.create(cfg, transferInputs, createRng(5), uniqueName("p"));
  const b = batch(true);
  const labels = [1, 0];
  const encVars = [...net.charLstm.variables(), ...net.encoder.variables()];
  const taggerVars = net.tagger.variables();
  const discVars = net.discriminator!.variables();
  const z = () => {
    const emb = net.embed(b);
    return net.encode(emb, false, 0).featureVector;
  };
  await assertNoLeak(() => {
    const gRec = gradsOf(() => net.loss(b, false, 0).reconstruction!, [...encVars, ...taggerVars]);
    const nEnc = encVars.reduce((n, v) => n + v.size, 0);
    assert.ok(l2(gRec.subarray(0, nEnc)) > 0, "reconstruction → encoder");
    assert.equal(l2(gRec.subarray(nEnc)), 0, "reconstruction must not reach the tagger");
    const gAdv = gradsOf(() => net.loss(b, false, 0).adversarial!, [...encVars, ...discVars]);
    assert.ok(l2(gAdv.subarray(0, nEnc)) > 0, "adversarial → encoder");
    // the same cross-entropy without the reversal layer
    const plain = () =>
      tf.tidy(() => {
        const logits = net.discriminator!.logits(z());
        const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
        return tf.neg(
          tf.mean(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, "int32"), 2), logp), 1)),
        ) as tf.Scalar;
      });
    const gPlain = gradsOf(plain, [...encVars, ...discVars]);
    const expectEnc = Array.from(gPlain.subarray(0, nEnc), (v) => -lambda * v);
    assertClose(gAdv.subarray(0, nEnc), expectEnc, 1e-6, 1e-4, "encoder gradient = −λ × plain");
    assertClose(gAdv.subarray(nEnc), gPlain.subarray(nEnc), 1e-6, 1e-4, "discriminator gradient unchanged");
  }, "gradient checks");
  disposeBatch(b);
  net.dispose();
});

Deno.test("flipped-label objective (Eq. 1 as written): θ_D learns from L_D only, the encoder from L_G only", async () => {
  await useBackend("cpu");
  const cfg: Perl2020Config = {
    ...transfer,
    reconstruction: false,
    discriminator: { ...transfer.discriminator!, objective: "flipped-label" },
  };
  const net = Perl2020Net.create(cfg, transferInputs, createRng(6), uniqueName("p"));
  const b = batch(true);
  const encVars = net.encoder.variables();
  const discVars = net.discriminator!.variables();
  const ce = (flip: boolean) => () =>
    tf.tidy(() => {
      const logits = net.discriminator!.logits(net.encode(net.embed(b), false, 0).featureVector);
      const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
      const y = tf.oneHot(tf.tensor1d(flip ? [0, 1] : [1, 0], "int32"), 2);
      return tf.neg(tf.mean(tf.sum(tf.mul(y, logp), 1))) as tf.Scalar;
    });
  const nEnc = encVars.reduce((n, v) => n + v.size, 0);
  const g = gradsOf(() => net.loss(b, false, 0).adversarial!, [...encVars, ...discVars]);
  const gD = gradsOf(ce(false), [...encVars, ...discVars]);
  const gG = gradsOf(ce(true), [...encVars, ...discVars]);
  assertClose(g.subarray(0, nEnc), gG.subarray(0, nEnc), 1e-6, 1e-4, "encoder ← L_G");
  assertClose(g.subarray(nEnc), gD.subarray(nEnc), 1e-6, 1e-4, "discriminator ← L_D");
  disposeBatch(b);
  net.dispose();
});

Deno.test("deterministic with a seed; the dropout seed matters", async () => {
  await useBackend("cpu");
  const run = (dropoutSeed: number) => {
    const net = Perl2020Net.create(transfer, transferInputs, createRng(9), uniqueName("p"));
    const b = batch(true);
    const l = net.loss(b, true, dropoutSeed);
    const v = [l.crf, l.reconstruction!, l.adversarial!, l.total].map((x) => x.dataSync()[0]);
    tf.dispose(Object.values(l));
    disposeBatch(b);
    net.dispose();
    return v;
  };
  const a = run(3);
  assert.deepEqual(run(3), a);
  assert.notDeepEqual(run(4), a);
});

Deno.test("language-specific encoders (paper Figure 1) add one encoder's parameters", () => {
  const shared = Perl2020Net.create(transfer, transferInputs, createRng(1), uniqueName("p"));
  const specific = Perl2020Net.create(
    { ...transfer, sharedEncoder: false },
    transferInputs,
    createRng(1),
    uniqueName("p"),
  );
  const encoderParams = shared.encoder.variables().reduce((n, v) => n + v.size, 0);
  assert.equal(specific.parameterCount() - shared.parameterCount(), encoderParams);
  shared.dispose();
  specific.dispose();
});
