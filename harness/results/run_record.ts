/**
 * The records of a run directory: manifest and result rows (design.md §2), and reading them back.
 *
 * @module
 */

import { join } from "node:path";
import type { AuditRow, MeasuredRow } from "./audit.ts";
import { fmt, readJsonIfExists, runFiles, toCsv, writeJsonAtomic, writeTextAtomic } from "./store.ts";

/** Bumped whenever the layout of manifest.json or results.json changes. */
export const SCHEMA_VERSION = 1;

/** One result row: one cell × one seed. Metrics in percent. */
export interface ResultRow {
  run_id: string;
  suite: string;
  suite_version: string;
  profile: string;
  protocol: string;
  backend: string;
  cell: string;
  experiment: string;
  seed: number;
  selection: string;
  selected_epoch: number;
  epochs_run: number;
  dev_precision: number;
  dev_recall: number;
  dev_f1: number;
  test_precision: number;
  test_recall: number;
  test_f1: number;
  train_tokens_per_s: number;
  train_seconds: number;
  predictions_sha256: string;
  deviations: string[];
  finished_at: string;
  /** JSON only: per-epoch log. */
  epoch_log?: Record<string, number>[];
  /** JSON only: anything else the suite reported. */
  extra?: Record<string, string | number>;
}

/** Columns of results.csv, in order (epoch_log and extra are in results.json only). */
export const RESULT_COLUMNS: (keyof ResultRow)[] = [
  "run_id",
  "suite",
  "suite_version",
  "profile",
  "protocol",
  "backend",
  "cell",
  "experiment",
  "seed",
  "selection",
  "selected_epoch",
  "epochs_run",
  "dev_precision",
  "dev_recall",
  "dev_f1",
  "test_precision",
  "test_recall",
  "test_f1",
  "train_tokens_per_s",
  "train_seconds",
  "predictions_sha256",
  "deviations",
  "finished_at",
];

/** Columns of audit.csv, in order. */
export const AUDIT_COLUMNS: (keyof AuditRow)[] = [
  "claim",
  "paper",
  "table",
  "row",
  "column",
  "metric",
  "stat",
  "cell",
  "published",
  "publishedStd",
  "measured",
  "measuredMean",
  "measuredStd",
  "measuredMin",
  "measuredMax",
  "n",
  "delta",
  "tolerance",
  "verdict",
  "reason",
  "deviations",
  "protocol",
];

/** manifest.json (design.md §2). Free-form parts are typed loosely on purpose: they are written for readers. */
export interface Manifest {
  schema_version: number;
  suite: string;
  suite_version: string;
  suite_title: string;
  citation: string;
  run_id: string;
  status: "running" | "complete";
  created_at: string;
  updated_at: string;
  command: string[];
  git: { commit: string; dirty: boolean };
  runtime: { deno: string; v8: string; typescript: string; tfjs: string };
  backend: {
    name: string;
    device: string;
    notes: string[];
    /** Matrix products: OpenBLAS through FFI (with core type and threads) or the backend's own kernel. */
    blas: string;
    /** How RNN recurrences run: fused host loop, tensor graph, or device ops (models/kernels/host_rnn.ts). */
    recurrence: string;
  };
  profile: string;
  protocol: string;
  protocol_details: Record<string, unknown>;
  data_dir: string;
  data_files: { dataset: string; split: string; path: string; sha256: string }[];
  embeddings: Record<string, unknown>[];
  deviations: string[];
  /** Scale overrides given on the command line (`--epochs`, `--source-batches`, `--eval-every`,
   * `--iterations`), if any. */
  scale?: { epochs?: number; sourceBatchesPerEpoch?: number; evalEvery?: number; iterationsPerTask?: number };
  cells: {
    id: string;
    experiment: string;
    seeds: number[];
    config: Record<string, unknown>;
    deviations: string[];
  }[];
  skipped: { id: string; reason: string }[];
  timings: {
    started_at: string;
    wall_seconds: number;
    units_done: number;
    units_total: number;
    mean_train_tokens_per_s?: number;
  };
  /** Every resume appends here. */
  resumed_at: string[];
}

/** Writes results.json and results.csv atomically. */
export async function writeResults(runDir: string, rows: ResultRow[]): Promise<void> {
  const f = runFiles(runDir);
  await writeJsonAtomic(f.resultsJson, { schema_version: SCHEMA_VERSION, rows });
  await writeTextAtomic(f.resultsCsv, toCsv(rows as unknown as Record<string, unknown>[], RESULT_COLUMNS));
}

