/**
 * The contract between the engine (planner, runner, results store, audit) and a suite (one paper).
 *
 * A suite is content: it declares its experiments, claims and profiles, and implements `runCell` for one
 * experiment cell and one seed. The engine knows nothing about any particular paper.
 *
 * @module
 */

import type { Claim } from "../results/claims.ts";
import type { RelativeStatement } from "../results/relative.ts";
import type { ChangelogEntry } from "../results/changelog.ts";
import type { ExternalResource } from "./define.ts";
import type { ModelShape } from "../bench/shapes.ts";
import type { ProgressUnit } from "../results/run_record.ts";

/** How much of a protocol to run (README.md, profiles). */
export type ProfileName = "smoke" | "paper" | "nightly";

/** `paper`: what the authors' code did; `clean`: dev selection, IOB2 + exact conlleval, ≥5 seeds (README.md, protocols). */
export type ProtocolName = "paper" | "clean";

/** All profile names, in the order they are listed in help texts. */
export const PROFILES: readonly ProfileName[] = ["smoke", "paper", "nightly"];

/** All protocol names. */
export const PROTOCOLS: readonly ProtocolName[] = ["paper", "clean"];

/** A planned experiment cell: what must be trained and evaluated to check one or more claims. */
export interface PlannedCell {
  /** Stable id shared with the claims file, e.g. `t3/es/base/k=10`. */
  id: string;
  /** Experiment (table/figure) this cell belongs to, e.g. `table3`. */
  experiment: string;
  /** Seeds to run, one result row each. Never shared between two cells of one run. */
  seeds: number[];
  /** Free-form, JSON-serialisable description written to the manifest (datasets, model, sizes, epochs…). */
  config: Record<string, unknown>;
  /**
   * Ways this cell departs from the paper's protocol, each `[component] text` (harness/results/deviations.ts);
   * any entry makes its numeric claims `not comparable`.
   */
  deviations: string[];
  /** The components the cell uses (a relative claim compares deviations of components both sides use). */
  components?: string[];
}

/** A claim's cell that the profile cannot or does not run, with the reason shown in the audit. */
export interface SkippedCell {
  id: string;
  reason: string;
}

/**
 * The planner's rule shared by every suite for a runnable cell: `not in the <profile> profile` when the profile
 * does not include it, else `excluded by --only` when `opts.only` is given and no entry selects its id (see
 * {@link onlySelects}), else undefined (the cell is planned). Cell-specific reasons (a missing resource, an empty
 * subset) come first, in the suite.
 */
export function profileSkipReason(
  id: string,
  inProfile: boolean,
  opts: Pick<PlanOptions, "profile" | "only">,
): string | undefined {
  if (!inProfile) return `not in the ${opts.profile} profile`;
  if (opts.only && !opts.only.some((p) => onlySelects(p, id))) return "excluded by --only";
  return undefined;
}

/**
 * Whether an `--only` entry selects a cell id: a prefix of the id (`t3/es/base` selects every Table 3 Base cell
 * on Spanish), or, ending in `$`, exactly the id (`t3/es/base/k=10$` selects k = 10 but not k = 100).
 */
export function onlySelects(entry: string, id: string): boolean {
  return entry.endsWith("$") ? id === entry.slice(0, -1) : id.startsWith(entry);
}

/** The plan of one run: the cells to run and the cells left out. */
export interface RunPlan {
  cells: PlannedCell[];
  skipped: SkippedCell[];
  /** Stage outputs the planned cells need: each distinct configuration once, with the cells that use it. */
  stages?: { stage: string; key: string; config: Record<string, unknown>; cells: string[] }[];
  /** Deviations of the whole run (e.g. the smoke profile itself), recorded in the manifest. */
  deviations: string[];
  /** Data files the run reads, with sha256, for the manifest. */
  dataFiles: { dataset: string; split: string; path: string; sha256: string }[];
  /** Embedding tables used, for the manifest. */
  embeddings: Record<string, unknown>[];
  /** Protocol details for the manifest (scorer, tag scheme, selection, subset rule…). */
  protocolDetails: Record<string, unknown>;
}

/**
 * Progress of the unit being trained, for the live progress line. Counted in `unit`s (epochs, or iterations /
 * steps for suites whose budget is counted so); a score carries its metric key so that the line labels it.
 */
export interface CellProgress {
  unit: ProgressUnit;
  /** Units done (1-based when inside an epoch: the epoch in progress). */
  at: number;
  /** Units in the budget (0 when unknown). */
  of: number;
  /** Within an epoch: steps done and steps in it (only for `unit` epoch). */
  step?: number;
  stepsInEpoch?: number;
  loss: number;
  /** The latest evaluation's score and its metric key, e.g. `dev/f1` or `test/accuracy`. */
  score?: { key: string; value: number };
  /** Training tokens per second of step time, when measured. */
  tokensPerSec?: number;
  /** Evaluations made so far in this unit and the seconds they took (shown as the evaluation cadence's cost). */
  evaluations?: { count: number; seconds: number };
}

