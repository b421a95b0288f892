/**
 * Suites as declarations. A suite declares its paper card, claims file, datasets, model variants, experiments
 * (one per paper table or figure: its cells, each with an id, settings and an optional blocker), protocols (data
 * the code acts on: scorer ids, tag scheme, subset and selection rules), profiles, budget knobs, external
 * resources and figures, plus a few hooks for what data cannot say (a cell's configuration and deviations, its
 * datasets, training one cell). {@link defineSuite} turns that into the runner's {@link SuiteDefinition} and does
 * the work common to every suite once: expanding and de-duplicating cells (refusing one id declared twice with
 * different settings), the skip rules, seeds, budget overrides → deviations, hashing the data and resources,
 * `protocol_details` from the protocol object, hashing predictions.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadDatasetShared } from "../data/load.ts";
import { getDataset } from "../data/registry.ts";
import { ENGINE_CHECKPOINT_EVERY_SECONDS, type TrainerRunOptions } from "../train/checkpoint.ts";
import { artifactKey, defaultArtifactsDir, ensureArtifact, type StageArtifact } from "./artifacts.ts";
import type { ModelShape } from "../bench/shapes.ts";
import { didYouMean } from "../did_you_mean.ts";
import { type Claim, loadClaims } from "../results/claims.ts";
import {
  deviation,
  type DeviationComponent,
  isTagged,
  TARGET_ONLY_COMPONENTS,
} from "../results/deviations.ts";
import { loadRelativeClaims, type RelativeStatement } from "../results/relative.ts";
import { parseChangelog } from "../results/changelog.ts";
import { cellSeeds } from "./seeds.ts";
import { drawFigures } from "./figures.ts";
import {
  type CellContext,
  type CellRunResult,
  type PlannedCell,
  type PlanOptions,
  type ProfileName,
  profileSkipReason,
  type ProtocolName,
  type RunPlan,
  type SkippedCell,
  type SuiteDefinition,
  type UnitWorkload,
} from "./suite.ts";

// ---------------------------------------------------------------------------------------------------------------
// The declaration.

/** The paper card: who wrote it, where, and the code the published numbers came from. */
export interface PaperCard {
  title: string;
  citation: string;
  /** The authors' released code, e.g. `github:kimiyoung/transfer`. */
  code?: string;
  /**
   * Every paper the claims cite, by the id of their `paper` column, with the venue and year that qualifies its
   * tables in the audit and `list` (`venue: "ACL 2019"` → "ACL 2019 Table 3").
   */
  papers: { id: string; venue: string }[];
}

/** One declared cell: what must be trained to check one or more claims. `S` is the suite's cell settings. */
export interface CellDecl<S> {
  /** Stable id shared with the claims file, e.g. `t3/es/base/k=10`. */
  id: string;
  settings: S;
  /** Why this cell cannot run here whatever the profile (a missing resource, an unstated protocol). */
  blocker?: string;
}

/** One paper table or figure: its cells and where it is printed. */
export interface ExperimentDecl<S> {
  id: string;
  title: string;
  /** Where in the paper(s), e.g. `ACL p.6 Table 3; TPAMI Table 6`. */
  source: string;
  cells: CellDecl<S>[];
  /** What the harness chose where the paper is silent (recorded in the manifest when the experiment runs). */
  notes?: string[];
}

/** A declared cell after expansion: each id once, with every experiment that uses it (first = declaring one). */
export interface DeclaredCell<S> extends CellDecl<S> {
  experiments: string[];
}

/**
 * A protocol as data the code acts on: which scorer (an id from harness/metrics/scorers.ts or one the suite
 * registers), tag scheme, subset and pool rules, checkpoint selection rule and patience. A suite's hooks read
 * these fields; none switches on the protocol's name. Every field is written to `protocol_details`.
 */
export interface ProtocolDecl {
  /** Scorer id per task kind (`ner`, `chunk`, `pos`), or one id for every task. */
  scorer: string | Record<string, string>;
  /** Tag scheme the model is trained and scored in. */
  tagScheme: string;
  /** Rule id of the training subset (e.g. `first-k`, `seeded-random`, `numpy-choice`). */
  subset: string;
  /** Checkpoint selection rule per task kind, or one rule (`max dev/f1`, `max test/f1`, `last`…). */
  selection: string | Record<string, string>;
  /** Evaluations without improvement before stopping; 0 = never. */
  patience: number;
  /** Seeds per cell when the profile does not say. */
  seeds?: number;
  /** Anything else the suite's hooks read (rule ids, switches); written to the manifest as is. */
  rules?: Record<string, string | number | boolean>;
  /** Prose for the manifest: what each rule means, in the paper's and released code's terms. */
  notes: Record<string, string>;
}

