/**
 * The suite registry: suites are found by name; an unknown name gets a "did you mean" and the list.
 *
 * @module
 */

import type { SuiteDefinition } from "../harness/run/suite.ts";
import { datnetSuite } from "./datnet/suite.ts";

/** Registered suites by id. */
export const SUITES: Record<string, SuiteDefinition> = {
  datnet: datnetSuite,
};

/** Suites the project plans but has not implemented yet (named in errors so a reader knows they are coming). */
export const PLANNED_SUITES = ["yang2017", "perl2020", "mlma2019"];

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/**
 * Finds a suite by id.
 *
 * @throws {Error} for an unknown id, naming the closest known id and listing all of them; for a planned but
 *   unimplemented suite, saying so.
 */
export function getSuite(id: string): SuiteDefinition {
  const suite = SUITES[id];
  if (suite) return suite;
  if (PLANNED_SUITES.includes(id)) {
    throw new Error(
      `Suite "${id}" is planned but not implemented yet; available: ${Object.keys(SUITES).join(", ")}`,
    );
  }
  const known = [...Object.keys(SUITES), ...PLANNED_SUITES];
  const best = known.map((k) => [k, editDistance(id, k)] as const).sort((a, b) => a[1] - b[1])[0];
  const hint = best && best[1] <= Math.max(2, Math.floor(best[0].length / 3))
    ? ` Did you mean "${best[0]}"?`
    : "";
  throw new Error(`Unknown suite "${id}".${hint} Known suites: ${Object.keys(SUITES).join(", ")}`);
}
