/**
 * Test helpers for the data layer (not exported from `mod.ts`).
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import type { DatasetSpec } from "./registry.ts";

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

/** A two-file fixture dataset (`testdata/datasets/tiny/`) with its registry entry, for loader and stats tests. */
export const TINY: DatasetSpec = {
  id: "tiny",
  title: "Tiny fixture NER",
  language: "en",
  task: "ner",
  scheme: "IOB1",
  format: "conll2003",
  dir: "tiny",
  splits: {
    train: {
      file: "tiny.train",
      sha256: "0a9f4baff3bd9ce08d758240869fa133241cf35850e2a5eb515890efc0ab7ff3",
      bytes: 176,
    },
    test: {
      file: "tiny.test",
      sha256: "6fd2926c583af83380992b741e9dda57454892ade1c8a09257b74676028b415a",
      bytes: 74,
    },
  },
  licence: "CC0 (written for the tests)",
  homepage: "https://example.org/tiny",
  download: "https://example.org/tiny/tiny.tgz",
  citation: "none",
};
