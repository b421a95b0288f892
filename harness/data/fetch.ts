/**
 * `deno task data fetch`: downloads registered datasets and the suites' resources into the data directory.
 *
 * Each file comes from its pinned canonical location (the registry's `source`: a raw file of a GitHub repository
 * at a commit, a member of a zip archive there, or a file derived from an archive's members; a resource's
 * `downloads`), or from a mirror laid out like the data directory (`<mirror>/<path under the data directory>`).
 * Downloads go to a folder outside the data directory (`<name>.part` while partial; verified archives stay there
 * for later runs), resume with `Range: bytes=N-` (and start again from scratch when the server answers 200 instead
 * of 206), and are checked against their sha256 before anything reaches the data directory, where a file appears
 * only whole, by a rename. Sizes are in bytes.
 *
 * @module
 */

import cliProgress from "cli-progress";
import { unzipSync } from "fflate";
import { createHash } from "node:crypto";
import { dirname, isAbsolute, join, relative } from "node:path";
import process from "node:process";
import type { ExternalResource } from "../run/define.ts";
import { sha256File } from "./load.ts";
import { type DatasetSpec, type Derivation, sourceUrl } from "./registry.ts";

/** One file to fetch. */
export interface FetchItem {
  /** The dataset or resource it belongs to (for messages and the licence check). */
  owner: string;
  /** Path under the data directory, `/`-separated (`conll2002/esp.train`). */
  path: string;
  /** sha256 of the file, lower-case hex; absent when none is published (the file is then reported unverified). */
  sha256?: string;
  bytes?: number;
  /** URL of the file, or of the zip archive holding it when `archive` is set. */
  url: string;
  /** The file is taken from the zip archive at `url`: its `member`, or computed by `derive` from its members. */
  archive?: { sha256?: string; bytes?: number; member?: string; derive?: Derivation };
  /** The licence terms when they restrict redistribution (fetched only with `acceptLicence`). */
  restricted?: string;
}

/** What happened to one file. */
export interface FetchResult {
  owner: string;
  path: string;
  /** `ok`: already present with the right sha256 (or present, when none is published); nothing downloaded. */
  status: "ok" | "downloaded" | "failed";
  /** False when the file has no published sha256. */
  verified: boolean;
  /** One line saying why it failed. */
  error?: string;
}

/** Options of {@link fetchItems}. */
export interface FetchOptions {
  /** The data directory (created when missing). */
  dataDir: string;
  /** Where partial downloads and verified archives are kept; must lie outside `dataDir` (created when needed). */
  downloadDir: string;
  /** Fetch files whose licence restricts redistribution (their terms are printed either way). */
  acceptLicence?: boolean;
  /** Receives the licence terms and one summary line per file. */
  print?: (line: string) => void;
  /** Draw a progress bar on stderr while downloading (default false). */
  progress?: boolean;
  /** A download that receives nothing for this many seconds fails (default 60); it resumes on the next run. */
  stallSeconds?: number;
}

/** A fetch that cannot start: a bad `--mirror`, a download folder inside the data directory, or a licence that
 * restricts redistribution not accepted. The message is one sentence. */
export class FetchUsageError extends Error {
  override name = "FetchUsageError";
}

/** One file that could not be fetched; the message is one line naming the file or the URL. */
export class FetchError extends Error {
  override name = "FetchError";
}

/** The code of each {@link Derivation}: which archive members it reads, and the file it computes from them. */
export const DERIVATIONS: Record<
  Derivation,
  { members: (name: string) => boolean; derive: (files: Record<string, Uint8Array>) => Uint8Array }
> = {
  "ptb-combined-pos": {
    members: (name) => /^treebank\/combined\/wsj_\d{4}\.mrg$/.test(name),
    derive: ptbCombinedPos,
  },
};

