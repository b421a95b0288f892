import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  filterSentences,
  isFilteredToken,
  TOKEN_FILTER_RULES,
  type TokenFilterRule,
} from "./token_filter.ts";
import { loadDataset } from "./load.ts";
import { TagSchemeError } from "./tag_scheme.ts";
import { realDataDir } from "./_testing.ts";
import type { Sentence, TagScheme } from "../types.ts";

Deno.test("TOKEN_FILTER_RULES: one description per rule", () => {
  assertEquals(Object.keys(TOKEN_FILTER_RULES).sort(), ["datnet-conll", "datnet-wnut"]);
  for (const d of Object.values(TOKEN_FILTER_RULES)) assert(d.includes("http") && d.includes("all splits"));
});

Deno.test("isFilteredToken: datnet-conll drops only words containing http, in any case", () => {
  for (const w of ["http://www.pt.lu/x", "page=http://a.b", "HTTP", "xHttPs", "http:"]) {
    assert(isFilteredToken(w, "datnet-conll"), w);
  }
  for (const w of ["@user", "RT", "www.example.com", "😂", "htt", "ht-tp", "EU"]) {
    assert(!isFilteredToken(w, "datnet-conll"), w);
  }
});

Deno.test("isFilteredToken: datnet-wnut drops URLs, @-mentions, RT and emoji-only tokens", () => {
  const dropped = [
    "http://t.co/x",
    "#infosechttp",
    "HTTPS",
    "www.cnn.com",
    "WWW.X.ORG",
    "@user",
    "@_",
    "@@",
    "RT",
    "😂",
    "😂😂",
    "❤️", // U+2764 U+FE0F
    "👍🏽", // skin tone
    "👨‍👩‍👧", // ZWJ sequence
    "🇬🇧", // regional indicators
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿", // tag sequence
    "\u{FE0F}",
  ];
  for (const w of dropped) assert(isFilteredToken(w, "datnet-wnut"), w);
  const kept = [
    "@", // lone at-sign: not a mention
    "a@b.com",
    "rt",
    "Rt",
    "RT:",
    "RTs",
    "www",
    "xwww.com",
    ":)",
    "&lt;",
    "love😂",
    "#tbt",
    "New",
    "1",
    "A",
  ];
  for (const w of kept) assert(!isFilteredToken(w, "datnet-wnut"), w);
});

function filter(words: string[], tags: string[], scheme: TagScheme, rule: TokenFilterRule = "datnet-conll") {
  return filterSentences([{ words, tags }], rule, scheme);
}

/** Words h1, h2, … are filtered by datnet-conll ("http" inside); the others are kept. */
function keptTags(tags: string[], drop: number[], scheme: TagScheme): string[] {
  const words = tags.map((_, i) => (drop.includes(i) ? `http${i}` : `w${i}`));
  const { sentences } = filter(words, tags, scheme);
  assertEquals(sentences.length, 1);
  assertEquals(sentences[0].words, words.filter((_, i) => !drop.includes(i)));
  return sentences[0].tags;
}

Deno.test("filterSentences IOB2: dropping the first, middle or last token of an entity", () => {
  const tags = ["O", "B-PER", "I-PER", "I-PER", "O"];
  assertEquals(keptTags(tags, [1], "IOB2"), ["O", "B-PER", "I-PER", "O"]);
  assertEquals(keptTags(tags, [2], "IOB2"), ["O", "B-PER", "I-PER", "O"]);
  assertEquals(keptTags(tags, [3], "IOB2"), ["O", "B-PER", "I-PER", "O"]);
  assertEquals(keptTags(tags, [1, 2, 3], "IOB2"), ["O", "O"]);
  // a dropped B-X right after a same-type entity: the entities stay apart
  assertEquals(keptTags(["B-LOC", "I-LOC", "B-LOC", "I-LOC"], [2], "IOB2"), ["B-LOC", "I-LOC", "B-LOC"]);
  // a dropped O between two same-type entities: still two entities
  assertEquals(keptTags(["B-LOC", "O", "B-LOC"], [1], "IOB2"), ["B-LOC", "B-LOC"]);
  // at the sentence edges
  assertEquals(keptTags(["B-ORG", "I-ORG", "O"], [0], "IOB2"), ["B-ORG", "O"]);
  assertEquals(keptTags(["O", "B-ORG", "I-ORG"], [2], "IOB2"), ["O", "B-ORG"]);
});

Deno.test("filterSentences IOB1: B- only where two same-type chunks touch after the drop", () => {
  const tags = ["I-PER", "I-PER", "B-PER", "I-PER", "O"];
  assertEquals(keptTags(tags, [2], "IOB1"), ["I-PER", "I-PER", "B-PER", "O"]);
  assertEquals(keptTags(tags, [0, 1], "IOB1"), ["I-PER", "I-PER", "O"]); // B- no longer needed
  assertEquals(keptTags(tags, [3], "IOB1"), ["I-PER", "I-PER", "B-PER", "O"]);
  assertEquals(keptTags(tags, [1], "IOB1"), ["I-PER", "B-PER", "I-PER", "O"]);
  assertEquals(keptTags(["I-LOC", "O", "I-LOC"], [1], "IOB1"), ["I-LOC", "B-LOC"]);
  assertEquals(keptTags(["I-LOC", "O", "I-MISC"], [1], "IOB1"), ["I-LOC", "I-MISC"]);
});