/** What `runCell` returns for one cell and seed. Scores in percent (units: harness/results/metrics.ts). */
export interface CellRunResult {
  /** Metrics of the selected checkpoint by key (`dev/f1`, `test/accuracy`, `train/loss`…); not measured = absent. */
  metrics: Record<string, number>;
  /** The checkpoint selection rule that chose them, e.g. `max dev/f1`, `max test/f1`. */
  selection: string;
  /** Where the selected checkpoint was taken, in `progressUnit`s. */
  selectedAt: number;
  progressUnit: ProgressUnit;
  /** How many `progressUnit`s were run. */
  unitsRun: number;
  trainTokensPerSec: number;
  trainSeconds: number;
  /** sha256 of the test predictions (one tag per line, blank line between sentences). */
  predictionsSha256: string;
  /** Per-epoch (or per-evaluation) log: loss, scores, lr, tokens/s. */
  epochLog: Record<string, number>[];
  /** Anything else worth a column (vocab sizes, embedding coverage…). */
  extra?: Record<string, string | number>;
}

/** A unit's training diverged (harness/train/spec_error.ts); the runner records it as failed and goes on. */
export { DivergedError } from "../train/spec_error.ts";

/** Options the engine passes to a suite when planning. */
export interface PlanOptions {
  profile: ProfileName;
  protocol: ProtocolName;
  dataDir: string;
  /** Restrict to cells whose id starts with one of these prefixes. */
  only?: string[];
  /** Override the number of seeds per cell. */
  seeds?: number;
  /** Budget overrides by knob (`--budget epochs=20`), validated against the suite's knobs; each a deviation. */
  budget?: Record<string, number>;
  /** Choice overrides (`--choice mixing=joint`), validated against the suite's declared choices; each a
   * deviation. */
  choices?: Record<string, string>;
  /** Read and hash the data files (default true). `list` and `validate` plan without touching data. */
  verifyData?: boolean;
}

/**
 * The estimated work of one unit (cell × seed), from the cell's configuration and declared data sizes, never
 * from the data (a suite's `workload` hook; harness/run/plan_summary.ts turns it into seconds). Token counts
 * are in the bench shape's units: real tokens weighted by the suite's declared cost of its model per token
 * relative to the shape's (extra passes, e.g. adversarial training's, counted).
 */
export interface UnitWorkload {
  /** Id of the bench shape (harness/bench/shapes.ts) whose measured training tokens/s applies, e.g. `S2`. */
  shape: string;
  /** Tokens trained on in total: every epoch or iteration, every resource or task, weighted as above. */
  trainTokens: number;
  /** Tokens predicted in total: every evaluation of dev and test, weighted as above (a forward pass). */
  evalTokens: number;
  /** Entries (epochs or evaluations) of the unit's training log in results.json, for the disk estimate. */
  logEntries?: number;
}

/** Context for running one cell. */
export interface CellContext {
  profile: ProfileName;
  protocol: ProtocolName;
  dataDir: string;
  /** The run's budget overrides (the planned cell's config holds the resolved budget). */
  budget?: Record<string, number>;
  /** The run's choice overrides (the planned cell's config holds what the hooks made of them). */
  choices?: Record<string, string>;
  /** The artifact cache for stage outputs (default: harness/run/artifacts.ts defaultArtifactsDir). */
  artifactsDir?: string;
  /** Where this unit may checkpoint to resume mid-way; the runner removes it when the unit is done. */
  checkpointDir?: string;
  onProgress: (p: CellProgress) => void;
}

/** A declared protocol choice as the command line shows it (harness/run/define.ts `ChoiceDecl`). */
export interface ChoiceSummary {
  description: string;
  /** Option name → what it is. */
  options: Record<string, string>;
  /** The option each protocol uses unless overridden. */
  defaults: Record<string, string>;
}

/** One paper, as the runner sees it (built from a declaration by `defineSuite`, harness/run/define.ts). */
export interface SuiteDefinition {
  /** `yang2017`, `datnet`, `perl2020`, `mlma2019`. */
  id: string;
  /** Bumped whenever the protocol changes; recorded in every result. */
  version: string;
  title: string;
  citation: string;
  /** The paper's published numbers. */
  claims(): Promise<Claim[]>;
  /** The papers' directional statements (relative_claims.csv; none when the suite declares none). */
  relativeClaims(): Promise<RelativeStatement[]>;
  /** The papers the claims cite: id (the claims' `paper` column) and venue (`ACL 2019`). */
  papers: { id: string; venue: string }[];
  /** Resources the paper used that are not distributed here (used when present in the data directory). */
  resources?: readonly ExternalResource[];
  /** The suite's changelog (its README's "## Changelog"), newest first; empty when it has none. */
  changelog?(): Promise<ChangelogEntry[]>;
  /** Plans a run without training anything (also used by `validate` and `list`). */
  plan(opts: PlanOptions): Promise<RunPlan>;
  /** Trains and evaluates one cell with one seed. */
  runCell(cell: PlannedCell, seed: number, ctx: CellContext): Promise<CellRunResult>;
  /**
   * The estimated work of one unit of a planned cell under these plan options (the cost model of the plan
   * summary and the run ETA); absent when the suite declares no cost model.
   *
   * @throws {Error} when the cell's data sizes are not declared.
   */
  workload?(cell: PlannedCell, opts: PlanOptions): UnitWorkload;
  /** Budget knobs the suite declares, by name, with their descriptions (for `--budget` validation and help). */
  budgetKnobs?: Record<string, string>;
  /** Protocol choices the suite declares (`--choice name=option`), with their options and defaults. */
  choices?: Record<string, ChoiceSummary>;
  /** The suite's real models as bench shapes (`deno task bench`). */
  benchShapes?: readonly ModelShape[];
  /** Figures the suite can draw into a run directory; returns the paths written. */
  drawFigures?(runDir: string): Promise<string[]>;
}
