/**
 * The conlleval fixtures in `testdata/conlleval/` (inputs, options and conlleval.pl's stdout), for the tests of
 * the library and of the CLI. Test helper; not exported from `mod.ts`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { ConllevalOptions } from "./conlleval.ts";

/** One row of `testdata/conlleval/cases.json`. */
export interface ConllevalCase {
  name: string;
  /** Input file in `testdata/conlleval/`. */
  input: string;
  /** conlleval.pl's command-line arguments. */
  args: string[];
  /** conlleval.pl's exit status (default 0). */
  exit?: number;
  /** The arguments themselves are rejected: only the CLI can run this case. */
  cli?: boolean;
}

/** Folder of the fixtures. */
export const CASES_DIR: URL = new URL("./testdata/conlleval/", import.meta.url);

/** The cases of `cases.json`. */
export const CASES: ConllevalCase[] = JSON.parse(await Deno.readTextFile(new URL("cases.json", CASES_DIR)));

/** A fixture file's bytes as a byte string (latin1), the way the CLI reads stdin. */
export async function readBytes(file: string): Promise<string> {
  return Buffer.from(await Deno.readFile(new URL(file, CASES_DIR))).toString("latin1");
}

/** conlleval.pl's arguments as options (for cases whose arguments the script accepts). */
export function optionsOf(args: readonly string[]): ConllevalOptions {
  const opts: ConllevalOptions = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-l") opts.latex = true;
    else if (args[i] === "-r") opts.raw = true;
    else if (args[i] === "-d") opts.delimiter = args[++i];
    else if (args[i] === "-o") opts.oTag = args[++i];
    else throw new Error(`optionsOf: unexpected argument ${args[i]}`);
  }
  return opts;
}
