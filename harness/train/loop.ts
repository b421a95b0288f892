/**
 * One model-agnostic training loop for every suite: declared batch streams, a multi-task / multi-resource
 * schedule, learning-rate schedules, an evaluation cadence, a checkpoint-selection rule, patience and budgets;
 * the caller supplies a step function (one update on the batches of one iteration, returns the loss) and an
 * evaluation function (named metrics `<split>/<name>` for the model as it is, plus an optional artifact such as
 * test predictions, kept for the selected evaluation only).
 *
 * Ported onto it, bit for bit: suites/datnet/train.ts (`trainTagger`, DATNet, Zhou et al. 2019 §4.2: `joint-sum`,
 * inverse-time decay, evaluation every n epochs, selection on dev or test, patience on dev F1) and
 * suites/yang2017/train.ts (`trainYang`, Yang et al. 2017 §3.3 and the released `joint.py`/`cnn_rnn.py`:
 * `alternate` or `sample`, one AdaGrad per task, the `sentences` cadence, selection on max test or dev, patience
 * on the selection score). The declarations also cover perl2020 (Keras ReduceLROnPlateau on the training loss,
 * best-training-loss snapshot or last weights) and mlma2019 (unshuffled batches, ×0.9 per epoch, patience on the
 * target dev; an LM stage counted in steps selected on `min lm/dev_ppl`), see harness/train/loop_test.ts.
 *
 * One iteration, in order: at an epoch's start every lr schedule gives the epoch's rate (set on the matching
 * optimiser); the schedule picks streams; each picked stream gives its next batch; `step` runs; its loss is checked
 * (a non-finite loss throws) and accumulated; counters advance (an epoch ends after a fixed number of iterations,
 * or when the epoch stream's pass ends); the cadence decides on an evaluation (metrics, selection, patience); at an
 * epoch's end the lr schedules see the epoch's metrics; progress is reported; then the stop rules are checked in
 * the order patience, epoch budget, iteration budget. After the loop, an optional final evaluation when the last
 * iteration (of the evaluation stream) was not evaluated.
 *
 * Checkpointing: {@link LoopState} is plain data (counters, stream positions and the current passes' batches,
 * accumulators, selection, patience and lr states, and the states of the streams' and the schedule's Rngs, which
 * `createRng` of models/init.ts exposes). With `hooks.checkpoint`, the loop asks `load()` once before the first
 * iteration and, when it gives a {@link LoopCheckpoint}, continues from there (the Rngs are replaced by
 * `restoreRng` of their saved states); it calls `save()` after every iteration that made an evaluation, once that
 * iteration's bookkeeping is done (epoch record, lr epoch end, stop rules) and before `onProgress`, and after the
 * final evaluation. A run resumed from any such checkpoint makes exactly the steps, evaluations, selection and logs
 * of the uninterrupted run (timings aside), provided the caller restores its own state (weights, optimisers, its
 * Rngs) saved with it; harness/train/checkpoint.ts writes and reads such checkpoints.
 *
 * @example
 * ```ts
 * const out = await runLoop({
 *   streams: [{ name: "train", size: 100, batchSize: 20, order: "sequential" }],
 *   schedule: { kind: "joint-sum", streams: ["train"] },
 *   lr: { main: { kind: "exponential", lr: 1e-3, factor: 0.9 } },
 *   evaluation: { cadence: { kind: "epochs", every: 1, last: true }, final: "never" },
 *   selection: "max dev/f1",
 *   patience: { evaluations: 3, monitor: "selection" },
 *   budget: { maxEpochs: 30 },
 * }, { optimizers: { main: adam }, step: ({ batches }) => ..., evaluate: () => ... });
 * ```
 *
 * @module
 */

import { restoreRng, type Rng, type RngState } from "../../models/init.ts";
import { Cadence, type CadenceSpec, type CadenceState } from "./cadence.ts";
import { LrScheduler, type LrScheduleSpec, type LrScheduleState } from "./lr_schedule.ts";
import { epochLength, epochSpec, Scheduler, type ScheduleSpec } from "./schedules.ts";
import {
  Patience,
  type PatienceSpec,
  type PatienceState,
  SELECTION_RULE_FORMS,
  type SelectionState,
  Selector,
} from "./selection.ts";
import { checkInteger, DivergedError, LoopSpecError } from "./spec_error.ts";
import { BatchStream, type StreamBatch, type StreamSpec, type StreamState } from "./streams.ts";

export { LoopSpecError } from "./spec_error.ts";
export { SELECTION_RULE_FORMS };

/** Unit in which progress is reported (and in which the run's length is declared). */
export type ProgressUnit = "epoch" | "iteration" | "step";

/** When to evaluate. */
export interface EvaluationSpec {
  /** After which iterations to evaluate. */
  cadence: CadenceSpec;
  /**
   * The stream whose iterations leave the model "unevaluated" for the final-evaluation rule (Yang: the target;
   * iterations of other tasks after the target's last evaluated iteration do not call for another). Default:
   * every iteration does.
   */
  stream?: string;
  /** `"if-unevaluated"`: after the loop, evaluate once more when no evaluation was made yet, or when an iteration
   * (of `stream`) came after the last evaluation. `"never"`: no final evaluation. */
  final: "if-unevaluated" | "never";
}

