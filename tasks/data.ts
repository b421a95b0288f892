/**
 * `deno task data <command>`: the registered datasets.
 *
 * - `list`: the registered datasets (id, language, task, scheme, splits, title).
 * - `stats <dataset> [--data-dir DIR]`: per split sentences, tokens (without and with `-DOCSTART-` lines),
 *   entities, beside the paper's published counts.
 * - `verify [--data-dir DIR]`: every registered file's sha256: ok, missing or altered (exit 1 unless all ok).
 * - `resources [<suite>]`: the suites' external resources, present or absent.
 * - `fetch [<dataset>… | --suite S] [--mirror URL] [--accept-licence] [--quiet] [--download-dir DIR]`: downloads
 *   the registered datasets (all, the ones named, or a suite's datasets and its resources that declare downloads)
 *   from their pinned canonical locations or from a mirror laid out like the data directory, verifying each
 *   file's sha256 before it reaches the data directory (harness/data/fetch.ts). Datasets whose licence restricts
 *   redistribution are fetched only with `--accept-licence`, after their terms are printed (without it: exit 2).
 *   Exit 1 when any file failed (after trying the others).
 *
 * The data folder is `--data-dir`, else `$TAGBENCH_DATA_DIR`, else `~/.cache/tagbench/data`.
 *
 * @module
 */

import { ExitStatus, parseCli, registered, runMain, UsageError } from "../harness/cli.ts";
import {
  availableResources,
  type DefinedSuite,
  type ExternalResource,
  type SuiteTypes,
} from "../harness/run/define.ts";
import { getSuite, SUITES } from "../suites/registry.ts";
import { resolveDataDir, resolveDownloadDir } from "../harness/data/data_dir.ts";
import {
  datasetItems,
  fetchItems,
  FetchUsageError,
  mirrorBase,
  resourceItems,
} from "../harness/data/fetch.ts";
import { checkDatasetFiles, loadDataset, SPLIT_NAMES, splitPath } from "../harness/data/load.ts";
import { existsSync } from "node:fs";
import { DATASETS, getDataset } from "../harness/data/registry.ts";
import { datasetStats, formatStatsTable } from "../harness/data/stats.ts";

