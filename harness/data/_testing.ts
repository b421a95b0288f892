/**
 * Test helpers for the data layer (not exported from `mod.ts`).
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/** Folder of this module's `testdata/`. */
export const TESTDATA: string = join(dirname(fileURLToPath(import.meta.url)), "testdata");

/** The real data folder for tests that read the actual datasets: `TAGBENCH_DATA_DIR` when set, else
 * `../shared/data` beside the repository; `undefined` when neither holds `conll2003/` (such tests are skipped). */
export function realDataDir(): string | undefined {
  const candidates = [
    Deno.env.get("TAGBENCH_DATA_DIR"),
    resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/data"),
  ];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, "conll2003"))) return dir;
  }
  return undefined;
}