/** How much of a protocol a profile runs. `P` is the suite's own per-profile settings (data caps…). */
export interface ProfileDecl<S, P> {
  description: string;
  /** Runs the declared cells for which this returns true. */
  includes: (cell: DeclaredCell<S>) => boolean;
  /** Seeds per cell: a number, a rule, or undefined for the protocol's `seeds`. */
  seeds?: number | ((cell: DeclaredCell<S>, protocol: ProtocolName) => number);
  /** Default of every budget knob in this profile; `null` = unlimited (e.g. a full pass). */
  budget: Record<string, number | null>;
  /** Deviations this profile itself is, besides the smoke profile's own (added by the engine); each tagged
   * with its component (`deviation("budget", …)`, harness/results/deviations.ts). */
  deviations?: string[];
  settings: P;
}

/** One budget knob: overridable with `--budget knob=value`, each override a recorded deviation. */
export interface BudgetKnob {
  /** What the number counts, e.g. `training epochs per cell`. */
  description: string;
  /** What `null` (no cap) means, e.g. `a full pass over the source`. */
  unlimited?: string;
  /** What a smaller value costs the comparison, appended to the deviation. */
  effect?: string;
  /** The component an override touches (harness/results/deviations.ts); default `budget`. */
  component?: DeviationComponent;
}

/**
 * A protocol choice: a point where the paper and the released code (or two released versions) can be read in
 * several ways that change results, declared with every reading as an option. Each protocol names the option it
 * follows; `--choice name=option` runs another, recorded as a deviation tagged with `component` (e.g. DATNet's
 * batch mixing: the first author's rule, the second repository's, or a joint 1 : 1 step). Hooks read the
 * resolved option from `ctx.choices[name]`; none switches on the protocol's name.
 */
export interface ChoiceDecl {
  description: string;
  /** The component another option touches (harness/results/deviations.ts). */
  component: DeviationComponent;
  /** Option name → what it is and where it comes from (paper section, released file). */
  options: Record<string, string>;
  /** The option each protocol follows. */
  defaults: Record<ProtocolName, string>;
}

/**
 * A resource the paper used that is not distributed here. When every path exists under the data directory it is
 * used and hashed; otherwise the suite records `deviation` and uses `substitute`.
 */
export interface ExternalResource {
  id: string;
  title: string;
  /** Files, relative to the data directory; empty when this version cannot load the resource at all. */
  paths: string[];
  /** Which cells use it (for the reader). */
  usedFor: string;
  substitute: string;
  /** Where it is published and what to take from it (for `deno task data resources`). */
  source?: string;
  /**
   * What `deno task data fetch` downloads for it, one entry per file: `path` under the data directory (one of
   * `paths`); `url` of the file or, with `member`, of a zip archive holding it as that member (`archiveSha256`:
   * the archive's, when published); `sha256` (lower-case hex) and `bytes` of the file when published: without a
   * sha256 the file is downloaded but reported "unverified (no published sha256)"; `restricted`: the licence
   * terms when they restrict redistribution (printed; fetched only with `--accept-licence`). Absent: none.
   */
  downloads?: {
    path: string;
    url: string;
    sha256?: string;
    bytes?: number;
    member?: string;
    archiveSha256?: string;
    restricted?: string;
  }[];
}

/** What the hooks get besides the cell. */
export interface SuiteContext<T extends SuiteTypes> {
  profile: ProfileName;
  protocol: ProtocolName;
  protocolDecl: ProtocolDecl;
  profileDecl: { description: string; settings: T["profile"] };
  datasets: Record<string, T["dataset"]>;
  /** Variants with `extends` resolved. */
  variants: Record<string, T["variant"]>;
  /** Every budget knob after overrides (`null` = unlimited). */
  budget: Record<string, number | null>;
  /** Every declared choice's option after overrides (the protocol's default unless `--choice` set it). */
  choices: Record<string, string>;
  /** Which external resources exist under the data directory, by id. */
  available: Record<string, boolean>;
  /** Absolute paths of each external resource's files, by id (whether they exist or not). */
  resourcePaths: Record<string, string[]>;
  dataDir: string;
}

/** What training one cell × seed returns to the engine; the engine hashes the predictions. */
export type CellOutcome = Omit<CellRunResult, "predictionsSha256"> & {
  /** Test predictions of the selected checkpoint, one tag list per test sentence, hashed by the engine. */
  testPredictions: string[][];
};

/**
 * A stage: work whose output many cells reuse (e.g. mlma2019's multilingual LM pre-training, §3), run once per
 * distinct configuration into the artifact cache (harness/run/artifacts.ts) before the first cell that needs it.
 */
