/**
 * `data fetch` against a local HTTP server on 127.0.0.1 serving a temporary mirror of a few small registered files
 * copied from the real data directory at test time, under one prefix per behaviour: `/range/` (honours Range:
 * 206), `/norange/` (ignores it: 200), `/corrupt/` (one byte changed), `/drop/` (the first request for a file
 * breaks off half-way, later ones are served as `/range/`), `/stall/` (1,000 bytes, then nothing until the server
 * closes); a file not in the mirror is a 404.
 */

import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { zipSync } from "fflate";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli.ts";
import { main as dataMain } from "../../tasks/data.ts";
import { realDataDir } from "./_testing.ts";
import {
  datasetItems,
  type FetchItem,
  fetchItems,
  FetchUsageError,
  mirrorBase,
  ptbCombinedPos,
  resourceItems,
} from "./fetch.ts";
import { DATASETS, sourceUrl } from "./registry.ts";

const DATA = realDataDir();
const ignore = DATA === undefined;
if (ignore) {
  console.warn("fetch_test: no real data directory (TAGBENCH_DATA_DIR or ../shared/data), skipping");
}

/** Files copied into the mirror (small ones; paths under the data directory). */
const MIRRORED = ["wnut17/emerging.dev.conll", "wnut17/wnut17train.conll", "wnut17/emerging.test.annotated"];
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface Server {
  url: string;
  log: { path: string; range: string | null; status: number }[];
  /** Extra files served under every prefix (path without a prefix → bytes). */
  extra: Map<string, Uint8Array<ArrayBuffer>>;
  close(): Promise<void>;
}

function serve(mirror: string): Server {
  const log: Server["log"] = [];
  const extra = new Map<string, Uint8Array<ArrayBuffer>>();
  const dropped = new Set<string>();
  const stalled: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const [, mode, ...rest] = new URL(req.url).pathname.split("/");
    const path = rest.join("/");
    const range = req.headers.get("range");
    const answer = (status: number, body: BodyInit | null, headers: Record<string, string> = {}) => {
      log.push({ path: `${mode}/${path}`, range, status });
      return new Response(body, { status, headers });
    };
    let bytes = extra.get(path);
    if (!bytes) bytes = await Deno.readFile(join(mirror, path)).catch(() => undefined);
    if (!bytes) return answer(404, "not found");
    if (mode === "corrupt") return answer(200, bytes.map((b, i) => (i === 100 ? b ^ 1 : b)));
    if (mode === "drop" && !dropped.has(path)) {
      dropped.add(path);
      const half = bytes.subarray(0, bytes.length >> 1);
      const body = new ReadableStream({
        start: (c) => {
          c.enqueue(half);
          c.close(); // fewer bytes than Content-Length: the connection is dropped
        },
      });
      return answer(200, body, { "content-length": String(bytes.length) });
    }
    if (mode === "stall") {
      const body = new ReadableStream({
        start: (c) => {
          c.enqueue(bytes!.subarray(0, 1000));
          stalled.push(() => {
            try {
              c.close();
            } catch {
              // already cancelled: the client gave up
            }
          });
        },
      });
      return answer(200, body, { "content-length": String(bytes.length) });
    }
    const m = /^bytes=(\d+)-$/.exec(range ?? "");
    if (m && mode !== "norange") {
      const start = Number(m[1]);
      if (start >= bytes.length) return answer(416, null, { "content-range": `bytes */${bytes.length}` });
      return answer(206, bytes.subarray(start), {
        "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      });
    }
    return answer(200, bytes);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    log,
    extra,
    close: () => {
      for (const release of stalled) release();
      return server.shutdown();
    },
  };
}

/** Every file and folder under `dir`, relative, sorted. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for await (const e of Deno.readDir(d)) {
      out.push(prefix + e.name + (e.isDirectory ? "/" : ""));
      if (e.isDirectory) await walk(join(d, e.name), `${prefix}${e.name}/`);
    }
  };
  await walk(dir, "").catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out.sort();
}

/** A temp mirror, data directory and download folder, with the server; removed afterwards. */
async function withMirror(fn: (s: Server, dirs: { data: string; downloads: string }) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "tagbench-fetch-" });
  const mirror = join(root, "mirror");
  for (const p of MIRRORED) {
    await Deno.mkdir(join(mirror, p, ".."), { recursive: true });
    await Deno.copyFile(join(DATA!, p), join(mirror, p));
  }
  const server = serve(mirror);
  try {
    await fn(server, { data: join(root, "data"), downloads: join(root, "downloads") });
  } finally {
    await server.close().finally(() => Deno.remove(root, { recursive: true }));
  }
}

