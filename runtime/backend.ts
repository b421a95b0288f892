/**
 * Selects and checks the TensorFlow.js compute backend.
 *
 * tfjs silently falls back to `cpu` when a backend fails to initialise (e.g. wasm without `--allow-read`), which
 * makes training ~50× slower without a word. {@link initBackend} therefore verifies `tf.getBackend()` and throws a
 * {@link BackendError} instead.
 *
 * @example
 * ```ts
 * const info = await initBackend("wasm");
 * console.log(info.name, info.device, info.notes);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { createRequire } from "node:module";
import { fileURLToPath as fromFileUrl } from "node:url";
import { registerKernels } from "./kernels/mod.ts";

/** Backends tagbench can run on. `tensorflow*` need `@tensorflow/tfjs-node(-gpu)` installed by hand. */
export type BackendName = "wasm" | "cpu" | "webgpu" | "tensorflow" | "tensorflow-gpu";

/** All backend names, for CLI validation. */
export const BACKEND_NAMES: readonly BackendName[] = [
  "wasm",
  "cpu",
  "webgpu",
  "tensorflow",
  "tensorflow-gpu",
];

/** What {@link initBackend} found; recorded in the run manifest. */
export interface BackendInfo {
  name: BackendName;
  /** Human-readable device, e.g. `wasm (SIMD, 1 thread)` or the WebGPU adapter description. */
  device: string;
  /** `tf.version_core`. */
  tfjsVersion: string;
  /** Anything worth knowing: kernels added, software adapters, fallbacks. */
  notes: string[];
}

/** A backend could not be selected. The message says why and what to do. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/** tfjs-node version matching the tfjs-core in deno.json. */
export const TFJS_NODE_VERSION = "4.22.0";

/** Loads a module by specifier; replaceable in tests (see {@link initBackend}'s `importer` option). */
export type Importer = (specifier: string) => Promise<unknown>;

const defaultImporter: Importer = (specifier) => import(specifier);

let gradientsLoaded: Promise<void> | undefined;

/**
 * Registers tfjs' gradient functions (`tf.grad` of any built-in op). tfjs-core's Node build, which Deno loads,
 * ships none, and its ESM `dist/register_all_gradients.js` cannot be imported under Deno (extension-less relative
 * imports). The `@tensorflow/tfjs` union package's Node build bundles them and registers them on import
 * (into the global registry shared with tfjs-core); ~0.3 s once. Called by {@link initBackend}.
 */
export function ensureGradients(): Promise<void> {
  gradientsLoaded ??= import("@tensorflow/tfjs").then(() => {});
  return gradientsLoaded;
}

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Module loader (tests inject a failing one). Default: dynamic `import()`; for `tensorflow*`, Node's
   * `require` from the `node_modules` folder where the package was found. */
  importer?: Importer;
}

/**
 * Imports the backend package, selects it, waits for it and checks that tfjs really uses it.
 *
 * @throws {BackendError} when the backend is unknown, fails to initialise, or tfjs fell back to another one.
 */
