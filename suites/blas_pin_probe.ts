/**
 * The probe of the OpenBLAS core-type pin (runtime/kernels/blas.ts): runs the datnet suite's tiny reference
 * cell once with OpenBLAS on, as the environment configures it (`TAGBENCH_BLAS_CORETYPE`, `TAGBENCH_CPUINFO`),
 * and prints `{suite, suite_version, cell, blas, core_type, policy, predictions_sha256}` as JSON.
 *
 * `deno run -A suites/blas_pin_probe.ts [--data-dir DIR] [--write]`: `--write` records the result as the
 * stored reference of `suites/blas_pin_test.ts` (`suites/blas_pin_reference.json`); do it only with the pinned
 * default on an AVX2 machine, after a change of the datnet suite's version.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolveDataDir } from "../harness/data/data_dir.ts";
import { referenceRun } from "../harness/run/fingerprint.ts";
import { writeJsonAtomic } from "../harness/results/store.ts";
import { blasInfo, describeBlas } from "../runtime/kernels/blas.ts";
import { datnetSuite } from "./datnet/suite.ts";

/** Where the stored reference of the pinned default is. */
export const BLAS_PIN_REFERENCE = new URL("./blas_pin_reference.json", import.meta.url);

/**
 * Epochs of the probe's run of the reference cell. The core types' different summation orders always reach the
 * training log (losses); they reach the predictions only once the model predicts entities (with datnet 0.7.0's
 * one batch per epoch at k = 10, not within 40 epochs), so the probe compares both.
 */
export const PIN_PROBE_EPOCHS = 3;

/** What the probe prints and the reference file holds. */
export interface BlasPinProbe {
  suite: string;
  suite_version: string;
  cell: string;
  blas: string;
  core_type?: string;
  policy?: string;
  predictions_sha256: string;
  /** sha256 of the run's training log without timings (harness/run/fingerprint.ts). */
  log_sha256: string;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "data-dir": { type: "string" },
      write: { type: "boolean", default: false },
      epochs: { type: "string", default: String(PIN_PROBE_EPOCHS) },
    },
  });
  const r = await referenceRun(datnetSuite, resolveDataDir(values["data-dir"]).dir, {
    blas: true,
    budget: { epochs: Number(values.epochs) },
  });
  const info = blasInfo();
  const out: BlasPinProbe = {
    suite: datnetSuite.id,
    suite_version: datnetSuite.version,
    cell: r.cell,
    blas: describeBlas(info),
    core_type: info.coreType,
    policy: info.coreTypePolicy,
    predictions_sha256: r.predictions_sha256,
    log_sha256: r.log_sha256,
  };
  console.log(JSON.stringify(out));
  if (values.write) {
    if (info.coreTypePolicy !== "pinned") {
      console.error(`not recorded: the core type was not the pinned default (${out.blas})`);
      Deno.exit(1);
    }
    await writeJsonAtomic(BLAS_PIN_REFERENCE.pathname, out);
    console.error(`recorded ${BLAS_PIN_REFERENCE.pathname}`);
  }
}
