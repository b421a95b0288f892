/**
 * Small helpers shared by the command-line entry points in `tasks/`: each exports `main(args)` and ends with
 * `if (import.meta.main) await runMain(() => main(Deno.args), USAGE)`; {@link parseCli} reads its options,
 * {@link runCli} runs it in-process for tests.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { AuditRow } from "./results/audit.ts";
import { fmt } from "./results/store.ts";
import { didYouMean } from "./did_you_mean.ts";

/**
 * An error in how a command was called: exit status 2, printed with the usage text unless `showUsage` is false
 * (for errors whose one line already says everything, e.g. an unknown `--budget` knob with the known ones).
 */
export class UsageError extends Error {
  override name = "UsageError";
  readonly showUsage: boolean;
  constructor(message: string, opts: { showUsage?: boolean } = {}) {
    super(message);
    this.showUsage = opts.showUsage ?? true;
  }
}

/**
 * Ends a command quietly with an exit status (nothing printed by {@link runMain}): for a command whose output
 * already said what went wrong, e.g. `compare` (1 when any unit differs) or `conlleval` (255 like the Perl
 * script). Thrown instead of calling `Deno.exit`, so that a command's `main` can run in-process ({@link runCli}).
 */
export class ExitStatus extends Error {
  override name = "ExitStatus";
  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}

/** Stdout was closed by its reader (`… | head -1`): the command ends quietly with status 0. */
class StdoutClosed extends Error {
  override name = "StdoutClosed";
}

/** What {@link runCli} captured while it ran, instead of writing to the terminal. */
interface Capture {
  out: Uint8Array[];
  err: Uint8Array[];
  stdin: Uint8Array;
}

let capture: Capture | undefined;
const encoder = new TextEncoder();

const bytesOf = (data: string | Uint8Array) => (typeof data === "string" ? encoder.encode(data) : data);

/**
 * Writes text or bytes to stdout (all of it; captured under {@link runCli}).
 *
 * @throws an internal error that makes {@link runMain} exit 0 without a message when the reader closed stdout
 *   (`deno task list --format csv | head -1`); other write errors as Deno throws them.
 */
export async function writeStdout(data: string | Uint8Array): Promise<void> {
  const bytes = bytesOf(data);
  if (capture) {
    capture.out.push(new Uint8Array(bytes));
    return;
  }
  try {
    for (let off = 0; off < bytes.length;) off += await Deno.stdout.write(bytes.subarray(off));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) throw new StdoutClosed("stdout was closed by its reader");
    throw e;
  }
}

/** Writes text or bytes to stderr (all of it; captured under {@link runCli}; a closed stderr is ignored). */
export async function writeStderr(data: string | Uint8Array): Promise<void> {
  const bytes = bytesOf(data);
  if (capture) {
    capture.err.push(new Uint8Array(bytes));
    return;
  }
  try {
    for (let off = 0; off < bytes.length;) off += await Deno.stderr.write(bytes.subarray(off));
  } catch (e) {
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
  }
}

/** All of stdin as bytes (under {@link runCli}: the `stdin` it was given, empty by default). */
export async function readStdin(): Promise<Uint8Array> {
  if (capture) return capture.stdin;
  return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The shared core of {@link runMain} and {@link runCli}: runs `main` and turns what it throws into an exit
 * status, printing (with `console.error`) one line `error: …` for an expected error, plus the usage text for a
 * {@link UsageError}; the stack trace only with `TAGBENCH_DEBUG=1`.
 */
async function execute(main: () => Promise<void>, usage: string): Promise<{ code: number; closed: boolean }> {
  try {
    await main();
    return { code: 0, closed: false };
  } catch (e) {
    if (e instanceof StdoutClosed) return { code: 0, closed: true };
    if (e instanceof ExitStatus) return { code: e.code, closed: false };
    if (Deno.env.get("TAGBENCH_DEBUG")) console.error(e);
    console.error(`error: ${messageOf(e)}`);
    if (e instanceof UsageError) {
      if (e.showUsage) console.error(usage);
      return { code: 2, closed: false };
    }
    return { code: 1, closed: false };
  }
}

/**
 * Runs a command's main function: expected errors print one line (`error: …`) without a stack trace and exit 1
 * (2 for usage errors, with the usage text); {@link ExitStatus} exits with its status silently; a stdout closed
 * by its reader ends the command with status 0, silently. Set `TAGBENCH_DEBUG=1` to see the trace.
 */
export async function runMain(main: () => Promise<void>, usage: string): Promise<void> {
  const { code, closed } = await execute(main, usage);
  if (code !== 0 || closed) Deno.exit(code);
}

/** What a command run in-process by {@link runCli} printed, and its exit status. */
export interface CliResult {
  /** The exit status {@link runMain} would have exited with. */
  code: number;
  /** What went to stdout: `console.log`/`info`/`debug` lines and {@link writeStdout} (UTF-8 decoded). */
  stdout: string;
  /** What went to stderr: `console.error`/`warn` lines (error line, usage) and {@link writeStderr}. */
  stderr: string;
}

function consoleText(args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : Deno.inspect(a))).join(" ") + "\n";
}

