/**
 * The training text of the substitute word vectors: a dataset's training sentences and monolingual corpus files
 * (`corpora/<lang>/*.txt.gz` in the data directory: UTF-8, one sentence per line, whitespace-normalised, not
 * tokenised; see corpora/PROVENANCE.md), turned into the one-sentence-per-line, space-separated text that
 * fastText reads.
 *
 * Choices (recorded in the stage configuration, so they are part of the artifact key):
 * - Corpus lines are tokenised by {@linkcode tokenizeLine} so that punctuation is split off as in the CoNLL
 *   datasets (`columnas.` → `columnas .`); the datasets' sentences are already tokens and are only normalised.
 * - Words are lower-cased by default (DATNet's released code lower-cases words before the embedding lookup, and
 *   GloVe 6B, the English reference, is lower-case only); digits are kept unless `digitsToZero`.
 * - Order: the training sentences first, then each corpus file in the order given, each in file order. A token
 *   cap (`maxTokens`) keeps whole lines from the start of that order and stops before the first line that would
 *   pass it.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DataFormatError } from "../data/conll_reader.ts";

/** How words are normalised before fastText sees them. */
export interface TextPolicy {
  /** Lower-case every word (`String.prototype.toLowerCase`, locale-independent). */
  lowercase: boolean;
  /** Replace each digit 0–9 by `0`. */
  digitsToZero: boolean;
}

/** Default policy: lower-case, digits kept (DATNet's lookup). */
export const DEFAULT_TEXT_POLICY: TextPolicy = { lowercase: true, digitsToZero: false };

/**
 * A token: a run of letters, marks and digits with inner joiners kept (`-`, `'`, `’`, `.`, `·`, `_` between two
 * such runs, and `,` between digits: `e-mail`, `l'eau`, `d.h`, `1,5`), or any other single non-space character.
 */
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:(?:[-'’.·_]|(?<=\p{N}),(?=\p{N}))[\p{L}\p{M}\p{N}]+)*|\S/gu;

/**
 * Splits an untokenised corpus line into CoNLL-like tokens: words (with inner hyphens, apostrophes, periods and
 * decimal commas) and single punctuation characters (`¿Qué es?` → `¿ Qué es ?`; `p. ej.` → `p . ej .`).
 */
export function tokenizeLine(line: string): string[] {
  return line.match(TOKEN) ?? [];
}

/** A word as fastText will see it: normalised by `policy`, with characters fastText splits on (whitespace, NUL)
 * removed. */
export function normalizeWord(word: string, policy: TextPolicy): string {
  let w = word.replace(/[\s\0]/gu, "");
  if (policy.lowercase) w = w.toLowerCase();
  if (policy.digitsToZero) w = w.replace(/[0-9]/g, "0");
  return w;
}

/** sha256 (hex) of tokenised sentences: words joined by U+0001, sentences ended by `\n`. */
export function sentencesSha256(sentences: readonly (readonly string[])[]): string {
  const h = createHash("sha256");
  for (const s of sentences) h.update(s.join("\u0001") + "\n");
  return h.digest("hex");
}

/**
 * Lines of a corpus file: gzip-compressed when its name ends in `.gz`, else plain; UTF-8; blank lines dropped.
 *
 * @throws {DataFormatError} `Cannot read "<path>": …` when the file is missing, is not valid gzip, or not UTF-8.
 */
export async function readCorpusLines(path: string): Promise<string[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataFormatError(
        path,
        undefined,
        "does not exist, expected a corpus file (one sentence per line)",
      );
    }
    throw e;
  }
  if (path.endsWith(".gz")) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new DataFormatError(path, undefined, "is not valid gzip, expected a .txt.gz corpus file");
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DataFormatError(path, undefined, "is not valid UTF-8, expected UTF-8 text");
  }
  return text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)).filter((l) => l.trim() !== "");
}

