/**
 * The cost model of the `yang2017` suite: its `workload` hook (harness/run/define.ts), what one unit (cell × seed)
 * trains on and predicts, in tokens of the bench shape `S2` (the Yang-like 2-layer BiGRU 2×300, harness/bench/
 * shapes.ts), computed from the cell's config, the tasks' declared pool sizes (suite.ts `poolSentences`) and the
 * registry's sentence and token counts (harness/data/registry.ts `counts`), never from the data.
 *
 * What the estimate assumes:
 * - the released schedule (train.ts): tasks take turns, one batch of 10 sentences each; training stops after
 *   `iterationsPerTask` target batches or `maxEpochs` target passes, whichever comes first, every source getting
 *   as many batches as the target (a target without sentences, rate 0, still takes its empty turns and passes);
 *   no early stopping (an upper bound under the clean protocol's patience);
 * - a pool's sentences are as long on average as its files' (CoNLL-2003's `-DOCSTART-` pseudo-sentences count
 *   as sentences without tokens), a label-rate draw as long on average as its pool;
 * - the target's dev (where the pool rule keeps one) and test, each capped at `evalSentences`, are predicted at
 *   every evaluation of the schedule (`evaluation`: every `everySentences` target sentences after the warm-up
 *   epochs and at every pass end, or every `everyEpochs` epochs), plus one after training when the last target
 *   batch was not evaluated;
 * - {@link YANG_COST}: the cost of a token relative to the bench shape, measured on a committed run.
 *
 * @module
 */

import { DATASETS, type SplitCounts } from "../../harness/data/registry.ts";
import type { ProtocolDecl, SuiteContext } from "../../harness/run/define.ts";
import type { UnitWorkload } from "../../harness/run/suite.ts";
import type { CellConfig, TaskKey, TaskSpec, YangTypes } from "./suite.ts";
import { YANG_TRAIN_DEFAULTS, type YangEvaluationSchedule } from "./train.ts";

/** The bench shape whose training tokens/s the estimate scales. */
export const YANG_SHAPE = "S2";

/**
 * Cost of one token relative to one token of S2 (batch 32 × 30 tokens, dense inputs). Measured on the committed
 * run results/yang2017/20261121T124908Z-77dd07b (2 cores, wasm + OpenBLAS), whose machine's bench (results/bench/
 * 20261121T110622Z-a06df6b) trained S2 at 4,100 tok/s: the hierarchical model (char GRU per word, a trainable
 * 100-d table over every English word, one AdaGrad state per task, batches of 10 variable-length sentences)
 * trained 700–820 tok/s (`train` 5.3) and predicted ≈ 2,500 tok/s (`eval` 5: the engine's 3× rule,
 * harness/run/plan_summary.ts EVAL_SPEEDUP, gives S2 12,300 tok/s).
 */
export const YANG_COST = { train: 5.3, eval: 5 } as const;

function counts(spec: TaskSpec): Partial<Record<"train" | "dev" | "test", SplitCounts>> {
  const c = spec.registry ? DATASETS[spec.registry]?.counts : undefined;
  if (!c?.train) {
    throw new Error(`Task "${spec.key}" has no declared sentence and token counts (registry counts)`);
  }
  return c;
}

function poolRule(p: ProtocolDecl): "train+dev" | "train" {
  const rule = p.rules?.pool;
  if (rule !== "train+dev" && rule !== "train") {
    throw new Error(`Unknown pool rule "${String(rule)}", expected train+dev or train`);
  }
  return rule;
}

