/**
 * The CoNLL-2003 gazetteer feature of Yang, Salakhutdinov & Cohen (ICLR 2017, §4.1: "we follow previous works
 * (Collobert et al., 2011) to append one-hot gazetteer features to the input of the CRF layer"), as the authors'
 * released code computes it (kimiyoung/transfer@897ac6a, `ner.py` `read_list` and `read_list_data`).
 *
 * - The list is the CoNLL-2003 shared task's `eng.list`: one entry per line, whitespace-separated,
 *   `CAT word1 word2 …` with CAT one of PER, ORG, LOC, MISC.
 * - Index: each entry is filed under its first word; the candidates of a first word are sorted by the length
 *   (in characters) of their words joined by single spaces, longest first, entries of equal length in file order
 *   (Python's stable `sort(reverse=True)`).
 * - Matching, per sentence, on the raw words (case-sensitive, no normalisation), greedy left to right: at
 *   position k, the first candidate of `words[k]` whose words equal `words[k … k+len−1]` (and fit in the
 *   sentence) tags those tokens `S-CAT` (one word) or `B-CAT`, `I-CAT` …, `E-CAT`, and matching goes on after
 *   them; when nothing matches, token k is `O` and matching goes on at k + 1.
 *
 * The tags are IOBES over the NER label set, so the model's feature is the one-hot of each tag over the task's
 * own IOBES tag vocabulary (`suites/yang2017/network.ts` `YangTaskInput.gazetteer`).
 *
 * @example
 * ```ts
 * const gaz = new Gazetteer(readGazetteerList("LOC New York\nLOC New York City\nPER John\n"));
 * gaz.gazetteerTags(["John", "left", "New", "York", "City"]); // ["S-PER", "O", "B-LOC", "I-LOC", "E-LOC"]
 * ```
 *
 * @module
 */

import { DataFormatError, decodeUtf8 } from "./conll_reader.ts";

/** One gazetteer entry: its category (`PER`, `ORG`, `LOC`, `MISC` in `eng.list`) and its words (≥ 1). */
export interface GazetteerEntry {
  type: string;
  words: string[];
}

/** A control character other than the whitespace ones (TAB, LF, VT, FF, CR): junk, usually from a binary file. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0e-\x1f\x7f]/;

/**
 * Parses a gazetteer list (`eng.list` layout): one `CAT word1 word2 …` entry per line, fields separated by any
 * whitespace (as Python's `str.split()`); whitespace-only lines are skipped. Entries keep file order (duplicates
 * included: they are harmless, the first one wins when matching).
 *
 * @throws {DataFormatError} naming the file (`opts.file`, default `<text>`) and the 1-based line, for a line with
 *   fewer than two fields, e.g. `Cannot read "eng.list": line 3 has 1 field, expected a category and at least
 *   one word` (with ` (the file may be truncated)` appended on a last line without a final newline), or a line
 *   holding a control character other than whitespace: `Cannot read "eng.list": line 3 holds the control
 *   character U+0000, expected text (the file may be binary)`.
 *
 * @example
 * ```ts
 * readGazetteerList("LOC New York\nPER John\n");
 * // [{ type: "LOC", words: ["New", "York"] }, { type: "PER", words: ["John"] }]
 * ```
 */
export function readGazetteerList(text: string, opts: { file?: string } = {}): GazetteerEntry[] {
  const file = opts.file ?? "<text>";
  const entries: GazetteerEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const control = CONTROL.exec(lines[i]);
    if (control) {
      const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      throw new DataFormatError(
        file,
        i + 1,
        `holds the control character U+${code}, expected text (the file may be binary)`,
      );
    }
    const fields = lines[i].trim().split(/\s+/).filter((f) => f !== "");
    if (fields.length === 0) continue;
    if (fields.length < 2) {
      // a cut-off copy ends in a line without its newline
      const truncated = i === lines.length - 1 ? " (the file may be truncated)" : "";
      throw new DataFormatError(
        file,
        i + 1,
        `has ${fields.length} field, expected a category and at least one word${truncated}`,
      );
    }
    const [type, ...words] = fields;
    entries.push({ type, words });
  }
  return entries;
}

/**
 * Reads a UTF-8 gazetteer list file (invalid UTF-8 is an error) and parses it with {@linkcode readGazetteerList};
 * error messages name `path`.
 *
 * @throws {DataFormatError} on a malformed line or invalid UTF-8; the file system's error when it cannot be read.
 */
export async function readGazetteerListFile(path: string): Promise<GazetteerEntry[]> {
  const bytes = await Deno.readFile(path);
  return readGazetteerList(decodeUtf8(bytes, path), { file: path });
}

/** A candidate of the prefix index: the entry's words, their space-joined form and its category. */
interface Candidate {
  words: readonly string[];
  joined: string;
  type: string;
}

/**
 * A gazetteer with the released code's prefix index (`read_list`): candidates by first word, longest joined
 * string first, ties in list order. Immutable after construction.
 */
export class Gazetteer {
  /** Number of entries it was built from (duplicates counted). */
  readonly size: number;
  readonly #prefix: Map<string, Candidate[]>;

  /** Builds the prefix index from `entries` (e.g. {@linkcode readGazetteerList}'s result), in their order. */
  constructor(entries: readonly GazetteerEntry[]) {
    this.size = entries.length;
    this.#prefix = new Map();
    for (const e of entries) {
      if (e.words.length === 0) throw new Error(`Gazetteer entry of type "${e.type}" has no words`);
      const c: Candidate = { words: [...e.words], joined: e.words.join(" "), type: e.type };
      const list = this.#prefix.get(e.words[0]);
      if (list) list.push(c);
      else this.#prefix.set(e.words[0], [c]);
    }
    // Array.prototype.sort is stable: equal lengths keep list order, as Python's sort(reverse=True).
    for (const list of this.#prefix.values()) list.sort((a, b) => b.joined.length - a.joined.length);
  }

  /**
   * The gazetteer match of each token of `words` as an IOBES tag (`S-CAT`; `B-CAT`, `I-CAT`…, `E-CAT`; `O`
   * where unmatched), by the released code's greedy left-to-right longest-candidate-first rule (see the module
   * doc). Case-sensitive on the raw words. Returns a new array of `words.length` tags.
   *
   * @example
   * ```ts
   * new Gazetteer([{ type: "PER", words: ["John"] }]).gazetteerTags(["John", "john"]); // ["S-PER", "O"]
   * ```
   */
  gazetteerTags(words: readonly string[]): string[] {
    const n = words.length;
    const tags: string[] = new Array(n).fill("O");
    let k = 0;
    while (k < n) {
      const match = this.#prefix.get(words[k])?.find((c) =>
        k + c.words.length <= n && c.words.every((w, j) => words[k + j] === w)
      );
      if (!match) {
        k++;
        continue;
      }
      const len = match.words.length;
      if (len === 1) {
        tags[k] = `S-${match.type}`;
      } else {
        tags[k] = `B-${match.type}`;
        for (let j = k + 1; j < k + len - 1; j++) tags[j] = `I-${match.type}`;
        tags[k + len - 1] = `E-${match.type}`;
      }
      k += len;
    }
    return tags;
  }
}
