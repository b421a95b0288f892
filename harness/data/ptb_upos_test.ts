import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Sentence } from "../../models/types.ts";
import { UPOS_TAGS } from "./conllu_reader.ts";
import { realDataDir } from "./_testing.ts";
import { loadDataset } from "./load.ts";
import {
  convertPtbSentence,
  PTB_TO_UPOS,
  PTB_TRACE_TAG,
  ptbToUpos,
  ptbUposReport,
  tagAgreement,
  UnknownPtbTagError,
} from "./ptb_upos.ts";

/** A PTB sentence from `word/TAG` items separated by spaces. */
function ptb(text: string): Sentence {
  const items = text.split(" ").map((t) => {
    const k = t.lastIndexOf("/");
    return [t.slice(0, k), t.slice(k + 1)];
  });
  return { words: items.map((x) => x[0]), tags: items.map((x) => x[1]) };
}

/** The UPOS tags the default conversion gives `text`. */
function upos(text: string, opts = {}): string[] {
  return convertPtbSentence(ptb(text), opts).sentence.tags;
}

Deno.test("PTB_TO_UPOS: every value is a UD v1 UPOS tag; the 12 Petrov classes are kept apart", () => {
  for (const [tag, u] of Object.entries(PTB_TO_UPOS)) {
    assert(UPOS_TAGS.has(u) && u !== "CCONJ", `${tag} → ${u}`);
  }
  assert(!Object.hasOwn(PTB_TO_UPOS, PTB_TRACE_TAG));
  assertEquals(
    [PTB_TO_UPOS.NNP, PTB_TO_UPOS.MD, PTB_TO_UPOS.TO, PTB_TO_UPOS.POS, PTB_TO_UPOS.RP, PTB_TO_UPOS.IN],
    ["PROPN", "AUX", "PART", "PART", "ADP", "ADP"],
  );
  assertEquals([PTB_TO_UPOS.EX, PTB_TO_UPOS["PRP$"], PTB_TO_UPOS["WP$"], PTB_TO_UPOS.WDT], [
    "PRON",
    "PRON",
    "PRON",
    "DET",
  ]);
  assertEquals([PTB_TO_UPOS.$, PTB_TO_UPOS["#"], PTB_TO_UPOS.LS, PTB_TO_UPOS.FW, PTB_TO_UPOS.UH], [
    "SYM",
    "SYM",
    "X",
    "X",
    "INTJ",
  ]);
  for (const p of [",", ".", ":", "``", "''", "-LRB-", "-RRB-"]) assertEquals(PTB_TO_UPOS[p], "PUNCT", p);
});

Deno.test("convertPtbSentence: hand-written WSJ-style sentences", () => {
  // passive be + infinitival to; traces dropped before the context rules look ahead
  assertEquals(
    upos("The/DT trial/NN is/VBZ expected/VBN *-1/-NONE- to/TO last/VB three/CD weeks/NNS ./."),
    ["DET", "NOUN", "AUX", "VERB", "PART", "VERB", "NUM", "NOUN", "PUNCT"],
  );
  // prepositional to (old-style PTB tags it TO), $ and CD
  assertEquals(
    upos("Sales/NNS rose/VBD to/TO $/$ 5/CD million/CD from/IN IBM/NNP Corp./NNP"),
    ["NOUN", "VERB", "ADP", "SYM", "NUM", "NUM", "ADP", "PROPN", "PROPN"],
  );
  // do-support with negation, modal, subordinator from the form list
  assertEquals(
    upos("If/IN they/PRP do/VBP n't/RB agree/VB ,/, we/PRP 'll/MD sue/VB"),
    ["SCONJ", "PRON", "AUX", "PART", "VERB", "PUNCT", "PRON", "AUX", "VERB"],
  );
  // question inversion: the subject pronoun is skipped; perfect have; main-verb have
  assertEquals(upos("Did/VBD you/PRP see/VB it/PRP ?/."), ["AUX", "PRON", "VERB", "PRON", "PUNCT"]);
  assertEquals(upos("He/PRP has/VBZ not/RB left/VBN"), ["PRON", "AUX", "PART", "VERB"]);
  assertEquals(upos("I/PRP have/VBP a/DT car/NN"), ["PRON", "VERB", "DET", "NOUN"]);
  // copula be stays VERB in UD v1; pronominal demonstrative; possessives; existential there; particle
  assertEquals(
    upos("This/DT is/VBZ n't/RB their/PRP$ car/NN 's/POS problem/NN"),
    ["PRON", "VERB", "PART", "PRON", "NOUN", "PART", "NOUN"],
  );
  assertEquals(upos("There/EX were/VBD those/DT who/WP gave/VBD up/RP"), [
    "PRON",
    "VERB",
    "PRON",
    "PRON",
    "VERB",
    "ADP",
  ]);
  assertEquals(upos("those/DT three/CD deals/NNS that/WDT failed/VBD"), [
    "DET",
    "NUM",
    "NOUN",
    "DET",
    "VERB",
  ]);
  // clause test for IN: gerund, nominative pronoun; a preposition before a noun phrase stays ADP
  assertEquals(upos("After/IN trading/VBG at/IN noon/NN"), ["SCONJ", "VERB", "ADP", "NOUN"]);
  assertEquals(upos("as/IN they/PRP said/VBD"), ["SCONJ", "PRON", "VERB"]);
  assertEquals(upos("since/IN 1987/CD"), ["ADP", "NUM"]);
  // coordination, interjection, foreign word, list marker
  assertEquals(upos("Oh/UH ,/, a/LS bons/FW and/CC b/LS"), ["INTJ", "PUNCT", "X", "X", "CONJ", "X"]);
});

