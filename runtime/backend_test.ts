import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { BackendError, type BackendName, initBackend } from "./backend.ts";
import { KERNELS, registerKernels } from "./kernels/mod.ts";
import { assertClose } from "../models/_testing.ts";

Deno.test("initBackend: cpu and wasm are selected, checked and described", async () => {
  const cpu = await initBackend("cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(cpu.name, "cpu");
  assert.equal(cpu.tfjsVersion, "4.22.0");
  const wasm = await initBackend("wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.match(wasm.device, /^wasm \((no )?SIMD, \d+ threads?\)$/);
  assert.ok(tf.getKernel("UnsortedSegmentSum", "wasm"), "UnsortedSegmentSum registered for wasm");
  // Gradients are registered (tfjs-core's Node build has none by itself).
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
  assertClose(g.dataSync(), [2, 4]);
  g.dispose();
  assert.deepEqual(registerKernels("wasm"), [], "registering again adds nothing");
  assert.ok(KERNELS.every((k) => k.config.backendName && k.config.kernelName));
});

Deno.test("initBackend: wasm without read permission fails loudly instead of falling back to cpu", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    `import { initBackend } from ${JSON.stringify(new URL("./backend.ts", import.meta.url).href)};
    try { await initBackend("wasm"); console.log("UNEXPECTED OK"); }
    catch (e) { console.log(e.name + ": " + e.message); }`,
  );
  const root = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    // No --allow-read: the wasm backend cannot read its .wasm binary.
    args: ["run", "--no-prompt", "--allow-env", "--allow-sys", `--config=${root}deno.json`, script],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(script);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.match(text, /BackendError: Backend wasm failed to initialise; tfjs is on "cpu" instead/, text);
  assert.match(text, /--allow-read/);
});

Deno.test("initBackend: tensorflow / tensorflow-gpu reject fast with install instructions", async () => {
  for (const name of ["tensorflow", "tensorflow-gpu"] as const) {
    const pkg = name === "tensorflow" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
    const t0 = performance.now();
    await assert.rejects(initBackend(name), (e: Error) => {
      assert.ok(e instanceof BackendError, `${e}`);
      assert.ok(e.message.includes(`npm i ${pkg}@4.22.0`), e.message);
      assert.ok(e.message.includes("libtensorflow"), e.message);
      assert.ok(e.message.includes(`--backend ${name}`), e.message);
      return true;
    });
    assert.ok(performance.now() - t0 < 2000, "rejects without trying to download");
  }
  // If the package is there but fails to load (no libtensorflow), the load error is wrapped: a fake package
  // whose entry point throws as tfjs-node does without its native addon.
  const dir = await Deno.makeTempDir();
  const pkgDir = `${dir}/node_modules/@tensorflow/tfjs-node`;
  await Deno.mkdir(pkgDir, { recursive: true });
  await Deno.writeTextFile(
    `${pkgDir}/package.json`,
    JSON.stringify({ name: "@tensorflow/tfjs-node", main: "index.js" }),
  );
  await Deno.writeTextFile(
    `${pkgDir}/index.js`,
    'throw new Error("The Node.js native addon module (tfjs_binding.node) can not be found");',
  );
  const cwd = Deno.cwd();
  try {
    Deno.chdir(dir);
    await assert.rejects(
      initBackend("tensorflow"),
      (e: Error) =>
        e instanceof BackendError && /tfjs_binding\.node/.test(e.message) && /npm i/.test(e.message),
    );
    await assert.rejects(
      initBackend("tensorflow", { importer: () => Promise.reject(new Error("boom")) }),
      (e: Error) =>
        e instanceof BackendError && /importing @tensorflow\/tfjs-node failed \(boom\)/.test(e.message),
    );
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
  await initBackend("cpu");
});

Deno.test("initBackend: unknown names and failing imports give BackendError", async () => {
  await assert.rejects(
    initBackend("webgl" as unknown as BackendName),
    (e: Error) => e instanceof BackendError && /Unknown backend "webgl"/.test(e.message),
  );
  await assert.rejects(
    initBackend("cpu", { importer: () => Promise.reject(new Error("boom")) }),
    (e: Error) =>
      e instanceof BackendError && /importing @tensorflow\/tfjs-backend-cpu failed \(boom\)/.test(e.message),
  );
});

Deno.test({
  name: "initBackend: webgpu reports its adapter (or fails with BackendError)",
  // WebGPU keeps device resources open for the life of the process.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      const info = await initBackend("webgpu");
      assert.equal(tf.getBackend(), "webgpu");
      assert.match(info.device, /^webgpu: /);
      if (/fallback/.test(info.device)) assert.ok(info.notes.some((n) => /software/.test(n)));
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.mul(x, 2);
      assertClose(await y.data(), [2, 4, 6]);
      tf.dispose([x, y]);
    } catch (e) {
      assert.ok(e instanceof BackendError, `${e}`);
    } finally {
      await initBackend("cpu");
    }
  },
});

