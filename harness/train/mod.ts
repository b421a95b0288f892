/**
 * The shared training loop: declared batch streams, multi-task / multi-resource schedules, learning-rate
 * schedules, evaluation cadences, checkpoint-selection rules, patience and budgets, run around a caller's step and
 * evaluation functions.
 *
 * - {@link runLoop}, {@link validateLoopSpec}: the loop and its declaration check (loop.ts).
 * - {@link BatchStream}, {@link shuffle}: seeded shuffled or unshuffled passes, optional length bucketing.
 * - {@link Scheduler}: `joint-sum` (DATNet), `alternate` (Yang, released DATNet), `sample` (Yang §3.3).
 * - {@link LrScheduler}: constant, inverse-time, exponential, Keras plateau, frozen-then-ramp.
 * - {@link Cadence}: every n epochs (+ last), Yang's sentences rule with warm-up, every n steps.
 * - {@link parseSelectionRule}, {@link Selector}, {@link Patience}: `max dev/f1`, `min lm/dev_ppl`, `last`, ….
 * - {@link unitCheckpoint}, {@link writeCheckpoint}, {@link readCheckpoint}: a unit's checkpoint after each
 *   evaluation, resumed with identical results (checkpoint.ts).
 *
 * @example
 * ```ts
 * import { parseSelectionRule } from "./harness/train/mod.ts";
 * parseSelectionRule("min lm/dev_ppl"); // { kind: "min", key: "lm/dev_ppl", split: "lm", metric: "dev_ppl" }
 * ```
 *
 * @module
 */

export type { Rng, RngState, StatefulRng } from "../../models/init.ts";
export type { PRF } from "../../models/types.ts";
export {
  Cadence,
  type CadenceEvent,
  type CadenceSpec,
  type CadenceState,
  validateCadence,
} from "./cadence.ts";
export {
  assignVariables,
  CHECKPOINT_FILE,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointContent,
  CheckpointMismatchError,
  type CheckpointPosition,
  type CheckpointSaveInfo,
  type CheckpointUnit,
  decodeCheckpointData,
  digest,
  encodeCheckpointData,
  readCheckpoint,
  readVariables,
  unitCheckpoint,
  type UnitCheckpointOptions,
  withoutPrefix,
  withPrefix,
  writeCheckpoint,
} from "./checkpoint.ts";
export {
  type BudgetSpec,
  type EpochRecord,
  type EvaluationContext,
  type EvaluationResult,
  type EvaluationSpec,
  type LoopCheckpoint,
  type LoopCheckpointHooks,
  type LoopEvaluation,
  type LoopHooks,
  type LoopProgress,
  type LoopResult,
  type LoopRngStates,
  type LoopSpec,
  type LoopState,
  type MeanState,
  type ProgressUnit,
  runLoop,
  type SelectedEvaluation,
  type StepContext,
  type StepResult,
  validateLoopSpec,
  type WindowLoss,
} from "./loop.ts";
export {
  lrAtEpoch,
  LrScheduler,
  type LrScheduleSpec,
  type LrScheduleState,
  validateLrSchedule,
} from "./lr_schedule.ts";
export { type NamedScorer, splitMetrics } from "./metrics.ts";
export {
  drawIndex,
  epochLength,
  type EpochSpec,
  epochSpec,
  LONGEST_PASS,
  Scheduler,
  type ScheduleSpec,
  validateSchedule,
} from "./schedules.ts";
export {
  formatSelectionRule,
  improves,
  parseSelectionRule,
  Patience,
  type PatienceSpec,
  type PatienceState,
  SELECTION_RULE_FORMS,
  type SelectionRule,
  type SelectionState,
  Selector,
} from "./selection.ts";
export { checkInteger, checkNumber, LoopSpecError } from "./spec_error.ts";
export {
  BatchStream,
  shuffle,
  type StreamBatch,
  type StreamOrder,
  type StreamSpec,
  type StreamState,
  validateStreamSpec,
} from "./streams.ts";
