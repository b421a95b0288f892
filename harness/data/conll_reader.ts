/**
 * Reader for CoNLL-style column files (one token per line, sentences separated by blank lines).
 *
 * @module
 */

import type { Sentence } from "../../models/types.ts";
import { readTokenLines } from "./_lines.ts";

/** Column layouts this reader knows.
 *
 * - `conll2003`: 4 space-separated columns `WORD POS CHUNK NER`; `-DOCSTART- -X- O O` + blank line per document.
 * - `conll2002`: 3 space-separated columns `WORD POS NER` (NLTK's UTF-8 copy); Dutch has `-DOCSTART- -DOCSTART- O`
 *   lines with no blank line after them.
 * - `conll2000`: 3 space-separated columns `WORD POS CHUNK`.
 * - `wnut`: 2 TAB-separated columns `WORD<TAB>TAG` (WNUT-16/17, Ritter 2011 NER).
 * - `ptb-pos`: 2 TAB-separated columns `WORD<TAB>TAG`, blank line after each sentence (the NLTK PTB WSJ sample as
 *   derived in `ptb_wsj_sample_nltk/PROVENANCE.md`; PTB escapes such as `-LRB-` kept).
 * - `ritter-pos`: 2 space-separated columns `WORD TAG`, empty line after each tweet (Ritter 2011 `pos.txt`).
 * - `conllu`: Universal Dependencies CoNLL-U, gzip-compressed (`.conllu.gz`, as under `ud_v1.2/`) or plain; words
 *   are FORM, tags UPOS. Not a column layout of {@linkcode readConll}: the loader reads it with `readConllu`
 *   (`conllu_reader.ts`), which skips multiword-token ranges and empty nodes.
 */
export type ConllFormat = ColumnFormat | "conllu";

/** The {@linkcode ConllFormat}s that {@linkcode readConll} parses: word = first column, tag = last column. */
export type ColumnFormat = "conll2003" | "conll2002" | "conll2000" | "wnut" | "ptb-pos" | "ritter-pos";

/** Column separator and column count of each {@linkcode ColumnFormat}. */
export const CONLL_FORMATS: Readonly<Record<ColumnFormat, { separator: " " | "\t"; columns: number }>> = {
  conll2003: { separator: " ", columns: 4 },
  conll2002: { separator: " ", columns: 3 },
  conll2000: { separator: " ", columns: 3 },
  wnut: { separator: "\t", columns: 2 },
  "ptb-pos": { separator: "\t", columns: 2 },
  "ritter-pos": { separator: " ", columns: 2 },
};

/** First column of a document-boundary line. */
export const DOCSTART = "-DOCSTART-";

/** A data file that does not fit its format. `file` and `line` (1-based, when known) say where. */
export class DataFormatError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  /** Message: `Cannot read "<file>": line <line> <problem>`, or `Cannot read "<file>": <problem>` without a line. */
  constructor(file: string, line: number | undefined, problem: string) {
    super(`Cannot read "${file}": ${line === undefined ? "" : `line ${line} `}${problem}`);
    this.name = "DataFormatError";
    this.file = file;
    this.line = line;
  }
}

/** What {@linkcode readConll} returns. `docstarts` counts the `-DOCSTART-` lines, which are never tokens. */
export interface ConllText {
  sentences: Sentence[];
  docstarts: number;
}

/**
 * Parses CoNLL-style text into sentences: word = first column, tag = last column.
 *
 * Any whitespace-only line (empty, a lone TAB, …) ends a sentence; consecutive ones never make empty sentences.
 * A line whose first column is `-DOCSTART-` is counted in `docstarts`, skipped, and ends the sentence before it
 * (if any), so both the CoNLL-2003 layout (followed by a blank line) and the CoNLL-2002 Dutch one (first line of
 * a sentence block) work. A trailing `\r` is dropped from each line (CRLF files).
 *
 * @throws {DataFormatError} on a line with the wrong column count for `format`, or an empty word or tag, e.g.
 *   `Cannot read "eng.train": line 1207 has 3 columns, expected 4`.
 *
 * @example
 * ```ts
 * const { sentences, docstarts } = readConll("-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\n", { format: "conll2003" });
 * // sentences = [{ words: ["EU"], tags: ["I-ORG"] }], docstarts = 1
 * ```
 */
export function readConll(text: string, opts: { format: ColumnFormat; file?: string }): ConllText {
  const { separator, columns } = CONLL_FORMATS[opts.format];
  const file = opts.file ?? "<text>";
  let docstarts = 0;
  const sentences = readTokenLines(text, (line, lineNo) => {
    const cols = line.split(separator);
    if (cols[0] === DOCSTART) {
      docstarts++;
      return "end";
    }
    if (cols.length !== columns) {
      throw new DataFormatError(file, lineNo, `has ${cols.length} columns, expected ${columns}`);
    }
    const word = cols[0];
    const tag = cols[columns - 1];
    if (word === "") throw new DataFormatError(file, lineNo, "has an empty word (first column)");
    if (tag === "") throw new DataFormatError(file, lineNo, "has an empty tag (last column)");
    return [word, tag];
  });
  return { sentences, docstarts };
}

/**
 * Reads a UTF-8 file (invalid UTF-8 is an error, not replaced) and parses it with {@linkcode readConll}; error
 * messages name `path`.
 *
 * @throws {DataFormatError} on a malformed line or invalid UTF-8; the file system's error when it cannot be read.
 */
export async function readConllFile(path: string, format: ColumnFormat): Promise<ConllText> {
  const bytes = await Deno.readFile(path);
  return readConll(decodeUtf8(bytes, path), { format, file: path });
}

/** Decodes UTF-8 strictly (a leading BOM is dropped). @throws {DataFormatError} when `bytes` is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DataFormatError(file, undefined, "is not valid UTF-8");
  }
}