Deno.test("convertPtbSentence: rules say which rule decided each tag; options ud, rules, without", () => {
  const s = ptb("If/IN it/PRP is/VBZ n't/RB going/VBG to/TO work/VB and/CC this/DT is/VBZ bad/JJ");
  const c = convertPtbSentence(s);
  assertEquals(c.sentence.tags, [
    "SCONJ",
    "PRON",
    "AUX",
    "PART",
    "VERB",
    "PART",
    "VERB",
    "CONJ",
    "PRON",
    "VERB",
    "ADJ",
  ]);
  assertEquals(c.rules, [
    "sconj",
    "table",
    "aux",
    "neg",
    "table",
    "table",
    "table",
    "table",
    "dem",
    "table",
    "table",
  ]);
  assertEquals(c.ptbTags, s.tags);
  // UD v2: CCONJ, and every be form is AUX (copula included)
  const v2 = convertPtbSentence(s, { ud: 2 });
  assertEquals([v2.sentence.tags[2], v2.sentence.tags[7], v2.sentence.tags[9]], ["AUX", "CCONJ", "AUX"]);
  assertEquals([v2.rules[2], v2.rules[9]], ["copula", "copula"]);
  // the table alone
  assertEquals(convertPtbSentence(s, { rules: false }).sentence.tags, [
    "ADP",
    "PRON",
    "VERB",
    "ADV",
    "VERB",
    "PART",
    "VERB",
    "CONJ",
    "DET",
    "VERB",
    "ADJ",
  ]);
  assert(convertPtbSentence(s, { rules: false }).rules.every((r) => r === "table"));
  // one rule left out
  assertEquals(upos("rose/VBD to/TO 5/CD", { without: ["to"] }), ["VERB", "PART", "NUM"]);
  assertEquals(upos("rose/VBD to/TO 5/CD"), ["VERB", "ADP", "NUM"]);
  // words are kept as they are (PTB escapes included)
  assertEquals(convertPtbSentence(ptb("-LRB-/-LRB- a/DT -RRB-/-RRB-")).sentence.words, [
    "-LRB-",
    "a",
    "-RRB-",
  ]);
});

Deno.test("-NONE- tokens are removed; sentences left empty are dropped and counted", () => {
  const s = ptb("*-1/-NONE- He/PRP said/VBD 0/-NONE- *T*-2/-NONE- he/PRP was/VBD *-3/-NONE- hired/VBN");
  const c = convertPtbSentence(s);
  assertEquals(c.sentence, {
    words: ["He", "said", "he", "was", "hired"],
    tags: ["PRON", "VERB", "PRON", "AUX", "VERB"],
  });
  assertEquals(c.traces, 4);
  assertEquals(c.ptbTags, ["PRP", "VBD", "PRP", "VBD", "VBN"]);
  const onlyTraces = ptb("*U*/-NONE- 0/-NONE-");
  const input = [s, onlyTraces, ptb("Yes/UH")];
  assertEquals(ptbToUpos(input), [c.sentence, { words: ["Yes"], tags: ["INTJ"] }]);
  const r = ptbUposReport(input);
  assertEquals([r.sentences, r.emptySentences, r.tokens, r.traces], [3, 1, 6, 6]);
  assertEquals(r.ptbTags, { PRP: 2, VBD: 2, VBN: 1, UH: 1 });
  assertEquals(r.rules, { table: 5, aux: 1, copula: 0, neg: 0, to: 0, sconj: 0, dem: 0 });
  assertEquals(r.transitions["VBD→AUX (aux)"], 1);
});

