/**
 * tagbench: a reproducible benchmark harness that re-runs published low-resource and cross-lingual
 * sequence-tagging experiments (NER, POS, chunking) and audits their claims.
 *
 * Command-line use is through `deno task` (see README.md); this module is the library API:
 * - data: CoNLL/WNUT/UD/WikiANN readers, IOB1 ⇄ IOB2 ⇄ IOBES conversion, the dataset registry, samplers (incl.
 *   `numpyLegacyChoice`, numpy's legacy `RandomState(seed).choice(n, k)`), token filters, word vectors;
 * - metrics: an exact port of conlleval (2004-01-26) and the papers' scorer variants;
 * - models: the linear-chain CRF label decoder, char-CNN, BiLSTM, the DATNet family and its trainer;
 * - run/results: the suite contract, the runner, claims and the audit rules;
 * - suites: the registered papers.
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

export type * from "./harness/types.ts";
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
export type { Manifest, ResultRow } from "./harness/results/run_record.ts";
export { protocolGap, type ProtocolGapRow } from "./harness/results/protocol_gap.ts";

export { type BackendInfo, type BackendName, initBackend } from "./models/backend.ts";
export { LinearChainCRF } from "./models/crf.ts";
export { AdaGrad, Adam, inverseTimeDecay } from "./models/optim.ts";
export { DATNET_BASE, DATNET_F, DATNET_P, type DatnetConfig } from "./models/datnet.ts";
export { AD_DISCRIMINATOR, discriminatorLoss, GRAD_DISCRIMINATOR, gradientReversal } from "./models/grad.ts";
export { AT_DEFAULT } from "./models/adversarial.ts";
export { BiGRU, GRU } from "./models/gru.ts";
export { type CellOutcome, type TaggingData, type TrainConfig, trainTagger } from "./models/trainer.ts";

export { getSuite, SUITES } from "./suites/registry.ts";
export { writeFigure2, yang2017Suite } from "./suites/yang2017/suite.ts";
export { YangModel } from "./models/yang.ts";
export { trainYang } from "./models/yang_trainer.ts";
