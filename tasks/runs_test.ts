import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { UsageError } from "../harness/cli.ts";
import {
  findRunDirs,
  listRuns,
  parseRunsArgs,
  RUNS_COLUMNS,
  runsCsv,
  runsFooter,
  runsTable,
  verdictCounts,
} from "./runs.ts";

const SCRIPT = fileURLToPath(new URL("./runs.ts", import.meta.url));

interface FixtureRun {
  suite: string;
  runId: string;
  /** Folder name under `<suite>/` (default: the run id). */
  folder?: string;
  profile?: string;
  protocol?: string;
  status?: string;
  dirty?: boolean;
  done?: number;
  total?: number;
  /** Verdicts of audit.csv, one per row; absent: no audit.csv. */
  audit?: string[];
  /** Verdicts of audit_relative.csv; absent: no such file. */
  relative?: string[];
}

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

function auditCsv(verdicts: string[]): string {
  return ["claim,table,verdict,reason", ...verdicts.map((v, i) => `c${i},T2,${v},"x, y"`)].join("\n") + "\n";
}

async function writeRun(root: string, r: FixtureRun): Promise<string> {
  const dir = join(root, r.suite, r.folder ?? r.runId);
  await Deno.mkdir(dir, { recursive: true });
  const manifest = {
    schema_version: 2,
    suite: r.suite,
    run_id: r.runId,
    status: r.status ?? "complete",
    git: { commit: COMMIT, dirty: r.dirty ?? false },
    backend: { name: "wasm", device: "cpu" },
    profile: r.profile ?? "smoke",
    protocol: r.protocol ?? "paper",
    timings: { units_done: r.done ?? 4, units_total: r.total ?? 4, wall_seconds: 1, started_at: "" },
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  if (r.audit) await Deno.writeTextFile(join(dir, "audit.csv"), auditCsv(r.audit));
  if (r.relative) await Deno.writeTextFile(join(dir, "audit_relative.csv"), auditCsv(r.relative));
  return dir;
}

/** A results root with four runs of two suites, written out of order, plus a folder that is no run. */
async function fixture(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "tagbench-runs-" });
  const results = join(root, "results");
  await writeRun(results, {
    suite: "yang2017",
    runId: "20260102T000000Z-bbbbbbb",
    profile: "nightly",
    audit: ["not run", "reproduced", "not run"],
  });
  await writeRun(results, {
    suite: "datnet",
    runId: "20260103T000000Z-ccccccc",
    status: "running",
    dirty: true,
    done: 13,
    total: 36,
    audit: ["not run", "not comparable", "not reproduced", "reproduced", "not comparable", "odd"],
    relative: ["reproduced", "not comparable"],
  });
  await writeRun(results, { suite: "datnet", runId: "20260101T000000Z-aaaaaaa" });
  await writeRun(results, {
    suite: "datnet",
    runId: "20260103T000000Z-ccccccc",
    folder: "20260103T000000Z-ccccccc-clean",
    protocol: "clean",
    audit: [],
  });
  await Deno.mkdir(join(results, "bench", "20260101T000000Z-x"), { recursive: true });
  await Deno.writeTextFile(join(results, "bench", "20260101T000000Z-x", "bench.csv"), "shape\nS1\n");
  return root;
}

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code, stdout: dec.decode(stdout), stderr: dec.decode(stderr) };
}

Deno.test("verdictCounts: the four verdicts in order, then others; zero counts left out", () => {
  assert.equal(
    verdictCounts(
      auditCsv(["not run", "not comparable", "reproduced", "not run", "other", "not reproduced"]),
    ),
    "reproduced 1, not reproduced 1, not comparable 1, not run 2, other 1",
  );
  assert.equal(verdictCounts(auditCsv(["not run"])), "not run 1");
  assert.equal(verdictCounts(auditCsv([])), "no claims");
  assert.throws(() => verdictCounts("claim,table\nc1,T2\n"), /no verdict column/);
});

