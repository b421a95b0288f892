/**
 * `deno task reproduce <suite>`: re-runs a paper's experiments, writes a versioned run directory and prints the
 * audit of the paper's claims.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolveDataDir } from "../harness/data/data_dir.ts";
import { auditTable, oneOf, runMain, UsageError } from "../harness/cli.ts";
import { readManifest } from "../harness/results/run_record.ts";
import { reproduce } from "../harness/run/runner.ts";
import { PROFILES, PROTOCOLS } from "../harness/run/suite.ts";
import { getSuite } from "../suites/registry.ts";
import type { BackendName } from "../models/backend.ts";

const BACKENDS: readonly BackendName[] = ["wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"];

const USAGE = `usage: deno task reproduce <suite> [options]
       deno task reproduce --resume <run-dir>

  --profile smoke|paper|nightly   how much of the protocol to run (default paper; smoke takes minutes)
  --protocol paper|clean          the authors' protocol, or the clean one (default paper)
  --backend wasm|cpu|webgpu|tensorflow|tensorflow-gpu   (default wasm)
  --data-dir DIR                  datasets (default: $TAGBENCH_DATA_DIR, else ~/.cache/tagbench/data)
  --out DIR                       run directory (default results/<suite>/<run-id>/)
  --resume DIR                    continue an interrupted run; loses at most the cell that was running
  --seeds N                       seeds per cell (default: the profile's)
  --only PREFIX[,PREFIX]          only cells whose id starts with a prefix, e.g. t3/es/base
  --epochs N                      train N epochs per cell instead of the profile's (a recorded deviation)
  --source-batches N              at most N source batches per epoch for transfer models (deviation)
  --eval-every N                  evaluate dev/test every N-th epoch and after the last (deviation)
  --iterations N                  at most N training iterations per task (yang2017; deviation)
  --quiet                         no progress lines`;

async function main() {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      profile: { type: "string" },
      protocol: { type: "string" },
      backend: { type: "string", default: "wasm" },
      "data-dir": { type: "string" },
      out: { type: "string" },
      resume: { type: "string" },
      seeds: { type: "string" },
      only: { type: "string" },
      epochs: { type: "string" },
      "source-batches": { type: "string" },
      "eval-every": { type: "string" },
      iterations: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const previous = values.resume ? await readManifest(values.resume) : undefined;
  const suiteId = positionals[0] ?? previous?.suite;
  if (!suiteId) throw new UsageError("no suite given");
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
  const suite = getSuite(suiteId);
  const profile = oneOf("profile", values.profile ?? previous?.profile ?? "paper", PROFILES);
  const protocol = oneOf("protocol", values.protocol ?? previous?.protocol ?? "paper", PROTOCOLS);
  const backend = oneOf("backend", values.backend!, BACKENDS);
  const seeds = values.seeds === undefined ? undefined : Number(values.seeds);
  if (seeds !== undefined && (!Number.isInteger(seeds) || seeds < 1)) {
    throw new UsageError(`--seeds is "${values.seeds}", expected a positive integer`);
  }
  const positive = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`--${flag} is "${v}", expected a positive integer`);
    }
    return n;
  };
  const scale = {
    epochs: positive("epochs", values.epochs),
    sourceBatchesPerEpoch: positive("source-batches", values["source-batches"]),
    evalEvery: positive("eval-every", values["eval-every"]),
    iterationsPerTask: positive("iterations", values.iterations),
  };
  for (const k of Object.keys(scale) as (keyof typeof scale)[]) if (scale[k] === undefined) delete scale[k];
  if (values.out && values.resume) throw new UsageError("--out and --resume exclude each other");
  const dataDir = resolveDataDir(values["data-dir"]).dir;
  const result = await reproduce({
    suite,
    profile,
    protocol,
    dataDir,
    backend,
    out: values.out,
    resume: values.resume,
    seeds,
    only: values.only?.split(",").map((s) => s.trim()).filter(Boolean),
    // A resumed run keeps its scale overrides unless new ones are given (the runner checks that they match).
    scale: Object.keys(scale).length > 0 ? scale : previous?.scale,
    quiet: values.quiet,
    command: ["reproduce", ...Deno.args],
  });
  console.log(auditTable(result.audit));
  console.log(`\nrun directory: ${result.runDir}`);
}

if (import.meta.main) await runMain(main, USAGE);
