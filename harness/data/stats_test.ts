import { assert, assertEquals } from "./_assert.ts";
import { join } from "node:path";
import { loadDataset, loadDatasetFromSpec } from "./load.ts";
import { type DatasetSpec, getDataset } from "./registry.ts";
import { datasetStats, formatStatsTable, paperMark, thousands } from "./stats.ts";
import { realDataDir, TESTDATA, TINY as TINY_FILES } from "./_testing.ts";

/** The fixture dataset with made-up published statistics, to exercise the paper columns. */
const TINY: DatasetSpec = {
  ...TINY_FILES,
  paperStats: {
    source: "Somebody (2020), Table 9",
    splits: { train: { tokens: 10, entities: 3 }, test: { tokens: 4, entities: 3 } },
  },
};

Deno.test("thousands and paperMark", () => {
  assertEquals([thousands(0), thousands(999), thousands(1000), thousands(-57231), thousands(1234567)], [
    "0",
    "999",
    "1,000",
    "-57,231",
    "1,234,567",
  ]);
  assertEquals(paperMark(5, 5), "= paper");
  assertEquals(paperMark(264715, 207484), "≠ paper (+57,231)");
  assertEquals(paperMark(203621, 204567), "≠ paper (-946)");
  assertEquals(paperMark(5, undefined), "");
});

Deno.test("datasetStats: fixture (an IOB1 B- between adjacent same-type entities starts a second one)", async () => {
  const stats = datasetStats(await loadDatasetFromSpec(TINY, join(TESTDATA, "datasets")));
  assertEquals(stats, [
    {
      split: "train",
      file: "tiny.train",
      sentences: 3,
      tokens: 8,
      tokensWithDocstart: 10,
      docstarts: 2,
      entities: 3,
    },
    {
      split: "test",
      file: "tiny.test",
      sentences: 1,
      tokens: 4,
      tokensWithDocstart: 4,
      docstarts: 0,
      entities: 2,
    },
  ]);
});

Deno.test("formatStatsTable: marks, paper columns and source", async () => {
  const stats = datasetStats(await loadDatasetFromSpec(TINY, join(TESTDATA, "datasets")));
  assertEquals(
    formatStatsTable(TINY, stats, "/data"),
    [
      "tiny: Tiny fixture NER (en, ner, files in IOB1), data dir /data",
      "",
      "split  file        sentences  docstarts  tokens                tokens+DOCSTART           entities" +
      "                paper tokens  paper entities",
      "train  tiny.train          3          2       8  ≠ paper (-2)               10  = paper         3" +
      "  = paper                 10               3",
      "test   tiny.test           1          0       4  = paper                     4  = paper         2" +
      "  ≠ paper (-1)             4               3",
      "",
      "paper: Somebody (2020), Table 9.",
      "Marks compare with the paper's count: (Δ) = measured − paper. Entities are chunks read after conversion " +
      "to IOB2.",
    ].join("\n"),
  );
  const noPaper = formatStatsTable({ ...TINY, paperStats: undefined }, stats);
  assert(noPaper.includes("paper: no published statistics registered for this dataset."));
  assert(noPaper.split("\n")[3].endsWith("–               –"), noPaper);
});

const dataDir = realDataDir();

Deno.test({
  name:
    "real data: CoNLL-2003 tokens with DOCSTART lines equal DATNet Table 1, without them the CoNLL counts",
  ignore: dataDir === undefined,
  fn: async () => {
    const stats = datasetStats(await loadDataset("conll2003", dataDir!));
    assertEquals(stats.map((s) => s.tokensWithDocstart), [204567, 51578, 46666]);
    assertEquals(stats.map((s) => s.tokens), [203621, 51362, 46435]);
    assertEquals(stats.map((s) => s.entities), [23499, 5942, 5648]);
    assertEquals(stats.map((s) => s.sentences), [14041, 3250, 3453]);
    const table = formatStatsTable(getDataset("conll2003"), stats);
    assertEquals(table.split("\n").filter((l) => l.includes("≠ paper (-")).length, 3);
    assertEquals(table.split("\n").filter((l) => (l.match(/= paper/g) ?? []).length === 2).length, 3);
  },
});

Deno.test({
  name: "real data: CoNLL-2002 Dutch equals DATNet Table 1 with DOCSTART lines; Spanish does not",
  ignore: dataDir === undefined,
  fn: async () => {
    const nl = datasetStats(await loadDataset("conll2002-nl", dataDir!));
    assertEquals(nl.map((s) => [s.tokensWithDocstart, s.entities]), [[202931, 13344], [37761, 2616], [
      68994,
      3941,
    ]]);
    const es = datasetStats(await loadDataset("conll2002-es", dataDir!));
    assertEquals(es.map((s) => [s.tokens, s.entities]), [[264715, 18798], [52923, 4352], [51533, 3559]]);
  },
});

Deno.test({
  name: "real data: WNUT token counts equal DATNet Table 1",
  ignore: dataDir === undefined,
  fn: async () => {
    const w16 = datasetStats(await loadDataset("wnut16", dataDir!));
    assertEquals(w16.map((s) => [s.sentences, s.tokens, s.entities]), [
      [2394, 46469, 1496],
      [1000, 16261, 661],
      [3850, 61908, 3473],
    ]);
    const w17 = datasetStats(await loadDataset("wnut17", dataDir!));
    assertEquals(w17.map((s) => [s.sentences, s.tokens, s.entities]), [
      [3394, 62730, 1975],
      [1009, 15733, 836],
      [1287, 23394, 1079],
    ]);
  },
});
