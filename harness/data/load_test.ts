import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { DataFormatError, readConllFile } from "./conll_reader.ts";
import { formatSplitFile, seededSplit, writeSplitFiles } from "./splits.ts";
import { checkDatasetFiles, DatasetFileError, loadDataset, loadDatasetFromSpec, sha256File } from "./load.ts";
import { DATASETS, type DatasetSpec, UnknownDatasetError } from "./registry.ts";
import { realDataDir, TESTDATA, TINY } from "./_testing.ts";

const FIXTURE_DIR = join(TESTDATA, "datasets");

Deno.test("sha256File: known digest of a fixture, stable on a second call", async () => {
  const path = join(FIXTURE_DIR, "tiny", "tiny.test");
  assertEquals(await sha256File(path), TINY.splits.test!.sha256);
  assertEquals(await sha256File(path), TINY.splits.test!.sha256);
});

Deno.test("sha256File: hashes are cached per path + mtime + size, a changed file is hashed again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "f");
    await Deno.writeTextFile(path, "abc");
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assertEquals(await sha256File(path), abc);
    // same size and mtime: the cached hash comes back (this is what makes a second load skip hashing)
    const { mtime } = await Deno.stat(path);
    await Deno.writeTextFile(path, "xyz");
    await Deno.utime(path, mtime!, mtime!);
    assertEquals(await sha256File(path), abc);
    await Deno.writeTextFile(path, "abcd");
    assertEquals(await sha256File(path), "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadDatasetFromSpec: fixture dataset, file scheme kept", async () => {
  const ds = await loadDatasetFromSpec(TINY, FIXTURE_DIR);
  assertEquals(ds.spec, TINY);
  assertEquals(Object.keys(ds.splits), ["train", "test"]);
  const train = ds.splits.train!;
  assertEquals(train.name, "train");
  assertEquals(train.path, join(FIXTURE_DIR, "tiny", "tiny.train"));
  assertEquals(train.sha256, TINY.splits.train!.sha256);
  assertEquals(train.docstarts, 2);
  assertEquals(train.sentences.map((s) => s.words.length), [5, 2, 1]);
  assertEquals(ds.splits.test!.sentences[0].tags, ["I-PER", "I-PER", "B-PER", "O"]);
});

Deno.test("loadDatasetFromSpec: only the splits asked for", async () => {
  const ds = await loadDatasetFromSpec(TINY, FIXTURE_DIR, { splits: ["test"] });
  assertEquals(Object.keys(ds.splits), ["test"]);
  await assertRejects(
    () => loadDatasetFromSpec(TINY, FIXTURE_DIR, { splits: ["dev"] }),
    Error,
    'Dataset "tiny" has no dev split (it has train, test)',
  );
});

Deno.test("loadDatasetFromSpec: wrong sha256 → DatasetFileError naming both hashes; verify: false loads it", async () => {
  const bad = "0".repeat(64);
  const spec: DatasetSpec = {
    ...TINY,
    splits: { ...TINY.splits, train: { ...TINY.splits.train!, sha256: bad } },
  };
  const path = join(FIXTURE_DIR, "tiny", "tiny.train");
  const err = await assertRejects(() => loadDatasetFromSpec(spec, FIXTURE_DIR), DatasetFileError);
  assertEquals(
    err.message,
    `Dataset "tiny" (Tiny fixture NER): the train file ${path} has sha256 ${TINY.splits.train!.sha256}, ` +
      `expected ${bad}: it is not the registered file. Obtain it from https://example.org/tiny/tiny.tgz ` +
      `(homepage https://example.org/tiny; licence: CC0 (written for the tests)) and put it under ` +
      `${
        join(FIXTURE_DIR, "tiny")
      }/, or set TAGBENCH_DATA_DIR / --data-dir to a folder that holds tiny/tiny.train.`,
  );
  assert(!err.message.includes("\n"));
  assertEquals([err.dataset, err.path, err.expected, err.actual], [
    "tiny",
    path,
    bad,
    TINY.splits.train!.sha256,
  ]);
  const ds = await loadDatasetFromSpec(spec, FIXTURE_DIR, { verify: false });
  assertEquals(ds.splits.train!.sha256, TINY.splits.train!.sha256); // the actual hash
});

Deno.test("loadDatasetFromSpec: missing file → DatasetFileError saying how to obtain it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const err = await assertRejects(() => loadDatasetFromSpec(TINY, dir), DatasetFileError);
    const path = join(dir, "tiny", "tiny.train");
    assertEquals(
      err.message,
      `Dataset "tiny" (Tiny fixture NER): the train file ${path} is missing (expected sha256 ` +
        `${TINY.splits.train!.sha256}). Obtain it from https://example.org/tiny/tiny.tgz (homepage ` +
        `https://example.org/tiny; licence: CC0 (written for the tests)) and put it under ${dir}/tiny/, or set ` +
        "TAGBENCH_DATA_DIR / --data-dir to a folder that holds tiny/tiny.train.",
    );
    assertEquals(err.actual, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadDatasetFromSpec: a malformed file is a DataFormatError naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "tiny"));
    await Deno.writeTextFile(join(dir, "tiny", "tiny.test"), "a NN I-NP O\nb NN O\n");
    const err = await assertRejects(
      () => loadDatasetFromSpec(TINY, dir, { splits: ["test"], verify: false }),
      DataFormatError,
    );
    assertEquals(
      err.message,
      `Cannot read "${join(dir, "tiny", "tiny.test")}": line 2 has 3 columns, expected 4`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkDatasetFiles: ok, altered and missing", async () => {
  const spec: DatasetSpec = {
    ...TINY,
    splits: {
      train: TINY.splits.train,
      dev: { file: "absent", sha256: "1".repeat(64), bytes: 1 },
      test: { ...TINY.splits.test!, sha256: "2".repeat(64) },
    },
  };
  const checks = await checkDatasetFiles(spec, FIXTURE_DIR);
  assertEquals(checks.map((c) => [c.split, c.status]), [["train", "ok"], ["dev", "missing"], [
    "test",
    "altered",
  ]]);
  assertEquals(checks[2].actual, TINY.splits.test!.sha256);
});

