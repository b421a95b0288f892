/**
 * The sha256 of every file of a run, recorded in its manifest (`files`), and `deno task verify` (README.md,
 * "Reliability"). `results.*` are written by the run only; `audit.*` (and a report) are derived: rewriting them
 * (`deno task audit`) updates their hashes and appends {command, commit, suite version, time} to the manifest's
 * history. `verify --rehash` records a deliberate hand edit the same way; anything else that changed is damaged.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Manifest } from "./run_record.ts";

/** The files a run records hashes of: the run's own, then the derived ones. */
export const RESULT_FILES = ["results.csv", "results.json"] as const;
/** Derived files: rewritten by `deno task audit` (and a report), which updates their hashes. */
export const DERIVED_FILES = ["audit.csv", "audit_relative.csv", "audit.md", "report.html"] as const;

/** sha256 of a file's bytes, or undefined when it does not exist. */
export function fileSha256(path: string): string | undefined {
  try {
    return createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Records in `manifest.files` the sha256 of those of `names` that exist in `runDir` (in place). */
export function recordFiles(manifest: Manifest, runDir: string, names: readonly string[]): void {
  const files = { ...(manifest.files ?? {}) };
  for (const n of names) {
    const h = fileSha256(join(runDir, n));
    if (h) files[n] = h;
  }
  manifest.files = files;
}

/** One line of `verify`. */
export interface VerifyLine {
  file: string;
  state: "ok" | "damaged" | "missing" | "not recorded";
  recorded?: string;
  actual?: string;
}

/**
 * Checks every recorded file of a run against its sha256, and lists the known files present but not recorded.
 *
 * @returns One line per file; `damaged` and `missing` are failures.
 */
export function verifyFiles(manifest: Manifest, runDir: string): VerifyLine[] {
  const out: VerifyLine[] = [];
  const recorded = manifest.files ?? {};
  for (const [file, sha] of Object.entries(recorded)) {
    const actual = fileSha256(join(runDir, file));
    out.push({
      file,
      state: actual === undefined ? "missing" : actual === sha ? "ok" : "damaged",
      recorded: sha,
      actual,
    });
  }
  for (const file of [...RESULT_FILES, ...DERIVED_FILES]) {
    if (!(file in recorded) && fileSha256(join(runDir, file)) !== undefined) {
      out.push({ file, state: "not recorded" });
    }
  }
  return out;
}
