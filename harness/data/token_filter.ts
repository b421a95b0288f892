/**
 * Token filters that reproduce the preprocessing of the DATNet released code (Zhou et al. 2019; design.md §6):
 * tokens that are URLs (CoNLL) or URLs, @-mentions, emoji and "RT" (WNUT) are removed from every split,
 * test included, before training and scoring. Removing a token that belongs to an entity repairs the tags so that
 * they stay well-formed in the file's scheme and every surviving entity keeps its type and boundaries.
 *
 * These rules are the ones tagbench declares (design.md §6), close to but not identical with the released script
 * (26hzhang/DATNet@cb87ae1, `utils/data_cvrt.py`). That script's CoNLL test is case-sensitive (`"http" in word`;
 * no difference on the CoNLL-2002/2003 files). Its WNUT step also drops emoticons (`:)`, `:D`, …), the HTML
 * entities `&lt;` `&gt;` `&quot;`, a lone `@` (WNUT-17 test splits mentions as `@` + name) and `/`, `<` tagged
 * `O`; removes emoji characters inside words and rewrites `&amp;` as `&`; drops only URLs *starting* with
 * `http://`/`https://` (so not `www.…` or `#tag…http`); and does not repair tags before its IOB→IOBES conversion.
 *
 * @module
 */

import type { Sentence, TagScheme } from "../types.ts";
import { type Chunk, chunksOf, tagsOf } from "./tag_scheme.ts";

/** A token filter: `datnet-conll` for CoNLL-2002/2003 files, `datnet-wnut` for the WNUT Twitter files. */
export type TokenFilterRule = "datnet-conll" | "datnet-wnut";

/** What each {@linkcode TokenFilterRule} drops, in words (recorded verbatim in run manifests). */
export const TOKEN_FILTER_RULES: Readonly<Record<TokenFilterRule, string>> = {
  "datnet-conll":
    'Drops every token whose word contains "http" (case-insensitive), in all splits including ' +
    "test; sentences left empty are dropped; entity tags of the remaining tokens are repaired to stay well-formed " +
    "in the file's tag scheme, each surviving entity keeping its type and boundaries (after convert_conll " +
    'in DATNet\'s utils/data_cvrt.py at 26hzhang/DATNet@cb87ae1, which matches "http" case-sensitively).',
  "datnet-wnut":
    'Drops every token whose word contains "http" or starts with "www." (case-insensitive), is an ' +
    '@-mention ("@" followed by at least one character), is exactly "RT", or consists only of emoji ' +
    "(Extended_Pictographic, U+FE0F, U+200D, skin-tone modifiers U+1F3FB-U+1F3FF, regional indicators, tag " +
    "characters U+E0020-U+E007F), in all splits including test; sentences left empty are dropped; entity tags " +
    "of the remaining tokens are repaired to stay well-formed in the file's tag scheme, each surviving entity " +
    "keeping its type and boundaries (a simplification of convert_wnut_data in DATNet's utils/data_cvrt.py at " +
    "26hzhang/DATNet@cb87ae1, which also drops emoticons, &lt; &gt; &quot;, a lone @ and / or < tagged O, strips " +
    "emoji inside words, rewrites &amp; as &, drops URLs only when they start with http:// or https:// and " +
    "leaves tag repair to its later IOB-to-IOBES conversion).",
};

/** One or more emoji code points and nothing else: pictographs, VS16, ZWJ, skin tones, flags, tag sequences. */
const ONLY_EMOJI =
  /^(?:\p{Extended_Pictographic}|\u{FE0F}|\u{200D}|[\u{1F3FB}-\u{1F3FF}]|[\u{1F1E6}-\u{1F1FF}]|[\u{E0020}-\u{E007F}])+$/u;

/**
 * Whether `rule` removes a token with this word.
 *
 * - `datnet-conll`: the word contains `http` in any letter case.
 * - `datnet-wnut`: the word contains `http` or starts with `www.` (any letter case), or is an @-mention (`@`
 *   followed by at least one character; a lone `@` is kept), or is exactly `RT`, or consists only of emoji
 *   (see {@linkcode TOKEN_FILTER_RULES}).
 *
 * @example
 * ```ts
 * isFilteredToken("@user", "datnet-wnut"); // true
 * isFilteredToken("@user", "datnet-conll"); // false
 * isFilteredToken("😂👍🏽", "datnet-wnut"); // true
 * ```
 */
export function isFilteredToken(word: string, rule: TokenFilterRule): boolean {
  const lower = word.toLowerCase();
  if (lower.includes("http")) return true;
  if (rule === "datnet-conll") return false;
  return lower.startsWith("www.") || (word.length > 1 && word[0] === "@") || word === "RT" ||
    ONLY_EMOJI.test(word);
}

