/**
 * The metric registry: every number a result row carries is a named key `<split>/<name>` (`test/f1`,
 * `dev/accuracy`, `train/loss`, `lm/dev_ppl`), and the registry gives each name its unit and direction. A claim's
 * `metric` column is such a key; the audit reads that key and compares in its direction.
 *
 * @module
 */

/** Whether a larger value of a metric is better. */
export type MetricDirection = "higher" | "lower";

/** What the registry knows about a metric name (the part after the `/`). */
export interface MetricInfo {
  /** Unit as printed: `%` for scores in percent, `nats` for losses, `ppl` for perplexities. */
  unit: string;
  direction: MetricDirection;
  description: string;
}

/** Metric names (the part after `<split>/`). */
export const METRIC_NAMES: Readonly<Record<string, MetricInfo>> = {
  precision: { unit: "%", direction: "higher", description: "chunk precision, in percent" },
  recall: { unit: "%", direction: "higher", description: "chunk recall, in percent" },
  f1: {
    unit: "%",
    direction: "higher",
    description: "chunk F1 (conlleval or the paper's scorer), in percent",
  },
  accuracy: { unit: "%", direction: "higher", description: "token accuracy (POS), in percent" },
  loss: { unit: "nats", direction: "lower", description: "mean training loss per batch" },
  ppl: { unit: "ppl", direction: "lower", description: "perplexity" },
  dev_ppl: { unit: "ppl", direction: "lower", description: "language-model perplexity on held-out text" },
};

/** Splits (the part before the `/`): `lm` is a pre-training stage's own measurements. */
export const METRIC_SPLITS = ["train", "dev", "test", "lm"] as const;

/** A parsed metric key. */
export interface MetricKey extends MetricInfo {
  key: string;
  split: (typeof METRIC_SPLITS)[number];
  name: string;
}

/**
 * Parses and looks up a metric key such as `test/f1`.
 *
 * @throws {Error} naming the key when it is not `<split>/<name>` with a known split and name.
 */
export function metricInfo(key: string): MetricKey {
  const [split, name, ...rest] = key.split("/");
  const info = METRIC_NAMES[name ?? ""];
  if (rest.length > 0 || !(METRIC_SPLITS as readonly string[]).includes(split) || !info) {
    throw new Error(
      `Unknown metric "${key}": expected <split>/<name> with split ${METRIC_SPLITS.join("|")} and name ` +
        `${Object.keys(METRIC_NAMES).join("|")} (e.g. test/f1)`,
    );
  }
  return { key, split: split as MetricKey["split"], name, ...info };
}

/** Whether `a` is strictly better than `b` under `key`'s direction (NaN is never better). */
export function isBetter(key: string, a: number, b: number): boolean {
  if (!Number.isFinite(a)) return false;
  if (!Number.isFinite(b)) return true;
  return metricInfo(key).direction === "higher" ? a > b : a < b;
}

/** Columns order of metric keys in results.csv: split order (train, dev, test, lm), then name order. */
export function sortMetricKeys(keys: Iterable<string>): string[] {
  const rank = (k: string): [number, number, string] => {
    const [split, name] = k.split("/");
    const s = (METRIC_SPLITS as readonly string[]).indexOf(split);
    const n = Object.keys(METRIC_NAMES).indexOf(name);
    return [s < 0 ? 99 : s, n < 0 ? 99 : n, k];
  };
  return [...new Set(keys)].sort((a, b) => {
    const [sa, na, ka] = rank(a);
    const [sb, nb, kb] = rank(b);
    return sa - sb || na - nb || (ka < kb ? -1 : ka > kb ? 1 : 0);
  });
}

/** Named scores of one split without the split prefix, in percent: `{precision, recall, f1}` or `{accuracy}`. */
export type SplitScores = Record<string, number>;

/**
 * Prefixes a split's scores with the split name, leaving out values that were not measured (undefined).
 *
 * @example `prefixScores("test", {f1: 80})` → `{"test/f1": 80}`
 */
export function prefixScores(split: string, scores: SplitScores | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!scores) return out;
  for (const [k, v] of Object.entries(scores)) if (v !== undefined) out[`${split}/${k}`] = v;
  return out;
}
