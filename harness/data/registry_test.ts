import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { realDataDir } from "./_testing.ts";
import { loadDataset } from "./load.ts";
import { DATASETS, getDataset, sourceUrl, UnknownDatasetError } from "./registry.ts";

Deno.test("registry: ids match keys, every split has a sha256 and a byte size", () => {
  for (const [id, spec] of Object.entries(DATASETS)) {
    assertEquals(spec.id, id);
    const splits = Object.values(spec.splits);
    assert(splits.length > 0, id);
    for (const f of splits) {
      assert(/^[0-9a-f]{64}$/.test(f.sha256), `${id} ${f.file}`);
      assert(f.bytes > 0);
    }
    assert(spec.homepage.startsWith("https://") && spec.download !== "" && spec.citation !== "");
  }
});

Deno.test("registry: the required datasets and their files", () => {
  assertEquals(Object.keys(DATASETS).sort(), [
    "conll2000",
    "conll2002-es",
    "conll2002-nl",
    "conll2003",
    "ptb-wsj-sample",
    "ritter2011-ner",
    "ritter2011-pos",
    "ud12-el",
    "ud12-et",
    "ud12-eu",
    "ud12-id",
    "ud12-ro",
    "wnut16",
    "wnut17",
  ]);
  assertEquals(DATASETS.wnut17.splits.test?.file, "emerging.test.annotated");
  assertEquals(Object.keys(DATASETS.conll2000.splits), ["train", "test"]);
  assertEquals(DATASETS.conll2003.scheme, "IOB1");
  assertEquals(DATASETS["conll2002-nl"].splits.dev?.file, "ned.testa");
});

Deno.test("registry: DATNet Table 1 statistics", () => {
  const t = (id: string) =>
    (["train", "dev", "test"] as const).map((s) => {
      const x = DATASETS[id].paperStats!.splits[s]!;
      return [x.tokens, x.entities];
    });
  assertEquals(t("conll2003"), [[204567, 23499], [51578, 5942], [46666, 5648]]);
  assertEquals(t("conll2002-es"), [[207484, 18797], [51645, 4351], [52098, 3558]]);
  assertEquals(t("conll2002-nl"), [[202931, 13344], [37761, 2616], [68994, 3941]]);
  assertEquals(t("wnut16"), [[46469, 2462], [16261, 1128], [61908, 5955]]);
  assertEquals(t("wnut17"), [[62730, 3160], [15733, 1250], [23394, 1740]]);
  assert(DATASETS.conll2003.paperStats!.source.includes("Table 1"));
});

Deno.test("registry: partitioned datasets read one file for all three splits, with a seeded split file", () => {
  const ids = Object.values(DATASETS).filter((d) => d.partition).map((d) => d.id).sort();
  assertEquals(ids, ["ptb-wsj-sample", "ritter2011-ner", "ritter2011-pos"]);
  for (const id of ids) {
    const { splits, partition } = DATASETS[id];
    assertEquals(Object.keys(splits), ["train", "dev", "test"]);
    assert(splits.train === splits.dev && splits.dev === splits.test, id);
    assert(/^[0-9a-f]{64}$/.test(partition!.sha256) && partition!.seed === `tagbench/${id}/v1`, id);
  }
  assertEquals(
    [DATASETS["ritter2011-pos"].format, DATASETS["ritter2011-ner"].format, DATASETS["ptb-wsj-sample"].format],
    ["ritter-pos", "wnut", "ptb-pos"],
  );
  assertEquals(DATASETS["ritter2011-pos"].task, "pos");
  assertEquals(DATASETS["ptb-wsj-sample"].task, "pos");
});

