/**
 * Reader for Universal Dependencies CoNLL-U files (`.conllu`, or gzip-compressed `.conllu.gz` as stored under
 * `ud_v1.2/`), keeping each syntactic word's form and universal POS tag (UPOS) for POS tagging.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";
import type { Sentence } from "../../models/types.ts";
import { DataFormatError, decodeUtf8 } from "./conll_reader.ts";
import { readTokenLines } from "./_lines.ts";

/** Universal POS tags: the 17 of UD v1 (with `CONJ`) plus `CCONJ`, which replaced `CONJ` in UD v2. */
export const UPOS_TAGS: ReadonlySet<string> = new Set([
  "ADJ",
  "ADP",
  "ADV",
  "AUX",
  "CCONJ",
  "CONJ",
  "DET",
  "INTJ",
  "NOUN",
  "NUM",
  "PART",
  "PRON",
  "PROPN",
  "PUNCT",
  "SCONJ",
  "SYM",
  "VERB",
  "X",
]);

/** Columns of a CoNLL-U token line: `ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC`. */
const COLUMNS = 10;
const WORD_ID = /^[1-9][0-9]*$/;
const RANGE_ID = /^[1-9][0-9]*-[1-9][0-9]*$/;
const EMPTY_NODE_ID = /^[0-9]+\.[1-9][0-9]*$/;

/**
 * Parses CoNLL-U text into sentences: words = FORM (column 2), tags = UPOS (column 4).
 *
 * Comment lines (`#` first) are skipped, and so are multiword-token ranges (`3-4 del`: their words come on their
 * own lines) and empty nodes (`5.1`), so a sentence holds exactly the syntactic words that carry a UPOS. Any
 * whitespace-only line ends a sentence (no empty sentences); a trailing `\r` is dropped (CRLF files).
 *
 * @throws {DataFormatError} naming the file and line for: a line that does not have 10 TAB-separated columns, an
 *   ID that is not an integer, range or empty node, a word ID that does not count up from 1 within its sentence
 *   (e.g. a missing blank line), an empty FORM, or a UPOS not in {@linkcode UPOS_TAGS}, e.g.
 *   `Cannot read "eu-ud-dev.conllu": line 12 has UPOS "_", expected one of ADJ, ADP, …`.
 *
 * @example
 * ```ts
 * readConllu("# sent_id = 1\n1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n1\tde\tde\tADP\t_\t_\t2\tcase\t_\t_\n" +
 *   "2\tel\tel\tDET\t_\t_\t0\troot\t_\t_\n");
 * // [{ words: ["de", "el"], tags: ["ADP", "DET"] }]
 * ```
 */
export function readConllu(text: string, opts: { file?: string } = {}): Sentence[] {
  const file = opts.file ?? "<text>";
  return readTokenLines(text, (line, lineNo, sentenceLength) => {
    if (line.startsWith("#")) return "skip";
    const cols = line.split("\t");
    if (cols.length !== COLUMNS) {
      throw new DataFormatError(
        file,
        lineNo,
        `has ${cols.length} TAB-separated columns, expected ${COLUMNS}`,
      );
    }
    const id = cols[0];
    if (!WORD_ID.test(id)) {
      if (RANGE_ID.test(id) || EMPTY_NODE_ID.test(id)) return "skip";
      throw new DataFormatError(
        file,
        lineNo,
        `has ID "${id}", expected a word number, a range like 3-4 or an empty node like 5.1`,
      );
    }
    if (Number(id) !== sentenceLength + 1) {
      throw new DataFormatError(
        file,
        lineNo,
        `has word ID ${id}, expected ${sentenceLength + 1} (IDs count up from 1 in each sentence; ` +
          "is a blank line missing?)",
      );
    }
    const form = cols[1];
    const upos = cols[3];
    if (form === "") throw new DataFormatError(file, lineNo, "has an empty FORM (column 2)");
    if (!UPOS_TAGS.has(upos)) {
      throw new DataFormatError(
        file,
        lineNo,
        `has UPOS "${upos}" (column 4), expected one of ${[...UPOS_TAGS].join(", ")}`,
      );
    }
    return [form, upos];
  });
}

/**
 * Reads a CoNLL-U file and parses it with {@linkcode readConllu}; error messages name `path`. A gzip file
 * (recognised by its magic bytes `1f 8b`, whatever its name) is decompressed first. The text must be UTF-8.
 *
 * @throws {DataFormatError} on a malformed line, invalid UTF-8 or a corrupt gzip stream; the file system's error
 *   when the file cannot be read.
 *
 * @example
 * ```ts
 * const train = await readConlluFile(join(dataDir, "ud_v1.2/UD_Basque/eu-ud-train.conllu.gz"));
 * train.length; // 5396
 * ```
 */
export async function readConlluFile(path: string): Promise<Sentence[]> {
  let bytes: Uint8Array = await Deno.readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataFormatError(path, undefined, `is not a valid gzip file (${(e as Error).message})`);
    }
  }
  return readConllu(decodeUtf8(bytes, path), { file: path });
}
