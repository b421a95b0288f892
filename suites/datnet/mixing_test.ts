import assert from "node:assert/strict";
import { releasedArrangement } from "./mixing.ts";
import { arrangeEpoch, arrangementLength } from "../../harness/train/schedules.ts";
import { createRng } from "../../models/init.ts";

// The paper's sizes: CoNLL-2003 English train 14,987 sentences in the released JSON (its reader keeps the
// -DOCSTART- lines out; 14,041 here), CoNLL-2002 Spanish train 8,323, WNUT-2016 train+dev 3,394; batch 16.
const B = 16;

Deno.test("joeyzhouty arrangement: batch counts equal the released formula for the paper's sizes", () => {
  const formula = (src: number, srcFile: number, tgt: number, tgtFile: number) => {
    const srcBatches = Math.ceil(src / B);
    const tgtBatches = Math.ceil(tgt / B);
    const numSrc = Math.trunc(srcBatches * (Math.sqrt(srcFile) * 0.3) / Math.sqrt(tgtFile));
    const frac = tgt <= 500 ? 0.2 : tgt === tgtFile ? 0.7 : 0.5;
    return { numSrc, numTgt: Math.ceil(tgtBatches * frac), rest: tgtBatches - Math.ceil(tgtBatches * frac) };
  };
  for (
    const [tgtFile, k] of [
      [8323, 10],
      [8323, 50],
      [8323, 100],
      [8323, 500],
      [8323, 1000],
      [8323, 8323],
      [
        3394,
        10,
      ],
      [3394, 1000],
      [3394, 3394],
    ]
  ) {
    const a = releasedArrangement("joeyzhouty", {
      batchSize: B,
      source: 14041,
      sourceFile: 14041,
      target: k,
      targetFile: tgtFile,
    });
    const f = formula(14041, 14041, k, tgtFile);
    assert.deepEqual(
      a,
      { mixed: { source: f.numSrc, target: f.numTgt }, appended: { target: f.rest } },
      `k=${k}`,
    );
  }
  // Worked numbers: Spanish k = 10 → 878 · √14041 · 0.3 / √8323 = 342.1 → 342 source batches, 1 target batch.
  assert.deepEqual(
    releasedArrangement("joeyzhouty", { batchSize: B, source: 14041, target: 10, targetFile: 8323 }),
    { mixed: { source: 342, target: 1 }, appended: { target: 0 } },
  );
  // Spanish k = 1000: 63 target batches, > 500 sentences and not the full file → ⌈0.5 · 63⌉ = 32 mixed, 31 after.
  assert.deepEqual(
    releasedArrangement("joeyzhouty", { batchSize: B, source: 14041, target: 1000, targetFile: 8323 })
      .appended,
    { target: 31 },
  );
  // Full Spanish file: ⌈0.7 · 521⌉ = 365 mixed.
  assert.equal(
    releasedArrangement("joeyzhouty", { batchSize: B, source: 14041, target: 8323, targetFile: 8323 }).mixed
      .target,
    365,
  );
  // A source cap bounds num_src only.
  assert.deepEqual(
    releasedArrangement("joeyzhouty", {
      batchSize: B,
      source: 14041,
      target: 10,
      targetFile: 8323,
      sourceCap: 10,
    }),
    { mixed: { source: 10, target: 1 }, appended: { target: 0 } },
  );
});

Deno.test("26hzhang arrangement: int(0.3 · source batches) + ⌈0.8 · target batches⌉, rest appended", () => {
  assert.deepEqual(
    releasedArrangement("26hzhang", { batchSize: 32, source: 14041, target: 100 }),
    { mixed: { source: Math.trunc(439 * 0.3), target: 4 }, appended: { target: 0 } },
  );
  assert.deepEqual(
    releasedArrangement("26hzhang", { batchSize: 32, source: 14041, target: 1000 }).appended,
    { target: 32 - Math.ceil(32 * 0.8) },
  );
  assert.throws(() => releasedArrangement("joint", { batchSize: 1, source: 1, target: 1 }), /not a released/);
  assert.throws(() => releasedArrangement("26hzhang", { batchSize: 0, source: 1, target: 1 }), /batchSize/);
});

Deno.test("arrangeEpoch: the mixed batches shuffled (Fisher–Yates, seeded), the appended ones after, in order", () => {
  const a = { mixed: { source: 5, target: 2 }, appended: { target: 3 } };
  const one = arrangeEpoch(a, ["source", "target"], createRng(3));
  const two = arrangeEpoch(a, ["source", "target"], createRng(3));
  assert.deepEqual(one, two);
  assert.equal(one.length, arrangementLength(a));
  assert.deepEqual(one.slice(7), ["target", "target", "target"]);
  assert.equal(one.slice(0, 7).filter((s) => s === "source").length, 5);
  // Every order of the head is reachable: over seeds the first slot is sometimes each stream.
  const firsts = new Set(
    Array.from({ length: 30 }, (_, i) => arrangeEpoch(a, ["source", "target"], createRng(i))[0]),
  );
  assert.deepEqual([...firsts].sort(), ["source", "target"]);
});
