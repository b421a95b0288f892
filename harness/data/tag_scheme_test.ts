import seedrandom from "seedrandom";
import { assertEquals, assertThrows } from "./_assert.ts";
import { chunksOf, convertTags, normaliseTagCase, TagSchemeError, tagsOf } from "./tag_scheme.ts";
import type { TagScheme } from "../../models/types.ts";
import { join } from "node:path";
import { readConllFile } from "./conll_reader.ts";
import { realDataDir } from "./_testing.ts";

const s = (text: string) => (text === "" ? [] : text.split(" "));

Deno.test("chunksOf: IOB1 as conlleval reads it", () => {
  assertEquals(chunksOf(s("I-PER I-PER B-PER O I-LOC I-ORG"), "IOB1"), [
    { type: "PER", start: 0, end: 2 },
    { type: "PER", start: 2, end: 3 },
    { type: "LOC", start: 4, end: 5 },
    { type: "ORG", start: 5, end: 6 },
  ]);
});

Deno.test("chunksOf: ill-formed IOB2 — I-X after O or after another type starts a chunk", () => {
  assertEquals(chunksOf(s("O I-PER I-PER B-LOC I-ORG I-ORG"), "IOB2"), [
    { type: "PER", start: 1, end: 3 },
    { type: "LOC", start: 3, end: 4 },
    { type: "ORG", start: 4, end: 6 },
  ]);
});

Deno.test("chunksOf: IOBES, well-formed and ill-formed", () => {
  assertEquals(chunksOf(s("B-PER I-PER E-PER S-LOC S-LOC O"), "IOBES"), [
    { type: "PER", start: 0, end: 3 },
    { type: "LOC", start: 3, end: 4 },
    { type: "LOC", start: 4, end: 5 },
  ]);
  // E-X without B-X, I-X after E-X, B-X left open, type change inside a chunk
  assertEquals(chunksOf(s("E-PER E-PER I-PER B-LOC O B-ORG I-MISC E-MISC"), "IOBES"), [
    { type: "PER", start: 0, end: 1 },
    { type: "PER", start: 1, end: 2 },
    { type: "PER", start: 2, end: 3 },
    { type: "LOC", start: 3, end: 4 },
    { type: "ORG", start: 5, end: 6 },
    { type: "MISC", start: 6, end: 8 },
  ]);
});

Deno.test("chunksOf: types may contain hyphens (WNUT)", () => {
  assertEquals(chunksOf(s("B-geo-loc I-geo-loc B-creative-work"), "IOB2"), [
    { type: "geo-loc", start: 0, end: 2 },
    { type: "creative-work", start: 2, end: 3 },
  ]);
});

Deno.test("chunksOf: non-chunk tags are rejected with a clear error", () => {
  assertEquals(
    assertThrows(() => chunksOf(s("O NN"), "IOB2"), TagSchemeError).message,
    'Cannot read tag "NN" at position 1 as IOB2: expected "O" or B-/I- followed by a type',
  );
  assertThrows(() => chunksOf(s("E-PER"), "IOB1"), TagSchemeError, '"E-PER" at position 0 as IOB1');
  assertThrows(() => chunksOf(s("B-"), "IOBES"), TagSchemeError, "B-/I-/E-/S-");
  assertThrows(() => chunksOf(s("b-np"), "IOB2"), TagSchemeError);
  assertThrows(() => chunksOf(s("o"), "IOB2"), TagSchemeError);
});

Deno.test("convertTags: IOB1 → IOB2 → IOBES and back", () => {
  const iob1 = s("I-ORG O I-MISC O I-PER I-PER B-PER O I-LOC B-LOC I-LOC");
  const iob2 = s("B-ORG O B-MISC O B-PER I-PER B-PER O B-LOC B-LOC I-LOC");
  const iobes = s("S-ORG O S-MISC O B-PER E-PER S-PER O S-LOC B-LOC E-LOC");
  assertEquals(convertTags(iob1, "IOB1", "IOB2"), iob2);
  assertEquals(convertTags(iob2, "IOB2", "IOBES"), iobes);
  assertEquals(convertTags(iobes, "IOBES", "IOB2"), iob2);
  assertEquals(convertTags(iob2, "IOB2", "IOB1"), iob1);
  assertEquals(convertTags(iobes, "IOBES", "IOB1"), iob1);
  assertEquals(convertTags(iob1, "IOB1", "IOBES"), iobes);
  assertEquals(convertTags([], "IOB1", "IOBES"), []);
});

Deno.test("convertTags: ill-formed input comes out well-formed; same scheme normalises", () => {
  assertEquals(convertTags(s("O I-PER I-LOC"), "IOB2", "IOB2"), s("O B-PER B-LOC"));
  assertEquals(convertTags(s("B-PER O B-PER"), "IOB1", "IOB1"), s("I-PER O I-PER"));
  assertEquals(convertTags(s("B-PER I-PER"), "IOBES", "IOBES"), s("B-PER E-PER"));
});