export interface StageDecl<T extends SuiteTypes> {
  title: string;
  /** Where in the paper, e.g. `§3.2 pre-training`. */
  source: string;
  /**
   * Runs the stage: writes its output files into `dir` (a fresh folder) and returns what it measured by metric
   * key (`lm/dev_ppl`…); those metrics are added to the rows of every cell that uses the output.
   */
  run(
    config: Record<string, unknown>,
    ctx: SuiteContext<T> & { dir: string; onProgress: CellContext["onProgress"] },
  ): Promise<{ metrics: Record<string, number> }>;
}

/** A cell's need of one stage output: the stage's configuration and the datasets (keys) it reads. */
export interface StageNeed {
  config: Record<string, unknown>;
  /** Keys into the declaration's `datasets`; their files' sha256 enter the artifact key. */
  datasets: string[];
}

/** A figure as data: panels of curves over declared cells, with published values overlaid. */
export interface FigureDecl {
  /** File written into the run directory, e.g. `figure2.svg`. */
  file: string;
  title: string;
  columns: number;
  panels: FigurePanel[];
}

/** One panel of a figure. */
export interface FigurePanel {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  xTicks: { value: number; label: string }[];
  xDomain: [number, number];
  /** Measured curves: the mean of `metric` over seeds at each point's cell. */
  curves: FigureCurve[];
  /** Published values drawn as hollow marks: the claims whose cell is a point's cell (plain cells only). */
  overlays: FigureCurve[];
  /** Shown where a panel has no point: its blocker, if any. */
  emptyText: string;
}

/** One curve of a panel: measured (mean over seeds) or, for an overlay, the published claims of `table`. */
export interface FigureCurve {
  label: string;
  /** Metric key of the points, e.g. `test/f1` (an overlay takes the claims audited on this key). */
  metric: string;
  /** Overlays only: the table whose claims are drawn, e.g. `Table 2`. */
  table?: string;
  /** x position and the cell whose value is drawn there (null: no point). */
  points: { x: number; cell: string | null }[];
  color: string;
  dash?: string;
  marker?: "circle" | "square" | "star" | "diamond";
}

/**
 * The types a suite fills in: its cells' settings, its profiles' own settings, a planned cell's configuration
 * (JSON, written to the manifest), its datasets' descriptors and its variants (after `extends` is resolved).
 */
export interface SuiteTypes {
  settings: unknown;
  profile: unknown;
  config: Record<string, unknown>;
  dataset: DatasetDecl;
  variant: unknown;
}

/** A dataset as a suite uses it: the registry id it is read from (absent: not available here) and its title. */
export interface DatasetDecl {
  /** Registry id (harness/data/registry.ts); undefined when the data cannot be had here. */
  registry?: string;
  title: string;
}

/** A suite's declaration (see {@link SuiteTypes} for `T`). */
export interface SuiteDeclaration<T extends SuiteTypes> {
  /** `yang2017`, `datnet`, `perl2020`, `mlma2019`. */
  id: string;
  /** Bumped whenever anything below changes (the contract test holds it to the declaration's hash). */
  version: string;
  paper: PaperCard;
  /** The suite's claims.csv. */
  claims: URL;
  /** The suite's relative_claims.csv: the papers' directional statements (harness/results/relative.ts). */
  relativeClaims?: URL;
  /** The datasets (targets, sources, tasks) by the key cells use. */
  datasets: Record<string, T["dataset"]>;
  /** Model variants by key; a variant names the one it extends and overrides some of its fields. */
  variants: Record<string, VariantDecl>;
  experiments: ExperimentDecl<T["settings"]>[];
  protocols: Record<ProtocolName, ProtocolDecl>;
  profiles: Record<ProfileName, ProfileDecl<T["settings"], T["profile"]>>;
  budget: Record<string, BudgetKnob>;
  /** Protocol choices with several declared readings (`--choice name=option`), by name. */
  choices?: Record<string, ChoiceDecl>;
  resources: ExternalResource[];
  /** Figures drawn from a run's results (`deno task plot`), each panel's points named by cell id. */
  figures?: FigureDecl[];
  /** The suite's real models as `deno task bench` shapes (harness/bench/shapes.ts). */
  bench?: readonly ModelShape[];
  /** Stages whose outputs cells reuse (a pre-trained LM, aligned vectors), by id (harness/run/artifacts.ts). */
  stages?: Record<string, StageDecl<T>>;
  /**
   * The tiny reference run whose prediction sha256 `fingerprint.json` records beside the version: one cell of a
   * profile with a budget of about one epoch, run with `TAGBENCH_BLAS=off` (harness/run/fingerprint.ts).
   */
  reference: { cell: string; profile: ProfileName; protocol: ProtocolName; budget: Record<string, number> };
  hooks: SuiteHooks<T>;
}

