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
import { isTagged, retag } from "../results/deviations.ts";
import { auditRelative, summariseRelative } from "../results/relative.ts";
import { changesBetween } from "../results/changelog.ts";
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
import { isTempFile, removeTempFiles, writeJsonAtomic, writeJsonAtomicSync } from "../results/store.ts";
import { deviation } from "../results/deviations.ts";
import { faultPoint } from "../results/faults.ts";
import { DERIVED_FILES, recordFiles, RESULT_FILES } from "../results/verify.ts";
import { acquireRunLock, LOCK_FILE } from "./run_lock.ts";
import { defaultArtifactsDir } from "./artifacts.ts";
import { gitInfo, makeRunId } from "./git_info.ts";
import { loadCalibration } from "./calibration.ts";
import { type PlannedUnits, type PlanSummary, summarizePlan } from "./plan_summary.ts";
import { RunProgress } from "./progress.ts";
import {
  DivergedError,
  type PlannedCell,
  type ProfileName,
  type ProtocolName,
  type RunPlan,
  type SuiteDefinition,
} from "./suite.ts";

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
  /** Choice overrides (validated against the suite's declared choices; each a recorded deviation). */
  choices?: Record<string, string>;
  /**
   * The artifact cache (stage outputs, unit checkpoints), outside the run directory: default
   * `defaultArtifactsDir()` of harness/run/artifacts.ts. The run records only keys and configurations.
   */
  artifactsDir?: string;
  quiet?: boolean;
  /** Recorded in the manifest (the first command, and each resume in its history). */
  command?: string[];
  /** Resume on another backend or BLAS core type than the run's, recording the change as a deviation. */
  allowBackendChange?: boolean;
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

/** The entries of a run directory that are not tagbench's own leftovers (temp files of atomic writes, the lock). */
function meaningfulEntries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !isTempFile(n) && n !== LOCK_FILE);
}

/** The command that continues a run. */
export function resumeCommand(runDir: string): string {
  return `deno task reproduce --resume ${runDir}`;
}

/**
 * Runs (or resumes) a suite under a profile and protocol, writing `manifest.json`, `results.csv|json` after every
 * cell × seed (atomically: a kill loses at most the unit in progress, or a minute of it with mid-unit
 * checkpoints), then `audit.csv|md`, and only then `status: complete`.
 *
 * The plan and the data checks come first; only then is a run directory claimed (a failed start leaves nothing
 * under `results/`). The directory is locked for the life of the process (harness/run/run_lock.ts). SIGINT and
 * SIGTERM mark the manifest `interrupted` and print the command that resumes it. A unit whose training diverges
 * (a `DivergedError`, or a non-finite `train/loss`) is recorded in the manifest's `failed` list with its reason
 * and the run goes on; its cell's claims read `not run: diverged …`.
 *
 * @throws {RunError} when the resumed run does not match the requested suite/version/profile/protocol/backend,
 *   when the plan has no cell, or `--out` holds a run or is a non-empty directory that is not a tagbench run.
 * @throws {RunLockedError} when another live process writes the run directory.
 */
