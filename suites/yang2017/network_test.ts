import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, Sentence, WordEmbeddings } from "../../models/types.ts";
import { createRng } from "../../models/init.ts";
import {
  buildCharVocabulary,
  buildTagVocabulary,
  buildWordVocabulary,
  encodeBatch,
  PAD,
} from "../../models/vocab.ts";
import {
  YANG_BASE,
  YANG_PARAM_GROUPS,
  YANG_SHARING,
  YANG_T_A,
  YANG_T_B,
  YANG_T_C,
  type YangArchitecture,
  type YangConfig,
  type YangInputs,
  YangModel,
} from "./network.ts";
import { assertClose, assertNoLeak, bruteForceCrf, uniqueName, useBackend } from "../../models/_testing.ts";

const lookup: LookupPolicy = { lowercase: true, digitsToZero: true, unk: "trainable" };
const tiny: YangConfig = {
  ...YANG_BASE,
  charEmbeddingDim: 3,
  charGruUnits: 2,
  wordEmbeddingDim: 4,
  wordGruUnits: 3,
};

const s = (text: string, tags: string): Sentence => ({ words: text.split(" "), tags: tags.split(" ") });
const ner = [s("Anna lives in Madrid", "B-PER O O B-LOC"), s("Madrid 2019", "B-LOC O"), s("Bye", "O")];
const pos = [s("John visited New York", "NNP VBD NNP NNP"), s("it rains", "PRP VBZ")];
const spanish = [s("Ana vive en Madrid", "B-PER O O B-LOC")];

function encode(model: YangModel, inp: YangInputs, task: string, sentences: Sentence[]) {
  const t = inp.tasks.find((x) => x.name === task)!;
  return encodeBatch(sentences, t.wordVocab, inp.charVocab, model.tagVocab(task), t.lookup);
}

function baseInputs(): YangInputs {
  return {
    charVocab: buildCharVocabulary(ner),
    tasks: [{
      name: "ner",
      wordVocab: buildWordVocabulary(ner, lookup).vocab,
      tagVocab: buildTagVocabulary(ner),
      lookup,
    }],
  };
}

/** Inputs of a two-task model: ner + pos (T-A: both on the union tag set; T-C: Spanish with 6-d words). */
function transferInputs(arch: YangArchitecture): YangInputs {
  const all = [...ner, ...pos, ...spanish];
  const charVocab = buildCharVocabulary(all);
  if (arch === "T-C") {
    return {
      charVocab,
      tasks: [
        {
          name: "ner",
          wordVocab: buildWordVocabulary(ner, lookup).vocab,
          tagVocab: buildTagVocabulary(ner),
          lookup,
        },
        {
          name: "es",
          wordVocab: buildWordVocabulary(spanish, lookup).vocab,
          tagVocab: buildTagVocabulary(spanish),
          lookup,
          wordEmbeddingDim: 6,
        },
      ],
    };
  }
  const wordVocab = buildWordVocabulary([...ner, ...pos], lookup).vocab;
  const union = buildTagVocabulary([...ner, ...pos]);
  return {
    charVocab,
    tasks: [
      { name: "ner", wordVocab, tagVocab: arch === "T-A" ? union : buildTagVocabulary(ner), lookup },
      { name: "pos", wordVocab, tagVocab: arch === "T-A" ? union : buildTagVocabulary(pos), lookup },
    ],
  };
}

/**
 * Brute-force batch-mean softmax-margin loss: log Σ_y exp(s(y) + c·hamming(y, gold)) − s(gold), with
 * s(y) = start[y₀] + Σ e[t, y_t] + Σ trans[y_{t−1}, y_t] and NO end term.
 */
function bruteForceLoss(
  em: Float32Array,
  T: number,
  K: number,
  trans: Float32Array,
  start: Float32Array,
  gold: number[][],
  cost: number,
): number {
  const p = { trans, start, end: null };
  let total = 0;
  gold.forEach((g, b) => total += bruteForceCrf(em, b, T, K, p, g, cost).loss);
  return total / gold.length;
}