/** Budgets; at least one is required. Epochs are the schedule's epochs (see `EpochSpec`). */
export interface BudgetSpec {
  /** Stop once this many epochs are complete. */
  maxEpochs?: number;
  /** Stop once this many iterations (steps) are done. */
  maxIterations?: number;
}

/** A whole loop declaration (plain data: Rngs, length functions, optimisers and hooks are passed beside it). */
export interface LoopSpec {
  /** The batch streams (unique names). */
  streams: StreamSpec[];
  /** Which streams each iteration reads, and what an epoch is. */
  schedule: ScheduleSpec;
  /** Learning-rate schedules by group name (an optimiser of the same name in the hooks gets the rate set). */
  lr?: Readonly<Record<string, LrScheduleSpec>>;
  /** When to evaluate. */
  evaluation: EvaluationSpec;
  /** Selection rule, see `parseSelectionRule` (`max dev/f1`, `max test/f1`, `min train/loss`, `last`, …). */
  selection: string;
  /** Early stopping; absent or `evaluations: 0` = never. */
  patience?: PatienceSpec;
  /** When to stop besides patience. */
  budget: BudgetSpec;
  /** Progress unit (default `"epoch"`) and the metric key reported with each evaluation (default: the selection
   * rule's key). */
  progress?: { unit: ProgressUnit; metric?: string };
}

/** What the step function gets. */
export interface StepContext {
  /** 1-based index of this iteration among all. */
  iteration: number;
  /** 1-based epoch this iteration belongs to. */
  epoch: number;
  /** 1-based index within the epoch. */
  iterationInEpoch: number;
  /** One batch per stream the schedule picked, in schedule order. */
  batches: readonly StreamBatch[];
  /** The epoch's learning rate of every lr group. */
  lr: Readonly<Record<string, number>>;
}

/** What the step function returns. */
export interface StepResult {
  /** The loss of the update (batch mean, summed over the batches for `joint-sum`), or `null` when no update was
   * made (an empty batch). A non-finite number makes the loop throw. */
  loss: number | null;
  /** Training tokens of the iteration (for throughput). */
  tokens?: number;
  /** Named loss components, averaged per epoch / evaluation window as `train/<name>` (e.g. `crf_loss`). */
  parts?: Readonly<Record<string, number>>;
}

/** Mean training losses since the previous evaluation. */
export interface WindowLoss {
  /** Over all iterations with a loss (NaN when none). */
  all: number;
  /** Per stream, over the single-stream iterations (`alternate`, `sample`) of that stream (NaN when none). */
  byStream: Record<string, number>;
  /** Per loss component. */
  parts: Record<string, number>;
}

/** What the evaluation function gets. */
export interface EvaluationContext {
  /** 0-based index among the run's evaluations. */
  index: number;
  /** Iterations completed. */
  iteration: number;
  /** Epochs completed. */
  epochsCompleted: number;
  /** `"cadence"` for a scheduled evaluation, `"final"` for the one after the loop. */
  trigger: "cadence" | "final";
  /** Mean training losses since the previous evaluation. */
  trainLoss: WindowLoss;
}

/** What the evaluation function returns. */
export interface EvaluationResult<A> {
  /** Named metrics, keys `<split>/<name>` (e.g. `dev/f1`, `test/precision`, `lm/dev_ppl`). The loop adds
   * `train/loss` (window mean), `train/loss_<stream>` (single-stream schedules) and `train/<part>` unless given. */
  metrics: Record<string, number>;
  /** Kept only while this evaluation is the selected one (e.g. test predictions). */
  artifact?: A;
}

/** One evaluation as recorded by the loop. */
export interface LoopEvaluation {
  /** 0-based index among the run's evaluations. */
  index: number;
  /** Iterations completed at the time. */
  iteration: number;
  /** Epochs completed at the time. */
  epochsCompleted: number;
  /** `"cadence"` or `"final"` (after the loop). */
  trigger: "cadence" | "final";
  /** The evaluation function's metrics plus the loop's `train/*` window means. */
  metrics: Record<string, number>;
  /** Seconds spent in the evaluation function. */
  seconds: number;
}

/** One epoch's summary. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Iterations in the epoch. */
  iterations: number;
  /** False for the last epoch when a budget stopped the loop inside it. */
  complete: boolean;
  /** Mean loss over the epoch's iterations with a loss (NaN when none). */
  loss: number;
  /** `train/loss` and `train/<part>` means over the epoch. */
  metrics: Record<string, number>;
  /** Learning rate of every lr group during the epoch. */
  lr: Record<string, number>;
  /** Training tokens reported by the steps. */
  tokens: number;
  /** Seconds of step time (evaluation excluded). */
  seconds: number;
  /** Index of the evaluation made at the epoch's end, if any. */
  evaluation?: number;
}