const wnut17 = (base: string, only?: string) =>
  datasetItems([DATASETS.wnut17], mirrorBase(base)).filter((it) => !only || it.path === only);

Deno.test({
  name: "fetch: downloads with Range support, verifies, installs; a second run finds every file ok",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const lines: string[] = [];
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads, print: (l: string) => lines.push(l) };
      const results = await fetchItems(wnut17(`${s.url}/range/`), opts);
      assertEquals(results.map((r) => r.status), ["downloaded", "downloaded", "downloaded"]);
      assertEquals(await listing(dirs.data), ["wnut17/", ...MIRRORED.map((p) => p).sort()]);
      for (const p of MIRRORED) {
        assertEquals(sha(await Deno.readFile(join(dirs.data, p))), sha(await Deno.readFile(join(DATA!, p))));
      }
      assertEquals(await listing(dirs.downloads), [], "nothing left in the download folder");
      assert(
        lines[0].startsWith("downloaded  wnut17/wnut17train.conll (0.49 MB from http://127.0.0.1:"),
        lines[0],
      );
      lines.length = 0;
      const again = await fetchItems(wnut17(`${s.url}/range/`), opts);
      assertEquals(again.map((r) => r.status), ["ok", "ok", "ok"]);
      assertEquals(lines[0], "ok          wnut17/wnut17train.conll");
      assertEquals(s.log.length, 3, "the second run requested nothing");
    }),
});

Deno.test({
  name:
    "fetch: a dropped connection keeps the partial file outside the data dir; the next run resumes with Range",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const file = "wnut17/emerging.dev.conll";
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads };
      const [first] = await fetchItems(wnut17(`${s.url}/drop/`, file), opts);
      assertEquals(first.status, "failed");
      assert(
        /^The download of http:\/\/127\.0\.0\.1:\d+\/drop\/wnut17\/emerging\.dev\.conll broke off after 57374 bytes \(.*\); run it again to resume$/
          .test(first.error!),
        first.error,
      );
      assertEquals(await listing(dirs.data), [], "nothing in the data directory");
      const parts = await listing(dirs.downloads);
      assertEquals(parts.length, 1);
      assert(parts[0].endsWith("-emerging.dev.conll.part"), parts[0]);
      const [second] = await fetchItems(wnut17(`${s.url}/drop/`, file), opts);
      assertEquals(second.status, "downloaded");
      assertEquals(s.log.map((l) => [l.range, l.status]), [[null, 200], ["bytes=57374-", 206]]);
      assertEquals(await listing(dirs.data), ["wnut17/", file]);
      assertEquals(sha(await Deno.readFile(join(dirs.data, file))), DATASETS.wnut17.splits.dev!.sha256);
      assertEquals(await listing(dirs.downloads), []);
    }),
});

Deno.test({
  name: "fetch: a server that ignores Range (200 to a Range request) is read from the start again",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const file = "wnut17/emerging.dev.conll";
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads };
      assertEquals((await fetchItems(wnut17(`${s.url}/drop/`, file), opts))[0].status, "failed");
      const [r] = await fetchItems(wnut17(`${s.url}/norange/`, file), opts);
      assertEquals(r.status, "downloaded");
      assertEquals(s.log.map((l) => [l.path, l.range, l.status]), [
        [`drop/${file}`, null, 200],
        [`norange/${file}`, "bytes=57374-", 200],
      ]);
      assertEquals(sha(await Deno.readFile(join(dirs.data, file))), DATASETS.wnut17.splits.dev!.sha256);
      assertEquals(await listing(dirs.downloads), []);
    }),
});

Deno.test({
  name: "fetch: a server that stops sending fails after stallSeconds, nothing in the data directory",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const item = wnut17(`${s.url}/stall/`, "wnut17/emerging.dev.conll");
      const [r] = await fetchItems(item, {
        dataDir: dirs.data,
        downloadDir: dirs.downloads,
        stallSeconds: 0.5,
      });
      assertEquals(r.status, "failed");
      // Normally the 1,000 bytes sent arrive first (a partial file to resume); on a loaded machine the headers may
      // come after the deadline.
      assert(
        /^(The download of \S+ broke off after 1000 bytes|Could not download \S+:) \(?nothing received for 0\.5 s\)?/
          .test(r.error!),
        r.error,
      );
      assertEquals(await listing(dirs.data), []);
    }),
});

