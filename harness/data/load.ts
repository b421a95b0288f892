/**
 * Loading a registered dataset from the data folder, with its files' sha256 checked.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Sentence, SplitName } from "../../models/types.ts";
import { type ConllText, DataFormatError, decodeUtf8, readConll } from "./conll_reader.ts";
import { readConllu } from "./conllu_reader.ts";
import { DATA_DIR_ENV } from "./data_dir.ts";
import { type DatasetSpec, getDataset, type SplitFile } from "./registry.ts";
import { readSplitFile } from "./splits.ts";

/** Splits in their conventional order. */
export const SPLIT_NAMES: readonly SplitName[] = ["train", "dev", "test"];

/** One loaded split. Sentences keep the file's tag scheme (`spec.scheme`). */
export interface LoadedSplit {
  name: SplitName;
  path: string;
  /** sha256 of the file as read (lower-case hex), whether or not it was verified. */
  sha256: string;
  sentences: Sentence[];
  /** `-DOCSTART-` lines in the file (not tokens, not sentences); 0 for a split cut from a partitioned file. */
  docstarts: number;
  /** Only for a dataset with a `partition`: the split file read, and the indices (0-based, in the source file,
   * ascending) of this split's sentences. */
  partition?: { path: string; sha256: string; indices: number[] };
}

/** A loaded dataset: its registry entry and the splits asked for. */
export interface LoadedDataset {
  spec: DatasetSpec;
  splits: Partial<Record<SplitName, LoadedSplit>>;
}

/** Options of {@linkcode loadDataset}. */
export interface LoadOptions {
  /** Compare each file's sha256 with the registry and throw on a mismatch (default true). */
  verify?: boolean;
  /** Splits to load (default: all the dataset has). */
  splits?: SplitName[];
  /** Folder of the split files of partitioned datasets (default `SPLITS_DIR`, `harness/data/splits/`). */
  splitsDir?: string;
}

