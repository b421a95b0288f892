import assert from "node:assert/strict";
import { join } from "node:path";
import {
  calibrationEntries,
  calibrationPath,
  committedThroughputs,
  loadCalibration,
  mergeCalibration,
  readCalibrationFile,
  writeCalibration,
} from "./calibration.ts";
import { defineSuite, type SuiteDeclaration, type SuiteTypes } from "./define.ts";
import {
  type Calibration,
  CONFIRM_ABOVE_SECONDS,
  DISK_BYTES,
  EVAL_SPEEDUP,
  formatBytes,
  formatEstimate,
  formatPlanSummary,
  isYes,
  type PlannedUnits,
  refusalMessage,
  RUN_OVERHEAD_SECONDS,
  startDecision,
  summarizePlan,
  UNIT_OVERHEAD_SECONDS,
  unitSeconds,
} from "./plan_summary.ts";
import { summarizeRun } from "./runner.ts";

/** A toy calibration: shape A trains 1,000 tok/s (calibrated here), shape B 500 tok/s (a committed bench.csv). */
const CAL: Calibration = {
  backend: "wasm",
  shapes: {
    A: {
      tokensPerSec: 1000,
      source: "~/.cache/tagbench/calibration.json",
      calibrated: true,
      machine: { hostname: "box", cpu: "Toy CPU", cores: 2, date: "2026-12-01T10:00:00Z" },
    },
    B: {
      tokensPerSec: 500,
      source: "results/bench/20260101T000000Z-abc1234/bench.csv",
      calibrated: false,
      machine: { cpu: "Other CPU", cores: 8, date: "2026-01-01T00:00:00Z" },
    },
  },
};

Deno.test("unitSeconds: overhead + train tokens / tps + eval tokens / (3 · tps); unknown shape → undefined", () => {
  const e = unitSeconds({ shape: "A", trainTokens: 60_000, evalTokens: 30_000 }, CAL)!;
  assert.equal(EVAL_SPEEDUP, 3);
  assert.equal(e.trainSeconds, 60);
  assert.equal(e.evalSeconds, 10);
  assert.equal(e.seconds, 70 + UNIT_OVERHEAD_SECONDS);
  assert.equal(unitSeconds({ shape: "B", trainTokens: 500, evalTokens: 0 }, CAL)!.trainSeconds, 1);
  assert.equal(unitSeconds({ shape: "S9", trainTokens: 1, evalTokens: 1 }, CAL), undefined);
  assert.throws(() => unitSeconds({ shape: "A", trainTokens: -1, evalTokens: 0 }, CAL), RangeError);
  assert.throws(() => unitSeconds({ shape: "A", trainTokens: NaN, evalTokens: 0 }, CAL), RangeError);
});

const CELLS: PlannedUnits[] = [
  {
    cell: "t1/a",
    experiment: "table1",
    seeds: 3,
    done: 0,
    workload: { shape: "A", trainTokens: 9000, evalTokens: 3000, logEntries: 10 },
  },
  {
    cell: "t1/b",
    experiment: "table1",
    seeds: 10,
    done: 0,
    workload: { shape: "B", trainTokens: 500, evalTokens: 0 },
  },
  {
    cell: "f2/a",
    experiment: "figure2",
    seeds: 3,
    done: 0,
    workload: { shape: "A", trainTokens: 0, evalTokens: 0 },
  },
];

Deno.test("summarizePlan: units, seconds and disk per experiment and in total", () => {
  const s = summarizePlan(
    {
      suite: "toy",
      version: "1.0",
      profile: "paper",
      protocol: "clean",
      backend: "wasm",
      cells: CELLS,
      skipped: 4,
    },
    CAL,
  );
  const perUnit = { a: 1 + 9 + 1, b: 1 + 1, f: 1 };
  assert.deepEqual(s.unitSeconds, { "t1/a": perUnit.a, "t1/b": perUnit.b, "f2/a": perUnit.f });
  assert.deepEqual(s.experiments, [
    {
      experiment: "table1",
      cells: 2,
      seeds: [3, 10],
      units: 13,
      done: 0,
      seconds: 3 * perUnit.a + 10 * perUnit.b,
      unestimated: 0,
    },
    {
      experiment: "figure2",
      cells: 1,
      seeds: [3, 3],
      units: 3,
      done: 0,
      seconds: 3 * perUnit.f,
      unestimated: 0,
    },
  ]);
  assert.equal(s.units, 16);
  assert.equal(s.toRun, 16);
  assert.equal(s.seconds, 3 * perUnit.a + 10 * perUnit.b + 3 * perUnit.f + RUN_OVERHEAD_SECONDS);
  assert.equal(s.trainSeconds, 3 * 9 + 10 * 1);
  assert.equal(s.evalSeconds, 3 * 1);
  const rows = 16 * DISK_BYTES.unit + 3 * 10 * DISK_BYTES.logEntry;
  assert.equal(s.diskBytes, DISK_BYTES.run + 3 * DISK_BYTES.cell + 4 * DISK_BYTES.skipped + rows);
  assert.equal(s.bytesPerUnit, rows / 16);
  assert.deepEqual(s.shapes.map((x) => [x.shape, x.throughput?.tokensPerSec]), [["A", 1000], ["B", 500]]);
});

