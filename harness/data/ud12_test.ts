import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataFormatError } from "./conll_reader.ts";
import { checkDatasetFiles, loadDatasetFromSpec, loadDatasetShared } from "./load.ts";
import { DATASETS, type DatasetSpec, getDataset } from "./registry.ts";
import { UD12_DATASETS, UD12_DIR, UD12_MISSING_TRAIN, UD12_TREEBANKS, ud12MissingTrain } from "./ud12.ts";
import { realDataDir, TESTDATA } from "./_testing.ts";

const FIXTURE_DIR = join(TESTDATA, "datasets");

/** A CoNLL-U fixture: train gzip-compressed (with a multiword token, an empty node and comments), test plain. */
const UDMINI: DatasetSpec = {
  ...UD12_DATASETS["ud12-ro"],
  id: "udmini",
  title: "UD mini fixture",
  dir: "udmini",
  splits: {
    train: {
      file: "xx-ud-train.conllu.gz",
      sha256: "f0d921f2a244e289f772d5c591c7b3bcb0730d2f2414a3e6980e1c04269be534",
      bytes: 156,
    },
    test: {
      file: "xx-ud-test.conllu",
      sha256: "1ad809bfd5473597cf8b49642691ae77825dfee248be689a5a8d4dd2c0c3a001",
      bytes: 123,
    },
  },
  counts: { train: { sentences: 2, tokens: 7 }, test: { sentences: 2, tokens: 4 } },
};

Deno.test("loadDatasetFromSpec: conllu, gzip or plain: FORM and UPOS; ranges, empty nodes, comments skipped", async () => {
  const ds = await loadDatasetFromSpec(UDMINI, FIXTURE_DIR);
  assertEquals(ds.splits.train!.sentences, [
    { words: ["Vamos", "a", "el", "cine", "."], tags: ["VERB", "ADP", "DET", "NOUN", "PUNCT"] },
    { words: ["Hola", "!"], tags: ["INTJ", "PUNCT"] },
  ]);
  assertEquals(ds.splits.test!.sentences, [
    { words: ["Sí"], tags: ["INTJ"] },
    { words: ["de", "el", "cine"], tags: ["ADP", "DET", "NOUN"] },
  ]);
  assertEquals([ds.splits.train!.sha256, ds.splits.train!.docstarts], [UDMINI.splits.train!.sha256, 0]);
  assertEquals((await checkDatasetFiles(UDMINI, FIXTURE_DIR)).map((c) => c.status), ["ok", "ok"]);
});

Deno.test("loadDatasetFromSpec: conllu errors name the file: corrupt gzip, bad UPOS, wrong sha256", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "udmini"));
    const train = join(dir, "udmini", "xx-ud-train.conllu.gz");
    const row = "1\tHi\t_\tINTJ\t_\t_\t0\troot\t_\t_\n";
    await Deno.writeFile(train, gzipSync(new TextEncoder().encode(row.repeat(40))).subarray(0, 30));
    const load = () => loadDatasetFromSpec(UDMINI, dir, { splits: ["train"], verify: false });
    await assertRejects(load, DataFormatError, `Cannot read "${train}": is not a valid gzip file`);
    await Deno.writeFile(train, gzipSync(new TextEncoder().encode(row.replace("INTJ", "NN"))));
    await assertRejects(load, DataFormatError, `Cannot read "${train}": line 1 has UPOS "NN" (column 4)`);
    await assertRejects(() => loadDatasetFromSpec(UDMINI, dir, { splits: ["train"] }), Error, "has sha256");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ud12: five registered treebanks, POS in CoNLL-U, files and source at r1.2", () => {
  assertEquals(UD12_TREEBANKS.map((t) => t.id), ["ud12-eu", "ud12-et", "ud12-el", "ud12-id", "ud12-ro"]);
  for (const t of UD12_TREEBANKS) {
    const spec = getDataset(t.id);
    assert(DATASETS[t.id] === UD12_DATASETS[t.id], t.id);
    assertEquals([spec.language, spec.task, spec.scheme, spec.format], [t.language, "pos", "IOB2", "conllu"]);
    assertEquals(spec.dir, `ud_v1.2/UD_${t.name}`);
    for (const s of ["train", "dev", "test"] as const) {
      const f = spec.splits[s]!;
      assertEquals(f.file, `${t.language}-ud-${s}.conllu.gz`);
      assertEquals(spec.source!.files![f.file], `${t.language}-ud-${s}.conllu`);
    }
    assert(
      spec.source!.repository.startsWith(`https://github.com/UniversalDependencies/UD_${t.name}-`),
      t.id,
    );
    assert(
      spec.citation.includes("Universal Dependencies 1.2") && spec.citation.includes("11234/1-1548"),
      t.id,
    );
    assertEquals(spec.redistribution!.restricted, t.language !== "ro", t.id); // CC BY-NC-SA but Romanian
  }
});