/** What one corpus file contributed to a training text. */
export interface CorpusFileStats {
  /** Path relative to the data directory, as given. */
  file: string;
  sha256: string;
  /** Whole file: lines and whitespace-separated tokens (the counts of corpora/stats.json). */
  lines: number;
  tokens: number;
  /** Lines and tokens (after {@linkcode tokenizeLine}) written to the training text. */
  usedLines: number;
  usedTokens: number;
}

/** What {@linkcode writeTrainingText} wrote. */
export interface TrainingTextStats {
  sentences: { count: number; tokens: number; usedLines: number; usedTokens: number };
  corpus: CorpusFileStats[];
  /** Lines and tokens written in all. */
  lines: number;
  tokens: number;
  /** sha256 of the text written. */
  sha256: string;
}

/** Inputs of {@linkcode writeTrainingText}. */
export interface TrainingTextInput {
  /** Tokenised sentences (a dataset's training split), written first. */
  sentences?: readonly (readonly string[])[];
  /** Corpus files: path relative to `dataDir` and sha256 of the file (recorded, already checked by the caller). */
  corpus?: readonly { file: string; sha256: string }[];
  dataDir: string;
  policy: TextPolicy;
  /** Keep whole lines up to this many tokens in all (no cap when absent). */
  maxTokens?: number;
}

/**
 * Writes the fastText training text to `outPath`: one line per sentence, tokens separated by single spaces,
 * normalised by `policy`; see the module notes for the order and the cap.
 *
 * @throws {DataFormatError} naming a corpus file that is missing or unreadable; {RangeError} when `maxTokens < 1`.
 */
export async function writeTrainingText(
  outPath: string,
  input: TrainingTextInput,
): Promise<TrainingTextStats> {
  const cap = input.maxTokens ?? Infinity;
  if (!(cap >= 1)) throw new RangeError(`writeTrainingText: maxTokens is ${cap}, expected at least 1`);
  const file = await Deno.open(outPath, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const enc = new TextEncoder();
  const hash = createHash("sha256");
  let total = 0, lines = 0, full = false;
  let buf: string[] = [];
  const flush = async () => {
    if (buf.length === 0) return;
    const bytes = enc.encode(buf.join(""));
    buf = [];
    hash.update(bytes);
    await writer.write(bytes);
  };
  /** Writes one line unless it would pass the cap; returns its token count, or -1 when it did not fit. */
  const put = async (tokens: string[]): Promise<number> => {
    const words = tokens.map((t) => normalizeWord(t, input.policy)).filter((w) => w !== "");
    if (words.length === 0) return 0;
    if (full || total + words.length > cap) {
      full = true;
      return -1;
    }
    buf.push(words.join(" ") + "\n");
    total += words.length;
    lines++;
    if (buf.length >= 4096) await flush();
    return words.length;
  };
  try {
    const sentences = { count: 0, tokens: 0, usedLines: 0, usedTokens: 0 };
    for (const s of input.sentences ?? []) {
      sentences.count++;
      sentences.tokens += s.length;
      const n = await put([...s]);
      if (n > 0) {
        sentences.usedLines++;
        sentences.usedTokens += n;
      }
    }
    const corpus: CorpusFileStats[] = [];
    for (const c of input.corpus ?? []) {
      const st: CorpusFileStats = { ...c, lines: 0, tokens: 0, usedLines: 0, usedTokens: 0 };
      for (const line of await readCorpusLines(join(input.dataDir, c.file))) {
        st.lines++;
        st.tokens += line.trim().split(/\s+/).length;
        if (full) continue;
        const n = await put(tokenizeLine(line));
        if (n > 0) {
          st.usedLines++;
          st.usedTokens += n;
        }
      }
      corpus.push(st);
    }
    await flush();
    return { sentences, corpus, lines, tokens: total, sha256: hash.digest("hex") };
  } finally {
    await writer.close().catch(() => {});
  }
}
