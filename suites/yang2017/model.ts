/**
 * The model wiring of the `yang2017` suite (Yang et al., ICLR 2017, §3–§4.2): word lookup per language, the word
 * embedding size of languages without pretrained vectors, and T-A's label mappings (§3.2.1). The model itself is
 * `suites/yang2017/network.ts` (`YANG_BASE`), its joint trainer `suites/yang2017/train.ts`.
 *
 * @module
 */

import type { LookupPolicy } from "../../models/types.ts";

/** Word lookup (§4.2, released code): English lower-cased with digits → 0; Spanish (Dutch unstated) digits → 0. */
export const LOOKUPS: Record<"en" | "es" | "nl", LookupPolicy> = {
  en: { lowercase: true, digitsToZero: true, unk: "trainable" },
  es: { lowercase: false, digitsToZero: true, unk: "trainable" },
  nl: { lowercase: false, digitsToZero: true, unk: "trainable" },
};

/** Word embedding size of the languages without pretrained vectors (§4.2: 64 for Spanish, Polyglot's size). */
export const NON_ENGLISH_WORD_DIM = 64;

/**
 * T-A's label mapping (§3.2.1), source tag → target tag, applied to the source's IOBES tags so that the target is
 * scored on its own tag set. The paper does not print its mappings: these are harness choices. Unlisted tags map
 * to themselves (PTB's `#`, `$` stay source-only tags; Twitter's URL, USR, RT, HT stay target-only).
 */
export const LABEL_MAPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "ptb->twitter-pos": { "-LRB-": "(", "-RRB-": ")", "``": "''" },
  "conll03->twitter-ner": Object.fromEntries(
    (["B", "I", "E", "S"] as const).flatMap((p) =>
      [["PER", "person"], ["LOC", "geo-loc"], ["ORG", "company"], ["MISC", "other"]].map(([a, b]) => [
        `${p}-${a}`,
        `${p}-${b}`,
      ])
    ),
  ),
  "ptb->genia": {},
};
