/**
 * Reader for WikiANN / PAN-X NER files (Pan et al. 2017, "Cross-lingual Name Tagging and Linking for 282
 * Languages", ACL) as distributed by XTREME (Hu et al. 2020): one token per line `lang:token<TAB>TAG` with IOB2
 * tags (`B-PER`, `I-LOC`, `O`, …), a blank line between sentences. XTREME's processed copies drop the `lang:`
 * prefix (`token<TAB>TAG`); both are read.
 *
 * @module
 */

import type { Sentence } from "../../models/types.ts";
import { DataFormatError, decodeUtf8 } from "./conll_reader.ts";
import { readTokenLines } from "./_lines.ts";

/** What {@linkcode readWikiann} returns. */
export interface WikiannText {
  /** Sentences in file order, `lang:` prefixes removed, tags as in the file (IOB2). */
  sentences: Sentence[];
  /** The language prefix of the file's tokens (e.g. `es`, `zh-yue`); else the `language` option, if given. */
  language?: string;
}

/** Options of {@linkcode readWikiann}. */
export interface WikiannOptions {
  /** Name used in error messages (default `<text>`). */
  file?: string;
  /** Language code the file's `lang:` prefix must have, when it has one. */
  language?: string;
}

/** A WikiANN language prefix (`en`, `bat-smg`, `zh-min-nan`, `simple`, …) and the rest of the first column. */
const PREFIXED = /^([a-z]{2,12}(?:-[a-z]{1,12})*):(.*)$/s;

/** An IOB2 NER tag: `O`, or `B-`/`I-` and a type. */
const TAG = /^(?:O|[BI]-\S+)$/;

/**
 * Parses WikiANN / PAN-X text into sentences (tags as in the file, IOB2).
 *
 * Whether tokens carry a `lang:` prefix is decided on the first token line: when its word starts with a
 * language code and a colon (`es:Madrid`), every token line must start with that same prefix, which is removed;
 * otherwise the words are kept as they are (`12:30` stays `12:30` in a file without prefixes). Any
 * whitespace-only line ends a sentence (no empty sentences); a trailing `\r` is dropped (CRLF files).
 *
 * @throws {DataFormatError} naming the file and line for: a line that is not `WORD<TAB>TAG`, an empty word, a tag
 *   other than `O`/`B-<type>`/`I-<type>`, a language prefix that differs from the first line's (or from the
 *   `language` option), or a token line without the prefix in a prefixed file, e.g.
 *   `Cannot read "es-train": line 7 has language prefix "pt:", expected "es:" as on line 1`.
 *
 * @example
 * ```ts
 * readWikiann("es:Real\tB-ORG\nes:Madrid\tI-ORG\n\nes:Hola\tO\n");
 * // { sentences: [{ words: ["Real", "Madrid"], tags: ["B-ORG", "I-ORG"] }, { words: ["Hola"], tags: ["O"] }],
 * //   language: "es" }
 * ```
 */
export function readWikiann(text: string, opts: WikiannOptions = {}): WikiannText {
  const file = opts.file ?? "<text>";
  /** `undefined` until the first token line; then the prefix (`"es"`) or `null` for an unprefixed file. */
  let prefix: string | null | undefined;
  let prefixLine = 0;

  const sentences = readTokenLines(text, (line, lineNo) => {
    const cols = line.split("\t");
    if (cols.length !== 2) {
      throw new DataFormatError(
        file,
        lineNo,
        `has ${cols.length} TAB-separated columns, expected 2 (WORD<TAB>TAG)`,
      );
    }
    let [word, tag] = cols;
    const m = PREFIXED.exec(word);
    if (prefix === undefined) {
      prefix = m ? m[1] : null;
      prefixLine = lineNo;
      if (prefix !== null && opts.language !== undefined && prefix !== opts.language) {
        throw new DataFormatError(
          file,
          lineNo,
          `has language prefix "${prefix}:", expected "${opts.language}:"`,
        );
      }
    }
    if (prefix !== null) {
      if (!m) {
        throw new DataFormatError(
          file,
          lineNo,
          `has no language prefix, expected "${prefix}:" as on line ${prefixLine}`,
        );
      }
      if (m[1] !== prefix) {
        throw new DataFormatError(
          file,
          lineNo,
          `has language prefix "${m[1]}:", expected "${prefix}:" as on line ${prefixLine}`,
        );
      }
      word = m[2];
    }
    if (word === "") throw new DataFormatError(file, lineNo, "has an empty word");
    if (!TAG.test(tag)) {
      throw new DataFormatError(file, lineNo, `has tag "${tag}", expected O, B-<type> or I-<type>`);
    }
    return [word, tag];
  });
  return { sentences, language: prefix ?? opts.language };
}

/**
 * Reads a UTF-8 WikiANN file (invalid UTF-8 is an error) and parses it with {@linkcode readWikiann}; error
 * messages name `path`.
 *
 * @throws {DataFormatError} on a malformed line or invalid UTF-8; the file system's error when it cannot be read.
 */
export async function readWikiannFile(path: string, opts: { language?: string } = {}): Promise<WikiannText> {
  const bytes = await Deno.readFile(path);
  return readWikiann(decodeUtf8(bytes, path), { ...opts, file: path });
}
