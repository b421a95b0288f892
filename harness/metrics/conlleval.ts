/**
 * conlleval.pl (version 2004-01-26, Erik Tjong Kim Sang; the CoNLL-2000/2003 shared-task scorer) in TypeScript.
 *
 * {@link conllevalCounts} + {@link conllevalReport} reproduce the script's stdout byte for byte: its chunk
 * start/end rules (which also know `E`, `[`, `]` and `.` prefixes, but not `S`), `-X-` and empty lines as
 * sentence boundaries, every other line counted as a token (a `-DOCSTART- -X- O O` line is an `O` token), FB1 on
 * percent-scaled precision and recall, and `%6.2f` rounding exact binary ties to even (12.125 → "12.12").
 * {@link chunkF1} runs the same state machine on tag arrays, for training code.
 *
 * conlleval does not know IOBES: `S-X` starts a chunk only when the type changes, `B-X` after `E-X`/`S-X` of the
 * same type continues the chunk, so `B-PER E-PER B-PER E-PER S-LOC S-LOC` holds 2 chunks, not 4. Convert IOBES to
 * IOB2 before scoring (the DATNet code did not: see `scorers.ts`).
 *
 * @module
 */

import type { PRF } from "../../models/types.ts";
import { formatFixed } from "./format_fixed.ts";
import { perlSplitter } from "./perl_split.ts";

/** conlleval.pl's command-line options, plus how to measure the strings it prints. */
export interface ConllevalOptions {
  /** `-d`: field delimiter, a Perl regular expression (default `" "`: exactly one space, so two spaces in a row
   * make an empty field and change the field count); `"\\t"` splits on tabs. */
  delimiter?: string;
  /** `-r`: tags have no `B-`/`I-` prefix; every non-outside tag is its own chunk (`B-` is prepended). */
  raw?: boolean;
  /** `-o`: the outside tag in raw mode (default `"O"`). Like the script, it has no effect without `raw`. */
  oTag?: string;
  /** `-l`: print the LaTeX table rows instead of the plain report. */
  latex?: boolean;
  /** The strings are byte strings: each UTF-16 code unit is one byte (0–255), as the CLI decodes stdin as
   * latin1. Default false: strings are Unicode text, and chunk type names are padded by the length of their UTF-8
   * encoding, as the Perl script pads them when it reads a UTF-8 file. Only the report's padding depends on it. */
  byteStrings?: boolean;
}

/** Chunk counts of one chunk type. */
export interface ChunkTypeCounts {
  /** Chunks of this type found in both the gold and the guessed column, with the same extent. */
  correctChunks: number;
  /** Gold chunks of this type (`$foundCorrect{type}`). */
  foundCorrect: number;
  /** Guessed chunks of this type (`$foundGuessed{type}`). */
  foundGuessed: number;
}

/** What conlleval.pl accumulates while reading its input. */
export interface ConllevalCounts {
  /** Tokens: lines that are neither empty nor `-X-` boundaries. */
  tokens: number;
  /** Tokens whose guessed tag (prefix and type) equals the gold tag. */
  correctTags: number;
  /** Gold chunks ("phrases"). */
  foundCorrect: number;
  /** Guessed chunks. */
  foundGuessed: number;
  /** Guessed chunks that match a gold chunk in type and extent. */
  correctChunks: number;
  /** Per chunk type (the text after the first `-` of a tag; `""` for tags without one, and for type `"0"`, which
   * Perl reads as false). Holds only types with a gold or guessed chunk. */
  byType: Map<string, ChunkTypeCounts>;
}

/**
 * An input the Perl script rejects. `message` is the script's own wording; `exitCode` is its exit status (1 for an
 * inconsistent field count, 255 where it `die`s).
 */
export class ConllevalError extends Error {
  /** 1-based number of the offending input line. */
  readonly lineNumber: number;
  /** The exit status conlleval.pl ends with on this input. */
  readonly exitCode: 1 | 255;
  constructor(message: string, lineNumber: number, exitCode: 1 | 255) {
    super(message);
    this.name = "ConllevalError";
    this.lineNumber = lineNumber;
    this.exitCode = exitCode;
  }
}

