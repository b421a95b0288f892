import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import {
  computeFans,
  createRng,
  deriveSeed,
  glorotUniform,
  normal,
  orthogonal,
  restoreRng,
  type RngState,
  uniform,
  zeros,
} from "./init.ts";
import { assertClose, testBackends, useBackend } from "./_testing.ts";

Deno.test("createRng: deterministic per seed, numbers and strings, values in [0, 1)", () => {
  const a = createRng(42), b = createRng(42), c = createRng(43), d = createRng("42");
  const xa = Array.from({ length: 1000 }, a);
  assert.deepEqual(Array.from({ length: 1000 }, b), xa);
  assert.notDeepEqual(Array.from({ length: 1000 }, c), xa);
  assert.deepEqual(Array.from({ length: 1000 }, d), xa, "number seeds are hashed as String(seed)");
  assert.ok(xa.every((x) => x >= 0 && x < 1));
  const mean = xa.reduce((s, x) => s + x, 0) / xa.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

Deno.test("deriveSeed: 31-bit non-negative integers, deterministic", () => {
  const r = createRng(1);
  const seeds = Array.from({ length: 100 }, () => deriveSeed(r));
  assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31));
  assert.equal(new Set(seeds).size, 100);
  assert.equal(deriveSeed(createRng(1)), seeds[0]);
});

Deno.test("computeFans: Keras convention", () => {
  assert.deepEqual(computeFans([10, 20]), [10, 20]);
  assert.deepEqual(computeFans([7]), [7, 7]);
  assert.deepEqual(computeFans([3, 5, 8]), [15, 24]); // conv1d kernel [width, in, out]
});

for (const backend of testBackends()) {
  Deno.test(`initialisers: shapes, ranges and moments (${backend})`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const g = glorotUniform(createRng(1), [200, 300]);
    const limit = Math.sqrt(6 / 500);
    const gv = g.dataSync() as Float32Array;
    assert.deepEqual(g.shape, [200, 300]);
    assert.equal(g.dtype, "float32");
    assert.ok(gv.every((x) => Math.abs(x) <= limit));
    const variance = gv.reduce((s, x) => s + x * x, 0) / gv.length;
    assertClose([variance], [limit * limit / 3], 0, 0.03, "glorot variance");
    const g2 = glorotUniform(createRng(1), [4, 4], 10, 14);
    assert.ok(
      g2.dataSync().every((x) => Math.abs(x) <= 0.5) && g2.dataSync().some((x) => Math.abs(x) > 0.25),
    );
    const ut = uniform(createRng(2), [1000], 0.1);
    const u = ut.dataSync();
    assert.ok(u.every((x) => x >= -0.1 && x < 0.1));
    const nt = normal(createRng(3), [20000], 2);
    const n = nt.dataSync() as Float32Array;
    const m = n.reduce((s, x) => s + x, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, x) => s + (x - m) ** 2, 0) / n.length);
    assert.ok(Math.abs(m) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${m}, std ${sd}`);
    const z = zeros([2, 3]);
    assert.deepEqual(Array.from(z.dataSync()), [0, 0, 0, 0, 0, 0]);
    assert.throws(() => uniform(createRng(1), [2, -1], 1), /Invalid shape/);
    tf.dispose([g, g2, z, ut, nt]);
    assert.equal(tf.memory().numTensors, before);
  });

  Deno.test(`orthogonal: orthonormal columns (n ≥ m) or rows (n < m) (${backend})`, async () => {
    await useBackend(backend);
    for (const [n, m] of [[50, 50], [80, 20], [20, 80]] as [number, number][]) {
      const w = orthogonal(createRng(n + m), [n, m]);
      assert.deepEqual(w.shape, [n, m]);
      const gram = n >= m ? tf.matMul(w, w, true, false) : tf.matMul(w, w, false, true);
      const k = Math.min(n, m);
      const eye = tf.eye(k);
      assertClose(gram.dataSync(), eye.dataSync(), 1e-5, 0, `[${n}, ${m}] gram`);
      tf.dispose([w, gram, eye]);
    }
    const scaled = orthogonal(createRng(1), [3, 3], 2);
    const col0 = [0, 3, 6].map((i) => scaled.dataSync()[i]);
    assertClose([Math.hypot(...col0)], [2], 1e-6);
    scaled.dispose();
  });
}

Deno.test("initialisers give bit-identical values on every backend", async () => {
  const results: Float32Array[] = [];
  for (const backend of testBackends()) {
    await useBackend(backend);
    const r = createRng(99);
    const ts = [glorotUniform(r, [5, 7]), normal(r, [9], 1), orthogonal(r, [6, 4])];
    results.push(Float32Array.from(ts.flatMap((t) => Array.from(t.dataSync()))));
    tf.dispose(ts);
  }
  for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
});

Deno.test("createRng: the stream is seedrandom's Alea unchanged; state() reads it, restoreRng continues it", () => {
  const plain = seedrandom.alea("42");
  const r = createRng(42);
  const first = Array.from({ length: 1000 }, () => r());
  assert.deepEqual(first, Array.from({ length: 1000 }, () => plain()));
  const s = r.state();
  assert.deepEqual(r.state(), s, "state() draws nothing");
  const copy = restoreRng(JSON.parse(JSON.stringify(s)));
  const next = Array.from({ length: 1000 }, () => r());
  assert.deepEqual(Array.from({ length: 1000 }, () => copy()), next, "the restored Rng continues exactly");
  assert.deepEqual(next, Array.from({ length: 1000 }, () => plain()));
  assert.deepEqual(copy.state(), r.state());
  // Restoring twice from one state gives two independent generators with the same stream.
  const a = restoreRng(s);
  const b = restoreRng(s);
  a();
  assert.equal(b(), restoreRng(s)());
  assert.throws(() => restoreRng({ c: 1, s0: NaN, s1: 0, s2: 0 }), /expected an Alea state/);
  assert.throws(() => restoreRng(null as unknown as RngState), /expected an Alea state/);
});