Deno.test("UnsortedSegmentSum on wasm equals cpu (float32 and int32, 3-D, out-of-range ids dropped)", async () => {
  const cases: { x: number[]; shape: number[]; dtype: "float32" | "int32"; ids: number[]; n: number }[] = [
    { x: [1, 2, 3, 4, 5, 6, 7, 8], shape: [4, 2], dtype: "float32", ids: [1, 1, 0, 3], n: 4 },
    {
      x: Array.from({ length: 24 }, (_, i) => i - 5),
      shape: [3, 2, 4],
      dtype: "int32",
      ids: [2, -1, 2],
      n: 3,
    },
    { x: [0.5, 1.5, 2.5], shape: [3], dtype: "float32", ids: [0, 5, 0], n: 2 },
  ];
  const results: Record<string, number[][]> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    results[backend] = cases.map((c) =>
      tf.tidy(() => {
        const y = tf.unsortedSegmentSum(tf.tensor(c.x, c.shape, c.dtype), tf.tensor1d(c.ids, "int32"), c.n);
        assert.deepEqual(y.shape, [c.n, ...c.shape.slice(1)]);
        // cpu returns float32 even for int32 x (a tfjs cpu quirk); ours keeps x's dtype, as TensorFlow does.
        if (backend === "wasm") assert.equal(y.dtype, c.dtype);
        return Array.from(y.dataSync());
      })
    );
  }
  assert.deepEqual(results.wasm, results.cpu);
  assert.deepEqual(results.wasm[0], [5, 6, 4, 6, 0, 0, 7, 8]);
});

Deno.test("GatherV2 on wasm (our fast path) equals cpu: axes, batchDims, dtypes, range errors", async () => {
  const cases: {
    shape: number[];
    dtype: "float32" | "int32" | "bool";
    idx: number[];
    idxShape: number[];
    axis: number;
    batchDims: number;
  }[] = [
    { shape: [6, 20], dtype: "float32", idx: [5, 0, 5, 2], idxShape: [4], axis: 0, batchDims: 0 }, // row copies
    { shape: [5, 3], dtype: "int32", idx: [4, 4, 1], idxShape: [3], axis: 0, batchDims: 0 }, // short rows
    { shape: [2, 4, 3], dtype: "float32", idx: [3, 0, 1, 1], idxShape: [2, 2], axis: 1, batchDims: 0 },
    { shape: [3, 4], dtype: "float32", idx: [2, 0], idxShape: [2], axis: 1, batchDims: 0 },
    { shape: [2, 5, 2], dtype: "float32", idx: [4, 0, 1, 3, 3, 2], idxShape: [2, 3], axis: 1, batchDims: 1 },
    { shape: [4], dtype: "bool", idx: [3, 0], idxShape: [2], axis: 0, batchDims: 0 },
    { shape: [4, 2], dtype: "float32", idx: [], idxShape: [0], axis: 0, batchDims: 0 },
  ];
  const results: Record<string, { shape: number[]; values: number[] }[]> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    results[backend] = cases.map((c) =>
      tf.tidy(() => {
        const n = c.shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(
          Array.from({ length: n }, (_, i) => (c.dtype === "bool" ? i % 2 : i * 1.5 - 3)),
          c.shape,
          c.dtype,
        );
        const y = tf.gather(x, tf.tensor(c.idx, c.idxShape, "int32"), c.axis, c.batchDims);
        assert.equal(y.dtype, c.dtype);
        return { shape: y.shape, values: Array.from(y.dataSync()) };
      })
    );
    assert.throws(
      () => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([3], "int32"))),
      /index value 3/,
    );
    assert.equal(tf.memory().numTensors, before);
  }
  assert.deepEqual(results.wasm, results.cpu);
  assert.ok(registerKernels("wasm").length === 0);
});
