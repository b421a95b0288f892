/**
 * Seeded train/dev/test splits of datasets that have none (Ritter 2011 Twitter POS and NER, the NLTK PTB WSJ
 * sample), written down as versioned index files under `harness/data/splits/` so that every run reads the same
 * sentences. Yang et al. (2017, §4.1) "randomly sample 10% for test, 10% for development, and 80% for training" of
 * the Twitter corpus; their own split files are not obtainable, so this split is ours (a deviation).
 *
 * Regenerate the files (they must come out byte-identical; `splits_test.ts` checks it):
 * `deno run -A harness/data/splits.ts`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SplitName } from "../../models/types.ts";
import { DataFormatError } from "./conll_reader.ts";
import type { DatasetSpec, SplitPartition } from "./registry.ts";

/** Folder of the split-index files (`harness/data/splits/`). */
export const SPLITS_DIR: string = join(dirname(fileURLToPath(import.meta.url)), "splits");

/** Sentence indices (0-based, file order) of each split. Each list is ascending; together they cover `[0, n)`. */
export type SentenceSplit = Record<SplitName, number[]>;

/** The documented algorithm, also written into every split file. */
export const SPLIT_ALGORITHM =
  "Number the n sentences of the source file 0..n-1 in file order. Sort the indices " +
  "by the lower-case hex sha256 of the UTF-8 string `${seed}:${index}` (ascending; ties, which do not occur, by " +
  "index). test = the first floor(n/10) of that order, dev = the next floor(n/10), train = the rest. Each list is " +
  "written in ascending (file) order.";

/**
 * An 80/10/10 train/dev/test split of `n` sentences, a pure function of `(n, seed)`; see {@linkcode SPLIT_ALGORITHM}.
 * Sizes: test = dev = ⌊n/10⌋, train = n − 2⌊n/10⌋.
 *
 * @throws {RangeError} when `n` is not an integer ≥ 0.
 *
 * @example
 * ```ts
 * const { train, dev, test } = seededSplit(787, "tagbench/ritter2011-pos/v1"); // 631, 78, 78 sentences
 * ```
 */
export function seededSplit(n: number, seed: string): SentenceSplit {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot split ${n} sentences: expected an integer ≥ 0`);
  }
  const keys = Array.from({ length: n }, (_, i) => createHash("sha256").update(`${seed}:${i}`).digest("hex"));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b
  );
  const tenth = Math.floor(n / 10);
  const asc = (xs: number[]) => xs.sort((a, b) => a - b);
  return {
    train: asc(order.slice(2 * tenth)),
    dev: asc(order.slice(tenth, 2 * tenth)),
    test: asc(order.slice(0, tenth)),
  };
}

/** Contents of a split-index file (`harness/data/splits/<dataset>.v<version>.json`). */
export interface SplitFileContents {
  format: "tagbench-sentence-split";
  dataset: string;
  version: number;
  /** The file split and its registered sha256; `sentences` is its sentence count as the reader sees it. */
  source: { file: string; sha256: string; sentences: number };
  seed: string;
  algorithm: string;
  train: number[];
  dev: number[];
  test: number[];
}

/**
 * The exact bytes of the split file of `spec` (whose `partition` must be set): `JSON.stringify(contents, null, 2)`
 * plus a final newline, which `deno fmt` leaves unchanged.
 *
 * @throws {Error} when `spec` has no `partition`.
 */
export function formatSplitFile(spec: DatasetSpec): string {
  const p = requirePartition(spec);
  const source = spec.splits.train!;
  const split = seededSplit(p.sentences, p.seed);
  const contents: SplitFileContents = {
    format: "tagbench-sentence-split",
    dataset: spec.id,
    version: p.version,
    source: { file: source.file, sha256: source.sha256, sentences: p.sentences },
    seed: p.seed,
    algorithm: SPLIT_ALGORITHM,
    ...split,
  };
  return JSON.stringify(contents, null, 2) + "\n";
}

/** File name of a split file: `<dataset>.v<version>.json`. */
export function splitFileName(spec: DatasetSpec): string {
  return `${spec.id}.v${requirePartition(spec).version}.json`;
}

function requirePartition(spec: DatasetSpec): SplitPartition {
  if (!spec.partition) {
    throw new Error(`Dataset "${spec.id}" has no partition (its splits are separate files)`);
  }
  return spec.partition;
}

/** A split file read and checked by {@linkcode readSplitFile}. */
export interface LoadedSplitFile {
  path: string;
  sha256: string;
  contents: SplitFileContents;
}

/**
 * Reads the split file of `spec` from `dir` (default {@linkcode SPLITS_DIR}) and checks it: its sha256 equals
 * `spec.partition.sha256`, it names `spec`'s source file and sha256, and its lists are ascending and together hold
 * every index in `[0, sentences)` once.
 *
 * @throws {DataFormatError} naming the file when a check fails; the file system's error when it cannot be read.
 */
export async function readSplitFile(spec: DatasetSpec, dir: string = SPLITS_DIR): Promise<LoadedSplitFile> {
  const p = requirePartition(spec);
  const path = join(dir, splitFileName(spec));
  const bytes = await Deno.readFile(path);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const fail = (problem: string) => new DataFormatError(path, undefined, problem);
  if (sha256 !== p.sha256) {
    throw fail(
      `has sha256 ${sha256}, expected ${p.sha256} (dataset "${spec.id}"); regenerate it with ` +
        "`deno run -A harness/data/splits.ts` only if the split algorithm was meant to change (then bump the version)",
    );
  }
  const contents = JSON.parse(new TextDecoder().decode(bytes)) as SplitFileContents;
  const source = spec.splits.train!;
  if (contents.source?.file !== source.file || contents.source?.sha256 !== source.sha256) {
    throw fail(
      `is for ${contents.source?.file} (${contents.source?.sha256}), expected ${source.file} (${source.sha256})`,
    );
  }
  const n = contents.source.sentences;
  if (n !== p.sentences) throw fail(`splits ${n} sentences, expected ${p.sentences}`);
  const seen = new Uint8Array(n);
  for (const name of ["train", "dev", "test"] as const) {
    const xs = contents[name];
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (!Number.isInteger(x) || x < 0 || x >= n || seen[x] || (i > 0 && xs[i - 1] >= x)) {
        throw fail(`${name} index ${x} (position ${i}) is out of range, repeated or out of order`);
      }
      seen[x] = 1;
    }
  }
  if (seen.some((s) => s === 0)) throw fail(`does not assign every one of the ${n} sentences to a split`);
  return { path, sha256, contents };
}

/** Writes the split file of every partitioned dataset in `datasets` to `dir`; returns `[path, sha256]` pairs. */
export async function writeSplitFiles(
  datasets: Record<string, DatasetSpec>,
  dir: string = SPLITS_DIR,
): Promise<[string, string][]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: [string, string][] = [];
  for (const spec of Object.values(datasets)) {
    if (!spec.partition) continue;
    const text = formatSplitFile(spec);
    const path = join(dir, splitFileName(spec));
    await Deno.writeTextFile(path, text);
    written.push([path, createHash("sha256").update(text).digest("hex")]);
  }
  return written;
}

if (import.meta.main) {
  const { DATASETS } = await import("./registry.ts");
  for (const [path, sha256] of await writeSplitFiles(DATASETS)) console.log(`${sha256}  ${path}`);
}
