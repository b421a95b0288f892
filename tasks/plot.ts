/**
 * `deno task plot <run-dir>`: draws the figures a suite declares into a finished (or partial) run's directory,
 * e.g. `figure2.svg` for a `yang2017` run (Figure 2's label-rate curves with Table 2's points overlaid). Reads only
 * the run's manifest.json and results.json and the suite's claims.
 *
 * @module
 */

import { parseCli, runMain, UsageError } from "../harness/cli.ts";
import { readManifest, suiteOfRun } from "../harness/results/run_record.ts";
import { getSuite, SUITES } from "../suites/registry.ts";

const USAGE = `usage: deno task plot <run-dir>
  Writes the figures the run's suite declares into the run directory (yang2017: figure2.svg).`;

/**
 * Draws the figures of the run in `runDir`.
 *
 * @returns The files written.
 * @throws {UsageError} when the run's suite declares no figures; the manifest reader's errors for a directory
 *   that holds no run.
 */
export async function plotRun(runDir: string): Promise<string[]> {
  const manifest = await readManifest(runDir);
  const suite = suiteOfRun(runDir, manifest, getSuite);
  if (!suite.drawFigures) {
    const withFigures = Object.values(SUITES).filter((s) => s.drawFigures).map((s) => s.id);
    throw new UsageError(
      `Suite "${manifest.suite}" declares no figures to draw; suites with figures: ${withFigures.join(", ")}`,
    );
  }
  return await suite.drawFigures(runDir);
}

/**
 * `deno task plot <run-dir>`: draws the run's figures and prints the files written.
 *
 * @throws {UsageError} for a bad command line; see {@link plotRun}.
 */
export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCli(args, { help: { type: "boolean", short: "h", default: false } }, {
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError("expected exactly one run directory");
  for (const path of await plotRun(positionals[0])) console.log(path);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
