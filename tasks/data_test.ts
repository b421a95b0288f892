import { assert, assertEquals, assertRejects } from "../harness/data/_assert.ts";
import { fileURLToPath } from "node:url";
import { realDataDir } from "../harness/data/_testing.ts";
import { formatDatasetList, formatResources, main, runDataCommand } from "./data.ts";
import { runCli, UsageError } from "../harness/cli.ts";
import { UnknownDatasetError } from "../harness/data/registry.ts";

const SCRIPT = fileURLToPath(new URL("./data.ts", import.meta.url));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, ...args],
    env: { NO_COLOR: "1", TAGBENCH_DEBUG: "" },
  }).output();
  const dec = new TextDecoder();
  return { code, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

async function capture(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runDataCommand(args, (t) => lines.push(t));
  return { code, out: lines.join("\n") };
}

Deno.test("data list: every registered dataset, present or missing, and where to get the missing ones", async () => {
  const empty = await Deno.makeTempDir();
  const { code, out } = await capture(["list", "--data-dir", empty]);
  assertEquals(code, 0);
  assertEquals(out, formatDatasetList(empty));
  assert(out.includes("Where to get the datasets not present"), out);
  assert(
    /\n- conll2003: .*clips\.uantwerpen\.be\/conll2003\/ner\/; licence: /.test(out),
    "download, homepage, licence",
  );
  const verify = await capture(["verify", "--data-dir", empty]);
  assertEquals(verify.code, 1);
  assert(verify.out.includes("\n- wnut16: "), "verify says where to get every missing dataset");
  await Deno.remove(empty);
  assert(out.split("\n")[0].startsWith("id  "));
  for (const id of ["conll2003", "conll2002-es", "conll2002-nl", "wnut16", "wnut17", "conll2000"]) {
    assert(out.includes(`\n${id} `), id);
  }
});

Deno.test("data: bad command lines are usage errors", async () => {
  await assertRejects(() => capture([]), UsageError, "missing command");
  await assertRejects(() => capture(["frobnicate"]), UsageError, 'unknown command "frobnicate"');
  await assertRejects(() => capture(["stats"]), UsageError, "exactly one dataset");
  await assertRejects(() => capture(["stats", "conll2003", "--bogus"]), UsageError);
  await assertRejects(() => capture(["stats", "conll03", "--data-dir", "/nonexistent"]), UnknownDatasetError);
  await assertRejects(() => capture(["fetch", "conll03"]), UsageError, 'Did you mean "conll2003"?');
  await assertRejects(() => capture(["fetch", "--suite", "datnet", "wnut16"]), UsageError, "not both");
  await assertRejects(
    () => capture(["fetch", "--mirror", "file:///x"]),
    UsageError,
    "not an http or https URL",
  );
  await assertRejects(() => capture(["verify", "--accept-licence"]), UsageError, "fetch command only");
});

Deno.test("data fetch --suite: the suite's datasets; a restricted one is refused before anything is fetched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const run = runDataCommand(
      [
        "fetch",
        "--suite",
        "datnet",
        "--mirror",
        "http://127.0.0.1:9/",
        "--data-dir",
        `${dir}/data`,
        "--download-dir",
        `${dir}/dl`,
      ],
      (t) => lines.push(t),
    );
    await assertRejects(
      () => run,
      UsageError,
      "conll2002-es, conll2002-nl, conll2003 have licences that restrict",
    );
    assert(
      lines.some((l) => l.startsWith("datnet resource lin2018-word2vec: nothing to download (")),
      lines.join("\n"),
    );
    assertEquals(lines.filter((l) => l.startsWith("Licence of ")).map((l) => l.split(" (")[0]).sort(), [
      "Licence of conll2002-es, conll2002-nl",
      "Licence of conll2003",
    ]);
    assertEquals([...Deno.readDirSync(dir)], [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data stats conll2002 (in-process): suggests the two CoNLL-2002 datasets, not conll2000", async () => {
  const r = await runCli(main, ["stats", "conll2002", "--data-dir", "/nonexistent"], "usage");
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr.split("\n")[0],
    'error: Unknown dataset "conll2002". Did you mean "conll2002-es" or "conll2002-nl"? Known datasets: ' +
      "conll2000, conll2002-es, conll2002-nl, conll2003, ptb-wsj-sample, ritter2011-ner, ritter2011-pos, " +
      "ud12-el, ud12-et, ud12-eu, ud12-id, ud12-ro, wnut16, wnut17",
  );
  const misspelt = await runCli(main, ["stats", "conll2003", "--data-dri", "x"], "usage: data");
  assertEquals(misspelt, {
    code: 2,
    stdout: "",
    stderr: 'error: Unknown option "--data-dri". Did you mean "--data-dir"?\nusage: data\n',
  });
});