/** A dataset file that is missing or differs from the registered one. The message says how to obtain it. */
export class DatasetFileError extends Error {
  readonly dataset: string;
  readonly path: string;
  readonly expected: string;
  /** sha256 of the file found; undefined when it is missing. */
  readonly actual: string | undefined;
  constructor(message: string, dataset: string, path: string, expected: string, actual?: string) {
    super(message);
    this.name = "DatasetFileError";
    this.dataset = dataset;
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

const hashCache = new Map<string, { mtimeMs: number | null; size: number; sha256: string }>();

function cachedHash(path: string, stat: Deno.FileInfo): string | undefined {
  const hit = hashCache.get(path);
  const mtimeMs = stat.mtime?.getTime() ?? null;
  return hit && hit.mtimeMs === mtimeMs && hit.size === stat.size && mtimeMs !== null
    ? hit.sha256
    : undefined;
}

function hashBytes(path: string, stat: Deno.FileInfo, bytes: Uint8Array): string {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  hashCache.set(path, { mtimeMs: stat.mtime?.getTime() ?? null, size: stat.size, sha256 });
  return sha256;
}

/**
 * sha256 of a file as lower-case hex. Results are kept in memory per path, modification time and size, so a file
 * is hashed once per process unless it changes.
 *
 * @throws the file system's error (e.g. `Deno.errors.NotFound`).
 */
export async function sha256File(path: string): Promise<string> {
  const stat = await Deno.stat(path);
  return cachedHash(path, stat) ?? hashBytes(path, stat, await Deno.readFile(path));
}

/** Status of one registered file under a data folder. */
export interface FileCheck {
  dataset: string;
  split: SplitName;
  path: string;
  status: "ok" | "missing" | "altered";
  expected: string;
  /** sha256 found (absent when missing). */
  actual?: string;
  /** Why a missing file is missing when something else is in its way (`is a folder, not a file`). */
  problem?: string;
}

/** Where a dataset's split file lives under `dataDir`. */
export function splitPath(spec: DatasetSpec, dataDir: string, split: SplitName): string {
  const f = spec.splits[split];
  if (!f) {
    throw new Error(
      `Dataset "${spec.id}" has no ${split} split (it has ${Object.keys(spec.splits).join(", ")})`,
    );
  }
  return join(dataDir, spec.dir, f.file);
}

/**
 * Checks every file of `spec` under `dataDir`: present with the registered sha256, missing, or altered. A file
 * that several splits read (a dataset with a `partition`) is checked once, under the first split naming it.
 */
export async function checkDatasetFiles(spec: DatasetSpec, dataDir: string): Promise<FileCheck[]> {
  const checks: FileCheck[] = [];
  const seen = new Set<string>();
  for (const split of SPLIT_NAMES) {
    const f = spec.splits[split];
    if (!f || seen.has(f.file)) continue;
    seen.add(f.file);
    const path = splitPath(spec, dataDir, split);
    const base = { dataset: spec.id, split, path, expected: f.sha256 };
    const stat = await statFile(path);
    if (typeof stat === "string") {
      checks.push({ ...base, status: "missing", ...(stat === MISSING ? {} : { problem: stat }) });
      continue;
    }
    const actual = await sha256File(path);
    checks.push({ ...base, status: actual === f.sha256 ? "ok" : "altered", actual });
  }
  return checks;
}

/**
 * Loads a registered dataset from `dataDir` (its files under `<dataDir>/<spec.dir>/`).
 *
 * @throws {UnknownDatasetError} for an unknown id; see {@linkcode loadDatasetFromSpec} for the rest.
 *
 * @example
 * ```ts
 * const ds = await loadDataset("conll2003", resolveDataDir().dir, { splits: ["train"] });
 * ds.splits.train!.sentences.length; // 14041
 * ```
 */
export function loadDataset(id: string, dataDir: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  return loadDatasetFromSpec(getDataset(id), dataDir, opts);
}

const sharedLoads = new Map<string, Promise<LoadedDataset>>();

/**
 * {@link loadDataset} with default options, memoised per process by (id, data directory): suites call it for
 * every cell, and reading and hashing a dataset is not free. A failed load is forgotten, so a retry reads again.
 *
 * @throws as {@link loadDataset}.
 */
export function loadDatasetShared(id: string, dataDir: string): Promise<LoadedDataset> {
  const key = `${dataDir}|${id}`;
  let p = sharedLoads.get(key);
  if (!p) {
    p = loadDataset(id, dataDir);
    sharedLoads.set(key, p);
    p.catch(() => sharedLoads.delete(key));
  }
  return p;
}

/**
 * Loads the splits of `spec` from `<dataDir>/<spec.dir>/`, reading each file once: it is hashed (unless the
 * in-memory hash cache knows it), checked against the registered sha256 when `verify` (default true), decoded as
 * strict UTF-8 and parsed with `spec.format`. A `conllu` file is gunzipped first when it starts with the gzip magic
 * bytes `1f 8b`, and read with `readConllu` (words = FORM, tags = UPOS; multiword-token ranges and empty nodes
 * skipped; no `-DOCSTART-` lines).
 *
 * A dataset with a `partition` (one file, no official splits) is read once and cut by its split file
 * (`harness/data/splits/<id>.v<version>.json`, see `splits.ts`), whose sha256 is always checked: each split holds
 * the sentences at its indices, in file order, and says so in `partition`.
 *
 * @throws {DatasetFileError} when a file is missing or (with `verify`) its sha256 differs; the message names the
 *   dataset, the path, the expected (and actual) sha256 and where to get the file.
 * @throws {DataFormatError} when a file does not parse (a corrupt gzip stream included), or a partitioned file's
 *   sentence count or its split file differs from the registered one.
 * @throws {Error} when a requested split is not in the dataset.
 */
export async function loadDatasetFromSpec(
  spec: DatasetSpec,
  dataDir: string,
  opts: LoadOptions = {},
): Promise<LoadedDataset> {
  const verify = opts.verify ?? true;
  const names = opts.splits ?? SPLIT_NAMES.filter((s) => spec.splits[s]);
  if (spec.partition) {
    return { spec, splits: await loadPartitioned(spec, dataDir, names, verify, opts.splitsDir) };
  }
  // One split after the other, so that the first missing or altered file reported is always the same one.
  const splits: Partial<Record<SplitName, LoadedSplit>> = {};
  for (const name of names) splits[name] = await loadSplit(spec, dataDir, name, verify);
  return { spec, splits };
}

async function loadPartitioned(
  spec: DatasetSpec,
  dataDir: string,
  names: SplitName[],
  verify: boolean,
  splitsDir: string | undefined,
): Promise<Partial<Record<SplitName, LoadedSplit>>> {
  for (const name of names) splitPath(spec, dataDir, name); // an unknown split fails before any reading
  const splits: Partial<Record<SplitName, LoadedSplit>> = {};
  if (names.length === 0) return splits;
  const whole = await loadSplit(spec, dataDir, names[0], verify);
  const expected = spec.partition!.sentences;
  if (whole.sentences.length !== expected) {
    throw new DataFormatError(
      whole.path,
      undefined,
      `has ${whole.sentences.length} sentences, expected ${expected} (the split of dataset "${spec.id}")`,
    );
  }
  const file = await readSplitFile(spec, splitsDir);
  for (const name of names) {
    const indices = file.contents[name];
    splits[name] = {
      ...whole,
      name,
      sentences: indices.map((i) => whole.sentences[i]),
      docstarts: 0,
      partition: { path: file.path, sha256: file.sha256, indices },
    };
  }
  return splits;
}

async function loadSplit(
  spec: DatasetSpec,
  dataDir: string,
  name: SplitName,
  verify: boolean,
): Promise<LoadedSplit> {
  const path = splitPath(spec, dataDir, name);
  const file = spec.splits[name]!;
  const stat = await statFile(path);
  if (typeof stat === "string") throw fileError(spec, name, file, dataDir, path, stat);
  const bytes = await Deno.readFile(path);
  const sha256 = cachedHash(path, stat) ?? hashBytes(path, stat, bytes);
  if (verify && sha256 !== file.sha256) throw fileError(spec, name, file, dataDir, path, stat.size, sha256);
  const { sentences, docstarts } = parseFile(spec, bytes, path);
  return { name, path, sha256, sentences, docstarts };
}

/** Parses a dataset file's bytes with `spec.format` (see {@link loadDatasetFromSpec}). */
function parseFile(spec: DatasetSpec, bytes: Uint8Array, path: string): ConllText {
  if (spec.format !== "conllu") {
    return readConll(decodeUtf8(bytes, path), { format: spec.format, file: path });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataFormatError(path, undefined, `is not a valid gzip file (${(e as Error).message})`);
    }
  }
  return { sentences: readConllu(decodeUtf8(bytes, path), { file: path }), docstarts: 0 };
}

/** What {@link statFile} says of a path where nothing is. */
const MISSING = "is missing";

/**
 * The file at `path`, or what is wrong with it: {@link MISSING}, `is a folder, not a file`, or, when a file stands
 * where a folder above it should be, `is missing: <that path> is a file, not a folder`.
 */
async function statFile(path: string): Promise<Deno.FileInfo | string> {
  try {
    const stat = await Deno.stat(path);
    return stat.isFile ? stat : `is a ${stat.isDirectory ? "folder" : "special file"}, not a file`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return MISSING;
    if (!(e instanceof Deno.errors.NotADirectory)) throw e;
    for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
      const isFile = await Deno.stat(p).then((s) => s.isFile, () => false);
      if (isFile) return `${MISSING}: ${p} is a file, not a folder`;
    }
    return MISSING;
  }
}

