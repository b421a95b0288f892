/**
 * Line splitting and sentence accumulation shared by the one-token-per-line readers (`conll_reader.ts`,
 * `conllu_reader.ts`, `wikiann_reader.ts`, `genia_reader.ts`).
 *
 * @module
 */

import type { Sentence } from "../../models/types.ts";

/**
 * What a {@linkcode readTokenLines} line parser makes of a line: a token `[word, tag]` for the current sentence,
 * `"end"` to end the current sentence (a document boundary), or `"skip"` to pass over it (a comment, a
 * multiword-token range).
 */
export type TokenLine = readonly [word: string, tag: string] | "end" | "skip";

/**
 * Splits `text` into lines at `\n` (a trailing `\r` dropped, for CRLF files) and gathers the tokens `parse` makes
 * of them into sentences. Any whitespace-only line ends the current sentence, never reaching `parse`; empty
 * sentences are never made, so consecutive ends are harmless. `parse` gets the line, its 1-based number and the
 * number of words already in the current sentence; what it throws propagates.
 */
export function readTokenLines(
  text: string,
  parse: (line: string, lineNo: number, sentenceLength: number) => TokenLine,
): Sentence[] {
  const sentences: Sentence[] = [];
  let words: string[] = [];
  let tags: string[] = [];
  const flush = () => {
    if (words.length > 0) {
      sentences.push({ words, tags });
      words = [];
      tags = [];
    }
  };

  let start = 0;
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = n;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      flush();
      continue;
    }
    const token = parse(line, lineNo, words.length);
    if (token === "end") {
      flush();
    } else if (token !== "skip") {
      words.push(token[0]);
      tags.push(token[1]);
    }
  }
  flush();
  return sentences;
}