Deno.test("listRuns: one summary per run directory, sorted by suite then run id, with the manifest's facts", async () => {
  const root = await fixture();
  try {
    const warnings: string[] = [];
    const runs = await listRuns(join(root, "results"), { warn: (l) => warnings.push(l) });
    assert.deepEqual(warnings, []);
    assert.deepEqual(runs.map((r) => [r.suite, r.runId, r.protocol]), [
      ["datnet", "20260101T000000Z-aaaaaaa", "paper"],
      ["datnet", "20260103T000000Z-ccccccc", "paper"],
      ["datnet", "20260103T000000Z-ccccccc", "clean"],
      ["yang2017", "20260102T000000Z-bbbbbbb", "paper"],
    ]);
    const [plain, running, clean, yang] = runs;
    assert.equal(plain.commit, "0123456789ab");
    assert.equal(plain.units, "4/4");
    assert.equal(plain.complete, true);
    assert.equal(plain.verdicts, "–", "no audit.csv");
    assert.equal(plain.relative, "–", "no audit_relative.csv");
    assert.equal(running.commit, "0123456789ab+dirty");
    assert.equal(running.units, "13/36");
    assert.equal(running.complete, false, "status running is incomplete");
    assert.equal(running.backend, "wasm");
    assert.equal(running.verdicts, "reproduced 1, not reproduced 1, not comparable 2, not run 1, odd 1");
    assert.equal(running.relative, "reproduced 1, not comparable 1");
    assert.equal(clean.verdicts, "no claims");
    assert.equal(clean.dir, join(root, "results", "datnet", "20260103T000000Z-ccccccc-clean"));
    assert.equal(yang.profile, "nightly");
    assert.equal(yang.verdicts, "reproduced 1, not run 2");
    assert.equal(yang.relative, "–");
    assert.equal(runsFooter(runs), "4 runs (3 complete, 1 incomplete)");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("listRuns: filters by suite; DIR may be a suite folder, a run folder, or a folder above the root", async () => {
  const root = await fixture();
  try {
    const ids = async (dir: string, suite?: string) =>
      (await listRuns(dir, { suite, warn: () => {} })).map((r) => `${r.suite}/${r.runId}/${r.protocol}`);
    assert.deepEqual(await ids(join(root, "results"), "yang2017"), [
      "yang2017/20260102T000000Z-bbbbbbb/paper",
    ]);
    assert.deepEqual(await ids(join(root, "results", "datnet")), [
      "datnet/20260101T000000Z-aaaaaaa/paper",
      "datnet/20260103T000000Z-ccccccc/paper",
      "datnet/20260103T000000Z-ccccccc/clean",
    ]);
    assert.deepEqual(await ids(join(root, "results", "datnet", "20260101T000000Z-aaaaaaa")), [
      "datnet/20260101T000000Z-aaaaaaa/paper",
    ]);
    assert.equal((await ids(root)).length, 4, "root/results/<suite>/<run> is within the default depth");
    assert.deepEqual(await findRunDirs(root, 2, () => {}), [], "depth 2 stops above the run folders");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runsTable and runsCsv: aligned columns with the footer; CSV columns and empty absent cells", async () => {
  const root = await fixture();
  try {
    const runs = await listRuns(join(root, "results"), { warn: () => {} });
    const table = runsTable(runs).split("\n");
    assert.match(
      table[0],
      /^suite +run id +profile +protocol +backend +commit +units +status +verdicts +relative$/,
    );
    assert.equal(table.length, 1 + 4 + 2);
    assert.match(
      table[2],
      /^datnet +20260103T000000Z-ccccccc +smoke +paper +wasm +0123456789ab\+dirty +13\/36 +incomplete /,
    );
    assert.equal(table.at(-1), "4 runs (3 complete, 1 incomplete)");
    assert.equal(runsTable([]), "0 runs (0 complete, 0 incomplete)");
    const rows = parse(runsCsv(runs)) as string[][];
    assert.deepEqual(rows[0], [...RUNS_COLUMNS]);
    assert.deepEqual(rows[0], [
      "suite",
      "run_id",
      "profile",
      "protocol",
      "backend",
      "commit",
      "units",
      "status",
      "verdicts",
      "relative",
      "dir",
    ]);
    assert.deepEqual(rows[1].slice(0, 10), [
      "datnet",
      "20260101T000000Z-aaaaaaa",
      "smoke",
      "paper",
      "wasm",
      "0123456789ab",
      "4/4",
      "complete",
      "",
      "",
    ]);
    assert.deepEqual(rows[2].slice(7, 10), [
      "incomplete",
      "reproduced 1, not reproduced 1, not comparable 2, not run 1, odd 1",
      "reproduced 1, not comparable 1",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parseRunsArgs: an existing directory is DIR, anything else a suite checked against the registry", async () => {
  const root = await fixture();
  try {
    const results = join(root, "results");
    assert.deepEqual(await parseRunsArgs([]), {
      suite: undefined,
      dir: "results",
      format: "table",
      help: false,
    });
    assert.deepEqual(await parseRunsArgs(["datnet", "--format", "csv"]), {
      suite: "datnet",
      dir: "results",
      format: "csv",
      help: false,
    });
    assert.equal((await parseRunsArgs([results])).dir, results);
    assert.equal((await parseRunsArgs([results])).suite, undefined);
    assert.deepEqual(
      [(await parseRunsArgs(["yang2017", results])).suite, (await parseRunsArgs(["yang2017", results])).dir],
      ["yang2017", results],
    );
    await assert.rejects(parseRunsArgs(["datnett"]), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.match(
        e.message,
        /Unknown suite "datnett".* Did you mean "datnet"\? Known suites: datnet, perl2020, yang2017/,
      );
      return true;
    });
    await assert.rejects(parseRunsArgs(["mlma2019"]), /planned but not implemented yet/);
    await assert.rejects(parseRunsArgs([join(root, "nowhere")]), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.message, `The directory "${join(root, "nowhere")}" does not exist.`);
      return true;
    });
    await assert.rejects(parseRunsArgs(["datnet", join(root, "nowhere")]), /does not exist/);
    await assert.rejects(parseRunsArgs(["--format", "json"]), UsageError);
    await assert.rejects(parseRunsArgs(["datnet", results, "x"]), UsageError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deno task runs: default results/, suite filter, CSV, corrupt manifest warning, usage errors", async () => {
  const root = await fixture();
  try {
    const all = await cli([], root);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stderr, "");
    assert.match(all.stdout, /\n4 runs \(3 complete, 1 incomplete\)\n$/);

    const yang = await cli(["yang2017"], root);
    assert.equal(yang.code, 0, yang.stderr);
    assert.deepEqual(yang.stdout.trim().split("\n").map((l) => l.split(/ +/)[0]), [
      "suite",
      "yang2017",
      "",
      "1",
    ]);

    const csv = await cli(["datnet", "results", "--format", "csv"], root);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = parse(csv.stdout) as string[][];
    assert.deepEqual(rows[0], [...RUNS_COLUMNS]);
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ["datnet", "datnet", "datnet"]);

    const corrupt = join(root, "results", "datnet", "20260104T000000Z-ddddddd", "manifest.json");
    await Deno.mkdir(join(corrupt, ".."), { recursive: true });
    await Deno.writeTextFile(corrupt, '{"suite": "datnet", "run_id": ');
    const warned = await cli([], root);
    assert.equal(warned.code, 0, warned.stderr);
    const lines = warned.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1);
    assert.ok(
      lines[0].startsWith(`warning: skipping ${join("results", "datnet", "20260104T000000Z-ddddddd")}`),
    );
    assert.ok(lines[0].includes("manifest.json"));
    assert.match(warned.stdout, /\n4 runs \(3 complete, 1 incomplete\)\n$/);

    const unknown = await cli(["nosuch"], root);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, "");
    assert.match(
      unknown.stderr,
      /^error: Unknown suite "nosuch".*Known suites: datnet, perl2020, yang2017\n$/,
    );

    const missing = await cli(["./nowhere"], root);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'error: The directory "./nowhere" does not exist.\n');
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
