/**
 * tagbench: a reproducible benchmark harness that re-runs published low-resource and cross-lingual
 * sequence-tagging experiments (NER, POS, chunking) and audits their claims.
 *
 * Command-line use is through `deno task` (see README.md); this module is the library API:
 * - data: CoNLL/WNUT/UD/WikiANN readers, IOB1 ⇄ IOB2 ⇄ IOBES conversion, the dataset registry, samplers (incl.
 *   `numpyLegacyChoice`, numpy's legacy `RandomState(seed).choice(n, k)`), word vectors;
 * - metrics: an exact port of conlleval (2004-01-26), the generic scorers and the metric registry;
 * - models: reusable parts (the linear-chain CRF, char-CNN, BiLSTM/BiGRU, gradient reversal, AT, optimisers);
 * - train: the one training loop (streams, schedules, learning-rate schedules, cadence, selection rules);
 * - run/results: the suite declaration (`defineSuite`), the runner, claims and the audit rules;
 * - suites: the registered papers, each with its model wiring and trainer.
 *
 * @example
 * ```ts
 * import { chunkF1, convertTags } from "./mod.ts";
 * const gold = [convertTags(["I-PER", "I-PER", "O"], "IOB1", "IOB2")];
 * chunkF1(gold, [["B-PER", "I-PER", "O"]]).f1; // 100
 * ```
 *
 * @module
 */

export type * from "./models/types.ts";
export * from "./harness/data/mod.ts";
export * from "./harness/metrics/mod.ts";

export type * from "./harness/run/suite.ts";
export {
  reaudit,
  reproduce,
  type ReproduceOptions,
  type ReproduceResult,
  RunError,
} from "./harness/run/runner.ts";
export { cellSeed, cellSeeds } from "./harness/run/seeds.ts";
export { type Claim, loadClaims, parseClaims } from "./harness/results/claims.ts";
export {
  auditClaims,
  type AuditRow,
  DEFAULT_FLOORS,
  type MeasuredRow,
  summarise,
  tolerance,
  toleranceFloor,
  type Verdict,
} from "./harness/results/audit.ts";
export { type Manifest, readResults, type ResultRow, upgradeRowV1 } from "./harness/results/run_record.ts";
export { protocolGap, type ProtocolGapRow } from "./harness/results/protocol_gap.ts";

export { type BackendInfo, type BackendName, initBackend } from "./runtime/backend.ts";
export { LinearChainCRF } from "./models/crf.ts";
export { AdaGrad, Adam, inverseTimeDecay } from "./models/optim.ts";
export { DATNET_BASE, DATNET_F, DATNET_P, type DatnetConfig } from "./suites/datnet/network.ts";
export { AD_DISCRIMINATOR, discriminatorLoss, GRAD_DISCRIMINATOR, gradientReversal } from "./models/grad.ts";
export { AT_DEFAULT } from "./models/adversarial.ts";
export { BiGRU, GRU } from "./models/gru.ts";
export { type CellOutcome, type TaggingData, type TrainConfig, trainTagger } from "./suites/datnet/train.ts";

export { getSuite, SUITES } from "./suites/registry.ts";
export { yang2017Suite } from "./suites/yang2017/suite.ts";
export { datnetSuite } from "./suites/datnet/suite.ts";
export {
  type BudgetKnob,
  type CellDecl,
  defineSuite,
  type ExperimentDecl,
  type FigureDecl,
  grid,
  type ProtocolDecl,
  type SuiteDeclaration,
  type SuiteHooks,
} from "./harness/run/define.ts";
export { isBetter, METRIC_NAMES, metricInfo } from "./harness/results/metrics.ts";
export * from "./harness/train/mod.ts";
export { YangModel } from "./suites/yang2017/network.ts";
export { trainYang } from "./suites/yang2017/train.ts";