Deno.test("loadDataset: unknown id", async () => {
  await assertRejects(() => loadDataset("conll2004", FIXTURE_DIR), UnknownDatasetError, "Did you mean");
});

const dataDir = realDataDir();

Deno.test({
  name: "real data: every registered file is present with its registered sha256",
  ignore: dataDir === undefined,
  fn: async () => {
    for (const spec of Object.values(DATASETS)) {
      for (const c of await checkDatasetFiles(spec, dataDir!)) assertEquals(c.status, "ok", c.path);
    }
  },
});

Deno.test({
  name: "real data: loadDataset('conll2003'), all splits",
  ignore: dataDir === undefined,
  fn: async () => {
    const ds = await loadDataset("conll2003", dataDir!);
    assertEquals(ds.splits.train!.sentences.length, 14041);
    assertEquals(ds.splits.dev!.sentences.length, 3250);
    assertEquals(ds.splits.test!.docstarts, 231);
    assertEquals(ds.splits.train!.sha256, DATASETS.conll2003.splits.train!.sha256);
  },
});

/** A partitioned fixture: 12 one-to-three-token sentences in `ritter-pos` format, split by a file in a temp dir. */
const TINY_PART: DatasetSpec = {
  ...TINY,
  id: "tinypart",
  title: "Tiny partitioned fixture POS",
  task: "pos",
  scheme: "IOB2",
  format: "ritter-pos",
  dir: "tinypart",
  splits: {},
  partition: { version: 1, seed: "tinypart", sentences: 12, sha256: "", note: "fixture" },
};
const TINY_POS = {
  file: "tiny.pos",
  sha256: "8df2ee132a5c560ce0ef82c99fc2de2bf2ca8e1e8b387a4a899becb63bd882bb",
  bytes: 226,
};
TINY_PART.splits = { train: TINY_POS, dev: TINY_POS, test: TINY_POS };

