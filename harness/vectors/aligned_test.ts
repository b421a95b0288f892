import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { WordEmbeddings } from "../../models/types.ts";
import {
  ALIGNED_STAGE,
  alignedVectors,
  type AlignedVectorsOptions,
  FASTTEXT_STAGE,
  loadAlignedVectors,
  planAlignedVectors,
  RECORD_FILE,
  writeAlignedVectors,
} from "./aligned.ts";
import { prepareSpace } from "./procrustes.ts";
import { realDataDir } from "../data/_testing.ts";
import { fastTextInstalled, type FastTextParams, type FastTextTrainer, fastTextTrainer } from "./fasttext.ts";

/** A vector from the word alone: standard normal values seeded by sha256(word). */
function wordVector(word: string, d: number): Float64Array {
  const h = createHash("sha256").update(word).digest();
  let s = h.readUInt32BE(0) || 1;
  const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
  return Float64Array.from(
    { length: d },
    () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()),
  );
}

/**
 * A stand-in for fastText that needs no binary: counts the words of the text, keeps those seen `minCount` times,
 * most frequent first (`</s>` first, as fastText), and writes {@link wordVector} for each; counts its runs.
 */
function standIn(): FastTextTrainer & { runs: number } {
  const t = {
    runs: 0,
    version: () => Promise.resolve("stand-in 1"),
    async train(input: string, prefix: string, p: FastTextParams) {
      t.runs++;
      const counts = new Map<string, number>();
      for (const w of (await Deno.readTextFile(input)).split(/\s+/)) {
        if (w !== "") counts.set(w, (counts.get(w) ?? 0) + 1);
      }
      const words = [...counts].filter(([, c]) => c >= p.minCount)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
      const lines = ["</s>", ...words].map((w) =>
        `${w} ${[...wordVector(w, p.dim)].map((v) => v.toFixed(5)).join(" ")}`
      );
      await Deno.writeTextFile(`${prefix}.vec`, `${lines.length} ${p.dim}\n${lines.join("\n")}\n`);
      return { vecPath: `${prefix}.vec`, command: ["stand-in"], seconds: 0, sha256: "x" };
    },
  };
  return t;
}

/** A random orthogonal [d, d] matrix (Gram–Schmidt of hash vectors). */
function rotation(d: number): Float64Array {
  const q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const r = wordVector(`row${i}`, d);
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += r[j] * q[k * d + j];
      for (let j = 0; j < d; j++) r[j] -= dot * q[k * d + j];
    }
    const n = Math.hypot(...r);
    for (let j = 0; j < d; j++) q[i * d + j] = r[j] / n;
  }
  return q;
}

/** English reference: {@link wordVector} of each word rotated by Q, so the stand-in's vectors align with W = Q. */
function rotatedReference(words: string[], d: number, q: Float64Array): WordEmbeddings {
  const vectors = new Float32Array(words.length * d);
  words.forEach((w, i) => {
    const x = wordVector(w, d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[k] * q[k * d + j];
      vectors[i * d + j] = s;
    }
  });
  return {
    name: "toy-en",
    dim: d,
    words,
    index: new Map(words.map((w, i) => [w, i])),
    vectors,
    source: "test",
  };
}

/** A temporary data directory with `corpora/xx/a.txt.gz` and `corpora/en/a.txt.gz`: 300 words, each 6 times. */
async function toyDataDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tagbench-vectors-" });
  for (const lang of ["xx", "en"]) {
    await Deno.mkdir(join(dir, "corpora", lang), { recursive: true });
    const lines: string[] = [];
    for (let rep = 0; rep < 6; rep++) {
      for (let i = 0; i < 300; i += 10) {
        lines.push(
          Array.from({ length: 10 }, (_, k) => `w${i + k}`).join(" ") + (lang === "en" ? " the" : "."),
        );
      }
    }
    await Deno.writeFile(join(dir, "corpora", lang, "a.txt.gz"), gzipSync(lines.join("\n") + "\n"));
  }
  return dir;
}

/** Every `stage.json` and leftover temporary folder under the cache. */
function cacheEntries(cache: string): { done: string[]; tmp: string[] } {
  const done: string[] = [], tmp: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = join(d, e.name);
      if (e.name.includes(".tmp-")) tmp.push(p);
      if (e.isDirectory) walk(p);
      else if (e.name === "stage.json") done.push(p);
    }
  };
  if (existsSync(cache)) walk(cache);
  return { done, tmp };
}

