/**
 * A suite's fingerprint: the sha256 of its declaration as the planner expands it, and the prediction sha256 of
 * its tiny reference run. `suites/<id>/fingerprint.json` records both beside the suite's version; the contract
 * test (suites/contract_test.ts) recomputes them, so a change of the declaration or of the model code without a
 * version bump fails. `deno task fingerprint <suite> --write` records a new version's fingerprint and refuses to
 * overwrite one whose version did not change.
 *
 * The declaration hash covers what a run would do, not how the code is written: the plan of every profile under
 * every protocol (cells, their seeds, configurations and deviations, skipped cells and reasons, run deviations,
 * protocol details) with no data directory, the budget knobs, resources, experiments' titles, sources and notes,
 * the variants, the figures, the reference-run declaration and the bytes of the claims and relative claims files.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { initBackend } from "../../runtime/backend.ts";
import { setBlasDisabled } from "../../runtime/kernels/blas.ts";
import { readJsonIfExists, writeJsonAtomic } from "../results/store.ts";
import { parseCli, registered, runMain, UsageError } from "../cli.ts";
import type { DefinedSuite, SuiteTypes } from "./define.ts";
import { stableJson } from "./stable_json.ts";

export { stableJson };
import { PROFILES, PROTOCOLS } from "./suite.ts";

/** What `fingerprint.json` holds: one entry per released version, newest last. */
export interface FingerprintFile {
  versions: FingerprintEntry[];
}

/** One version's fingerprint. */
export interface FingerprintEntry {
  version: string;
  declaration_sha256: string;
  reference: {
    cell: string;
    seed: number;
    predictions_sha256: string;
    /** sha256 of the training log without its timings: any change of a loss or score shows here. */
    log_sha256: string;
    metrics: Record<string, number>;
  };
}

/** sha256 of a suite's expanded declaration (see the module doc for what it covers). */
export async function declarationSha256<T extends SuiteTypes>(suite: DefinedSuite<T>): Promise<string> {
  const d = suite.declaration;
  const plans: unknown[] = [];
  for (const profile of PROFILES) {
    for (const protocol of PROTOCOLS) {
      plans.push(await suite.plan({ profile, protocol, dataDir: "", verifyData: false }));
    }
  }
  const claims = await Deno.readFile(d.claims);
  const content = {
    id: d.id,
    paper: d.paper,
    claims_sha256: createHash("sha256").update(claims).digest("hex"),
    ...(d.relativeClaims
      ? {
        relative_claims_sha256: createHash("sha256").update(await Deno.readFile(d.relativeClaims)).digest(
          "hex",
        ),
      }
      : {}),
    datasets: d.datasets,
    variants: d.variants,
    experiments: d.experiments.map((e) => ({ id: e.id, title: e.title, source: e.source, notes: e.notes })),
    budget: d.budget,
    resources: d.resources,
    figures: d.figures,
    reference: d.reference,
    ...(d.stages
      ? { stages: Object.fromEntries(Object.entries(d.stages).map(([k, v]) => [k, { ...v }])) }
      : {}),
    plans,
  };
  return createHash("sha256").update(stableJson(content)).digest("hex");
}

/**
 * Runs the suite's reference cell once (its first seed) on `dataDir`, with OpenBLAS switched off for the
 * duration (wasm's own matmul, as `TAGBENCH_BLAS=off`) unless `opts.blas` (then as the environment says:
 * runtime/kernels/blas.ts), and returns its prediction sha256 and metrics.
 *
 * @throws {Error} when the reference cell is not planned by its profile and protocol.
 */
export async function referenceRun<T extends SuiteTypes>(
  suite: DefinedSuite<T>,
  dataDir: string,
  opts: { blas?: boolean; budget?: Record<string, number> } = {},
): Promise<FingerprintEntry["reference"]> {
  const declared = suite.declaration.reference;
  const ref = opts.budget ? { ...declared, budget: { ...declared.budget, ...opts.budget } } : declared;
  await initBackend("wasm");
  setBlasDisabled(!opts.blas);
  try {
    return await runReference(suite, dataDir, ref);
  } finally {
    setBlasDisabled(false);
  }
}

