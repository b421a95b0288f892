/**
 * Token filters that port the preprocessing of the DATNet released code (Zhou et al. 2019; 26hzhang/DATNet `utils/data_cvrt.py`):
 * `convert_conll` / `process_token` and `convert_wnut_data` / `process_twitter_token` (= `process_wnut_token` in
 * `utils/data_utils.py`) of `utils/data_cvrt.py` in 26hzhang/DATNet@cb87ae1 (cb87ae1ed5551df46b42f256c2d0bf910d0195eb).
 * They remove tokens (URLs on CoNLL; URLs, @-mentions, emoticons, HTML entities, `RT`, emoji, … on WNUT) and, on
 * WNUT, rewrite words (emoji removed from inside words, `&amp;` → `&`), in every split, test included, before
 * training and scoring.
 *
 * Where this port differs from the script:
 * - Tag repair. The script drops tokens without touching the tags of the others and only later runs its
 *   `iob_to_iob2` + `iob_to_iobes` (utils/data_utils.py). Here, removing a token that belongs to an entity rewrites
 *   the tags so that every surviving entity keeps its type and boundaries. The results agree except when a dropped
 *   token was the `B-X` (IOB2) or an `O` (IOB1) between two entities of type X: the script then merges them into one
 *   entity (`I-X` following `I-X` stays inside), this port keeps two. On the WNUT-16/17, CoNLL-2003 and CoNLL-2002
 *   Spanish files no sentence has such a drop: the chunks agree with the script's everywhere.
 * - Emoji set. The script removes every character that is a key of the third-party `emoji` package's
 *   `EMOJI_UNICODE` (unpinned; a version before 1.0, where that name exists) plus the code point ranges
 *   U+2600–U+27BF and U+1F1E0–U+1F6FF. The package's table is approximated here by the Unicode `Emoji` property
 *   minus `#`, `*` and the digits (so ©, ®, ™, ‼ go, as in emoji 0.5.x whose table lists them as single code
 *   points); the two ranges are ported literally. Emoji added to Unicode after the package's release are removed
 *   here and would not be there.
 * - Input. The script reads raw `word<TAB>label` lines; this port works on loaded sentences, so sentence
 *   boundaries are the loader's (the script too splits on blank lines and, for CoNLL, `-DOCSTART-`).
 *
 * @module
 */

import type { Sentence, TagScheme } from "../../models/types.ts";
import { type Chunk, chunksOf, tagsOf } from "../../harness/data/tag_scheme.ts";

/** A token filter: `datnet-conll` for CoNLL-2002/2003 files, `datnet-wnut` for the WNUT Twitter files. */
export type TokenFilterRule = "datnet-conll" | "datnet-wnut";

const SCRIPT = "utils/data_cvrt.py of 26hzhang/DATNet@cb87ae1";

/** What each {@linkcode TokenFilterRule} does, in words (recorded verbatim in run manifests). */
export const TOKEN_FILTER_RULES: Readonly<Record<TokenFilterRule, string>> = {
  "datnet-conll":
    'Drops every token whose word contains "http" (case-sensitive), in all splits including test, as ' +
    `convert_conll in ${SCRIPT} does; sentences left empty are dropped. Unlike the script, the tags of the ` +
    "remaining tokens are repaired to stay well-formed in the file's tag scheme, each surviving entity keeping its " +
    "type and boundaries (the script leaves them to its later IOB-to-IOBES conversion, which merges two same-type " +
    "entities when the token dropped between them was an O in IOB1 or the B- of the second in IOB2).",
  "datnet-wnut":
    `Ports convert_wnut_data / process_twitter_token of ${SCRIPT}, in all splits including test: ` +
    "first removes emoji characters from the word (the script's U+2600-U+27BF and U+1F1E0-U+1F6FF ranges, plus " +
    "the emoji package's EMOJI_UNICODE table, approximated by the Unicode Emoji property minus # * 0-9) and leading " +
    "whitespace; then drops the token if that leaves it empty, if it starts with @ (a lone @ included), http:// or " +
    "https:// (so not www.), or is one of &gt; &quot; &lt; :D ;) :) -_- =D :' -__- :P :p RT :-) ;-) :( :/ " +
    "(case-sensitive); rewrites &amp; as &; drops / and < tagged O; words that survive with emoji removed or &amp; " +
    "rewritten are kept rewritten (a word of emoji plus U+FE0F or U+200D keeps those). Sentences left empty are " +
    "dropped. Unlike the script, the tags of the remaining tokens are repaired to stay well-formed in the file's " +
    "tag scheme, each surviving entity keeping its type and boundaries (the script leaves them to its later " +
    "IOB-to-IOBES conversion, which merges two same-type entities when the dropped token was the B- of the second).",
};

