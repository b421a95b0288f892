/**
 * Small helpers shared by the command-line entry points in `tasks/`.
 *
 * @module
 */

import type { AuditRow } from "./results/audit.ts";
import { fmt } from "./results/store.ts";

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
 * Runs a command's main function: expected errors print one line (`error: …`) without a stack trace and exit 1
 * (2 for usage errors); set `TAGBENCH_DEBUG=1` to see the trace.
 */
export async function runMain(main: () => Promise<void>, usage: string): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (Deno.env.get("TAGBENCH_DEBUG")) console.error(e);
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`error: ${msg}`);
    if (e instanceof UsageError) {
      if (e.showUsage) console.error(usage);
      Deno.exit(2);
    }
    Deno.exit(1);
  }
}

/** Checks that a flag's value is one of the allowed ones. @throws {UsageError} otherwise. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${flag} is "${value}", expected one of ${allowed.join(", ")}`);
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