/** A model variant: fields of the variant it `extends` (if any), overridden by its own. */
export interface VariantDecl {
  extends?: string;
  [field: string]: unknown;
}

/** What a declaration cannot say. */
export interface SuiteHooks<T extends SuiteTypes> {
  /** A cell-specific reason not to run it (an empty subset…), checked before the profile rule. */
  skipReason?(cell: DeclaredCell<T["settings"]>, ctx: SuiteContext<T>): string | undefined;
  /** The planned cell's configuration, written to the manifest and read back by `trainCell`. */
  cellConfig(cell: DeclaredCell<T["settings"]>, ctx: SuiteContext<T>): T["config"];
  /**
   * How the cell departs from the paper's protocol (missing resources, substitutions), each deviation tagged
   * with the component it touches (`deviation("source embeddings", …)`, harness/results/deviations.ts).
   */
  cellDeviations(cell: DeclaredCell<T["settings"]>, ctx: SuiteContext<T>): string[];
  /**
   * The components the cell uses (a relative claim compares two cells' deviations only where both use the
   * component); default every component but the source side's.
   */
  cellComponents?(cell: DeclaredCell<T["settings"]>, ctx: SuiteContext<T>): readonly DeviationComponent[];
  /** Keys (into `datasets`) of the datasets the planned cell reads; their files are hashed into the manifest. */
  cellDatasets(config: T["config"]): string[];
  /** The stage outputs the planned cell needs, by stage id (see {@link StageDecl}); default none. */
  cellStages?(config: T["config"], ctx: SuiteContext<T>): Record<string, StageNeed>;
  /** Ids of the external resources the planned cell may use (present ones are hashed); default none. */
  cellResources?(config: T["config"]): string[];
  /** Word-embedding tables the planned cells use, for the manifest. */
  embeddings?(configs: T["config"][], ctx: SuiteContext<T>): Promise<Record<string, unknown>[]>;
  /** Suite-specific protocol details for the manifest (model, rules, data statistics). */
  protocolDetails?(
    configs: T["config"][],
    ctx: SuiteContext<T>,
    verifyData: boolean,
  ): Promise<Record<string, unknown>>;
  /**
   * The estimated work of one unit (cell × seed) of the planned cell, for the plan summary and the run ETA
   * (harness/run/plan_summary.ts): its bench shape, the tokens it trains on and predicts in total, weighted by
   * the model's cost per token relative to the shape. Computed from the config and declared data sizes (e.g.
   * the registry's `counts`), never from the data; say in a comment what the estimate assumes. Optional: a
   * suite without it gets a plan summary without times.
   */
  workload?(config: T["config"], ctx: SuiteContext<T>): UnitWorkload;
  /** Trains and evaluates one cell with one seed. */
  trainCell(
    config: T["config"],
    seed: number,
    ctx: SuiteContext<T> & {
      onProgress: CellContext["onProgress"];
      /** The stage outputs the cell needs ({@link SuiteHooks.cellStages}), by stage id. */
      artifacts: Record<string, StageArtifact>;
      /** The artifact cache (harness/run/artifacts.ts), for shared stages that key their own artifacts from the
       * data they read (harness/vectors/aligned.ts); never the run directory. */
      artifactsDir: string;
      /** Where and how often the trainer may checkpoint this unit to resume it mid-way (the runner removes the
       * folder when the unit is done); pass it to the trainer as is. */
      checkpoint: TrainerRunOptions;
    },
  ): Promise<CellOutcome>;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic work.

/**
 * Every declared cell once, with the experiments that use it, in declaration order.
 *
 * @throws {Error} when two experiments (or one twice) declare one id with different settings or blockers.
 */
export function expandCells<S>(experiments: ExperimentDecl<S>[]): DeclaredCell<S>[] {
  const byId = new Map<string, DeclaredCell<S>>();
  for (const e of experiments) {
    for (const c of e.cells) {
      const prev = byId.get(c.id);
      if (prev) {
        const a = JSON.stringify({ settings: prev.settings, blocker: prev.blocker });
        const b = JSON.stringify({ settings: c.settings, blocker: c.blocker });
        if (a !== b) {
          throw new Error(
            `Cell "${c.id}" is declared twice with different settings (${
              prev.experiments[0]
            }: ${a}; ${e.id}: ${b})`,
          );
        }
        if (!prev.experiments.includes(e.id)) prev.experiments.push(e.id);
        continue;
      }
      byId.set(c.id, { ...c, experiments: [e.id] });
    }
  }
  return [...byId.values()];
}

/**
 * The variants with `extends` resolved: each one's fields are its base's (recursively) overridden by its own.
 *
 * @throws {Error} for an unknown base or a cycle, naming the variant.
 */
export function resolveVariants<V>(variants: Record<string, VariantDecl>): Record<string, V> {
  const out: Record<string, Record<string, unknown>> = {};
  const resolve = (key: string, path: string[]): Record<string, unknown> => {
    if (out[key]) return out[key];
    const v = variants[key];
    if (!v) throw new Error(`Variant "${path.at(-1)}" extends "${key}", which is not declared`);
    if (path.includes(key)) {
      throw new Error(`Variant "${key}" extends itself (${[...path, key].join(" → ")})`);
    }
    const { extends: base, ...own } = v;
    const resolved = base === undefined ? own : { ...resolve(base, [...path, key]), ...own };
    out[key] = resolved;
    return resolved;
  };
  for (const key of Object.keys(variants)) resolve(key, []);
  return out as Record<string, V>;
}

/** The cartesian product of named axes, in order (first axis outermost), e.g. targets × variants × sizes. */
export function grid<A extends Record<string, readonly unknown[]>>(
  axes: A,
): { [K in keyof A]: A[K][number] }[] {
  let rows: Record<string, unknown>[] = [{}];
  for (const [name, values] of Object.entries(axes)) {
    rows = rows.flatMap((r) => values.map((v) => ({ ...r, [name]: v })));
  }
  return rows as { [K in keyof A]: A[K][number] }[];
}

/** Error for a `--budget` override the suite does not accept; its message is shown as is (exit code 2). */
export class BudgetError extends Error {
  override name = "BudgetError";
}

/**
 * Parses `epochs=20,eval_every=5` into knob → value.
 *
 * @throws {BudgetError} for an entry that is not `knob=positive integer`.
 */
export function parseBudget(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_][a-z0-9_]*)=(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 1) {
      throw new BudgetError(
        `--budget entry "${part}" is not knob=N with N a positive integer (e.g. epochs=20)`,
      );
    }
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * The budget of a run: every knob the suite declares at the profile's default, overridden by `overrides`.
 *
 * @throws {BudgetError} for a knob the suite does not declare (naming the closest and every known knob).
 */
