/**
 * The contract between the engine (planner, runner, results store, audit) and a suite (one paper).
 *
 * A suite is content: it declares its experiments, claims and profiles, and implements `runCell` for one
 * experiment cell and one seed. The engine knows nothing about any particular paper.
 *
 * @module
 */

import type { PRF } from "../types.ts";
import type { Claim } from "../results/claims.ts";

/** How much of a protocol to run (design.md §1). */
export type ProfileName = "smoke" | "paper" | "nightly";

/** `paper`: what the authors' code did; `clean`: dev selection, IOB2 + exact conlleval, ≥5 seeds (design.md §1). */
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
  /** Ways this cell departs from the paper's protocol; any entry makes its claims `not comparable`. */
  deviations: string[];
}

/** A claim's cell that the profile cannot or does not run, with the reason shown in the audit. */
export interface SkippedCell {
  id: string;
  reason: string;
}

/**
 * The planner's rule shared by every suite for a runnable cell: `not in the <profile> profile` when the profile
 * does not include it, else `excluded by --only` when `opts.only` is given and no prefix starts its id, else
 * undefined (the cell is planned). Cell-specific reasons (a missing resource, an empty subset) come first, in
 * the suite.
 */
export function profileSkipReason(
  id: string,
  inProfile: boolean,
  opts: Pick<PlanOptions, "profile" | "only">,
): string | undefined {
  if (!inProfile) return `not in the ${opts.profile} profile`;
  if (opts.only && !opts.only.some((p) => id.startsWith(p))) return "excluded by --only";
  return undefined;
}

/** The plan of one run: the cells to run and the cells left out. */
export interface RunPlan {
  cells: PlannedCell[];
  skipped: SkippedCell[];
  /** Deviations of the whole run (e.g. the smoke profile itself), recorded in the manifest. */
  deviations: string[];
  /** Data files the run reads, with sha256, for the manifest. */
  dataFiles: { dataset: string; split: string; path: string; sha256: string }[];
  /** Embedding tables used, for the manifest. */
  embeddings: Record<string, unknown>[];
  /** Protocol details for the manifest (scorer, tag scheme, selection, subset rule…). */
  protocolDetails: Record<string, unknown>;
}

/** Progress of the cell being trained, for the live progress line. */
export interface CellProgress {
  epoch: number;
  epochs: number;
  step?: number;
  stepsInEpoch?: number;
  loss: number;
  devF1?: number;
  tokensPerSec: number;
}

/** What `runCell` returns for one cell and seed. Metrics are percentages (0–100). */
export interface CellRunResult {
  /** Selected checkpoint's epoch (1-based). */
  selectedEpoch: number;
  /** Which split chose the checkpoint; `test` is recorded because one released DATNet version did that. */
  selection: "dev" | "test" | "max-test";
  epochsRun: number;
  dev: PRF;
  test: PRF;
  trainTokensPerSec: number;
  trainSeconds: number;
  /** sha256 of the test predictions (one tag per line, blank line between sentences). */
  predictionsSha256: string;
  /** Per-epoch log: loss, dev/test F1, lr, tokens/s. */
  epochLog: Record<string, number>[];
  /** Anything else worth a column (vocab sizes, embedding coverage…). */
  extra?: Record<string, string | number>;
}

/**
 * Scale overrides from the command line (`--epochs`, `--source-batches`, `--eval-every`, `--iterations`), for runs a machine can
 * afford. Every override given is a run-level deviation the suite records; a suite may ignore ones that do not
 * apply to it (and says so).
 */
export interface ScaleOverrides {
  /** Training epochs per cell. */
  epochs?: number;
  /** Cap on source batches per epoch for transfer models. */
  sourceBatchesPerEpoch?: number;
  /** Evaluate dev/test every n-th epoch (and after the last). */
  evalEvery?: number;
  /** Cap on training iterations (batches) per task, for suites whose budget is counted in iterations. */
  iterationsPerTask?: number;
}

/** Options the engine passes to a suite when planning. */
export interface PlanOptions {
  profile: ProfileName;
  protocol: ProtocolName;
  dataDir: string;
  /** Restrict to cells whose id starts with one of these prefixes. */
  only?: string[];
  /** Override the number of seeds per cell. */
  seeds?: number;
  /** Scale overrides (each one a recorded deviation). */
  scale?: ScaleOverrides;
  /** Read and hash the data files (default true). `list` and `validate` plan without touching data. */
  verifyData?: boolean;
}

/** Context for running one cell. */
export interface CellContext {
  profile: ProfileName;
  protocol: ProtocolName;
  dataDir: string;
  onProgress: (p: CellProgress) => void;
}

/** One paper. */
export interface SuiteDefinition {
  /** `yang2017`, `datnet`, `perl2020`, `mlma2019`. */
  id: string;
  /** Bumped whenever the protocol changes; recorded in every result. */
  version: string;
  title: string;
  citation: string;
  /** The paper's published numbers. */
  claims(): Promise<Claim[]>;
  /** Plans a run without training anything (also used by `validate` and `list`). */
  plan(opts: PlanOptions): Promise<RunPlan>;
  /** Trains and evaluates one cell with one seed. */
  runCell(cell: PlannedCell, seed: number, ctx: CellContext): Promise<CellRunResult>;
}
