/**
 * The records of a run directory: manifest and result rows (README.md, "What a run writes"), and reading them back.
 *
 * @module
 */

import type { AuditRow, MeasuredRow } from "./audit.ts";
import { parseDeviation } from "./deviations.ts";
import { type ChangelogEntry, firstSentence } from "./changelog.ts";
import {
  RELATIVE_ALPHA,
  RELATIVE_MIN_SEEDS,
  type RelativeAuditRow,
  relativeCounts,
  type RelativeSummary,
} from "./relative.ts";
import { sortMetricKeys } from "./metrics.ts";
import { z } from "zod";
import {
  checkJson,
  fmt,
  JsonFileError,
  readJsonIfExists,
  runFiles,
  toCsv,
  writeJsonAtomic,
  writeTextAtomic,
} from "./store.ts";

/**
 * Bumped whenever the layout of manifest.json or results.json changes. 2: metrics as named keys (`metrics`,
 * one results.csv column per key), selection as a rule string, progress units, budgets instead of scale flags.
 * Runs written under schema 1 are read through {@link upgradeRowV1}.
 */
export const SCHEMA_VERSION = 2;

/** The unit a cell's training progress is counted in. */
export type ProgressUnit = "epoch" | "iteration" | "step";

/** One result row: one cell × one seed. Scores in percent (see harness/results/metrics.ts for units). */
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
  /** Checkpoint selection rule, e.g. `max dev/f1`, `max test/accuracy`, `last` (harness/train/selection). */
  selection: string;
  /** Where the selected checkpoint was taken, in `progress_unit`s (1-based epoch, or iteration count). */
  selected_at: number;
  progress_unit: ProgressUnit;
  /** How many `progress_unit`s were run. */
  units_run: number;
  /** Measured metrics by key (`test/f1`, `dev/accuracy`, `lm/dev_ppl`…); a metric not measured is absent. */
  metrics: Record<string, number>;
  train_tokens_per_s: number;
  train_seconds: number;
  predictions_sha256: string;
  deviations: string[];
  finished_at: string;
  /** JSON only: the training log, one entry per epoch or evaluation. */
  epoch_log?: Record<string, number>[];
  /** JSON only: anything else the suite reported. */
  extra?: Record<string, string | number>;
}

/** Columns of results.csv before the metric columns. */
const LEADING_COLUMNS = [
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
  "selected_at",
  "progress_unit",
  "units_run",
] as const;
/** Columns of results.csv after the metric columns. */
const TRAILING_COLUMNS = [
  "train_tokens_per_s",
  "train_seconds",
  "predictions_sha256",
  "deviations",
  "finished_at",
] as const;

/**
 * Columns of results.csv for these rows: the fixed leading columns, one column per metric key any row carries
 * (registry order: train, dev, test, lm), then the fixed trailing columns. epoch_log and extra are in
 * results.json only.
 */
export function resultColumns(rows: ResultRow[]): string[] {
  return [
    ...LEADING_COLUMNS,
    ...sortMetricKeys(rows.flatMap((r) => Object.keys(r.metrics))),
    ...TRAILING_COLUMNS,
  ];
}

/** A result row as schema 1 wrote it (dev/test P/R/F1 columns; POS accuracy packed as P = R = F1). */
interface ResultRowV1 {
  selection: string;
  selected_epoch: number;
  epochs_run: number;
  dev_precision: number;
  dev_recall: number;
  dev_f1: number;
  test_precision: number;
  test_recall: number;
  test_f1: number;
  [key: string]: unknown;
}

/**
 * Reads a schema-1 row as a schema-2 one: `dev_*`/`test_*` become `dev/precision`… (NaN = not measured, left
 * out); schema 1 packed POS accuracy as P = R = F1, so a split whose three values are equal also gets
 * `<split>/accuracy` (a claim on accuracy then reads the number it was audited against before); the selection
 * `dev` / `test` / `max-test` becomes `max dev/f1` / `max test/f1` / `max test/f1`.
 */
