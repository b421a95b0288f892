/**
 * Checks the transcription in `claims.csv` of Perl, Chaudhury & Giryes (ACL 2020) Tables 1–7: every own-method
 * cell (108) and every number the paper cites from other work (39, `cell` = `cited`). Counts per table, cell ids,
 * column rules, which placements are marked inferred, and — against the paper text in the shared folder, skipped
 * where it is absent — that each claim's value, as printed, is in its table's block of that text and that the
 * block's numbers are exactly the claims' values in the order the extraction prints them (CLAIMS.md says how each
 * table was rebuilt).
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { CITED_CELL, type Claim, loadClaims, parseClaims } from "../../harness/results/claims.ts";

const CSV = new URL("./claims.csv", import.meta.url);
const PAPER_TEXT = fileURLToPath(
  new URL("../../../shared/papers/perl2020-sentence-reconstruction.txt", import.meta.url),
);

const claims = await loadClaims(CSV);
const byId = new Map(claims.map((c) => [c.id, c]));

/** The value (and std) of each claim as the CSV writes it, i.e. as the paper prints it ("86.50", "86", "0"). */
const printed = new Map(
  (parse(await Deno.readTextFile(CSV), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[]).map((r) => [r.id, r.std ? `${r.value} ± ${r.std}` : r.value]),
);

/** Own-method and cited claims per table. */
const COUNTS: Record<string, { own: number; cited: number }> = {
  "Table 1": { own: 54, cited: 7 },
  "Table 2": { own: 6, cited: 18 },
  "Table 3": { own: 6, cited: 8 },
  "Table 4": { own: 26, cited: 0 },
  "Table 5": { own: 6, cited: 4 },
  "Table 6": { own: 6, cited: 2 },
  "Table 7": { own: 4, cited: 0 },
};

/** Page of the paper (its own 1–5 numbering, from the extraction's page breaks) each table is on. */
const PAGE: Record<string, number> = {
  "Table 1": 3,
  "Table 2": 3,
  "Table 3": 4,
  "Table 4": 4,
  "Table 5": 5,
  "Table 6": 5,
  "Table 7": 5,
};

/** The cell-id patterns a perl2020 suite would declare (cited numbers have the cell `cited`). */
const CELL_PATTERNS = [
  "t1/(en|es|nl)/(baseline|l2|tl|tl\\+l2|tl\\+adv|tl\\+l2\\+adv)/r=(1|0\\.1|0\\.01)",
  "t2/(en|es|nl)/(baseline|transfer)",
  "ud/(es|nl|ro)/(baseline|transfer)/r=1",
  "ud/(ar|bg|et|fi|fr|de|el|he|it|no|pl|sl|es)/(baseline|method)/r=unstated",
  "t5/(en|es|nl)/(baseline|transfer)/r=0\\.001",
  "oneshot/(en|es|nl)/(baseline|method)",
  "zeroshot/(es|nl)/(baseline|method)",
].map((p) => new RegExp(`^${p}$`));

/** The cell an own-method claim id names: Tables 1, 2, 5 use the id itself. */
function cellOf(id: string): string {
  const [t, target, variant] = id.split("/");
  switch (t) {
    case "t3":
      return `ud/${target}/${variant}/r=1`;
    case "t4":
      return `ud/${target}/${variant}/r=unstated`;
    case "t6":
      return `oneshot/${target}/${variant}`;
    case "t7":
      return `zeroshot/${target}/${variant}`;
    default:
      return id;
  }
}

const isCited = (c: Claim) => c.cell === CITED_CELL;
const isInferred = (c: Claim) => c.source.includes("(placement inferred: ");

/**
 * The claims read directly off the text (a column header followed by exactly one number per row label, in
 * order); every other claim's source records why its placement was inferred.
 */
function readDirectly(c: Claim): boolean {
  return /^t1\/[a-z]+\/tl\+(l2\+)?adv\//.test(c.id) || // header right above its 9 numbers
    /^t3\/(es|nl)\//.test(c.id) || // 5 values for 5 rows
    /^t5\/es\//.test(c.id) || // 4 values for 4 rows
    /^t6\/[a-z]+\/(baseline|method)$/.test(c.id) || // 3 values for 3 rows
    c.id.startsWith("t7/"); // 2 values for 2 rows
}

/**
 * Each table's block of the paper text: from `start` (the first label the extraction prints for the table) up
 * to `end` (its caption, which the extraction prints after the table's numbers, as the PDF does). Each marker
 * occurs once in the text. Tables 3 and 4 are split at Table 4's language labels, which the extraction prints
 * before Table 3's caption; Table 2's and Table 7's blocks contain body text that the PDF flows around the table
 * (no line of it is a bare number).
 */
const BLOCKS: Record<string, { start: string; end: string }> = {
  "Table 1": { start: "English\nSpanish\nDutch\nEnglish (0.1)", end: "Table 1:" },
  "Table 2": { start: "(Gillick et al., 2015)", end: "Table 2:" },
  "Table 3": { start: "(Heinzerling and Strube, 2019)", end: "Arabic\nBulgarian" },
  "Table 4": { start: "Arabic\nBulgarian", end: "Table 4:" },
  "Table 5": { start: "(Yang et al., 2017)\nLin et al. (2018)", end: "Table 5:" },
  "Table 6": { start: "Language\nEnglish\nSpanish\nDutch", end: "Table 6:" },
  "Table 7": { start: "Language\nSpanish\nDutch", end: "Table 7:" },
};

/** A line of a block that no claim reads: Table 1's '-' (Yang et al., Dutch 0.01) and Table 6's "5" (the
 * section number of "Conclusion", which the extraction prints beside Table 6). */
type Literal = { literal: string };
const lit = (literal: string): Literal => ({ literal });

const T1_VARIANTS = ["baseline", "l2", "tl", "tl+l2", "tl+adv", "tl+l2+adv"];
const NER = ["en", "es", "nl"];
const T4_LANGS = ["ar", "bg", "et", "fi", "fr", "de", "el", "he", "it", "no", "pl", "sl", "es"];

/** Every bare number line of each block, in the order of the text: the claim it is, or a literal. */
const READING_ORDER: Record<string, (string | Literal)[]> = {
  "Table 1": [
    ...T1_VARIANTS.flatMap((v) => ["1", "0.1", "0.01"].flatMap((r) => NER.map((t) => `t1/${t}/${v}/r=${r}`))),
    ...["en/cited:yang2017/r=1", "es/cited:yang2017/r=1", "nl/cited:yang2017/r=1"].map((s) => `t1/${s}`),
    ...["en/cited:yang2017/r=0.1", "es/cited:yang2017/r=0.1"].map((s) => `t1/${s}`),
    ...["en/cited:yang2017/r=0.01", "es/cited:yang2017/r=0.01"].map((s) => `t1/${s}`),
    lit("-"),
  ],
  "Table 2": [
    ...["es", "nl"].flatMap((t) =>
      ["cited:gillick2015", "cited:lample2016", "cited:yang2017", "cited:lin2018", "cited:yadav2018"]
        .concat(["baseline", "transfer"]).map((r) => `t2/${t}/${r}`)
    ),
    ...["gillick2015", "luo2015", "lample2016", "yang2017", "yadav2018", "baevski2019", "jiang2019"]
      .concat(["strakova2019"]).map((r) => `t2/en/cited:${r}`),
    "t2/en/baseline",
    "t2/en/transfer",
  ],
  "Table 3": [
    ...["es", "nl"].flatMap((t) =>
      ["cited:heinzerling2019", "cited:plank2016", "cited:yasunaga2018", "baseline", "transfer"]
        .map((r) => `t3/${t}/${r}`)
    ),
    ...["cited:heinzerling2019", "cited:yasunaga2018", "baseline", "transfer"].map((r) => `t3/ro/${r}`),
  ],
  "Table 4": ["baseline", "method"].flatMap((v) => T4_LANGS.map((l) => `t4/${l}/${v}`)),
  "Table 5": [
    ...["cited:yang2017", "cited:lin2018", "baseline", "transfer"].map((r) => `t5/es/${r}/r=0.001`),
    ...["cited:lin2018", "baseline", "transfer"].map((r) => `t5/nl/${r}/r=0.001`),
    ...["cited:yang2017", "baseline", "transfer"].map((r) => `t5/en/${r}/r=0.001`),
  ],
  "Table 6": [
    ...["baseline", "method"].flatMap((v) => NER.map((t) => `t6/${t}/${v}`)),
    "t6/es/cited:lin2018",
    "t6/nl/cited:lin2018",
    lit("5"),
  ],
  "Table 7": ["t7/es/baseline", "t7/nl/baseline", "t7/es/method", "t7/nl/method"],
};

function claim(id: string): Claim {
  const c = byId.get(id);
  assert.ok(c, `claim ${id} exists`);
  return c;
}

function paperBlock(text: string, table: string): string[] {
  const { start, end } = BLOCKS[table];
  for (const m of [start, end]) {
    assert.ok(text.includes(m), `${table}: marker ${JSON.stringify(m)} is in the paper text`);
    assert.equal(text.indexOf(m), text.lastIndexOf(m), `${table}: marker ${JSON.stringify(m)} occurs once`);
  }
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  assert.ok(to > from, `${table}: "${end}" follows "${start}"`);
  return text.slice(from, to).split("\n").map((l) => l.trim());
}

/** A line that is only a table entry: a number, "mean ± std", or '-'. */
const NUMBER_LINE = /^(-|\d+(\.\d+)?( ± \d+(\.\d+)?)?)$/;

Deno.test("claims: the parser reads the file; ids are unique; all claims are perl2020-acl's", () => {
  assert.equal(new Set(claims.map((c) => c.id)).size, claims.length);
  assert.equal(printed.size, claims.length);
  for (const c of claims) assert.equal(c.paper, "perl2020-acl", c.id);
  assert.throws(
    () =>
      parseClaims(`${Deno.readTextFileSync(CSV).trimEnd()}\n${Deno.readTextFileSync(CSV).split("\n")[1]}\n`),
    /repeats claim id "t1\/en\/baseline\/r=1"/,
  );
});

Deno.test("claims: count per table, own vs cited: 108 own-method cells, 39 cited", () => {
  const counts: Record<string, { own: number; cited: number }> = {};
  for (const c of claims) {
    counts[c.table] ??= { own: 0, cited: 0 };
    counts[c.table][isCited(c) ? "cited" : "own"]++;
  }
  assert.deepStrictEqual(counts, COUNTS);
  assert.equal(claims.filter((c) => !isCited(c)).length, 108);
  assert.equal(claims.filter(isCited).length, 39);
});

Deno.test("claims: ids carry their table; own claims name a planned cell, cited ones the cell `cited`", () => {
  for (const c of claims) {
    const m = /^t(\d)\//.exec(c.id);
    assert.ok(m, c.id);
    assert.equal(c.table, `Table ${m[1]}`, c.id);
    if (isCited(c)) {
      assert.match(c.id, /^t\d\/[a-z]+\/cited:[a-z]+\d{4}(\/r=[\d.]+)?$/, c.id);
      assert.match(c.source, /; cited: [^,;()]+ \d{4}, not run/, c.id);
      assert.doesNotMatch(c.row, /^(Our|Ours|Baseline|Method)/, c.id);
    } else {
      assert.equal(c.cell, cellOf(c.id), c.id);
      assert.ok(CELL_PATTERNS.some((p) => p.test(c.cell)), `${c.id}: cell ${c.cell}`);
      assert.doesNotMatch(c.source, /cited/, c.id);
    }
  }
  const cells = claims.filter((c) => !isCited(c)).map((c) => c.cell);
  assert.equal(new Set(cells).size, cells.length, "one claim per own cell");
});

Deno.test("claims: metric, stat, n, std, fraction and source follow the column rules", () => {
  for (const c of claims) {
    const pos = c.table === "Table 3" || c.table === "Table 4";
    assert.equal(c.metric, pos ? "test/accuracy" : "test/f1", c.id);
    if (c.table === "Table 4") {
      assert.deepStrictEqual([c.stat, c.n], ["mean", 3], c.id);
      assert.ok(c.std !== undefined && c.std > 0, c.id);
    } else {
      assert.deepStrictEqual([c.stat, c.n, c.std], ["single", undefined, undefined], c.id);
    }
    const rate = /\/r=([\d.]+)$/.exec(c.id);
    const fraction = rate ? Number(rate[1]) : {
      "Table 2": 1,
      "Table 3": 1,
      "Table 4": 0.01, // placeholder: the paper does not state Table 4's rate
      "Table 6": 0.0001, // one sentence: 1/14041, 1/8323, 1/15806 → 0.0001 to four places
      "Table 7": 0, // zero-shot
    }[c.table];
    assert.equal(c.fraction, fraction, c.id);
    if (c.table === "Table 4") assert.match(c.source, /rate not stated in the paper/, c.id);
    assert.ok(c.source.startsWith(`ACL 2020 p. ${PAGE[c.table]} ${c.table}`), c.id);
    assert.ok(c.value >= 0 && c.value < 100, c.id);
  }
});

Deno.test("claims: every placement not read directly off the text says why it was inferred", () => {
  const inferred: Record<string, number> = {};
  for (const c of claims) {
    assert.equal(isInferred(c), !readDirectly(c), c.id);
    if (isInferred(c)) inferred[c.table] = (inferred[c.table] ?? 0) + 1;
  }
  assert.deepStrictEqual(inferred, {
    "Table 1": 43,
    "Table 2": 24,
    "Table 3": 4,
    "Table 4": 26,
    "Table 5": 6,
    "Table 6": 2,
  });
});

Deno.test("claims: the reading order lists every claim of its table exactly once", () => {
  for (const [table, order] of Object.entries(READING_ORDER)) {
    const ids = order.filter((e): e is string => typeof e === "string");
    assert.equal(new Set(ids).size, ids.length, table);
    for (const id of ids) assert.equal(claim(id).table, table, id);
    assert.equal(ids.length, claims.filter((c) => c.table === table).length, table);
  }
});

Deno.test({
  name: "claims: each claim's printed value is in its table's block of the paper text",
  ignore: !existsSync(PAPER_TEXT),
  fn: () => {
    const text = Deno.readTextFileSync(PAPER_TEXT);
    const blocks = new Map(Object.keys(BLOCKS).map((t) => [t, paperBlock(text, t)]));
    for (const c of claims) {
      const lines = blocks.get(c.table);
      assert.ok(lines, c.id);
      assert.ok(
        lines.includes(printed.get(c.id)!),
        `${c.id}: "${printed.get(c.id)}" is in ${c.table}'s block`,
      );
    }
  },
});

Deno.test({
  name: "claims: each block's number lines are exactly its claims' values, in the text's order",
  ignore: !existsSync(PAPER_TEXT),
  fn: () => {
    const text = Deno.readTextFileSync(PAPER_TEXT);
    for (const [table, order] of Object.entries(READING_ORDER)) {
      const numbers = paperBlock(text, table).filter((l) => NUMBER_LINE.test(l));
      const expected = order.map((e) => typeof e === "string" ? printed.get(e) : e.literal);
      assert.deepStrictEqual(numbers, expected, table);
    }
  },
});

Deno.test("claims: spot values, and the paper's prose agrees with them", () => {
  assert.equal(claim("t1/nl/tl+l2+adv/r=0.01").value, 68.93);
  assert.equal(claim("t1/es/l2/r=1").value, 86);
  assert.equal(claim("t1/en/tl/r=0.01").value, 73.8);
  // Abstract: "0.6 F1 score in Dutch using only one sample".
  assert.equal(claim("t6/nl/method").value, 60);
  // §4: "using only nine samples in Spanish (0.001 of the data) we get an F1 score of 0.59 (compared to the 0.16
  // transfer learning result of Yang et al. (2017))".
  assert.equal(claim("t5/es/transfer/r=0.001").value, 59.5);
  assert.equal(claim("t5/es/cited:yang2017/r=0.001").value, 16);
  const et = claim("t4/et/method");
  assert.deepStrictEqual([et.value, et.std, et.n, et.cell], [56.1, 0.16, 3, "ud/et/method/r=unstated"]);
  assert.equal(claim("t3/ro/transfer").cell, "ud/ro/transfer/r=1");
  assert.equal(claim("t3/ro/cited:heinzerling2019").value, 89.7);
  assert.equal(byId.has("t3/ro/cited:plank2016"), false, "Plank et al. print no Romanian");
  assert.equal(byId.has("t1/nl/cited:yang2017/r=0.1"), false, "Yang et al. print no Dutch at 0.1");
  assert.equal(byId.has("t2/en/cited:lin2018"), false, "Lin et al. print no English");
  assert.equal(printed.get("t2/en/cited:gillick2015"), "86.50", "printed with its trailing zero");
});

Deno.test("claims: numbers the paper prints twice agree (recorded as the paper prints them)", () => {
  // Table 2's "Our transfer" equals Table 1's (TL) + (L2)+ Adversarial at full data, for all three targets …
  for (const t of NER) assert.equal(claim(`t2/${t}/transfer`).value, claim(`t1/${t}/tl+l2+adv/r=1`).value, t);
  // … and its "Our baseline" Table 1's Baseline for Spanish and Dutch, not English (89 against 89.1).
  for (const t of ["es", "nl"]) {
    assert.equal(claim(`t2/${t}/baseline`).value, claim(`t1/${t}/baseline/r=1`).value);
  }
  assert.deepStrictEqual([claim("t2/en/baseline").value, claim("t1/en/baseline/r=1").value], [89, 89.1]);
  // Yang et al.'s full-data numbers in Tables 1 and 2.
  for (const t of NER) {
    assert.equal(claim(`t1/${t}/cited:yang2017/r=1`).value, claim(`t2/${t}/cited:yang2017`).value, t);
  }
  // Table 4 prints 87.66 ± 0.30 for both German and Greek (Our method); Table 6's baseline is 7.6 for all three
  // targets, as is Table 5's English baseline.
  const [de, el] = [claim("t4/de/method"), claim("t4/el/method")];
  assert.deepStrictEqual([de.value, de.std], [el.value, el.std]);
  for (const t of NER) assert.equal(claim(`t6/${t}/baseline`).value, 7.6, t);
  assert.equal(claim("t5/en/baseline/r=0.001").value, 7.6);
});
