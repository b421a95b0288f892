import assert from "node:assert/strict";
import { createRng } from "../../models/init.ts";
import { makeBatches } from "../../models/vocab.ts";
import { BatchStream, shuffle, type StreamBatch } from "./streams.ts";
import { LoopSpecError } from "./spec_error.ts";

const take = (s: BatchStream, n: number): StreamBatch[] => Array.from({ length: n }, () => s.next());

Deno.test("shuffle: a seeded Fisher–Yates permutation", () => {
  const a = shuffle(20, createRng(1));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(shuffle(20, createRng(1)), a);
  assert.notDeepEqual(shuffle(20, createRng(2)), a);
  assert.deepEqual(shuffle(0, createRng(1)), []);
  assert.deepEqual(shuffle(1, createRng(1)), [0]);
});

Deno.test("BatchStream: unshuffled passes in file order, pass boundaries reported", () => {
  const s = new BatchStream({ name: "train", size: 5, batchSize: 2, order: "sequential" });
  assert.equal(s.perPass, 3);
  const got = take(s, 7);
  assert.deepEqual(got.map((b) => b.ids), [[0, 1], [2, 3], [4], [0, 1], [2, 3], [4], [0, 1]]);
  assert.deepEqual(got.map((b) => b.endOfPass), [false, false, true, false, false, true, false]);
  assert.deepEqual(got.map((b) => b.pass), [0, 0, 0, 1, 1, 1, 2]);
  assert.deepEqual(got.map((b) => b.index), [0, 1, 2, 0, 1, 2, 0]);
  assert.deepEqual(s.state(), { passesCompleted: 2, position: 1, batchesTaken: 7 });
  assert.equal(got[0].stream, "train");
});

Deno.test("BatchStream: shuffled passes are one permutation per pass from the stream's own Rng", () => {
  const s = new BatchStream({ name: "t", size: 7, batchSize: 3, order: "shuffled" }, createRng(5));
  const got = take(s, 6).map((b) => b.ids);
  const rng = createRng(5);
  const expected = [...makeBatches(shuffle(7, rng), 3), ...makeBatches(shuffle(7, rng), 3)];
  assert.deepEqual(got, expected);
  assert.notDeepEqual(got.slice(0, 3), got.slice(3));
});

Deno.test("BatchStream: length bucketing sorts within windows, then shuffles the batch order (DATNet)", () => {
  const lengths = Array.from({ length: 30 }, (_, i) => (i * 7) % 11 + 1);
  const lengthOf = (i: number) => lengths[i];
  const spec = { name: "t", size: 30, batchSize: 4, order: "shuffled" as const, bucketByLength: true };
  const s = new BatchStream(spec, createRng(3), lengthOf);
  const got = take(s, s.perPass).map((b) => b.ids);
  const rng = createRng(3);
  const batches = makeBatches(shuffle(30, rng), 4, lengthOf, true);
  assert.deepEqual(got, shuffle(batches.length, rng).map((i) => batches[i]));
  assert.deepEqual(got.flat().sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
  const seq = new BatchStream({ ...spec, order: "sequential" }, undefined, lengthOf);
  const first = take(seq, seq.perPass).map((b) => b.ids.map(lengthOf));
  assert.deepEqual(first.flat(), [...lengths].sort((a, b) => a - b), "one window: fully sorted, in order");
});

Deno.test("BatchStream: an empty stream yields one empty batch per pass", () => {
  const s = new BatchStream({ name: "zero", size: 0, batchSize: 4, order: "shuffled" }, createRng(1));
  assert.equal(s.perPass, 1);
  const got = take(s, 3);
  assert.deepEqual(got.map((b) => [b.ids, b.endOfPass, b.pass]), [[[], true, 0], [[], true, 1], [
    [],
    true,
    2,
  ]]);
  assert.equal(s.passesCompleted, 3);
});

Deno.test("BatchStream: invalid declarations throw LoopSpecError naming the stream", () => {
  const bad = [
    [{ name: "", size: 1, batchSize: 1, order: "sequential" }, /non-empty name/],
    [{ name: "a", size: -1, batchSize: 1, order: "sequential" }, /Stream "a" size must be an integer ≥ 0/],
    [
      { name: "a", size: 3, batchSize: 0, order: "sequential" },
      /Stream "a" batchSize must be an integer ≥ 1/,
    ],
    [{ name: "a", size: 3, batchSize: 1, order: "random" }, /order must be "shuffled" or "sequential"/],
    [{ name: "a", size: 3, batchSize: 1, order: "shuffled" }, /Stream "a" is shuffled but no Rng/],
    [{ name: "a", size: 3, batchSize: 1, order: "sequential", bucketByLength: true }, /no lengthOf/],
  ] as const;
  for (const [spec, re] of bad) {
    assert.throws(
      () => new BatchStream(spec as never),
      (e: Error) => e instanceof LoopSpecError && re.test(e.message),
    );
  }
});