Deno.test("tagsOf: rejects overlapping or out-of-range chunks", () => {
  assertThrows(
    () => tagsOf([{ type: "A", start: 0, end: 2 }, { type: "A", start: 1, end: 3 }], 3, "IOB2"),
    RangeError,
  );
  assertThrows(() => tagsOf([{ type: "A", start: 2, end: 4 }], 3, "IOB2"), RangeError);
  assertThrows(() => tagsOf([{ type: "A", start: 1, end: 1 }], 3, "IOB2"), RangeError);
});

Deno.test("normaliseTagCase: lower-case Ritter chunk tags only", () => {
  assertEquals(normaliseTagCase(s("b-np i-np o b-vp")), s("B-NP I-NP O B-VP"));
  assertEquals(normaliseTagCase(s("B-geo-loc I-geo-loc O")), s("B-geo-loc I-geo-loc O"));
  assertEquals(chunksOf(normaliseTagCase(s("b-np i-np o")), "IOB2"), [{ type: "NP", start: 0, end: 2 }]);
});

// ---- property-style tests on random sequences ----

const SCHEMES: TagScheme[] = ["IOB1", "IOB2", "IOBES"];
const PREFIXES: Record<TagScheme, string[]> = {
  IOB1: ["B", "I"],
  IOB2: ["B", "I"],
  IOBES: ["B", "I", "E", "S"],
};

function randomTags(rng: () => number, scheme: TagScheme, n: number): string[] {
  const types = ["PER", "LOC", "geo-loc"];
  const prefixes = PREFIXES[scheme];
  return Array.from({ length: n }, () => {
    if (rng() < 0.35) return "O";
    const p = prefixes[Math.floor(rng() * prefixes.length)];
    return `${p}-${types[Math.floor(rng() * types.length)]}`;
  });
}

Deno.test("property: every conversion of random (also ill-formed) input keeps its chunks", () => {
  const rng = seedrandom("tag-scheme-chunks");
  for (let trial = 0; trial < 2000; trial++) {
    const from = SCHEMES[trial % 3];
    const tags = randomTags(rng, from, Math.floor(rng() * 12));
    const chunks = chunksOf(tags, from);
    for (const to of SCHEMES) {
      const out = convertTags(tags, from, to);
      assertEquals(out.length, tags.length);
      assertEquals(chunksOf(out, to), chunks, `${from} → ${to}: ${tags.join(" ")} → ${out.join(" ")}`);
    }
  }
});

Deno.test("property: IOB1 → IOB2 → IOBES → IOB2 → IOB1 gives back well-formed input", () => {
  const rng = seedrandom("tag-scheme-roundtrip");
  for (let trial = 0; trial < 2000; trial++) {
    const from = SCHEMES[trial % 3];
    // well-formed input of each scheme: normalised random input
    const wellFormed = convertTags(randomTags(rng, from, Math.floor(rng() * 12)), from, "IOB1");
    const iob2 = convertTags(wellFormed, "IOB1", "IOB2");
    const iobes = convertTags(iob2, "IOB2", "IOBES");
    const back = convertTags(convertTags(iobes, "IOBES", "IOB2"), "IOB2", "IOB1");
    assertEquals(back, wellFormed);
    assertEquals(convertTags(iob2, "IOB2", "IOB2"), iob2); // normal form is a fixed point
    assertEquals(convertTags(iobes, "IOBES", "IOBES"), iobes);
  }
});

Deno.test("property: IOB2 output is well-formed (no I-X unless continuing X)", () => {
  const rng = seedrandom("tag-scheme-wellformed");
  for (let trial = 0; trial < 2000; trial++) {
    const tags = convertTags(randomTags(rng, "IOBES", 10), "IOBES", "IOB2");
    for (let i = 0; i < tags.length; i++) {
      if (tags[i].startsWith("I-")) assertEquals(tags[i - 1]?.slice(2), tags[i].slice(2));
    }
  }
});

Deno.test({
  name:
    "real CoNLL-2003 eng.train: IOB1 → IOB2 → IOBES → IOB2 → IOB1 keeps every sentence but the ill-formed ones",
  ignore: realDataDir() === undefined,
  fn: async () => {
    const { sentences } = await readConllFile(join(realDataDir()!, "conll2003/eng.train"), "conll2003");
    let entities = 0;
    let changed = 0;
    let illFormed = 0; // sentences with a B-X that does not follow a chunk of type X (2 in eng.train)
    for (const { tags } of sentences) {
      const iobes = convertTags(convertTags(tags, "IOB1", "IOB2"), "IOB2", "IOBES");
      const back = convertTags(convertTags(iobes, "IOBES", "IOB2"), "IOB2", "IOB1");
      assertEquals(chunksOf(back, "IOB1"), chunksOf(tags, "IOB1"));
      if (back.join(" ") !== tags.join(" ")) changed++;
      if (tags.some((t, i) => t.startsWith("B-") && tags[i - 1]?.slice(2) !== t.slice(2))) illFormed++;
      entities += chunksOf(tags, "IOB1").length;
    }
    assertEquals(changed, illFormed);
    assertEquals(illFormed, 2);
    assertEquals(entities, 23499);
  },
});
