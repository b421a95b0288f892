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
 * - `TAGBENCH_BLAS_CORETYPE`: which OpenBLAS kernels (`OPENBLAS_CORETYPE`, set before loading):
 *   - unset or `pinned` (default): `Haswell` on every CPU with AVX2 + FMA, whatever else it has. Each core type
 *     sums a product in its own order, so the same run gave different metrics on an AVX-512 Xeon (where
 *     detection picks `SkylakeX`) and on an AVX2 machine; pinned, every AVX2 machine (Intel or AMD, with or
 *     without AVX-512) computes the same bits. A CPU without AVX2 + FMA cannot run them: OpenBLAS's choice
 *     from the flags is used and {@link BlasInfo} says the pin did not apply.
 *   - `fastest`: the widest kernels the CPU flags allow (`SkylakeX` with AVX-512, `Haswell` with AVX2 + FMA,
 *     `Sandybridge` with AVX) — faster on AVX-512 machines, but not bit-identical with the pinned default.
 *   - an OpenBLAS core name (`Haswell`, `Zen`, `SkylakeX`, `Sandybridge`, …): that one (a core type the CPU
 *     cannot run stops the process with an illegal instruction).
 *   An `OPENBLAS_CORETYPE` already in the environment wins over all three and is recorded as such. Debian's
 *   OpenBLAS 0.3.21 left to itself does not recognise recent Xeons and falls back to its slowest x86-64 kernels
 *   (`Prescott`, ~26 GFLOP/s instead of ~130).
 * - `TAGBENCH_CPUINFO` (test hook): a file read instead of `/proc/cpuinfo`, to simulate another CPU's flags.
 *
 * Reproducibility: with a fixed core type and thread count, `sgemm` gave bit-identical results run to run
 * (checked in `blas_test.ts`), and the pinned default gives the same predictions whatever core type detection
 * would pick (`blas_pin_test.ts`, against a stored reference hash). A different thread count or core type can
 * change the last bits of large products and therefore training trajectories; {@link BlasInfo} records both
 * and how the core type was chosen, and the manifest records {@link describeBlas}.
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
  /** Whether tagbench set `OPENBLAS_CORETYPE` before loading (else the environment or OpenBLAS chose). */
  coreTypeSetByTagbench?: boolean;
  /**
   * How the core type was chosen: `pinned` (the default, {@link PINNED_CORETYPE}), `pinned, not applicable`
   * (a CPU without AVX2 + FMA: OpenBLAS's choice), `fastest`, `requested` (a core name in
   * `TAGBENCH_BLAS_CORETYPE`), `environment` (`OPENBLAS_CORETYPE` was set).
   */
  coreTypePolicy?: string;
  /** The core type tagbench asked for, when it set one (OpenBLAS may report another if it cannot use it). */
  coreTypeAsked?: string;
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

/** The core type every AVX2 + FMA machine runs, pinned by default (see the module doc). */
export const PINNED_CORETYPE = "Haswell";

/**
 * The OpenBLAS core type a policy picks for the CPU flags of /proc/cpuinfo (see the module doc):
 * `pinned` → {@link PINNED_CORETYPE} where AVX2 + FMA exist, else the detected one; `fastest` → the detected
 * one ({@link coreTypeFromCpuFlags}); any other value is an OpenBLAS core name, returned as is.
 *
 * @returns The core type (undefined: leave it to OpenBLAS) and the policy line recorded in {@link BlasInfo}.
 */
export function chooseCoreType(cpuinfo: string, policy: string): { core?: string; policy: string } {
  const detected = coreTypeFromCpuFlags(cpuinfo);
  if (policy === "pinned") {
    const flags = cpuFlags(cpuinfo);
    return flags.has("avx2") && flags.has("fma")
      ? { core: PINNED_CORETYPE, policy: "pinned" }
      : { core: detected, policy: "pinned, not applicable (no AVX2 + FMA)" };
  }
  if (policy === "fastest") return { core: detected, policy: "fastest" };
  return { core: policy, policy: "requested" };
}