Deno.test("summarizePlan: a resumed run counts only the units not yet done; unknown shapes and no cost model", () => {
  const resumed = summarizePlan({
    suite: "toy",
    version: "1.0",
    profile: "paper",
    protocol: "paper",
    backend: "wasm",
    cells: [{ ...CELLS[0], done: 2 }, { ...CELLS[1], done: 10 }, {
      ...CELLS[2],
      workload: { shape: "Z", trainTokens: 1, evalTokens: 1 },
    }],
    skipped: 0,
    resume: true,
  }, CAL);
  assert.equal(resumed.done, 12);
  assert.equal(resumed.toRun, 4);
  assert.equal(resumed.unestimated, 3);
  assert.equal(resumed.seconds, 11 + RUN_OVERHEAD_SECONDS); // one unit of t1/a; f2/a's shape Z is unknown
  assert.equal(resumed.experiments[0].seconds, 11);
  assert.equal(resumed.experiments[1].unestimated, 3);
  assert.equal(resumed.diskBytes, 4 * DISK_BYTES.unit + 10 * DISK_BYTES.logEntry); // no manifest/audit again
  const text = formatPlanSummary(resumed);
  assert.match(text, /resuming: 12 of 16 units done/);
  assert.match(text, /^ {2}experiment\s+cells\s+seeds\s+units\s+to run\s+est\. time$/m);
  assert.match(text, /^ {2}table1\s+2\s+3–10\s+13\s+1\s+11s$/m);
  assert.match(text, /^ {2}figure2\s+1\s+3\s+3\s+3\s+\?$/m);
  assert.match(text, /^ {2}total\s+3\s+16\s+4\s+31s\+\?$/m);
  assert.match(text, /no throughput of shape Z on backend wasm: .*deno task bench --shapes Z --backend wasm/);

  const none = summarizePlan({
    suite: "toy",
    version: "1.0",
    profile: "smoke",
    protocol: "paper",
    backend: "cpu",
    cells: CELLS.map(({ workload: _w, ...c }) => c),
    skipped: 0,
    notes: ["no estimate for x: boom"],
  }, undefined);
  assert.equal(none.seconds, undefined);
  assert.equal(none.noCostModel, true);
  const t = formatPlanSummary(none);
  assert.match(t, /no time estimate: suite toy declares no cost model/);
  assert.match(t, /note: no estimate for x: boom/);
  assert.doesNotMatch(t, /assumes:/);
});

Deno.test("formatPlanSummary: the table, the split, the disk and where each throughput comes from", () => {
  const s = summarizePlan(
    {
      suite: "toy",
      version: "1.0",
      profile: "paper",
      protocol: "clean",
      backend: "wasm",
      cells: CELLS,
      skipped: 4,
    },
    CAL,
  );
  const lines = formatPlanSummary(s).split("\n");
  assert.deepEqual(lines.slice(0, 5), [
    "plan: toy v1.0, profile paper, protocol clean, backend wasm: 3 cells planned, 4 not run",
    "  experiment  cells  seeds  units  est. time",
    "  table1          2   3–10     13        53s",
    "  figure2         1      3      3         3s",
    "  total           3            16      1m16s",
  ]);
  const text = lines.join("\n");
  assert.match(text, /estimated wall time 1m16s for 16 units: training 37s, evaluation 3s, overhead 36s/);
  assert.match(text, /disk: ≈ 408 kB \(5 kB per unit \+ 330 kB manifest and audit\)/);
  assert.match(
    text,
    /throughput: A 1,000 tok\/s on wasm, calibrated: ~\/\.cache\/tagbench\/calibration\.json \(box, Toy CPU, 2 cores, 2026-12-01\)/,
  );
  assert.match(
    text,
    /throughput: B 500 tok\/s on wasm, UNCALIBRATED for this machine: from results\/bench\/20260101T000000Z-abc1234\/bench\.csv \(Other CPU, 8 cores, 2026-01-01\); run `deno task bench` to calibrate/,
  );
  assert.match(text, /assumes: every unit runs its whole budget \(no early stopping\)/);
});

