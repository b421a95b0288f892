/**
 * One writer per run directory: an exclusive lock file, `.tagbench.lock`, held for the life of the process that
 * runs or resumes the run (README.md, "Reliability").
 *
 * The lock file is created with `createNew`, so two processes can never both hold it. It records the holder's pid,
 * host and start time; a lock left by a process that died on this host (its pid no longer runs) is stale and is
 * taken over with a message. A lock held by a live process, or by any process on another host (whose liveness this
 * host cannot see), is a refusal naming the holder.
 *
 * @module
 */

import { join } from "node:path";

/** The lock file's name inside a run directory. */
export const LOCK_FILE = ".tagbench.lock";

/** What the lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  command: string[];
}

/** Error for a run directory another process holds; its message is shown as is. */
export class RunLockedError extends Error {
  override name = "RunLockedError";
}

/** A held lock; `release` removes the file (once; later calls do nothing). */
export interface RunLock {
  path: string;
  holder: LockHolder;
  release(): void;
  /** Set when a stale lock was taken over: the dead holder. */
  tookOverFrom?: LockHolder;
}

/** True when `pid` is a running process on this host (Linux: /proc/<pid>); true when it cannot be told. */
export function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      try {
        Deno.statSync("/proc/self");
        return false; // /proc exists, the pid does not
      } catch {
        return true; // no /proc: cannot tell, assume alive
      }
    }
    return true;
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/**
 * Takes the lock of `runDir` (which must exist) for this process.
 *
 * @param command Recorded in the lock file (what the holder was asked to do).
 * @param onTakeOver Called with the dead holder when a stale lock is taken over (default: a line on stderr).
 * @throws {RunLockedError} naming the holder when a live process (or one on another host) holds the lock, or the
 *   lock file cannot be read.
 */
export function acquireRunLock(
  runDir: string,
  command: string[] = [],
  onTakeOver: (dead: LockHolder, path: string) => void = (dead, path) =>
    console.error(
      `note: taking over the stale lock ${path} of pid ${dead.pid} on ${dead.host} (started ${dead.started_at}; ` +
        `that process is gone)`,
    ),
): RunLock {
  const path = join(runDir, LOCK_FILE);
  const holder: LockHolder = {
    pid: Deno.pid,
    host: hostname(),
    started_at: new Date().toISOString(),
    command,
  };
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = Deno.openSync(path, { write: true, createNew: true });
      try {
        f.writeSync(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
      } finally {
        f.close();
      }
      let released = false;
      return {
        path,
        holder,
        tookOverFrom,
        release() {
          if (released) return;
          released = true;
          try {
            Deno.removeSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const other = readHolder(path);
    if (other === undefined) continue; // removed meanwhile: try again
    if (other.host === holder.host && other.pid !== Deno.pid && !processAlive(other.pid)) {
      onTakeOver(other, path);
      tookOverFrom = other;
      try {
        Deno.removeSync(path);
      } catch {
        // another process took it over first; the next attempt sees its lock
      }
      continue;
    }
    throw new RunLockedError(
      `Cannot write "${runDir}": pid ${other.pid} on ${other.host} has been writing it since ${other.started_at} ` +
        `(${LOCK_FILE}); wait for it to finish${
          other.host === holder.host ? "" : `, or remove ${path} if that process on ${other.host} is gone`
        }`,
    );
  }
  throw new RunLockedError(`Cannot write "${runDir}": its lock ${path} keeps changing hands; try again`);
}

function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (typeof h.pid === "number" && typeof h.host === "string") return h;
  } catch {
    // fall through
  }
  // A lock file cut short (the holder died while writing it): treat as a dead holder on this host.
  return { pid: -1, host: hostname(), started_at: "unknown", command: [] };
}