function cpuFlags(cpuinfo: string): Set<string> {
  const line = cpuinfo.split("\n").find((l) => l.startsWith("flags"));
  return new Set(line?.split(":")[1]?.trim().split(/\s+/) ?? []);
}

/** The widest OpenBLAS core type the CPU flags of /proc/cpuinfo allow, or undefined (not x86 / not readable). */
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
  const requested = env("TAGBENCH_BLAS_CORETYPE") ?? "pinned";
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(requested)) {
    throw new BlasError(
      `TAGBENCH_BLAS_CORETYPE must be pinned, fastest or an OpenBLAS core name (e.g. Haswell), got "${requested}"`,
    );
  }
  let coreTypeSetByTagbench = false;
  let coreTypePolicy = "environment";
  let coreTypeAsked: string | undefined;
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    Deno.statSync(path);
    if (env("OPENBLAS_CORETYPE") === undefined) {
      let cpuinfo = "";
      try {
        cpuinfo = Deno.readTextFileSync(env("TAGBENCH_CPUINFO") ?? "/proc/cpuinfo");
      } catch {
        // not Linux, or no read permission: let OpenBLAS detect the CPU itself
      }
      const chosen = chooseCoreType(cpuinfo, requested);
      coreTypePolicy = chosen.policy;
      if (chosen.core) {
        coreTypeAsked = chosen.core;
        Deno.env.set("OPENBLAS_CORETYPE", chosen.core);
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
    coreTypePolicy,
    coreTypeAsked,
    threads: s.openblas_get_num_threads(),
  };
  let current = info.threads!;
  const blasImpl: Blas = {
    info,
    sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) {
      if (M === 0 || N === 0) return;
      // OpenBLAS reads and writes through raw pointers: a buffer shorter than the shape says would be read or
      // overwritten past its end (heap corruption found only later, e.g. at exit), so the shapes are checked here.
      checkGemmBuffer("A", A, transA ? K : M, transA ? M : K, lda);
      checkGemmBuffer("B", B, transB ? N : K, transB ? K : N, ldb);
      checkGemmBuffer("C", C, M, N, ldc);
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
 * Checks that a row-major matrix of `rows` × `cols` with row stride `ld` fits in `buf`.
 *
 * @throws {RangeError} naming the operand when `ld < cols` or the buffer is shorter than (rows − 1)·ld + cols.
 */
export function checkGemmBuffer(
  name: string,
  buf: Float32Array,
  rows: number,
  cols: number,
  ld: number,
): void {
  if (rows === 0 || cols === 0) return;
  const need = (rows - 1) * ld + cols;
  if (ld < cols || buf.length < need) {
    throw new RangeError(
      `sgemm: operand ${name} of ${rows} × ${cols} (row stride ${ld}) needs ${need} floats, its buffer has ` +
        `${buf.length}`,
    );
  }
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

/**
 * A one-line description for logs and manifests, e.g. `OpenBLAS 0.3.21 (Haswell, pinned, 1 thread)`; a core
 * type OpenBLAS reports other than the one asked for is named too (`Haswell asked, Prescott used`).
 */
export function describeBlas(info: BlasInfo = blasInfo()): string {
  if (!info.available) return `no BLAS (${info.reason})`;
  const version = info.config?.split(" ").slice(0, 2).join(" ") ?? "OpenBLAS";
  const policy = info.coreTypePolicy ?? (info.coreTypeSetByTagbench ? "via OPENBLAS_CORETYPE" : "detected");
  const asked = info.coreTypeAsked && info.coreTypeAsked.toLowerCase() !== info.coreType?.toLowerCase()
    ? `${info.coreTypeAsked} asked, ${info.coreType} used`
    : info.coreType;
  const core = `${asked}, ${policy === "environment" ? "OPENBLAS_CORETYPE from the environment" : policy}`;
  return `${version} (${core}, ${info.threads} thread${info.threads === 1 ? "" : "s"})`;
}
