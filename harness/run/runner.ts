/**
 * The engine: plans a suite's run, trains cell by cell (resumable), writes the run directory and audits it.
 * It knows nothing about any one paper (content apart from engine: suites are declarations, harness/run/define.ts).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { basename, join, resolve } from "node:path";
import { type BackendName, initBackend } from "../../runtime/backend.ts";
import { describeBlas } from "../../runtime/kernels/blas.ts";
import { recurrenceImpl } from "../../runtime/kernels/host_rnn.ts";
import { auditClaims, type MeasuredRow } from "../results/audit.ts";
import { qualifiedTable } from "../results/claims.ts";
import { retag } from "../results/deviations.ts";
import { auditRelative, summariseRelative } from "../results/relative.ts";
import {
  type Manifest,
  measuredRows,
  readManifest,
  readResults,
  type ResultRow,
  type RunAudit,
  SCHEMA_VERSION,
  writeAudit,
  writeResults,
} from "../results/run_record.ts";
import { writeJsonAtomic } from "../results/store.ts";
import { defaultArtifactsDir } from "./artifacts.ts";
import { gitInfo, makeRunId } from "./git_info.ts";
import { loadCalibration } from "./calibration.ts";
import { type PlannedUnits, type PlanSummary, summarizePlan } from "./plan_summary.ts";
import { RunProgress } from "./progress.ts";
import type { PlannedCell, ProfileName, ProtocolName, SuiteDefinition } from "./suite.ts";

/** Options of {@link reproduce}. */
export interface ReproduceOptions {
  suite: SuiteDefinition;
  profile: ProfileName;
  protocol: ProtocolName;
  dataDir: string;
  backend: BackendName;
  /** Run directory to write (default `results/<suite>/<run-id>/`). An existing run there is replaced. */
  out?: string;
  /** Existing run directory to continue. */
  resume?: string;
  /** Override seeds per cell. */
  seeds?: number;
  /** Only cells whose id starts with one of these prefixes. */
  only?: string[];
  /** Budget overrides by knob (validated against the suite's knobs; each a recorded deviation). */
  budget?: Record<string, number>;
  /**
   * The artifact cache (stage outputs, unit checkpoints), outside the run directory: default
   * `defaultArtifactsDir()` of harness/run/artifacts.ts. The run records only keys and configurations.
   */
  artifactsDir?: string;
  quiet?: boolean;
  /** Recorded in the manifest. */
  command?: string[];
  /**
   * Estimated seconds of one unit by cell id (the plan summary's `unitSeconds`, harness/run/plan_summary.ts):
   * the run ETA of the progress line sums them over the units not yet run, scaled by measured ÷ estimated of
   * the units finished; without them it uses the mean duration of the finished units.
   */
  unitSeconds?: Record<string, number>;
}

/** What a finished run left behind. */
export interface ReproduceResult {
  runDir: string;
  manifest: Manifest;
  rows: ResultRow[];
  audit: RunAudit;
}

/**
 * Creates `parent/id` for a new run, or `parent/id-2`, `parent/id-3`, … when another run took that name first
 * (two runs started in the same second of the same commit). The directory is created atomically, so concurrent
 * runs never share one.
 *
 * @returns the absolute path of the created, empty directory.
 */