export async function reproduce(opts: ReproduceOptions): Promise<ReproduceResult> {
  const { suite } = opts;
  const git = gitInfo();
  let previous: Manifest | undefined;
  let target: string | undefined;
  if (opts.resume) {
    target = resolve(opts.resume);
    previous = await readManifest(target);
    checkResumable(target, previous, opts);
  } else if (opts.out !== undefined) {
    target = resolve(opts.out);
    if (await exists(target)) {
      const entries = meaningfulEntries(target);
      if (entries.includes("manifest.json")) {
        const m = await readManifest(target).catch(() => undefined);
        throw new RunError(
          `Cannot write to "${target}": it holds a tagbench run (status ${
            m?.status ?? "unreadable"
          }); continue ` +
            `it with \`${resumeCommand(target)}\`, or choose another --out`,
        );
      }
      if (entries.length > 0) {
        throw new RunError(`Cannot write to "${target}": it is not empty and holds no tagbench run`);
      }
    }
  }

  // Plan and check the data before any directory is claimed.
  const backend = await initBackend(opts.backend);
  const plan = await suite.plan({
    profile: opts.profile,
    protocol: opts.protocol,
    dataDir: opts.dataDir,
    only: opts.only,
    seeds: opts.seeds,
    budget: opts.budget,
    choices: opts.choices,
  });
  if (plan.cells.length === 0) {
    throw new RunError(
      `Nothing to run: the ${opts.profile} profile plans no cell of ${suite.id}` +
        (opts.only?.length ? ` matching --only ${opts.only.join(",")}` : ""),
    );
  }
  if (previous) checkSamePlan(target!, previous, plan, opts);

  let runDir: string;
  let claimed = false;
  if (target) {
    runDir = target;
    if (!(await exists(runDir))) {
      await Deno.mkdir(runDir, { recursive: true });
      claimed = true;
    }
  } else {
    runDir = await claimRunDir(resolve("results", suite.id), makeRunId(git.short));
    claimed = true;
  }
  const lock = acquireRunLock(runDir, opts.command ?? []);
  let manifestWritten = false;
  const handlers = new Map<Deno.Signal, () => void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  try {
    removeTempFiles(runDir);
    if (previous) {
      // Another process may have written the run between our first read and the lock: read it again.
      previous = await readManifest(runDir);
      checkResumable(runDir, previous, opts);
      checkSamePlan(runDir, previous, plan, opts);
    }
    const runId = previous?.run_id ?? basename(runDir);
    const artifactsDir = resolve(opts.artifactsDir ?? previous?.artifacts_dir ?? defaultArtifactsDir());
    /** A unit's checkpoint folder in the artifact cache: the same on --resume (the run id is kept). */
    const checkpointDir = (cell: string, seed: number) =>
      join(artifactsDir, "checkpoints", suite.id, runId, `${cell.replaceAll("/", "~")}#${seed}`);
    const startedAt = previous?.timings.started_at ?? new Date().toISOString();
    const units = plan.cells.flatMap((c) => c.seeds.map((seed) => ({ cell: c, seed })));
    const rows = previous ? await readResults(runDir) : [];
    const failed: NonNullable<Manifest["failed"]> = [...(previous?.failed ?? [])];
    const done = new Set([...rows, ...failed].map((r) => `${r.cell}#${r.seed}`));
    const wallStart = performance.now() - (previous?.timings.wall_seconds ?? 0) * 1000;
    const blasText = opts.backend === "wasm" ? describeBlas() : "backend's own matMul";
    const now = new Date().toISOString();
    const event = {
      event: previous ? "resume" : "start",
      at: now,
      command: opts.command ?? [],
      host: hostname(),
      backend: backend.name,
      blas: blasText,
      units_done: rows.length,
    };
    // A resume on another backend or BLAS core type (allowed by --allow-backend-change) is a deviation of the
    // units run after it.
    const backendChange = previous && backendDiffers(previous, backend.name, blasText)
      ? deviation(
        "backend",
        `resumed on ${backend.name} (${blasText}) after ${rows.length} units on ${previous.backend.name} ` +
          `(${
            previous.backend.blas ?? "?"
          }): the units run after the change are computed with other numerics`,
      )
      : undefined;

    const manifest: Manifest = {
      schema_version: SCHEMA_VERSION,
      suite: suite.id,
      suite_version: suite.version,
      suite_title: suite.title,
      citation: suite.citation,
      run_id: runId,
      status: "running",
      created_at: previous?.created_at ?? now,
      updated_at: now,
      command: previous?.command ?? opts.command ?? [],
      history: [...(previous?.history ?? []), event],
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
        blas: blasText,
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
      choice_overrides: opts.choices && Object.keys(opts.choices).length ? opts.choices : undefined,
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
      ...(failed.length ? { failed } : {}),
      artifacts_dir: artifactsDir,
      stages: plan.stages,
      timings: { started_at: startedAt, wall_seconds: 0, units_done: rows.length, units_total: units.length },
      resumed_at: previous ? [...previous.resumed_at, now] : [],
    };
    const refreshTimings = () => {
      manifest.updated_at = new Date().toISOString();
      manifest.timings.wall_seconds = Math.round((performance.now() - wallStart) / 100) / 10;
      manifest.timings.units_done = rows.length;
      const tps = rows.map((r) => r.train_tokens_per_s).filter((x) => Number.isFinite(x));
      manifest.timings.mean_train_tokens_per_s = tps.length
        ? Math.round(tps.reduce((a, b) => a + b, 0) / tps.length)
        : undefined;
    };
    const saveManifest = async () => {
      refreshTimings();
      await writeJsonAtomic(join(runDir, "manifest.json"), manifest);
      manifestWritten = true;
    };
    await saveManifest();
    const progress = new RunProgress(units.length, {
      quiet: opts.quiet,
      estimates: opts.unitSeconds &&
        units.map(({ cell, seed }) => (done.has(`${cell.id}#${seed}`) ? 0 : opts.unitSeconds![cell.id])),
    });
    const onSignal = (sig: Deno.Signal) => {
      // Synchronous from here to the exit: nothing else of this process runs in between, so no write is left
      // half-way (every file is written by rename) and no later write undoes this one.
      progress.abort();
      // A write the signal cut between its temp file and its rename never lands: its file keeps the last
      // complete version, and the temp file goes.
      removeTempFiles(runDir);
      manifest.status = "interrupted";
      manifest.history = [...(manifest.history ?? []), {
        event: "interrupted",
        at: new Date().toISOString(),
        signal: sig,
      }];
      refreshTimings();
      writeJsonAtomicSync(join(runDir, "manifest.json"), manifest);
      lock.release();
      console.error(
        `\ninterrupted (${sig}) after ${rows.length} of ${units.length} units; continue with: ` +
          resumeCommand(runDir),
      );
      Deno.exit(sig === "SIGINT" ? 130 : 143);
    };
    for (const sig of signals) {
      handlers.set(sig, () => onSignal(sig));
      Deno.addSignalListener(sig, handlers.get(sig)!);
    }
    if (!opts.quiet) {
      console.error(
        `tagbench: ${suite.id} v${suite.version}, profile ${opts.profile}, protocol ${opts.protocol}, backend ` +
          `${backend.name} (${backend.device}); ${units.length} runs (${done.size} already done), ` +
          `${plan.skipped.length} cells not run; writing ${runDir}`,
      );
    }

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
          choices: opts.choices,
          artifactsDir,
          checkpointDir: checkpointDir(cell.id, seed),
          onProgress: (p) => {
            faultPoint("progress");
            progress.update(p);
          },
        });
        const loss = result.metrics["train/loss"];
        if (loss !== undefined && !Number.isFinite(loss)) {
          throw new DivergedError(`train/loss of the selected checkpoint is ${loss}`);
        }
      } catch (e) {
        if (!(e instanceof DivergedError)) {
          progress.abort();
          throw e;
        }
        failed.push({ cell: cell.id, seed, reason: `diverged: ${e.message}`, at: new Date().toISOString() });
        manifest.failed = failed;
        await Deno.remove(checkpointDir(cell.id, seed), { recursive: true }).catch(() => {});
        progress.endCell(`diverged: ${e.message} (recorded as failed; the run goes on)`);
        await saveManifest();
        continue;
      }
      const row = toRow(runId, opts, backend.name, cell, seed, result, plan.deviations);
      if (backendChange) row.deviations.push(backendChange);
      rows.push(row);
      await Deno.remove(checkpointDir(cell.id, seed), { recursive: true }).catch(() => {});
      progress.endCell(
        `${formatMetrics(result.metrics)} (${result.progressUnit} ${result.selectedAt}, selected by ` +
          `${result.selection}), ${Math.round(result.trainTokensPerSec)} tok/s`,
      );
      await writeResults(runDir, rows);
      recordFiles(manifest, runDir, RESULT_FILES);
      faultPoint("unit");
      await saveManifest();
    }
    await writeResults(runDir, rows);
    recordFiles(manifest, runDir, RESULT_FILES);

    const notRun = new Map(plan.skipped.map((s) => [s.id, s.reason]));
    for (const f of failed) {
      if (!rows.some((r) => r.cell === f.cell)) notRun.set(f.cell, `${f.reason} (seed ${f.seed})`);
    }
    manifest.status = "complete";
    const audit = await auditRun(suite, manifest, measuredRows(rows), notRun);
    await writeAudit(runDir, manifest, audit);
    recordFiles(manifest, runDir, DERIVED_FILES);
    await saveManifest(); // complete only once the audit files exist
    return { runDir, manifest, rows, audit };
  } catch (e) {
    // A start that failed before its first manifest leaves no directory behind (nothing in it to resume).
    if (claimed && !manifestWritten) await Deno.remove(runDir, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
    lock.release();
  }
}

