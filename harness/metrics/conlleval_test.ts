import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  chunkF1,
  conlleval,
  conllevalCounts,
  ConllevalError,
  conllevalLines,
  type ConllevalOptions,
  conllevalReport,
  tokenAccuracy,
} from "./conlleval.ts";
import { CASES, optionsOf, readBytes } from "./_conlleval_cases.ts";

for (const c of CASES.filter((c) => !c.cli)) {
  Deno.test(`conlleval prints what conlleval.pl prints: ${c.name} (${c.args.join(" ") || "no options"})`, async () => {
    const input = await readBytes(c.input);
    const opts: ConllevalOptions = { ...optionsOf(c.args), byteStrings: true };
    if ((c.exit ?? 0) !== 0) {
      throws(() => conlleval(input, opts), (e) => e instanceof ConllevalError && e.exitCode === c.exit);
      return;
    }
    strictEqual(conlleval(input, opts).report, await readBytes(`${c.name}.expected`));
  });
}

Deno.test("conlleval errors carry the script's wording, line number and exit status", () => {
  const check = (input: string, message: string, lineNumber: number, exitCode: number) =>
    throws(
      () => conllevalCounts(input),
      (e) =>
        e instanceof ConllevalError && e.message === message && e.lineNumber === lineNumber &&
        e.exitCode === exitCode,
    );
  check("a B-PER B-PER\n\nb I-PER\n", "unexpected number of features: 2 (3)", 3, 1);
  check("\nlonely\n", "conlleval: unexpected number of features in line lonely", 2, 255);
});

Deno.test("conlleval on UTF-8 text pads chunk types by their UTF-8 length, as Perl on a UTF-8 file", async () => {
  const text = new TextDecoder().decode(
    await Deno.readFile(new URL("testdata/conlleval/utf8_types.txt", import.meta.url)),
  );
  const expected = new TextDecoder().decode(
    await Deno.readFile(new URL("testdata/conlleval/utf8_types.expected", import.meta.url)),
  );
  strictEqual(conlleval(text).report, expected);
  const latex = new TextDecoder().decode(
    await Deno.readFile(new URL("testdata/conlleval/utf8_types_latex.expected", import.meta.url)),
  );
  strictEqual(conlleval(text, { latex: true }).report, latex);
});

Deno.test("conlleval reads IOBES as conlleval does: B-PER E-PER B-PER E-PER S-LOC S-LOC is 6 tokens, 2 phrases", () => {
  const tags = ["B-PER", "E-PER", "B-PER", "E-PER", "S-LOC", "S-LOC"];
  const { counts, report } = conlleval(tags.map((t) => `w ${t} ${t}`));
  deepStrictEqual([counts.tokens, counts.foundCorrect, counts.foundGuessed, counts.correctChunks], [
    6,
    2,
    2,
    2,
  ]);
  ok(report.startsWith("processed 6 tokens with 2 phrases; found: 2 phrases; correct: 2.\n"));
  deepStrictEqual(chunkF1([tags], [tags]), { precision: 100, recall: 100, f1: 100 });
});

Deno.test("conlleval: 97 correct of 800 found with 97 gold prints 12.12 / 100.00 / 21.63 (ties to even)", () => {
  const lines = [...Array(97).fill("w B-PER B-PER"), ...Array(703).fill("w O B-LOC")];
  const { counts, report, overall } = conlleval(lines);
  deepStrictEqual([counts.foundCorrect, counts.foundGuessed, counts.correctChunks], [97, 800, 97]);
  strictEqual(overall.precision, 12.125);
  strictEqual(overall.recall, 100);
  strictEqual(overall.f1, 2 * 12.125 * 100 / 112.125);
  strictEqual(
    report.split("\n")[1],
    "accuracy:  12.12%; precision:  12.12%; recall: 100.00%; FB1:  21.63",
  );
});

Deno.test("conllevalCounts on a few CoNLL-2003-like sentences gives the counts worked out by hand", () => {
  const text = [
    "-DOCSTART- -X- -X- O O",
    "",
    "EU NNP B-NP B-ORG B-ORG",
    "rejects VBZ B-VP O O",
    "German JJ B-NP B-MISC B-MISC",
    "call NN I-NP O O",
    "to TO B-VP O O",
    "boycott VB I-VP O O",
    "British JJ B-NP B-MISC B-LOC",
    "lamb NN I-NP O O",
    ". . O O O",
    "",
    "Peter NNP B-NP B-PER B-PER",
    "Blackburn NNP I-NP I-PER O",
    "",
  ].join("\n");
  const counts = conllevalCounts(text);
  // 12 tokens (DOCSTART is one); gold chunks EU, German, British, Peter Blackburn; guessed EU, German,
  // British (LOC), Peter; correct EU and German. Wrong tags: British, Blackburn.
  deepStrictEqual(
    [counts.tokens, counts.correctTags, counts.foundCorrect, counts.foundGuessed, counts.correctChunks],
    [12, 10, 4, 4, 2],
  );
  deepStrictEqual(Object.fromEntries(counts.byType), {
    LOC: { correctChunks: 0, foundCorrect: 0, foundGuessed: 1 },
    MISC: { correctChunks: 1, foundCorrect: 2, foundGuessed: 1 },
    ORG: { correctChunks: 1, foundCorrect: 1, foundGuessed: 1 },
    PER: { correctChunks: 0, foundCorrect: 1, foundGuessed: 1 },
  });
  strictEqual(
    conllevalReport(counts),
    "processed 12 tokens with 4 phrases; found: 4 phrases; correct: 2.\n" +
      "accuracy:  83.33%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" +
      "              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
      "             MISC: precision: 100.00%; recall:  50.00%; FB1:  66.67  1\n" +
      "              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
      "              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n",
  );
  // The same lines one by one, with or without their newline.
  deepStrictEqual(conllevalCounts(text.split("\n").map((l, i) => i % 2 ? l + "\n" : l)), counts);
});

