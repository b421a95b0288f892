import { assertEquals } from "./_assert.ts";
import { resolve } from "node:path";
import { cacheDir, resolveDataDir, resolveDownloadDir } from "./data_dir.ts";

const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });

Deno.test("resolveDataDir: flag, then env, then the cache folder", () => {
  const all = env({ TAGBENCH_DATA_DIR: "/env/data", XDG_CACHE_HOME: "/xdg", HOME: "/home/u" });
  assertEquals(resolveDataDir("/flag/data", all), { dir: "/flag/data", from: "flag" });
  assertEquals(resolveDataDir(undefined, all), { dir: "/env/data", from: "env" });
  assertEquals(resolveDataDir("", all), { dir: "/env/data", from: "env" });
  assertEquals(resolveDataDir(undefined, env({ XDG_CACHE_HOME: "/xdg" })), {
    dir: "/xdg/tagbench/data",
    from: "cache",
  });
  assertEquals(resolveDataDir(undefined, env({ HOME: "/home/u" })), {
    dir: "/home/u/.cache/tagbench/data",
    from: "cache",
  });
});

Deno.test("resolveDataDir: relative flag resolves against the working directory", () => {
  assertEquals(resolveDataDir("rel/data", env({})).dir, resolve("rel/data"));
});

Deno.test("cacheDir: XDG_CACHE_HOME when absolute, else ~/.cache", () => {
  assertEquals(cacheDir(env({ XDG_CACHE_HOME: "/c", HOME: "/h" })), "/c/tagbench");
  assertEquals(cacheDir(env({ XDG_CACHE_HOME: "relative", HOME: "/h" })), "/h/.cache/tagbench");
  assertEquals(cacheDir(env({ HOME: "/h" })), "/h/.cache/tagbench");
});

Deno.test("resolveDownloadDir: flag, then TAGBENCH_DOWNLOAD_DIR, then <cache>/downloads", () => {
  const all = env({ TAGBENCH_DOWNLOAD_DIR: "/env/dl", HOME: "/h" });
  assertEquals(resolveDownloadDir("/flag/dl", all), "/flag/dl");
  assertEquals(resolveDownloadDir(undefined, all), "/env/dl");
  assertEquals(resolveDownloadDir("", env({ HOME: "/h" })), "/h/.cache/tagbench/downloads");
});