const BOUNDARY = "-X-";

interface ParsedTag {
  prefix: string;
  type: string;
}

/** Perl's `/^([^-]*)-(.*)$/` split of a tag, then `$type ? $type : ""`. */
function parseTag(tag: string): ParsedTag {
  const dash = tag.indexOf("-");
  if (dash < 0) return { prefix: tag, type: "" };
  const type = tag.slice(dash + 1);
  return { prefix: tag.slice(0, dash), type: type === "0" ? "" : type };
}

/** conlleval.pl's `endOfChunk`: did a chunk end between the previous and the current token? */
function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  return (prevTag === "B" && (tag === "B" || tag === "O")) ||
    (prevTag === "I" && (tag === "B" || tag === "O")) ||
    (prevTag === "E" && (tag === "E" || tag === "I" || tag === "O")) ||
    (prevTag !== "O" && prevTag !== "." && prevType !== type) ||
    prevTag === "]" || prevTag === "[";
}

/** conlleval.pl's `startOfChunk`: did a chunk start between the previous and the current token? */
function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  return (tag === "B" && (prevTag === "B" || prevTag === "I" || prevTag === "O")) ||
    (tag === "I" && (prevTag === "O" || prevTag === "E")) ||
    (tag === "E" && (prevTag === "E" || prevTag === "O")) ||
    (tag !== "O" && tag !== "." && prevType !== type) ||
    tag === "[" || tag === "]";
}

/**
 * The script's per-token state machine. Tags are parsed once per distinct string (a small cache), so a scoring
 * pass allocates almost nothing.
 */
class ChunkCounter {
  tokens = 0;
  correctTags = 0;
  foundCorrect = 0;
  foundGuessed = 0;
  correctChunks = 0;
  readonly byType = new Map<string, ChunkTypeCounts>();

  #inCorrect = false;
  #lastCorrect = "O";
  #lastCorrectType = "";
  #lastGuessed = "O";
  #lastGuessedType = "";
  readonly #tags = new Map<string, ParsedTag>();
  readonly #raw: boolean;
  readonly #oTag: string;
  readonly #checkTag?: (tag: string) => void;

  constructor(opts: { raw?: boolean; oTag?: string }, checkTag?: (tag: string) => void) {
    this.#raw = opts.raw ?? false;
    this.#oTag = opts.oTag ?? "O";
    this.#checkTag = checkTag;
  }

  #parse(tag: string): ParsedTag {
    let parsed = this.#tags.get(tag);
    if (parsed === undefined) {
      this.#checkTag?.(tag);
      let text = tag;
      if (this.#raw) {
        if (text === this.#oTag) text = "O";
        if (text !== "O") text = "B-" + text;
      }
      parsed = parseTag(text);
      this.#tags.set(tag, parsed);
    }
    return parsed;
  }