export function upgradeRowV1(r: ResultRowV1): ResultRow {
  const metrics: Record<string, number> = {};
  for (const split of ["dev", "test"] as const) {
    const [p, rc, f] = [r[`${split}_precision`], r[`${split}_recall`], r[`${split}_f1`]].map(Number);
    if (Number.isFinite(p)) metrics[`${split}/precision`] = p;
    if (Number.isFinite(rc)) metrics[`${split}/recall`] = rc;
    if (Number.isFinite(f)) metrics[`${split}/f1`] = f;
    if (Number.isFinite(f) && p === rc && rc === f) metrics[`${split}/accuracy`] = f;
  }
  const selection = r.selection === "dev" ? "max dev/f1" : "max test/f1";
  const {
    selected_epoch,
    epochs_run,
    dev_precision: _dp,
    dev_recall: _dr,
    dev_f1: _df,
    test_precision: _tp,
    test_recall: _tr,
    test_f1: _tf,
    ...rest
  } = r;
  return {
    ...(rest as unknown as ResultRow),
    selection,
    selected_at: selected_epoch,
    progress_unit: "epoch",
    units_run: epochs_run,
    metrics,
  };
}

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
  "ifWaived",
  "deviations",
  "protocol",
];

/** Columns of audit_relative.csv (harness/results/relative.ts, one row per tested item). */
export const RELATIVE_AUDIT_COLUMNS: (keyof RelativeAuditRow)[] = [
  "statement",
  "paper",
  "table",
  "relation",
  "item",
  "a",
  "b",
  "metric",
  "n",
  "meanA",
  "meanB",
  "meanDiff",
  "p",
  "pReverse",
  "verdict",
  "reason",
  "asymmetric",
  "ifWaived",
];

/** Everything the audit of one run says: numeric claims, relative claims item by item, and per statement. */
export interface RunAudit {
  claims: AuditRow[];
  relative: RelativeAuditRow[];
  statements: RelativeSummary[];
  /** The suite as it is now: its version, citation, and the changelog entries since the run's version. */
  suite?: { version: string; citation: string; changesSince: ChangelogEntry[] };
}

/** One table of the audit summary: verdict counts, mean |Δ| of the measured claims, relative statements. */
export interface TableSummary {
  table: string;
  claims: number;
  counts: Record<string, number>;
  /** Mean |Δ| over the claims with a number measured (whatever their verdict); undefined when none. */
  meanAbsDelta?: number;
  measured: number;
  /** The table's relative statements: `id: line`. */
  relative: string[];
}

/** The per-table summary of an audit, tables in the order the claims first name them. */
export function summariseAudit(audit: RunAudit): TableSummary[] {
  const tables = new Map<string, TableSummary>();
  const get = (t: string) => {
    let s = tables.get(t);
    if (!s) {
      s = { table: t, claims: 0, counts: {}, measured: 0, relative: [] };
      tables.set(t, s);
    }
    return s;
  };
  const sums = new Map<string, number>();
  for (const a of audit.claims) {
    const s = get(a.table);
    s.claims++;
    s.counts[a.verdict] = (s.counts[a.verdict] ?? 0) + 1;
    if (a.n > 0 && a.delta !== undefined && Number.isFinite(a.delta)) {
      s.measured++;
      sums.set(a.table, (sums.get(a.table) ?? 0) + Math.abs(a.delta));
    }
  }
  for (const st of audit.statements) get(st.table).relative.push(`${st.statement}: ${st.line}`);
  for (const s of tables.values()) if (s.measured) s.meanAbsDelta = sums.get(s.table)! / s.measured;
  return [...tables.values()];
}

const VERDICT_ORDER = ["reproduced", "not reproduced", "not comparable", "not run"];

function countsText(counts: Record<string, number>): string {
  return VERDICT_ORDER.filter((v) => counts[v]).map((v) => `${counts[v]} ${v}`).join(", ") || "–";
}

/**
 * The summary a run prints at its end (and `deno task audit` by default): one line per table with its verdict
 * counts and mean |Δ|, its relative statements, and the path of the full audit.
 */
