/**
 * Reader for GENIA part-of-speech text (the GENIA corpus, Kim et al. 2003, POS layer of Tateisi & Tsujii 2004),
 * used by Yang et al. (2017) as the biomedical POS target (the Table 2 rows with a Genia target, Figure 2 (a)–(c)).
 *
 * The form is the one Yang et al.'s released `genia.py` reads (kimiyoung/transfer@897ac6a): one token per line as
 * `word/TAG` (the word is everything before the last `/`, so `and/or/CC` is the word `and/or`), and any line
 * without a `/` (GENIA's `====================` separators, blank lines) ends a sentence. The corpus is not
 * available here; this reader exists so that a user who supplies it can run those cells.
 *
 * @module
 */

import type { Sentence } from "../../models/types.ts";
import { DataFormatError, decodeUtf8 } from "./conll_reader.ts";
import { readTokenLines } from "./_lines.ts";

/**
 * GENIA tags that differ from the Penn Treebank tag set, mapped as the released `genia.py` `trans_label` does
 * (the paper, §4.1, cites Barrett & Weber-Jahnke 2014 for the mapping): brackets to `-LRB-`/`-RRB-` (an empty
 * tag, too, becomes `-RRB-`), `PP` → `PRP`, `N` → `NN`, `-` → `SYM`, `XT` and `CT` → `DT`. Other tags are kept.
 */
export const GENIA_TO_PTB: Readonly<Record<string, string>> = {
  "(": "-LRB-",
  ")": "-RRB-",
  "": "-RRB-",
  PP: "PRP",
  N: "NN",
  "-": "SYM",
  XT: "DT",
  CT: "DT",
};

/** The 45 Penn Treebank tags a mapped GENIA tag must be one of (released `genia.py` `LABEL_INDEX`). */
export const PTB_POS_TAGS: ReadonlySet<string> = new Set([
  "PRP$",
  "VBG",
  "VBD",
  "``",
  "VBN",
  "POS",
  "''",
  "VBP",
  "WDT",
  "JJ",
  "WP",
  "VBZ",
  "DT",
  "#",
  "RP",
  "$",
  "NN",
  "FW",
  ",",
  ".",
  "TO",
  "PRP",
  "RB",
  "-LRB-",
  ":",
  "NNS",
  "NNP",
  "VB",
  "WRB",
  "CC",
  "LS",
  "PDT",
  "RBS",
  "RBR",
  "CD",
  "EX",
  "IN",
  "WP$",
  "MD",
  "NNPS",
  "-RRB-",
  "JJS",
  "JJR",
  "SYM",
  "UH",
]); // deno-fmt-ignore

/**
 * Maps one GENIA tag to the Penn Treebank tag set: an ambiguous tag `A|B` keeps its first alternative, which
 * then goes through {@link GENIA_TO_PTB}.
 *
 * @example
 * ```ts
 * geniaTagToPtb("NN|JJ"); // "NN"
 * geniaTagToPtb("CT");    // "DT"
 * ```
 */
export function geniaTagToPtb(tag: string): string {
  const first = tag.split("|")[0];
  return GENIA_TO_PTB[first] ?? first;
}

/** Options of {@linkcode readGeniaPos}. */
export interface GeniaOptions {
  /** Name used in error messages (default `<text>`). */
  file?: string;
  /**
   * `"ptb"` (default): tags mapped by {@link geniaTagToPtb} and checked against {@link PTB_POS_TAGS}, as the
   * released code does; `"raw"`: the file's tags unchanged (ambiguous tags included).
   */
  tags?: "ptb" | "raw";
}

/**
 * Parses GENIA POS text (`word/TAG` per line; a line without `/` ends a sentence) into sentences.
 *
 * Trailing whitespace and a trailing `\r` are dropped; no empty sentences are made. Words are kept as written
 * (no lower-casing or digit normalisation: that is the suite's lookup policy).
 *
 * @throws {DataFormatError} naming the file and line for an empty word (`/NN`), or, with `tags: "ptb"`, a tag
 *   that does not map into the Penn Treebank tag set (the released code fails on it too), e.g.
 *   `Cannot read "genia/train.txt": line 12 has tag "*" (mapped "*"), not a Penn Treebank POS tag`.
 *
 * @example
 * ```ts
 * readGeniaPos("IL-2/NN\ngene/NN\nexpression/NN\n====================\nIt/PP\nbinds/VBZ\n");
 * // [{ words: ["IL-2", "gene", "expression"], tags: ["NN", "NN", "NN"] },
 * //  { words: ["It", "binds"], tags: ["PRP", "VBZ"] }]
 * ```
 */
export function readGeniaPos(text: string, opts: GeniaOptions = {}): Sentence[] {
  const file = opts.file ?? "<text>";
  const mapTags = (opts.tags ?? "ptb") === "ptb";
  return readTokenLines(text, (line, lineNo) => {
    const token = line.trimEnd();
    const slash = token.lastIndexOf("/");
    if (slash < 0) return "end";
    const word = token.slice(0, slash).trimStart();
    const raw = token.slice(slash + 1);
    if (word === "") throw new DataFormatError(file, lineNo, `has an empty word ("${token}")`);
    if (!mapTags) return [word, raw];
    const tag = geniaTagToPtb(raw);
    if (!PTB_POS_TAGS.has(tag)) {
      throw new DataFormatError(
        file,
        lineNo,
        `has tag "${raw}" (mapped "${tag}"), not a Penn Treebank POS tag`,
      );
    }
    return [word, tag];
  });
}

/**
 * Reads a GENIA POS file (UTF-8) with {@linkcode readGeniaPos}; error messages name `path`.
 *
 * @throws {Deno.errors.NotFound} when the file does not exist; {@link DataFormatError} for bad UTF-8 or content.
 */
export async function readGeniaPosFile(
  path: string,
  opts: Omit<GeniaOptions, "file"> = {},
): Promise<Sentence[]> {
  return readGeniaPos(decodeUtf8(await Deno.readFile(path), path), { ...opts, file: path });
}