/** Reads results.json; an absent file is an empty list. */
export async function readResults(runDir: string): Promise<ResultRow[]> {
  const data = await readJsonIfExists<{ rows: ResultRow[] }>(runFiles(runDir).resultsJson);
  return data?.rows ?? [];
}

/** Reads manifest.json. @throws {Error} naming the directory when it holds no manifest. */
export async function readManifest(runDir: string): Promise<Manifest> {
  const m = await readJsonIfExists<Manifest>(join(runDir, "manifest.json"));
  if (!m) {
    throw new Error(
      `Cannot read run "${runDir}": it has no manifest.json, expected a tagbench run directory`,
    );
  }
  return m;
}

/** The audit's view of the result rows: test F1 with the row's deviations. */
export function measuredRows(rows: ResultRow[]): MeasuredRow[] {
  return rows.map((r) => ({
    cell: r.cell,
    seed: r.seed,
    value: r.test_f1,
    deviations: r.deviations,
    protocol: r.protocol,
  }));
}

function deviationLines(manifest: Manifest): string[] {
  const lines = manifest.deviations.map((d) => `- ${d} (whole run)`);
  const perCell = new Map<string, string[]>();
  for (const c of manifest.cells) {
    for (const d of c.deviations) perCell.set(d, [...(perCell.get(d) ?? []), c.id]);
  }
  for (const [d, cells] of perCell) {
    lines.push(`- ${d} (${cells.length === manifest.cells.length ? "every cell run" : cells.join(", ")})`);
  }
  return lines.length ? lines : ["- none"];
}

/** Renders audit.md: a header with the run's facts, then one table row per claim. */
export function auditMarkdown(manifest: Manifest, audit: AuditRow[]): string {
  const counts = new Map<string, number>();
  for (const a of audit) counts.set(a.verdict, (counts.get(a.verdict) ?? 0) + 1);
  const lines = [
    `# Audit of ${manifest.suite} (suite version ${manifest.suite_version}), run ${manifest.run_id}`,
    "",
    `- paper: ${manifest.citation}`,
    `- profile: **${manifest.profile}**, protocol: **${manifest.protocol}**, backend: ${manifest.backend.name} ` +
    `(${manifest.backend.device}), commit ${manifest.git.commit.slice(0, 12)}${
      manifest.git.dirty ? " (dirty)" : ""
    }`,
    `- run status: **${manifest.status === "complete" ? "complete" : "incomplete"}** ` +
    `(${manifest.timings.units_done} of ${manifest.timings.units_total} ` +
    `cell × seed units)`,
    `- verdicts: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `- tolerance: max(floor, 2·sqrt(σ_pub² + σ_meas²/n)); floors 1.0 (full data), 2.0 (fraction ≥ 0.1), 4.0 below`,
    "",
    "## Deviations of this run from the paper's protocol",
    "",
    ...deviationLines(manifest),
    "",
    "## Claims",
    "",
    "A `best` claim (best of the paper's n runs) is compared with our best seed, any other with our mean; " +
    "every row shows mean ± std, min–max and n of our seeds.",
    "",
    "| table | row | column | published | compared | mean ± std | min–max | n | Δ | tol | verdict | reason |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const a of audit) {
    const pub = a.publishedStd !== undefined
      ? `${fmt(a.published)} ± ${fmt(a.publishedStd)}`
      : fmt(a.published);
    const stat = a.stat === "best" ? ` (best of ${a.n > 0 ? a.n : "n"})` : a.stat === "mean" ? " (mean)" : "";
    const compared = a.n > 0 ? `${fmt(a.measured)}${a.stat === "best" ? " (best)" : ""}` : "–";
    const mean = a.n > 0 ? `${fmt(a.measuredMean)}${a.n > 1 ? ` ± ${fmt(a.measuredStd)}` : ""}` : "–";
    const range = a.n > 1 ? `${fmt(a.measuredMin)}–${fmt(a.measuredMax)}` : "–";
    const reason = a.verdict === "not comparable" ? "deviations (see above and results rows)" : a.reason;
    lines.push(
      `| ${a.table} | ${a.row} | ${a.column} | ${pub}${stat} | ${compared} | ${mean} | ${range} | ${a.n} | ` +
        `${fmt(a.delta)} | ${fmt(a.tolerance)} | ` +
        `${a.verdict} | ${reason.replaceAll("|", "/")} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Writes audit.csv and audit.md atomically. */
export async function writeAudit(runDir: string, manifest: Manifest, audit: AuditRow[]): Promise<void> {
  const f = runFiles(runDir);
  await writeTextAtomic(f.auditCsv, toCsv(audit as unknown as Record<string, unknown>[], AUDIT_COLUMNS));
  await writeTextAtomic(f.auditMd, auditMarkdown(manifest, audit));
}