/**
 * The characters the script's `remove_emoji` deletes: keys of `emoji.EMOJI_UNICODE` (approximated by the `Emoji`
 * property minus `#`, `*`, `0`–`9`) and its literal ranges `[\U00002600-\U000027BF]`, `[\U0001F1E0-\U0001F6FF]`.
 */
const EMOJI_CHAR = /(?![#*0-9])[\p{Emoji}\u{2600}-\u{27BF}\u{1F1E0}-\u{1F6FF}]/gu;

/** Leading characters Python's `str.lstrip()` removes (`str.isspace()`). */
// deno-lint-ignore no-control-regex -- U+001C-U+001F are whitespace to Python
const PY_LEADING_SPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Words `process_twitter_token` drops, in the script's order (checked before `&amp;` is rewritten). */
const WNUT_DROPPED_WORDS: ReadonlySet<string> = new Set([
  "&gt;",
  "&quot;",
  "&lt;",
  ":D",
  ";)",
  ":)",
  "-_-",
  "=D",
  ":'",
  "-__-",
  ":P",
  ":p",
  "RT",
  ":-)",
  ";-)",
  ":(",
  ":/",
]);

/** Words `process_twitter_token` drops only when their label is `O`. */
const WNUT_DROPPED_IF_O: ReadonlySet<string> = new Set(["/", "<"]);

/**
 * The word `rule` keeps for this token, possibly rewritten, or `undefined` when it drops the token.
 *
 * - `datnet-conll` (`process_token`): dropped when the word contains `http` (case-sensitive); never rewritten.
 * - `datnet-wnut` (`process_twitter_token`): emoji are removed from the word and then leading (Python) whitespace;
 *   the token is dropped when that leaves nothing, when the result starts with `@`, `http://` or `https://`, or is
 *   one of the script's emoticons / HTML entities / `RT` (see {@linkcode TOKEN_FILTER_RULES}); otherwise `&amp;`
 *   becomes `&`, and `/` or `<` is dropped when `tag` is `O`.
 *
 * @param tag the token's tag as in the file; only `datnet-wnut` reads it, and only an exact `"O"` drops `/` and
 *   `<` (when it is omitted they are kept).
 *
 * @example
 * ```ts
 * rewriteToken("love😂", "datnet-wnut"); // "love"
 * rewriteToken("AT&amp;T", "datnet-wnut"); // "AT&T"
 * rewriteToken("@user", "datnet-wnut"); // undefined
 * rewriteToken("@user", "datnet-conll"); // "@user"
 * ```
 */
export function rewriteToken(word: string, rule: TokenFilterRule, tag?: string): string | undefined {
  if (rule === "datnet-conll") return word.includes("http") ? undefined : word;
  let w = word.replace(EMOJI_CHAR, "").replace(PY_LEADING_SPACE, "");
  if (w.length === 0) return undefined;
  if (w.startsWith("@") || w.startsWith("https://") || w.startsWith("http://")) return undefined;
  if (WNUT_DROPPED_WORDS.has(w)) return undefined;
  if (w.includes("&amp;")) w = w.replaceAll("&amp;", "&");
  if (WNUT_DROPPED_IF_O.has(w) && tag === "O") return undefined;
  return w;
}

/**
 * Whether `rule` removes this token (see {@linkcode rewriteToken}, of which this is `=== undefined`).
 *
 * @param tag the token's tag; `datnet-wnut` drops `/` and `<` only when it is `"O"` (kept when omitted).
 *
 * @example
 * ```ts
 * isFilteredToken("@user", "datnet-wnut"); // true
 * isFilteredToken("@user", "datnet-conll"); // false
 * isFilteredToken("😂👍🏽", "datnet-wnut"); // true
 * isFilteredToken("/", "datnet-wnut", "O"); // true
 * isFilteredToken("/", "datnet-wnut", "I-product"); // false
 * ```
 */
export function isFilteredToken(word: string, rule: TokenFilterRule, tag?: string): boolean {
  return rewriteToken(word, rule, tag) === undefined;
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
  /** Tokens kept with a rewritten word (`datnet-wnut`: emoji removed inside the word, `&amp;` → `&`). */
  tokensRewritten: number;
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
 * Applies `rule` (see {@linkcode rewriteToken}) to every token of every sentence, in order: filtered tokens are
 * removed, rewritten words replace the old ones.
 *
 * Sentences that lose no token and have no word rewritten are returned as they are (the same objects). A sentence
 * with rewritten words but no drop comes back as a new object with the new words and a copy of its tags. In a
 * sentence that loses tokens, the chunks are read from the old tags with {@linkcode chunksOf}, each chunk is narrowed
 * to its surviving tokens (a chunk with none left disappears) and the tags are written back with {@linkcode tagsOf}
 * in `scheme`. So tags stay well-formed and two chunks never merge: dropping the `B-X` of IOB2 `B-X I-X` gives `B-X`;
 * dropping the `E-X` of IOBES `B-X E-X` gives `S-X`; IOB1 `I-X [dropped] B-X` gives `I-X`. This is where the port
 * differs from DATNet's script, which does not touch the tags and whose later `iob_to_iob2` + `iob_to_iobes`
 * merges two same-type chunks when the token dropped between them was the second one's `B-X` (IOB2 `B-X I-X
 * [B-X] I-X`) or an `O` (IOB1 `I-X [O] I-X`); here they stay two. Such a sentence comes out normalised in `scheme`
 * as `convertTags` (tag_scheme.ts) would, e.g. an ill-formed IOB2 `O I-X` elsewhere in it becomes `O B-X`.
 * Sentences left empty are dropped and counted.
 *
 * @param sentences sentences in tag scheme `scheme` (not modified); their tags are what `datnet-wnut` checks for
 *   `O` when deciding on `/` and `<`.
 * @throws {TagSchemeError} when a sentence that loses tokens has a tag that is not a chunk tag of `scheme` (e.g.
 *   POS tags).
 *
 * @example
 * ```ts
 * const { sentences, stats } = filterSentences(
 *   [{ words: ["RT", "@bob", "New", "York😂"], tags: ["O", "B-person", "B-loc", "I-loc"] }], "datnet-wnut", "IOB2");
 * // sentences = [{ words: ["New", "York"], tags: ["B-loc", "I-loc"] }];
 * // stats.tokensDropped = 2, stats.entityTokensDropped = 1, stats.tokensRewritten = 1
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
    tokensRewritten: 0,
    entityTokensDropped: 0,
    emptySentencesDropped: 0,
  };
  for (const s of sentences) {
    const n = s.words.length;
    stats.tokensIn += n;
    const kept: number[] = [];
    const words: string[] = [];
    let rewritten = 0;
    for (let i = 0; i < n; i++) {
      const w = rewriteToken(s.words[i], rule, s.tags[i]);
      if (w !== undefined) {
        kept.push(i);
        words.push(w);
        if (w !== s.words[i]) rewritten++;
      } else {
        stats.tokensDropped++;
        if (s.tags[i] !== "O") stats.entityTokensDropped++;
      }
    }
    stats.tokensRewritten += rewritten;
    if (kept.length === n) {
      out.push(rewritten === 0 ? s : { words, tags: s.tags.slice() });
    } else if (kept.length === 0) {
      stats.emptySentencesDropped++;
    } else {
      out.push({ words, tags: keepTokenTags(s.tags, kept, scheme) });
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