/** Reported after every iteration (after its evaluation, if any). */
export interface LoopProgress {
  /** The declared progress unit. */
  unit: ProgressUnit;
  /** Completed units: epochs for `"epoch"`, iterations for `"iteration"` and `"step"`. */
  done: number;
  /** The budget in that unit, when declared. */
  total?: number;
  /** Iterations completed (this one included). */
  iteration: number;
  /** 1-based epoch of this iteration. */
  epoch: number;
  /** Epochs completed (after this iteration). */
  epochsCompleted: number;
  /** 1-based position of this iteration in its epoch. */
  iterationInEpoch: number;
  /** Iterations per epoch (for epochs defined by a stream's pass: that stream's batches per pass). */
  iterationsPerEpoch: number;
  /** Streams read by this iteration. */
  streams: string[];
  /** This iteration's loss (null: no update). */
  loss: number | null;
  /** Mean loss of the epoch so far. */
  epochLoss: number;
  /** Training tokens of the epoch so far. */
  epochTokens: number;
  /** Step seconds of the epoch so far. */
  epochSeconds: number;
  /** The evaluation made after this iteration, if any. */
  evaluation?: LoopEvaluation;
  /** The declared progress metric of `evaluation`, when it has it. */
  score?: { key: string; value: number };
  /** A plain-data snapshot of the loop state. */
  state(): LoopState;
}

/** A running mean's plain data. */
export interface MeanState {
  /** Sum of the values, in order. */
  sum: number;
  /** Number of values. */
  count: number;
}

/** The states of the loop's Rngs (see models/init.ts's `RngState`). */
export interface LoopRngStates {
  /** Each shuffled stream's Rng, as it stands (after drawing the permutation of the stream's current pass). */
  streams: Record<string, RngState>;
  /** The `sample` or `arranged` schedule's Rng (absent for other schedules). */
  schedule?: RngState;
}

/** The loop's whole state as plain data (with the logs in {@link LoopCheckpoint}, what resuming needs). */
export interface LoopState {
  /** Iterations completed. */
  iteration: number;
  /** Epochs completed. */
  epochsCompleted: number;
  /** Iterations completed in the current epoch (0 at an epoch boundary). */
  iterationInEpoch: number;
  /** 1-based epoch of the last iteration (0 before any). */
  epoch: number;
  /** Learning rate of every lr group during that epoch. */
  epochLr: Record<string, number>;
  /** Each stream's position. */
  streams: Record<string, StreamState>;
  /** The batches (item ids) of each stream's current pass, for the streams in the middle of one. */
  passes: Record<string, number[][]>;
  /** Iterations that read each stream. */
  streamIterations: Record<string, number>;
  /** The cadence's counter. */
  cadence: CadenceState;
  /** Whether an iteration (of the evaluation stream) came after the last evaluation. */
  unevaluated: boolean;
  /** Evaluations made. */
  evaluations: number;
  /** The selection's state. */
  selection: SelectionState;
  /** The patience's state. */
  patience: PatienceState;
  /** Each lr schedule's state. */
  lr: Record<string, LrScheduleState>;
  /** Loss, token and time sums of the current epoch. */
  epochAccumulators: { loss: MeanState; parts: Record<string, MeanState>; tokens: number; seconds: number };
  /** Loss sums since the previous evaluation. */
  windowAccumulators: {
    all: MeanState;
    byStream: Record<string, MeanState>;
    parts: Record<string, MeanState>;
  };
  /** The Rngs' states; null when one of the Rngs the loop uses has no `state()` (not made by `createRng`). */
  rngStates: LoopRngStates | null;
  /** The `arranged` schedule's order of the current epoch. */
  epochOrder?: string[];
}

/**
 * Everything the loop needs to resume (plain data, apart from the artifact's own type): its state, the logs so
 * far and the selected evaluation with its artifact. Saved after an evaluation; see the module doc.
 */
export interface LoopCheckpoint<A> {
  /** The state after the iteration (or the final evaluation) that was just evaluated. */
  state: LoopState;
  /** Every evaluation so far, in order. */
  evaluations: LoopEvaluation[];
  /** Every completed epoch so far (an incomplete last epoch is recomputed from the state's accumulators). */
  epochs: EpochRecord[];
  /** The selected evaluation's index and artifact; null before any evaluation. */
  selected: { index: number; artifact: A | undefined } | null;
  /** Training tokens reported by the steps so far. */
  tokens: number;
  /** Seconds of step time so far. */
  trainSeconds: number;
}

/** Where the loop saves and finds its checkpoints (see the module doc; harness/train/checkpoint.ts). */
export interface LoopCheckpointHooks<A> {
  /** Called once before the first iteration: the checkpoint to resume from, or undefined to start afresh. */
  load(): Promise<LoopCheckpoint<A> | undefined>;
  /** Called after every iteration that made an evaluation, and after the final evaluation. */
  save(checkpoint: LoopCheckpoint<A>): Promise<void>;
}

/** The selected evaluation and its artifact. */
export interface SelectedEvaluation<A> {
  /** The selected evaluation. */
  evaluation: LoopEvaluation;
  /** Its artifact (e.g. test predictions), if the evaluation function returned one. */
  artifact: A | undefined;
}