export function resolveBudget(
  knobs: Record<string, BudgetKnob>,
  defaults: Record<string, number | null>,
  overrides: Record<string, number> = {},
  suiteId = "this suite",
): Record<string, number | null> {
  for (const k of Object.keys(overrides)) {
    if (!(k in knobs)) {
      throw new BudgetError(
        `Unknown budget knob "${k}" for ${suiteId}.${didYouMean(k, Object.keys(knobs))} Known knobs: ${
          Object.entries(knobs).map(([n, d]) => `${n} (${d.description})`).join(", ")
        }`,
      );
    }
  }
  const out: Record<string, number | null> = {};
  for (const k of Object.keys(knobs)) out[k] = overrides[k] ?? defaults[k] ?? null;
  return out;
}

/** Error for a `--choice` the suite does not accept; its message is shown as is (exit code 2). */
export class ChoiceError extends Error {
  override name = "ChoiceError";
}

/**
 * Parses `mixing=joint,architecture=paper-text` into choice → option.
 *
 * @throws {ChoiceError} for an entry that is not `name=option`, or a name given twice.
 */
export function parseChoices(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_][a-z0-9_]*)=([A-Za-z0-9][A-Za-z0-9_.:+-]*)$/.exec(part);
    if (!m) throw new ChoiceError(`--choice entry "${part}" is not name=option (e.g. mixing=joint)`);
    if (m[1] in out) throw new ChoiceError(`--choice names "${m[1]}" twice`);
    out[m[1]] = m[2];
  }
  return out;
}

/**
 * Every declared choice's option under `protocol`: its default, overridden by `overrides`.
 *
 * @throws {ChoiceError} for an undeclared choice or option (naming the closest and every known one).
 */
export function resolveChoices(
  choices: Record<string, ChoiceDecl>,
  protocol: ProtocolName,
  overrides: Record<string, string> = {},
  suiteId = "this suite",
): Record<string, string> {
  for (const [k, v] of Object.entries(overrides)) {
    const c = choices[k];
    if (!c) {
      const known = Object.keys(choices);
      throw new ChoiceError(
        `Unknown choice "${k}" for ${suiteId}.${didYouMean(k, known)} ${
          known.length ? `Known choices: ${known.join(", ")}` : `${suiteId} declares no choices`
        }`,
      );
    }
    if (!(v in c.options)) {
      throw new ChoiceError(
        `Choice "${k}" of ${suiteId} has no option "${v}".${didYouMean(v, Object.keys(c.options))} ` +
          `Options: ${Object.keys(c.options).join(", ")}`,
      );
    }
  }
  return Object.fromEntries(
    Object.entries(choices).map(([k, c]) => [k, overrides[k] ?? c.defaults[protocol]]),
  );
}