/** The pool of a task under a pool rule (sentences, tokens) and the dev set its target evaluates (sentences, tokens). */
function taskSizes(
  spec: TaskSpec,
  p: ProtocolDecl,
): { pool: SplitCounts; dev?: SplitCounts; test?: SplitCounts } {
  const c = counts(spec);
  const rule = poolRule(p);
  const train = c.train!;
  if (rule === "train+dev") {
    const pooled = spec.trainOnDev && c.dev;
    const tokens = train.tokens + (pooled ? c.dev!.tokens : 0);
    const sentences = spec.poolSentences?.[rule] ?? train.sentences + (pooled ? c.dev!.sentences : 0);
    return { pool: { sentences, tokens }, dev: spec.trainOnDev ? undefined : c.dev, test: c.test };
  }
  if (c.dev) return { pool: train, dev: c.dev, test: c.test };
  // No dev split: a seeded fraction of train is held out as dev (rules.heldOutDevFraction).
  const fraction = Number(p.rules?.heldOutDevFraction ?? 0);
  const held = Math.round(fraction * train.sentences);
  const perSentence = train.tokens / train.sentences;
  return {
    pool: { sentences: train.sentences - held, tokens: (train.sentences - held) * perSentence },
    dev: held > 0 ? { sentences: held, tokens: held * perSentence } : undefined,
    test: c.test,
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Evaluations of the target under the released rule (train.ts YANG_EVALUATION_RULE) or the `everyEpochs`
 * override, for `iterations` target batches in passes of `batches` batches of `batchSize` sentences.
 */
export function yangEvaluations(
  iterations: number,
  batches: number,
  schedule: YangEvaluationSchedule,
  batchSize: number = YANG_TRAIN_DEFAULTS.batchSize,
): number {
  if (iterations <= 0) return 0;
  const epochs = Math.floor(iterations / batches);
  if (schedule.everyEpochs !== undefined) {
    const atEnds = Math.floor(epochs / schedule.everyEpochs);
    const lastEvaluated = iterations % batches === 0 && epochs % schedule.everyEpochs === 0;
    return atEnds + (lastEvaluated ? 0 : 1);
  }
  // In-pass iteration i (1 ≤ i < batches) is evaluated when i·batchSize is a multiple of the period; every pass
  // end is evaluated. The period is the warm-up one while completed passes ≤ warmupEpochs.
  let count = 0;
  let lastEvaluated = false;
  for (let e = 0, done = 0; done < iterations; e++) {
    const inPass = Math.min(batches, iterations - done);
    const period = e <= schedule.warmupEpochs ? schedule.warmupEverySentences : schedule.everySentences;
    const step = period / gcd(batchSize, period);
    const within = Math.min(batches - 1, inPass);
    count += Math.floor(within / step);
    if (inPass === batches) {
      count++;
      lastEvaluated = true;
    } else {
      lastEvaluated = within % step === 0;
    }
    done += inPass;
  }
  return count + (lastEvaluated ? 0 : 1);
}

const cap = (n: number, limit: number | "all" | undefined) =>
  typeof limit === "number" ? Math.min(n, limit) : n;

/**
 * The estimated work of one unit of a yang2017 cell (see the module doc for what it assumes).
 *
 * @throws {Error} when a task of the cell has no declared counts, or the protocol an unknown pool rule.
 */
export function yangWorkload(cfg: CellConfig, ctx: SuiteContext<YangTypes>): UnitWorkload {
  const batch = YANG_TRAIN_DEFAULTS.batchSize;
  const target = taskSizes(ctx.datasets[cfg.target], ctx.protocolDecl);
  const perSentence = (c: SplitCounts) => (c.sentences > 0 ? c.tokens / c.sentences : 0);
  const nTarget = cap(
    cfg.subsetSentences ?? Math.trunc(cfg.rate * target.pool.sentences),
    cfg.targetSentencesCap,
  );
  const targetBatches = Math.max(1, Math.ceil(nTarget / batch));
  const iterations = Math.min(cfg.iterationsPerTask, cfg.maxEpochs * targetBatches);
  let tokens = (iterations / targetBatches) * nTarget * perSentence(target.pool);
  for (const s of cfg.sources) {
    const pool = taskSizes(ctx.datasets[s as TaskKey], ctx.protocolDecl).pool;
    const n = cap(pool.sentences, cfg.sourceSentences);
    tokens += (iterations / Math.max(1, Math.ceil(n / batch))) * n * perSentence(pool);
  }
  const evaluations = yangEvaluations(iterations, targetBatches, cfg.evaluation, batch);
  const evalSplit = (
    c: SplitCounts | undefined,
  ) => (c ? cap(c.sentences, cfg.evalSentences) * perSentence(c) : 0);
  return {
    shape: YANG_SHAPE,
    trainTokens: tokens * YANG_COST.train,
    evalTokens: evaluations * (evalSplit(target.dev) + evalSplit(target.test)) * YANG_COST.eval,
    logEntries: evaluations,
  };
}