const USAGE = `usage: deno task data list [--data-dir DIR]
       deno task data stats <dataset> [--data-dir DIR]
       deno task data verify [--data-dir DIR]
       deno task data resources [<suite>] [--data-dir DIR]   the suites' external resources, present or absent
       deno task data fetch [<dataset>... | --suite S] [--mirror URL] [--accept-licence] [--quiet]
                            [--data-dir DIR] [--download-dir DIR]
         downloads the datasets (default: all registered) from their pinned sources or from a mirror laid out
         like the data directory, checking each sha256; partial downloads stay in --download-dir, else
         $TAGBENCH_DOWNLOAD_DIR, else ~/.cache/tagbench/downloads, and resume on the next run
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

/**
 * `data fetch`: the datasets named (all when none), or a suite's datasets and resources, fetched into `dataDir`
 * (harness/data/fetch.ts); prints a line per file and a summary, and hands `fail` the first failure.
 *
 * @returns 0, or 1 when any file could not be fetched.
 * @throws {UsageError} for an unknown dataset or suite, both given, a bad `--mirror`, a download folder inside the
 *   data directory, or a restricted licence without `--accept-licence`.
 */
async function fetchCommand(
  ids: string[],
  values: {
    mirror?: string;
    suite?: string;
    "accept-licence"?: boolean;
    quiet?: boolean;
    "download-dir"?: string;
  },
  dataDir: string,
  print: (text: string) => void,
  fail: (line: string) => void,
): Promise<number> {
  if (values.suite !== undefined && ids.length > 0) {
    throw new UsageError(`fetch takes dataset ids or --suite, not both (got "${ids.join(" ")}" and --suite)`);
  }
  const mirror = values.mirror === undefined ? undefined : await asUsage(() => mirrorBase(values.mirror!));
  let specs = ids.length > 0 ? ids.map((id) => registered(id, getDataset)) : Object.values(DATASETS);
  let resources = ids.length > 0 ? [] : Object.values(SUITES).flatMap((s) => s.resources ?? []);
  if (values.suite !== undefined) {
    const suite = registered(values.suite, getSuite) as Partial<DefinedSuite<SuiteTypes>>;
    const registryIds = Object.values(suite.declaration?.datasets ?? {}).map((d) => d.registry);
    specs = [...new Set(registryIds)].filter((id) => id !== undefined).map((id) => getDataset(id));
    resources = [...(suite.resources ?? [])];
    for (const r of resources.filter((r) => !r.downloads?.length)) {
      print(`${values.suite} resource ${r.id}: nothing to download (${r.source ?? "no source declared"})`);
    }
  }
  const results = await asUsage(() =>
    fetchItems([...datasetItems(specs, mirror), ...resourceItems(resources, mirror)], {
      dataDir,
      downloadDir: resolveDownloadDir(values["download-dir"]),
      acceptLicence: values["accept-licence"],
      print,
      progress: !values.quiet && Deno.stdout.isTerminal() && Deno.stderr.isTerminal(),
    })
  );
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const failed = results.filter((r) => r.status === "failed");
  print(
    `${results.length} files under ${dataDir}: ${count("ok")} ok, ${count("downloaded")} downloaded, ` +
      `${failed.length} failed.`,
  );
  if (failed.length > 0) {
    fail(
      `${failed.length} of ${results.length} files could not be fetched; the first, ${failed[0].path}: ` +
        failed[0].error,
    );
  }
  return failed.length === 0 ? 0 : 1;
}

/** Runs `f`, turning a {@link FetchUsageError} (bad --mirror, licence not accepted…) into a one-line usage error. */
async function asUsage<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof FetchUsageError) throw new UsageError(e.message, { showUsage: false });
    throw e;
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/**
 * Runs one `data` command, writing its output with `print`; `fail` gets the one-line summary of what `verify` found
 * wrong (how many files, and the first one with what was expected of it).
 *
 * @returns the exit status: 0, or 1 when `verify` finds a file missing or altered or `fetch` could not fetch a file.
 * @throws {UsageError} for a bad command line; the loaders' errors for an unknown dataset or a bad file.
 */
export async function runDataCommand(
  args: string[],
  print: (text: string) => void,
  fail: (line: string) => void = () => {},
): Promise<number> {
  const { positionals, values } = parseCli(args, {
    "data-dir": { type: "string" },
    mirror: { type: "string" },
    suite: { type: "string" },
    "accept-licence": { type: "boolean", default: false },
    quiet: { type: "boolean", short: "q", default: false },
    "download-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, { allowPositionals: true });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  const fetchOnly = ["mirror", "suite", "accept-licence", "quiet", "download-dir"] as const;
  const misplaced = fetchOnly.find((k) => values[k] !== undefined && values[k] !== false);
  if (command !== "fetch" && misplaced) {
    throw new UsageError(`--${misplaced} applies to the fetch command only`);
  }
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
    case "fetch":
      return await fetchCommand(rest, values, dataDir(), print, fail);
    case undefined:
      throw new UsageError("missing command: list, stats, verify, resources or fetch");
    default:
      throw new UsageError(`unknown command "${command}", expected list, stats, verify, resources or fetch`);
  }
}

/**
 * `deno task data <command>`: runs one command, printing to stdout.
 *
 * @throws {Error} with the one-line summary (exit status 1) when `verify` finds a file missing or altered or
 *   `fetch` could not fetch a file; see {@link runDataCommand}.
 */
export async function main(args: string[]): Promise<void> {
  let failure: string | undefined;
  const code = await runDataCommand(args, (text) => console.log(text), (line) => (failure = line));
  if (code !== 0) throw failure === undefined ? new ExitStatus(code) : new Error(failure);
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
