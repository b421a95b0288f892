import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataFormatError } from "./conll_reader.ts";
import { readConllu, readConlluFile, UPOS_TAGS } from "./conllu_reader.ts";
import { realDataDir } from "./_testing.ts";

/** A CoNLL-U token line from its ID, FORM and UPOS (other columns `_`). */
function row(id: string, form: string, upos: string): string {
  return [id, form, "_", upos, "_", "_", "_", "_", "_", "_"].join("\t");
}

const SAMPLE = [
  "# sent_id = es-1",
  "# text = Vamos al cine.",
  row("1", "Vamos", "VERB"),
  row("2-3", "al", "_"),
  row("2", "a", "ADP"),
  row("3", "el", "DET"),
  row("4", "cine", "NOUN"),
  row("4.1", "ir", "VERB"),
  row("5", ".", "PUNCT"),
  "",
  "# sent_id = es-2",
  row("1", "_", "SYM"),
  "",
  "",
].join("\n");

Deno.test("readConllu: words and UPOS; comments, ranges and empty nodes skipped", () => {
  assertEquals(readConllu(SAMPLE), [
    { words: ["Vamos", "a", "el", "cine", "."], tags: ["VERB", "ADP", "DET", "NOUN", "PUNCT"] },
    { words: ["_"], tags: ["SYM"] },
  ]);
});

Deno.test("readConllu: CRLF, whitespace-only boundaries, no final newline, empty text", () => {
  const text = `${row("1", "Hi", "INTJ")}\r\n \r\n${row("1", "yes", "INTJ")}\r\n${row("2", "!", "PUNCT")}`;
  assertEquals(readConllu(text), [
    { words: ["Hi"], tags: ["INTJ"] },
    { words: ["yes", "!"], tags: ["INTJ", "PUNCT"] },
  ]);
  assertEquals(readConllu(""), []);
  assertEquals(readConllu("# only a comment\n\n"), []);
});

Deno.test("readConllu: malformed lines name file and line", () => {
  const cases: [string, string][] = [
    ["1\tHi\t_\tINTJ\n", "line 1 has 4 TAB-separated columns, expected 10"],
    [`${row("1", "a", "X")}\n${row("x", "b", "X")}\n`, 'line 2 has ID "x", expected a word number, a range'],
    [`${row("0", "a", "X")}\n`, 'line 1 has ID "0"'],
    [`${row("2", "a", "X")}\n`, "line 1 has word ID 2, expected 1 (IDs count up from 1 in each sentence"],
    [`${row("1", "a", "X")}\n${row("1", "b", "X")}\n`, "line 2 has word ID 1, expected 2"],
    [`${row("1", "", "X")}\n`, "line 1 has an empty FORM (column 2)"],
    [`${row("1", "a", "_")}\n`, 'line 1 has UPOS "_" (column 4), expected one of ADJ, ADP'],
    [`${row("1", "a", "NN")}\n`, 'line 1 has UPOS "NN"'],
  ];
  for (const [text, message] of cases) {
    const err = assertThrows(() => readConllu(text, { file: "x.conllu" }), DataFormatError, message);
    assert(err.message.startsWith('Cannot read "x.conllu": line '), err.message);
  }
});

Deno.test("UPOS_TAGS: the 17 UD v1 tags plus CCONJ", () => {
  assertEquals(UPOS_TAGS.size, 18);
  for (const t of ["CONJ", "CCONJ", "PROPN", "X"]) assert(UPOS_TAGS.has(t), t);
});

Deno.test("readConlluFile: plain and gzip files (by magic bytes); corrupt gzip and bad UTF-8 are errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const expected = readConllu(SAMPLE);
    const plain = join(dir, "a.conllu");
    await Deno.writeTextFile(plain, SAMPLE);
    assertEquals(await readConlluFile(plain), expected);
    const gz = join(dir, "a.conllu.gz");
    await Deno.writeFile(gz, gzipSync(new TextEncoder().encode(SAMPLE)));
    assertEquals(await readConlluFile(gz), expected);

    const broken = join(dir, "b.conllu.gz");
    await Deno.writeFile(broken, gzipSync(new TextEncoder().encode(SAMPLE)).subarray(0, 30));
    await assertRejects(
      () => readConlluFile(broken),
      DataFormatError,
      `"${broken}": is not a valid gzip file`,
    );
    const latin1 = join(dir, "c.conllu");
    await Deno.writeFile(latin1, new Uint8Array([0x31, 0x09, 0xe9]));
    await assertRejects(() => readConlluFile(latin1), DataFormatError, "is not valid UTF-8");
    await Deno.writeTextFile(plain, `${SAMPLE}${row("1", "a", "Y")}\n`);
    await assertRejects(() => readConlluFile(plain), DataFormatError, `"${plain}": line 14 has UPOS "Y"`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const dataDir = realDataDir();
const udDir = dataDir === undefined ? undefined : join(dataDir, "ud_v1.2");
const hasUd = udDir !== undefined && existsSync(join(udDir, "PROVENANCE.md"));

Deno.test({
  name: "real data: UD v1.2 Basque and Indonesian train/dev/test sentence and word counts",
  ignore: !hasUd,
  fn: async () => {
    const counts: Record<string, [number, number]> = {};
    for (const [folder, lang] of [["UD_Basque", "eu"], ["UD_Indonesian", "id"]]) {
      for (const split of ["train", "dev", "test"]) {
        const s = await readConlluFile(join(udDir!, folder, `${lang}-ud-${split}.conllu.gz`));
        counts[`${lang}-${split}`] = [s.length, s.reduce((a, x) => a + x.words.length, 0)];
      }
    }
    assertEquals(counts, {
      "eu-train": [5396, 72974],
      "eu-dev": [1798, 24095],
      "eu-test": [1799, 24374],
      "id-train": [4477, 97531],
      "id-dev": [559, 12612],
      "id-test": [557, 11780],
    });
  },
});

Deno.test({
  name: "real data: every copied UD v1.2 file reads with the counts its PROVENANCE.md table gives",
  ignore: !hasUd,
  fn: async () => {
    // table rows: | folder | repo | commit | licence | file | status | bytes | sha256 | gz sha256 | sentences | words |
    const rows = (await Deno.readTextFile(join(udDir!, "PROVENANCE.md"))).split("\n")
      .map((l) => l.split("|").map((c) => c.trim()))
      .filter((c) => c.length === 13 && c[6] === "copied");
    assertEquals(rows.length, 51);
    const int = (s: string) => Number(s.replaceAll(",", ""));
    for (const c of rows) {
      const s = await readConlluFile(join(udDir!, c[1], c[5]));
      const got = [s.length, s.reduce((a, x) => a + x.words.length, 0)];
      assertEquals(got, [int(c[10]), int(c[11])], `${c[1]}/${c[5]}`);
    }
  },
});
