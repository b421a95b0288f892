/**
 * OpenBLAS `cblas_sgemm` through Deno FFI, loaded lazily, with a clean fallback when it is missing.
 *
 * Single-threaded wasm matmul tops out near 24 GFLOP/s here; Debian's OpenBLAS (pthread build, one thread)
 * reaches 40–100 GFLOP/s on the per-step products of recurrent layers and ~140 GFLOP/s on large products. {@link blas} returns the library, or `undefined` when it is
 * switched off, absent or not loadable (no `--allow-ffi`); callers then use their wasm/JavaScript path.
 *
 * Environment (read once, on first use):
 * - `TAGBENCH_BLAS`: unset or `auto` = use OpenBLAS when present; `openblas` = require it ({@link blas} throws a
 *   {@link BlasError} with the install hint when it cannot be loaded); `off` = never use it.
 * - `TAGBENCH_BLAS_LIB`: path of the library (default: Debian's `libopenblas0-pthread` location). Do not point it
 *   at the OpenMP build (`openblas-openmp`): it made the Deno process segfault at exit.
 * - `TAGBENCH_BLAS_THREADS`: OpenBLAS threads for large products (default 1). Fixed rather than taken from the
 *   machine because the thread count can change the last bits of large products (see below); and one thread
 *   was as fast or faster on the shared 2-core machine this was tuned on, where a second busy process makes
 *   two-thread products wait for a descheduled thread. On a dedicated machine `2` speeds up large products
 *   (input projections, weight gradients) by up to ~1.5×. Products below {@link SINGLE_THREAD_BELOW}
 *   multiply-adds always use one thread.
 * - `OPENBLAS_CORETYPE`: when unset, it is set from the CPU flags before loading (`SkylakeX` with AVX-512,
 *   `Haswell` with AVX2 + FMA, `Sandybridge` with AVX). Debian's OpenBLAS 0.3.21 does not recognise recent Xeons
 *   and falls back to its slowest x86-64 kernels (`Prescott`, ~26 GFLOP/s instead of ~130 here).
 *
 * Reproducibility: with a fixed core type and thread count, `sgemm` gave bit-identical results run to run
 * (checked in `blas_test.ts`). A different thread count or core type (another CPU) can change the last bits of
 * large products and therefore training trajectories; {@link BlasInfo} records both, and the kernel notes of
 * `initBackend` name them.
 *
 * Install: `apt-get install -y libopenblas0-pthread` (Debian/Ubuntu).
 *
 * @module
 */

/** Why OpenBLAS could not be used although `TAGBENCH_BLAS=openblas` asked for it. */
export class BlasError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlasError";
  }
}

/** What was loaded (or why not). */
export interface BlasInfo {
  /** True when {@link blas} returns a library. */
  available: boolean;
  /** `TAGBENCH_BLAS` as understood. */
  mode: "auto" | "openblas" | "off";
  /** Path that was (or would have been) loaded. */
  path: string;
  /** `openblas_get_config()`, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64`. */
  config?: string;
  /** `openblas_get_corename()`, e.g. `SkylakeX`. */
  coreType?: string;
  /** Whether tagbench set `OPENBLAS_CORETYPE` (from the CPU flags) before loading. */
  coreTypeSetByTagbench?: boolean;
  threads?: number;
  /** Why it is not available (absent when available). */
  reason?: string;
}

/** The loaded library: row-major single-precision GEMM on Float32Arrays (views allowed). */
export interface Blas {
  /**
   * C ← alpha·op(A)·op(B) + beta·C, row-major; op(X) = Xᵀ when the flag is set. `op(A)` is `[M, K]`, `op(B)`
   * `[K, N]`, C `[M, N]` with leading dimensions (row strides) `lda`, `ldb`, `ldc`.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    beta: number,
    C: Float32Array,
    ldc: number,
  ): void;
  readonly info: BlasInfo;
}

/** Debian/Ubuntu locations of the pthread build of OpenBLAS (package `libopenblas0-pthread`). */
export const DEFAULT_BLAS_PATHS: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
];

/** Default OpenBLAS thread count (see the module doc for why). */
export const DEFAULT_BLAS_THREADS = 1;

/** Products with fewer multiply-adds (M·N·K) than this run on one thread (measured faster here for the
 * recurrent products, e.g. 32×900×300: 167 µs on one thread, 200 µs on two). */
export const SINGLE_THREAD_BELOW = 1 << 24;

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  openblas_get_corename: { parameters: [], result: "pointer" },
  openblas_get_config: { parameters: [], result: "pointer" },
} as const;

let loaded: { blas?: Blas; info: BlasInfo } | undefined;
let disabled = false;

/**
 * Switches OpenBLAS off for this process (`true`: {@link blas} returns `undefined`, so the wasm `BatchMatMul`
 * kernel and the host products take their fallback paths) or back on (`false`). For tests and benchmarks that
 * compare both paths in one process; the environment (`TAGBENCH_BLAS`) is the normal way to choose.
 */
export function setBlasDisabled(off: boolean): void {
  disabled = off;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env
  }
}