/** What a loop run produced. */
export interface LoopResult<A> {
  /** Canonical selection rule (`max dev/f1`, `last`, …). */
  selectionRule: string;
  /** Undefined only when nothing was evaluated (cadence `never` with `final: "never"`). */
  selected: SelectedEvaluation<A> | undefined;
  /** Every evaluation, in order. */
  evaluations: LoopEvaluation[];
  /** Every epoch, the last one possibly incomplete. */
  epochs: EpochRecord[];
  /** Iterations run. */
  iterations: number;
  /** Epochs completed. */
  epochsCompleted: number;
  /** Iterations that read each stream, in declaration order. */
  streamIterations: Record<string, number>;
  /** The first stop rule that held: patience, then the epoch budget, then the iteration budget. */
  stopReason: "early-stopping" | "max-epochs" | "max-iterations";
  /** Training tokens reported by the steps. */
  tokens: number;
  /** Seconds of step time (evaluation excluded). */
  trainSeconds: number;
  /** The final state. */
  state: LoopState;
}

/** Functions, Rngs and optimisers of a loop run. */
export interface LoopHooks<A> {
  /** One Rng per shuffled stream, and the `sample` or `arranged` schedule's Rng (the caller derives them in its fixed order). */
  rngs?: { streams?: Readonly<Record<string, Rng>>; schedule?: Rng };
  /** Item lengths for streams that bucket by length. */
  lengthOf?: Readonly<Record<string, (i: number) => number>>;
  /** Optimisers by lr group: the loop sets `lr` at each epoch's start (and after a plateau reduction). */
  optimizers?: Readonly<Record<string, { lr: number }>>;
  /** One update on the iteration's batches. */
  step(ctx: StepContext): Promise<StepResult>;
  /** Evaluates the model as it is. */
  evaluate(ctx: EvaluationContext): Promise<EvaluationResult<A>>;
  /** Called after every iteration (after its evaluation, if any, and after that evaluation's checkpoint). */
  onProgress?(p: LoopProgress): void;
  /** Saving and resuming (see the module doc). Needs Rngs with `state()` (`createRng`). */
  checkpoint?: LoopCheckpointHooks<A>;
}

/** Resolves after one turn of the event loop (a zero-delay timer), so that pending timers and signals run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Checks a declaration without running anything.
 *
 * @throws {LoopSpecError} for duplicate or invalid streams, an invalid schedule, lr schedule, cadence, selection
 *   rule or patience, an evaluation stream that is not declared, no budget or a budget < 1, an optimiser without
 *   an lr schedule of its name, or an unknown progress unit.
 */
export function validateLoopSpec<A>(spec: LoopSpec, hooks?: LoopHooks<A>): void {
  if (hooks) {
    buildParts(spec, hooks);
    return;
  }
  // Without hooks, check the declaration alone: stand-ins for the Rngs and length functions it will need.
  const any = <T>(v: T) => Object.fromEntries((spec?.streams ?? []).map((s) => [s?.name, v]));
  buildParts(spec, {
    rngs: { streams: any(() => 0), schedule: () => 0 },
    lengthOf: any(() => 0),
    step: () => Promise.reject(new Error("not run")),
    evaluate: () => Promise.reject(new Error("not run")),
  });
}

interface Parts {
  streams: Map<string, BatchStream>;
  scheduler: Scheduler;
  lrs: LrScheduler[];
  cadence: Cadence;
  selector: Selector;
  patience: Patience;
}

function buildParts<A>(spec: LoopSpec, hooks: LoopHooks<A>): Parts {
  if (!Array.isArray(spec?.streams) || spec.streams.length === 0) {
    throw new LoopSpecError("A loop needs at least one stream");
  }
  const names = spec.streams.map((s) => s.name);
  const streams = new Map<string, BatchStream>();
  for (const s of spec.streams) {
    if (streams.has(s.name)) throw new LoopSpecError(`Stream "${s.name}" is declared twice`);
    streams.set(s.name, new BatchStream(s, hooks.rngs?.streams?.[s.name], hooks.lengthOf?.[s.name]));
  }
  const scheduler = new Scheduler(spec.schedule, names, hooks.rngs?.schedule);
  const lrs = Object.entries(spec.lr ?? {}).map(([n, s]) => new LrScheduler(n, s));
  for (const n of Object.keys(hooks.optimizers ?? {})) {
    if (!spec.lr?.[n]) {
      throw new LoopSpecError(
        `Optimiser "${n}" has no learning-rate schedule of its name (schedules: ${
          Object.keys(spec.lr ?? {}).join(", ") || "none"
        })`,
      );
    }
  }
  const ev = spec.evaluation;
  if (ev?.final !== "if-unevaluated" && ev?.final !== "never") {
    throw new LoopSpecError(
      `Evaluation final must be "if-unevaluated" or "never", got ${JSON.stringify(ev?.final)}`,
    );
  }
  if (ev.stream !== undefined && !names.includes(ev.stream)) {
    throw new LoopSpecError(`Evaluation stream "${ev.stream}" is not declared (${names.join(", ")})`);
  }
  const c = ev.cadence;
  const cadenceBatch = c?.kind === "sentences" ? spec.streams.find((s) => s.name === c.stream)?.batchSize : 1;
  const cadence = new Cadence(c, names, cadenceBatch ?? 1);
  const selector = new Selector(spec.selection);
  const patience = new Patience(spec.patience ?? { evaluations: 0, monitor: "selection" });
  const b = spec.budget ?? {};
  if (b.maxEpochs === undefined && b.maxIterations === undefined) {
    throw new LoopSpecError("A loop needs a budget: maxEpochs and/or maxIterations");
  }
  if (b.maxEpochs !== undefined) checkInteger("Budget maxEpochs", b.maxEpochs, 1);
  if (b.maxIterations !== undefined) checkInteger("Budget maxIterations", b.maxIterations, 1);
  const unit = spec.progress?.unit ?? "epoch";
  if (!["epoch", "iteration", "step"].includes(unit)) {
    throw new LoopSpecError(
      `Progress unit must be "epoch", "iteration" or "step", got ${JSON.stringify(unit)}`,
    );
  }
  return { streams, scheduler, lrs, cadence, selector, patience };
}

