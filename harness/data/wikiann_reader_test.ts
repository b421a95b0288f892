import { assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { join } from "node:path";
import { DataFormatError } from "./conll_reader.ts";
import { readWikiann, readWikiannFile } from "./wikiann_reader.ts";

Deno.test("readWikiann: XTREME layout with lang: prefixes, blank lines between sentences", () => {
  const text = "es:Real\tB-ORG\nes:Madrid\tI-ORG\nes:gana\tO\n\nes:Hola\tO\nes:12:30\tO\n\n\n";
  assertEquals(readWikiann(text), {
    sentences: [
      { words: ["Real", "Madrid", "gana"], tags: ["B-ORG", "I-ORG", "O"] },
      { words: ["Hola", "12:30"], tags: ["O", "O"] }, // only the first colon ends the prefix
    ],
    language: "es",
  });
});

Deno.test("readWikiann: lines without the prefix; colons kept in words; language from the option", () => {
  const text = "12:30\tO\nhttp://x.org\tO\n\nParis\tB-LOC\r\n";
  assertEquals(readWikiann(text), {
    sentences: [{ words: ["12:30", "http://x.org"], tags: ["O", "O"] }, {
      words: ["Paris"],
      tags: ["B-LOC"],
    }],
    language: undefined,
  });
  assertEquals(readWikiann("Paris\tB-LOC\n", { language: "fr" }).language, "fr");
});

Deno.test("readWikiann: multi-part language codes, CRLF, whitespace-only boundaries, no final newline", () => {
  const text = "zh-min-nan:Tâi-oân\tB-LOC\r\n \t\r\nzh-min-nan:ê\tO";
  assertEquals(readWikiann(text, { language: "zh-min-nan" }), {
    sentences: [{ words: ["Tâi-oân"], tags: ["B-LOC"] }, { words: ["ê"], tags: ["O"] }],
    language: "zh-min-nan",
  });
  assertEquals(readWikiann(""), { sentences: [], language: undefined });
});

Deno.test("readWikiann: a language prefix that changes mid-file names both lines", () => {
  const err = assertThrows(
    () => readWikiann("es:Hola\tO\n\nes:Lisboa\tB-LOC\npt:Lisboa\tB-LOC\n", { file: "es-train" }),
    DataFormatError,
  );
  assertEquals(
    err.message,
    'Cannot read "es-train": line 4 has language prefix "pt:", expected "es:" as on line 1',
  );
  assertEquals([err.file, err.line], ["es-train", 4]);
});

Deno.test("readWikiann: a prefix other than the language option, or a missing prefix, is an error", () => {
  assertThrows(
    () => readWikiann("pt:Lisboa\tB-LOC\n", { language: "es" }),
    DataFormatError,
    'line 1 has language prefix "pt:", expected "es:"',
  );
  assertThrows(
    () => readWikiann("es:Hola\tO\nMadrid\tB-LOC\n"),
    DataFormatError,
    'line 2 has no language prefix, expected "es:" as on line 1',
  );
});

Deno.test("readWikiann: malformed lines name file and line", () => {
  const cases: [string, string][] = [
    ["es:Hola O\n", 'Cannot read "f": line 1 has 1 TAB-separated columns, expected 2 (WORD<TAB>TAG)'],
    [
      "es:a\tO\nes:b\tO\textra\n",
      'Cannot read "f": line 2 has 3 TAB-separated columns, expected 2 (WORD<TAB>TAG)',
    ],
    ["es:a\tO\nes:\tO\n", 'Cannot read "f": line 2 has an empty word'],
    ["\tO\n", 'Cannot read "f": line 1 has an empty word'],
    ["es:a\tPER\n", 'Cannot read "f": line 1 has tag "PER", expected O, B-<type> or I-<type>'],
    ["es:a\tE-PER\n", 'Cannot read "f": line 1 has tag "E-PER", expected O, B-<type> or I-<type>'],
    ["es:a\t\n", 'Cannot read "f": line 1 has tag "", expected O, B-<type> or I-<type>'],
    ["\n\nes:a\tB-\n", 'Cannot read "f": line 3 has tag "B-", expected O, B-<type> or I-<type>'],
  ];
  for (const [text, message] of cases) {
    assertEquals(assertThrows(() => readWikiann(text, { file: "f" }), DataFormatError).message, message);
  }
});

Deno.test("readWikiannFile: reads a file, errors name its path; invalid UTF-8 is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "nl-dev");
    await Deno.writeTextFile(path, "nl:Gent\tB-LOC\n\nnl:Maandag\tO\n");
    assertEquals(await readWikiannFile(path, { language: "nl" }), {
      sentences: [{ words: ["Gent"], tags: ["B-LOC"] }, { words: ["Maandag"], tags: ["O"] }],
      language: "nl",
    });
    await assertRejects(
      () => readWikiannFile(path, { language: "fy" }),
      DataFormatError,
      `"${path}": line 1`,
    );
    await Deno.writeFile(path, new Uint8Array([0x6e, 0x6c, 0x3a, 0xff, 0x09, 0x4f]));
    await assertRejects(() => readWikiannFile(path), DataFormatError, "is not valid UTF-8");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