Deno.test({
  name:
    "fetch: a corrupted file fails with one line (file, expected and got sha256) and leaves nothing behind",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const lines: string[] = [];
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads, print: (l: string) => lines.push(l) };
      const [r] = await fetchItems(wnut17(`${s.url}/corrupt/`, "wnut17/emerging.dev.conll"), opts);
      assertEquals(r.status, "failed");
      const expected = DATASETS.wnut17.splits.dev!.sha256;
      assert(
        new RegExp(
          `^wnut17/emerging\\.dev\\.conll downloaded from http://127\\.0\\.0\\.1:\\d+/corrupt/wnut17/emerging\\.dev\\.conll ` +
            `has sha256 [0-9a-f]{64}, expected ${expected}; the download was deleted$`,
        ).test(r.error!),
        r.error,
      );
      assertEquals(lines, [`failed      wnut17/emerging.dev.conll: ${r.error}`]);
      assertEquals(await listing(dirs.data), []);
      assertEquals(await listing(dirs.downloads), []);
    }),
});

Deno.test({
  name: "fetch: a 404 and a refused connection fail with one line naming the URL; the other files still come",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads };
      const missing: FetchItem = {
        ...wnut17(`${s.url}/range/`)[0],
        path: "wnut17/absent",
        url: `${s.url}/range/x`,
      };
      const closed = await Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (closed.addr as Deno.NetAddr).port;
      closed.close();
      const refused: FetchItem = { ...missing, path: "wnut17/refused", url: `http://127.0.0.1:${port}/y` };
      const good = wnut17(`${s.url}/range/`, "wnut17/emerging.dev.conll");
      const results = await fetchItems([missing, refused, ...good], opts);
      assertEquals(results.map((r) => r.status), ["failed", "failed", "downloaded"]);
      assertEquals(
        results[0].error,
        `Could not download ${s.url}/range/x: the server answered 404 Not Found`,
      );
      assert(
        results[1].error!.startsWith(`Could not download http://127.0.0.1:${port}/y: `),
        results[1].error,
      );
      assert(!results[1].error!.includes("\n"));
      assertEquals(await listing(dirs.data), ["wnut17/", "wnut17/emerging.dev.conll"]);
      assertEquals(await listing(dirs.downloads), []);
    }),
});

Deno.test({
  name: "fetch: a restricted licence is printed and refused without acceptLicence; accepted, the file comes",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      s.extra.set("conll2002/esp.testb", await Deno.readFile(join(DATA!, "conll2002/esp.testb")));
      const items = datasetItems([DATASETS["conll2002-es"]], mirrorBase(`${s.url}/range/`))
        .filter((it) => it.path === "conll2002/esp.testb");
      const lines: string[] = [];
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads, print: (l: string) => lines.push(l) };
      await assertRejects(
        () => fetchItems(items, opts),
        FetchUsageError,
        "conll2002-es has a licence that restricts redistribution (terms printed above): re-run with " +
          "--accept-licence to accept the terms and fetch it",
      );
      assert(lines[0].startsWith("Licence of conll2002-es (redistribution restricted): conll2002/README: "));
      assertEquals([s.log.length, await listing(dirs.data)], [0, []]);
      const [r] = await fetchItems(items, { ...opts, acceptLicence: true });
      assertEquals(r.status, "downloaded");
      assertEquals(await listing(dirs.data), ["conll2002/", "conll2002/esp.testb"]);
    }),
});

Deno.test({
  name:
    "fetch: a zip member is extracted after the archive's sha256 is checked; a bad archive or member fails",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const member = await Deno.readFile(join(DATA!, "wnut17/emerging.dev.conll"));
      const zip = zipSync({ "emerging/emerging.dev.conll": member, "emerging/README": new Uint8Array([65]) });
      s.extra.set("archive.zip", new Uint8Array(zip));
      const base = wnut17(`${s.url}/range/`, "wnut17/emerging.dev.conll")[0];
      const item = (archiveSha: string, m = "emerging/emerging.dev.conll"): FetchItem => ({
        ...base,
        url: `${s.url}/range/archive.zip`,
        archive: { sha256: archiveSha, member: m },
      });
      const opts = { dataDir: dirs.data, downloadDir: dirs.downloads };
      const [bad] = await fetchItems([item("0".repeat(64))], opts);
      assert(
        bad.error!.startsWith(
          `the archive archive.zip downloaded from ${s.url}/range/archive.zip has sha256 `,
        ),
        bad.error,
      );
      const [noMember] = await fetchItems([item(sha(zip), "emerging/nope")], opts);
      assertEquals(noMember.error, `The archive ${s.url}/range/archive.zip has no member emerging/nope`);
      assertEquals(await listing(dirs.data), []);
      const [ok] = await fetchItems([item(sha(zip))], opts);
      assertEquals(ok.status, "downloaded");
      assertEquals(sha(await Deno.readFile(join(dirs.data, base.path))), base.sha256);
      const cached = await listing(dirs.downloads);
      assert(cached.length === 1 && cached[0].endsWith("-archive.zip"), "the verified archive is kept");
      assertEquals(
        s.log.filter((l) => l.path === "range/archive.zip").length,
        2,
        "downloaded once after the bad sha",
      );
    }),
});

