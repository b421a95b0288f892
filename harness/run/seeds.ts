/**
 * Seeds: every (suite, cell, repetition) gets its own 31-bit seed derived by hashing, so that no two runs of one
 * experiment share a seed, and the same command always trains with the same seeds.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * Derives the seed of repetition `rep` (0-based) of a cell: the first 31 bits of sha256(`suite/cell/rep`).
 *
 * @returns An integer in [1, 2^31 − 1].
 */
export function cellSeed(suite: string, cell: string, rep: number): number {
  const digest = createHash("sha256").update(`${suite}/${cell}/${rep}`).digest();
  const x = digest.readUInt32BE(0) & 0x7fffffff;
  return x === 0 ? 1 : x;
}

/** The seeds of `n` repetitions of a cell. @throws {RangeError} when n < 1. */
export function cellSeeds(suite: string, cell: string, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Cannot plan ${n} seeds for cell "${cell}", expected ≥ 1`);
  }
  return Array.from({ length: n }, (_, i) => cellSeed(suite, cell, i));
}