async function runReference<T extends SuiteTypes>(
  suite: DefinedSuite<T>,
  dataDir: string,
  ref: DefinedSuite<T>["declaration"]["reference"],
): Promise<FingerprintEntry["reference"]> {
  const plan = await suite.plan({
    profile: ref.profile,
    protocol: ref.protocol,
    dataDir,
    only: [ref.cell],
    budget: ref.budget,
    verifyData: false,
  });
  const cell = plan.cells.find((c) => c.id === ref.cell);
  if (!cell) {
    throw new Error(`Suite "${suite.id}": reference cell "${ref.cell}" is not planned by ${ref.profile}`);
  }
  const r = await suite.runCell(cell, cell.seeds[0], {
    profile: ref.profile,
    protocol: ref.protocol,
    dataDir,
    budget: ref.budget,
    onProgress: () => {},
  });
  const timing = /seconds|per_?s|tokenspersec/i;
  const log = r.epochLog.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !timing.test(k))));
  return {
    cell: cell.id,
    seed: cell.seeds[0],
    predictions_sha256: r.predictionsSha256,
    log_sha256: createHash("sha256").update(stableJson(log)).digest("hex"),
    metrics: r.metrics,
  };
}

/** Where a suite's fingerprint file is. */
export function fingerprintPath(suite: DefinedSuite<SuiteTypes>): URL {
  return new URL("./fingerprint.json", suite.declaration.claims);
}

/** Reads a suite's fingerprint file (empty when absent). */
export async function readFingerprints(suite: DefinedSuite<SuiteTypes>): Promise<FingerprintFile> {
  return (await readJsonIfExists<FingerprintFile>(fingerprintPath(suite).pathname)) ?? { versions: [] };
}

const USAGE = `usage: deno task fingerprint <suite> [--write] [--no-reference]
  Prints the suite's declaration sha256 and its reference run's prediction sha256 (OpenBLAS off);
  --write records them in suites/<suite>/fingerprint.json under the suite's version (a new version only).`;

/**
 * `deno task fingerprint <suite> [--write]`: prints the suite's fingerprint; `--write` records it for a new
 * version.
 *
 * @throws {UsageError} for a bad command line, or `--write` over another fingerprint of the same version.
 */
export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCli(args, {
    write: { type: "boolean", default: false },
    "no-reference": { type: "boolean", default: false },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError("expected one suite id");
  const { getSuite } = await import("../../suites/registry.ts");
  const { resolveDataDir } = await import("../data/data_dir.ts");
  const suite = registered(positionals[0], getSuite) as DefinedSuite<SuiteTypes>;
  const entry: Partial<FingerprintEntry> = {
    version: suite.version,
    declaration_sha256: await declarationSha256(suite),
  };
  if (!values["no-reference"]) {
    entry.reference = await referenceRun(suite, resolveDataDir(values["data-dir"]).dir);
  }
  console.log(JSON.stringify(entry, null, 2));
  if (!values.write) return;
  if (!entry.reference) throw new UsageError("--write needs the reference run (drop --no-reference)");
  const file = await readFingerprints(suite);
  const same = file.versions.find((v) => v.version === suite.version);
  if (same) {
    if (stableJson(same) === stableJson(entry)) {
      console.error(`fingerprint of ${suite.id} ${suite.version} unchanged`);
      return;
    }
    throw new UsageError(
      `suites/${suite.id}/fingerprint.json already records version ${suite.version} with another fingerprint: ` +
        `bump the suite's version (and say why in its README changelog) before recording a new one`,
      { showUsage: false },
    );
  }
  file.versions.push(entry as FingerprintEntry);
  await writeJsonAtomic(fingerprintPath(suite).pathname, file);
  console.error(`recorded ${suite.id} ${suite.version} in ${fingerprintPath(suite).pathname}`);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