Deno.test("unknown tags and misaligned sentences are errors naming where", () => {
  const err = assertThrows(
    () => ptbToUpos([ptb("a/DT"), ptb("big/JJ running/NN|VBG")]),
    UnknownPtbTagError,
    'Unknown PTB tag "NN|VBG" in sentence 1 ("big running …")',
  );
  assertEquals(err.tag, "NN|VBG");
  assertThrows(() => convertPtbSentence(ptb("x/nn")), UnknownPtbTagError, 'at token 1 ("x")');
  assertThrows(() => convertPtbSentence({ words: ["a", "b"], tags: ["DT"] }), Error, "2 words but 1 tags");
});

Deno.test("tagAgreement: counts, percent, confusions gold→predicted; mismatched input is an error", () => {
  const gold = [{ words: ["a", "b"], tags: ["DET", "NOUN"] }, { words: ["c"], tags: ["SCONJ"] }];
  const pred = [{ words: ["a", "b"], tags: ["DET", "NOUN"] }, { words: ["c"], tags: ["ADP"] }];
  const a = tagAgreement(pred, gold);
  assertEquals([a.tokens, a.agree, a.confusions], [3, 2, { "SCONJ→ADP": 1 }]);
  assert(Math.abs(a.percent - 200 / 3) < 1e-9);
  assertEquals(tagAgreement([], []).percent, 0);
  assertThrows(() => tagAgreement(pred, gold.slice(1)), Error, "2 predicted sentences but 1 gold ones");
  assertThrows(() => tagAgreement([{ words: ["x"], tags: ["X"] }], [gold[1]]), Error, "Sentence 0");
});

const dataDir = realDataDir();
const wsjFile = dataDir && join(dataDir, "ptb_wsj_sample_nltk", "wsj_0001-0199.pos.tsv");
const hasWsj = wsjFile !== undefined && existsSync(wsjFile);
const ewtDir = dataDir && join(dataDir, "ud_v1.2", "UD_English");
const hasEwt = ewtDir !== undefined && existsSync(join(ewtDir, "en-ud-dev.conllu.gz"));

/** PTB tag counts of the NLTK WSJ sample (ptb_wsj_sample_nltk/PROVENANCE.md: 45 tags, 94,084 tokens). */
const WSJ_TAGS: Record<string, number> = {
  NN: 13166,
  IN: 9857,
  NNP: 9410,
  DT: 8165,
  NNS: 6047,
  JJ: 5834,
  ",": 4886,
  ".": 3874,
  CD: 3546,
  VBD: 3043,
  RB: 2822,
  VB: 2554,
  CC: 2265,
  TO: 2179,
  VBN: 2134,
  VBZ: 2125,
  PRP: 1716,
  VBG: 1460,
  VBP: 1321,
  MD: 927,
  POS: 824,
  PRP$: 766,
  $: 724,
  "``": 712,
  "''": 694,
  ":": 563,
  WDT: 445,
  JJR: 381,
  NNPS: 244,
  WP: 241,
  RP: 216,
  JJS: 182,
  WRB: 178,
  RBR: 136,
  "-RRB-": 126,
  "-LRB-": 120,
  EX: 88,
  RBS: 35,
  PDT: 27,
  "#": 16,
  WP$: 14,
  LS: 13,
  FW: 4,
  UH: 3,
  SYM: 1,
};

