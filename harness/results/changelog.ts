/**
 * A suite's changelog, read from the "## Changelog" section of its README (`- X.Y.Z — what changed`), so that an
 * audit can say what changed between the suite version a run was made with and the current one.
 *
 * @module
 */

/** One changelog entry: the version and its text (markdown, one paragraph). */
export interface ChangelogEntry {
  version: string;
  text: string;
}

/** Parses the `## Changelog` section of a suite README: `- X.Y.Z — text` bullets, continuation lines joined. */
export function parseChangelog(readme: string): ChangelogEntry[] {
  const start = readme.indexOf("\n## Changelog");
  if (start < 0) return [];
  const rest = readme.slice(start + 1).split("\n").slice(1);
  const end = rest.findIndex((l) => l.startsWith("## "));
  const out: ChangelogEntry[] = [];
  for (const line of end < 0 ? rest : rest.slice(0, end)) {
    const m = /^- (\d+\.\d+\.\d+) — (.*)$/.exec(line);
    if (m) out.push({ version: m[1], text: m[2] });
    else if (out.length && line.startsWith("  ") && line.trim()) out.at(-1)!.text += " " + line.trim();
  }
  return out;
}

/** -1, 0 or 1 as semantic version `a` is below, equal to or above `b`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0) ? -1 : 1;
  return 0;
}

/** The entries after version `from` up to and including `to`, oldest first. */
export function changesBetween(
  entries: readonly ChangelogEntry[],
  from: string,
  to: string,
): ChangelogEntry[] {
  return entries
    .filter((e) => compareVersions(e.version, from) > 0 && compareVersions(e.version, to) <= 0)
    .sort((a, b) => compareVersions(a.version, b.version));
}

/**
 * The first sentence of a changelog text — up to the first `.`, `:` or `;` followed by a space (or the end) that is
 * outside parentheses and code spans — for one-line summaries.
 */
export function firstSentence(text: string): string {
  let depth = 0;
  let code = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "`") code = !code;
    else if (!code && c === "(") depth++;
    else if (!code && c === ")") depth = Math.max(0, depth - 1);
    else if (!code && depth === 0 && ".:;".includes(c) && (i + 1 === text.length || text[i + 1] === " ")) {
      return text.slice(0, i);
    }
  }
  return text;
}