/**
 * The NLTK PTB sample as `word<TAB>TAG` lines (ptb_wsj_sample_nltk/PROVENANCE.md): the `.mrg` files in name order,
 * each top-level tree a sentence followed by a blank line, each leaf `(TAG word)` a line, leaves tagged `-NONE-`
 * dropped, PTB escapes kept.
 */
export function ptbCombinedPos(files: Record<string, Uint8Array>): Uint8Array {
  const out: string[] = [];
  const atom = (t: string | undefined) => t !== undefined && t !== "(" && t !== ")";
  for (const name of Object.keys(files).sort()) {
    const toks = new TextDecoder().decode(files[name]).match(/[()]|[^\s()]+/g) ?? [];
    let depth = 0;
    let sentence = "";
    for (let i = 0; i < toks.length; i++) {
      if (toks[i] === "(" && atom(toks[i + 1]) && atom(toks[i + 2]) && toks[i + 3] === ")") {
        if (toks[i + 1] !== "-NONE-") sentence += `${toks[i + 2]}\t${toks[i + 1]}\n`;
        i += 3;
      } else if (toks[i] === "(") depth++;
      else if (toks[i] === ")" && --depth === 0) {
        out.push(sentence + "\n");
        sentence = "";
      }
    }
  }
  return new TextEncoder().encode(out.join(""));
}

/**
 * The base URL of a mirror laid out like the data directory (a file is fetched from `<base><path>`).
 *
 * @throws {FetchUsageError} for text that is not an http(s) URL, or one with a query or fragment.
 */
