import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { join } from "node:path";
import { DataFormatError, readConll, readConllFile } from "./conll_reader.ts";
import { realDataDir, TESTDATA } from "./_testing.ts";

Deno.test("readConll: CoNLL-2003 layout, DOCSTART + blank line is counted, never a sentence", async () => {
  const { sentences, docstarts } = await readConllFile(join(TESTDATA, "mini.conll2003"), "conll2003");
  assertEquals(docstarts, 2);
  assertEquals(sentences, [
    { words: ["EU", "rejects", "German"], tags: ["I-ORG", "O", "I-MISC"] },
    { words: ["Peter", "Blackburn"], tags: ["I-PER", "I-PER"] },
    { words: ["BRUSSELS"], tags: ["I-LOC"] },
  ]);
});

Deno.test("readConll: CoNLL-2002 Dutch DOCSTART at the start of a block keeps the rest of the block", async () => {
  const { sentences, docstarts } = await readConllFile(join(TESTDATA, "mini.ned"), "conll2002");
  assertEquals(docstarts, 2);
  assertEquals(sentences, [
    { words: ["De", "tekst"], tags: ["O", "O"] },
    { words: ["Gent"], tags: ["B-LOC"] },
    { words: ["Maandag"], tags: ["O"] },
  ]);
});

Deno.test("readConll: WNUT, lone TAB / whitespace-only lines are boundaries, no empty sentences", async () => {
  const { sentences, docstarts } = await readConllFile(join(TESTDATA, "mini.wnut"), "wnut");
  assertEquals(docstarts, 0);
  assertEquals(sentences, [
    { words: ["Hello", "New", "York"], tags: ["O", "B-geo-loc", "I-geo-loc"] },
    { words: ["@user"], tags: ["O"] },
    { words: ["last"], tags: ["O"] },
  ]);
});

Deno.test("readConll: Ritter POS is space-separated, the PTB sample TAB-separated; PTB escapes kept", () => {
  const pos = readConll("@paulwalk USR\nIt PRP\n\nRT RT\n", { format: "ritter-pos" });
  assertEquals(pos.sentences, [{ words: ["@paulwalk", "It"], tags: ["USR", "PRP"] }, {
    words: ["RT"],
    tags: ["RT"],
  }]);
  const ptb = readConll("-LRB-\t-LRB-\n``\t``\n\n", { format: "ptb-pos" });
  assertEquals(ptb.sentences, [{ words: ["-LRB-", "``"], tags: ["-LRB-", "``"] }]);
  assertThrows(
    () => readConll("It\tPRP\n", { format: "ritter-pos", file: "pos.txt" }),
    DataFormatError,
    "line 1 has 1",
  );
  assertThrows(() => readConll("It PRP\n", { format: "ptb-pos", file: "p" }), DataFormatError, "expected 2");
});

Deno.test("readConll: CRLF line endings and a missing final newline", () => {
  const { sentences } = readConll("a X B-NP\r\nb Y I-NP\r\n\r\nc Z O", { format: "conll2000" });
  assertEquals(sentences, [{ words: ["a", "b"], tags: ["B-NP", "I-NP"] }, { words: ["c"], tags: ["O"] }]);
});

Deno.test("readConll: word = first column, tag = last column", () => {
  const { sentences } = readConll("Gent N B-LOC\n", { format: "conll2002" });
  assertEquals(sentences[0], { words: ["Gent"], tags: ["B-LOC"] });
});

Deno.test("readConll: wrong column count names file and line", () => {
  const text = "EU NNP I-NP I-ORG\nrejects VBZ O\n";
  const err = assertThrows(
    () => readConll(text, { format: "conll2003", file: "eng.train" }),
    DataFormatError,
  );
  assertEquals(err.message, 'Cannot read "eng.train": line 2 has 3 columns, expected 4');
  assertEquals(err.line, 2);
  assertEquals(err.file, "eng.train");
});

Deno.test("readConll: space-separated WNUT line is rejected (TAB expected)", () => {
  const err = assertThrows(
    () => readConll("a\tO\nb O\n", { format: "wnut", file: "train" }),
    DataFormatError,
  );
  assertEquals(err.message, 'Cannot read "train": line 2 has 1 columns, expected 2');
});