export async function initBackend(name: BackendName, options: InitBackendOptions = {}): Promise<BackendInfo> {
  const importer = options.importer ?? defaultImporter;
  const notes: string[] = [];
  await ensureGradients();
  let device: string;
  switch (name) {
    case "cpu":
      await importOrThrow(importer, "@tensorflow/tfjs-backend-cpu", name);
      await selectAndCheck(name);
      // Silence the cpu backend's one-time "install tfjs-node" banner (it assumes Node.js).
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      device = "cpu (JavaScript, tfjs reference kernels)";
      break;
    case "wasm": {
      await importOrThrow(importer, "@tensorflow/tfjs-backend-wasm", name);
      await selectAndCheck(
        name,
        "wasm needs read access to its .wasm binary: run Deno with --allow-read (or -A)",
      );
      const wasmBackend = tf.backend() as unknown as { wasm?: { _getThreadsCount?: () => number } };
      const threads = safe(() => wasmBackend.wasm?._getThreadsCount?.()) ?? 1;
      const simd = await safeAsync(() => tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") as Promise<boolean>);
      device = `wasm (${simd ? "SIMD" : "no SIMD"}, ${threads} thread${threads === 1 ? "" : "s"})`;
      break;
    }
    case "webgpu": {
      const gpu =
        (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } })
          ?.gpu;
      if (!gpu) {
        throw new BackendError(
          "Backend webgpu is not available: navigator.gpu is undefined in this runtime (Deno exposes WebGPU; " +
            "older Deno needs --unstable-webgpu)",
        );
      }
      const adapter = await gpu.requestAdapter();
      if (!adapter) {
        throw new BackendError(
          "Backend webgpu is not available: navigator.gpu.requestAdapter() returned no adapter",
        );
      }
      const info: GpuAdapterInfoLike = adapter.info ??
        (await safeAsync(() => adapter.requestAdapterInfo?.() ?? Promise.resolve(undefined))) ?? {};
      const fallback = Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter);
      const desc = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(
        " / ",
      );
      const software = fallback || /llvmpipe|swiftshader|lavapipe|software/i.test(desc);
      device = `webgpu: ${desc || "unknown adapter"}${software ? " (software/fallback adapter)" : ""}`;
      if (software) {
        notes.push(
          "WebGPU adapter is a software/fallback adapter (no GPU found): expect it to be much slower than wasm",
        );
      }
      await importOrThrow(importer, "@tensorflow/tfjs-backend-webgpu", name);
      await selectAndCheck(name);
      break;
    }
    case "tensorflow":
    case "tensorflow-gpu": {
      const pkg = name === "tensorflow" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
      const howTo = `${pkg} downloads libtensorflow when it is installed, which this machine cannot do. ` +
        `On a machine with internet, run \`npm i ${pkg}@${TFJS_NODE_VERSION}\` in the project folder ` +
        `(libtensorflow lands in node_modules/${pkg}/deps), then run with --backend ${name}`;
      // Look for an npm-installed copy first and load it with require(): an `npm:` import of an absent package
      // would make Deno try to download it (slow, changes deno.lock, and cannot run its install script).
      const root = await findPackageRoot(pkg);
      if (root === undefined) {
        throw new BackendError(`Backend ${name} is not available: ${pkg} is not installed. ${howTo}`);
      }
      try {
        await (options.importer ?? ((p: string) => Promise.resolve(createRequire(`${root}/`)(p))))(pkg);
      } catch (e) {
        throw new BackendError(
          `Backend ${name} is not available: importing ${pkg} failed (${errText(e)}). ${howTo}`,
        );
      }
      // tfjs-node registers itself as "tensorflow" (the gpu build too).
      await selectAndCheck("tensorflow");
      device = name === "tensorflow" ? "libtensorflow (CPU)" : "libtensorflow (CUDA)";
      break;
    }
    default:
      throw new BackendError(
        `Unknown backend "${name as string}": expected one of ${BACKEND_NAMES.join(", ")}`,
      );
  }
  const added = registerKernels(tf.getBackend());
  if (added.length > 0) notes.push(`registered kernels: ${added.join(", ")}`);
  return { name, device, tfjsVersion: tf.version_core, notes };
}

async function importOrThrow(importer: Importer, specifier: string, name: BackendName): Promise<void> {
  try {
    await importer(specifier);
  } catch (e) {
    throw new BackendError(`Backend ${name} is not available: importing ${specifier} failed (${errText(e)})`);
  }
}

async function selectAndCheck(name: string, hint?: string): Promise<void> {
  let ok = false;
  let why = "";
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    why = errText(e);
  }
  const actual = tf.getBackend();
  if (!ok || actual !== name) {
    throw new BackendError(
      `Backend ${name} failed to initialise; tfjs is on "${actual}" instead` +
        (why ? ` (${why})` : "") + (hint ? `. ${hint}` : ""),
    );
  }
}

/** The folder (current directory or the project root) whose `node_modules` holds `pkg`, if any. */
async function findPackageRoot(pkg: string): Promise<string | undefined> {
  const roots = [Deno.cwd(), fromFileUrl(new URL("..", import.meta.url)).replace(/\/$/, "")];
  for (const root of roots) {
    try {
      await Deno.stat(`${root}/node_modules/${pkg}/package.json`);
      return root;
    } catch {
      // not there
    }
  }
  return undefined;
}

function errText(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split("\n")[0];
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

async function safeAsync<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch {
    return undefined;
  }
}
