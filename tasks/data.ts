/**
 * `deno task data <command>`: the registered datasets.
 *
 * - `list`: the registered datasets (id, language, task, scheme, splits, title).
 * - `stats <dataset> [--data-dir DIR]`: per split sentences, tokens (without and with `-DOCSTART-` lines),
 *   entities, beside the paper's published counts.
 * - `verify [--data-dir DIR]`: every registered file's sha256: ok, missing or altered (exit 1 unless all ok).
 *
 * The data folder is `--data-dir`, else `$TAGBENCH_DATA_DIR`, else `~/.cache/tagbench/data`.
 *
 * @module
 */

import { ExitStatus, parseCli, registered, runMain, UsageError } from "../harness/cli.ts";
import { availableResources, type ExternalResource } from "../harness/run/define.ts";
import { getSuite, SUITES } from "../suites/registry.ts";
import { resolveDataDir } from "../harness/data/data_dir.ts";
import { checkDatasetFiles, loadDataset, SPLIT_NAMES, splitPath } from "../harness/data/load.ts";
import { existsSync } from "node:fs";
import { DATASETS } from "../harness/data/registry.ts";
import { datasetStats, formatStatsTable } from "../harness/data/stats.ts";

const USAGE = `usage: deno task data list [--data-dir DIR]
       deno task data stats <dataset> [--data-dir DIR]
       deno task data verify [--data-dir DIR]
       deno task data resources [<suite>] [--data-dir DIR]   the suites' external resources, present or absent
  The data folder is --data-dir, else $TAGBENCH_DATA_DIR, else ~/.cache/tagbench/data.`;

/** The `list` table. */
export function formatDatasetList(dataDir?: string): string {
  const present = (d: (typeof DATASETS)[string]) =>
    SPLIT_NAMES.filter((sp) => d.splits[sp]).every((sp) => existsSync(splitPath(d, dataDir!, sp)));
  const rows = Object.values(DATASETS).map((d) => [
    d.id,
    d.language,
    d.task,
    d.scheme,
    SPLIT_NAMES.filter((s) => d.splits[s]).join("/"),
    ...(dataDir === undefined ? [] : [present(d) ? "present" : "missing"]),
    d.title,
  ]);
  const header = [
    "id",
    "lang",
    "task",
    "scheme",
    "splits",
    ...(dataDir === undefined ? [] : ["files"]),
    "title",
  ];
  const missing = dataDir === undefined
    ? []
    : Object.values(DATASETS).filter((d) => !present(d)).map((d) => d.id);
  return table(header, rows) + (missing.length ? `\n\n${whereToGet(missing)}` : "");
}

/**
 * `data resources [<suite>]`: every external resource the suites declare (a paper's embeddings, gazetteer…), with
 * whether its files are under the data directory (then it is used and hashed; otherwise the recorded substitute
 * is), where it is published, what uses it and the substitute.
 *
 * @throws {UsageError} for an unknown suite.
 */
export function formatResources(suiteId: string | undefined, dataDir: string): string {
  const suites = Object.values(SUITES).filter((s) => suiteId === undefined || s.id === suiteId);
  if (suiteId !== undefined && suites.length === 0) registered(suiteId, getSuite);
  const lines: string[] = [`data dir: ${dataDir}`, ""];
  for (const s of suites) {
    const resources: ExternalResource[] = [...(s.resources ?? [])];
    const present = availableResources(resources, dataDir);
    for (const r of resources) {
      const state = r.paths.length === 0 ? "not loadable yet" : present[r.id] ? "present" : "absent";
      lines.push(
        `${s.id}  ${r.id}  ${state}: ${r.title}`,
        ...(r.paths.length ? [`    files: ${r.paths.join(", ")}`] : []),
        `    used for: ${r.usedFor}`,
        `    ${state === "present" ? "(substitute when absent" : "substitute"}: ${r.substitute}${
          state === "present" ? ")" : ""
        }`,
        ...(r.source ? [`    where: ${r.source}`] : []),
      );
    }
  }
  return lines.join("\n");
}

