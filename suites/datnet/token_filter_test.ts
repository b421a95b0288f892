import { assert, assertEquals, assertThrows } from "../../harness/data/_assert.ts";
import {
  filterSentences,
  isFilteredToken,
  rewriteToken,
  TOKEN_FILTER_RULES,
  type TokenFilterRule,
} from "./token_filter.ts";
import { loadDataset } from "../../harness/data/load.ts";
import { TagSchemeError } from "../../harness/data/tag_scheme.ts";
import { realDataDir } from "../../harness/data/_testing.ts";
import type { Sentence, TagScheme } from "../../models/types.ts";

Deno.test("TOKEN_FILTER_RULES: one description per rule", () => {
  assertEquals(Object.keys(TOKEN_FILTER_RULES).sort(), ["datnet-conll", "datnet-wnut"]);
  for (const d of Object.values(TOKEN_FILTER_RULES)) assert(d.includes("http") && d.includes("all splits"));
});

Deno.test("TOKEN_FILTER_RULES: cite the released script and its commit", () => {
  for (const d of Object.values(TOKEN_FILTER_RULES)) {
    assert(
      d.includes("utils/data_cvrt.py") && d.includes("26hzhang/DATNet@cb87ae1") && d.includes("Unlike"),
      d,
    );
  }
});

Deno.test("isFilteredToken: datnet-conll drops words containing lower-case http (process_token)", () => {
  for (const w of ["http://www.pt.lu/x", "page=http://a.b", "xhttps", "http:", "Xhttp"]) {
    assert(isFilteredToken(w, "datnet-conll"), w);
  }
  // case-sensitive, as `"http" in word`
  for (
    const w of ["HTTP", "xHttPs", "Http://a", "@user", "RT", "www.example.com", "😂", "htt", "ht-tp", "EU"]
  ) {
    assert(!isFilteredToken(w, "datnet-conll"), w);
  }
  assertEquals(rewriteToken("a&amp;b", "datnet-conll"), "a&amp;b"); // never rewritten
});

Deno.test("datnet-wnut: URLs only when they start with http:// or https://", () => {
  for (const w of ["http://t.co/x", "https://t.co/x", "http://"]) {
    assert(isFilteredToken(w, "datnet-wnut"), w);
  }
  for (
    const w of ["www.cnn.com", "WWW.X.ORG", "#infosechttp", "HTTPS://t.co", "http:", "xhttp://a", "https"]
  ) {
    assert(!isFilteredToken(w, "datnet-wnut"), w);
  }
});

Deno.test("datnet-wnut: anything starting with @ (a lone @ included) and RT, case-sensitively", () => {
  for (const w of ["@user", "@_", "@@", "@"]) assert(isFilteredToken(w, "datnet-wnut"), w);
  for (const w of ["a@b.com", "rt", "Rt", "RT:", "RTs", "#tbt", "New", "1", "A"]) {
    assert(!isFilteredToken(w, "datnet-wnut"), w);
  }
});

Deno.test("datnet-wnut: the script's emoticons and HTML entities, exactly and case-sensitively", () => {
  const dropped = [
    "&gt;",
    "&quot;",
    "&lt;",
    ":D",
    ";)",
    ":)",
    "-_-",
    "=D",
    ":'",
    "-__-",
    ":P",
    ":p",
    "RT",
    ":-)",
    ";-)",
    ":(",
    ":/",
  ];
  for (const w of dropped) assert(isFilteredToken(w, "datnet-wnut"), w);
  for (const w of [":d", ":-(", ":))", "<3", "&GT;", "&apos;", "&lt;3", ":-D", "xD", ":", "-", "="]) {
    assert(!isFilteredToken(w, "datnet-wnut"), w);
  }
  for (const w of dropped) assert(!isFilteredToken(w, "datnet-conll"), w);
});

Deno.test("datnet-wnut: / and < dropped only when tagged O", () => {
  for (const w of ["/", "<"]) {
    assert(isFilteredToken(w, "datnet-wnut", "O"), w);
    assert(!isFilteredToken(w, "datnet-wnut", "I-product"), w);
    assert(!isFilteredToken(w, "datnet-wnut"), w); // tag unknown: kept
  }
  for (const w of ["//", ">", "</", "\\"]) assert(!isFilteredToken(w, "datnet-wnut", "O"), w);
});

Deno.test("datnet-wnut: &amp; rewritten as & (after the list check)", () => {
  assertEquals(rewriteToken("&amp;", "datnet-wnut"), "&");
  assertEquals(rewriteToken("AT&amp;T", "datnet-wnut"), "AT&T");
  assertEquals(rewriteToken("&amp;&amp;", "datnet-wnut"), "&&");
  assertEquals(rewriteToken("&amp;lt;", "datnet-wnut"), "&lt;"); // kept: the list is checked before the rewrite
  assertEquals(rewriteToken("&amp;", "datnet-wnut", "O"), "&");
});

