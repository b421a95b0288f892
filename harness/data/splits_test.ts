import { createHash } from "node:crypto";
import { join } from "node:path";
import { assert, assertEquals, assertNotEquals, assertRejects, assertThrows } from "./_assert.ts";
import { DataFormatError } from "./conll_reader.ts";
import { DATASETS, type DatasetSpec } from "./registry.ts";
import {
  formatSplitFile,
  readSplitFile,
  seededSplit,
  SPLIT_ALGORITHM,
  splitFileName,
  SPLITS_DIR,
  writeSplitFiles,
} from "./splits.ts";

const PARTITIONED = Object.values(DATASETS).filter((d) => d.partition);

function assertPartition(split: ReturnType<typeof seededSplit>, n: number): void {
  const all = [...split.train, ...split.dev, ...split.test].sort((a, b) => a - b);
  assertEquals(all, Array.from({ length: n }, (_, i) => i));
  for (const xs of [split.train, split.dev, split.test]) assert(xs.every((x, i) => i === 0 || xs[i - 1] < x));
}

Deno.test("seededSplit: 80/10/10 by ⌊n/10⌋, a partition of [0, n), ascending, deterministic", () => {
  for (const n of [0, 1, 9, 10, 11, 787, 2394, 3914]) {
    const s = seededSplit(n, "x");
    assertPartition(s, n);
    assertEquals([s.dev.length, s.test.length], [Math.floor(n / 10), Math.floor(n / 10)]);
    assertEquals(seededSplit(n, "x"), s);
  }
  assertNotEquals(seededSplit(100, "a"), seededSplit(100, "b"));
  assertThrows(() => seededSplit(-1, "x"), RangeError);
  assertThrows(() => seededSplit(2.5, "x"), RangeError);
});

Deno.test("seededSplit: follows SPLIT_ALGORITHM (sha256 of `${seed}:${index}`), pinned", () => {
  const n = 30;
  const key = (i: number) => createHash("sha256").update(`s:${i}`).digest("hex");
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const s = seededSplit(n, "s");
  assertEquals(s.test, order.slice(0, 3).sort((a, b) => a - b));
  assertEquals(s.dev, order.slice(3, 6).sort((a, b) => a - b));
  assertEquals(s.test, PINNED_TEST);
  assert(SPLIT_ALGORITHM.includes("floor(n/10)"));
});
const PINNED_TEST = [0, 1, 18];

Deno.test("split files: regenerating gives byte-identical files with the registered sha256", async () => {
  assertEquals(PARTITIONED.map((d) => splitFileName(d)).sort(), [
    "ptb-wsj-sample.v1.json",
    "ritter2011-ner.v1.json",
    "ritter2011-pos.v1.json",
  ]);
  for (const spec of PARTITIONED) {
    const committed = await Deno.readTextFile(join(SPLITS_DIR, splitFileName(spec)));
    assertEquals(formatSplitFile(spec), committed, spec.id);
    assertEquals(createHash("sha256").update(committed).digest("hex"), spec.partition!.sha256, spec.id);
    const { contents } = await readSplitFile(spec);
    assertPartition(contents, spec.partition!.sentences);
  }
  const dir = await Deno.makeTempDir();
  try {
    const written = await writeSplitFiles(DATASETS, dir);
    assertEquals(written.map(([, sha]) => sha).sort(), PARTITIONED.map((d) => d.partition!.sha256).sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("split files: the split sizes of v1", async () => {
  const sizes: Record<string, number[]> = {};
  for (const spec of PARTITIONED) {
    const { contents: c } = await readSplitFile(spec);
    sizes[spec.id] = [c.train.length, c.dev.length, c.test.length];
  }
  assertEquals(sizes, {
    "ritter2011-pos": [631, 78, 78],
    "ritter2011-ner": [1916, 239, 239],
    "ptb-wsj-sample": [3132, 391, 391],
  });
});

Deno.test("readSplitFile: an altered or mismatched split file is a DataFormatError naming it", async () => {
  const spec = DATASETS["ritter2011-pos"];
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, splitFileName(spec));
    await Deno.writeTextFile(path, formatSplitFile(spec).replace('"train": [\n    0,', '"train": [\n    1,'));
    const e = await assertRejects(
      () => readSplitFile(spec, dir),
      DataFormatError,
      "expected " + spec.partition!.sha256,
    );
    assertEquals(e.file, path);
    // a file whose sha256 is registered but whose contents are inconsistent
    const bad = formatSplitFile(spec).replace('"train": [\n    0,', '"train": [\n    1,');
    const sha = createHash("sha256").update(bad).digest("hex");
    const spec2: DatasetSpec = { ...spec, partition: { ...spec.partition!, sha256: sha } };
    await assertRejects(() => readSplitFile(spec2, dir), DataFormatError, "repeated or out of order");
    await assertRejects(
      () => readSplitFile({ ...spec, partition: undefined }, dir),
      Error,
      "has no partition",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