Deno.test("readConll: empty tag and empty word are errors", () => {
  const e1 = assertThrows(() => readConll("a\t\n", { format: "wnut", file: "f" }), DataFormatError);
  assertEquals(e1.message, 'Cannot read "f": line 1 has an empty tag (last column)');
  const e2 = assertThrows(
    () => readConll("x NN B-NP\n NN O\n", { format: "conll2000", file: "f" }),
    DataFormatError,
  );
  assertEquals(e2.message, 'Cannot read "f": line 2 has an empty word (first column)');
});

Deno.test("readConllFile: invalid UTF-8 is an error naming the file", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, new Uint8Array([0x61, 0x09, 0x4f, 0x0a, 0xe9, 0x09, 0x4f, 0x0a]));
    const err = await assertRejects(() => readConllFile(path, "wnut"), DataFormatError);
    assertEquals([err.message, err.line], [`Cannot read "${path}": is not valid UTF-8`, undefined]);
  } finally {
    await Deno.remove(path);
  }
});

const dataDir = realDataDir();

/** [file under the data dir, format, sentences, tokens, docstarts] as in shared/data/README.md and PROVENANCE.md. */
const REAL: [string, Parameters<typeof readConllFile>[1], number, number, number][] = [
  ["conll2003/eng.train", "conll2003", 14041, 203621, 946],
  ["conll2003/eng.testa", "conll2003", 3250, 51362, 216],
  ["conll2003/eng.testb", "conll2003", 3453, 46435, 231],
  ["conll2002/esp.train", "conll2002", 8323, 264715, 0],
  ["conll2002/esp.testa", "conll2002", 1915, 52923, 0],
  ["conll2002/esp.testb", "conll2002", 1517, 51533, 0],
  ["conll2002/ned.train", "conll2002", 15806, 202644, 287],
  ["conll2002/ned.testa", "conll2002", 2895, 37687, 74],
  ["conll2002/ned.testb", "conll2002", 5195, 68875, 119],
  ["conll2000/train.txt", "conll2000", 8936, 211727, 0],
  ["conll2000/test.txt", "conll2000", 2012, 47377, 0],
  ["wnut16/train", "wnut", 2394, 46469, 0],
  ["wnut16/dev", "wnut", 1000, 16261, 0],
  ["wnut16/test", "wnut", 3850, 61908, 0],
  // WNUT-17: every non-blank line is a token. shared/data/README.md says 3,393 / 62,639, 15,729 and 23,368, but the
  // files hold 62,730 / 15,733 / 23,394 token lines (the DATNet paper's Table 1 numbers) in 3,394 / 1,009 / 1,287
  // blocks.
  ["wnut17/wnut17train.conll", "wnut", 3394, 62730, 0],
  ["wnut17/emerging.dev.conll", "wnut", 1009, 15733, 0],
  ["wnut17/emerging.test.annotated", "wnut", 1287, 23394, 0],
  ["ritter2011_twitter/ner.txt", "wnut", 2394, 46469, 0],
  ["ritter2011_twitter/pos.txt", "ritter-pos", 787, 15185, 0],
  ["ptb_wsj_sample_nltk/wsj_0001-0199.pos.tsv", "ptb-pos", 3914, 94084, 0],
];

for (const [file, format, nSent, nTok, nDoc] of REAL) {
  Deno.test({
    name: `readConllFile: real ${file} has ${nSent} sentences, ${nTok} tokens, ${nDoc} DOCSTART lines`,
    ignore: dataDir === undefined,
    fn: async () => {
      const { sentences, docstarts } = await readConllFile(join(dataDir!, file), format);
      assertEquals(sentences.length, nSent);
      assertEquals(sentences.reduce((n, s) => n + s.words.length, 0), nTok);
      assertEquals(docstarts, nDoc);
      for (const s of sentences) {
        assert(s.words.length > 0 && s.words.length === s.tags.length);
      }
    },
  });
}

Deno.test({
  name: "readConllFile: CoNLL-2003 train reads in well under a second",
  ignore: dataDir === undefined,
  fn: async () => {
    const text = await Deno.readTextFile(join(dataDir!, "conll2003/eng.train"));
    readConll(text, { format: "conll2003" }); // warm-up
    const t0 = performance.now();
    readConll(text, { format: "conll2003" });
    const ms = performance.now() - t0;
    assert(ms < 500, `parsing eng.train took ${ms.toFixed(0)} ms`);
  },
});
