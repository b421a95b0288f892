import { assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { join } from "node:path";
import { DataFormatError } from "./conll_reader.ts";
import { Gazetteer, readGazetteerList, readGazetteerListFile } from "./gazetteer.ts";

const tagsOf = (list: string, sentence: string): string[] =>
  new Gazetteer(readGazetteerList(list)).gazetteerTags(sentence.split(" "));

Deno.test("readGazetteerList: CAT word…, any whitespace, blank lines skipped, CRLF, no final newline", () => {
  const text = "LOC New York\n\nPER\tJohn  Smith\r\n   \nMISC  Tour de France \nORG Reuters";
  assertEquals(readGazetteerList(text), [
    { type: "LOC", words: ["New", "York"] },
    { type: "PER", words: ["John", "Smith"] },
    { type: "MISC", words: ["Tour", "de", "France"] },
    { type: "ORG", words: ["Reuters"] },
  ]);
  assertEquals(readGazetteerList(""), []);
});

Deno.test("readGazetteerList: a line without a word is a DataFormatError naming file and line", () => {
  assertThrows(
    () => readGazetteerList("LOC Paris\n\nLOC\nPER John\n", { file: "eng.list" }),
    DataFormatError,
    `Cannot read "eng.list": line 3 has 1 field, expected a category and at least one word`,
  );
  assertThrows(() => readGazetteerList("  PER  \n"), DataFormatError, `"<text>": line 1`);
});

Deno.test("readGazetteerList: a cut-off last line and binary junk name file and line", () => {
  const e1 = assertThrows(() => readGazetteerList("LOC Paris\nPER", { file: "eng.list" }), DataFormatError);
  assertEquals(
    e1.message,
    `Cannot read "eng.list": line 2 has 1 field, expected a category and at least one word (the file may be truncated)`,
  );
  const e2 = assertThrows(
    () => readGazetteerList("LOC Paris\nPER Jo\u0000\u0001hn\n", { file: "eng.list" }),
    DataFormatError,
  );
  assertEquals(
    e2.message,
    `Cannot read "eng.list": line 2 holds the control character U+0000, expected text (the file may be binary)`,
  );
  assertEquals(readGazetteerList("LOC\vParis\f\r\n"), [{ type: "LOC", words: ["Paris"] }]); // whitespace is fine
});

Deno.test("readGazetteerListFile: reads a file, errors name its path; invalid UTF-8 is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "eng.list");
    await Deno.writeTextFile(path, "LOC São Paulo\nPER Anna\n");
    assertEquals(await readGazetteerListFile(path), [
      { type: "LOC", words: ["São", "Paulo"] },
      { type: "PER", words: ["Anna"] },
    ]);
    await Deno.writeTextFile(path, "LOC Paris\nMISC\n");
    await assertRejects(() => readGazetteerListFile(path), DataFormatError, `"${path}": line 2`);
    await Deno.writeFile(path, new Uint8Array([0x4c, 0x4f, 0x43, 0x20, 0xff]));
    await assertRejects(() => readGazetteerListFile(path), DataFormatError, "is not valid UTF-8");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Gazetteer: one word → S-, several → B- I-… E-, unmatched → O", () => {
  const list = "PER John\nMISC Tour de France\n";
  assertEquals(tagsOf(list, "John won the Tour de France"), [
    "S-PER",
    "O",
    "O",
    "B-MISC",
    "I-MISC",
    "E-MISC",
  ]);
  assertEquals(tagsOf("LOC New York\n", "in New York"), ["O", "B-LOC", "E-LOC"]);
  assertEquals(new Gazetteer([]).gazetteerTags(["a", "b"]), ["O", "O"]);
  assertEquals(new Gazetteer(readGazetteerList(list)).gazetteerTags([]), []);
});

Deno.test("Gazetteer: the longest candidate that matches wins, whatever the list order", () => {
  const tags = ["O", "B-LOC", "I-LOC", "E-LOC", "O"];
  assertEquals(tagsOf("LOC New York\nLOC New York City\n", "in New York City today"), tags);
  assertEquals(tagsOf("LOC New York City\nLOC New York\n", "in New York City today"), tags);
  // A longer candidate with another category beats a shorter one listed first.
  assertEquals(tagsOf("LOC New York\nORG New York Times\n", "New York Times"), ["B-ORG", "I-ORG", "E-ORG"]);
});

Deno.test("Gazetteer: a candidate that runs past the sentence end is skipped for a shorter one", () => {
  const list = "LOC New York City\nLOC New York\nLOC New\n";
  assertEquals(tagsOf(list, "to New York"), ["O", "B-LOC", "E-LOC"]);
  assertEquals(tagsOf(list, "to New"), ["O", "S-LOC"]);
  assertEquals(tagsOf("LOC New York\n", "to New"), ["O", "O"]);
  // A candidate whose later words differ does not match either.
  assertEquals(tagsOf("LOC New York City\n", "New York Town"), ["O", "O", "O"]);
});

Deno.test("Gazetteer: greedy left to right; matching resumes after a match, not inside it", () => {
  // "America" alone is a LOC, but it is inside the ORG match.
  assertEquals(tagsOf("ORG Bank of America\nLOC America\n", "Bank of America"), ["B-ORG", "I-ORG", "E-ORG"]);
  // Overlapping entries: "A B" is taken first, so "B C" never starts at B.
  assertEquals(tagsOf("MISC A B\nMISC B C\n", "A B C"), ["B-MISC", "E-MISC", "O"]);
  // After an unmatched token, matching resumes at the next one.
  assertEquals(tagsOf("MISC A B\nMISC B C\n", "x B C A"), ["O", "B-MISC", "E-MISC", "O"]);
  // Back-to-back matches.
  assertEquals(tagsOf("PER John\nLOC Paris\n", "John John Paris"), ["S-PER", "S-PER", "S-LOC"]);
});

Deno.test("Gazetteer: matching is case-sensitive on the raw words", () => {
  const list = "PER John\nLOC New York\n";
  assertEquals(tagsOf(list, "John john JOHN"), ["S-PER", "O", "O"]);
  assertEquals(tagsOf(list, "new York New york"), ["O", "O", "O", "O"]);
  assertEquals(tagsOf("LOC 1990 Cup\n", "1990 Cup 1991 Cup"), ["B-LOC", "E-LOC", "O", "O"]);
});

Deno.test("Gazetteer: duplicates are harmless; among equal candidates the first listed wins", () => {
  const dup = new Gazetteer(readGazetteerList("LOC Paris\nLOC Paris\n"));
  assertEquals(dup.size, 2);
  assertEquals(dup.gazetteerTags(["Paris"]), ["S-LOC"]);
  assertEquals(tagsOf("PER Paris\nLOC Paris\n", "Paris"), ["S-PER"]);
  assertEquals(tagsOf("LOC Paris\nPER Paris\n", "Paris"), ["S-LOC"]);
  // Stable under the length sort: a longer candidate between the two does not reorder them.
  assertEquals(tagsOf("LOC Paris\nMISC Paris Saint-Germain\nPER Paris\n", "Paris"), ["S-LOC"]);
  assertEquals(tagsOf("LOC Paris\nMISC Paris Saint-Germain\nPER Paris\n", "Paris Saint-Germain"), [
    "B-MISC",
    "E-MISC",
  ]);
});