/** OpenBLAS core type for the CPU flags of /proc/cpuinfo, or undefined (not x86 / not readable). */
export function coreTypeFromCpuFlags(cpuinfo: string): string | undefined {
  const line = cpuinfo.split("\n").find((l) => l.startsWith("flags"));
  if (!line) return undefined;
  const flags = new Set(line.split(":")[1]?.trim().split(/\s+/) ?? []);
  if (["avx512f", "avx512bw", "avx512vl", "avx512dq"].every((f) => flags.has(f))) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  if (flags.has("avx")) return "Sandybridge";
  return undefined;
}

function readMode(): BlasInfo["mode"] {
  const m = (env("TAGBENCH_BLAS") ?? "auto").toLowerCase();
  if (m === "auto" || m === "openblas" || m === "off") return m;
  throw new BlasError(`TAGBENCH_BLAS must be auto, openblas or off, got "${m}"`);
}

function cString(p: Deno.PointerValue): string | undefined {
  return p === null ? undefined : new Deno.UnsafePointerView(p).getCString();
}

function load(): { blas?: Blas; info: BlasInfo } {
  const mode = readMode();
  const explicitPath = env("TAGBENCH_BLAS_LIB");
  let path = explicitPath ?? DEFAULT_BLAS_PATHS[0];
  if (mode === "off") return { info: { available: false, mode, path, reason: "TAGBENCH_BLAS=off" } };
  if (!explicitPath) {
    for (const p of DEFAULT_BLAS_PATHS) {
      try {
        Deno.statSync(p);
        path = p;
        break;
      } catch {
        // try the next one
      }
    }
  }
  const threadsEnv = env("TAGBENCH_BLAS_THREADS");
  const threads = threadsEnv === undefined ? DEFAULT_BLAS_THREADS : Number(threadsEnv);
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new BlasError(`TAGBENCH_BLAS_THREADS must be a positive integer, got "${threadsEnv}"`);
  }
  let coreTypeSetByTagbench = false;
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    Deno.statSync(path);
    if (env("OPENBLAS_CORETYPE") === undefined) {
      let cpuinfo = "";
      try {
        cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
      } catch {
        // not Linux, or no read permission: let OpenBLAS detect the CPU itself
      }
      const core = coreTypeFromCpuFlags(cpuinfo);
      if (core) {
        Deno.env.set("OPENBLAS_CORETYPE", core);
        coreTypeSetByTagbench = true;
      }
    }
    lib = Deno.dlopen(path, SYMBOLS);
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    const info: BlasInfo = {
      available: false,
      mode,
      path,
      reason: `cannot load ${path}: ${why} (install with \`apt-get install -y libopenblas0-pthread\`, ` +
        `and run Deno with --allow-ffi)`,
    };
    return { info };
  }
  const s = lib.symbols;
  s.openblas_set_num_threads(threads);
  const info: BlasInfo = {
    available: true,
    mode,
    path,
    config: cString(s.openblas_get_config())?.trim(),
    coreType: cString(s.openblas_get_corename()),
    coreTypeSetByTagbench,
    threads: s.openblas_get_num_threads(),
  };
  let current = info.threads!;
  const blasImpl: Blas = {
    info,
    sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) {
      if (M === 0 || N === 0) return;
      // Small products (the per-step products of recurrent layers) run faster on one thread: splitting ~32
      // rows between threads costs more than it saves. A function of the shape only, so still reproducible.
      const want = M * N * K < SINGLE_THREAD_BELOW ? 1 : threads;
      if (want !== current) {
        s.openblas_set_num_threads(want);
        current = want;
      }
      s.cblas_sgemm(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        M,
        N,
        K,
        alpha,
        A,
        lda,
        B,
        ldb,
        beta,
        C,
        ldc,
      );
    },
  };
  return { blas: blasImpl, info };
}

/**
 * The OpenBLAS library, loaded on first call (settings read then), or `undefined` when it is off or cannot be
 * loaded.
 *
 * @throws {BlasError} when `TAGBENCH_BLAS=openblas` but the library cannot be loaded, or an environment
 * variable has an invalid value.
 */
export function blas(): Blas | undefined {
  if (disabled) return undefined;
  loaded ??= load();
  if (!loaded.blas && loaded.info.mode === "openblas") {
    throw new BlasError(`TAGBENCH_BLAS=openblas, but OpenBLAS is not usable: ${loaded.info.reason}`);
  }
  return loaded.blas;
}

/** What {@link blas} found (loads the library if that has not happened yet). */
export function blasInfo(): BlasInfo {
  loaded ??= load();
  return { ...loaded.info };
}

/** A one-line description for logs and manifests, e.g. `OpenBLAS 0.3.21 (SkylakeX, 2 threads)`. */
export function describeBlas(info: BlasInfo = blasInfo()): string {
  if (!info.available) return `no BLAS (${info.reason})`;
  const version = info.config?.split(" ").slice(0, 2).join(" ") ?? "OpenBLAS";
  const core = `${info.coreType}${info.coreTypeSetByTagbench ? " via OPENBLAS_CORETYPE" : ""}`;
  return `${version} (${core}, ${info.threads} thread${info.threads === 1 ? "" : "s"})`;
}