Deno.test("alignedVectors: trains once, aligns onto a rotated reference (precision@1 = 1), reuses its artifacts", async () => {
  const data = await toyDataDir();
  const cache = await Deno.makeTempDir();
  try {
    const d = 12;
    const q = rotation(d);
    // The reference holds the target's words (another order): then the centred spaces are exact rotations too.
    const refWords = [".", ...Array.from({ length: 300 }, (_, i) => `w${299 - i}`)];
    const trainer = standIn();
    const opts: AlignedVectorsOptions = {
      language: "xx",
      dataDir: data,
      cacheDir: cache,
      dim: d,
      corpusFiles: ["corpora/xx/a.txt.gz"],
      sentences: [["W1", "w2"], ["W3"]],
      sentencesLabel: "toy train",
      reference: { table: rotatedReference(refWords, d, q) },
      trainer,
    };
    const a = await alignedVectors(opts);
    assert.equal(trainer.runs, 1);
    assert.equal(a.artifact.reused, false);
    const r = a.record;
    assert.equal(r.stage, ALIGNED_STAGE);
    assert.equal(r.vocabulary, 301, "300 words and the period, without </s>");
    assert.equal(a.embeddings.words.length, 301);
    assert.equal(a.embeddings.dim, d);
    assert.equal(a.embeddings.name, "fasttext.xx.12d.aligned");
    assert.ok(!a.embeddings.index.has("</s>"));
    assert.equal(r.target.text.tokens, 3 + 6 * 30 * 11);
    assert.equal(r.target.text.sentencesLabel, "toy train");
    assert.deepStrictEqual(r.target.text.corpus.map((c) => [c.file, c.lines, c.tokens]), [
      ["corpora/xx/a.txt.gz", 180, 1800],
    ]);
    assert.equal(r.target.text.corpus[0].sha256.length, 64);
    assert.match(r.target.vec.sha256, /^[0-9a-f]{64}$/, "sha256 of the .vec as written");
    assert.equal(r.dictionary.train + r.dictionary.heldOut, 301, "every word is an identical string");
    assert.ok(r.dictionary.heldOut > 30);
    assert.equal(r.precisionAt1.value, 1);
    assert.equal(r.precisionAt1.queries, r.dictionary.heldOut);
    assert.equal(r.reference.kind, "table");
    assert.deepStrictEqual(a.artifact.metrics["vectors/precision_at_1"], 1);
    // Aligned vectors land on the reference's prepared vectors (6 significant digits in the file), with and
    // without centring.
    const ref = (opts.reference as { table: WordEmbeddings }).table;
    const lands = (emb: WordEmbeddings, center: boolean) => {
      const prepared = prepareSpace(ref, { center, meanRows: 50_000 });
      for (const w of [".", "w0", "w123", "w299"]) {
        const i = emb.index.get(w)!, j = ref.index.get(w)!;
        for (let k = 0; k < d; k++) {
          assert.ok(Math.abs(emb.vectors[i * d + k] - prepared.vectors[j * d + k]) < 1e-5, `${w} ${k}`);
        }
      }
    };
    lands(a.embeddings, true);
    assert.equal(a.record.alignment.center, true);
    const plain = await alignedVectors({ ...opts, alignment: { center: false } });
    assert.equal(plain.record.precisionAt1.value, 1);
    lands(plain.embeddings, false);
    assert.deepStrictEqual([...Deno.readDirSync(a.artifact.dir)].map((e) => e.name).sort(), [
      "stage.json",
      "vectors.json",
      "vectors.vec",
    ]);

    // Second call, same inputs: nothing is trained, the same table comes back. The cache is named through a
    // link so that the artifact is read from disk as in a later process (within one process ensureArtifact
    // hands a repeated request the first one's result).
    const link = `${cache}-link`;
    await Deno.symlink(cache, link);
    const b = await alignedVectors({ ...opts, cacheDir: link, sentences: [["W1", "w2"], ["W3"]] });
    assert.equal(trainer.runs, 1, "reused: fastText not run again");
    assert.equal(b.artifact.reused, true);
    assert.equal(
      (await alignedVectors(opts)).artifact,
      a.artifact,
      "same process, same cache: the same result",
    );
    assert.equal(b.artifact.key, a.artifact.key);
    assert.deepStrictEqual(b.embeddings.vectors, a.embeddings.vectors);
    assert.deepStrictEqual(b.record, a.record);

    // The plan gives the key without training; a suite stage writes the same files into its own folder.
    assert.equal((await planAlignedVectors(opts)).key, a.artifact.key);
    const own = await Deno.makeTempDir({ dir: cache });
    assert.deepStrictEqual((await writeAlignedVectors(own, opts)).metrics, a.artifact.metrics);
    assert.equal(trainer.runs, 1, "the fastText vectors come from the cache");
    const loaded = await loadAlignedVectors(own);
    assert.deepStrictEqual(loaded.record, a.record);
    assert.deepStrictEqual(loaded.embeddings.vectors, a.embeddings.vectors);
    await Deno.remove(own, { recursive: true });

    // Another alignment setting: a new aligned artifact from the cached fastText vectors.
    const c = await alignedVectors({ ...opts, alignment: { heldOutFraction: 0.5 } });
    assert.equal(trainer.runs, 1, "fastText vectors reused");
    assert.notEqual(c.artifact.key, a.artifact.key);
    assert.ok(c.record.dictionary.heldOut > r.dictionary.heldOut);

    // Other inputs retrain: another sentence, a token cap, another dimension is refused for this reference.
    await alignedVectors({ ...opts, sentences: [["W1", "w2"]] });
    assert.equal(trainer.runs, 2);
    const capped = await alignedVectors({ ...opts, maxTokens: 500, fasttext: { minCount: 1 } });
    assert.equal(trainer.runs, 3);
    assert.ok(capped.record.target.text.tokens <= 500);
    await assert.rejects(
      () => alignedVectors({ ...opts, dim: 13 }),
      /reference table toy-en has dimension 12, expected 13/,
    );
    const entries = cacheEntries(cache);
    assert.deepStrictEqual(entries.tmp, []);
    assert.equal(entries.done.filter((p) => p.includes(`/${FASTTEXT_STAGE}/`)).length, 3);
    assert.equal(entries.done.filter((p) => p.includes(`/${ALIGNED_STAGE}/`)).length, 5);
  } finally {
    await Deno.remove(data, { recursive: true });
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(`${cache}-link`).catch(() => {});
  }
});