Deno.test("registry: Yang et al. (2017) Table 1 token counts", () => {
  const t = (id: string) =>
    (["train", "dev", "test"] as const).map((s) => DATASETS[id].paperStats!.splits[s]?.tokens);
  assertEquals(t("ritter2011-pos"), [12196, 1362, 1627]);
  assertEquals(t("ritter2011-ner"), [36936, 4612, 4921]);
  assertEquals(t("ptb-wsj-sample"), [912344, 131768, 129654]);
  assertEquals(t("conll2000"), [211727, undefined, 47377]);
  // the Twitter counts sum to the whole file: Yang et al. split these very files
  assertEquals(12196 + 1362 + 1627, 15185);
  assertEquals(36936 + 4612 + 4921, 46469);
});

Deno.test("getDataset: known id, and did-you-mean for an unknown one", () => {
  assertEquals(getDataset("wnut16").title, "WNUT-2016 Twitter NER");
  assertEquals(
    assertThrows(() => getDataset("conll03"), UnknownDatasetError).message,
    'Unknown dataset "conll03". Did you mean "conll2003"? Known datasets: conll2000, conll2002-es, conll2002-nl, ' +
      "conll2003, ptb-wsj-sample, ritter2011-ner, ritter2011-pos, ud12-el, ud12-et, ud12-eu, ud12-id, ud12-ro, " +
      "wnut16, wnut17",
  );
  assertThrows(() => getDataset("WNUT17"), UnknownDatasetError, 'Did you mean "wnut17"?');
  const e = assertThrows(() => getDataset("imagenet"), UnknownDatasetError);
  assert(!e.message.includes("Did you mean"), e.message);
  assertThrows(() => getDataset("toString"), UnknownDatasetError);
});

Deno.test("registry: every dataset declares its sentence and token counts for each of its splits", () => {
  for (const [id, spec] of Object.entries(DATASETS)) {
    assertEquals(Object.keys(spec.counts ?? {}).sort(), Object.keys(spec.splits).sort(), id);
    for (const c of Object.values(spec.counts!)) assert(c.sentences > 0 && c.tokens >= c.sentences, id);
  }
});

const dataDir = realDataDir();

Deno.test({
  name: "real data: the declared counts are what the loader reads",
  ignore: dataDir === undefined,
  fn: async () => {
    for (const [id, spec] of Object.entries(DATASETS)) {
      const ds = await loadDataset(id, dataDir!);
      for (const [split, c] of Object.entries(spec.counts!)) {
        const s = ds.splits[split as keyof typeof ds.splits]!;
        const tokens = s.sentences.reduce((n, x) => n + x.words.length, 0);
        assertEquals({ sentences: s.sentences.length, tokens }, c, `${id} ${split}`);
      }
    }
  },
});

Deno.test("registry: every file has one pinned canonical source; the restricted licences", () => {
  for (const spec of Object.values(DATASETS)) {
    const src = spec.source!;
    assert(
      /^https:\/\/github\.com\/[^/]+\/[^/]+$/.test(src.repository) && /^[0-9a-f]{40}$/.test(src.commit),
      spec.id,
    );
    assert(spec.redistribution!.terms.length > 40, spec.id);
    for (const f of Object.values(spec.splits)) {
      const named = [src.files?.[f.file], src.archive?.members?.[f.file], src.archive?.derived?.[f.file]];
      assertEquals(named.filter((x) => x !== undefined).length, 1, `${spec.id} ${f.file}`);
      if (f.url) assertEquals(f.url, sourceUrl(src, src.files![f.file]), `${spec.id} ${f.file}`);
    }
    if (src.archive) assert(/^[0-9a-f]{64}$/.test(src.archive.sha256) && src.archive.bytes > 0, spec.id);
  }
  assertEquals(
    Object.values(DATASETS).filter((d) => d.redistribution!.restricted).map((d) => d.id).sort(),
    [
      "conll2000",
      "conll2002-es",
      "conll2002-nl",
      "conll2003",
      "ptb-wsj-sample",
      "ud12-el",
      "ud12-et",
      "ud12-eu",
      "ud12-id",
    ],
  );
  assertThrows(
    () => sourceUrl({ repository: "https://gitlab.com/a/b", commit: "c" }, "x"),
    Error,
    "not https",
  );
});
