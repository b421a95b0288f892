/**
 * Minimal assertions for the data layer's tests, on top of `node:assert/strict` (JSR's `@std/assert` cannot be
 * fetched here). Not exported from `mod.ts`.
 *
 * @module
 */

import nodeAssert from "node:assert/strict";

/** Throws unless `cond` is truthy. */
export function assert(cond: unknown, msg?: string): asserts cond {
  if (msg === undefined) nodeAssert.ok(cond);
  else nodeAssert.ok(cond, msg);
}

/** Deep structural equality (typed arrays included). */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (msg === undefined) nodeAssert.deepStrictEqual(actual, expected);
  else nodeAssert.deepStrictEqual(actual, expected, msg);
}

/** Deep structural inequality. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (msg === undefined) nodeAssert.notDeepStrictEqual(actual, expected);
  else nodeAssert.notDeepStrictEqual(actual, expected, msg);
}

/** |actual − expected| ≤ tolerance. */
export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7): void {
  nodeAssert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${actual} is not within ${tolerance} of ${expected}`,
  );
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/** Runs `fn`, expects it to throw an instance of `cls` (whose message includes `includes`, if given); returns it. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  cls?: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  throw new nodeAssert.AssertionError({ message: "Expected the function to throw" });
}

/** Awaits `fn()`, expects it to reject with an instance of `cls` (message including `includes`); returns it. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: ErrorClass<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  throw new nodeAssert.AssertionError({ message: "Expected the promise to reject" });
}

function checkError<E extends Error>(e: unknown, cls?: ErrorClass<E>, includes?: string): E {
  if (cls && !(e instanceof cls)) {
    throw new nodeAssert.AssertionError({ message: `Expected ${cls.name}, got ${String(e)}` });
  }
  if (includes !== undefined && !String((e as Error).message).includes(includes)) {
    throw new nodeAssert.AssertionError({
      message: `Expected the message to include ${JSON.stringify(includes)}, got ${
        JSON.stringify((e as Error).message)
      }`,
    });
  }
  return e as E;
}
