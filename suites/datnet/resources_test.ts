/**
 * The papers' own resources and the substitute aligned vectors, end to end on the real CoNLL data: a data
 * directory that holds (stand-in) Lin et al. 2018 vectors uses and hashes them and drops the embedding deviations;
 * `--choice target_vectors=aligned-fasttext` trains, aligns and records the substitute vectors.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { realDataDir } from "../../harness/data/_testing.ts";
import { reproduce } from "../../harness/run/runner.ts";
import { readManifest } from "../../harness/results/run_record.ts";
import { fastTextInstalled } from "../../harness/vectors/fasttext.ts";
import { datnetSuite, LIN2018_FILES } from "./suite.ts";

const dataDir = realDataDir() ?? "";
const haveData = dataDir !== "" &&
  ["conll2002", "conll2003", "wnut16", "wnut17"].every((d) => existsSync(join(dataDir, d)));

/** A 50-d stand-in table: a few words per language with seeded values (the real files are not here). */
function fakeVectors(words: string[], seed: number): string {
  let x = seed;
  const next = () => ((x = (x * 16807) % 2147483647) / 2147483647) - 0.5;
  return words.map((w) => `${w} ${Array.from({ length: 50 }, () => next().toFixed(5)).join(" ")}\n`).join("");
}

Deno.test({
  name:
    "datnet resources: Lin et al. 2018 vectors present in the data directory are used, hashed, deviations dropped",
  ignore: !haveData,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tagbench-lin2018-" });
    try {
      const data = join(dir, "data");
      await Deno.mkdir(join(data, "embeddings", "lin2018"), { recursive: true });
      // The datasets are linked, never copied.
      for (const d of ["conll2002", "conll2003", "wnut16", "wnut17"]) {
        await Deno.symlink(join(resolve(dataDir), d), join(data, d));
      }
      const words = {
        en: ["the", "of", "in", "eu", "german", "u.s.", "."],
        es: ["el", "la", "de", "en", "madrid", "españa", "."],
        nl: ["de", "het", "een", "."],
      };
      for (const [i, f] of LIN2018_FILES.entries()) {
        const lang = f.match(/\/(en|es|nl)wiki/)![1] as keyof typeof words;
        await Deno.writeTextFile(join(data, f), fakeVectors(words[lang], i + 1));
      }
      const out = join(dir, "run");
      const res = await reproduce({
        suite: datnetSuite,
        profile: "smoke",
        protocol: "paper",
        dataDir: data,
        backend: "wasm",
        out,
        only: ["t3/es/datnet-f/k=10$"],
        budget: { epochs: 1 },
        quiet: true,
      });
      assert.equal(res.rows.length, 1);
      const m = await readManifest(out);
      assert.deepStrictEqual(m.cells[0].deviations, [], "no embedding deviation with the paper's vectors");
      // The resource's files are hashed into the manifest (all three: the resource is one unit).
      const hashed = m.data_files.filter((f) => f.dataset === "lin2018-word2vec").map((f) => f.path).sort();
      assert.deepStrictEqual(hashed, LIN2018_FILES.map((f) => join(data, f)).sort());
      assert.deepStrictEqual(
        m.embeddings.map((e) => (e as { name: string }).name).sort(),
        ["lin2018", "lin2018"],
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "datnet --choice target_vectors=aligned-fasttext: substitute aligned vectors trained, aligned, recorded",
  ignore: !haveData || !existsSync(join(dataDir, "corpora", "es")) || !fastTextInstalled(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tagbench-aligned-" });
    try {
      const out = join(dir, "run");
      const res = await reproduce({
        suite: datnetSuite,
        profile: "smoke",
        protocol: "paper",
        dataDir,
        backend: "wasm",
        out,
        only: ["t3/es/base/k=10$"],
        budget: { epochs: 1 },
        choices: { target_vectors: "aligned-fasttext" },
        artifactsDir: join(dir, "artifacts"),
        quiet: true,
      });
      const extra = res.rows[0].extra as Record<string, number | string>;
      assert.match(String(extra.aligned_vectors_key), /^[0-9a-f]{64}$/);
      assert.ok(Number(extra.aligned_vectors_training_tokens) <= 50_000, "the smoke slice");
      assert.ok(Number(extra.aligned_vectors_precision_at_1) >= 0);
      const m = await readManifest(out);
      assert.ok(m.cells[0].deviations.some((d) => d.includes("substitute aligned vectors")));
      assert.ok(m.deviations.some((d) => d.includes("target_vectors=aligned-fasttext")));
      assert.equal(m.choice_overrides?.target_vectors, "aligned-fasttext");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