Deno.test({
  name: "fetch: ptb-wsj-sample is derived from NLTK's treebank.zip with the registered sha256",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const spec = DATASETS["ptb-wsj-sample"];
      s.extra.set(
        spec.source!.archive!.path,
        await Deno.readFile(join(DATA!, "ptb_wsj_sample_nltk/treebank.zip")),
      );
      const [item] = datasetItems([spec]);
      assertEquals(item.url, sourceUrl(spec.source!, "packages/corpora/treebank.zip"));
      const local = { ...item, url: `${s.url}/range/${spec.source!.archive!.path}` };
      const [r] = await fetchItems([local], {
        dataDir: dirs.data,
        downloadDir: dirs.downloads,
        acceptLicence: true,
      });
      assertEquals(r.status, "downloaded", r.error);
      assertEquals(await listing(dirs.data), [
        "ptb_wsj_sample_nltk/",
        "ptb_wsj_sample_nltk/wsj_0001-0199.pos.tsv",
      ]);
    }),
});

Deno.test("ptbCombinedPos: leaves as word<TAB>TAG, -NONE- dropped, a blank line after each tree", () => {
  const mrg = "( (S (NP-SBJ (NNP Pierre) (-NONE- *-1)) (VP (VBD sat)) (. .)) )\n( (S (NN x)) )\n";
  const out = new TextDecoder().decode(
    ptbCombinedPos({ "treebank/combined/wsj_0001.mrg": new TextEncoder().encode(mrg) }),
  );
  assertEquals(out, "Pierre\tNNP\nsat\tVBD\n.\t.\n\nx\tNN\n\n");
});

Deno.test("fetch items: canonical URLs pinned to a commit; zip members; the mirror layout; resources", () => {
  const [train] = datasetItems([DATASETS.conll2003]);
  assertEquals(
    train.url,
    "https://raw.githubusercontent.com/suryasumukh/conll-ner/18d3e43a09247adaa9ec088485a087d5ffa758a6/data/eng.train",
  );
  assert(train.restricted?.includes("Reuters"));
  const es = datasetItems([DATASETS["conll2002-es"], DATASETS["conll2002-nl"]]);
  assertEquals(es.length, 6);
  assertEquals(es[0].archive?.member, "conll2002/esp.train");
  assertEquals(new Set(es.map((i) => i.url)).size, 1);
  assertEquals(
    datasetItems([DATASETS["ritter2011-pos"]]).length,
    1,
    "a partitioned dataset's one file, once",
  );
  const mirrored = datasetItems([DATASETS["conll2002-es"]], mirrorBase("http://127.0.0.1:8000/data"));
  assertEquals(mirrored[0].url, "http://127.0.0.1:8000/data/conll2002/esp.train");
  assertEquals(mirrored[0].archive, undefined);
  const resource = {
    id: "vec",
    title: "v",
    paths: ["vec/v.txt"],
    usedFor: "x",
    substitute: "y",
    downloads: [{ path: "vec/v.txt", url: "https://example.org/v.zip", member: "v.txt" }],
  };
  assertEquals(resourceItems([resource]), [
    {
      owner: "vec",
      path: "vec/v.txt",
      url: "https://example.org/v.zip",
      archive: { sha256: undefined, member: "v.txt" },
    },
  ]);
  for (const bad of ["ftp://x/", "not a url", "http://x/?q=1"]) {
    let threw = false;
    try {
      mirrorBase(bad);
    } catch (e) {
      threw = e instanceof FetchUsageError;
    }
    assert(threw, bad);
  }
});

Deno.test({
  name: "fetch: a resource without a published sha256 is downloaded and reported unverified",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      s.extra.set("vec/v.txt", new TextEncoder().encode("the 0.1 0.2\n"));
      const resource = {
        id: "vec",
        title: "v",
        paths: ["vec/v.txt"],
        usedFor: "x",
        substitute: "y",
        downloads: [{ path: "vec/v.txt", url: `${s.url}/range/vec/v.txt` }],
      };
      const lines: string[] = [];
      const [r] = await fetchItems(resourceItems([resource]), {
        dataDir: dirs.data,
        downloadDir: dirs.downloads,
        print: (l) => lines.push(l),
      });
      assertEquals([r.status, r.verified], ["downloaded", false]);
      assert(lines[0].endsWith("; unverified: no published sha256)"), lines[0]);
    }),
});

