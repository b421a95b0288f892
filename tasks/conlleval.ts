/**
 * `deno task conlleval [-l] [-r] [-d DELIM] [-o OTAG] < file` — a drop-in replacement for conlleval.pl
 * (2004-01-26): the same options, the same stdout byte for byte, the same exit status (0; 1 for a line with an
 * unexpected field count; 255 for a bad option or a one-field line). Input bytes are read undecoded (as latin1),
 * as Perl reads them, so any encoding works. `-d` takes a Perl regex, e.g. `-d '\t'` for tab-separated files.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { ExitStatus, readStdin, runMain, writeStderr, writeStdout } from "../harness/cli.ts";
import { conlleval, ConllevalError, type ConllevalOptions } from "../harness/metrics/conlleval.ts";

const USAGE = "usage: deno task conlleval [-l] [-r] [-d DELIM] [-o OTAG] < file";

/** A command line conlleval.pl rejects (it `die`s: exit status 255). */
export class ConllevalUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConllevalUsageError";
  }
}

/**
 * Parses conlleval.pl's options as the script does: leading arguments that start with `-` are options (`-l`,
 * `-r`, `-d VALUE`, `-o VALUE`; the value may itself start with `-`); anything left over is an error.
 *
 * @throws {ConllevalUsageError} with the script's message for an unknown option, a missing value, or a leftover
 *   argument.
 */
export function parseConllevalArgs(args: readonly string[]): ConllevalOptions {
  const opts: ConllevalOptions = {};
  let i = 0;
  while (i < args.length && args[i].startsWith("-")) {
    const arg = args[i++];
    if (arg === "-l") opts.latex = true;
    else if (arg === "-r") opts.raw = true;
    else if (arg === "-d" || arg === "-o") {
      if (i >= args.length) throw new ConllevalUsageError(`conlleval: ${arg} requires delimiter character`);
      if (arg === "-d") opts.delimiter = args[i++];
      else opts.oTag = args[i++];
    } else throw new ConllevalUsageError(`conlleval: unknown argument ${arg}`);
  }
  if (i < args.length) throw new ConllevalUsageError("conlleval: unexpected command line argument");
  return opts;
}

/** A string's UTF-8 bytes as a byte string (one char per byte), the form Perl sees command-line arguments in. */
function byteString(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

/**
 * `deno task conlleval [options] < file`: scores stdin and writes the report to stdout, as conlleval.pl does.
 *
 * @throws {ExitStatus} after writing the script's message to stderr: 255 for a bad command line, the scorer's
 *   status (1 or 255) for bad input.
 */
export async function main(args: string[]): Promise<void> {
  let opts: ConllevalOptions;
  try {
    opts = parseConllevalArgs(args);
  } catch (e) {
    if (!(e instanceof ConllevalUsageError)) throw e;
    await writeStderr(e.message + "\n");
    throw new ExitStatus(255);
  }
  if (opts.delimiter !== undefined) opts.delimiter = byteString(opts.delimiter);
  if (opts.oTag !== undefined) opts.oTag = byteString(opts.oTag);
  const input = Buffer.from(await readStdin()).toString("latin1");
  try {
    const { report } = conlleval(input, { ...opts, byteStrings: true });
    await writeStdout(Buffer.from(report, "latin1"));
  } catch (e) {
    if (!(e instanceof ConllevalError)) throw e;
    await writeStderr(Buffer.from(e.message + "\n", "latin1"));
    throw new ExitStatus(e.exitCode);
  }
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