Deno.test("Yang configs: paper sizes, and the sharing rule of each architecture", () => {
  assert.equal(YANG_BASE.charEmbeddingDim, 25);
  assert.equal(YANG_BASE.charGruUnits, 80);
  assert.equal(YANG_BASE.charGruLayers, 2);
  assert.equal(YANG_BASE.wordEmbeddingDim, 50);
  assert.equal(YANG_BASE.wordGruUnits, 300);
  assert.equal(YANG_BASE.wordGruLayers, 2);
  assert.equal(YANG_BASE.costWeight, 5.0);
  assert.deepEqual([YANG_T_A, YANG_T_B, YANG_T_C].map((c) => c.architecture), ["T-A", "T-B", "T-C"]);
  assert.deepEqual(YANG_SHARING["T-A"], YANG_PARAM_GROUPS);
  assert.deepEqual(YANG_SHARING["T-B"], ["charEmbedding", "charGru", "wordEmbedding", "wordGru"]);
  assert.deepEqual(YANG_SHARING["T-C"], ["charEmbedding", "charGru"]);
  assert.deepEqual(YANG_SHARING.base, []);
});

Deno.test("YangModel.create rejects inconsistent configurations", async () => {
  await useBackend("wasm");
  const rng = createRng(1);
  assert.throws(
    () => YangModel.create({ ...tiny, architecture: "T-B" }, baseInputs(), rng),
    /two or more tasks/,
  );
  assert.throws(() => YangModel.create(tiny, transferInputs("T-B"), rng), /exactly one task/);
  assert.throws(() => YangModel.create({ ...tiny, charGruUnits: 0 }, baseInputs(), rng), /charGruUnits/);
  assert.throws(() => YangModel.create({ ...tiny, costWeight: -1 }, baseInputs(), rng), /costWeight/);
  // T-A needs one tag set: the T-B inputs have separate ones.
  assert.throws(
    () => YangModel.create({ ...tiny, architecture: "T-A" }, transferInputs("T-B"), rng),
    /shared tag set/,
  );
  // T-B shares the word embeddings: the T-C inputs have separate vocabularies.
  assert.throws(
    () => YangModel.create({ ...tiny, architecture: "T-B" }, transferInputs("T-C"), rng),
    /shares the word embeddings.*word vocabularies/,
  );
  const dup = transferInputs("T-B");
  dup.tasks[1] = { ...dup.tasks[1], name: "ner" };
  assert.throws(() => YangModel.create({ ...tiny, architecture: "T-B" }, dup, rng), /Duplicate task name/);
  const slash = baseInputs();
  slash.tasks[0] = { ...slash.tasks[0], name: "a/b" };
  assert.throws(() => YangModel.create(tiny, slash, rng), /Task name "a\/b"/);
});

Deno.test("Yang: the objective is the CRF NLL at cost 0 and the softmax-margin loss (start vector, no end) at 5", async () => {
  await useBackend("wasm");
  const inp = baseInputs();
  const model = YangModel.create(tiny, inp, createRng(2), uniqueName("yang_obj"));
  const batch = encode(model, inp, "ner", ner);
  const head = model.components("ner").crf;
  assert.equal(head.crf.end, undefined, "no end transition");
  assert.ok(head.crf.start, "a learned start vector");
  const K = model.tagVocab("ner").size;
  const { batchSize: B, maxLength: T } = batch;
  await assertNoLeak(() => {
    const em = model.emissions(batch, "ner");
    assert.deepEqual(em.shape, [B, T, K]);
    const emv = em.dataSync() as Float32Array;
    const trans = head.crf.transitions.dataSync() as Float32Array;
    const start = head.crf.start!.dataSync() as Float32Array;
    const gold = batch.lengths.map((L, b) => Array.from(batch.tags.subarray(b * T, b * T + L)));
    const value = (t: tf.Scalar) => {
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    };
    const nll = value(model.loss(batch, "ner", { costWeight: 0 }));
    const crfNll = value(
      tf.tidy(() =>
        head.crf.negLogLikelihood(
          em,
          tf.tensor2d(batch.tags, [B, T], "int32"),
          tf.tensor2d(batch.mask, [B, T]),
        )
      ),
    );
    assertClose([nll], [crfNll], 1e-6, 0, "cost 0 = CRF NLL");
    assertClose([nll], [bruteForceLoss(emv, T, K, trans, start, gold, 0)], 1e-4, 1e-5, "NLL vs enumeration");
    const margin = value(model.loss(batch, "ner")); // the config's cost, 5.0
    assertClose([margin], [bruteForceLoss(emv, T, K, trans, start, gold, 5)], 1e-4, 1e-5, "softmax-margin");
    assert.ok(margin > nll + 1, "the Hamming cost raises the loss");
    em.dispose();
  }, "the objective");
  model.dispose();
});