export function mirrorBase(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchUsageError(`--mirror "${text}" is not a URL, expected e.g. http://127.0.0.1:8000/`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchUsageError(`--mirror "${text}" is not an http or https URL`);
  }
  if (url.search || url.hash) throw new FetchUsageError(`--mirror "${text}" has a query or fragment`);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/**
 * The files of these datasets (each once, in order), from their registered source or from `mirror`.
 *
 * @throws {Error} for a dataset that declares no source for one of its files (a registry bug).
 */
export function datasetItems(specs: readonly DatasetSpec[], mirror?: URL): FetchItem[] {
  const items = new Map<string, FetchItem>();
  for (const spec of specs) {
    for (const f of Object.values(spec.splits)) {
      const path = `${spec.dir}/${f.file}`;
      if (items.has(path)) continue;
      const base = {
        owner: spec.id,
        path,
        sha256: f.sha256,
        bytes: f.bytes,
        ...(spec.redistribution?.restricted ? { restricted: spec.redistribution.terms } : {}),
      };
      if (mirror) {
        items.set(path, { ...base, url: new URL(path, mirror).href });
        continue;
      }
      const src = spec.source;
      const a = src?.archive;
      const file = src?.files?.[f.file];
      const member = a?.members?.[f.file];
      const derive = a?.derived?.[f.file];
      if (file !== undefined) items.set(path, { ...base, url: sourceUrl(src!, file) });
      else if (a && (member !== undefined || derive !== undefined)) {
        items.set(path, {
          ...base,
          url: sourceUrl(src!, a.path),
          archive: { sha256: a.sha256, bytes: a.bytes, ...(member !== undefined ? { member } : { derive }) },
        });
      } else throw new Error(`Dataset "${spec.id}" declares no source for its file ${f.file}`);
    }
  }
  return [...items.values()];
}

/** The files the resources declare in `downloads` (none for a resource without), from there or from `mirror`. */
export function resourceItems(resources: readonly ExternalResource[], mirror?: URL): FetchItem[] {
  return resources.flatMap((r) =>
    (r.downloads ?? []).map((d) => ({
      owner: r.id,
      path: d.path,
      ...(d.sha256 ? { sha256: d.sha256 } : {}),
      ...(d.bytes ? { bytes: d.bytes } : {}),
      url: mirror ? new URL(d.path, mirror).href : d.url,
      ...(!mirror && d.member ? { archive: { sha256: d.archiveSha256, member: d.member } } : {}),
      ...(d.restricted ? { restricted: d.restricted } : {}),
    }))
  );
}

/**
 * Fetches the items that are not already under the data directory with the right sha256, one after the other,
 * printing the licence terms of the restricted ones and one line per file (`ok`, `downloaded`, `failed`). A file
 * that fails does not stop the others.
 *
 * @returns one result per distinct path, in order.
 * @throws {FetchUsageError} before downloading anything, when `downloadDir` lies inside `dataDir`, or when an
 *   item to download is restricted and `acceptLicence` is not set (after printing the terms).
 */
export async function fetchItems(items: readonly FetchItem[], opts: FetchOptions): Promise<FetchResult[]> {
  const print = opts.print ?? (() => {});
  const rel = relative(opts.dataDir, opts.downloadDir);
  if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) {
    throw new FetchUsageError(
      `The download folder ${opts.downloadDir} lies inside the data directory ${opts.dataDir}; choose one outside it`,
    );
  }
  const unique = [...new Map(items.map((it) => [it.path, it])).values()];
  const results = new Map<string, FetchResult>();
  const pending: FetchItem[] = [];
  for (const it of unique) {
    if (await present(join(opts.dataDir, it.path), it.sha256)) {
      results.set(it.path, { owner: it.owner, path: it.path, status: "ok", verified: Boolean(it.sha256) });
      print(line("ok", it.path, it.sha256 ? "" : " (present; unverified: no published sha256)"));
    } else pending.push(it);
  }
  const restricted = new Map<string, Set<string>>(); // terms → owners
  for (const it of pending.filter((it) => it.restricted)) {
    restricted.set(it.restricted!, (restricted.get(it.restricted!) ?? new Set()).add(it.owner));
  }
  for (const [terms, owners] of restricted) {
    print(`Licence of ${[...owners].join(", ")} (redistribution restricted): ${terms}`);
  }
  if (restricted.size > 0 && !opts.acceptLicence) {
    const names = [...new Set([...restricted.values()].flatMap((o) => [...o]))];
    const [verb, them] = names.length === 1
      ? ["has a licence that restricts", "it"]
      : ["have licences that restrict", "them"];
    throw new FetchUsageError(
      `${
        names.join(", ")
      } ${verb} redistribution (terms printed above): re-run with --accept-licence to accept ` +
        `the terms and fetch ${them}`,
    );
  }
  const ctx: Ctx = { ...opts, archives: new Map() };
  for (const it of pending) {
    const verified = Boolean(it.sha256);
    try {
      const how = await fetchOne(it, ctx);
      results.set(it.path, { owner: it.owner, path: it.path, status: "downloaded", verified });
      print(line("downloaded", it.path, ` (${how}${verified ? "" : "; unverified: no published sha256"})`));
    } catch (e) {
      const error = e instanceof FetchError ? e.message : reason(e);
      results.set(it.path, { owner: it.owner, path: it.path, status: "failed", verified, error });
      print(line("failed", it.path, `: ${error}`));
    }
  }
  return unique.map((it) => results.get(it.path)!);
}

interface Ctx extends FetchOptions {
  /** Verified archive files by URL, downloaded at most once per run. */
  archives: Map<string, Promise<string>>;
}

const line = (status: string, path: string, rest: string) => `${status.padEnd(10)}  ${path}${rest}`;

const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0].trim();

/** Why something failed, in plain words: `connection refused`, not `error sending request … (os error 111)`. */
function reason(e: unknown): string {
  const text = oneLine(e instanceof Error && e.cause instanceof Error ? e.cause : e)
    .replace(/^error sending request for url \([^)]*\): /, "")
    .replace(/^client error \(\w+\): /, "");
  const os = /([^:]+) \(os error \d+\)$/.exec(text);
  if (os) return os[1].trim().replace(/^./, (c) => c.toLowerCase());
  const dns = /dns error: (.*)$/.exec(text);
  return dns ? `the host name could not be resolved (${dns[1]})` : text.replace(/ \(os error \d+\)/g, "");
}

