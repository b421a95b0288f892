import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  normalizeWord,
  readCorpusLines,
  sentencesSha256,
  tokenizeLine,
  writeTrainingText,
} from "./corpus.ts";

Deno.test("tokenizeLine splits punctuation off as the CoNLL datasets do, keeping inner joiners", () => {
  assert.deepStrictEqual(tokenizeLine("¿Qué es esto? Pulse el botón «Aceptar»."), [
    "¿",
    "Qué",
    "es",
    "esto",
    "?",
    "Pulse",
    "el",
    "botón",
    "«",
    "Aceptar",
    "»",
    ".",
  ]);
  assert.deepStrictEqual(tokenizeLine("l'eau, e-mail; d.h. 1,5 kg (3,a)"), [
    "l'eau",
    ",",
    "e-mail",
    ";",
    "d.h",
    ".",
    "1,5",
    "kg",
    "(",
    "3",
    ",",
    "a",
    ")",
  ]);
  assert.deepStrictEqual(tokenizeLine("   "), []);
});

Deno.test("normalizeWord lower-cases and maps digits by policy, and drops characters fastText splits on", () => {
  assert.equal(normalizeWord("Año2019", { lowercase: true, digitsToZero: false }), "año2019");
  assert.equal(normalizeWord("Año2019", { lowercase: false, digitsToZero: true }), "Año0000");
  assert.equal(normalizeWord("a\u00a0b\0c", { lowercase: false, digitsToZero: false }), "abc");
});

Deno.test("writeTrainingText: sentences first, then corpus files in order; the cap keeps whole lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "corpora", "xx"), { recursive: true });
    await Deno.writeFile(join(dir, "corpora/xx/a.txt.gz"), gzipSync("Uno dos tres.\n\nCuatro, cinco.\n"));
    await Deno.writeTextFile(join(dir, "corpora/xx/b.txt"), "Seis siete ocho nueve\r\n");
    const out = join(dir, "train.txt");
    const input = {
      sentences: [["EFE", "dijo", "."], ["Madrid", "1995"]],
      corpus: [{ file: "corpora/xx/a.txt.gz", sha256: "a" }, { file: "corpora/xx/b.txt", sha256: "b" }],
      dataDir: dir,
      policy: { lowercase: true, digitsToZero: true },
    };
    const all = await writeTrainingText(out, input);
    assert.equal(
      await Deno.readTextFile(out),
      "efe dijo .\nmadrid 0000\nuno dos tres .\ncuatro , cinco .\nseis siete ocho nueve\n",
    );
    assert.deepStrictEqual(all.sentences, { count: 2, tokens: 5, usedLines: 2, usedTokens: 5 });
    assert.deepStrictEqual(all.corpus.map((c) => [c.file, c.lines, c.tokens, c.usedLines, c.usedTokens]), [
      ["corpora/xx/a.txt.gz", 2, 5, 2, 8],
      ["corpora/xx/b.txt", 1, 4, 1, 4],
    ]);
    assert.deepStrictEqual([all.lines, all.tokens], [5, 17]);

    const capped = await writeTrainingText(out, { ...input, maxTokens: 11 });
    assert.equal(await Deno.readTextFile(out), "efe dijo .\nmadrid 0000\nuno dos tres .\n");
    assert.deepStrictEqual([capped.lines, capped.tokens], [3, 9]);
    assert.deepStrictEqual(
      capped.corpus.map((c) => [c.lines, c.usedLines]),
      [[2, 1], [1, 0]],
      "whole files counted",
    );
    assert.notEqual(capped.sha256, all.sha256);

    await assert.rejects(() => readCorpusLines(join(dir, "corpora/xx/missing.txt.gz")), {
      name: "DataFormatError",
      message: `Cannot read "${
        join(dir, "corpora/xx/missing.txt.gz")
      }": does not exist, expected a corpus file (one sentence per line)`,
    });
    await Deno.writeTextFile(join(dir, "corpora/xx/bad.txt.gz"), "not gzip");
    await assert.rejects(() => readCorpusLines(join(dir, "corpora/xx/bad.txt.gz")), /is not valid gzip/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sentencesSha256 tells word boundaries apart", () => {
  assert.notEqual(sentencesSha256([["a", "b"]]), sentencesSha256([["a b"]]));
  assert.notEqual(sentencesSha256([["a"], ["b"]]), sentencesSha256([["a", "b"]]));
  assert.equal(sentencesSha256([["a"]]), sentencesSha256([["a"]]));
});