Deno.test("filterSentences IOBES: S/B/E repaired when an entity loses its first, middle or last token", () => {
  const tags = ["O", "B-LOC", "I-LOC", "E-LOC", "S-PER"];
  assertEquals(keptTags(tags, [1], "IOBES"), ["O", "B-LOC", "E-LOC", "S-PER"]);
  assertEquals(keptTags(tags, [2], "IOBES"), ["O", "B-LOC", "E-LOC", "S-PER"]);
  assertEquals(keptTags(tags, [3], "IOBES"), ["O", "B-LOC", "E-LOC", "S-PER"]);
  assertEquals(keptTags(tags, [1, 2], "IOBES"), ["O", "S-LOC", "S-PER"]);
  assertEquals(keptTags(tags, [2, 3], "IOBES"), ["O", "S-LOC", "S-PER"]);
  assertEquals(keptTags(tags, [4], "IOBES"), ["O", "B-LOC", "I-LOC", "E-LOC"]);
  assertEquals(keptTags(["B-X", "E-X", "O", "S-X"], [2], "IOBES"), ["B-X", "E-X", "S-X"]);
});

Deno.test("filterSentences: sentences without drops are returned untouched, empty ones dropped, stats", () => {
  const untouched: Sentence = { words: ["w0", "w1"], tags: ["O", "I-X"] }; // ill-formed IOB2
  const input: Sentence[] = [
    {
      words: ["RT", "@bob", ":", "New", "York", "http://t.co/x"],
      tags: ["O", "B-person", "O", "B-loc", "I-loc", "O"],
    },
    untouched,
    { words: ["@a", "RT", "😂"], tags: ["B-person", "O", "O"] },
    { words: ["www.x.com", "rocks"], tags: ["B-company", "O"] },
  ];
  const { sentences, stats } = filterSentences(input, "datnet-wnut", "IOB2");
  assertEquals(sentences, [
    { words: [":", "New", "York"], tags: ["O", "B-loc", "I-loc"] },
    untouched,
    { words: ["rocks"], tags: ["O"] },
  ]);
  assert(sentences[1] === untouched);
  assertEquals(stats, {
    sentencesIn: 4,
    sentencesOut: 3,
    tokensIn: 13,
    tokensDropped: 7,
    entityTokensDropped: 3,
    emptySentencesDropped: 1,
  });
  assertEquals(input[0].words.length, 6); // input not modified
  assertEquals(filterSentences([], "datnet-conll", "IOB1").stats.sentencesOut, 0);
});

Deno.test("filterSentences: a non-chunk tag in a sentence that loses tokens is a TagSchemeError", () => {
  assertThrows(() => filter(["http", "x"], ["NN", "VB"], "IOB2"), TagSchemeError, '"NN"');
  assertEquals(filter(["a", "b"], ["NN", "VB"], "IOB2").sentences[0].tags, ["NN", "VB"]); // nothing dropped
});

const dataDir = realDataDir();

Deno.test({
  name: "real data: tokens the DATNet filters drop from WNUT-16, CoNLL-2003 and CoNLL-2002 Spanish",
  ignore: dataDir === undefined,
  fn: async () => {
    // [tokens dropped, entity tokens dropped, empty sentences dropped] for train, dev, test
    const cases: [string, TokenFilterRule, number[][]][] = [
      ["wnut16", "datnet-wnut", [[2139, 1, 0], [1464, 0, 1], [5446, 6, 10]]],
      ["conll2003", "datnet-conll", [[0, 0, 0], [0, 0, 0], [1, 0, 0]]],
      ["conll2002-es", "datnet-conll", [[1, 1, 0], [0, 0, 0], [0, 0, 0]]],
    ];
    for (const [id, rule, expected] of cases) {
      const ds = await loadDataset(id, dataDir!);
      const got = (["train", "dev", "test"] as const).map((split) => {
        const { stats } = filterSentences(ds.splits[split]!.sentences, rule, ds.spec.scheme);
        return [stats.tokensDropped, stats.entityTokensDropped, stats.emptySentencesDropped];
      });
      assertEquals(got, expected, id);
    }
    // esp.train line 62,419: "http: B-MISC" + "//careers.yahoo.com I-MISC" → the I- becomes B-
    const es = await loadDataset("conll2002-es", dataDir!, { splits: ["train"] });
    const s = filterSentences(es.splits.train!.sentences, "datnet-conll", "IOB2").sentences
      .find((x) => x.words.includes("//careers.yahoo.com"))!;
    assertEquals(s.tags[s.words.indexOf("//careers.yahoo.com")], "B-MISC");
  },
});
