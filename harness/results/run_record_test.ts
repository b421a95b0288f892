import assert from "node:assert/strict";
import { join } from "node:path";
import { readManifest, readManifestHead, readResults, SCHEMA_VERSION } from "./run_record.ts";
import { JsonFileError, jsonPath, jsonSyntaxProblem } from "./store.ts";

const RESULTS_ROOT = new URL("../../results/", import.meta.url).pathname;

/** Every committed run directory (results/<suite>/<run>/ holding manifest.json). */
function committedRuns(): string[] {
  const dirs: string[] = [];
  for (const suite of Deno.readDirSync(RESULTS_ROOT)) {
    if (!suite.isDirectory) continue;
    for (const run of Deno.readDirSync(join(RESULTS_ROOT, suite.name))) {
      const dir = join(RESULTS_ROOT, suite.name, run.name);
      try {
        if (Deno.statSync(join(dir, "manifest.json")).isFile) dirs.push(dir);
      } catch {
        // not a run directory (e.g. a protocol-gap report)
      }
    }
  }
  return dirs.sort();
}

Deno.test("every committed run under results/ still reads (manifest and result rows)", async () => {
  const dirs = committedRuns();
  assert.ok(
    dirs.some((d) => d.includes("/datnet/")) && dirs.some((d) => d.includes("/yang2017/")),
    `${dirs}`,
  );
  for (const dir of dirs) {
    const m = await readManifest(dir);
    const rows = await readResults(dir);
    assert.equal(rows.length, m.timings.units_done, dir);
    for (const r of rows) {
      assert.equal(typeof r.seed, "number");
      assert.ok(Object.values(r.metrics).every((v) => Number.isFinite(v)), `${dir}: ${r.cell}`);
    }
  }
});

Deno.test("schema-1 rows: a null (NaN) score is not measured, not 0", async () => {
  const rows = await readResults(join(RESULTS_ROOT, "yang2017", "20261121T124908Z-77dd07b"));
  const noDev = rows.filter((r) => !("dev/f1" in r.metrics));
  assert.ok(noDev.length > 0);
  for (const r of noDev) assert.ok(!("dev/accuracy" in r.metrics) && "test/f1" in r.metrics, r.cell);
});

/** A run directory holding the given files (text as is, anything else as JSON). */
async function runDir(files: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tagbench-run-record-" });
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeTextFile(
      join(dir, name),
      typeof content === "string" ? content : JSON.stringify(content, null, 2),
    );
  }
  return dir;
}

/** A real manifest and results of schema 2, to damage. */
async function goodRun(): Promise<{ manifest: Record<string, unknown>; results: { rows: unknown[] } }> {
  const src = join(RESULTS_ROOT, "datnet", "20261121T110854Z-2d7ea18");
  const manifest = JSON.parse(await Deno.readTextFile(join(src, "manifest.json")));
  manifest.schema_version = SCHEMA_VERSION;
  const rows = (await readResults(src)).map((r) => ({ ...r }));
  return { manifest, results: { schema_version: SCHEMA_VERSION, rows } as { rows: unknown[] } };
}

/** Asserts that `f` rejects with a JsonFileError whose message is exactly `Cannot read "<path>": <problem>`. */
async function rejectsWith(f: () => Promise<unknown>, path: string, problem: string | RegExp): Promise<void> {
  const e = await f().then(() => undefined, (e) => e);
  assert.ok(e instanceof JsonFileError, `expected a JsonFileError, got ${e}`);
  assert.ok(e.message.startsWith(`Cannot read "${path}": `), e.message);
  assert.equal(e.message.split("\n").length, 1, e.message);
  if (typeof problem === "string") assert.equal(e.problem, problem);
  else assert.match(e.problem, problem);
}