/** The deviation a choice override records: the option run against the protocol's, both described. */
export function choiceDeviation(
  name: string,
  choice: ChoiceDecl,
  option: string,
  protocol: ProtocolName,
): string | undefined {
  const dflt = choice.defaults[protocol];
  if (option === dflt) return undefined;
  return deviation(
    choice.component,
    `${choice.description}: ${name}=${option} (${choice.options[option]}) instead of the ${protocol} ` +
      `protocol's ${dflt} (${choice.options[dflt]})`,
  );
}

/** The deviation an override records: the new value against the profile's, and what it costs. */
export function budgetDeviation(
  name: string,
  knob: BudgetKnob,
  value: number,
  dflt: number | null,
  profile: string,
): string | undefined {
  if (value === dflt) return undefined;
  const was = dflt === null ? (knob.unlimited ?? "no cap") : String(dflt);
  return deviation(
    knob.component ?? "budget",
    `budget ${name} = ${value} (${knob.description}) instead of the ${profile} profile's ${was}` +
      (knob.effect ? `: ${knob.effect}` : ""),
  );
}

/**
 * Checks that every deviation is tagged with its component (harness/results/deviations.ts).
 *
 * @param where Who declared them, for the error (`cell "t3/es/base/k=10"`).
 * @throws {Error} naming the deviation that carries no known `[component]` tag.
 */
export function tagged(deviations: string[], where: string): string[] {
  for (const d of deviations) {
    if (!isTagged(d)) {
      throw new Error(
        `Deviation of ${where} is not tagged with its component ("[component] text", ` +
          `harness/results/deviations.ts): "${d}"`,
      );
    }
  }
  return deviations;
}

/** sha256 of test predictions as the run records them: one tag per line, a blank line after each sentence. */
export function predictionsSha256(predictions: string[][]): string {
  const text = predictions.map((tags) => tags.join("\n") + "\n").join("\n");
  return createHash("sha256").update(text).digest("hex");
}

/** Which of the resources exist under `dataDir` (every path a file; never for a resource without paths). */
export function availableResources(resources: ExternalResource[], dataDir: string): Record<string, boolean> {
  return Object.fromEntries(
    resources.map((r) => [
      r.id,
      dataDir !== "" && r.paths.length > 0 && r.paths.every((p) => existsSync(join(dataDir, p))),
    ]),
  );
}

/** sha256 of every file of the datasets a stage reads (from the registry: no data is read), by registry path. */
function stageInputs(
  decl: { id: string; datasets: Record<string, DatasetDecl> },
  need: StageNeed,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of need.datasets) {
    const spec = getDataset(registryId(decl, key));
    for (const f of Object.values(spec.splits)) out[`${spec.dir}/${f!.file}`] = f!.sha256;
  }
  return out;
}

function registryId(decl: { id: string; datasets: Record<string, DatasetDecl> }, key: string): string {
  const id = decl.datasets[key]?.registry;
  if (!id) {
    throw new Error(`Suite "${decl.id}": dataset "${key}" has no registry id (it is not available here)`);
  }
  return id;
}

/** A suite built from its declaration: the runner's interface plus the declaration and the planner's pieces. */
export interface DefinedSuite<T extends SuiteTypes> extends SuiteDefinition {
  declaration: SuiteDeclaration<T>;
  /** Every declared cell, each once. */
  cells(): DeclaredCell<T["settings"]>[];
  /** The hooks' context for a plan's options (budget resolved, resources checked). */
  context(opts: PlanOptions): SuiteContext<T>;
}

/**
 * Builds the runner's suite from a declaration. Checks the declaration at once: cells declared twice with
 * different settings, variants extending unknown ones, profile budgets naming undeclared knobs.
 *
 * @throws {Error} for an inconsistent declaration, naming what is wrong.
 */
