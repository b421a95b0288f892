import assert from "node:assert/strict";
import { assertNoLeak, useBackend } from "../../models/_testing.ts";
import type { Sentence, WordEmbeddings } from "../../models/types.ts";
import { charVocabulary, type PerlItem, type PerlLookup, restrictTable } from "./data.ts";
import { PERL2020_BASELINE, PERL2020_TRANSFER } from "./network.ts";
import { type PerlTrainConfig, type PerlTrainData, trainPerl, TRUNCATED_LABEL } from "./train.ts";

const WORDS = ["pad", "unknown", ...Array.from({ length: 12 }, (_, i) => `w${i}`), "xa", "xb", "xc"];

function fixture(seed: number): PerlTrainData {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const emb: WordEmbeddings = {
    name: "toy",
    dim: 6,
    words: WORDS,
    index: new Map(WORDS.map((w, i) => [w, i])),
    vectors: new Float32Array(WORDS.length * 6).map(() => rnd() - 0.5),
    source: "test",
  };
  const sentence = (): Sentence => {
    const n = 3 + Math.floor(rnd() * 5);
    const words = Array.from({ length: n }, () => WORDS[2 + Math.floor(rnd() * (WORDS.length - 2))]);
    return { words, tags: words.map((w) => (w.startsWith("x") ? "S-PER" : "O")) };
  };
  const train: PerlItem[] = Array.from({ length: 48 }, (_, i) => ({ ...sentence(), lang: (i % 2) as 0 | 1 }));
  const long = {
    words: Array.from({ length: 73 }, (_, i) => (i === 72 ? "xa" : "w1")),
    tags: [] as string[],
  };
  long.tags = long.words.map((w) => (w === "xa" ? "S-PER" : "O"));
  const t = restrictTable(emb, WORDS);
  const lookup: PerlLookup = {
    tables: [t, t],
    chars: charVocabulary([...train, long]),
    tags: new Map([["O", 0], ["S-PER", 1]]),
    padTag: 0,
  };
  return {
    items: train,
    dev: [sentence(), sentence()],
    test: [sentence(), long],
    lookup,
    numChars: lookup.chars.size + 2,
  };
}

const small = { charEmbeddingDim: 4, charLstmUnits: 3, encoderUnits: 4, taggerUnits: 4 };

function config(over: Partial<PerlTrainConfig> = {}): PerlTrainConfig {
  return {
    net: { ...PERL2020_TRANSFER, ...small, reconstruction: true, adversarial: true, decoderFilters: [2, 3] },
    seed: 3,
    epochs: 4,
    batchSize: 16,
    lr: 0.01,
    adamEpsilon: 1e-7,
    plateau: { monitor: "train/crf_loss", factor: 0.1, patience: 5, minDelta: 1e-4 },
    selection: "min train/crf_loss",
    patience: 0,
    evalEvery: 1,
    evalInput: "released",
    rows: "padded",
    finalDev: false,
    ...over,
  };
}

const accuracy = (g: string[][], p: string[][]) => {
  let n = 0, ok = 0;
  g.forEach((r, i) => r.forEach((t, j) => (n++, ok += p[i][j] === t ? 1 : 0)));
  return { accuracy: (100 * ok) / n };
};

Deno.test("trainPerl: released loop (plateau lr, best-training-CRF-loss snapshot), all loss parts, no tensor leaks", async () => {
  await useBackend("cpu");
  await assertNoLeak(async () => {
    const out = await trainPerl(config(), fixture(1), (_g, p) => ({ rows: p.length, width: p[1].length }));
    assert.equal(out.epochs.length, 4);
    assert.ok(out.epochs.every((e) => e.lr === 0.01));
    assert.ok(out.epochs.every((e) => e.reconstruction_loss > 0 && e.adversarial_loss > 0));
    const crf = out.epochs.map((e) => e.crf_loss);
    assert.equal(out.selectedEpoch, crf.indexOf(Math.min(...crf)) + 1);
    assert.equal(out.metrics["test/width"], 70, "padded rows: all 70 predicted positions");
    assert.equal(out.metrics["dev/rows"], undefined, "no dev prediction unless asked (released test.py)");
    assert.equal(out.testPredictions[1].length, 70);
    assert.ok(crf[3] < crf[0], `training CRF loss falls: ${crf}`);
  });
});

Deno.test("trainPerl: token rows mark the tokens the released padding cut off; baseline selects the last epoch", async () => {
  await useBackend("cpu");
  const data = fixture(2);
  data.items = data.items.map((i) => ({ ...i, lang: 1 }));
  data.lookup = { ...data.lookup, tables: [undefined, data.lookup.tables[1]] };
  const out = await trainPerl(
    config({ net: { ...PERL2020_BASELINE, ...small }, selection: "last", rows: "tokens", finalDev: true }),
    data,
    accuracy,
  );
  assert.equal(out.selectedEpoch, 4);
  assert.equal(out.testPredictions[1].length, 73);
  assert.deepEqual(out.testPredictions[1].slice(0, 3), Array(3).fill(TRUNCATED_LABEL));
  assert.ok(Number.isFinite(out.metrics["dev/accuracy"]));
  const whole = await trainPerl(
    config({
      net: { ...PERL2020_BASELINE, ...small },
      selection: "last",
      rows: "tokens",
      evalInput: "whole",
    }),
    data,
    accuracy,
  );
  assert.ok(!whole.testPredictions[1].includes(TRUNCATED_LABEL), "whole input: nothing cut");
});

Deno.test("trainPerl: a unit killed after a checkpoint resumes to the uninterrupted run's results", async () => {
  await useBackend("cpu");
  const full = await trainPerl(config(), fixture(4), accuracy);
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      trainPerl(config(), fixture(4), accuracy, (p) => {
        if (p.epoch === 3) throw new Error("killed");
      }, { checkpointDir: dir }),
      /killed/,
    );
    const resumed = await trainPerl(config(), fixture(4), accuracy, undefined, { checkpointDir: dir });
    assert.deepEqual(resumed.metrics, full.metrics);
    assert.deepEqual(resumed.testPredictions, full.testPredictions);
    assert.deepEqual(resumed.epochs.map((e) => e.crf_loss), full.epochs.map((e) => e.crf_loss));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("trainPerl: same seed, same run; refuses an empty training set and a test-set selection", async () => {
  await useBackend("cpu");
  const a = await trainPerl(config({ epochs: 2 }), fixture(5), accuracy);
  const b = await trainPerl(config({ epochs: 2 }), fixture(5), accuracy);
  assert.deepEqual(a.metrics, b.metrics);
  const empty = { ...fixture(5), items: [] };
  await assert.rejects(trainPerl(config(), empty, accuracy), /no training sentence/);
  await assert.rejects(trainPerl(config({ selection: "max test/f1" }), fixture(5), accuracy), /train or dev/);
});