Deno.test("Yang: gradients of the softmax-margin loss match finite differences on a tiny model", async () => {
  await useBackend("wasm");
  const inp = baseInputs();
  const model = YangModel.create({ ...tiny, init: "tagbench" }, inp, createRng(3), uniqueName("yang_fd"));
  const batch = encode(model, inp, "ner", ner);
  const vars = model.trainableVariables("ner");
  const { value, grads } = tf.variableGrads(() => model.loss(batch, "ner"), vars);
  value.dispose();
  const rng = createRng(4);
  const h = 1e-2;
  let checked = 0;
  for (const v of vars) {
    const g = grads[v.name].dataSync();
    const base = (v.dataSync() as Float32Array).slice();
    // A few entries per variable, always including the largest gradient.
    let arg = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[arg])) arg = i;
    const idx = [arg, ...Array.from({ length: 3 }, () => Math.floor(rng() * g.length))];
    for (const i of idx) {
      const at = (d: number) => {
        const x = base.slice();
        x[i] += d;
        v.assign(tf.tensor(x, v.shape));
        const l = model.loss(batch, "ner");
        const r = l.dataSync()[0];
        l.dispose();
        return r;
      };
      const num = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(base, v.shape));
      assertClose([g[i]], [num], 3e-4, 1e-2, `d loss / d ${v.name}[${i}]`);
      checked++;
    }
  }
  assert.ok(checked >= 4 * 20, `checked ${checked} entries`);
  tf.dispose(Object.values(grads));
  model.dispose();
});

for (const arch of ["T-A", "T-B", "T-C"] as const) {
  Deno.test(`Yang ${arch}: exactly the declared parameter groups are shared (same objects and variables)`, async () => {
    await useBackend("wasm");
    const inp = transferInputs(arch);
    const model = YangModel.create(
      { ...tiny, architecture: arch },
      inp,
      createRng(5),
      uniqueName("yang_share"),
    );
    const [a, b] = model.tasks;
    const shared = YANG_SHARING[arch];
    assert.deepEqual(model.shared, shared);
    const ca = model.components(a);
    const cb = model.components(b);
    for (const g of YANG_PARAM_GROUPS) {
      const va = model.groupVariables(g, a);
      const vb = model.groupVariables(g, b);
      assert.ok(va.length > 0 && vb.length > 0, `${g} has variables`);
      if (shared.includes(g)) {
        assert.equal(ca[g], cb[g], `${g} is one module`);
        assert.deepEqual(va, vb);
        for (let i = 0; i < va.length; i++) assert.equal(va[i], vb[i], `${g} variable ${i} is one object`);
        assert.ok(va.every((v) => v.name.includes("/shared/")), `${g} variables are named shared`);
      } else {
        assert.notEqual(ca[g], cb[g], `${g} is per task`);
        assert.ok(va.every((v) => !vb.includes(v)), `${g} shares no variable`);
        assert.ok(va.every((v) => v.name.includes(`/${a}/`)) && vb.every((v) => v.name.includes(`/${b}/`)));
      }
    }
    const ta = model.trainableVariables(a);
    const tb = new Set(model.trainableVariables(b));
    const common = ta.filter((v) => tb.has(v));
    assert.deepEqual(common, shared.flatMap((g) => model.groupVariables(g, a)));
    assert.equal(
      model.parameterCount(),
      ta.reduce((n, v) => n + v.size, 0) +
        [...tb].filter((v) => !common.includes(v)).reduce((n, v) => n + v.size, 0),
    );
    const d = model.describe();
    assert.deepEqual(d.shared, shared);
    assert.equal(d.totalParameters, model.parameterCount());
    // Both tasks run through their own heads; T-C words are 6-d for "es".
    await assertNoLeak(async () => {
      for (const t of model.tasks) {
        const sents = t === "ner" ? ner : t === "pos" ? pos : spanish;
        const batch = encode(model, inp, t, sents);
        const em = model.emissions(batch, t);
        assert.deepEqual(em.shape, [batch.batchSize, batch.maxLength, model.tagVocab(t).size]);
        em.dispose();
        const paths = await model.predict(batch, t);
        assert.deepEqual(paths.map((p) => p.length), batch.lengths);
      }
    }, `${arch} forward passes`);
    if (arch === "T-C") assert.equal(model.components("es").wordEmbedding.dim, 6);
    const before = tf.memory().numTensors;
    model.dispose();
    assert.ok(tf.memory().numTensors < before);
  });
}