Deno.test("readManifest: a truncated manifest names the file, where it ends and what was expected", async () => {
  const { manifest } = await goodRun();
  const text = JSON.stringify(manifest, null, 2);
  const cut = text.indexOf('"run_id": "') + 15;
  const dir = await runDir({ "manifest.json": text.slice(0, cut) });
  try {
    const line = text.slice(0, cut).split("\n").length;
    await rejectsWith(
      () => readManifest(dir),
      join(dir, "manifest.json"),
      new RegExp(
        `^not valid JSON \\(it ends in the middle of a string at line ${line}, column \\d+, position ${cut}\\), ` +
          "expected a tagbench manifest",
      ),
    );
    await Deno.writeTextFile(join(dir, "manifest.json"), text.slice(0, text.indexOf('"suite":') - 1));
    await rejectsWith(
      () => readManifest(dir),
      join(dir, "manifest.json"),
      /^not valid JSON \(it ends before/,
    );
    await Deno.writeTextFile(join(dir, "manifest.json"), "");
    await rejectsWith(
      () => readManifest(dir),
      join(dir, "manifest.json"),
      "not valid JSON (it is empty), expected a tagbench manifest (a JSON object)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readManifest / readResults: a file of the wrong top-level type", async () => {
  const dir = await runDir({ "manifest.json": [1, 2], "results.json": '"rows"' });
  try {
    await rejectsWith(
      () => readManifest(dir),
      join(dir, "manifest.json"),
      "it is a list, expected a tagbench manifest (a JSON object)",
    );
    await rejectsWith(
      () => readResults(dir),
      join(dir, "results.json"),
      "it is a string, expected tagbench result rows (a JSON object with rows)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readResults: rows that are not a list, a row field of the wrong type", async () => {
  const { results } = await goodRun();
  const dir = await runDir({ "results.json": { schema_version: 2, rows: "none" } });
  const path = join(dir, "results.json");
  try {
    await rejectsWith(() => readResults(dir), path, '"rows" is a string, expected a list of result rows');
    await Deno.writeTextFile(path, JSON.stringify({ schema_version: 2 }));
    await rejectsWith(() => readResults(dir), path, '"rows" is missing, expected a list of result rows');
    const rows = results.rows as Record<string, unknown>[];
    rows[3] = { ...rows[3], seed: "a" };
    await Deno.writeTextFile(path, JSON.stringify(results));
    await rejectsWith(() => readResults(dir), path, 'rows[3].seed is "a", expected a number');
    rows[3] = { ...rows[3], seed: 1, metrics: { "test/f1": "high" } };
    rows[1] = { ...rows[1], progress_unit: "lap" };
    await Deno.writeTextFile(path, JSON.stringify(results));
    await rejectsWith(
      () => readResults(dir),
      path,
      'rows[1].progress_unit is "lap", expected one of "epoch", "iteration", "step" (and 1 more problem)',
    );
    rows[1] = { ...rows[1], progress_unit: "epoch" };
    await Deno.writeTextFile(path, JSON.stringify(results));
    await rejectsWith(
      () => readResults(dir),
      path,
      'rows[3].metrics["test/f1"] is "high", expected a number',
    );
    // schema 1: the P/R/F1 columns are checked before the upgrade
    await Deno.writeTextFile(path, JSON.stringify({ rows: [{ ...rows[0], dev_f1: "x" }] }));
    await rejectsWith(
      () => readResults(dir),
      path,
      /^rows\[0\]\.selected_epoch is missing, expected a number/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readManifest: a missing or mistyped required field", async () => {
  const { manifest } = await goodRun();
  const { suite: _, ...noSuite } = manifest;
  const dir = await runDir({ "manifest.json": noSuite });
  const path = join(dir, "manifest.json");
  try {
    await rejectsWith(() => readManifest(dir), path, '"suite" is missing, expected a string');
    await Deno.writeTextFile(path, JSON.stringify({ ...manifest, status: "done" }));
    await rejectsWith(
      () => readManifest(dir),
      path,
      '"status" is "done", expected one of "running", "complete", "interrupted"',
    );
    const cells = structuredClone(manifest.cells) as Record<string, unknown>[];
    cells[0].seeds = "1,2";
    await Deno.writeTextFile(path, JSON.stringify({ ...manifest, cells }));
    await rejectsWith(() => readManifest(dir), path, "cells[0].seeds is a string, expected a list");
    await Deno.writeTextFile(
      path,
      JSON.stringify({ ...manifest, timings: { ...manifest.timings as object, units_done: null } }),
    );
    await rejectsWith(() => readManifest(dir), path, "timings.units_done is null, expected a number");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readManifest / readResults / readManifestHead: a schema version newer than this code knows", async () => {
  const { manifest, results } = await goodRun();
  const newer = SCHEMA_VERSION + 1;
  const dir = await runDir({
    "manifest.json": { ...manifest, schema_version: newer },
    "results.json": { ...results, schema_version: newer },
  });
  const problem =
    `schema_version is ${newer}, expected at most ${SCHEMA_VERSION} (a newer tagbench wrote it: ` +
    "update tagbench to read this run)";
  try {
    await rejectsWith(() => readManifest(dir), join(dir, "manifest.json"), problem);
    await rejectsWith(() => readManifestHead(dir), join(dir, "manifest.json"), problem);
    await rejectsWith(() => readResults(dir), join(dir, "results.json"), problem);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readManifestHead: only the run's identity is checked", async () => {
  const dir = await runDir({
    "manifest.json": { schema_version: 2, suite: "datnet", run_id: "r", profile: 3 },
  });
  try {
    assert.deepEqual(await readManifestHead(dir), {
      schema_version: 2,
      suite: "datnet",
      run_id: "r",
      profile: 3,
    });
    await Deno.writeTextFile(
      join(dir, "manifest.json"),
      JSON.stringify({ schema_version: 2, suite: "datnet" }),
    );
    await rejectsWith(
      () => readManifestHead(dir),
      join(dir, "manifest.json"),
      '"run_id" is missing, expected a string',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run directory without results.json has no rows; one without manifest.json is not a run", async () => {
  const dir = await runDir({});
  try {
    assert.deepEqual(await readResults(dir), []);
    await assert.rejects(
      () => readManifest(dir),
      /it has no manifest\.json, expected a tagbench run directory/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jsonPath writes a value's path as code would", () => {
  assert.equal(jsonPath(["rows", 3, "seed"]), "rows[3].seed");
  assert.equal(jsonPath(["rows", 0, "metrics", "test/f1"]), 'rows[0].metrics["test/f1"]');
  assert.equal(jsonPath([2]), "[2]");
});

Deno.test("jsonSyntaxProblem: the parser's message in plain words, with line and column", () => {
  const problem = (text: string) => {
    try {
      JSON.parse(text);
    } catch (e) {
      return jsonSyntaxProblem(text, (e as Error).message);
    }
  };
  assert.equal(problem('{"a": "abc'), "it ends in the middle of a string at line 1, column 11, position 10");
  assert.equal(problem("  \n"), "it is empty");
  assert.equal(
    problem('{\n  "a": 1,\n  "b": 2'),
    "it ends before the JSON does (truncated?): expected ',' or '}' after property value at line 3, column 9, " +
      "position 20",
  );
  assert.equal(
    problem('{\n  "a": 1,\n}\n'),
    "expected double-quoted property name at line 3, column 1, position 12",
  );
  assert.equal(problem("nope"), 'unexpected "o"');
});