export async function claimRunDir(parent: string, id: string): Promise<string> {
  await Deno.mkdir(parent, { recursive: true });
  for (let n = 1;; n++) {
    const dir = join(parent, n === 1 ? id : `${id}-${n}`);
    try {
      await Deno.mkdir(dir);
      return dir;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

/** Error for a run that cannot start or continue; its message is shown to the user as is. */
export class RunError extends Error {
  override name = "RunError";
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Runs (or resumes) a suite under a profile and protocol, writing `manifest.json`, `results.csv|json` after every
 * cell × seed (atomically: a kill loses at most the unit in progress), then `audit.csv|md`.
 *
 * @throws {RunError} when the resumed run does not match the requested suite/profile/protocol, or `--out` is a
 *   non-empty directory that is not a tagbench run.
 */
export async function reproduce(opts: ReproduceOptions): Promise<ReproduceResult> {
  const { suite } = opts;
  const git = gitInfo();
  let runDir: string;
  let previous: Manifest | undefined;
  let freshRunId = makeRunId(git.short);
  if (opts.resume) {
    runDir = resolve(opts.resume);
    previous = await readManifest(runDir);
    for (
      const [what, got, want] of [
        ["suite", previous.suite, suite.id],
        ["suite version", previous.suite_version, suite.version],
        ["profile", previous.profile, opts.profile],
        ["protocol", previous.protocol, opts.protocol],
      ] as const
    ) {
      if (got !== want) {
        throw new RunError(
          `Cannot resume "${runDir}": it was run with ${what} "${got}", this command asks for "${want}"`,
        );
      }
    }
  } else if (opts.out === undefined) {
    runDir = await claimRunDir(resolve("results", suite.id), freshRunId);
    freshRunId = basename(runDir);
  } else {
    runDir = resolve(opts.out);
    if (await exists(runDir)) {
      const entries = [...Deno.readDirSync(runDir)].map((e) => e.name);
      if (entries.length > 0 && !entries.includes("manifest.json")) {
        throw new RunError(`Cannot write to "${runDir}": it is not empty and holds no tagbench run`);
      }
      if (entries.includes("manifest.json")) {
        console.error(
          `note: replacing the earlier run in ${runDir} (use --resume ${runDir} to continue it instead)`,
        );
        for (const name of entries) await Deno.remove(join(runDir, name), { recursive: true });
      }
    }
  }

  const backend = await initBackend(opts.backend);
  const plan = await suite.plan({
    profile: opts.profile,
    protocol: opts.protocol,
    dataDir: opts.dataDir,
    only: opts.only,
    seeds: opts.seeds,
    budget: opts.budget,
  });
  if (previous) {
    const before = new Set(previous.cells.map((c) => c.id));
    const now = new Set(plan.cells.map((c) => c.id));
    if (before.size !== now.size || [...before].some((c) => !now.has(c))) {
      throw new RunError(
        `Cannot resume "${runDir}": its planned cells differ from this command's (different --only or --seeds?)`,
      );
    }
    const was = JSON.stringify(sortedEntries(previous.budget_overrides ?? {}));
    if (was !== JSON.stringify(sortedEntries(opts.budget ?? {}))) {
      throw new RunError(
        `Cannot resume "${runDir}": it was run with budget overrides ${was}, this command asks for ` +
          `${JSON.stringify(sortedEntries(opts.budget ?? {}))} (repeat its --budget)`,
      );
    }
  }
  const runId = previous?.run_id ?? freshRunId;
  const artifactsDir = resolve(opts.artifactsDir ?? previous?.artifacts_dir ?? defaultArtifactsDir());
  /** A unit's checkpoint folder in the artifact cache: the same on --resume (the run id is kept). */
  const checkpointDir = (cell: string, seed: number) =>
    join(artifactsDir, "checkpoints", suite.id, runId, `${cell.replaceAll("/", "~")}#${seed}`);
  const startedAt = previous?.timings.started_at ?? new Date().toISOString();
  const units = plan.cells.flatMap((c) => c.seeds.map((seed) => ({ cell: c, seed })));
  const rows = previous ? await readResults(runDir) : [];
  const done = new Set(rows.map((r) => `${r.cell}#${r.seed}`));
  const wallStart = performance.now() - (previous?.timings.wall_seconds ?? 0) * 1000;

  const manifest: Manifest = {
    schema_version: SCHEMA_VERSION,
    suite: suite.id,
    suite_version: suite.version,
    suite_title: suite.title,
    citation: suite.citation,
    run_id: runId,
    status: "running",
    created_at: previous?.created_at ?? new Date().toISOString(),
    updated_at: new Date().toISOString(),
    command: opts.command ?? [],
    git: { commit: git.commit, dirty: git.dirty },
    runtime: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      tfjs: tf.version_core,
    },
    backend: {
      name: backend.name,
      device: backend.device,
      notes: backend.notes,
      blas: opts.backend === "wasm" ? describeBlas() : "backend's own matMul",
      recurrence: recurrenceImpl(),
    },
    profile: opts.profile,
    protocol: opts.protocol,
    protocol_details: plan.protocolDetails,
    data_dir: resolve(opts.dataDir),
    data_files: plan.dataFiles,
    embeddings: plan.embeddings,
    deviations: plan.deviations,
    budget_overrides: opts.budget && Object.keys(opts.budget).length ? opts.budget : undefined,
    only: opts.only,
    seeds_override: opts.seeds,
    budget: plan.protocolDetails.budget as Manifest["budget"],
    cells: plan.cells.map((c) => ({
      id: c.id,
      experiment: c.experiment,
      seeds: c.seeds,
      config: c.config,
      deviations: c.deviations,
      components: c.components,
    })),
    skipped: plan.skipped,
    artifacts_dir: artifactsDir,
    stages: plan.stages,
    timings: { started_at: startedAt, wall_seconds: 0, units_done: rows.length, units_total: units.length },
    resumed_at: previous ? [...previous.resumed_at, new Date().toISOString()] : [],
  };
  const saveManifest = async () => {
    manifest.updated_at = new Date().toISOString();
    manifest.timings.wall_seconds = Math.round((performance.now() - wallStart) / 100) / 10;
    manifest.timings.units_done = rows.length;
    const tps = rows.map((r) => r.train_tokens_per_s).filter((x) => Number.isFinite(x));
    manifest.timings.mean_train_tokens_per_s = tps.length
      ? Math.round(tps.reduce((a, b) => a + b, 0) / tps.length)
      : undefined;
    await writeJsonAtomic(join(runDir, "manifest.json"), manifest);
  };
  await saveManifest();
  if (!opts.quiet) {
    console.error(
      `tagbench: ${suite.id} v${suite.version}, profile ${opts.profile}, protocol ${opts.protocol}, backend ` +
        `${backend.name} (${backend.device}); ${units.length} runs (${done.size} already done), ` +
        `${plan.skipped.length} cells not run; writing ${runDir}`,
    );
  }

  const progress = new RunProgress(units.length, {
    quiet: opts.quiet,
    estimates: opts.unitSeconds &&
      units.map(({ cell, seed }) => (done.has(`${cell.id}#${seed}`) ? 0 : opts.unitSeconds![cell.id])),
  });
  let index = 0;
  for (const { cell, seed } of units) {
    index++;
    if (done.has(`${cell.id}#${seed}`)) continue;
    progress.startCell(index, cell.id, seed);
    let result;
    try {
      result = await opts.suite.runCell(cell, seed, {
        profile: opts.profile,
        protocol: opts.protocol,
        dataDir: opts.dataDir,
        budget: opts.budget,
        artifactsDir,
        checkpointDir: checkpointDir(cell.id, seed),
        onProgress: (p) => progress.update(p),
      });
    } catch (e) {
      progress.abort();
      throw e;
    }
    rows.push(toRow(runId, opts, backend.name, cell, seed, result, plan.deviations));
    await Deno.remove(checkpointDir(cell.id, seed), { recursive: true }).catch(() => {});
    progress.endCell(
      `${formatMetrics(result.metrics)} (${result.progressUnit} ${result.selectedAt}, selected by ` +
        `${result.selection}), ${Math.round(result.trainTokensPerSec)} tok/s`,
    );
    await writeResults(runDir, rows);
    await saveManifest();
  }
  await writeResults(runDir, rows);

  const notRun = new Map(plan.skipped.map((s) => [s.id, s.reason]));
  manifest.status = "complete";
  await saveManifest();
  const audit = await auditRun(suite, manifest, measuredRows(rows), notRun);
  await writeAudit(runDir, manifest, audit);
  return { runDir, manifest, rows, audit };
}

/**
 * The audit of one run: every numeric claim (harness/results/audit.ts) and every relative claim
 * (harness/results/relative.ts), each row's table qualified by its paper ("ACL 2019 Table 3"). The components
 * each cell uses come from the manifest; a run written before components were recorded gets them, and its
 * untagged deviations their tags, from the suite's current plan of the same profile and protocol (a deviation
 * whose text the suite no longer plans stays `unspecified`).
 */
export async function auditRun(
  suite: SuiteDefinition,
  manifest: Manifest,
  rows: MeasuredRow[],
  notRun: Map<string, string>,
): Promise<RunAudit> {
  const [claims, statements] = await Promise.all([suite.claims(), suite.relativeClaims()]);
  const components = new Map<string, readonly string[]>();
  for (const c of manifest.cells) if (c.components) components.set(c.id, c.components);
  if (
    manifest.cells.some((c) => !c.components) ||
    rows.some((r) => r.deviations.some((d) => !d.startsWith("[")))
  ) {
    const plan = await suite.plan({
      profile: manifest.profile as ProfileName,
      protocol: manifest.protocol as ProtocolName,
      dataDir: "",
      verifyData: false,
    }).catch(() => undefined);
    if (plan) {
      const cellDevs = new Map(plan.cells.map((c) => [c.id, c.deviations]));
      for (const c of plan.cells) {
        if (!components.has(c.id) && c.components) components.set(c.id, c.components);
      }
      rows = rows.map((r) => ({
        ...r,
        deviations: retag(r.deviations, [...plan.deviations, ...(cellDevs.get(r.cell) ?? [])]),
      }));
    }
  }
  const venue = <R extends { paper: string; table: string }>(r: R): R => ({
    ...r,
    table: qualifiedTable(suite.papers, r.paper, r.table),
  });
  const claimRows = auditClaims(claims, rows, notRun).map(venue);
  const relative = auditRelative(statements, rows, {
    smoke: manifest.profile === "smoke",
    components,
    notRunReasons: notRun,
  }).map(venue);
  const summaries = summariseRelative(statements, relative).map(venue);
  return { claims: claimRows, relative, statements: summaries };
}

/**
 * The plan summary of a run before it starts (harness/run/plan_summary.ts): plans without reading data, counts the
 * units per experiment (for `--resume`, those not yet done), estimates their seconds with the suite's `workload`
 * hook and the throughputs of the calibration file (else a committed bench.csv), and the disk the run writes.
 * Writes nothing and trains nothing.
 *
 * @throws {RunError} when `resume` names a run of another suite; the planner's errors (e.g. an unknown budget knob).
 */
export async function summarizeRun(
  opts: Pick<
    ReproduceOptions,
    "suite" | "profile" | "protocol" | "dataDir" | "backend" | "resume" | "seeds" | "only" | "budget"
  >,
  calibration: { path?: string; benchDir?: string } = {},
): Promise<PlanSummary> {
  const { suite } = opts;
  let done = new Set<string>();
  if (opts.resume) {
    const previous = await readManifest(resolve(opts.resume));
    if (previous.suite !== suite.id) {
      throw new RunError(
        `Cannot resume "${opts.resume}" as suite "${suite.id}": it is a run of "${previous.suite}"`,
      );
    }
    done = new Set((await readResults(resolve(opts.resume))).map((r) => `${r.cell}#${r.seed}`));
  }
  const planOptions = {
    profile: opts.profile,
    protocol: opts.protocol,
    dataDir: opts.dataDir,
    only: opts.only,
    seeds: opts.seeds,
    budget: opts.budget,
    verifyData: false,
  };
  const plan = await suite.plan(planOptions);
  const notes: string[] = [];
  const cells: PlannedUnits[] = plan.cells.map((c) => {
    let workload;
    try {
      workload = suite.workload?.(c, planOptions);
    } catch (e) {
      notes.push(`no estimate for ${c.id}: ${(e as Error).message}`);
    }
    return {
      cell: c.id,
      experiment: c.experiment,
      seeds: c.seeds.length,
      done: c.seeds.filter((seed) => done.has(`${c.id}#${seed}`)).length,
      workload,
    };
  });
  const shapes = [...new Set(cells.flatMap((c) => (c.workload ? [c.workload.shape] : [])))];
  const cal = shapes.length ? await loadCalibration(opts.backend, shapes, calibration) : undefined;
  return summarizePlan({
    suite: suite.id,
    version: suite.version,
    profile: opts.profile,
    protocol: opts.protocol,
    backend: opts.backend,
    cells,
    skipped: plan.skipped.length,
    resume: opts.resume !== undefined,
    notes,
  }, cal);
}

function sortedEntries(o: Record<string, number>): [string, number][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `test/f1 71.20, dev/f1 70.05`: the selected checkpoint's headline scores (F1 or accuracy), test first. */
export function formatMetrics(metrics: Record<string, number>): string {
  const shown = Object.entries(metrics)
    .filter(([k]) => /^(test|dev)\/(f1|accuracy)$|^lm\//.test(k))
    .sort(([a], [b]) => (a.startsWith("test") === b.startsWith("test") ? 0 : a.startsWith("test") ? -1 : 1));
  return shown.length ? shown.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ") : "no score";
}

function toRow(
  runId: string,
  opts: ReproduceOptions,
  backend: string,
  cell: PlannedCell,
  seed: number,
  r: Awaited<ReturnType<SuiteDefinition["runCell"]>>,
  runDeviations: string[],
): ResultRow {
  return {
    run_id: runId,
    suite: opts.suite.id,
    suite_version: opts.suite.version,
    profile: opts.profile,
    protocol: opts.protocol,
    backend,
    cell: cell.id,
    experiment: cell.experiment,
    seed,
    selection: r.selection,
    selected_at: r.selectedAt,
    progress_unit: r.progressUnit,
    units_run: r.unitsRun,
    metrics: r.metrics,
    train_tokens_per_s: Math.round(r.trainTokensPerSec),
    train_seconds: Math.round(r.trainSeconds * 10) / 10,
    predictions_sha256: r.predictionsSha256,
    deviations: [...runDeviations, ...cell.deviations],
    finished_at: new Date().toISOString(),
    epoch_log: r.epochLog,
    extra: r.extra,
  };
}

/**
 * Recomputes the audit of an existing run directory from its results and the suite's current claims, and
 * rewrites audit.csv/md.
 *
 * @throws {RunError} when the run belongs to a different suite than given.
 */
export async function reaudit(
  runDir: string,
  suite: SuiteDefinition,
): Promise<{ manifest: Manifest; audit: RunAudit }> {
  const manifest = await readManifest(runDir);
  if (manifest.suite !== suite.id) {
    throw new RunError(`Cannot audit "${runDir}" as suite "${suite.id}": it is a run of "${manifest.suite}"`);
  }
  const rows = await readResults(runDir);
  const notRun = new Map(manifest.skipped.map((s) => [s.id, s.reason]));
  if (manifest.status !== "complete") {
    const done = new Set(rows.map((r) => r.cell));
    for (const c of manifest.cells) {
      if (!done.has(c.id)) {
        notRun.set(
          c.id,
          `planned, but the run stopped before this cell (${manifest.timings.units_done} of ` +
            `${manifest.timings.units_total} cell × seed units done; continue with --resume)`,
        );
      }
    }
  }
  const audit = await auditRun(suite, manifest, measuredRows(rows), notRun);
  await writeAudit(runDir, manifest, audit);
  return { manifest, audit };
}