Deno.test("datnet-wnut: emoji removed inside words, emoji-only words dropped", () => {
  for (const w of ["😂", "😂😂", "👍🏽", "🇬🇧", "☺", "✔", "🤔", "©", "™", "‼"]) {
    assert(isFilteredToken(w, "datnet-wnut"), w);
  }
  assertEquals(rewriteToken("love😂", "datnet-wnut"), "love");
  assertEquals(rewriteToken("😂love😂you", "datnet-wnut"), "loveyou");
  assertEquals(rewriteToken("☀️sun", "datnet-wnut"), "\u{FE0F}sun"); // U+2600 removed, VS16 kept
  assertEquals(rewriteToken("©2016", "datnet-wnut"), "2016");
  assertEquals(rewriteToken("#1", "datnet-wnut"), "#1"); // # * 0-9 are not removed
  // removal happens first, so the checks see the cleaned word
  assert(isFilteredToken("😂@user", "datnet-wnut"));
  assert(isFilteredToken("🔥http://t.co/x", "datnet-wnut"));
  assert(isFilteredToken("😂:)", "datnet-wnut"));
  assert(isFilteredToken("😂/", "datnet-wnut", "O"));
  assert(isFilteredToken("😂\u{A0}", "datnet-wnut")); // then Python's lstrip leaves nothing
  assertEquals(rewriteToken("😂\u{A0}x", "datnet-wnut"), "x");
  // what the script's removal leaves of an emoji sequence: VS16 and ZWJ survive, the token is kept
  assertEquals(rewriteToken("❤️", "datnet-wnut"), "\u{FE0F}");
  assertEquals(rewriteToken("👨‍👩‍👧", "datnet-wnut"), "\u{200D}\u{200D}");
  assertEquals(rewriteToken("love", "datnet-wnut"), "love");
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

Deno.test("filterSentences: untouched sentences kept as they are, rewrites, empty ones dropped, stats", () => {
  const untouched: Sentence = { words: ["w0", "w1"], tags: ["O", "I-X"] }; // ill-formed IOB2
  const rewritten: Sentence = { words: ["AT&amp;T", "rocks😂"], tags: ["B-company", "O"] };
  const input: Sentence[] = [
    {
      words: ["RT", "@bob", ":", "New", "York", "http://t.co/x", ":)"],
      tags: ["O", "B-person", "O", "B-loc", "I-loc", "O", "O"],
    },
    untouched,
    { words: ["@a", "RT", "😂"], tags: ["B-person", "O", "O"] },
    { words: ["www.x.com", "/", "rocks", "/"], tags: ["B-company", "I-company", "O", "O"] },
    rewritten,
  ];
  const { sentences, stats } = filterSentences(input, "datnet-wnut", "IOB2");
  assertEquals(sentences, [
    { words: [":", "New", "York"], tags: ["O", "B-loc", "I-loc"] },
    untouched,
    { words: ["www.x.com", "/", "rocks"], tags: ["B-company", "I-company", "O"] },
    { words: ["AT&T", "rocks"], tags: ["B-company", "O"] },
  ]);
  assert(sentences[1] === untouched);
  assert(sentences[3] !== rewritten && sentences[3].tags !== rewritten.tags);
  assertEquals(stats, {
    sentencesIn: 5,
    sentencesOut: 4,
    tokensIn: 18,
    tokensDropped: 8,
    tokensRewritten: 2,
    entityTokensDropped: 2,
    emptySentencesDropped: 1,
  });
  assertEquals(input[0].words.length, 7); // input not modified
  assertEquals(rewritten.words, ["AT&amp;T", "rocks😂"]);
  assertEquals(filterSentences([], "datnet-conll", "IOB1").stats.sentencesOut, 0);
});

Deno.test("filterSentences: an emoji dropped inside an entity, the entity keeps its other tokens", () => {
  const { sentences, stats } = filterSentences(
    [{
      words: ["Taylor😍", "😍", "Swift", "&amp;", "co"],
      tags: ["B-person", "I-person", "I-person", "O", "O"],
    }],
    "datnet-wnut",
    "IOB2",
  );
  assertEquals(sentences, [{
    words: ["Taylor", "Swift", "&", "co"],
    tags: ["B-person", "I-person", "O", "O"],
  }]);
  assertEquals([stats.tokensDropped, stats.entityTokensDropped, stats.tokensRewritten], [1, 1, 2]);
});

Deno.test("filterSentences: where the port differs from the script, two same-type entities stay apart", () => {
  // The script keeps B-X I-X I-X and its iob_to_iob2 reads one entity; the port keeps two.
  const { sentences } = filterSentences(
    [{ words: ["New", "York", "@LA", "Times"], tags: ["B-loc", "I-loc", "B-loc", "I-loc"] }],
    "datnet-wnut",
    "IOB2",
  );
  assertEquals(sentences[0].tags, ["B-loc", "I-loc", "B-loc"]);
});

Deno.test("filterSentences: a non-chunk tag in a sentence that loses tokens is a TagSchemeError", () => {
  assertThrows(() => filter(["http", "x"], ["NN", "VB"], "IOB2"), TagSchemeError, '"NN"');
  assertEquals(filter(["a", "b"], ["NN", "VB"], "IOB2").sentences[0].tags, ["NN", "VB"]); // nothing dropped
});

const dataDir = realDataDir();

Deno.test({
  name:
    "real data: tokens the DATNet filters drop or rewrite in WNUT-16/17, CoNLL-2003 and CoNLL-2002 Spanish",
  ignore: dataDir === undefined,
  fn: async () => {
    // [tokens dropped, entity tokens dropped, empty sentences dropped, tokens rewritten] for train, dev, test
    const cases: [string, TokenFilterRule, number[][]][] = [
      ["wnut16", "datnet-wnut", [[2614, 4, 0, 109], [1524, 0, 1, 43], [5623, 6, 10, 126]]],
      ["wnut17", "datnet-wnut", [[4138, 10, 1, 152], [191, 0, 0, 0], [1383, 6, 30, 0]]],
      ["conll2003", "datnet-conll", [[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]],
      ["conll2002-es", "datnet-conll", [[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]],
    ];
    for (const [id, rule, expected] of cases) {
      const ds = await loadDataset(id, dataDir!);
      const got = (["train", "dev", "test"] as const).map((split) => {
        const { stats } = filterSentences(ds.splits[split]!.sentences, rule, ds.spec.scheme);
        return [
          stats.tokensDropped,
          stats.entityTokensDropped,
          stats.emptySentencesDropped,
          stats.tokensRewritten,
        ];
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
