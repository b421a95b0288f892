/**
 * The error class of invalid training-loop declarations (streams, schedules, learning-rate schedules, cadences,
 * selection rules, budgets).
 *
 * @module
 */

/**
 * An invalid training-loop declaration: one sentence naming the field, the value and what was expected, e.g.
 * `Invalid selection rule "best dev": expected "max <split>/<metric>", …`.
 */
export class LoopSpecError extends Error {
  /** The error's name. */
  override name = "LoopSpecError";
}

/**
 * Training diverged: a step returned a non-finite loss. The engine (harness/run/runner.ts) records the unit as
 * failed with this message and goes on with the next unit.
 */
export class DivergedError extends Error {
  /** The error's name. */
  override name = "DivergedError";
}

/** Throws {@link LoopSpecError} unless `value` is an integer ≥ `min`; `what` names the field. */
export function checkInteger(what: string, value: unknown, min: number): void {
  if (!(typeof value === "number" && Number.isInteger(value) && value >= min)) {
    throw new LoopSpecError(`${what} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/** Throws {@link LoopSpecError} unless `value` is a finite number > `min` (or ≥ `min` when `inclusive`). */
export function checkNumber(what: string, value: unknown, min: number, inclusive: boolean): void {
  const ok = typeof value === "number" && Number.isFinite(value) && (inclusive ? value >= min : value > min);
  if (!ok) {
    throw new LoopSpecError(
      `${what} must be a finite number ${inclusive ? "≥" : ">"} ${min}, got ${String(value)}`,
    );
  }
}
