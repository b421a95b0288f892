/**
 * The suite registry: suites are found by name; an unknown name gets a "did you mean" and the list.
 *
 * @module
 */

import { didYouMean } from "../harness/did_you_mean.ts";
import type { SuiteDefinition } from "../harness/run/suite.ts";
import { datnetSuite } from "./datnet/suite.ts";
import { perl2020Suite } from "./perl2020/suite.ts";
import { yang2017Suite } from "./yang2017/suite.ts";

/** Registered suites by id. */
export const SUITES: Record<string, SuiteDefinition> = {
  datnet: datnetSuite,
  perl2020: perl2020Suite,
  yang2017: yang2017Suite,
};

/** Suites the project plans but has not implemented yet (named in errors so a reader knows they are coming). */
export const PLANNED_SUITES = ["mlma2019"];

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
  const hint = didYouMean(id, known);
  throw new Error(`Unknown suite "${id}".${hint} Known suites: ${Object.keys(SUITES).join(", ")}`);
}