Deno.test("Yang: padding is inert — char features zero at padded words, batch loss = mean of single losses", async () => {
  await useBackend("wasm");
  const inp = baseInputs();
  const model = YangModel.create({ ...tiny, init: "tagbench" }, inp, createRng(6), uniqueName("yang_pad"));
  const batch = encode(model, inp, "ner", ner);
  const { batchSize: B, maxLength: T } = batch;
  const H = tiny.charGruUnits;
  const cf = model.charFeatures(batch, "ner");
  assert.deepEqual(cf.shape, [B, T, 2 * H]);
  const v = cf.dataSync();
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = Array.from(v.subarray((b * T + t) * 2 * H, (b * T + t + 1) * 2 * H));
      if (t >= batch.lengths[b]) assert.ok(row.every((x) => x === 0), `padding (${b}, ${t}) is zero`);
      else assert.ok(row.some((x) => x !== 0), `token (${b}, ${t}) has a feature`);
    }
  }
  // "Madrid" (sentence 0, word 3): [forward state after the end-of-word symbol ; backward state after reading
  // back to the begin-of-word symbol], straight from the char GRU on <bow> M a d r i d <eow>.
  const c = model.components("ner");
  const ids = [
    inp.charVocab.size,
    ...[..."Madrid"].map((ch) => inp.charVocab.id(ch)),
    inp.charVocab.size + 1,
  ];
  const direct = tf.tidy(() =>
    c.charGru.apply(
      c.charEmbedding.lookup(tf.tensor2d(ids, [1, ids.length], "int32")) as tf.Tensor3D,
      [ids.length],
    ).arraySync()[0]
  );
  const expected = [...direct[ids.length - 1].slice(0, H), ...direct[0].slice(H)];
  assertClose(v.subarray(3 * 2 * H, 4 * 2 * H), expected, 1e-6, 0, "char feature of Madrid");
  // The char feature of a word depends on that word only.
  const alone = model.charFeatures(encode(model, inp, "ner", [ner[1]]), "ner");
  assertClose(alone.dataSync(), v.subarray(1 * T * 2 * H, (1 * T + 2) * 2 * H), 1e-6, 0, "Madrid 2019 alone");
  const loss = (sents: Sentence[]) => {
    const l = model.loss(encode(model, inp, "ner", sents), "ner");
    const r = l.dataSync()[0];
    l.dispose();
    return r;
  };
  const mean = ner.map((x) => loss([x])).reduce((a, b) => a + b, 0) / ner.length;
  assertClose([loss(ner)], [mean], 1e-5, 1e-5, "padded batch loss");
  tf.dispose([cf, alone]);
  model.dispose();
});

