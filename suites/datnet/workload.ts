/**
 * The cost model of the `datnet` suite: its `workload` hook (harness/run/define.ts), what one unit (cell × seed)
 * trains on and predicts, in tokens of the bench shape `datnet-base-b10` (the base model at paper sizes, batch 10
 * target sentences, harness/bench/shapes.ts), computed from the cell's config and the sentence and token counts
 * the registry declares for the data files (harness/data/registry.ts `counts`), never from the data.
 *
 * What the estimate assumes:
 * - an epoch is max(#target batches, min(#source batches, sourceBatchesPerEpoch)) steps of one batch of 10 target
 *   sentences and, for transfer models, one of 10 source sentences (models/trainer.ts DATNET_F_MIXING_RULE);
 *   every epoch of the budget runs (no early stopping: an upper bound under the clean protocol's patience);
 * - a subset's sentences are as long on average as their split's (the first k of a file, a ρ fraction); the
 *   released code's token filter (paper protocol) is ignored (it drops under 1 % of the tokens);
 * - dev and test (each capped at `evalSentences`) are predicted after every `evalEvery`-th epoch and the last;
 * - {@link DATNET_COST}: per-token costs relative to the bench shape, measured on the committed runs.
 *
 * @module
 */

import { DATASETS, type SplitCounts } from "../../harness/data/registry.ts";
import type { ProtocolDecl, SuiteContext } from "../../harness/run/define.ts";
import type { UnitWorkload } from "../../harness/run/suite.ts";
import { MODEL_SIZES } from "./model.ts";
import { releasedArrangement } from "./mixing.ts";
import type { CellConfig, DatnetTypes } from "./suite.ts";

/** The bench shape whose training tokens/s the estimate scales: the base model itself at batch 10. */
export const DATNET_SHAPE = "datnet-base-b10";

/**
 * Cost of one token relative to one token of the bench shape, as factors that multiply. Measured on the
 * committed runs (2 cores, wasm + OpenBLAS), whose bench on the same machine (results/bench/20261121T110622Z-
 * a06df6b) trained datnet-base-b10 at 8,014 tok/s:
 * - `base` 1.4: the base model trained 5,300 (Spanish) to 6,800 (WNUT-2016) tok/s in results/datnet/
 *   20261121T124652Z-a6d1201 (padding of real sentence lengths, vocabularies of 10–26k words);
 * - `private` 1.5: P-Transfer runs a private BiLSTM per resource beside the shared one (its steps took 1.4–1.6×
 *   those of F-Transfer with the same data in the smoke runs results/datnet/20261121T120701Z-86e2362-*);
 * - `discriminator` 1.15: the AD / GRAD discriminator (1.0–1.3×);
 * - `at` 2.7: adversarial training adds the gradient pass that computes the perturbation and the perturbed
 *   pass (2.5–3.2× in the smoke runs);
 * - `eval` 0.75: prediction (batches of 64, forward and Viterbi only) ran at ≈ 32,000 tok/s, ¾ of the cost per
 *   token that the engine's 3× rule (harness/run/plan_summary.ts EVAL_SPEEDUP) gives; P models pay `private`;
 * - `wideF` 2.7: DATNet-F's released BiLSTM of 200 per direction (0.7.0) against 100: the es k = 10 DATNet-F
 *   (GRAD + AT) units of results/datnet/20261203T183716Z-31f153c-released trained at 747, 832 and 481 tok/s
 *   (mean 687) where the other factors predict 1,844 tok/s at 100 per direction, i.e. 2.7× (measured with a second
 *   run beside it on the 2 cores); prediction pays it too.
 */
export const DATNET_COST = {
  base: 1.4,
  private: 1.5,
  discriminator: 1.15,
  at: 2.7,
  eval: 0.75,
  wideF: 2.7,
} as const;

/** Source of every transfer cell (suite.ts SOURCE). */
const SOURCE_REGISTRY = "conll2003";

function counts(registry: string): Partial<Record<"train" | "dev" | "test", SplitCounts>> {
  const c = DATASETS[registry]?.counts;
  if (!c?.train) {
    throw new Error(`Dataset "${registry}" declares no sentence and token counts (registry counts)`);
  }
  return c;
}

