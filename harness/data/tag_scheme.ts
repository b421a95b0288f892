/**
 * Chunk tag schemes: reading chunks from IOB1 / IOB2 / IOBES tags and converting among them.
 *
 * @module
 */

import type { TagScheme } from "../../models/types.ts";

/** A chunk (entity, phrase) over tokens `start` (inclusive) to `end` (exclusive): `tags.slice(start, end)`. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

/** A tag that is not a chunk tag of the scheme it was read in. */
export class TagSchemeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TagSchemeError";
  }
}

const PREFIXES: Readonly<Record<TagScheme, string>> = { IOB1: "BI", IOB2: "BI", IOBES: "BIES" };

/**
 * Reads the chunks of one sentence's tags.
 *
 * IOB1 and IOB2 are read the way conlleval reads them (so both give the same chunks): `B-X` always starts a chunk,
 * `I-X` continues a chunk of type X that ends on the token before, and otherwise starts a new chunk (an `I-X` after
 * `O` or after another type). IOBES is read just as leniently: `S-X` is a one-token chunk; `B-X` starts a chunk;
 * `I-X`/`E-X` continue an open `B-X`/`I-X` chunk of type X and otherwise start a new one; `E-X` closes its chunk;
 * a chunk left open by `O`, another type or the sentence end ends there.
 *
 * @returns the chunks in order, `end` exclusive.
 * @throws {TagSchemeError} for a tag other than `O` that is not `<prefix>-<type>` with a prefix of the scheme
 *   (B/I for IOB1 and IOB2, B/I/E/S for IOBES) and a non-empty type, e.g. a POS tag `NN` or `E-PER` in IOB2.
 *
 * @example
 * ```ts
 * chunksOf(["I-PER", "I-PER", "B-PER", "O", "I-LOC"], "IOB1");
 * // [{type: "PER", start: 0, end: 2}, {type: "PER", start: 2, end: 3}, {type: "LOC", start: 4, end: 5}]
 * ```
 */
export function chunksOf(tags: readonly string[], scheme: TagScheme): Chunk[] {
  const allowed = PREFIXES[scheme];
  if (allowed === undefined) {
    throw new TagSchemeError(`Unknown tag scheme "${scheme}", expected IOB1, IOB2 or IOBES`);
  }
  const chunks: Chunk[] = [];
  let open: Chunk | undefined; // chunk that the next token may continue
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (tag === "O") {
      open = undefined;
      continue;
    }
    const prefix = tag[0];
    if (tag.length < 3 || tag[1] !== "-" || !allowed.includes(prefix)) {
      throw new TagSchemeError(
        `Cannot read tag "${tag}" at position ${i} as ${scheme}: expected "O" or ${
          [...allowed].map((p) => `${p}-`).join("/")
        } followed by a type`,
      );
    }
    const type = tag.slice(2);
    const continues = open !== undefined && open.type === type && (prefix === "I" || prefix === "E");
    if (continues) {
      open!.end = i + 1;
    } else {
      open = { type, start: i, end: i + 1 };
      chunks.push(open);
    }
    if (prefix === "E" || prefix === "S") open = undefined;
  }
  return chunks;
}

/**
 * Writes chunks as tags of `scheme` over `length` tokens (tokens outside every chunk get `O`).
 * IOB1 uses `B-X` only for a chunk that directly follows another chunk of type X.
 *
 * @throws {RangeError} when a chunk is empty, overlaps another or lies outside `[0, length)`.
 */
export function tagsOf(chunks: readonly Chunk[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill("O");
  let prev: Chunk | undefined;
  for (const c of chunks) {
    if (!(c.start < c.end) || c.start < 0 || c.end > length || (prev !== undefined && c.start < prev.end)) {
      throw new RangeError(
        `Chunk ${c.type} [${c.start}, ${c.end}) is empty, overlaps the one before or lies outside [0, ${length})`,
      );
    }
    const adjacentSameType = prev !== undefined && prev.end === c.start && prev.type === c.type;
    for (let i = c.start; i < c.end; i++) tags[i] = `I-${c.type}`;
    if (scheme === "IOB2" || (scheme === "IOB1" && adjacentSameType)) tags[c.start] = `B-${c.type}`;
    if (scheme === "IOBES") {
      if (c.end - c.start === 1) {
        tags[c.start] = `S-${c.type}`;
      } else {
        tags[c.start] = `B-${c.type}`;
        tags[c.end - 1] = `E-${c.type}`;
      }
    }
    prev = c;
  }
  return tags;
}

/**
 * Converts one sentence's tags from scheme `from` to scheme `to` by reading its chunks with {@linkcode chunksOf}
 * and writing them back with {@linkcode tagsOf}. The chunks are preserved; ill-formed input comes out well-formed
 * (e.g. IOB2 `O I-PER` becomes `O B-PER`); converting to the same scheme normalises.
 *
 * @throws {TagSchemeError} for a tag that is not a chunk tag of `from` (see {@linkcode chunksOf}).
 *
 * @example
 * ```ts
 * convertTags(["I-PER", "I-PER", "O", "I-LOC"], "IOB1", "IOBES"); // ["B-PER", "E-PER", "O", "S-LOC"]
 * ```
 */
export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme): string[] {
  return tagsOf(chunksOf(tags, from), tags.length, to);
}

/**
 * Upper-cases the tags written entirely in lower case (Ritter 2011 chunk tags: `b-np` → `B-NP`, `o` → `O`), so
 * they can be read by {@linkcode chunksOf}. Tags with any upper-case letter (e.g. WNUT's `B-geo-loc`) are kept.
 */
export function normaliseTagCase(tags: readonly string[]): string[] {
  return tags.map((t) => (t === t.toLowerCase() ? t.toUpperCase() : t));
}
