import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { uniqueName, useBackend } from "../../models/_testing.ts";
import {
  assignVariables,
  CHECKPOINT_FILE,
  CheckpointMismatchError,
  decodeCheckpointData,
  digest,
  encodeCheckpointData,
  readCheckpoint,
  readVariables,
  unitCheckpoint,
  withoutPrefix,
  withPrefix,
  writeCheckpoint,
} from "./checkpoint.ts";
import type { LoopCheckpoint } from "./loop.ts";

const DATA = {
  counts: [1, 2.5, -3e-300, Number.MAX_VALUE],
  odd: [NaN, Infinity, -Infinity, -0, 0],
  nested: { maybe: undefined, none: null, yes: true, text: "x\ny", list: [undefined, [1], {}] },
  w: Float32Array.from([0.1, -2, 3.5e-38, NaN]),
  empty: new Float32Array(0),
};

Deno.test("checkpoint data: plain data and Float32Arrays round-trip exactly through JSON", () => {
  const { tree, arrays } = encodeCheckpointData(DATA);
  assert.equal(arrays.length, 2);
  const back = decodeCheckpointData(JSON.parse(JSON.stringify(tree)), arrays) as typeof DATA;
  assert.deepEqual(back, DATA);
  assert.ok(Object.is(back.odd[3], -0) && Object.hasOwn(back.nested, "maybe"));
  for (const bad of [{ f: () => 1 }, { m: new Map() }, { d: new Date(0) }, { i: new Int32Array(1) }]) {
    assert.throws(() => encodeCheckpointData(bad), /not plain data or a Float32Array/);
  }
  assert.throws(
    () => encodeCheckpointData({ a: [{ $f32: 0 }] }),
    /key "\$f32" at data.a\[0\] starts with "\$"/,
  );
});

Deno.test("writeCheckpoint/readCheckpoint: atomic replace, stale files removed, damage detected", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tagbench_ckpt_" });
  try {
    assert.equal(await readCheckpoint(`${dir}/none`), undefined, "no directory: no checkpoint");
    const unit = { trainer: "test", configHash: "abc" };
    const position = { iteration: 3, epochsCompleted: 1, evaluations: 1 };
    const info = await writeCheckpoint(dir, { unit, position, data: DATA });
    assert.equal(info.arrayBytes, 16);
    assert.ok(info.bytes > 16 && info.seconds >= 0);
    const first = await readCheckpoint(dir);
    assert.deepEqual(first, { unit, position, data: DATA });
    // A crashed earlier write left a tmp file; the next write replaces the checkpoint and cleans up.
    await Deno.writeTextFile(`${dir}/tmp-crashed.json`, "{");
    const data2 = { ...DATA, w: Float32Array.from([7, 8]) };
    await writeCheckpoint(dir, { unit, position: { ...position, iteration: 6 }, data: data2 });
    const files = [];
    for await (const e of Deno.readDir(dir)) files.push(e.name);
    assert.equal(files.length, 2, files.join(", "));
    assert.ok(files.includes(CHECKPOINT_FILE) && files.some((f) => /^arrays-.*\.f32$/.test(f)));
    const second = await readCheckpoint(dir);
    assert.deepEqual(second?.data, data2);
    assert.equal(second?.position.iteration, 6);
    // A damaged arrays file is refused.
    const bin = files.find((f) => f.endsWith(".f32"))!;
    const bytes = await Deno.readFile(`${dir}/${bin}`);
    bytes[0] ^= 1;
    await Deno.writeFile(`${dir}/${bin}`, bytes);
    await assert.rejects(() => readCheckpoint(dir), /is damaged \(size or sha256 differs\)/);
    await Deno.writeTextFile(`${dir}/${CHECKPOINT_FILE}`, JSON.stringify({ format: "other", version: 1 }));
    await assert.rejects(() => readCheckpoint(dir), /is not a tagbench-checkpoint version 1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("digest: canonical (key order, functions by presence, non-finite numbers)", () => {
  assert.equal(digest({ b: 1, a: [2, { d: undefined, c: NaN }] }), digest({ a: [2, { c: NaN }], b: 1 }));
  assert.equal(digest({ f: () => 1 }), digest({ f: () => 2 }));
  assert.notEqual(digest({ f: () => 1 }), digest({}));
  assert.notEqual(digest({ a: 1 }), digest({ a: 1.0000001 }));
  assert.match(digest(1), /^[0-9a-f]{64}$/);
});

Deno.test("readVariables/assignVariables: exact copies by name relative to the model; unitCheckpoint refuses other units", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const p1 = uniqueName("m");
  const p2 = uniqueName("m");
  const make = (p: string, x: number[]) => tf.tidy(() => tf.variable(tf.tensor2d([x]), true, `${p}/layer/w`));
  const a = make(p1, [0.1, 0.2, 0.3]);
  const b = make(p2, [0, 0, 0]);
  const saved = await readVariables([a], p1);
  assert.deepEqual(Object.keys(saved), ["layer/w"]);
  assignVariables([b], p2, saved);
  assert.deepEqual(b.dataSync(), a.dataSync());
  assert.throws(() => assignVariables([b], p2, {}), /no value for variable "layer\/w"/);
  assert.throws(
    () => assignVariables([b], p2, { ...saved, extra: new Float32Array(1) }),
    /variable "extra", which the model lacks/,
  );
  assert.throws(() => assignVariables([b], p2, { "layer/w": new Float32Array(2) }), /has 2 values/);
  await assert.rejects(() => readVariables([a], p2), /not under the model's name/);
  assert.deepEqual(withPrefix(withoutPrefix({ [`${p1}/x`]: 1 }, p1), p2), { [`${p2}/x`]: 1 });
  tf.dispose([a, b]);
  assert.equal(tf.memory().numTensors, before);

  const dir = await Deno.makeTempDir({ prefix: "tagbench_ckpt_" });
  try {
    const restored: unknown[] = [];
    const hooks = (configHash: string) =>
      unitCheckpoint<string, { w: Float32Array }>({
        dir,
        unit: { trainer: "toy", configHash },
        collect: () => Promise.resolve({ w: Float32Array.from([1, 2]) }),
        restore: (part, loop) => restored.push(part, loop.selected),
      });
    assert.equal(await hooks("aaaa").load(), undefined);
    const loop = {
      state: { iteration: 2, epochsCompleted: 1, evaluations: 1 },
      selected: { index: 0, artifact: "p" },
    };
    await hooks("aaaa").save(loop as unknown as LoopCheckpoint<string>);
    assert.deepEqual(await hooks("aaaa").load(), loop);
    assert.deepEqual(restored, [{ w: Float32Array.from([1, 2]) }, { index: 0, artifact: "p" }]);
    await assert.rejects(
      () => hooks("bbbb").load(),
      (e) =>
        e instanceof CheckpointMismatchError &&
        /^The checkpoint in .* belongs to another configuration \(config sha256 aaaa…, this unit's is bbbb…\), so it cannot be resumed here: delete it or use another checkpoint directory\.$/
          .test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
