import assert from "node:assert/strict";
import {
  blas,
  blasInfo,
  checkGemmBuffer,
  chooseCoreType,
  coreTypeFromCpuFlags,
  describeBlas,
  PINNED_CORETYPE,
  setBlasDisabled,
} from "./blas.ts";

const HAS_BLAS = blas() !== undefined;

Deno.test("coreTypeFromCpuFlags picks the widest OpenBLAS kernels the CPU flags allow", () => {
  const flags = (f: string) => `processor\t: 0\nflags\t\t: fpu sse sse2 ${f}\n`;
  assert.equal(coreTypeFromCpuFlags(flags("avx avx2 fma avx512f avx512bw avx512vl avx512dq")), "SkylakeX");
  assert.equal(coreTypeFromCpuFlags(flags("avx avx2 fma avx512f")), "Haswell");
  assert.equal(coreTypeFromCpuFlags(flags("avx")), "Sandybridge");
  assert.equal(coreTypeFromCpuFlags(flags("ssse3")), undefined);
  assert.equal(coreTypeFromCpuFlags("Features\t: fp asimd\n"), undefined);
});

Deno.test("chooseCoreType: pinned Haswell on every AVX2 + FMA CPU, the widest with fastest, a name as asked", () => {
  const flags = (f: string) => `processor\t: 0\nflags\t\t: fpu sse sse2 ${f}\n`;
  const skx = flags("avx avx2 fma avx512f avx512bw avx512vl avx512dq");
  assert.deepEqual(chooseCoreType(skx, "pinned"), { core: PINNED_CORETYPE, policy: "pinned" });
  assert.deepEqual(chooseCoreType(flags("avx avx2 fma"), "pinned"), { core: "Haswell", policy: "pinned" });
  assert.deepEqual(chooseCoreType(flags("avx"), "pinned"), {
    core: "Sandybridge",
    policy: "pinned, not applicable (no AVX2 + FMA)",
  });
  assert.deepEqual(chooseCoreType(skx, "fastest"), { core: "SkylakeX", policy: "fastest" });
  assert.deepEqual(chooseCoreType(skx, "Zen"), { core: "Zen", policy: "requested" });
  assert.equal(
    describeBlas({
      available: true,
      mode: "auto",
      path: "x",
      config: "OpenBLAS 0.3.21 X",
      coreType: "Prescott",
      coreTypeAsked: "Haswell",
      coreTypePolicy: "pinned",
      threads: 1,
    }),
    "OpenBLAS 0.3.21 (Haswell asked, Prescott used, pinned, 1 thread)",
  );
});

Deno.test({
  name: "OpenBLAS sgemm: row-major products with every transpose, on views, reproducibly",
  ignore: !HAS_BLAS,
  fn: () => {
    const b = blas()!;
    const info = blasInfo();
    assert.ok(info.available && info.threads! >= 1 && info.coreType, JSON.stringify(info));
    assert.match(describeBlas(info), /^OpenBLAS \S+ \(\S+.*, \d+ threads?\)$/);
    // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[1, 0], [0, 1], [1, 1]] (3×2): A·B = [[4, 5], [10, 11]].
    const A = Float32Array.of(1, 2, 3, 4, 5, 6);
    const At = Float32Array.of(1, 4, 2, 5, 3, 6);
    const B = Float32Array.of(1, 0, 0, 1, 1, 1);
    const Bt = Float32Array.of(1, 0, 1, 0, 1, 1);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const C = new Float32Array(8).fill(7);
      // Write into a view (offset 2) and accumulate onto ones (beta = 1).
      const view = C.subarray(2, 6);
      view.fill(1);
      b.sgemm(ta, tb, 2, 2, 3, 1, ta ? At : A, ta ? 2 : 3, tb ? Bt : B, tb ? 3 : 2, 1, view, 2);
      assert.deepEqual(Array.from(C), [7, 7, 5, 6, 11, 12, 7, 7], `transposeA ${ta}, transposeB ${tb}`);
    }
    // Bit-identical run to run on a product large enough to be threaded.
    const [M, N, K] = [130, 170, 300];
    const x = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
    const y = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i));
    const r1 = new Float32Array(M * N);
    const r2 = new Float32Array(M * N);
    b.sgemm(false, false, M, N, K, 1, x, K, y, N, 0, r1, N);
    b.sgemm(false, false, M, N, K, 1, x, K, y, N, 0, r2, N);
    assert.deepEqual(r1, r2);
  },
});

Deno.test("setBlasDisabled switches the library off and on for this process", () => {
  const before = blas();
  setBlasDisabled(true);
  try {
    assert.equal(blas(), undefined);
  } finally {
    setBlasDisabled(false);
  }
  assert.equal(blas(), before);
});

async function probe(env: Record<string, string>): Promise<string> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    `import { blas, blasInfo } from ${JSON.stringify(new URL("./blas.ts", import.meta.url).href)};
    try { const b = blas(); console.log(JSON.stringify({ loaded: !!b, info: blasInfo() })); }
    catch (e) { console.log(JSON.stringify({ error: e.name + ": " + e.message })); }`,
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      env: { TAGBENCH_BLAS: "auto", ...env }, // not the test run's own setting
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  } finally {
    await Deno.remove(script);
  }
}

Deno.test("TAGBENCH_BLAS=off and a missing library fall back cleanly; TAGBENCH_BLAS=openblas insists", async () => {
  const off = JSON.parse(await probe({ TAGBENCH_BLAS: "off" }));
  assert.equal(off.loaded, false);
  assert.equal(off.info.reason, "TAGBENCH_BLAS=off");
  const missing = JSON.parse(await probe({ TAGBENCH_BLAS_LIB: "/nonexistent/libopenblas.so.0" }));
  assert.equal(missing.loaded, false);
  assert.match(
    missing.info.reason,
    /cannot load \/nonexistent\/libopenblas\.so\.0.*apt-get install -y libopenblas0-pthread/,
  );
  const insist = JSON.parse(
    await probe({ TAGBENCH_BLAS: "openblas", TAGBENCH_BLAS_LIB: "/nonexistent/libopenblas.so.0" }),
  );
  assert.match(insist.error, /^BlasError: TAGBENCH_BLAS=openblas, but OpenBLAS is not usable/);
  const core = JSON.parse(await probe({ TAGBENCH_BLAS_CORETYPE: "Has well" }));
  assert.match(core.error, /TAGBENCH_BLAS_CORETYPE must be pinned, fastest or an OpenBLAS core name/);
  const bad = JSON.parse(await probe({ TAGBENCH_BLAS: "mkl" }));
  assert.match(bad.error, /TAGBENCH_BLAS must be auto, openblas or off, got "mkl"/);
});

Deno.test("checkGemmBuffer: a buffer shorter than its shape (or a row stride below the columns) is refused", () => {
  checkGemmBuffer("A", new Float32Array(6), 2, 3, 3);
  checkGemmBuffer("A", new Float32Array(8), 2, 3, 5); // (2 − 1)·5 + 3
  checkGemmBuffer("A", new Float32Array(0), 0, 3, 3);
  assert.throws(
    () => checkGemmBuffer("C", new Float32Array(5), 2, 3, 3),
    /^RangeError: sgemm: operand C of 2 × 3/,
  );
  assert.throws(() => checkGemmBuffer("B", new Float32Array(9), 3, 3, 2), /row stride 2/);
});