/**
 * Runs a command's `main(args)` in-process as {@link runMain} would, without exiting: captures what it prints
 * and returns the exit status. For tests: `console` methods are redirected while it runs, so calls must not
 * overlap (Deno runs a file's tests one at a time).
 *
 * @param opts.stdin what {@link readStdin} returns while it runs (default: empty).
 */
export async function runCli(
  main: (args: string[]) => Promise<void>,
  args: string[],
  usage: string,
  opts: { stdin?: string | Uint8Array } = {},
): Promise<CliResult> {
  const previous = capture;
  const mine: Capture = { out: [], err: [], stdin: bytesOf(opts.stdin ?? "") };
  const saved = {
    log: console.log,
    info: console.info,
    debug: console.debug,
    error: console.error,
    warn: console.warn,
  };
  const toOut = (...a: unknown[]) => void mine.out.push(encoder.encode(consoleText(a)));
  const toErr = (...a: unknown[]) => void mine.err.push(encoder.encode(consoleText(a)));
  capture = mine;
  Object.assign(console, { log: toOut, info: toOut, debug: toOut, error: toErr, warn: toErr });
  try {
    const { code } = await execute(() => main([...args]), usage);
    const text = (chunks: Uint8Array[]) => new TextDecoder().decode(concat(chunks));
    return { code, stdout: text(mine.out), stderr: text(mine.err) };
  } finally {
    Object.assign(console, saved);
    capture = previous;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** The options of a command, as `node:util` parseArgs declares them. */
export type CliOptions = ParseArgsOptionsConfig;

/** What {@link parseCli} returns: the options' values (typed from their declaration) and the positionals. */
export type ParsedCli<O extends CliOptions, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>
>;

const looksNumeric = (v: string) => /^-\.?\d/.test(v);

/**
 * Parses a command line with `node:util` parseArgs (strict), with errors of our own, each a {@link UsageError}:
 *
 * - an undeclared option: `Unknown option "--seed". Did you mean "--seeds"?` (closest declared options);
 * - an option that takes a value and has none: `--out needs a value` (also when the next word is another
 *   option: `--out --rows`);
 * - a value given to an on/off option: `--rows takes no value, got "--rows=yes"`;
 * - a positional when `allowPositionals` is not set: `unexpected argument "x"`.
 *
 * Unlike parseArgs, a value that starts with a dash followed by a digit is taken as the value
 * (`--seeds -1` gives `"-1"`, for the caller's range check, e.g. {@link positiveInt}); any other value starting with
 * a dash must be written `--opt=-value`.
 */
export function parseCli<const O extends CliOptions, const P extends boolean = false>(
  args: readonly string[],
  options: O,
  opts: { allowPositionals?: P } = {},
): ParsedCli<O, P> {
  const allowPositionals = opts.allowPositionals ?? false;
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const longNames = Object.keys(options).map((n) => `--${n}`);
  const normalized: string[] = [];
  for (const t of tokens) {
    if (t.kind === "option-terminator") {
      normalized.push("--");
      continue;
    }
    if (t.kind === "positional") {
      if (!allowPositionals) throw new UsageError(`unexpected argument "${t.value}"`);
      normalized.push(t.value);
      continue;
    }
    const long = t.rawName.startsWith("--");
    const spec = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (!spec || (!long && spec.short !== t.rawName.slice(1))) {
      throw new UsageError(`Unknown option "${t.rawName}".${long ? didYouMean(t.rawName, longNames) : ""}`);
    }
    const shown = `--${t.name}`;
    if (spec.type === "boolean") {
      if (t.value !== undefined) throw new UsageError(`${shown} takes no value, got "${shown}=${t.value}"`);
      normalized.push(shown);
      continue;
    }
    if (t.value === undefined) throw new UsageError(`${shown} needs a value`);
    if (!t.inlineValue && t.value.startsWith("-") && t.value !== "-" && !looksNumeric(t.value)) {
      throw new UsageError(
        `${shown} needs a value, got the option "${t.value}" (write ${shown}=${t.value} if that is the value)`,
      );
    }
    normalized.push(`${shown}=${t.value}`);
  }
  try {
    return parseArgs({ args: normalized, options, strict: true, allowPositionals }) as ParsedCli<O, P>;
  } catch (e) {
    throw new UsageError(messageOf(e).split("\n")[0]);
  }
}

/**
 * A name given on the command line, looked up in a registry (a suite id with `getSuite`): the registry's error
 * (unknown name, with the closest ones) becomes a {@link UsageError} of one line, exit status 2, without the usage.
 */
export function registered<T>(name: string, lookup: (name: string) => T): T {
  try {
    return lookup(name);
  } catch (e) {
    throw new UsageError(messageOf(e), { showUsage: false });
  }
}

/**
 * A flag's value as an integer ≥ `min` (decimal digits only).
 *
 * @throws {UsageError} otherwise: `--steps is "3", expected an integer ≥ 5`.
 */
export function integerAtLeast(flag: string, value: string, min: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(Number.isSafeInteger(n) && n >= min)) {
    throw new UsageError(
      `--${flag} is "${value}", expected ${min === 1 ? "a positive integer" : `an integer ≥ ${min}`}`,
    );
  }
  return n;
}

/** A flag's value as a positive integer. @throws {UsageError} otherwise: `--seeds is "-1", expected a positive integer`. */
export function positiveInt(flag: string, value: string): number {
  return integerAtLeast(flag, value, 1);
}

/**
 * Checks that a flag's value is one of the allowed ones.
 *
 * @throws {UsageError} otherwise, naming the allowed values and the likely ones
 *   (`--backend is "gpu", expected one of wasm, cpu, webgpu, tensorflow, tensorflow-gpu. Did you mean "webgpu" or "tensorflow-gpu"?`).
 */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const hint = didYouMean(value, allowed);
    throw new UsageError(
      `--${flag} is "${value}", expected one of ${allowed.join(", ")}${hint && `.${hint}`}`,
    );
  }
  return value as T;
}

/** Renders the audit as a fixed-width text table for the terminal. */
export function auditTable(audit: AuditRow[]): string {
  const header = ["table", "row", "column", "published", "measured", "n", "Δ", "tol", "verdict"];
  const body = audit.map((a) => [
    a.table,
    a.row,
    a.column,
    a.publishedStd !== undefined ? `${fmt(a.published)}±${fmt(a.publishedStd)}` : fmt(a.published),
    a.n > 1 ? `${fmt(a.measured)}±${fmt(a.measuredStd)}` : fmt(a.measured),
    String(a.n),
    fmt(a.delta),
    fmt(a.tolerance),
    a.verdict === "not run" ? `not run: ${a.reason}` : a.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (i === 8 ? 0 : r[i].length))));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 8 ? c : i >= 3 && i <= 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(
      "  ",
    );
  const counts = new Map<string, number>();
  for (const a of audit) counts.set(a.verdict, (counts.get(a.verdict) ?? 0) + 1);
  return [
    line(header),
    ...body.map(line),
    "",
    `${audit.length} claims: ${[...counts].map(([k, v]) => `${v} ${k}`).join(", ")}`,
  ].join("\n");
}