Deno.test("fetch: the download folder must lie outside the data directory", async () => {
  await assertRejects(
    () => fetchItems([], { dataDir: "/tmp/d", downloadDir: "/tmp/d/downloads" }),
    FetchUsageError,
    "lies inside the data directory",
  );
});

Deno.test({
  name: "data fetch --mirror (CLI, in-process): a dropped connection, its resume, a corrupted file and a 404",
  ignore,
  fn: () =>
    withMirror(async (s, dirs) => {
      const fetch = (mode: string, ...rest: string[]) =>
        runCli(dataMain, [
          "fetch",
          "--mirror",
          `${s.url}/${mode}/`,
          ...rest,
          "--data-dir",
          dirs.data,
          "--download-dir",
          dirs.downloads,
          "--quiet",
        ], "usage");
      const dropped = await fetch("drop", "wnut17");
      assertEquals(dropped.code, 1);
      assert(
        /^error: 3 of 3 files could not be fetched; the first, wnut17\/wnut17train\.conll: The download of \S+ broke off after 246890 bytes \([^\n]*\); run it again to resume\n$/
          .test(dropped.stderr),
        dropped.stderr,
      );
      assertEquals(await listing(dirs.data), []);
      const resumed = await fetch("drop", "wnut17");
      assertEquals([resumed.code, resumed.stderr], [0, ""]);
      const lines = resumed.stdout.trim().split("\n");
      assertEquals(lines.length, 4, resumed.stdout);
      assertEquals(lines[3], `3 files under ${dirs.data}: 0 ok, 3 downloaded, 0 failed.`);
      assertEquals(await listing(dirs.data), ["wnut17/", ...MIRRORED.slice().sort()]);
      assertEquals(s.log.filter((l) => l.status === 206).length, 3, "all three resumed with Range");
      assertEquals((await fetch("range", "wnut17")).stdout.trim().split("\n")[3].includes("3 ok"), true);

      s.extra.set(
        "ritter2011_twitter/pos.txt",
        await Deno.readFile(join(DATA!, "ritter2011_twitter/pos.txt")),
      );
      const corrupt = await fetch("corrupt", "ritter2011-pos");
      assertEquals(corrupt.code, 1);
      assert(
        /^error: 1 of 1 files could not be fetched; the first, ritter2011_twitter\/pos\.txt: ritter2011_twitter\/pos\.txt downloaded from \S+ has sha256 [0-9a-f]{64}, expected c7a1c7a8[0-9a-f]{56}; the download was deleted\n$/
          .test(corrupt.stderr),
        corrupt.stderr,
      );
      const missing = await fetch("range", "conll2003", "--accept-licence");
      assertEquals(missing.code, 1);
      assert(
        /^error: 3 of 3 files could not be fetched; the first, conll2003\/eng\.train: Could not download \S+: the server answered 404 Not Found\n$/
          .test(missing.stderr),
        missing.stderr,
      );
      assert(missing.stdout.startsWith("Licence of conll2003 (redistribution restricted): "), missing.stdout);
      assertEquals(await listing(dirs.data), ["wnut17/", ...MIRRORED.slice().sort()]);
      assertEquals(await listing(dirs.downloads), []);
    }),
});

const SHM = "/dev/shm";
/** Whether /dev/shm is another file system than the temp folder (then a rename between them fails). */
const otherFs = await Promise.all([Deno.stat(SHM), Deno.stat(tmpdir())]).then(
  ([a, b]) => a.dev !== b.dev,
  () => false,
);

Deno.test({
  name: "fetch: a download folder on another file system: copied beside the destination, then renamed",
  ignore: ignore || !otherFs,
  fn: () =>
    withMirror(async (s, dirs) => {
      const downloads = await Deno.makeTempDir({ dir: SHM, prefix: "tagbench-fetch-" });
      try {
        const [r] = await fetchItems(wnut17(`${s.url}/range/`, "wnut17/emerging.dev.conll"), {
          dataDir: dirs.data,
          downloadDir: downloads,
        });
        assertEquals(r.status, "downloaded");
        assertEquals(await listing(dirs.data), ["wnut17/", "wnut17/emerging.dev.conll"]);
        assertEquals(await listing(downloads), []);
      } finally {
        await Deno.remove(downloads, { recursive: true });
      }
    }),
});
