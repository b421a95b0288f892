/**
 * Fault injection for the reliability tests (harness/run/faults_test.ts, `deno task faults`): the environment
 * variable `TAGBENCH_FAULT=<site>:<n>[:<kind>]` makes the n-th time this process reaches `<site>` fail.
 *
 * Sites: `write:<file name>` (inside {@link writeTextAtomic}'s temp-file write of that file, after half of it:
 * what a kill or a full disk during a write leaves), `progress` (a training progress report: mid-unit),
 * `unit` (after a unit's row is written, before the manifest is updated). Kinds: `kill` (default: the process
 * exits at once with code 137, as after SIGKILL — no `finally`, no cleanup) or `enospc` (the write throws
 * "No space left on device", as a full disk does). Unset, every {@link faultPoint} is a no-op.
 *
 * @module
 */

let spec: { site: string; n: number; kind: "kill" | "enospc" } | null | undefined;
const hits = new Map<string, number>();

function parse(): typeof spec {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("TAGBENCH_FAULT") || undefined;
  } catch {
    return null;
  }
  if (!raw) return null;
  const m = /^(.+):(\d+)(?::(kill|enospc))?$/.exec(raw);
  if (!m) {
    throw new Error(
      `TAGBENCH_FAULT is "${raw}", expected <site>:<n>[:kill|enospc], e.g. write:results.json:2`,
    );
  }
  return { site: m[1], n: Number(m[2]), kind: (m[3] ?? "kill") as "kill" | "enospc" };
}

/** The error a full disk gives (os error 28). */
export class NoSpaceError extends Error {
  override name = "NoSpaceError";
  constructor() {
    super("No space left on device (os error 28)");
  }
}

/** True when `TAGBENCH_FAULT` names this site (so that the caller may prepare what the fault should leave). */
export function faultArmed(site: string): boolean {
  const f = armed();
  return f !== null && f.site === site;
}

function armed(): { site: string; n: number; kind: "kill" | "enospc" } | null {
  if (spec === undefined) spec = parse();
  return spec ?? null;
}

/**
 * Marks a place where a fault may be injected; a no-op unless `TAGBENCH_FAULT` names this site and hit.
 *
 * @throws {NoSpaceError} when the injected fault is `enospc`.
 */
export function faultPoint(site: string): void {
  const f = armed();
  if (f === null || f.site !== site) return;
  const n = (hits.get(site) ?? 0) + 1;
  hits.set(site, n);
  if (n !== f.n) return;
  if (f.kind === "enospc") throw new NoSpaceError();
  Deno.exit(137);
}