Deno.test({
  name: "real data: the mapping is total over the NLTK WSJ sample; tag and rule counts " +
    "[ignored without ptb_wsj_sample_nltk/ under TAGBENCH_DATA_DIR or ../shared/data]",
  ignore: !hasWsj,
  fn: async () => {
    // through the registry and loader (sha256 checked), all three splits of the seeded partition together
    const ds = await loadDataset("ptb-wsj-sample", dataDir!);
    const sentences = [
      ...ds.splits.train!.sentences,
      ...ds.splits.dev!.sentences,
      ...ds.splits.test!.sentences,
    ];
    const r = ptbUposReport(sentences);
    assertEquals([r.sentences, r.emptySentences, r.tokens, r.traces], [3914, 0, 94084, 0]);
    assertEquals(r.ptbTags, WSJ_TAGS);
    for (const tag of Object.keys(r.ptbTags)) assert(Object.hasOwn(PTB_TO_UPOS, tag), tag);
    for (const u of Object.keys(r.upos)) assert(UPOS_TAGS.has(u), u);
    assertEquals(r.rules, { table: 89521, aux: 1841, copula: 0, neg: 465, to: 910, sconj: 1245, dem: 102 });
    const t = r.transitions;
    const beHaveDo = ["VB", "VBD", "VBG", "VBN", "VBP", "VBZ"].reduce(
      (n, v) => n + (t[`${v}→AUX (aux)`] ?? 0),
      0,
    );
    assertEquals(beHaveDo, 1841);
    assertEquals([t["TO→ADP (to)"], t["TO→PART (table)"]], [910, 1269]);
    assertEquals([t["IN→SCONJ (sconj)"], t["IN→ADP (table)"]], [1245, 8612]);
    assertEquals([t["DT→PRON (dem)"], t["DT→DET (table)"]], [102, 8063]);
    assertEquals([t["RB→PART (neg)"], t["RP→ADP (table)"], t["EX→PRON (table)"]], [465, 216, 88]);
    assertEquals(r.upos, {
      NOUN: 19213,
      PUNCT: 10975,
      VERB: 10796,
      ADP: 9738,
      PROPN: 9654,
      DET: 8535,
      ADJ: 6397,
      NUM: 3546,
      PRON: 2927,
      AUX: 2768,
      ADV: 2706,
      PART: 2558,
      CONJ: 2265,
      SCONJ: 1245,
      SYM: 741,
      X: 17,
      INTJ: 3,
    });
  },
});

/** Sentences of a gzip CoNLL-U file twice: with XPOSTAG (the PTB tag in UD English) and with UPOSTAG. */
function readXposUpos(path: string): { xpos: Sentence[]; upos: Sentence[] } {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(gunzipSync(Deno.readFileSync(path)));
  const xpos: Sentence[] = [];
  const upos: Sentence[] = [];
  for (const block of text.split(/\n[ \t\r]*\n/)) {
    const rows = block.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => l.split("\t"))
      .filter((c) => /^[0-9]+$/.test(c[0]));
    if (rows.length === 0) continue;
    const words = rows.map((c) => c[1]);
    xpos.push({ words, tags: rows.map((c) => c[4]) });
    upos.push({ words, tags: rows.map((c) => c[3]) });
  }
  return { xpos, upos };
}

Deno.test({
  name: "real data: agreement with UD v1.2 English (EWT) dev+test gold UPOS from its gold PTB XPOSTAG " +
    "[ignored without ud_v1.2/UD_English/ under TAGBENCH_DATA_DIR or ../shared/data]",
  ignore: !hasEwt,
  fn: () => {
    const dev = readXposUpos(join(ewtDir!, "en-ud-dev.conllu.gz"));
    const test = readXposUpos(join(ewtDir!, "en-ud-test.conllu.gz"));
    const xpos = [...dev.xpos, ...test.xpos];
    const gold = [...dev.upos, ...test.upos];
    assertEquals([xpos.length, xpos.reduce((n, s) => n + s.words.length, 0)], [4079, 50244]);
    const table = tagAgreement(ptbToUpos(xpos, { rules: false }), gold);
    const rules = tagAgreement(ptbToUpos(xpos), gold);
    const noTo = tagAgreement(ptbToUpos(xpos, { without: ["to"] }), gold);
    assertEquals([table.agree, rules.agree, noTo.agree], [47716, 49800, 49815]);
    assertEquals(
      [table.percent, rules.percent, noTo.percent].map((p) => p.toFixed(2)),
      ["94.97", "99.12", "99.15"],
    );
    assertEquals(
      [rules.confusions["SCONJ→ADP"], rules.confusions["AUX→VERB"], rules.confusions["SYM→PUNCT"]],
      [179, 70, 66],
    );
    // correct / fired per rule
    const perRule: Record<string, [number, number]> = {};
    xpos.forEach((s, k) => {
      const c = convertPtbSentence(s);
      c.rules.forEach((r, i) => {
        const e = perRule[r] ??= [0, 0];
        e[1]++;
        if (c.sentence.tags[i] === gold[k].tags[i]) e[0]++;
      });
    });
    assertEquals(perRule, {
      table: [47640, 48007],
      aux: [1025, 1038],
      sconj: [610, 621],
      neg: [368, 401],
      dem: [157, 162],
      to: [0, 15],
    });
  },
});