Deno.test("Yang: Lasagne initialisation and pretrained word vectors (trainable or frozen)", async () => {
  await useBackend("wasm");
  const table: WordEmbeddings = {
    name: "toy5",
    dim: 5,
    words: ["anna", "madrid", "in"],
    index: new Map([["anna", 0], ["madrid", 1], ["in", 2]]),
    vectors: Float32Array.from({ length: 15 }, (_, i) => 1 + i / 10),
    source: "test",
  };
  const cfg: YangConfig = { ...tiny, charEmbeddingDim: 20, charGruUnits: 20, wordGruUnits: 20 };
  const inp = baseInputs();
  inp.tasks[0] = { ...inp.tasks[0], embeddings: table };
  const model = YangModel.create(cfg, inp, createRng(7), uniqueName("yang_init"));
  const c = model.components("ner");
  const std = (v: tf.Variable) => {
    const a = Array.from(v.dataSync() as Float32Array);
    return Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
  };
  assert.equal(c.charEmbedding.size, inp.charVocab.size + 2, "begin/end-of-word rows");
  assert.ok(
    Math.abs(std(c.charEmbedding.table) - 0.01) < 0.003,
    `char emb std ${std(c.charEmbedding.table)}`,
  );
  assert.ok(Math.abs(std(c.charGru.layers[0].forward.w) - 0.1) < 0.02, "GRU weights N(0, 0.1²)");
  const K = model.tagVocab("ner").size;
  const limit = Math.sqrt(6 / (1 + K));
  const start = Array.from(c.crf.crf.start!.dataSync());
  assert.ok(start.every((x) => Math.abs(x) <= limit), `start within ±√(6/(1+K)) = ${limit}`);
  // Trainable table: pretrained rows copied, other rows N(0, 0.001²), PAD zero.
  const [w] = c.wordEmbedding.variables();
  assert.deepEqual(w.shape, [inp.tasks[0].wordVocab.size, 5]);
  const rows = w.arraySync() as number[][];
  const vocab = inp.tasks[0].wordVocab;
  assertClose(rows[vocab.id("madrid")], [1.5, 1.6, 1.7, 1.8, 1.9], 1e-6);
  assert.ok(rows[vocab.id("lives")].every((x) => Math.abs(x) < 0.01));
  assert.ok(rows[PAD].every((x) => x === 0));
  assert.match(model.describe().wordEmbeddings.ner.init, /pretrained rows \(3 of/);
  model.dispose();
  // Frozen: no trainable table, only the UNK vector (embedding.ts).
  const frozenInp = baseInputs();
  frozenInp.tasks[0] = {
    ...frozenInp.tasks[0],
    wordVocab: buildWordVocabulary(ner, lookup, table).vocab,
    embeddings: table,
    pretrained: "frozen",
  };
  const frozen = YangModel.create(cfg, frozenInp, createRng(7), uniqueName("yang_frozen"));
  assert.deepEqual(frozen.groupVariables("wordEmbedding", "ner").map((v) => v.shape), [[1, 5]]);
  assert.equal(frozen.describe().wordEmbeddings.ner.kind, "pretrained-frozen");
  frozen.dispose();
});

/** Inputs of the base model with the gazetteer feature on its one task. */
function gazetteerInputs(): YangInputs {
  const inp = baseInputs();
  inp.tasks[0] = { ...inp.tasks[0], gazetteer: true };
  return inp;
}

/**
 * A batch of `ner` with gazetteer ids: the gold tag's id, except that persons are tagged as locations (so the
 * B-PER row is never used); 0 at padding.
 */
function gazetteerBatch(model: YangModel, inp: YangInputs) {
  const batch = encode(model, inp, "ner", ner);
  const tags = model.tagVocab("ner");
  const { batchSize: B, maxLength: T } = batch;
  const gazetteer = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < batch.lengths[b]; t++) {
      const gold = batch.tags[b * T + t];
      gazetteer[b * T + t] = gold === tags.id("B-PER") ? tags.id("B-LOC") : gold;
    }
  }
  return { ...batch, gazetteer };
}