/** Counts of one {@linkcode filterSentences} call. */
export interface TokenFilterStats {
  /** Sentences given. */
  sentencesIn: number;
  /** Sentences returned (`sentencesIn - emptySentencesDropped`). */
  sentencesOut: number;
  /** Tokens in the sentences given. */
  tokensIn: number;
  /** Tokens removed (entity or not). */
  tokensDropped: number;
  /** Dropped tokens whose tag was not `O`. */
  entityTokensDropped: number;
  /** Sentences every token of which was dropped (they are not returned). */
  emptySentencesDropped: number;
}

/** What {@linkcode filterSentences} returns. */
export interface FilteredSentences {
  /** The sentences that kept at least one token, in their original order. */
  sentences: Sentence[];
  /** What was dropped. */
  stats: TokenFilterStats;
}

/**
 * Removes the tokens that `rule` filters (see {@linkcode isFilteredToken}) from every sentence, in order.
 *
 * Sentences that lose no token are returned as they are (the same objects, tags untouched). In a sentence that
 * loses tokens, the chunks are read from the old tags with {@linkcode chunksOf}, each chunk is narrowed to its
 * surviving tokens (a chunk with none left disappears) and the tags are written back with {@linkcode tagsOf} in
 * `scheme`. So tags stay well-formed and two chunks never merge: dropping the `B-X` of IOB2 `B-X I-X` gives `B-X`;
 * dropping the `E-X` of IOBES `B-X E-X` gives `S-X`; IOB1 `I-X [dropped] B-X` gives `I-X`. (DATNet's own IOB→IOBES
 * step would merge `I-X` that follows a same-type chunk whose `B-X` was dropped; sentences with such a drop are
 * rare.) Such a sentence comes out normalised in `scheme` as `convertTags` (tag_scheme.ts) would, e.g. an ill-formed IOB2
 * `O I-X` elsewhere in it becomes `O B-X`. Sentences left empty are dropped and counted.
 *
 * @param sentences sentences in tag scheme `scheme` (not modified).
 * @throws {TagSchemeError} when a sentence that loses tokens has a tag that is not a chunk tag of `scheme` (e.g.
 *   POS tags).
 *
 * @example
 * ```ts
 * const { sentences, stats } = filterSentences(
 *   [{ words: ["RT", "@bob", "New", "York"], tags: ["O", "B-person", "B-loc", "I-loc"] }], "datnet-wnut", "IOB2");
 * // sentences = [{ words: ["New", "York"], tags: ["B-loc", "I-loc"] }]; stats.entityTokensDropped = 1
 * ```
 */
export function filterSentences(
  sentences: readonly Sentence[],
  rule: TokenFilterRule,
  scheme: TagScheme,
): FilteredSentences {
  const out: Sentence[] = [];
  const stats: TokenFilterStats = {
    sentencesIn: sentences.length,
    sentencesOut: 0,
    tokensIn: 0,
    tokensDropped: 0,
    entityTokensDropped: 0,
    emptySentencesDropped: 0,
  };
  for (const s of sentences) {
    const n = s.words.length;
    stats.tokensIn += n;
    const kept: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!isFilteredToken(s.words[i], rule)) {
        kept.push(i);
      } else {
        stats.tokensDropped++;
        if (s.tags[i] !== "O") stats.entityTokensDropped++;
      }
    }
    if (kept.length === n) {
      out.push(s);
    } else if (kept.length === 0) {
      stats.emptySentencesDropped++;
    } else {
      out.push({ words: kept.map((i) => s.words[i]), tags: keepTokenTags(s.tags, kept, scheme) });
    }
  }
  stats.sentencesOut = out.length;
  return { sentences: out, stats };
}

/** Tags of the tokens at `kept` (ascending old indices), chunks narrowed to them and rewritten in `scheme`. */
function keepTokenTags(tags: readonly string[], kept: readonly number[], scheme: TagScheme): string[] {
  const newIndex = new Array<number>(tags.length).fill(-1);
  kept.forEach((old, i) => (newIndex[old] = i));
  const chunks: Chunk[] = [];
  for (const c of chunksOf(tags, scheme)) {
    let start = -1;
    let end = -1;
    for (let i = c.start; i < c.end; i++) {
      if (newIndex[i] < 0) continue;
      if (start < 0) start = newIndex[i];
      end = newIndex[i] + 1;
    }
    if (start >= 0) chunks.push({ type: c.type, start, end });
  }
  return tagsOf(chunks, kept.length, scheme);
}
