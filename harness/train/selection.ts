/**
 * Checkpoint selection and patience over the evaluations of a training run.
 *
 * A selection rule is a string: `max <split>/<metric>`, `min <split>/<metric>` or `last`, e.g. `max dev/f1`
 * (clean protocol), `max test/f1` (one released DATNet version; Yang et al.'s released `max_f1`), `max
 * test/accuracy`, `min lm/dev_ppl` (an LM stage), `min train/loss` (perl2020's best-training-loss snapshot),
 * `last` (perl2020's baseline: the final weights). Metric keys are `<split>/<name>`.
 *
 * Ties keep the FIRST best: a later evaluation replaces the selection only by a strict improvement (`>` for max,
 * `<` for min), and the first evaluation is always selected — both re-run trainers' behaviour
 * (suites/datnet/train.ts, suites/yang2017/train.ts). A NaN never improves on anything.
 *
 * Patience counts evaluations without improvement of a monitored metric: either `"selection"` (the evaluation was
 * not selected; Yang et al.'s early stopping on the selection score) or a rule `max <key>` / `min <key>` tracked
 * on its own from −∞ / +∞ (DATNet monitors `max dev/f1` even when selecting on test).
 *
 * @module
 */

import { checkInteger, LoopSpecError } from "./spec_error.ts";

/** A parsed selection rule. */
export type SelectionRule =
  | { kind: "max" | "min"; key: string; split: string; metric: string }
  | { kind: "last" };

/** The accepted forms, for error messages. */
export const SELECTION_RULE_FORMS =
  `"max <split>/<metric>", "min <split>/<metric>" or "last" (e.g. "max dev/f1", "min lm/dev_ppl")`;

const NAME = "[A-Za-z][A-Za-z0-9_.-]*";
const RULE = new RegExp(`^(max|min) +(${NAME})/(${NAME})$`);

/**
 * Parses a selection rule string (surrounding whitespace ignored).
 *
 * @throws {LoopSpecError} naming the string and the accepted forms, e.g. for `"best dev"` or `"max f1"`.
 * @example parseSelectionRule("max dev/f1") // { kind: "max", key: "dev/f1", split: "dev", metric: "f1" }
 */
export function parseSelectionRule(s: string): SelectionRule {
  const text = typeof s === "string" ? s.trim() : "";
  if (text === "last") return { kind: "last" };
  const m = RULE.exec(text);
  if (!m) {
    throw new LoopSpecError(`Invalid selection rule ${JSON.stringify(s)}: expected ${SELECTION_RULE_FORMS}`);
  }
  return { kind: m[1] as "max" | "min", key: `${m[2]}/${m[3]}`, split: m[2], metric: m[3] };
}

/** The canonical string of a rule (`max dev/f1`, `last`). */
export function formatSelectionRule(rule: SelectionRule): string {
  return rule.kind === "last" ? "last" : `${rule.kind} ${rule.key}`;
}

/** Whether `value` strictly improves on `best` under `kind` (NaN never does). */
export function improves(kind: "max" | "min", value: number, best: number): boolean {
  return kind === "max" ? value > best : value < best;
}

/** Reads `rule.key` from an evaluation's metrics. @throws {LoopSpecError} when the key is missing. */
function metricOf(what: string, key: string, metrics: Readonly<Record<string, number>>): number {
  const v = metrics[key];
  if (v === undefined) {
    throw new LoopSpecError(
      `${what} needs metric "${key}", but the evaluation gave ${Object.keys(metrics).join(", ") || "none"}`,
    );
  }
  return v;
}

/** Plain-data state of a {@link Selector}: the selected evaluation's index and value (−1 / NaN before any). */
export interface SelectionState {
  /** Index of the selected evaluation (−1 before any). */
  index: number;
  /** Its value of the rule's metric (NaN before any, and for `last`). */
  value: number;
}

/** Applies a selection rule to successive evaluations. */
export class Selector {
  /** The parsed rule. */
  readonly rule: SelectionRule;
  /** The canonical rule string. */
  readonly text: string;
  #index = -1;
  #value = NaN;

  /**
   * A selector for a rule string such as `max dev/f1`.
   *
   * @throws {LoopSpecError} for an invalid rule string.
   */
  constructor(rule: string) {
    this.rule = parseSelectionRule(rule);
    this.text = formatSelectionRule(this.rule);
  }

  /**
   * Offers evaluation `index` with its metrics; returns whether it is now the selected one.
   *
   * @throws {LoopSpecError} when the rule's metric is missing from `metrics`.
   */
  consider(index: number, metrics: Readonly<Record<string, number>>): boolean {
    const rule = this.rule;
    if (rule.kind === "last") {
      this.#index = index;
      return true;
    }
    const v = metricOf(`Selection rule "${this.text}"`, rule.key, metrics);
    if (this.#index < 0 || improves(rule.kind, v, this.#value)) {
      this.#index = index;
      this.#value = v;
      return true;
    }
    return false;
  }