Deno.test("alignedVectors: an English fastText reference is trained by the same procedure and cached on its own", async () => {
  const data = await toyDataDir();
  const cache = await Deno.makeTempDir();
  try {
    const trainer = standIn();
    const opts: AlignedVectorsOptions = {
      language: "xx",
      dataDir: data,
      cacheDir: cache,
      dim: 10,
      corpusFiles: ["corpora/xx/a.txt.gz"],
      reference: { fastText: { language: "en", corpusFiles: ["corpora/en/a.txt.gz"] } },
      trainer,
    };
    const a = await alignedVectors(opts);
    assert.equal(trainer.runs, 2, "target and English");
    assert.equal(a.record.precisionAt1.value, 1, "the stand-in gives both languages the same vectors");
    assert.ok(a.record.reference.kind === "fasttext" && a.record.reference.record.language === "en");
    assert.ok(a.record.reference.kind === "fasttext" && a.record.reference.record.text.sentences.count === 0);
    const b = await alignedVectors(opts);
    assert.equal(trainer.runs, 2);
    assert.equal(b.artifact.key, a.artifact.key);
    // Another target language text reuses the English vectors.
    await alignedVectors({ ...opts, sentences: [["w1"]] });
    assert.equal(trainer.runs, 3);
  } finally {
    await Deno.remove(data, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("alignedVectors: a failing fastText or a missing corpus file leaves no artifact", async () => {
  const data = await toyDataDir();
  const cache = await Deno.makeTempDir();
  try {
    const base: AlignedVectorsOptions = {
      language: "xx",
      dataDir: data,
      cacheDir: cache,
      dim: 10,
      corpusFiles: ["corpora/xx/a.txt.gz"],
      reference: { fastText: { language: "en", corpusFiles: ["corpora/en/a.txt.gz"] } },
      trainer: fastTextTrainer("/nonexistent/fasttext"),
    };
    await assert.rejects(() => alignedVectors(base), /fastText is not installed .*apt-get install fasttext/);
    await assert.rejects(
      () => alignedVectors({ ...base, trainer: standIn(), corpusFiles: ["corpora/xx/missing.txt.gz"] }),
      {
        name: "DataFormatError",
        message: `Cannot read "${
          join(data, "corpora/xx/missing.txt.gz")
        }": does not exist, expected a corpus file of "xx" (one sentence per line)`,
      },
    );
    assert.deepStrictEqual(cacheEntries(cache), { done: [], tmp: [] });
  } finally {
    await Deno.remove(data, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

const DATA_DIR = realDataDir() ?? "";
const HAS_CORPORA = existsSync(join(DATA_DIR, "corpora/es")) && existsSync(join(DATA_DIR, "corpora/en"));
const HAS_FASTTEXT = fastTextInstalled();
if (!HAS_FASTTEXT) {
  console.warn(
    "aligned_test: Debian's fasttext is not installed (apt-get install fasttext): real run skipped",
  );
} else if (!HAS_CORPORA) {
  console.warn(`aligned_test: no corpora/es and corpora/en under ${DATA_DIR}: real run skipped`);
}

Deno.test({
  name:
    "alignedVectors with Debian's fastText on a 3,000-token slice of corpora/es and corpora/en, reused after",
  ignore: !HAS_FASTTEXT || !HAS_CORPORA,
  fn: async () => {
    const cache = await Deno.makeTempDir();
    try {
      const real = fastTextTrainer();
      let runs = 0;
      const trainer: FastTextTrainer = { version: real.version, train: (...a) => (runs++, real.train(...a)) };
      const opts: AlignedVectorsOptions = {
        language: "es",
        dataDir: DATA_DIR,
        cacheDir: cache,
        dim: 20,
        maxTokens: 3_000,
        fasttext: { epoch: 5, bucket: 10_000 },
        corpusFiles: ["corpora/es/gnome-user-docs.txt.gz"],
        sentences: [["El", "Gobierno", "de", "Linux", "."]],
        reference: { fastText: { language: "en", corpusFiles: ["corpora/en/gnome-user-docs.txt.gz"] } },
        trainer,
      };
      const a = await alignedVectors(opts);
      assert.equal(runs, 2);
      const r = a.record;
      assert.ok(
        r.target.text.tokens <= 3_000 && r.target.text.tokens > 2_500,
        `${r.target.text.tokens} tokens`,
      );
      assert.match(r.target.fasttext.version, /^fasttext/);
      assert.ok(r.target.fasttext.command.includes("-thread"));
      assert.deepStrictEqual(r.target.fasttext.command.slice(2, 6), [
        "-input",
        "<training text>",
        "-output",
        "<artifact>/vectors",
      ]);
      assert.ok(
        r.vocabulary > 50 && r.vocabulary === a.embeddings.words.length,
        `vocabulary ${r.vocabulary}`,
      );
      assert.ok(r.dictionary.train > 0);
      assert.ok(r.precisionAt1.value === null || (r.precisionAt1.value >= 0 && r.precisionAt1.value <= 1));
      const stage = JSON.parse(await Deno.readTextFile(join(a.artifact.dir, "stage.json")));
      assert.equal(stage.inputs["corpora/es/gnome-user-docs.txt.gz"].length, 64);
      assert.deepStrictEqual(JSON.parse(await Deno.readTextFile(join(a.artifact.dir, RECORD_FILE))), r);

      await Deno.symlink(cache, `${cache}-link`);
      const b = await alignedVectors({ ...opts, cacheDir: `${cache}-link` });
      assert.equal(runs, 2, "second call reuses the artifact without running fastText");
      assert.equal(b.artifact.reused, true);
      assert.deepStrictEqual(b.embeddings.vectors, a.embeddings.vectors);
      // Same inputs in a fresh cache: fastText (one thread, seed 1) gives the same vectors, byte for byte.
      const cache2 = await Deno.makeTempDir();
      try {
        const c = await alignedVectors({ ...opts, cacheDir: cache2 });
        assert.equal(c.record.vec.sha256, r.vec.sha256);
        assert.equal(c.record.target.vec.sha256, r.target.vec.sha256);
      } finally {
        await Deno.remove(cache2, { recursive: true });
      }
    } finally {
      await Deno.remove(cache, { recursive: true });
      await Deno.remove(`${cache}-link`).catch(() => {});
    }
  },
});