/** Key of the `sample` schedule's Rng in {@link usedRngs} (not a valid stream name: names cannot be empty). */
const SCHEDULE = "";

/** The Rngs the loop draws from: each shuffled stream's (by name) and the `sample` schedule's ({@link SCHEDULE}). */
function usedRngs<A>(spec: LoopSpec, hooks: LoopHooks<A>): Map<string, Rng> {
  const out = new Map<string, Rng>();
  for (const s of spec.streams) {
    if (s.order === "shuffled") out.set(s.name, hooks.rngs!.streams![s.name]);
  }
  if (spec.schedule.kind === "sample" || spec.schedule.kind === "arranged") {
    out.set(SCHEDULE, hooks.rngs!.schedule!);
  }
  return out;
}

/**
 * Fresh Rngs continuing the saved ones of a checkpoint.
 *
 * @throws {Error} when the checkpoint lacks the state of a Rng the loop uses.
 */
function resumedRngs(spec: LoopSpec, state: LoopState): Map<string, Rng> {
  const out = new Map<string, Rng>();
  const missing = (what: string) =>
    new Error(`Checkpoint does not fit this loop: it has no Rng state for ${what}`);
  for (const s of spec.streams) {
    if (s.order !== "shuffled") continue;
    const r = state.rngStates?.streams?.[s.name];
    if (!r) throw missing(`stream "${s.name}"`);
    out.set(s.name, restoreRng(r));
  }
  if (spec.schedule.kind === "sample" || spec.schedule.kind === "arranged") {
    const r = state.rngStates?.schedule;
    if (!r) throw missing(`the ${spec.schedule.kind} schedule`);
    out.set(SCHEDULE, restoreRng(r));
  }
  return out;
}

/**
 * Checks that a checkpoint was made by a loop of this declaration and is consistent with itself.
 *
 * @throws {Error} `Checkpoint does not fit this loop: …` naming the first mismatch.
 */
function checkResumable<A>(spec: LoopSpec, c: LoopCheckpoint<A>): void {
  const fail = (why: string) => {
    throw new Error(`Checkpoint does not fit this loop: ${why}`);
  };
  const s = c?.state;
  if (!s || !Array.isArray(c.evaluations) || !Array.isArray(c.epochs)) fail("state or logs missing");
  const same = (a: string[], b: string[]) => [...a].sort().join("\n") === [...b].sort().join("\n");
  const names = spec.streams.map((x) => x.name);
  if (!same(Object.keys(s.streams ?? {}), names)) {
    fail(`streams ${Object.keys(s.streams ?? {}).join(", ")}, the loop has ${names.join(", ")}`);
  }
  const groups = Object.keys(spec.lr ?? {});
  if (!same(Object.keys(s.lr ?? {}), groups)) {
    fail(
      `lr groups ${Object.keys(s.lr ?? {}).join(", ") || "none"}, the loop has ${
        groups.join(", ") || "none"
      }`,
    );
  }
  for (const n of Object.keys(s.passes ?? {})) {
    if (!names.includes(n)) fail(`a pass of unknown stream "${n}"`);
  }
  if (c.evaluations.length !== s.evaluations) {
    fail(`${c.evaluations.length} evaluations logged, state says ${s.evaluations}`);
  }
  if (c.epochs.length !== s.epochsCompleted) {
    fail(`${c.epochs.length} epochs logged, state says ${s.epochsCompleted}`);
  }
  const sel = s.selection?.index;
  if ((c.selected?.index ?? -1) !== sel || (sel !== undefined && sel >= c.evaluations.length)) {
    fail(`selected evaluation ${c.selected?.index ?? "none"}, selection state ${sel}`);
  }
  if (s.iterationInEpoch > 0 && s.epoch !== s.epochsCompleted + 1) {
    fail(`mid-epoch at epoch ${s.epoch} after ${s.epochsCompleted} completed epochs`);
  }
}