Deno.test("formatEstimate / formatBytes", () => {
  assert.deepEqual(
    [0, 45, 77, 599, 600, 3599, 3600, 3661, 47 * 3600 + 59 * 60, 48 * 3600, 193 * 86400 + 6 * 3600].map(
      formatEstimate,
    ),
    [
      "0s",
      "45s",
      "1m17s",
      "9m59s",
      "10m",
      "60m",
      "1h00m",
      "1h01m",
      "47h59m",
      "2d00h",
      "193d06h",
    ],
  );
  assert.equal(formatEstimate(NaN), "?");
  assert.deepEqual([10, 999_499, 1_200_000, 3.14e9].map(formatBytes), ["1 kB", "999 kB", "1.2 MB", "3.1 GB"]);
});

Deno.test("the 24-hour rule: --yes or an explicit --profile starts; else ask on a terminal, refuse otherwise", () => {
  const over = CONFIRM_ABOVE_SECONDS + 1;
  const o = { yes: false, explicitProfile: false, terminal: false };
  assert.equal(CONFIRM_ABOVE_SECONDS, 86400);
  assert.equal(startDecision(CONFIRM_ABOVE_SECONDS, o), "start");
  assert.equal(startDecision(undefined, o), "start");
  assert.equal(startDecision(over, o), "refuse");
  assert.equal(startDecision(over, { ...o, terminal: true }), "ask");
  assert.equal(startDecision(over, { ...o, yes: true }), "start");
  assert.equal(startDecision(over, { ...o, explicitProfile: true }), "start");
  assert.deepEqual(["y", "Y", " yes\n", "YES", "", "n", "no", "yess", null].map(isYes), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
    false,
  ]);
  const s = summarizePlan({
    suite: "toy",
    version: "1",
    profile: "paper",
    protocol: "paper",
    backend: "wasm",
    cells: [{
      cell: "c",
      experiment: "e",
      seeds: 1,
      done: 0,
      workload: { shape: "A", trainTokens: 1e8, evalTokens: 0 },
    }],
    skipped: 0,
  }, CAL);
  assert.equal(
    refusalMessage(s),
    "the run is estimated at 27h47m, over 24 hours: pass --yes to start it (or choose the profile explicitly " +
      "with --profile paper; --plan shows the plan without running)",
  );
});