Deno.test("ud12MissingTrain: the path of a missing train file; an error for present or unknown languages", () => {
  assertEquals(ud12MissingTrain("es"), ["ud_v1.2/UD_Spanish/es-ud-train.conllu.gz"]);
  assertEquals(ud12MissingTrain("cs").length, 4);
  assertEquals(ud12MissingTrain("cs")[0], "ud_v1.2/UD_Czech/cs-ud-train-c.conllu.gz");
  assertThrows(
    () => ud12MissingTrain("ro"),
    Error,
    'UD v1.2 Romanian has its train file: it is dataset "ud12-ro"',
  );
  assertThrows(
    () => ud12MissingTrain("ja"),
    Error,
    '"ja" is not a UD v1.2 treebank under ud_v1.2/ (known: ar, bg',
  );
  assertEquals(UD12_MISSING_TRAIN.length, 20);
  assertEquals(UD12_MISSING_TRAIN.filter((t) => !t.devTest).map((t) => t.language), ["cs", "hi"]);
});

const dataDir = realDataDir();

Deno.test({
  name: "real data: ud_v1.2 holds train files for exactly the registered treebanks; the others as listed",
  ignore: dataDir === undefined || !existsSync(join(dataDir, UD12_DIR)),
  fn: () => {
    const root = join(dataDir!, UD12_DIR);
    const folders = readdirSync(root).filter((d) => d.startsWith("UD_")).sort();
    const names = (ts: readonly { name: string }[]) => ts.map((t) => `UD_${t.name}`).sort();
    assertEquals(folders, names([...UD12_TREEBANKS, ...UD12_MISSING_TRAIN]));
    const withTrain = folders.filter((d) =>
      readdirSync(join(root, d)).some((f) => /-ud-train.*\.conllu\.gz$/.test(f))
    );
    assertEquals(withTrain, names(UD12_TREEBANKS));
    for (const t of UD12_MISSING_TRAIN) {
      for (const p of ud12MissingTrain(t.language)) assert(!existsSync(join(dataDir!, p)), p);
      const dev = join(root, `UD_${t.name}`, `${t.language}-ud-dev.conllu.gz`);
      assertEquals(existsSync(dev), t.devTest, dev);
    }
  },
});

Deno.test({
  name: "real data: loadDatasetShared('ud12-ro') gives train/dev/test of UPOS-tagged sentences",
  ignore: dataDir === undefined,
  fn: async () => {
    const ds = await loadDatasetShared("ud12-ro", dataDir!);
    const splits = (["train", "dev", "test"] as const).map((s) => ds.splits[s]!);
    assertEquals(splits.map((s) => s.sentences.length), [481, 76, 76]);
    assertEquals(splits.map((s) => s.sentences.reduce((n, x) => n + x.words.length, 0)), [9291, 1422, 1381]);
    const tags = new Set(splits.flatMap((s) => s.sentences.flatMap((x) => x.tags)));
    assert(tags.has("NOUN") && tags.has("PUNCT") && !tags.has("_"), [...tags].join(" "));
  },
});
