import { assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { join } from "node:path";
import { DataFormatError } from "./conll_reader.ts";
import { GENIA_TO_PTB, geniaTagToPtb, PTB_POS_TAGS, readGeniaPos, readGeniaPosFile } from "./genia_reader.ts";

const MINI = join(import.meta.dirname!, "testdata", "mini.genia");

Deno.test("readGeniaPosFile: word/TAG lines, ==== separators, tags mapped to PTB as the released genia.py", async () => {
  assertEquals(await readGeniaPosFile(MINI), [
    { words: ["UI", "-", "95369245"], tags: ["NN", "SYM", "CD"] },
    {
      words: ["Alterations", "of", "the", "IL-2", "and/or", "both", "(", "B", ")", "cells", "."],
      tags: ["NNS", "IN", "DT", "NN", "CC", "DT", "-LRB-", "NN", "-RRB-", "NNS", "."],
    },
    { words: ["It", "binds"], tags: ["PRP", "VBZ"] },
  ]);
  const raw = await readGeniaPosFile(MINI, { tags: "raw" });
  assertEquals(raw[1].tags.slice(3, 7), ["NN|JJ", "CC", "CT", "("]);
});

Deno.test("readGeniaPos: blank lines and CRLF end sentences; no empty sentences", () => {
  assertEquals(readGeniaPos("a/DT\r\n\r\n\r\nb/NN \r\n====\n"), [
    { words: ["a"], tags: ["DT"] },
    { words: ["b"], tags: ["NN"] },
  ]);
});

Deno.test("geniaTagToPtb: first alternative, then the released trans_label map; every target is a PTB tag", () => {
  assertEquals(geniaTagToPtb("JJ|VBN"), "JJ");
  assertEquals(geniaTagToPtb("XT"), "DT");
  assertEquals(geniaTagToPtb(""), "-RRB-");
  assertEquals(geniaTagToPtb("N|NN"), "NN");
  assertEquals(PTB_POS_TAGS.size, 45);
  for (const t of Object.values(GENIA_TO_PTB)) assertEquals(PTB_POS_TAGS.has(t), true, t);
});

Deno.test("readGeniaPos: an empty word or a tag outside PTB is a DataFormatError naming file and line", () => {
  assertThrows(
    () => readGeniaPos("a/DT\n/NN\n", { file: "g.txt" }),
    DataFormatError,
    `"g.txt": line 2 has an empty word`,
  );
  assertThrows(
    () => readGeniaPos("a/DT\nb/*\n", { file: "g.txt" }),
    DataFormatError,
    `line 2 has tag "*" (mapped "*"), not a Penn Treebank POS tag`,
  );
  assertEquals(readGeniaPos("b/*\n", { tags: "raw" }), [{ words: ["b"], tags: ["*"] }]);
});

Deno.test("readGeniaPosFile: a missing file is NotFound", async () => {
  await assertRejects(
    () => readGeniaPosFile(join(import.meta.dirname!, "testdata", "nope.genia")),
    Deno.errors.NotFound,
  );
});