const mean = (m: MeanState) => (m.count ? m.sum / m.count : NaN);
const newMean = (): MeanState => ({ sum: 0, count: 0 });
const means = (r: Record<string, MeanState>) =>
  Object.fromEntries(Object.entries(r).map(([k, m]) => [k, mean(m)]));
const copyMeans = (r: Record<string, MeanState>) =>
  Object.fromEntries(Object.entries(r).map(([k, m]) => [k, { ...m }]));

/**
 * Runs the loop declared by `spec` with `hooks` (see the module doc for the order of events).
 *
 * Floating point: losses are summed in iteration order and divided once (epoch mean = Σ loss / iterations with a
 * loss), as both ported trainers did, so their logs are bit-identical.
 *
 * @throws {LoopSpecError} for an invalid declaration (see {@link validateLoopSpec}), when the selection rule,
 *   the patience monitor or a plateau monitor names a metric the evaluation does not give, or when
 *   `hooks.checkpoint` is given but a Rng the loop uses has no `state()`.
 * @throws {DivergedError} `Training diverged: …` when a step returns a non-finite loss; `Checkpoint does not fit this
 *   loop: …` when the loaded checkpoint has other streams or lr groups, lacks a Rng state, or is inconsistent
 *   (a stream's `Stream "<name>": …` for positions it cannot reach); whatever the hooks throw (`load`, `save`
 *   included).
 */