/** The size of a file whose sha256 differs, said when it tells more than the hash: empty, or shorter. */
function sizeNote(size: number, expected: number): string {
  if (size === expected) return "";
  if (size === 0) return ` (it is empty; the registered file has ${expected} bytes)`;
  return ` (it has ${size} bytes, the registered file ${expected}${
    size < expected ? ": a cut-off copy?" : ""
  })`;
}

function fileError(
  spec: DatasetSpec,
  split: SplitName,
  file: SplitFile,
  dataDir: string,
  path: string,
  found: string | number,
  actual?: string,
): DatasetFileError {
  const what = typeof found === "string"
    ? `${found} (expected sha256 ${file.sha256})`
    : `has sha256 ${actual}, expected ${file.sha256}: it is not the registered file${
      sizeNote(found, file.bytes)
    }`;
  const message = `Dataset "${spec.id}" (${spec.title}): the ${split} file ${path} ${what}. ` +
    `Obtain it from ${file.url ?? spec.download} (homepage ${spec.homepage}; licence: ${spec.licence}) ` +
    `and put it under ${
      join(dataDir, spec.dir)
    }/, or set ${DATA_DIR_ENV} / --data-dir to a folder that holds ` +
    `${spec.dir}/${file.file}.`;
  return new DatasetFileError(message, spec.id, path, file.sha256, actual);
}
