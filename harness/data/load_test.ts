import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { join } from "node:path";
import { DataFormatError } from "./conll_reader.ts";
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