Deno.test("calibration file: path, merge, write and read back; an unreadable file is a note, not a failure", async () => {
  assert.equal(
    calibrationPath((k) => ({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" })[k]),
    "/x/cache/tagbench/calibration.json",
  );
  assert.equal(calibrationPath((k) => ({ HOME: "/home/u" })[k]), "/home/u/.cache/tagbench/calibration.json");
  const facts = { hostname: "box", cpu: "Toy CPU", cores: 2, date: "2026-12-01T10:00:00Z" };
  const entries = calibrationEntries(
    [
      { shape: "S1", backend: "wasm", impl: "tagbench", tokens_per_s_median: 1234.6, blas: "OpenBLAS" },
      { shape: "S1", backend: "torch-cpu", impl: "pytorch", tokens_per_s_median: 999 },
      { shape: "S2", backend: "wasm", impl: "tagbench", error: "out of memory" },
    ],
    facts,
    "/tmp/b/bench.csv",
  );
  assert.deepEqual(entries, [
    {
      shape: "S1",
      backend: "wasm",
      tokens_per_s: 1235,
      ...facts,
      blas: "OpenBLAS",
      bench: "/tmp/b/bench.csv",
    },
  ]);
  const merged = mergeCalibration(
    {
      schema: 1,
      entries: [{ shape: "S1", backend: "wasm", tokens_per_s: 1 }, {
        shape: "S2",
        backend: "cpu",
        tokens_per_s: 7,
      }],
    },
    [...entries, { shape: "S3", backend: "wasm", tokens_per_s: NaN }],
  );
  assert.deepEqual(merged.entries.map((e) => [e.backend, e.shape, e.tokens_per_s]), [["cpu", "S2", 7], [
    "wasm",
    "S1",
    1235,
  ]]);

  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "cache", "tagbench", "calibration.json");
    assert.equal(await readCalibrationFile(path), undefined);
    await writeCalibration(entries, path);
    await writeCalibration([{ shape: "S2", backend: "wasm", tokens_per_s: 300 }], path);
    assert.deepEqual((await readCalibrationFile(path))!.entries.map((e) => e.shape), ["S1", "S2"]);
    const benchDir = join(dir, "bench");
    const cal = await loadCalibration("wasm", ["S1", "S9"], { path, benchDir });
    assert.equal(cal.shapes.S1.tokensPerSec, 1235);
    assert.equal(cal.shapes.S1.calibrated, true);
    assert.equal(cal.shapes.S9, undefined);
    await Deno.writeTextFile(path, "{not json");
    const broken = await loadCalibration("wasm", ["S1"], { path, benchDir });
    assert.equal(broken.shapes.S1, undefined);
    assert.match(
      broken.notes![0],
      /calibration file ignored: Cannot read ".*calibration\.json": not valid JSON \(/,
    );
    await Deno.writeTextFile(path, JSON.stringify({ rows: [] }));
    await assert.rejects(() => readCalibrationFile(path), /is not a tagbench calibration file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const BENCH_HEADER = "shape,backend,impl,tokens_per_s_median,blas,error\n";

Deno.test("committed bench.csv fallback: the newest run that measured each shape, tagbench rows without error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = async (id: string, csv: string, cpu: string) => {
      await Deno.mkdir(join(dir, id));
      await Deno.writeTextFile(join(dir, id, "bench.csv"), BENCH_HEADER + csv);
      await Deno.writeTextFile(
        join(dir, id, "bench.json"),
        JSON.stringify({ cpu, cores: 4, started: `${id.slice(0, 4)}-01-01` }),
      );
    };
    await run("20250101T000000Z-aaaaaaa", "S1,wasm,tagbench,100,,\nS2,wasm,tagbench,50,,\n", "Old CPU");
    await run(
      "20260101T000000Z-bbbbbbb",
      "S1,wasm,tagbench,200,OpenBLAS,\nS1,torch-cpu,pytorch,900,,\nS2,wasm,tagbench,,,boom\n",
      "New CPU",
    );
    const t = await committedThroughputs("wasm", ["S1", "S2", "S3"], dir);
    assert.deepEqual(Object.keys(t).sort(), ["S1", "S2"]);
    assert.equal(t.S1.tokensPerSec, 200);
    assert.equal(t.S1.source, "results/bench/20260101T000000Z-bbbbbbb/bench.csv");
    assert.deepEqual(t.S1.machine, { cpu: "New CPU", cores: 4, date: "2026-01-01", blas: "OpenBLAS" });
    assert.equal(t.S2.tokensPerSec, 50); // the newest run's S2 row failed: the older run's is used
    assert.equal(t.S2.calibrated, false);
    assert.deepEqual(await committedThroughputs("webgpu", ["S1"], dir), {});
    assert.deepEqual(await committedThroughputs("wasm", ["S1"], join(dir, "absent")), {});
    const cal = await loadCalibration("wasm", ["S1"], { path: join(dir, "none.json"), benchDir: dir });
    assert.equal(cal.shapes.S1.calibrated, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

interface ToyTypes extends SuiteTypes {
  settings: { size: number };
  profile: Record<string, never>;
  config: { size: number; epochs: number };
  dataset: { title: string };
  variant: Record<string, never>;
}

/** A toy declaration whose workload is `size × epochs` tokens of shape A (10 evaluation tokens per epoch). */
function toyDeclaration(): SuiteDeclaration<ToyTypes> {
  const cells = [1, 2, 3].map((size) => ({ id: `t/${size}`, settings: { size } }));
  const protocol = {
    scorer: "conlleval",
    tagScheme: "IOB2",
    subset: "first-k",
    selection: "max dev/f1",
    patience: 0,
    notes: {},
  };
  const profile = (epochs: number) => ({
    description: "",
    includes: () => true,
    budget: { epochs },
    settings: {},
  });
  return {
    id: "toy",
    version: "1.0",
    paper: { title: "Toy", citation: "Nobody", papers: [] },
    claims: new URL("data:text/csv,id"),
    datasets: {},
    variants: {},
    experiments: [{ id: "table1", title: "T1", source: "p. 1", cells: cells.slice(0, 2) }, {
      id: "figure1",
      title: "F1",
      source: "p. 2",
      cells: cells.slice(1),
    }],
    protocols: { paper: { ...protocol, seeds: 3 }, clean: { ...protocol, seeds: 5 } },
    profiles: { smoke: { ...profile(1), seeds: 1 }, nightly: profile(10), paper: profile(100) },
    budget: { epochs: { description: "epochs" } },
    resources: [],
    reference: { cell: "t/1", profile: "smoke", protocol: "paper", budget: { epochs: 1 } },
    hooks: {
      cellConfig: (c, ctx) => ({ size: c.settings.size, epochs: ctx.budget.epochs! }),
      cellDeviations: () => [],
      cellDatasets: () => [],
      workload: (cfg) => ({
        shape: "A",
        trainTokens: cfg.size * cfg.epochs * 1000,
        evalTokens: cfg.epochs * 30,
        logEntries: cfg.epochs,
      }),
      trainCell: () => Promise.reject(new Error("no training in a plan")),
    },
  };
}

Deno.test("summarizeRun: a toy declaration's workload hook under a budget override, from a calibration file", async () => {
  const suite = defineSuite(toyDeclaration());
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "calibration.json");
    await writeCalibration(
      [{ shape: "A", backend: "wasm", tokens_per_s: 1000, hostname: Deno.hostname() }],
      path,
    );
    const opts = {
      suite,
      profile: "nightly",
      protocol: "paper",
      dataDir: "",
      backend: "wasm",
      budget: { epochs: 2 },
    } as const;
    const s = await summarizeRun(opts, { path, benchDir: join(dir, "none") });
    // Per unit: 1 s overhead + size·2 s training + 2·30 / 3000 s evaluation; 3 seeds per cell.
    const round = (x: number) => Math.round(x * 1000) / 1000;
    assert.deepEqual(Object.entries(s.unitSeconds).map(([k, v]) => [k, round(v)]), [
      ["t/1", 3.02],
      ["t/2", 5.02],
      ["t/3", 7.02],
    ]);
    assert.deepEqual(s.experiments.map((e) => [e.experiment, e.cells, e.units]), [["table1", 2, 6], [
      "figure1",
      1,
      3,
    ]]);
    assert.equal(round(s.seconds!), round(3 * (3.02 + 5.02 + 7.02) + RUN_OVERHEAD_SECONDS));
    assert.equal(s.shapes[0].throughput?.calibrated, true);
    const smoke = await summarizeRun({ ...opts, profile: "smoke", budget: undefined }, {
      path,
      benchDir: dir,
    });
    assert.equal(smoke.units, 3);
    assert.equal(round(smoke.unitSeconds["t/3"]), 4.01);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const REPRODUCE = new URL("../../tasks/reproduce.ts", import.meta.url).pathname;

/** Runs `tasks/reproduce.ts` with stdin not a terminal, its own cache (no calibration) and a data dir without data. */
async function reproduceCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", REPRODUCE, ...args, "--data-dir", join(dir, "no-data")],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", XDG_CACHE_HOME: join(dir, "cache") },
      signal: AbortSignal.timeout(120_000),
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("reproduce --plan: prints the summary, reads no data and writes no run directory", async () => {
  const out = await Deno.makeTempDir();
  await Deno.remove(out);
  const r = await reproduceCli(["yang2017", "--profile", "smoke", "--plan", "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^plan: yang2017 v[\d.]+, profile smoke, protocol paper, backend wasm: 7 cells planned/,
  );
  assert.match(r.stdout, /^ {2}total\s+7\s+7\s+\S+$/m);
  assert.match(r.stdout, /UNCALIBRATED for this machine: from results\/bench\/\S+\/bench\.csv/);
  assert.equal(await Deno.stat(out).then(() => true, () => false), false);
});

Deno.test("reproduce: a run estimated over 24 hours on a non-terminal stdin exits 2 with the summary and one line", async () => {
  const out = await Deno.makeTempDir();
  await Deno.remove(out);
  const r = await reproduceCli(["datnet", "--out", out]);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  const first = lines.findIndex((l) => l.startsWith("plan: "));
  assert.match(lines[first], /^plan: datnet v[\d.]+, profile paper, protocol paper, backend wasm: /);
  assert.match(lines[first + 1], /^ {2}experiment\s+cells\s+seeds\s+units\s+est\. time$/);
  assert.match(
    lines.at(-1)!,
    /^error: the run is estimated at \d+d\d\dh, over 24 hours: pass --yes to start it/,
  );
  assert.equal(lines.filter((l) => l.startsWith("error:")).length, 1);
  assert.equal(await Deno.stat(out).then(() => true, () => false), false);
});