  /** Index of the selected evaluation, −1 before any. */
  get index(): number {
    return this.#index;
  }

  /** Plain-data state. */
  state(): SelectionState {
    return { index: this.#index, value: this.#value };
  }

  /** Puts back a {@link Selector.state}. @throws {Error} when `index` is not an integer ≥ −1 or `value` no number. */
  restore(state: SelectionState): void {
    if (!(Number.isInteger(state?.index) && state.index >= -1 && typeof state.value === "number")) {
      throw new Error(`Selector: cannot restore ${JSON.stringify(state)}`);
    }
    this.#index = state.index;
    this.#value = state.value;
  }
}

/** A declared patience (early stopping): stop after `evaluations` evaluations without improvement. */
export interface PatienceSpec {
  /** Evaluations without improvement that stop training; 0 = never stop. */
  evaluations: number;
  /** `"selection"`, or a rule `"max <split>/<metric>"` / `"min <split>/<metric>"` tracked from ∓∞. */
  monitor: "selection" | string;
}

/** Plain-data state of a {@link Patience}. */
export interface PatienceState {
  /** Best monitored value so far (∓∞ before any; unused for `"selection"`). */
  best: number;
  /** Evaluations since the last improvement. */
  since: number;
}

/** Counts evaluations without improvement. */
export class Patience {
  /** The declaration. */
  readonly spec: PatienceSpec;
  readonly #rule?: { kind: "max" | "min"; key: string };
  #best: number;
  #since = 0;

  /**
   * A patience counter for `spec`.
   *
   * @throws {LoopSpecError} for a negative count or a monitor that is neither "selection" nor a max/min rule.
   */
  constructor(spec: PatienceSpec) {
    checkInteger("Patience evaluations", spec.evaluations, 0);
    this.spec = spec;
    if (spec.monitor !== "selection") {
      const rule = parseSelectionRule(spec.monitor);
      if (rule.kind === "last") {
        throw new LoopSpecError(
          `Patience monitor "last" is not a metric: use "selection" or "max/min <key>"`,
        );
      }
      this.#rule = rule;
    }
    this.#best = this.#rule?.kind === "min" ? Infinity : -Infinity;
  }

  /**
   * Records one evaluation: `selected` says whether the selection rule picked it (used by monitor
   * `"selection"`).
   *
   * @throws {LoopSpecError} when the monitored metric is missing.
   */
  update(metrics: Readonly<Record<string, number>>, selected: boolean): void {
    const rule = this.#rule;
    let improved = selected;
    if (rule) {
      const v = metricOf(`Patience monitor "${this.spec.monitor}"`, rule.key, metrics);
      improved = improves(rule.kind, v, this.#best);
      if (improved) this.#best = v;
    }
    this.#since = improved ? 0 : this.#since + 1;
  }

  /** Whether patience has run out (never when `evaluations` is 0). */
  get exhausted(): boolean {
    return this.spec.evaluations > 0 && this.#since >= this.spec.evaluations;
  }

  /** Plain-data state. */
  state(): PatienceState {
    return { best: this.#best, since: this.#since };
  }

  /** Puts back a {@link Patience.state}. @throws {Error} when `since` is not an integer ≥ 0 or `best` no number. */
  restore(state: PatienceState): void {
    if (!(Number.isInteger(state?.since) && state.since >= 0 && typeof state.best === "number")) {
      throw new Error(`Patience: cannot restore ${JSON.stringify(state)}`);
    }
    this.#best = state.best;
    this.#since = state.since;
  }
}

/**
 * A trainer's selection setting as a rule string: one of the trainer's legacy `aliases` (e.g. DATNet's `"dev"` →
 * `max dev/f1`), else a rule (see {@link parseSelectionRule}) that may read only the splits the trainer
 * evaluates.
 *
 * @param what How the error names the setting, e.g. `TrainConfig.selection`.
 * @throws {Error} for an invalid rule string or one over another split, naming the setting and the splits.
 */
export function trainerSelectionRule(
  selection: string,
  aliases: Readonly<Record<string, string>>,
  splits: readonly string[],
  what: string,
): string {
  if (Object.hasOwn(aliases, selection)) return aliases[selection];
  const rule = parseSelectionRule(selection);
  if (rule.kind !== "last" && !splits.includes(rule.split)) {
    throw new Error(
      `${what} "${selection}" reads split "${rule.split}": the trainer evaluates ${splits.join(", ")}`,
    );
  }
  return selection.trim();
}