/**
 * Where to get each of these datasets (the registry's download location, homepage and licence), one line each:
 * what `data list` and `data verify` print for the datasets whose files are missing or altered.
 */
export function whereToGet(ids: readonly string[]): string {
  return [
    `Where to get the ${
      ids.length === 1 ? "dataset" : "datasets"
    } not present (put the files under the data directory):`,
    ...ids.map((id) => {
      const d = DATASETS[id];
      return `- ${id}: ${d.download} (${d.homepage}; licence: ${d.licence})`;
    }),
  ].join("\n");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/**
 * Runs one `data` command, writing its output with `print`; `fail` gets the one-line summary of what `verify` found
 * wrong (how many files, and the first one with what was expected of it).
 *
 * @returns the exit status: 0, or 1 when `verify` finds a file missing or altered.
 * @throws {UsageError} for a bad command line; the loaders' errors for an unknown dataset or a bad file.
 */
export async function runDataCommand(
  args: string[],
  print: (text: string) => void,
  fail: (line: string) => void = () => {},
): Promise<number> {
  const { positionals, values } = parseCli(args, {
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const dataDir = () => resolveDataDir(values["data-dir"]).dir;
  switch (command) {
    case "list": {
      if (rest.length > 0) throw new UsageError(`list takes no arguments, got "${rest.join(" ")}"`);
      print(formatDatasetList(dataDir()));
      return 0;
    }
    case "stats": {
      if (rest.length !== 1) throw new UsageError("stats takes exactly one dataset id");
      const dir = dataDir();
      const ds = await loadDataset(rest[0], dir);
      print(formatStatsTable(ds.spec, datasetStats(ds), dir));
      return 0;
    }
    case "verify": {
      if (rest.length > 0) throw new UsageError(`verify takes no dataset, got "${rest.join(" ")}"`);
      const dir = dataDir();
      const rows: string[][] = [];
      let bad = 0;
      let first = "";
      for (const spec of Object.values(DATASETS)) {
        for (const c of await checkDatasetFiles(spec, dir)) {
          const note = c.status === "altered"
            ? `sha256 ${c.actual}, expected ${c.expected}`
            : c.problem ?? "";
          if (c.status !== "ok" && bad++ === 0) {
            first = `${c.path} ${c.status === "altered" ? `has ${note}` : c.problem ?? "is missing"}` +
              (c.status === "missing" ? ` (expected sha256 ${c.expected})` : "");
          }
          rows.push([c.status, c.dataset, c.split, c.path, note]);
        }
      }
      print(`data dir: ${dir}\n`);
      print(table(["status", "dataset", "split", "path", ""], rows));
      print(`\n${rows.length - bad} of ${rows.length} registered files present and unaltered.`);
      const wanting = [...new Set(rows.filter((r) => r[0] !== "ok").map((r) => r[1]))];
      if (wanting.length) print(`\n${whereToGet(wanting)}`);
      if (bad > 0) {
        fail(
          `${bad} of ${rows.length} registered files under ${dir} are missing or altered; the first: ${first}`,
        );
      }
      return bad === 0 ? 0 : 1;
    }
    case "resources": {
      if (rest.length > 1) throw new UsageError(`resources takes at most one suite, got "${rest.join(" ")}"`);
      print(formatResources(rest[0], dataDir()));
      return 0;
    }
    case undefined:
      throw new UsageError("missing command: list, stats, verify or resources");
    default:
      throw new UsageError(`unknown command "${command}", expected list, stats, verify or resources`);
  }
}

/**
 * `deno task data <command>`: runs one command, printing to stdout.
 *
 * @throws {Error} with the one-line summary (exit status 1) when `verify` finds a file missing or altered; see
 *   {@link runDataCommand}.
 */
export async function main(args: string[]): Promise<void> {
  let failure: string | undefined;
  const code = await runDataCommand(args, (text) => console.log(text), (line) => (failure = line));
  if (code !== 0) throw failure === undefined ? new ExitStatus(code) : new Error(failure);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