/** A small seeded generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAG_POOL = [
  "O",
  "O",
  "O",
  "B-PER",
  "I-PER",
  "B-LOC",
  "I-LOC",
  "E-LOC",
  "S-LOC",
  "S-PER",
  "B-MISC",
  "I-MISC",
];

function randomTagged(random: () => number, sentences: number): { gold: string[][]; predicted: string[][] } {
  const pick = (pool: string[]) => pool[Math.floor(random() * pool.length)];
  const gold: string[][] = [];
  const predicted: string[][] = [];
  for (let s = 0; s < sentences; s++) {
    const n = Math.floor(random() * 12);
    const g = Array.from({ length: n }, () => pick(TAG_POOL));
    gold.push(g);
    predicted.push(g.map((t) => random() < 0.3 ? pick(TAG_POOL) : t));
  }
  return { gold, predicted };
}

Deno.test("chunkF1 equals conlleval on its `w GOLD PRED` lines with empty lines between sentences", () => {
  const random = rng(7);
  for (let trial = 0; trial < 300; trial++) {
    const { gold, predicted } = randomTagged(random, 1 + Math.floor(random() * 6));
    const viaLines = conlleval(conllevalLines(gold, predicted)).overall;
    deepStrictEqual(chunkF1(gold, predicted), viaLines);
  }
  deepStrictEqual(chunkF1([], []), { precision: 0, recall: 0, f1: 0 });
  deepStrictEqual(chunkF1([[], []], [[], []]), { precision: 0, recall: 0, f1: 0 });
});

Deno.test("chunkF1 passes raw and oTag on as conlleval's -r and -o", () => {
  const gold = [["PER", "PER", "NONE", "LOC"]];
  const predicted = [["PER", "NONE", "NONE", "ORG"]];
  // Raw: every non-outside tag is its own chunk. Gold PER, PER, LOC; guessed PER, ORG; PER (first) is correct.
  const prf = chunkF1(gold, predicted, { raw: true, oTag: "NONE" });
  deepStrictEqual(prf, { precision: 50, recall: 100 / 3, f1: 2 * 50 * (100 / 3) / (50 + 100 / 3) });
});

Deno.test("chunkF1 and tokenAccuracy name the sentence whose lengths differ", () => {
  throws(() => chunkF1([["O"], ["O", "O"]], [["O"], ["O"]]), /sentence 1 has 2 gold tags but 1 predicted/);
  throws(() => chunkF1([["O"]], []), /gold has 1 sentences but predicted has 0/);
  throws(() => tokenAccuracy([["O"], ["O"]], [["O"], []]), /tokenAccuracy: sentence 1 has 1 gold tags/);
  throws(() => chunkF1([["O"], ["B-PER", "I-PER"]], [["O"], ["B-PER", "I PER"]]), /"I PER" in sentence 1/);
  throws(() => chunkF1([[""]], [["O"]]), /tag "" in sentence 0 is empty/);
});

Deno.test("tokenAccuracy is the percentage of equal tags", () => {
  strictEqual(tokenAccuracy([["NN", "VB"], ["DT"]], [["NN", "NN"], ["DT"]]), 200 / 3);
  strictEqual(tokenAccuracy([], []), 0);
});

// ---------------------------------------------------------------------------------------------------------------
// Differential test against the real script: CONLLEVAL_PL=/path/to/conlleval.pl deno task test

const CONLLEVAL_PL = Deno.env.get("CONLLEVAL_PL");

interface RandomFile {
  bytes: Uint8Array;
  args: string[];
}

const TYPES = ["PER", "LOC", "MISC", "A-B", "", "0", "é", "中文", "😀", "LONG-CHUNK-TYPE-NAME"];
const PREFIXES = ["B", "I", "E", "S", "O", "[", "]", ".", "X", "B", "I", "B", "I"];
const RAW_TAGS = ["O", "O", "PER", "LOC", "NOSPACE", "B-X", "é"];

function randomFile(random: () => number): RandomFile {
  const pick = <T>(pool: readonly T[]): T => pool[Math.floor(random() * pool.length)];
  const chance = (p: number) => random() < p;
  const args: string[] = [];
  const delimiter = pick([" ", " ", " ", "\\t", "\t", " +", "\\s+"]);
  if (delimiter !== " " || chance(0.1)) args.push("-d", delimiter);
  const raw = chance(0.2);
  if (raw) args.push("-r");
  if (chance(0.15)) args.push("-o", pick(["NOSPACE", "O", "PER"]));
  if (chance(0.2)) args.push("-l");
  const sep = () => {
    switch (delimiter) {
      case "\\t":
      case "\t":
        return "\t";
      case " +":
        return " ".repeat(1 + Math.floor(random() * 3));
      case "\\s+":
        return pick([" ", "\t", "  ", " \t", "\f", "\v"]);
      default:
        return chance(0.001) ? "  " : " ";
    }
  };
  const tag = (): string => {
    if (raw) return pick(RAW_TAGS);
    if (chance(0.35)) return "O";
    const type = chance(0.8) ? pick(TYPES.slice(0, 3)) : pick(TYPES);
    return chance(0.05) ? pick(["B", "I", "O-", "-", "."]) : `${pick(PREFIXES)}-${type}`;
  };
  const columns = 2 + Math.floor(random() * 4);
  const eol = chance(0.05) ? "\r\n" : "\n";
  const lines: string[] = [];
  const sentences = Math.floor(random() * 12);
  for (let s = 0; s < sentences; s++) {
    const row = (first: string, middle: string, gold: string, guessed: string) =>
      (columns === 2 ? [gold, guessed] : [first, ...Array(columns - 3).fill(middle), gold, guessed]).join(
        sep(),
      );
    if (columns > 2 && chance(0.1)) lines.push(row("-DOCSTART-", "-X-", "O", "O"));
    const n = Math.floor(random() * 15);
    let previous = "O";
    for (let i = 0; i < n; i++) {
      const word = chance(0.02)
        ? "-X-"
        : pick(["w", "Word", "x-y", delimiter.endsWith("t") ? "New York" : "NY", "é"]);
      const gold = chance(0.5) ? previous.replace(/^B-/, "I-") : tag();
      const guessed = chance(0.6) ? gold : tag();
      previous = gold;
      let line = row(word, "NN", gold, guessed);
      const odd = random();
      if (odd < 0.002) line = "lonely";
      else if (odd < 0.004) line += sep() + "extra";
      lines.push(line);
    }
    lines.push(chance(0.1) ? row("-X-", "-X-", "O", "O") : "");
  }
  let text = lines.join(eol);
  if (chance(0.8)) text += eol;
  return { bytes: new TextEncoder().encode(text), args };
}

async function runPerl(file: RandomFile): Promise<{ code: number; stdout: Uint8Array }> {
  const child = new Deno.Command("perl", {
    args: [CONLLEVAL_PL!, ...file.args],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(file.bytes);
  await writer.close();
  const { code, stdout } = await child.output();
  return { code, stdout };
}

Deno.test({
  name: "conlleval matches conlleval.pl on 200 random files (CONLLEVAL_PL)",
  ignore: CONLLEVAL_PL === undefined,
  fn: async () => {
    const random = rng(2004_01_26);
    const outcomes = { ok: 0, error: 0 };
    for (let trial = 0; trial < 200; trial++) {
      const file = randomFile(random);
      const perl = await runPerl(file);
      const where = `trial ${trial}, args ${JSON.stringify(file.args)}, input ${
        JSON.stringify(new TextDecoder().decode(file.bytes))
      }`;
      const asBytes = Buffer.from(file.bytes).toString("latin1");
      const opts = optionsOf(file.args);
      const byteOpts = {
        ...opts,
        byteStrings: true,
        delimiter: opts.delimiter === undefined ? undefined : Buffer.from(opts.delimiter).toString("latin1"),
      };
      let report: string;
      try {
        report = conlleval(asBytes, byteOpts).report;
      } catch (e) {
        ok(e instanceof ConllevalError, `${where}: ${e}`);
        strictEqual(e.exitCode, perl.code, where);
        strictEqual(perl.stdout.length, 0, where);
        outcomes.error++;
        continue;
      }
      strictEqual(perl.code, 0, where);
      strictEqual(report, Buffer.from(perl.stdout).toString("latin1"), where);
      // The same file as Unicode text.
      strictEqual(
        conlleval(new TextDecoder().decode(file.bytes), opts).report,
        new TextDecoder().decode(perl.stdout),
      );
      outcomes.ok++;
    }
    console.log(
      `  ${outcomes.ok} files scored identically, ${outcomes.error} rejected with the same exit status`,
    );
    ok(outcomes.ok >= 120 && outcomes.error >= 5, JSON.stringify(outcomes));
  },
});
