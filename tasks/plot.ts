/**
 * `deno task plot <run-dir>`: draws the figures of a finished (or partial) run into its directory, e.g.
 * `figure2.svg` for a `yang2017` run (Figure 2's label-rate curves with Table 2's points overlaid). Reads only the
 * run's manifest.json and results.json and the suite's claims.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runMain, UsageError } from "../harness/cli.ts";
import { readManifest } from "../harness/results/run_record.ts";
import { writeFigure2 } from "../suites/yang2017/suite.ts";

const USAGE = `usage: deno task plot <run-dir>
  Writes the suite's figures into the run directory (yang2017: figure2.svg).`;

/** Figure writers by suite id: each draws into the run directory and returns the paths written. */
export const PLOTTERS: Record<string, (runDir: string) => Promise<string[]>> = {
  yang2017: async (runDir) => [await writeFigure2(runDir)],
};

/**
 * Draws the figures of the run in `runDir`.
 *
 * @returns The files written.
 * @throws {UsageError} when the run's suite has no figures to draw; the manifest reader's errors for a directory
 *   that holds no run.
 */
export async function plotRun(runDir: string): Promise<string[]> {
  const manifest = await readManifest(runDir);
  const plotter = PLOTTERS[manifest.suite];
  if (!plotter) {
    throw new UsageError(
      `Suite "${manifest.suite}" has no figures to draw; suites with figures: ${
        Object.keys(PLOTTERS).join(", ")
      }`,
    );
  }
  return await plotter(runDir);
}

async function main() {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError("expected exactly one run directory");
  for (const path of await plotRun(positionals[0])) console.log(path);
}

if (import.meta.main) await runMain(main, USAGE);