Deno.test("data verify: an empty data dir reports every file missing, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, out } = await capture(["verify", "--data-dir", dir]);
    assertEquals(code, 1);
    assertEquals(out.split("\n").filter((l) => l.startsWith("missing ")).length, 35);
    assert(out.includes("\n0 of 35 registered files present and unaltered.\n"));
    assert(out.includes("Where to get the datasets not present"));
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("data CLI: errors are one line on stderr, exit 1, no stack trace", async () => {
  const unknown = await cli("stats", "conll03");
  assertEquals(unknown.code, 1);
  assertEquals(
    unknown.stderr,
    'error: Unknown dataset "conll03". Did you mean "conll2003"? Known datasets: conll2000, conll2002-es, ' +
      "conll2002-nl, conll2003, ptb-wsj-sample, ritter2011-ner, ritter2011-pos, ud12-el, ud12-et, ud12-eu, ud12-id, " +
      "ud12-ro, wnut16, wnut17\n",
  );
  const dir = await Deno.makeTempDir();
  try {
    const missing = await cli("stats", "wnut17", "--data-dir", dir);
    assertEquals(missing.code, 1);
    assertEquals(missing.stderr.split("\n").length, 2, missing.stderr); // one line + final newline
    assert(
      missing.stderr.startsWith(
        `error: Dataset "wnut17" (WNUT-2017 Emerging and Rare Entities): the train file`,
      ),
    );
    assert(missing.stderr.includes(`put it under ${dir}/wnut17/, or set TAGBENCH_DATA_DIR / --data-dir`));
  } finally {
    await Deno.remove(dir);
  }
});

const dataDir = realDataDir();

Deno.test({
  name: "data stats conll2003 (real data): tokens with DOCSTART lines = paper, without ≠ paper",
  ignore: dataDir === undefined,
  fn: async () => {
    const { code, stdout, stderr } = await cli("stats", "conll2003", "--data-dir", dataDir!);
    assertEquals([code, stderr], [0, ""]);
    const rows = stdout.split("\n").filter((l) => /^(train|dev|test) /.test(l));
    assertEquals(rows.length, 3);
    assert(rows[0].includes("203,621  ≠ paper (-946)"), rows[0]);
    assert(/204,567 {2}= paper +23,499 {2}= paper/.test(rows[0]), rows[0]);
    assert(rows[1].includes("51,362  ≠ paper (-216)") && rows[1].includes("51,578  = paper"), rows[1]);
    assert(rows[2].includes("46,435  ≠ paper (-231)") && rows[2].includes("46,666  = paper"), rows[2]);
  },
});

Deno.test({
  name: "data verify (real data): all files ok",
  ignore: dataDir === undefined,
  fn: async () => {
    const { code, out } = await capture(["verify", "--data-dir", dataDir!]);
    assertEquals(code, 0);
    assert(out.endsWith("35 of 35 registered files present and unaltered."));
  },
});

Deno.test("data resources: every declared resource with present/absent, where it is published and its substitute", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/conll2003`);
  await Deno.writeTextFile(`${dir}/conll2003/eng.list`, "LOC Germany\n");
  const out = formatResources(undefined, dir);
  assert(out.includes("yang2017  gazetteer  present: CoNLL-2003 gazetteer (eng.list)"), out);
  assert(out.includes("yang2017  senna  absent: SENNA v3.0 50-d word embeddings"), out);
  assert(out.includes("datnet  lin2018-word2vec  absent: 50-d word2vec of Lin et al. 2018"), out);
  assert(out.includes("datnet  elmo-bert  not loadable yet"), out);
  assert(/senna {2}absent[^\n]*\n(.*\n)* {4}where: SENNA v3\.0/.test(out), "where it is published");
  assertEquals(formatResources("yang2017", dir).includes("datnet"), false);
  assertRejects(() => Promise.resolve().then(() => formatResources("yang", dir)), UsageError, "Did you mean");
  const r = await runCli(main, ["resources", "--data-dir", dir], "usage");
  assertEquals(r.code, 0);
  await Deno.remove(dir, { recursive: true });
});