const sha256Hex = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

async function present(path: string, sha256: string | undefined): Promise<boolean> {
  try {
    if (!(await Deno.stat(path)).isFile) return false;
  } catch {
    return false;
  }
  return sha256 === undefined || (await sha256File(path)) === sha256;
}

/** Downloads (or extracts) one item and moves it into the data directory; returns how, for its summary line. */
async function fetchOne(it: FetchItem, ctx: Ctx): Promise<string> {
  const dest = join(ctx.dataDir, ...it.path.split("/"));
  if (!it.archive) {
    const file = await download(it.url, it.sha256, it.bytes, it.path, ctx);
    const { size } = await Deno.stat(file);
    await install(dest, file);
    return `${mb(size)} from ${it.url}`;
  }
  const a = it.archive;
  let zip = ctx.archives.get(it.url);
  if (!zip) {
    zip = download(it.url, a.sha256, a.bytes, `the archive ${it.url.split("/").pop()}`, ctx);
    ctx.archives.set(it.url, zip);
  }
  const want = a.derive ? DERIVATIONS[a.derive].members : (name: string) => name === a.member;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(await Deno.readFile(await zip), { filter: (f) => want(f.name) });
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(`${it.url} is not a readable zip archive (${oneLine(e)})`);
  }
  const what = a.derive ? `derived (${a.derive}) from ${it.url}` : `member ${a.member} of ${it.url}`;
  if (!a.derive && !files[a.member!]) throw new FetchError(`The archive ${it.url} has no member ${a.member}`);
  const bytes = a.derive ? DERIVATIONS[a.derive].derive(files) : files[a.member!];
  const got = sha256Hex(bytes);
  if (it.sha256 && got !== it.sha256) {
    throw new FetchError(
      `${it.path} (${what}) has sha256 ${got}, expected ${it.sha256}; nothing was written`,
    );
  }
  await install(dest, bytes);
  return `${mb(bytes.length)}, ${what}`;
}

/**
 * Downloads `url` into the download folder and checks its sha256 (when given); returns the path of the complete
 * file there. A partial file is resumed with a Range request; a server that answers 200 to it is read from the
 * start again. A mismatching file is deleted.
 *
 * @throws {FetchError} for a connection error or an HTTP error status (naming the URL), a body that breaks off
 *   (the partial file is kept for the next run), or a sha256 mismatch (naming `label`, expected and got hash).
 */
async function download(
  url: string,
  sha256: string | undefined,
  bytes: number | undefined,
  label: string,
  ctx: Ctx,
): Promise<string> {
  const name = new URL(url).pathname.split("/").pop() || "download";
  const file = join(ctx.downloadDir, `${(sha256 ?? sha256Hex(url)).slice(0, 16)}-${name}`);
  if (await present(file, sha256)) return file;
  const part = `${file}.part`;
  let offset = await Deno.stat(part).then((s) => s.size, () => 0);
  for (let attempt = 0;; attempt++) {
    const guard = stallGuard(ctx.stallSeconds ?? 60);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { "accept-encoding": "identity", ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        signal: guard.signal,
      });
    } catch (e) {
      guard.stop();
      throw new FetchError(`Could not download ${url}: ${reason(e)}`);
    }
    const range = res.headers.get("content-range") ?? "";
    if ((res.status === 416 && offset > 0) || (res.status === 206 && !range.startsWith(`bytes ${offset}-`))) {
      guard.stop();
      await res.body?.cancel();
      if (res.status === 416) break; // the partial file may be whole: check it
      if (attempt > 0) {
        throw new FetchError(
          `Could not download ${url}: the server answered 206 with Content-Range "${range}"`,
        );
      }
      await Deno.remove(part).catch(() => {}); // a range other than the one asked for: start again
      offset = 0;
      continue;
    }
    if (!res.ok) {
      guard.stop();
      await res.body?.cancel();
      throw new FetchError(
        `Could not download ${url}: the server answered ${res.status} ${res.statusText}`.trim(),
      );
    }
    if (res.status !== 206) offset = 0; // the whole file (the server ignored the Range header): start again
    const length = Number(res.headers.get("content-length") ?? NaN);
    const total = Number.isFinite(length) ? offset + length : bytes;
    await writeBody(
      res,
      part,
      offset,
      total,
      { url, label: label.replace(/^the archive /, ""), guard },
      ctx,
    );
    break;
  }
  const got = await hashFile(part);
  if (sha256 && got !== sha256) {
    await Deno.remove(part);
    throw new FetchError(
      `${label} downloaded from ${url} has sha256 ${got}, expected ${sha256}; the download was deleted`,
    );
  }
  await Deno.rename(part, file);
  return file;
}