function trainOnDev(p: ProtocolDecl): string[] {
  return String(p.rules?.trainOnDev ?? "").split(",").filter(Boolean);
}

const cap = (n: number, limit: number | "all" | undefined) =>
  typeof limit === "number" ? Math.min(n, limit) : n;

/**
 * The estimated work of one unit of a datnet cell (see the module doc for what it assumes).
 *
 * @throws {Error} when the target or source dataset declares no counts.
 */
export function datnetWorkload(cfg: CellConfig, ctx: SuiteContext<DatnetTypes>): UnitWorkload {
  const t = counts(cfg.target);
  const pooled = trainOnDev(ctx.protocolDecl).includes(cfg.targetKey) && t.dev;
  const pool = {
    sentences: t.train!.sentences + (pooled ? t.dev!.sentences : 0),
    tokens: t.train!.tokens + (pooled ? t.dev!.tokens : 0),
  };
  const s = cfg.subset;
  const subset = s.kind === "first-k"
    ? Math.min(s.k, pool.sentences)
    : s.kind === "ratio"
    ? Math.min(pool.sentences, Math.max(1, Math.round(s.ratio * pool.sentences)))
    : pool.sentences;
  const nTarget = cap(subset, cfg.targetSentences);
  const sizes = MODEL_SIZES[cfg.modelConfig];
  const batch = sizes.batchSize;
  const targetBatches = Math.max(1, Math.ceil(nTarget / batch));
  const targetPassTokens = nTarget * pool.tokens / pool.sentences;

  let epochTokens = targetPassTokens;
  if (cfg.source !== undefined) {
    const src = counts(SOURCE_REGISTRY).train!;
    const nSource = cap(src.sentences, cfg.sourceSentences);
    const sourceBatches = Math.max(1, Math.ceil(nSource / batch));
    const sourceCap = typeof cfg.sourceBatchesPerEpoch === "number" ? cfg.sourceBatchesPerEpoch : undefined;
    const sourceStepTokens = (nSource * src.tokens / src.sentences) / sourceBatches;
    if (cfg.mixing === "joint" || cfg.mixing === undefined) {
      // Each stream is read in passes: a step takes one batch of each, so an epoch reads steps / batches passes.
      const steps = Math.max(targetBatches, Math.min(sourceBatches, sourceCap ?? Infinity));
      epochTokens = steps * (targetPassTokens / targetBatches + sourceStepTokens);
    } else {
      // Released rules: every target batch once, plus the arrangement's source batches.
      const a = releasedArrangement(cfg.mixing, {
        batchSize: batch,
        source: nSource,
        target: nTarget,
        targetFile: pool.sentences,
        sourceCap,
      });
      epochTokens = targetPassTokens + a.mixed.source * sourceStepTokens;
    }
  }
  const variant = ctx.variants[cfg.variant];
  const privateFactor = variant?.transfer === "datnet-p" ? DATNET_COST.private : 1;
  const wide = variant?.transfer === "datnet-f" && sizes.lstmUnits.f > 100 ? DATNET_COST.wideF : 1;
  const perToken = DATNET_COST.base * privateFactor * wide *
    (cfg.discriminator !== "none" ? DATNET_COST.discriminator : 1) * (cfg.at ? DATNET_COST.at : 1);

  const evalEvery = Math.max(1, cfg.evalEvery);
  const evaluations = Math.floor(cfg.epochs / evalEvery) + (cfg.epochs % evalEvery === 0 ? 0 : 1);
  const evalSplit = (c: SplitCounts | undefined) =>
    c ? cap(c.sentences, cfg.evalSentences) * c.tokens / c.sentences : 0;
  const evalTokens = evaluations * (evalSplit(t.dev) + evalSplit(t.test)) * DATNET_COST.eval * privateFactor *
    wide;
  return {
    shape: DATNET_SHAPE,
    trainTokens: cfg.epochs * epochTokens * perToken,
    evalTokens,
    logEntries: cfg.epochs,
  };
}