  #typeCounts(type: string): ChunkTypeCounts {
    let counts = this.byType.get(type);
    if (counts === undefined) {
      counts = { correctChunks: 0, foundCorrect: 0, foundGuessed: 0 };
      this.byType.set(type, counts);
    }
    return counts;
  }

  /** One token line: the gold (correct) and guessed tag as written. */
  token(correctTag: string, guessedTag: string): void {
    const c = this.#parse(correctTag);
    const g = this.#parse(guessedTag);
    this.#step(c.prefix, c.type, g.prefix, g.type, false);
  }

  /** An empty or `-X-` line: read as `-X- O O`, and not counted as a token. */
  boundary(): void {
    this.#step("O", "", "O", "", true);
  }

  #step(correct: string, correctType: string, guessed: string, guessedType: string, boundary: boolean): void {
    if (this.#inCorrect) {
      const correctEnds = endOfChunk(this.#lastCorrect, correct, this.#lastCorrectType, correctType);
      const guessedEnds = endOfChunk(this.#lastGuessed, guessed, this.#lastGuessedType, guessedType);
      if (correctEnds && guessedEnds && this.#lastGuessedType === this.#lastCorrectType) {
        this.#inCorrect = false;
        this.correctChunks++;
        this.#typeCounts(this.#lastCorrectType).correctChunks++;
      } else if (correctEnds !== guessedEnds || guessedType !== correctType) {
        this.#inCorrect = false;
      }
    }
    const correctStarts = startOfChunk(this.#lastCorrect, correct, this.#lastCorrectType, correctType);
    const guessedStarts = startOfChunk(this.#lastGuessed, guessed, this.#lastGuessedType, guessedType);
    if (correctStarts && guessedStarts && guessedType === correctType) this.#inCorrect = true;
    if (correctStarts) {
      this.foundCorrect++;
      this.#typeCounts(correctType).foundCorrect++;
    }
    if (guessedStarts) {
      this.foundGuessed++;
      this.#typeCounts(guessedType).foundGuessed++;
    }
    if (!boundary) {
      if (correct === guessed && guessedType === correctType) this.correctTags++;
      this.tokens++;
    }
    this.#lastGuessed = guessed;
    this.#lastCorrect = correct;
    this.#lastGuessedType = guessedType;
    this.#lastCorrectType = correctType;
  }

  /** End of input: a chunk still open and correct so far counts as correct. */
  finish(): ConllevalCounts {
    if (this.#inCorrect) {
      this.#inCorrect = false;
      this.correctChunks++;
      this.#typeCounts(this.#lastCorrectType).correctChunks++;
    }
    const { tokens, correctTags, foundCorrect, foundGuessed, correctChunks, byType } = this;
    return { tokens, correctTags, foundCorrect, foundGuessed, correctChunks, byType };
  }
}

function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    if (newline < 0) {
      yield text.slice(start);
      return;
    }
    yield text.slice(start, newline);
    start = newline + 1;
  }
}

/**
 * Reads conlleval input and returns the counts the script accumulates. Each line holds fields separated by the
 * delimiter; the last two are the gold and the guessed tag. Empty lines and lines whose first field is `-X-` are
 * sentence boundaries; every other line, `-DOCSTART-` included, is a token.
 *
 * @param input the whole file (split at `\n`, as Perl reads lines; a final line needs no `\n`, and `\r` stays
 *   part of the last field, so a CRLF file's blank lines are one-field lines and stop the script), or its lines
 *   one by one (one trailing `\n` per line is removed).
 * @throws {ConllevalError} where the script stops: a line whose field count differs from the first non-empty
 *   line's (exit status 1), a line with one field (255), or a delimiter that is not a valid regex (255).
 *
 * @example
 * ```ts
 * const counts = conllevalCounts("EU B-ORG B-ORG\nrejects O O\nGerman B-MISC B-PER\n");
 * // counts.foundCorrect === 2, counts.foundGuessed === 2, counts.correctChunks === 1
 * ```
 */
export function conllevalCounts(
  input: string | Iterable<string>,
  opts: ConllevalOptions = {},
): ConllevalCounts {
  const lines = typeof input === "string" ? linesOf(input) : input;
  const counter = new ChunkCounter(opts);
  let split: ((line: string) => string[]) | undefined;
  let nbrOfFeatures = -1;
  let lineNumber = 0;
  for (let line of lines) {
    lineNumber++;
    if (line.endsWith("\n")) line = line.slice(0, -1);
    if (split === undefined) {
      // Perl compiles the delimiter regex when it first splits a line.
      const delimiter = opts.delimiter ?? " ";
      try {
        split = perlSplitter(delimiter);
      } catch (e) {
        throw new ConllevalError(
          `conlleval: delimiter ${JSON.stringify(delimiter)} is not a valid regular expression: ${
            (e as Error).message
          }`,
          lineNumber,
          255,
        );
      }
    }
    const features = split(line);
    const n = features.length;
    if (nbrOfFeatures < 0) nbrOfFeatures = n - 1;
    else if (nbrOfFeatures !== n - 1 && n !== 0) {
      throw new ConllevalError(`unexpected number of features: ${n} (${nbrOfFeatures + 1})`, lineNumber, 1);
    }
    if (n === 0 || features[0] === BOUNDARY) counter.boundary();
    else if (n < 2) {
      throw new ConllevalError(`conlleval: unexpected number of features in line ${line}`, lineNumber, 255);
    } else counter.token(features[n - 2], features[n - 1]);
  }
  return counter.finish();
}