export function auditSummaryText(manifest: Manifest, audit: RunAudit, auditPath: string): string {
  const lines = [
    `Audit of ${manifest.suite} run ${manifest.run_id} (${manifest.profile} profile, ${manifest.protocol} ` +
    `protocol, ${manifest.status === "complete" ? "complete" : "incomplete"}):`,
  ];
  const idle: string[] = [];
  for (const t of summariseAudit(audit)) {
    const statements = audit.statements.filter((st) => st.table === t.table);
    const ran = statements.filter((st) => st.counts["not run"] < st.items);
    if (t.measured === 0 && (t.counts["not run"] ?? 0) === t.claims && ran.length === 0) {
      idle.push(t.table);
      continue;
    }
    lines.push(
      `  ${t.table}: ${t.claims} claims: ${countsText(t.counts)}` +
        (t.meanAbsDelta !== undefined ? `; mean |Δ| ${fmt(t.meanAbsDelta)} over ${t.measured} measured` : ""),
    );
    for (const st of ran) lines.push(`    relative ${st.statement}: ${st.line}`);
    if (ran.length < statements.length) {
      lines.push(`    (${statements.length - ran.length} more relative statements: no cell of theirs ran)`);
    }
  }
  if (idle.length) {
    lines.push(`  nothing run for ${idle.length} table${idle.length === 1 ? "" : "s"}: ${idle.join(", ")}`);
  }
  const rel = relativeCounts(audit.relative);
  const relText = Object.entries(rel).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`).join(", ");
  const all = new Map<string, number>();
  for (const a of audit.claims) all.set(a.verdict, (all.get(a.verdict) ?? 0) + 1);
  lines.push(
    `  total: ${audit.claims.length} claims (${countsText(Object.fromEntries(all))}); ` +
      `${audit.relative.length} relative items${relText ? ` (${relText})` : ""}`,
    `Full audit: ${auditPath}`,
  );
  return lines.join("\n");
}
/** manifest.json (README.md, "What a run writes"). Free-form parts are typed loosely on purpose: they are written for readers. */
export interface Manifest {
  schema_version: number;
  suite: string;
  suite_version: string;
  suite_title: string;
  citation: string;
  run_id: string;
  /** `running` while a process writes it (or after a kill), `interrupted` after SIGINT/SIGTERM, `complete`
   * once the audit files exist. */
  status: "running" | "complete" | "interrupted";
  /** Each start, resume and interruption: command, time, host, backend and BLAS (schema 2, newer runs). */
  history?: Record<string, unknown>[];
  /** Units whose training failed (diverged) with the reason; the run went on without them. */
  failed?: { cell: string; seed: number; reason: string; at: string }[];
  /** sha256 of the run's files by name (`results.*`, `audit.*`; harness/results/verify.ts). */
  files?: Record<string, string>;
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
    /** How RNN recurrences run: fused host loop, tensor graph, or device ops (runtime/kernels/host_rnn.ts). */
    recurrence: string;
  };
  profile: string;
  protocol: string;
  protocol_details: Record<string, unknown>;
  data_dir: string;
  data_files: { dataset: string; split: string; path: string; sha256: string }[];
  embeddings: Record<string, unknown>[];
  deviations: string[];
  /** Schema 2: the `--only` prefixes and `--seeds` of the run, which `--resume` keeps. */
  only?: string[];
  seeds_override?: number;
  /** Budget knobs given on the command line (`--budget epochs=20,eval_every=5`), if any (schema 2). */
  budget_overrides?: Record<string, number>;
  /** `--choice` overrides of the suite's declared protocol choices (each a recorded deviation). */
  choice_overrides?: Record<string, string>;
  /** The budget every planned cell ran under: each knob the suite declares, after overrides (schema 2). */
  budget?: Record<string, number | null>;
  /** Schema 1: scale overrides (`--epochs`, `--source-batches`, `--eval-every`, `--iterations`). */
  scale?: { epochs?: number; sourceBatchesPerEpoch?: number; evalEvery?: number; iterationsPerTask?: number };
  cells: {
    id: string;
    experiment: string;
    seeds: number[];
    config: Record<string, unknown>;
    deviations: string[];
    /** The components the cell uses (harness/results/deviations.ts); absent in runs written before them. */
    components?: string[];
  }[];
  skipped: { id: string; reason: string }[];
  /** Schema 2: the artifact cache of stage outputs and unit checkpoints (outside the run directory). */
  artifacts_dir?: string;
  /** Schema 2: the stage outputs the cells need (key = sha256 of suite, stage, configuration and input files). */
  stages?: { stage: string; key: string; config: Record<string, unknown>; cells: string[] }[];
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
  const flat = rows.map((r) => ({ ...r, ...r.metrics }));
  await writeTextAtomic(
    f.resultsCsv,
    toCsv(flat as unknown as Record<string, unknown>[], resultColumns(rows)),
  );
}

/** What each run file is, in messages (`…, expected a tagbench manifest (a JSON object)`). */
const MANIFEST_WHAT = "a tagbench manifest (a JSON object)";
const RESULTS_WHAT = "tagbench result rows (a JSON object with rows)";
const ROWS_WHAT = "a list of result rows";

/** A number as JSON.stringify writes it: NaN (a metric not measured) becomes null, read back as NaN. */
const jsonNumber = z.number().nullable().transform((v) => v ?? NaN);
const strings = z.array(z.string());
/** A free-form part (config, protocol_details, extra…): any JSON object, typed as the interface declares it. */
const freeForm = <T extends object = Record<string, unknown>>() =>
  z.custom<T>((v) => typeof v === "object" && v !== null && !Array.isArray(v), { error: "an object" });
const schemaVersion = z.number().int().min(1);

/** The fields of manifest.json, as {@link ManifestSchema} checks them. */
const manifestShape = z.looseObject({
  schema_version: schemaVersion,
  suite: z.string(),
  suite_version: z.string(),
  suite_title: z.string(),
  citation: z.string(),
  run_id: z.string(),
  status: z.enum(["running", "complete", "interrupted"]),
  history: z.array(freeForm()).optional(),
  files: z.record(z.string(), z.string()).optional(),
  failed: z.array(
    z.looseObject({ cell: z.string(), seed: z.number().int(), reason: z.string(), at: z.string() }),
  ).optional(),
  created_at: z.string(),
  updated_at: z.string(),
  command: strings,
  git: z.looseObject({ commit: z.string(), dirty: z.boolean() }),
  runtime: z.looseObject({ deno: z.string(), v8: z.string(), typescript: z.string(), tfjs: z.string() }),
  backend: z.looseObject({
    name: z.string(),
    device: z.string(),
    notes: strings,
    blas: z.string(),
    recurrence: z.string(),
  }),
  profile: z.string(),
  protocol: z.string(),
  protocol_details: freeForm(),
  data_dir: z.string(),
  data_files: z.array(
    z.looseObject({ dataset: z.string(), split: z.string(), path: z.string(), sha256: z.string() }),
  ),
  embeddings: z.array(freeForm()),
  deviations: strings,
  only: strings.optional(),
  seeds_override: z.number().int().optional(),
  budget_overrides: z.record(z.string(), z.number()).optional(),
  choice_overrides: z.record(z.string(), z.string()).optional(),
  budget: freeForm<Record<string, number | null>>().optional(),
  scale: freeForm<NonNullable<Manifest["scale"]>>().optional(),
  cells: z.array(z.looseObject({
    id: z.string(),
    experiment: z.string(),
    seeds: z.array(z.number().int()),
    config: freeForm(),
    deviations: strings,
    components: strings.optional(),
  })),
  skipped: z.array(z.looseObject({ id: z.string(), reason: z.string() })),
  artifacts_dir: z.string().optional(),
  stages: z.array(
    z.looseObject({ stage: z.string(), key: z.string(), config: freeForm(), cells: strings }),
  ).optional(),
  timings: z.looseObject({
    started_at: z.string(),
    wall_seconds: jsonNumber,
    units_done: z.number().int(),
    units_total: z.number().int(),
    mean_train_tokens_per_s: jsonNumber.optional(),
  }),
  resumed_at: strings,
}, { error: MANIFEST_WHAT });

/**
 * The schema of manifest.json (both schema versions): every field the harness reads is checked; the free-form
 * parts (protocol_details, embeddings, history, cell configs, budget) only have to be objects. Unknown fields
 * are kept.
 */
export const ManifestSchema: z.ZodType<Manifest> = manifestShape;

/**
 * Compile-time check that a schema accepts every value its type allows (the annotation `z.ZodType<T>` checks
 * the other direction): a field added to {@link Manifest} or {@link ResultRow} without its schema fails `deno check`.
 */
type Uncovered<Output, T> = {
  [K in keyof T]-?: [T[K]] extends [K extends keyof Output ? Output[K] : never] ? never : K;
}[keyof T];
const _manifestCovered: [Uncovered<z.output<typeof manifestShape>, Manifest>] extends [never] ? true : never =
  true;

/** The fields of a result row both schema versions write. */
const rowCommon = {
  run_id: z.string(),
  suite: z.string(),
  suite_version: z.string(),
  profile: z.string(),
  protocol: z.string(),
  backend: z.string(),
  cell: z.string(),
  experiment: z.string(),
  seed: z.number().int(),
  selection: z.string(),
  train_tokens_per_s: jsonNumber,
  train_seconds: jsonNumber,
  predictions_sha256: z.string(),
  deviations: strings,
  finished_at: z.string(),
  epoch_log: z.array(freeForm<Record<string, number>>()).optional(),
  extra: freeForm<Record<string, string | number>>().optional(),
};

const resultRowShape = z.looseObject({
  ...rowCommon,
  selected_at: jsonNumber,
  progress_unit: z.enum(["epoch", "iteration", "step"]),
  units_run: jsonNumber,
  metrics: z.record(z.string(), jsonNumber),
});

/** A result row of schema 2. */
export const ResultRowSchema: z.ZodType<ResultRow> = resultRowShape;
const _rowCovered: [Uncovered<z.output<typeof resultRowShape>, ResultRow>] extends [never] ? true : never =
  true;

/** A result row of schema 1 (null P/R/F1: not measured), upgraded to schema 2 by {@link upgradeRowV1}. */
export const ResultRowV1Schema: z.ZodType<ResultRow> = z.looseObject({
  ...rowCommon,
  selected_epoch: jsonNumber,
  epochs_run: jsonNumber,
  dev_precision: jsonNumber,
  dev_recall: jsonNumber,
  dev_f1: jsonNumber,
  test_precision: jsonNumber,
  test_recall: jsonNumber,
  test_f1: jsonNumber,
}).transform((r) => upgradeRowV1(r));

/** The top of a run file: its schema version (absent in results.json of schema 1), before the rest is checked. */
const fileHead = (what: string, required: boolean) => ({
  schema: z.looseObject({ schema_version: required ? schemaVersion : schemaVersion.optional() }, {
    error: what,
  }),
  what,
});

/** @throws {JsonFileError} when a run file's schema version is newer than this code reads. */
function checkVersion(path: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new JsonFileError(
      path,
      `schema_version is ${version}, expected at most ${SCHEMA_VERSION} (a newer tagbench wrote it: update ` +
        `tagbench to read this run)`,
    );
  }
}

/**
 * Reads results.json (schema 1 or 2; schema-1 rows are upgraded by {@link upgradeRowV1}); an absent file is an
 * empty list.
 *
 * @throws {JsonFileError} naming the file and what is wrong in it: not JSON, not an object with a `rows` list,
 *   a row field missing or of the wrong type (`rows[3].seed is "a", expected a number`), a schema version newer
 *   than this code knows.
 */
export async function readResults(runDir: string): Promise<ResultRow[]> {
  const path = runFiles(runDir).resultsJson;
  const head = await readJsonIfExists(path, fileHead(RESULTS_WHAT, false));
  if (!head) return [];
  const version = head.schema_version ?? 1;
  checkVersion(path, version);
  const rows = z.array(version === 1 ? ResultRowV1Schema : ResultRowSchema, { error: ROWS_WHAT });
  return checkJson(path, head, { schema: z.looseObject({ rows }), what: RESULTS_WHAT }).rows;
}

/**
 * Reads manifest.json.
 *
 * @throws {Error} naming the directory when it holds no manifest; {@link JsonFileError} naming the file and
 *   what is wrong in it: not JSON, a required field missing or of the wrong type (`"suite" is missing, expected a
 *   string`), a schema version newer than this code knows.
 */
export async function readManifest(runDir: string): Promise<Manifest> {
  const path = runFiles(runDir).manifest;
  const head = await readJsonIfExists(path, fileHead(MANIFEST_WHAT, true));
  if (!head) {
    throw new Error(
      `Cannot read run "${runDir}": it has no manifest.json, expected a tagbench run directory`,
    );
  }
  checkVersion(path, head.schema_version!);
  return checkJson(path, head, { schema: ManifestSchema, what: MANIFEST_WHAT });
}

/**
 * The suite a run's manifest names, found with `lookup` (the suite registry's `getSuite`).
 *
 * @throws {Error} naming the manifest when `lookup` does not know the suite: `The manifest "<dir>/manifest.json"
 *   names suite "toy", which this tagbench cannot run: Unknown suite "toy". Known suites: …`.
 */
export function suiteOfRun<S>(runDir: string, manifest: { suite: string }, lookup: (id: string) => S): S {
  try {
    return lookup(manifest.suite);
  } catch (e) {
    throw new Error(
      `The manifest "${runFiles(runDir).manifest}" names suite "${manifest.suite}", which this tagbench ` +
        `cannot run: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** What {@link readManifestHead} checks of a manifest: only what names the run; the rest as found. */
export interface ManifestHead {
  schema_version: number;
  suite: string;
  run_id: string;
  [key: string]: unknown;
}

/**
 * Reads only the identity of a run's manifest.json (schema version, suite, run id), leaving the rest unchecked:
 * for indexes of runs (`deno task runs`) that show what they find and `?` for the rest.
 *
 * @throws {Error} naming the directory when it holds no manifest; {@link JsonFileError} when it is not JSON,
 *   names no suite or run id, or has a newer schema version.
 */
export async function readManifestHead(runDir: string): Promise<ManifestHead> {
  const path = runFiles(runDir).manifest;
  const head = await readJsonIfExists(path, {
    schema: z.looseObject(
      { schema_version: schemaVersion, suite: z.string().min(1), run_id: z.string().min(1) },
      { error: MANIFEST_WHAT },
    ),
    what: MANIFEST_WHAT,
  });
  if (!head) {
    throw new Error(
      `Cannot read run "${runDir}": it has no manifest.json, expected a tagbench run directory`,
    );
  }
  checkVersion(path, head.schema_version);
  return head;
}

/** The audit's view of the result rows: every metric with the row's deviations. */
export function measuredRows(rows: ResultRow[]): MeasuredRow[] {
  return rows.map((r) => ({
    cell: r.cell,
    seed: r.seed,
    metrics: r.metrics,
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

/**
 * Renders audit.md, summary first: the run's facts, a per-table summary (verdict counts, mean |Δ| of the
 * measured claims, relative statements), the deviations, the relative claims item by item, then one row per
 * numeric claim.
 */
export function auditMarkdown(manifest: Manifest, runAudit: RunAudit): string {
  const audit = runAudit.claims;
  const counts = new Map<string, number>();
  for (const a of audit) counts.set(a.verdict, (counts.get(a.verdict) ?? 0) + 1);
  const smoke = manifest.profile === "smoke";
  const lines = [
    `# Audit of ${manifest.suite} (suite version ${manifest.suite_version}), run ${manifest.run_id}`,
    "",
    `- paper: ${runAudit.suite?.citation ?? manifest.citation}`,
    ...supersededLines(manifest, runAudit),
    `- profile: **${manifest.profile}**, protocol: **${manifest.protocol}**, backend: ${manifest.backend.name} ` +
    `(${manifest.backend.device}), commit ${manifest.git.commit.slice(0, 12)}${
      manifest.git.dirty ? " (dirty)" : ""
    }`,
    `- run status: **${manifest.status === "complete" ? "complete" : "incomplete"}** ` +
    `(${manifest.timings.units_done} of ${manifest.timings.units_total} ` +
    `cell × seed units)`,
    `- verdicts: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `- tolerance: max(floor, 2·sqrt(σ_pub² + σ_meas²/n)); floors 1.0 (full data), 2.0 (fraction ≥ 0.1), 4.0 below`,
    `- relative claims: one-sided paired t-test on per-seed differences at α = ${RELATIVE_ALPHA} ` +
    `(≥ ${RELATIVE_MIN_SEEDS} seeds per side; gain-shrinks Holm-adjusted)` +
    (smoke ? "; a smoke run gives no verdict: `indicative (smoke)`" : ""),
    "",
    "## Summary",
    "",
    "| table | claims | verdicts | mean \\|Δ\\| (measured) | relative statements |",
    "| --- | ---: | --- | ---: | --- |",
    ...summariseAudit(runAudit).map((t) =>
      `| ${t.table} | ${t.claims} | ${countsText(t.counts)} | ${
        t.meanAbsDelta !== undefined ? `${fmt(t.meanAbsDelta)} (${t.measured})` : "–"
      } | ${t.relative.join("<br>") || "–"} |`
    ),
    "",
    "## Deviations of this run from the paper's protocol",
    "",
    ...deviationLines(manifest),
    "",
    ...relativeSection(runAudit),
    "## Claims",
    "",
    "A `best` claim (best of the paper's n runs) is compared with our best seed, any other with our mean; " +
    "every row shows mean ± std, min–max and n of our seeds.",
    "",
    "`if deviations were waived` is the tolerance rule applied as if the run had followed the paper's " +
    "protocol: a distance, not a verdict.",
    "",
    "| table | row | column | published | compared | mean ± std | min–max | n | Δ | tol | verdict | reason | " +
    "if deviations were waived |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
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
        `${a.verdict} | ${reason.replaceAll("|", "/")} | ${a.ifWaived ?? ""} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The audit header's line on the run's suite version against the current one, and what changed between. */
function supersededLines(manifest: Manifest, audit: RunAudit): string[] {
  const s = audit.suite;
  if (!s || s.version === manifest.suite_version) {
    return s ? [`- suite version: ${manifest.suite_version} (current)`] : [];
  }
  return [
    `- suite version: **${manifest.suite_version}, superseded by ${s.version}**; changes since the run: ` +
    (s.changesSince.length
      ? s.changesSince.map((c) => `${c.version}: ${firstSentence(c.text)}`).join("; ")
      : "none recorded in the suite's changelog"),
  ];
}

/** The relative claims of audit.md: each statement with its sentence and source, then its items. */
function relativeSection(audit: RunAudit): string[] {
  if (audit.statements.length === 0) return [];
  const lines = [
    "## Relative claims",
    "",
    "Each statement of the papers, tested item by item over seeds (A − B per seed, paired by seed rank). " +
    "`asymmetric`: deviations only one side's components see, shown beside a computed verdict; " +
    "`if deviations were waived`: the test's verdict had the sides not differed, a distance, not a verdict.",
    "",
  ];
  for (const st of audit.statements) {
    lines.push(
      `### ${st.table}: ${st.statement} — ${st.line}`,
      "",
      `> ${st.text.replaceAll("\n", " ")}`,
      "",
      "| item | n | mean A | mean B | mean diff | p | verdict | reason | asymmetric | if deviations were waived |",
      "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    );
    for (const r of audit.relative.filter((x) => x.statement === st.statement)) {
      const p = r.p === undefined ? "–" : r.p < 0.001 ? r.p.toExponential(1) : r.p.toFixed(3);
      const cell = (x: string) => x.replaceAll("|", "/");
      lines.push(
        `| ${cell(r.item)} | ${r.n} | ${fmt(r.meanA)} | ${fmt(r.meanB)} | ${fmt(r.meanDiff)} | ${p} | ` +
          `${r.verdict} | ${cell(r.reason)} | ${
            cell(r.asymmetric.map((d) => parseDeviation(d).component).join(", "))
          } | ${cell(r.ifWaived ?? "")} |`,
      );
    }
    lines.push("");
  }
  return lines;
}

/** Writes audit.csv, audit_relative.csv and audit.md atomically. */
export async function writeAudit(runDir: string, manifest: Manifest, audit: RunAudit): Promise<void> {
  const f = runFiles(runDir);
  await writeTextAtomic(
    f.auditCsv,
    toCsv(audit.claims as unknown as Record<string, unknown>[], AUDIT_COLUMNS),
  );
  await writeTextAtomic(
    f.auditRelativeCsv,
    toCsv(audit.relative as unknown as Record<string, unknown>[], RELATIVE_AUDIT_COLUMNS),
  );
  await writeTextAtomic(f.auditMd, auditMarkdown(manifest, audit));
}
