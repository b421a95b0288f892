/**
 * Where datasets and other cached artefacts live on this machine.
 *
 * @module
 */

import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** Environment variable naming the data folder. */
export const DATA_DIR_ENV = "TAGBENCH_DATA_DIR";

/** Reads environment variables; `Deno.env` by default, injectable for tests. */
export interface Env {
  get(name: string): string | undefined;
}

/** A resolved data folder and what chose it. */
export interface DataDir {
  /** Absolute path. */
  dir: string;
  from: "flag" | "env" | "cache";
}

/**
 * Picks the data folder: the `--data-dir` value when given (non-empty), else `$TAGBENCH_DATA_DIR`, else
 * `<cacheDir()>/data` (`$XDG_CACHE_HOME/tagbench/data`, else `~/.cache/tagbench/data`). Relative paths are
 * resolved against the working directory. The folder is not created or checked.
 *
 * @example
 * ```ts
 * resolveDataDir("../shared/data"); // { dir: "/work/shared/data", from: "flag" }
 * ```
 */
export function resolveDataDir(flag?: string, env: Env = Deno.env): DataDir {
  if (flag) return { dir: resolve(flag), from: "flag" };
  const fromEnv = env.get(DATA_DIR_ENV);
  if (fromEnv) return { dir: resolve(fromEnv), from: "env" };
  return { dir: join(cacheDir(env), "data"), from: "cache" };
}

/**
 * The per-user cache folder of tagbench: `$XDG_CACHE_HOME/tagbench` when that variable holds an absolute path
 * (relative ones are ignored, as the XDG spec says), else `~/.cache/tagbench`. Not created here.
 */
export function cacheDir(env: Env = Deno.env): string {
  const xdg = env.get("XDG_CACHE_HOME");
  if (xdg && isAbsolute(xdg)) return join(xdg, "tagbench");
  return join(env.get("HOME") || homedir(), ".cache", "tagbench");
}

/** Environment variable naming the folder of partial downloads (`deno task data fetch`). */
export const DOWNLOAD_DIR_ENV = "TAGBENCH_DOWNLOAD_DIR";

/**
 * Picks the folder where `deno task data fetch` keeps partial downloads and verified archives, outside the data
 * directory: the `--download-dir` value when given (non-empty), else `$TAGBENCH_DOWNLOAD_DIR`, else
 * `<cacheDir()>/downloads`. Relative paths are resolved against the working directory; the folder is not created.
 */
export function resolveDownloadDir(flag?: string, env: Env = Deno.env): string {
  if (flag) return resolve(flag);
  const fromEnv = env.get(DOWNLOAD_DIR_ENV);
  return fromEnv ? resolve(fromEnv) : join(cacheDir(env), "downloads");
}
