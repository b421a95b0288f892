/**
 * Run ids and the git state recorded in manifests.
 *
 * @module
 */

/** The commit the harness runs from and whether the working tree had uncommitted changes. */
export interface GitInfo {
  commit: string;
  short: string;
  dirty: boolean;
}

function git(args: string[]): string | undefined {
  try {
    const out = new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the git commit of the current directory; `unknown` outside a git checkout. */
export function gitInfo(): GitInfo {
  const commit = git(["rev-parse", "HEAD"]) ?? "unknown";
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  return { commit, short: commit === "unknown" ? "nogit" : commit.slice(0, 7), dirty: (status ?? "") !== "" };
}

/**
 * A run id that sorts by time: UTC timestamp plus short commit, e.g. `20261121T103000Z-1a2b3c4`.
 *
 * @param now The time to stamp (default: now).
 */
export function makeRunId(short: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${short}`;
}