async function withSplitFile(fn: (spec: DatasetSpec, dir: string) => Promise<void>): Promise<void> {
  const sha256 = createHash("sha256").update(formatSplitFile(TINY_PART)).digest("hex");
  const spec: DatasetSpec = { ...TINY_PART, partition: { ...TINY_PART.partition!, sha256 } };
  const dir = await Deno.makeTempDir();
  try {
    await writeSplitFiles({ tinypart: spec }, dir);
    await fn(spec, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadDatasetFromSpec: a partitioned dataset is cut by its split file into train/dev/test", async () => {
  await withSplitFile(async (spec, dir) => {
    const ds = await loadDatasetFromSpec(spec, FIXTURE_DIR, { splitsDir: dir });
    assertEquals(Object.keys(ds.splits), ["train", "dev", "test"]);
    const whole = (await readConllFile(join(FIXTURE_DIR, "tinypart", "tiny.pos"), "ritter-pos")).sentences;
    const split = seededSplit(12, "tinypart");
    for (const name of ["train", "dev", "test"] as const) {
      const s = ds.splits[name]!;
      assertEquals(s.partition!.indices, split[name]);
      assertEquals(s.sentences, split[name].map((i) => whole[i]));
      assertEquals([s.path, s.sha256, s.docstarts], [
        join(FIXTURE_DIR, "tinypart", "tiny.pos"),
        TINY_POS.sha256,
        0,
      ]);
      assertEquals(s.partition!.path, join(dir, "tinypart.v1.json"));
    }
    assertEquals([ds.splits.train!.sentences.length, ds.splits.dev!.sentences.length], [10, 1]);
    const only = await loadDatasetFromSpec(spec, FIXTURE_DIR, { splitsDir: dir, splits: ["test"] });
    assertEquals(Object.keys(only.splits), ["test"]);
    assertEquals(only.splits.test!.sentences, ds.splits.test!.sentences);
    // the one file is checked once
    assertEquals((await checkDatasetFiles(spec, FIXTURE_DIR)).map((c) => [c.split, c.status]), [[
      "train",
      "ok",
    ]]);
  });
});

Deno.test("loadDatasetFromSpec: a partitioned file with another sentence count is a DataFormatError", async () => {
  await withSplitFile(async (spec, dir) => {
    const wrong: DatasetSpec = { ...spec, partition: { ...spec.partition!, sentences: 13 } };
    await assertRejects(
      () => loadDatasetFromSpec(wrong, FIXTURE_DIR, { splitsDir: dir }),
      DataFormatError,
      'has 12 sentences, expected 13 (the split of dataset "tinypart")',
    );
    await assertRejects(() => loadDatasetFromSpec(spec, FIXTURE_DIR), Deno.errors.NotFound); // no split file
  });
});

const REAL_PARTITIONED: [string, number[], number[]][] = [
  // id, sentences train/dev/test, tokens train/dev/test (split v1)
  ["ritter2011-pos", [631, 78, 78], [12094, 1664, 1427]], // Yang et al.'s split: 12,196 / 1,362 / 1,627
  ["ritter2011-ner", [1916, 239, 239], [37221, 4647, 4601]], // Yang et al.'s split: 36,936 / 4,612 / 4,921
  ["ptb-wsj-sample", [3132, 391, 391], [74870, 9286, 9928]],
];

for (const [id, sentences, tokens] of REAL_PARTITIONED) {
  Deno.test({
    name: `real data: loadDataset('${id}') gives train/dev/test of ${sentences.join("/")} sentences, ${
      tokens.join("/")
    } tokens`,
    ignore: dataDir === undefined,
    fn: async () => {
      const ds = await loadDataset(id, dataDir!);
      const splits = (["train", "dev", "test"] as const).map((s) => ds.splits[s]!);
      assertEquals(splits.map((s) => s.sentences.length), sentences);
      assertEquals(splits.map((s) => s.sentences.reduce((n, x) => n + x.words.length, 0)), tokens);
      assertEquals(splits.map((s) => s.sha256), splits.map(() => DATASETS[id].splits.train!.sha256));
    },
  });
}