/** Assigns `value` to `v` and frees `value`. */
function setValue(v: tf.Variable, value: tf.Tensor): void {
  v.assign(value);
  value.dispose();
}

Deno.test("Yang gazetteer: projection [2H+K, K]; the one-hot adds the gathered extra rows to the emissions", async () => {
  await useBackend("wasm");
  const inp = gazetteerInputs();
  const model = YangModel.create(tiny, inp, createRng(8), uniqueName("yang_gaz"));
  const plain = YangModel.create(tiny, baseInputs(), createRng(8), uniqueName("yang_nogaz"));
  const K = model.tagVocab("ner").size;
  const H2 = 2 * tiny.wordGruUnits;
  const proj = model.components("ner").crf.projection;
  assert.deepEqual(proj.shape, [H2 + K, K]);
  assert.ok(model.components("ner").crf.gazetteer);
  assert.deepEqual(plain.components("ner").crf.projection.shape, [H2, K]);
  assert.equal(plain.components("ner").crf.gazetteer, false);
  assert.equal(model.parameterCount() - plain.parameterCount(), K * K);
  const d = model.describe();
  assert.equal(d.parameters.crf.ner - plain.describe().parameters.crf.ner, K * K);
  assert.equal(d.totalParameters, model.parameterCount());
  assert.deepEqual(d.gazetteer, ["ner"]);
  assert.equal("gazetteer" in plain.describe(), false, "no gazetteer field without the feature");

  const batch = gazetteerBatch(model, inp);
  const { batchSize: B, maxLength: T } = batch;
  // The crf group is drawn last, so both models have the same weights below it: the same word features.
  const fa = model.features(batch, "ner");
  const fb = plain.features(batch, "ner");
  assert.deepEqual(fa.dataSync(), fb.dataSync());
  tf.dispose([fa, fb]);
  const W = proj.arraySync() as number[][];
  setValue(plain.components("ner").crf.projection, tf.tensor2d(W.slice(0, H2)));
  await assertNoLeak(() => {
    const em = model.emissions(batch, "ner");
    const base = plain.emissions(batch, "ner");
    assert.deepEqual(em.shape, [B, T, K]);
    const e = em.dataSync();
    const e0 = base.dataSync();
    const expected = Float32Array.from(e0);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < batch.lengths[b]; t++) {
        const p = b * T + t;
        for (let k = 0; k < K; k++) expected[p * K + k] += W[H2 + batch.gazetteer[p]][k];
      }
    }
    assertClose(e, expected, 1e-5, 1e-5, "emissions = features·W[:2H] + W[2H + gazetteer id]");
    tf.dispose([em, base]);
    // Zero extra rows: exactly the emissions of the model without the feature.
    setValue(proj, tf.tidy(() => tf.concat([tf.tensor2d(W.slice(0, H2)), tf.zeros([K, K])], 0)));
    const zeroed = model.emissions(batch, "ner");
    const again = plain.emissions(batch, "ner");
    assertClose(zeroed.dataSync(), again.dataSync(), 1e-6, 0, "zero gazetteer rows");
    tf.dispose([zeroed, again]);
  }, "gazetteer emissions");
  setValue(proj, tf.tensor2d(W));
  model.dispose();
  plain.dispose();
});

