/**
 * `deno task verify <run-dir> [--rehash]`: checks every file of a run against the sha256 its manifest records
 * (harness/results/verify.ts). `results.*` are the run's own; `audit.*` are derived and re-recorded by
 * `deno task audit`. `--rehash` records the files as they are now (a deliberate hand edit, said openly: the
 * manifest's history gets {command, commit, time, files}). Exit 1 when a file is damaged or missing.
 *
 * @module
 */

import { join } from "node:path";
import { ExitStatus, parseCli, runMain, UsageError } from "../harness/cli.ts";
import { readManifest } from "../harness/results/run_record.ts";
import { writeJsonAtomic } from "../harness/results/store.ts";
import { DERIVED_FILES, recordFiles, RESULT_FILES, verifyFiles } from "../harness/results/verify.ts";
import { gitInfo } from "../harness/run/git_info.ts";
import { acquireRunLock } from "../harness/run/run_lock.ts";

const USAGE = `usage: deno task verify <run-dir> [--rehash]
  checks every file of a run against the sha256 recorded in its manifest; --rehash records them as they are`;

/** Verifies (or, with `rehash`, re-records) a run directory; returns the exit code. */
export async function verify(runDir: string, rehash: boolean, command: string[] = []): Promise<number> {
  const manifest = await readManifest(runDir);
  if (rehash) {
    const lock = acquireRunLock(runDir, command);
    try {
      const before = verifyFiles(manifest, runDir).filter((l) => l.state !== "ok").map((l) => l.file);
      recordFiles(manifest, runDir, [...RESULT_FILES, ...DERIVED_FILES]);
      const git = gitInfo();
      manifest.history = [...(manifest.history ?? []), {
        event: "rehash",
        at: new Date().toISOString(),
        command,
        commit: git.commit,
        files: before,
      }];
      await writeJsonAtomic(join(runDir, "manifest.json"), manifest);
      console.log(
        `recorded the sha256 of ${before.length ? before.join(", ") : "no changed file"} in ${runDir}`,
      );
      return 0;
    } finally {
      lock.release();
    }
  }
  const lines = verifyFiles(manifest, runDir);
  if (!manifest.files) {
    console.log(
      `${runDir}: no sha256 recorded (a run written before tagbench recorded them); ` +
        `\`deno task verify ${runDir} --rehash\` records the files as they are`,
    );
    return 0;
  }
  for (const l of lines) {
    console.log(
      `${l.state.padEnd(12)} ${l.file}${
        l.state === "damaged"
          ? ` (recorded ${l.recorded!.slice(0, 12)}…, now ${l.actual!.slice(0, 12)}…)`
          : ""
      }`,
    );
  }
  const bad = lines.filter((l) => l.state === "damaged" || l.state === "missing");
  console.log(
    bad.length
      ? `${bad.length} file(s) of ${runDir} differ from what was recorded: ${
        bad.map((l) => l.file).join(", ")
      }`
      : `${runDir}: every recorded file is as recorded`,
  );
  return bad.length ? 1 : 0;
}

/** The command: `deno task verify <run-dir> [--rehash]` with `args`. */
export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCli(args, {
    rehash: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError("expected one run directory");
  const code = await verify(positionals[0], values.rehash!, ["verify", ...args]);
  if (code) throw new ExitStatus(code);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