/**
 * Whether a resume would continue the run it names: same suite, version, profile and protocol, and (unless
 * `allowBackendChange`) the same backend and BLAS core type.
 *
 * @throws {RunError} naming what differs and both values.
 */
function checkResumable(runDir: string, previous: Manifest, opts: ReproduceOptions): void {
  for (
    const [what, got, want] of [
      ["suite", previous.suite, opts.suite.id],
      ["suite version", previous.suite_version, opts.suite.version],
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
  if (previous.status === "complete") {
    throw new RunError(
      `Cannot resume "${runDir}": the run is complete (re-audit it with \`deno task audit ${runDir}\`)`,
    );
  }
}

/** True when the backend or (for wasm) the BLAS description of a resume differs from the run's. */
function backendDiffers(previous: Manifest, backend: string, blasText: string): boolean {
  return previous.backend.name !== backend || (previous.backend.blas ?? blasText) !== blasText;
}

/**
 * Whether the plan of a resume is the run's own: the same cells with the same seeds, the same budget overrides,
 * and the same backend and BLAS (unless `allowBackendChange`).
 *
 * @throws {RunError} naming what differs.
 */
function checkSamePlan(runDir: string, previous: Manifest, plan: RunPlan, opts: ReproduceOptions): void {
  const seedsOf = (cells: { id: string; seeds: number[] }[]) =>
    JSON.stringify(cells.map((c) => [c.id, c.seeds]).sort());
  if (seedsOf(previous.cells) !== seedsOf(plan.cells)) {
    throw new RunError(
      `Cannot resume "${runDir}": this suite version now plans other cells or seeds for it than the run's ` +
        `manifest records (${previous.cells.length} cells, ${
          previous.cells.reduce((n, c) => n + c.seeds.length, 0)
        } units there, ${plan.cells.length} cells, ${
          plan.cells.reduce((n, c) => n + c.seeds.length, 0)
        } now)`,
    );
  }
  const was = JSON.stringify(sortedEntries(previous.budget_overrides ?? {}));
  if (was !== JSON.stringify(sortedEntries(opts.budget ?? {}))) {
    throw new RunError(
      `Cannot resume "${runDir}": it was run with budget overrides ${was}, this command asks for ` +
        `${JSON.stringify(sortedEntries(opts.budget ?? {}))}`,
    );
  }
  const wasChoices = JSON.stringify(sortedEntries(previous.choice_overrides ?? {}));
  if (wasChoices !== JSON.stringify(sortedEntries(opts.choices ?? {}))) {
    throw new RunError(
      `Cannot resume "${runDir}": it was run with choice overrides ${wasChoices}, this command asks for ` +
        `${JSON.stringify(sortedEntries(opts.choices ?? {}))}`,
    );
  }
  const blasText = opts.backend === "wasm" ? describeBlas() : "backend's own matMul";
  if (!opts.allowBackendChange && backendDiffers(previous, opts.backend, blasText)) {
    throw new RunError(
      `Cannot resume "${runDir}" on backend ${opts.backend} (${blasText}): it ran on ${previous.backend.name} ` +
        `(${
          previous.backend.blas ?? "?"
        }); the numbers would change mid-run. Resume it on that backend, or ` +
        `give --allow-backend-change to record the change as a deviation of the units run after it`,
    );
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
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
    rows.some((r) => r.deviations.some((d) => !isTagged(d)))
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
  const changelog = (await suite.changelog?.()) ?? [];
  return {
    claims: claimRows,
    relative,
    statements: summaries,
    suite: {
      version: suite.version,
      citation: suite.citation,
      changesSince: changesBetween(changelog, manifest.suite_version, suite.version),
    },
  };
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
    | "suite"
    | "profile"
    | "protocol"
    | "dataDir"
    | "backend"
    | "resume"
    | "seeds"
    | "only"
    | "budget"
    | "choices"
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
    choices: opts.choices,
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

function sortedEntries<V>(o: Record<string, V>): [string, V][] {
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
 * Recomputes the audit of an existing run directory from its results and the suite's current claims, rewrites
 * audit.csv, audit_relative.csv and audit.md, records their new sha256 in the manifest and appends {command,
 * commit, suite version, time} to its history (harness/results/verify.ts).
 *
 * @throws {RunError} when the run belongs to a different suite than given.
 * @throws {RunLockedError} when another process writes the run.
 */
export async function reaudit(
  runDir: string,
  suite: SuiteDefinition,
  opts: { command?: string[] } = {},
): Promise<{ manifest: Manifest; audit: RunAudit }> {
  const lock = acquireRunLock(runDir, opts.command ?? ["audit", runDir]);
  try {
    return await reauditLocked(runDir, suite, opts);
  } finally {
    lock.release();
  }
}

async function reauditLocked(
  runDir: string,
  suite: SuiteDefinition,
  opts: { command?: string[] },
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
  // The audit files are derived: their new hashes, and who rewrote them, go into the manifest.
  recordFiles(manifest, runDir, DERIVED_FILES);
  const git = gitInfo();
  manifest.history = [...(manifest.history ?? []), {
    event: "audit",
    at: new Date().toISOString(),
    command: opts.command ?? [],
    commit: git.commit,
    suite_version: suite.version,
  }];
  await writeJsonAtomic(join(runDir, "manifest.json"), manifest);
  return { manifest, audit };
}