export async function runLoop<A>(spec: LoopSpec, hooks: LoopHooks<A>): Promise<LoopResult<A>> {
  let parts = buildParts(spec, hooks);
  const needed = usedRngs(spec, hooks);
  if (hooks.checkpoint) {
    for (const [what, rng] of needed) {
      if (typeof rng.state !== "function") {
        throw new LoopSpecError(
          `Checkpoints need the Rngs' states, but the Rng of ${what} has no state() (make it with createRng)`,
        );
      }
    }
  }
  const resumed = hooks.checkpoint ? await hooks.checkpoint.load() : undefined;
  let rngs = needed;
  if (resumed) {
    checkResumable(spec, resumed);
    rngs = resumedRngs(spec, resumed.state);
    parts = buildParts(spec, {
      ...hooks,
      rngs: {
        streams: Object.fromEntries([...rngs].filter(([w]) => w !== SCHEDULE).map(([w, r]) => [w, r])),
        schedule: rngs.get(SCHEDULE),
      },
    });
  }
  const { streams, scheduler, lrs, cadence, selector, patience } = parts;
  const names = spec.streams.map((s) => s.name);
  const schedStreams = spec.schedule.streams;
  const epochDef = epochSpec(spec.schedule);
  const perPass = Object.fromEntries([...streams].map(([n, s]) => [n, s.perPass]));
  const fixedLength = epochLength(epochDef, schedStreams, perPass);
  const epochStream = epochDef.by === "stream" ? epochDef.stream : undefined;
  const iterationsPerEpoch = fixedLength ?? perPass[epochStream!];
  const { maxEpochs, maxIterations } = spec.budget;
  const unit = spec.progress?.unit ?? "epoch";
  const progressMetric = spec.progress?.metric ??
    (selector.rule.kind === "last" ? undefined : selector.rule.key);
  const evalStream = spec.evaluation.stream;

  let iteration = 0;
  let epochsCompleted = 0;
  let iterationInEpoch = 0;
  let epochNumber = 0;
  let unevaluated = false;
  let lrNow: Record<string, number> = {};
  let epochLoss = newMean();
  let epochParts: Record<string, MeanState> = {};
  let epochTokens = 0;
  let epochSeconds = 0;
  let windowAll = newMean();
  let windowByStream: Record<string, MeanState> = {};
  let windowParts: Record<string, MeanState> = {};
  let totalTokens = 0;
  let trainSeconds = 0;
  const streamIterations: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const evaluations: LoopEvaluation[] = [];
  const epochs: EpochRecord[] = [];
  let selected: SelectedEvaluation<A> | undefined;
  let stopReason: LoopResult<A>["stopReason"] | undefined;
  const resetWindow = () => {
    windowAll = newMean();
    windowByStream = spec.schedule.kind === "joint-sum"
      ? {}
      : Object.fromEntries(schedStreams.map((n) => [n, newMean()]));
    windowParts = {};
  };
  resetWindow();

  const rngStates = (): LoopRngStates | null => {
    const out: LoopRngStates = { streams: {} };
    for (const [what, rng] of rngs) {
      if (typeof rng.state !== "function") return null;
      if (what === SCHEDULE) out.schedule = rng.state();
      else out.streams[what] = rng.state();
    }
    return out;
  };
  const state = (): LoopState => ({
    iteration,
    epochsCompleted,
    iterationInEpoch,
    epoch: epochNumber,
    epochLr: { ...lrNow },
    streams: Object.fromEntries([...streams].map(([n, s]) => [n, s.state()])),
    passes: Object.fromEntries(
      [...streams].flatMap(([n, s]) => {
        const pass = s.currentPass();
        return pass ? [[n, pass]] : [];
      }),
    ),
    streamIterations: { ...streamIterations },
    cadence: cadence.state(),
    unevaluated,
    evaluations: evaluations.length,
    selection: selector.state(),
    patience: patience.state(),
    lr: Object.fromEntries(lrs.map((l) => [l.name, l.state()])),
    epochAccumulators: {
      loss: { ...epochLoss },
      parts: copyMeans(epochParts),
      tokens: epochTokens,
      seconds: epochSeconds,
    },
    windowAccumulators: {
      all: { ...windowAll },
      byStream: copyMeans(windowByStream),
      parts: copyMeans(windowParts),
    },
    rngStates: rngStates(),
    ...(spec.schedule.kind === "arranged" ? { epochOrder: scheduler.epochOrder() } : {}),
  });

  const checkpoint = (): LoopCheckpoint<A> => ({
    state: state(),
    evaluations: evaluations.map((e) => ({ ...e, metrics: { ...e.metrics } })),
    epochs: epochs.filter((e) => e.complete).map((e) => ({
      ...e,
      metrics: { ...e.metrics },
      lr: { ...e.lr },
    })),
    selected: selected ? { index: selected.evaluation.index, artifact: selected.artifact } : null,
    tokens: totalTokens,
    trainSeconds,
  });
  const stopRule = (): LoopResult<A>["stopReason"] | undefined => {
    if (patience.exhausted) return "early-stopping";
    if (maxEpochs !== undefined && epochsCompleted >= maxEpochs) return "max-epochs";
    if (maxIterations !== undefined && iteration >= maxIterations) return "max-iterations";
    return undefined;
  };

  if (resumed) {
    const c = resumed;
    const s = c.state;
    iteration = s.iteration;
    epochsCompleted = s.epochsCompleted;
    iterationInEpoch = s.iterationInEpoch;
    epochNumber = s.epoch;
    lrNow = { ...s.epochLr };
    unevaluated = s.unevaluated;
    epochLoss = { ...s.epochAccumulators.loss };
    epochParts = copyMeans(s.epochAccumulators.parts);
    epochTokens = s.epochAccumulators.tokens;
    epochSeconds = s.epochAccumulators.seconds;
    windowAll = { ...s.windowAccumulators.all };
    windowByStream = copyMeans(s.windowAccumulators.byStream);
    windowParts = copyMeans(s.windowAccumulators.parts);
    totalTokens = c.tokens;
    trainSeconds = c.trainSeconds;
    Object.assign(streamIterations, s.streamIterations);
    evaluations.push(...c.evaluations);
    epochs.push(...c.epochs);
    selected = c.selected
      ? { evaluation: evaluations[c.selected.index], artifact: c.selected.artifact }
      : undefined;
    for (const [n, stream] of streams) stream.restore(s.streams[n], s.passes?.[n]);
    cadence.restore(s.cadence);
    selector.restore(s.selection);
    patience.restore(s.patience);
    if (s.epochOrder) scheduler.restoreEpochOrder(s.epochOrder);
    for (const l of lrs) {
      l.restore(s.lr[l.name]);
      // Mid-epoch, the epoch's rate is not set again at the next iteration: set it now.
      const opt = hooks.optimizers?.[l.name];
      if (opt && iterationInEpoch > 0) opt.lr = lrNow[l.name];
    }
    stopReason = stopRule();
  }

  const evaluate = async (trigger: "cadence" | "final"): Promise<LoopEvaluation> => {
    const index = evaluations.length;
    const trainLoss: WindowLoss = {
      all: mean(windowAll),
      byStream: means(windowByStream),
      parts: means(windowParts),
    };
    const t0 = performance.now();
    const res = await hooks.evaluate({ index, iteration, epochsCompleted, trigger, trainLoss });
    const seconds = (performance.now() - t0) / 1000;
    const train: Record<string, number> = { "train/loss": trainLoss.all };
    for (const [n, v] of Object.entries(trainLoss.byStream)) train[`train/loss_${n}`] = v;
    for (const [n, v] of Object.entries(trainLoss.parts)) train[`train/${n}`] = v;
    const metrics = { ...train, ...res.metrics };
    const evaluation: LoopEvaluation = { index, iteration, epochsCompleted, trigger, metrics, seconds };
    evaluations.push(evaluation);
    const picked = selector.consider(index, metrics);
    if (picked) selected = { evaluation, artifact: res.artifact };
    patience.update(metrics, picked);
    resetWindow();
    unevaluated = false;
    return evaluation;
  };

  const epochRecord = (complete: boolean, evaluation?: LoopEvaluation): EpochRecord => {
    const metrics: Record<string, number> = { "train/loss": mean(epochLoss) };
    for (const [n, m] of Object.entries(epochParts)) metrics[`train/${n}`] = mean(m);
    return {
      epoch: epochNumber,
      iterations: iterationInEpoch,
      complete,
      loss: mean(epochLoss),
      metrics,
      lr: { ...lrNow },
      tokens: epochTokens,
      seconds: epochSeconds,
      evaluation: evaluation?.index,
    };
  };

  while (stopReason === undefined) {
    if (iterationInEpoch === 0) {
      epochNumber = epochsCompleted + 1;
      lrNow = {};
      for (const l of lrs) {
        lrNow[l.name] = l.atEpochStart(epochNumber);
        const opt = hooks.optimizers?.[l.name];
        if (opt) opt.lr = lrNow[l.name];
      }
      epochLoss = newMean();
      epochParts = {};
      epochTokens = 0;
      epochSeconds = 0;
    }
    const picked = scheduler.pick(iteration);
    const t0 = performance.now();
    const batches = picked.map((n) => streams.get(n)!.next());
    const result = await hooks.step({
      iteration: iteration + 1,
      epoch: epochNumber,
      iterationInEpoch: iterationInEpoch + 1,
      batches,
      lr: lrNow,
    });
    const seconds = (performance.now() - t0) / 1000;
    const loss = result.loss;
    if (loss !== null && !Number.isFinite(loss)) {
      throw new DivergedError(
        `Training diverged: loss ${loss} at iteration ${iteration + 1} (epoch ${epochNumber}, iteration ` +
          `${iterationInEpoch + 1} of the epoch; streams ${picked.join(", ")})`,
      );
    }
    if (loss !== null) {
      epochLoss.sum += loss;
      epochLoss.count++;
      windowAll.sum += loss;
      windowAll.count++;
      if (batches.length === 1 && windowByStream[batches[0].stream]) {
        windowByStream[batches[0].stream].sum += loss;
        windowByStream[batches[0].stream].count++;
      }
      for (const [n, v] of Object.entries(result.parts ?? {})) {
        for (const r of [epochParts, windowParts]) {
          r[n] ??= newMean();
          r[n].sum += v;
          r[n].count++;
        }
      }
    }
    const tokens = result.tokens ?? 0;
    epochTokens += tokens;
    totalTokens += tokens;
    epochSeconds += seconds;
    trainSeconds += seconds;
    iteration++;
    iterationInEpoch++;
    for (const b of batches) streamIterations[b.stream]++;
    const epochEnded = fixedLength !== undefined
      ? iterationInEpoch >= fixedLength
      : batches.some((b) => b.stream === epochStream && b.endOfPass);
    if (epochEnded) epochsCompleted++;
    if (evalStream === undefined || batches.some((b) => b.stream === evalStream)) unevaluated = true;

    let evaluation: LoopEvaluation | undefined;
    const due = cadence.due({
      iteration,
      batches,
      epochEnded,
      epochsCompleted,
      maxEpochs,
      passesCompleted: Object.fromEntries([...streams].map(([n, s]) => [n, s.passesCompleted])),
    });
    if (due) evaluation = await evaluate("cadence");
    if (epochEnded) {
      const record = epochRecord(true, evaluation);
      epochs.push(record);
      const epochMetrics = { ...evaluation?.metrics, ...record.metrics };
      for (const l of lrs) {
        const monitor = l.spec.kind === "plateau" ? l.spec.monitor : "";
        const required = evaluation !== undefined || monitor.startsWith("train/");
        l.atEpochEnd(epochMetrics, required);
        const opt = hooks.optimizers?.[l.name];
        if (opt && l.spec.kind === "plateau") opt.lr = l.lr;
      }
    }
    const inEpoch = iterationInEpoch;
    if (epochEnded) iterationInEpoch = 0;
    stopReason = stopRule();
    if (evaluation && hooks.checkpoint) await hooks.checkpoint.save(checkpoint());
    if (hooks.onProgress) {
      const score = evaluation && progressMetric !== undefined && progressMetric in evaluation.metrics
        ? { key: progressMetric, value: evaluation.metrics[progressMetric] }
        : undefined;
      hooks.onProgress({
        unit,
        done: unit === "epoch" ? epochsCompleted : iteration,
        total: unit === "epoch" ? maxEpochs : maxIterations,
        iteration,
        epoch: epochNumber,
        epochsCompleted,
        iterationInEpoch: inEpoch,
        iterationsPerEpoch,
        streams: [...picked],
        loss,
        epochLoss: mean(epochLoss),
        epochTokens,
        epochSeconds,
        evaluation,
        score,
        state,
      });
    }
    // One macrotask turn per iteration: a step whose awaits all resolve as microtasks (the wasm and cpu backends
    // read tensors synchronously) would otherwise keep timers and signal listeners (the runner's SIGINT/SIGTERM
    // handler) from running until the whole loop ends.
    await yieldToEventLoop();
  }
  if (iterationInEpoch > 0) epochs.push(epochRecord(false));
  if (spec.evaluation.final === "if-unevaluated" && (unevaluated || evaluations.length === 0)) {
    await evaluate("final");
    if (hooks.checkpoint) await hooks.checkpoint.save(checkpoint());
  }
  return {
    selectionRule: selector.text,
    selected,
    evaluations,
    epochs,
    iterations: iteration,
    epochsCompleted,
    streamIterations,
    stopReason: stopReason!,
    tokens: totalTokens,
    trainSeconds,
    state: state(),
  };
}