Deno.test("Yang gazetteer: gradients reach the rows of the tags that occur, and only those", async () => {
  await useBackend("wasm");
  const inp = gazetteerInputs();
  const model = YangModel.create(tiny, inp, createRng(9), uniqueName("yang_gaz_grad"));
  const batch = gazetteerBatch(model, inp);
  const K = model.tagVocab("ner").size;
  const H2 = 2 * tiny.wordGruUnits;
  const proj = model.components("ner").crf.projection;
  const { value, grads } = tf.variableGrads(() => model.loss(batch, "ner"), [proj]);
  const g = grads[proj.name].arraySync() as number[][];
  const { maxLength: T } = batch;
  const used = new Set<number>();
  batch.lengths.forEach((L, b) => {
    for (let t = 0; t < L; t++) used.add(batch.gazetteer[b * T + t]);
  });
  assert.ok(used.size >= 2 && used.size < K, `${used.size} of ${K} tags used`);
  for (let k = 0; k < K; k++) {
    const row = g[H2 + k];
    if (used.has(k)) assert.ok(row.some((x) => x !== 0), `gazetteer row ${k} gets a gradient`);
    else assert.ok(row.every((x) => x === 0), `unused gazetteer row ${k} (padding included) gets none`);
  }
  // Finite differences on one entry of a used row.
  const k = [...used][0];
  const j = g[H2 + k].findIndex((x) => Math.abs(x) === Math.max(...g[H2 + k].map(Math.abs)));
  const base = (proj.dataSync() as Float32Array).slice();
  const at = (delta: number) => {
    const x = base.slice();
    x[(H2 + k) * K + j] += delta;
    setValue(proj, tf.tensor(x, proj.shape));
    const l = model.loss(batch, "ner");
    const r = l.dataSync()[0];
    l.dispose();
    return r;
  };
  const num = (at(1e-2) - at(-1e-2)) / 2e-2;
  setValue(proj, tf.tensor(base, proj.shape));
  assertClose([g[H2 + k][j]], [num], 3e-4, 1e-2, "d loss / d gazetteer weight");
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("Yang gazetteer: a batch without ids throws; T-A tasks must agree; T-B may differ", async () => {
  await useBackend("wasm");
  const inp = gazetteerInputs();
  const model = YangModel.create(tiny, inp, createRng(10), uniqueName("yang_gaz_err"));
  const batch = gazetteerBatch(model, inp);
  await assertNoLeak(() => {
    assert.throws(
      () => model.emissions({ ...batch, gazetteer: undefined }, "ner"),
      /has no gazetteer tag ids/,
    );
    assert.throws(() => model.loss({ ...batch, gazetteer: undefined }, "ner"), /has no gazetteer tag ids/);
    assert.throws(
      () => model.emissions({ ...batch, gazetteer: batch.gazetteer.subarray(1) }, "ner"),
      /has \d+ ids, expected B·T/,
    );
    const bad = batch.gazetteer.slice();
    bad[0] = 99;
    assert.throws(() => model.emissions({ ...batch, gazetteer: bad }, "ner"), /id 99 at sentence 0, word 0/);
  }, "failed emissions");
  await assert.rejects(() => model.predict({ ...batch, gazetteer: undefined }, "ner"), /gazetteer/);
  model.dispose();
  const ta = transferInputs("T-A");
  ta.tasks[1] = { ...ta.tasks[1], gazetteer: true };
  assert.throws(
    () => YangModel.create({ ...tiny, architecture: "T-A" }, ta, createRng(1)),
    /shares the CRF, so every task needs the same gazetteer setting; task "ner" has gazetteer false and "pos" has true/,
  );
  ta.tasks[0] = { ...ta.tasks[0], gazetteer: true };
  const both = YangModel.create(
    { ...tiny, architecture: "T-A" },
    ta,
    createRng(1),
    uniqueName("yang_gaz_ta"),
  );
  assert.deepEqual(both.describe().gazetteer, ["ner", "pos"]);
  both.dispose();
  const tb = transferInputs("T-B");
  tb.tasks[0] = { ...tb.tasks[0], gazetteer: true };
  const mixed = YangModel.create(
    { ...tiny, architecture: "T-B" },
    tb,
    createRng(1),
    uniqueName("yang_gaz_tb"),
  );
  const H2 = 2 * tiny.wordGruUnits;
  const K = mixed.tagVocab("ner").size;
  assert.deepEqual(mixed.components("ner").crf.projection.shape, [H2 + K, K]);
  assert.deepEqual(mixed.components("pos").crf.projection.shape, [H2, mixed.tagVocab("pos").size]);
  // The task without the feature ignores batch.gazetteer.
  const posBatch = encode(mixed, tb, "pos", pos);
  const em = mixed.emissions(posBatch, "pos");
  em.dispose();
  mixed.dispose();
});