/** Appends (from `offset`) or writes the response body to `part`, drawing the progress bar (`label`, `total`
 * bytes) when asked. */
async function writeBody(
  res: Response,
  part: string,
  offset: number,
  total: number | undefined,
  { url, label, guard }: { url: string; label: string; guard: StallGuard },
  ctx: Ctx,
): Promise<void> {
  await Deno.mkdir(dirname(part), { recursive: true });
  const out = await Deno.open(
    part,
    offset > 0 ? { append: true } : { write: true, create: true, truncate: true },
  );
  const bar = ctx.progress
    ? new cliProgress.SingleBar({
      format: `${label} |{bar}| {percentage}% {done}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    }, cliProgress.Presets.shades_classic)
    : undefined;
  let got = offset;
  bar?.start(total ?? 0, got, { done: mb(got) });
  const reader = res.body?.getReader();
  let finished = !reader;
  try {
    while (reader) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        const why = reason(e);
        throw new FetchError(
          `The download of ${url} broke off after ${got} bytes (${why}); run it again to resume`,
        );
      }
      if (chunk.done) {
        finished = true;
        break;
      }
      guard.kick();
      for (let off = 0; off < chunk.value.length;) off += await out.write(chunk.value.subarray(off));
      got += chunk.value.length;
      bar?.update(got, { done: mb(got) });
    }
  } finally {
    guard.stop();
    bar?.stop();
    out.close();
    if (!finished) await reader?.cancel().catch(() => {});
  }
}

interface StallGuard {
  signal: AbortSignal;
  kick(): void;
  stop(): void;
}

/** Aborts the request when nothing arrives for `seconds`. */
function stallGuard(seconds: number): StallGuard {
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(timer);
  const kick = () => {
    stop();
    timer = setTimeout(() => ctl.abort(new Error(`nothing received for ${seconds} s`)), seconds * 1000);
  };
  kick();
  return { signal: ctl.signal, kick, stop };
}

async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  const f = await Deno.open(path);
  for await (const chunk of f.readable) h.update(chunk);
  return h.digest("hex");
}

const tmpName = (dest: string) => `${dest}.tmp-${crypto.randomUUID().slice(0, 8)}`;

/**
 * Puts a verified file at `dest`, whole: the downloaded file `from` renamed into place, or (across file systems,
 * or for bytes) written to a temporary name beside `dest` and renamed; the temporary file is removed on any error.
 */
async function install(dest: string, from: string | Uint8Array): Promise<void> {
  const tmp = tmpName(dest);
  try {
    await Deno.mkdir(dirname(dest), { recursive: true });
    if (typeof from === "string") {
      if (await Deno.rename(from, dest).then(() => true, () => false)) return;
      await Deno.copyFile(from, tmp); // another file system
    } else await Deno.writeFile(tmp, from);
    await Deno.rename(tmp, dest);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new FetchError(`Could not write ${dest}: ${reason(e)}`);
  }
  if (typeof from === "string") await Deno.remove(from);
}