export function defineSuite<T extends SuiteTypes>(decl: SuiteDeclaration<T>): DefinedSuite<T> {
  type C = T["config"];
  const cells = expandCells(decl.experiments);
  const variants = resolveVariants<T["variant"]>(decl.variants);
  for (const [name, p] of Object.entries(decl.profiles)) {
    for (const k of Object.keys(p.budget)) {
      if (!(k in decl.budget)) {
        throw new Error(`Suite "${decl.id}": profile ${name} sets undeclared knob "${k}"`);
      }
    }
  }
  for (const [name, c] of Object.entries(decl.choices ?? {})) {
    for (const protocol of Object.keys(decl.protocols)) {
      const d = c.defaults[protocol as ProtocolName];
      if (!(d in c.options)) {
        throw new Error(`Suite "${decl.id}": choice "${name}" has no declared option "${d}" for ${protocol}`);
      }
    }
  }
  const context = (opts: PlanOptions): SuiteContext<T> => {
    const profile = decl.profiles[opts.profile];
    return {
      profile: opts.profile,
      protocol: opts.protocol,
      protocolDecl: decl.protocols[opts.protocol],
      profileDecl: { description: profile.description, settings: profile.settings },
      datasets: decl.datasets,
      variants,
      budget: resolveBudget(decl.budget, profile.budget, opts.budget, decl.id),
      choices: resolveChoices(decl.choices ?? {}, opts.protocol, opts.choices, decl.id),
      available: availableResources(decl.resources, opts.dataDir),
      resourcePaths: Object.fromEntries(
        decl.resources.map((r) => [r.id, r.paths.map((p) => join(opts.dataDir, p))]),
      ),
      dataDir: opts.dataDir,
    };
  };

  const plan = async (opts: PlanOptions): Promise<RunPlan> => {
    const ctx = context(opts);
    const profile = decl.profiles[opts.profile];
    const planned: PlannedCell[] = [];
    const skipped: SkippedCell[] = [];
    for (const c of cells) {
      const reason = c.blocker ?? decl.hooks.skipReason?.(c, ctx) ??
        profileSkipReason(c.id, profile.includes(c), opts);
      if (reason) {
        skipped.push({ id: c.id, reason });
        continue;
      }
      const n = opts.seeds ??
        (typeof profile.seeds === "function" ? profile.seeds(c, opts.protocol) : profile.seeds) ??
        ctx.protocolDecl.seeds ?? 1;
      planned.push({
        id: c.id,
        experiment: c.experiments[0],
        seeds: cellSeeds(decl.id, `${opts.protocol}/${c.id}`, n),
        config: { ...decl.hooks.cellConfig(c, ctx), experiments: c.experiments },
        deviations: tagged(decl.hooks.cellDeviations(c, ctx), `cell "${c.id}"`),
        components: [...(decl.hooks.cellComponents?.(c, ctx) ?? TARGET_ONLY_COMPONENTS)],
      });
    }
    const configs = planned.map((c) => c.config as C);
    const dataFiles: RunPlan["dataFiles"] = [];
    let embeddings: RunPlan["embeddings"] = [];
    const verify = opts.verifyData !== false && planned.length > 0;
    if (verify) {
      const ids = [
        ...new Set(configs.flatMap((c) => decl.hooks.cellDatasets(c)).map((k) => registryId(decl, k))),
      ].sort();
      for (const id of ids) {
        const ds = await loadDatasetShared(id, opts.dataDir);
        const seen = new Set<string>();
        for (const split of Object.values(ds.splits)) {
          if (!seen.has(split!.path)) {
            dataFiles.push({ dataset: id, split: split!.name, path: split!.path, sha256: split!.sha256 });
            seen.add(split!.path);
          }
          const part = split!.partition;
          if (part && !seen.has(part.path)) {
            dataFiles.push({ dataset: id, split: "partition", path: part.path, sha256: part.sha256 });
            seen.add(part.path);
          }
        }
      }
      const used = new Set(configs.flatMap((c) => decl.hooks.cellResources?.(c) ?? []));
      for (const r of decl.resources) {
        if (!used.has(r.id) || !ctx.available[r.id]) continue;
        for (const p of r.paths) {
          const path = join(opts.dataDir, p);
          const sha256 = createHash("sha256").update(await Deno.readFile(path)).digest("hex");
          dataFiles.push({ dataset: r.id, split: r.id, path, sha256 });
        }
      }
      embeddings = (await decl.hooks.embeddings?.(configs, ctx)) ?? [];
    }
    const stages = new Map<
      string,
      { stage: string; key: string; config: Record<string, unknown>; cells: string[] }
    >();
    for (const c of planned) {
      for (const [stage, need] of Object.entries(decl.hooks.cellStages?.(c.config as C, ctx) ?? {})) {
        const key = artifactKey(decl.id, stage, need.config, stageInputs(decl, need));
        const entry = stages.get(key) ?? { stage, key, config: need.config, cells: [] };
        entry.cells.push(c.id);
        stages.set(key, entry);
      }
    }
    const experiments = new Set(planned.flatMap((c) => c.config.experiments as string[]));
    const deviations: string[] = [];
    if (opts.profile === "smoke") {
      deviations.push(deviation("budget", `smoke profile: ${profile.description}`));
    }
    deviations.push(...tagged(profile.deviations ?? [], `profile "${opts.profile}"`));
    if (opts.seeds !== undefined) {
      deviations.push(deviation("seeds", `seeds per cell overridden to ${opts.seeds}`));
    }
    for (const [k, v] of Object.entries(opts.budget ?? {})) {
      const d = budgetDeviation(k, decl.budget[k], v, profile.budget[k] ?? null, opts.profile);
      if (d) deviations.push(d);
    }
    for (const [k, v] of Object.entries(opts.choices ?? {})) {
      const d = choiceDeviation(k, decl.choices![k], v, opts.protocol);
      if (d) deviations.push(d);
    }
    const { notes, ...protocolData } = ctx.protocolDecl;
    return {
      cells: planned,
      skipped,
      ...(stages.size ? { stages: [...stages.values()] } : {}),
      deviations,
      dataFiles,
      embeddings,
      protocolDetails: {
        protocol: opts.protocol,
        ...protocolData,
        ...notes,
        profile: profile.description,
        budget: Object.fromEntries(
          Object.entries(ctx.budget).map(([k, v]) => [k, v ?? decl.budget[k].unlimited ?? "no cap"]),
        ),
        ...(decl.choices
          ? {
            choices: Object.fromEntries(
              Object.entries(ctx.choices).map(([k, v]) => [k, `${v}: ${decl.choices![k].options[v]}`]),
            ),
          }
          : {}),
        ...(await decl.hooks.protocolDetails?.(configs, ctx, verify)),
        experiment_notes: Object.fromEntries(
          decl.experiments.filter((e) => experiments.has(e.id) && e.notes).map((e) => [e.id, e.notes]),
        ),
      },
    };
  };

  const runCell = async (cell: PlannedCell, seed: number, run: CellContext): Promise<CellRunResult> => {
    const ctx = context({
      profile: run.profile,
      protocol: run.protocol,
      dataDir: run.dataDir,
      budget: run.budget,
      choices: run.choices,
    });
    const artifacts: Record<string, StageArtifact> = {};
    for (const [stage, need] of Object.entries(decl.hooks.cellStages?.(cell.config as C, ctx) ?? {})) {
      const s = decl.stages?.[stage];
      if (!s) throw new Error(`Suite "${decl.id}": a cell needs stage "${stage}", which is not declared`);
      artifacts[stage] = await ensureArtifact(
        run.artifactsDir ?? defaultArtifactsDir(),
        decl.id,
        stage,
        need.config,
        stageInputs(decl, need),
        (dir) => s.run(need.config, { ...ctx, dir, onProgress: run.onProgress }),
      );
    }
    const out = await decl.hooks.trainCell(cell.config as C, seed, {
      ...ctx,
      onProgress: run.onProgress,
      artifacts,
      artifactsDir: run.artifactsDir ?? defaultArtifactsDir(),
      checkpoint: {
        checkpointDir: run.checkpointDir,
        checkpointEverySeconds: ENGINE_CHECKPOINT_EVERY_SECONDS,
      },
    });
    const stageMetrics = Object.values(artifacts).reduce((m, a) => ({ ...a.metrics, ...m }), {});
    const stageKeys = Object.fromEntries(Object.values(artifacts).map((a) => [`stage_${a.stage}`, a.key]));
    const { testPredictions, ...result } = out;
    return {
      ...result,
      metrics: { ...stageMetrics, ...out.metrics },
      predictionsSha256: predictionsSha256(testPredictions),
      extra: Object.keys(stageKeys).length ? { ...out.extra, ...stageKeys } : out.extra,
    };
  };

  return {
    id: decl.id,
    version: decl.version,
    title: decl.paper.title,
    citation: decl.paper.citation,
    claims: (): Promise<Claim[]> => loadClaims(decl.claims),
    relativeClaims: (): Promise<RelativeStatement[]> =>
      decl.relativeClaims ? loadRelativeClaims(decl.relativeClaims) : Promise.resolve([]),
    papers: decl.paper.papers,
    resources: decl.resources,
    changelog: async () => {
      try {
        return parseChangelog(await Deno.readTextFile(new URL("./README.md", decl.claims)));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return [];
        throw e;
      }
    },
    plan,
    runCell,
    budgetKnobs: Object.fromEntries(Object.entries(decl.budget).map(([k, v]) => [k, v.description])),
    choices: decl.choices &&
      Object.fromEntries(
        Object.entries(decl.choices).map((
          [k, c],
        ) => [k, { description: c.description, options: c.options, defaults: c.defaults }]),
      ),
    drawFigures: decl.figures?.length
      ? async (runDir) => drawFigures(decl.id, decl.figures!, await loadClaims(decl.claims), runDir)
      : undefined,
    workload: decl.hooks.workload
      ? (cell, opts) => decl.hooks.workload!(cell.config as C, context(opts))
      : undefined,
    benchShapes: decl.bench ?? [],
    declaration: decl,
    cells: () => cells,
    context,
  };
}