/** Precision, recall and FB1 in percent, computed as the script computes them (0 where undefined). */
function prf(correct: number, guessed: number, gold: number): PRF {
  const precision = guessed > 0 ? 100 * correct / guessed : 0;
  const recall = gold > 0 ? 100 * correct / gold : 0;
  const f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** The overall precision, recall and FB1 of some counts, in percent and unrounded (0 where undefined). */
export function overallPRF(counts: ConllevalCounts): PRF {
  return prf(counts.correctChunks, counts.foundGuessed, counts.foundCorrect);
}

/** Compares by code point, which is Perl's byte order for byte strings and for UTF-8 text alike. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** `sort(keys %foundCorrect, keys %foundGuessed)`, then the script's duplicate filter, which keeps a repeated
 * key when the previous key is false in Perl (`""`): a type `""` with gold and guessed chunks prints twice. */
function sortedTypes(counts: ConllevalCounts): string[] {
  const keys: string[] = [];
  for (const [type, c] of counts.byType) {
    if (c.foundCorrect > 0) keys.push(type);
    if (c.foundGuessed > 0) keys.push(type);
  }
  keys.sort(compareCodePoints);
  const types: string[] = [];
  let lastType: string | undefined;
  for (const type of keys) {
    if (lastType === undefined || lastType === "" || lastType === "0" || lastType !== type) types.push(type);
    lastType = type;
  }
  return types;
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * conlleval.pl's stdout for some counts (see {@link conllevalCounts}): the `processed … tokens` line, the
 * `accuracy:` line when there are tokens, and one line per chunk type; or with `latex`, the LaTeX table rows.
 *
 * @example
 * ```ts
 * conllevalReport(conllevalCounts(text));
 * // "processed 3 tokens with 2 phrases; found: 2 phrases; correct: 1.\n" +
 * // "accuracy:  66.67%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" + ...
 * ```
 */
export function conllevalReport(counts: ConllevalCounts, opts: ConllevalOptions = {}): string {
  const width = opts.byteStrings ? (s: string) => s.length : utf8Length;
  const f = (x: number) => formatFixed(x, 2, 6);
  const types = sortedTypes(counts);
  const overall = overallPRF(counts);
  let out = "";
  if (!opts.latex) {
    out += `processed ${counts.tokens} tokens with ${counts.foundCorrect} phrases; ` +
      `found: ${counts.foundGuessed} phrases; correct: ${counts.correctChunks}.\n`;
    if (counts.tokens > 0) {
      out +=
        `accuracy: ${f(100 * counts.correctTags / counts.tokens)}%; precision: ${f(overall.precision)}%; ` +
        `recall: ${f(overall.recall)}%; FB1: ${f(overall.f1)}\n`;
    }
    for (const type of types) {
      const c = counts.byType.get(type)!;
      const { precision, recall, f1 } = prf(c.correctChunks, c.foundGuessed, c.foundCorrect);
      out += " ".repeat(Math.max(0, 17 - width(type))) + type +
        `: precision: ${f(precision)}%; recall: ${f(recall)}%; FB1: ${f(f1)}  ${c.foundGuessed}\n`;
    }
  } else {
    out += "        & Precision &  Recall  & F$_{\\beta=1} \\\\\\hline";
    for (const type of types) {
      const c = counts.byType.get(type)!;
      const { precision, recall, f1 } = prf(c.correctChunks, c.foundGuessed, c.foundCorrect);
      out +=
        `\n${type}${" ".repeat(Math.max(0, 7 - width(type)))} &  ${f(precision)}\\% & ${f(recall)}\\% & ` +
        `${f(f1)} \\\\`;
    }
    out += "\\hline\n";
    out += `Overall &  ${f(overall.precision)}\\% & ${f(overall.recall)}\\% & ${f(overall.f1)} \\\\\\hline\n`;
  }
  return out;
}

/** Result of {@link conlleval}. */
export interface ConllevalResult {
  counts: ConllevalCounts;
  /** Exactly what conlleval.pl prints. */
  report: string;
  /** Overall precision, recall and FB1, in percent, unrounded. */
  overall: PRF;
}

/**
 * Scores conlleval input: {@link conllevalCounts}, {@link conllevalReport} and {@link overallPRF} in one call.
 *
 * @throws {ConllevalError} as {@link conllevalCounts}.
 */
export function conlleval(input: string | Iterable<string>, opts: ConllevalOptions = {}): ConllevalResult {
  const counts = conllevalCounts(input, opts);
  return { counts, report: conllevalReport(counts, opts), overall: overallPRF(counts) };
}

/** Throws a RangeError naming the first sentence where gold and predicted differ in length. */
export function checkAligned(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  who: string,
): void {
  if (gold.length !== predicted.length) {
    throw new RangeError(`${who}: gold has ${gold.length} sentences but predicted has ${predicted.length}`);
  }
  for (let s = 0; s < gold.length; s++) {
    if (gold[s].length !== predicted[s].length) {
      throw new RangeError(
        `${who}: sentence ${s} has ${gold[s].length} gold tags but ${predicted[s].length} predicted tags`,
      );
    }
  }
}

const WHITESPACE = /\s/;

/**
 * Chunk precision, recall and F1 (percent, unrounded) of predicted tag sequences against gold ones, exactly as
 * conlleval.pl scores the lines `w GOLD PRED` with an empty line between sentences. Implements `Scorer` from
 * `models/types.ts`. Runs the script's state machine on the arrays directly (a few ms for 50k tokens).
 *
 * Give IOB1 or IOB2 tags. conlleval does not understand IOBES (`S-`, `E-`): adjacent same-type entities merge
 * into one chunk; convert to IOB2 first (see the module doc).
 *
 * @param opts `raw` and `oTag` as conlleval's `-r` and `-o` (`oTag` only matters with `raw`).
 * @throws {RangeError} if the sentence counts or a sentence's lengths differ (the message names the sentence), or
 *   a tag is empty or holds whitespace (it would not survive the line format).
 *
 * @example
 * ```ts
 * chunkF1([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]]); // { precision: 0, recall: 0, f1: 0 }
 * ```
 */
export function chunkF1(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  opts: { raw?: boolean; oTag?: string } = {},
): PRF {
  checkAligned(gold, predicted, "chunkF1");
  let sentence = 0;
  const counter = new ChunkCounter(opts, (tag) => {
    if (tag === "" || WHITESPACE.test(tag)) {
      throw new RangeError(
        `chunkF1: tag ${JSON.stringify(tag)} in sentence ${sentence} is empty or holds whitespace`,
      );
    }
  });
  for (; sentence < gold.length; sentence++) {
    if (sentence > 0) counter.boundary();
    const g = gold[sentence];
    const p = predicted[sentence];
    for (let i = 0; i < g.length; i++) counter.token(g[i], p[i]);
  }
  return overallPRF(counter.finish());
}

/**
 * Token accuracy in percent: tags equal as strings over all tokens (0 when there are none). For POS tagging.
 *
 * @throws {RangeError} if the sentence counts or a sentence's lengths differ.
 */
export function tokenAccuracy(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
): number {
  checkAligned(gold, predicted, "tokenAccuracy");
  let correct = 0;
  let total = 0;
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s];
    const p = predicted[s];
    for (let i = 0; i < g.length; i++) if (g[i] === p[i]) correct++;
    total += g.length;
  }
  return total > 0 ? 100 * correct / total : 0;
}

/**
 * The conlleval input lines for tag sequences, as {@link chunkF1} scores them: `w GOLD PRED` per token (a dummy
 * word), an empty line between sentences.
 */
export function* conllevalLines(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
): Generator<string> {
  checkAligned(gold, predicted, "conllevalLines");
  for (let s = 0; s < gold.length; s++) {
    if (s > 0) yield "";
    for (let i = 0; i < gold[s].length; i++) yield `w ${gold[s][i]} ${predicted[s][i]}`;
  }
}
