/**
 * `deno task bench [--shapes S1,S2,…] [--backend wasm,cpu,webgpu] [--steps 5] [--warmup 2] [--vs-torch]
 * [--out DIR]`: training throughput of the benchmark shapes (harness/bench/shapes.ts; issue #3).
 *
 * Each (shape, backend) runs in its own Deno process, so that peak memory, compiled kernels and backend state
 * belong to that row only: `warmup` steps (the first one timed separately as `first_step_ms`), then `steps`
 * timed steps (at least 5); tokens/s per step = real tokens / step wall time, summarised as median, min and max.
 * A step is forward + CRF loss + backward + optimiser update, with the loss downloaded at the end.
 *
 * `--vs-torch` also runs `harness/bench/torch_reference.py` (the same synthetic shapes in PyTorch, one process per
 * shape) when a Python with torch is found (`TAGBENCH_PYTHON`, else `python3`, else `/usr/bin/python3`), and
 * prints tagbench ÷ PyTorch; without torch it says so and carries on. The PyTorch child gets the same
 * `OPENBLAS_CORETYPE` as tagbench's OpenBLAS (see runtime/kernels/blas.ts), so both use the same BLAS kernels,
 * and `OMP_WAIT_POLICY=PASSIVE` unless set (spinning OpenMP threads make PyTorch 10–30× slower whenever another
 * process holds a core); see harness/bench/README.md.
 *
 * Writes `results/bench/<run-id>/bench.csv` and `bench.json` (or into `--out DIR`), and adds each tagbench row's
 * median to the per-user calibration file that `reproduce`'s plan summary reads (harness/run/calibration.ts).
 * Timings move 20–40 % on a shared machine: compare ratios measured in one run.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { join, resolve } from "node:path";
import { integerAtLeast, oneOf, parseCli, runMain, UsageError } from "../harness/cli.ts";
import { gitInfo, makeRunId } from "../harness/run/git_info.ts";
import { calibrationEntries, writeCalibration } from "../harness/run/calibration.ts";
import { toCsv, writeJsonAtomic, writeTextAtomic } from "../harness/results/store.ts";
import { BACKEND_NAMES, type BackendName, initBackend } from "../runtime/backend.ts";
import { blas, blasInfo, coreTypeFromCpuFlags, describeBlas } from "../runtime/kernels/blas.ts";
import { recurrenceImpl } from "../runtime/kernels/host_rnn.ts";
import {
  type BenchShape,
  buildBenchModel,
  getShape as getShapeIn,
  SYNTHETIC_SHAPES,
} from "../harness/bench/shapes.ts";
import { SUITES } from "../suites/registry.ts";

/** Every shape, in the order the bench runs them: the synthetic S1, S2, then each suite's real models. */
export const SHAPES: readonly BenchShape[] = [
  ...SYNTHETIC_SHAPES,
  ...Object.values(SUITES).flatMap((s) => s.benchShapes ?? []),
];

/** The shape with this id. @throws {Error} naming the known ids when there is none. */
export function getShape(id: string): BenchShape {
  return getShapeIn(id, SHAPES);
}

const USAGE = `usage: deno task bench [--shapes ${
  SHAPES.map((s) => s.id).join(",")
}] [--backend wasm[,cpu,webgpu]]
                       [--steps N≥5] [--warmup N≥1] [--seed N] [--vs-torch] [--torch-threads N] [--out DIR]
  Writes results/bench/<run-id>/bench.csv|json (or DIR/bench.csv|json).
  The medians also go to the calibration file of reproduce's time estimates
  ($XDG_CACHE_HOME/tagbench/calibration.json, else ~/.cache/tagbench/calibration.json).
  Environment: TAGBENCH_BLAS=auto|openblas|off, TAGBENCH_BLAS_THREADS (1),
  TAGBENCH_BLAS_CORETYPE=pinned|fastest|<OpenBLAS core> (pinned: Haswell on AVX2), TAGBENCH_RNN=fused|graph|device,
  TAGBENCH_PYTHON (python with torch for --vs-torch).`;

/** Columns of bench.csv (the first eight are the ones issue #3 asks for). */
export const BENCH_COLUMNS = [
  "shape",
  "backend",
  "impl",
  "tokens_per_s_median",
  "tokens_per_s_min",
  "tokens_per_s_max",
  "first_step_ms",
  "peak_rss_mb",
  "vs_torch",
  "step_ms_median",
  "tokens_per_step",
  "steps",
  "warmup",
  "parameters",
  "device",
  "blas",
  "rnn",
  "error",
];

/** Parsed command line. */
export interface BenchArgs {
  shapes: BenchShape[];
  backends: BackendName[];
  steps: number;
  warmup: number;
  seed: number;
  vsTorch: boolean;
  torchThreads: number;
  out?: string;
}

/** One result row (tagbench or PyTorch). */
export interface BenchRow {
  shape: string;
  backend: string;
  impl: "tagbench" | "pytorch";
  tokens_per_s_median?: number;
  tokens_per_s_min?: number;
  tokens_per_s_max?: number;
  first_step_ms?: number;
  peak_rss_mb?: number;
  /** tagbench median ÷ PyTorch median for the same shape (tagbench rows, with --vs-torch). */
  vs_torch?: number;
  step_ms_median?: number;
  tokens_per_step?: number;
  steps?: number;
  warmup?: number;
  parameters?: number;
  device?: string;
  blas?: string;
  rnn?: string;
  /** Per-step measurements. */
  step_ms?: number[];
  tokens_per_s?: number[];
  error?: string;
  [key: string]: unknown;
}

const intFlag = (flag: string, v: string | undefined, def: number, min: number) =>
  v === undefined ? def : integerAtLeast(flag, v, min);

/**
 * Parses the command line.
 *
 * @throws {UsageError} on unknown flags (with the closest known one), shapes or backends, or steps < 5.
 */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseCli(argv, {
    shapes: { type: "string" },
    backend: { type: "string", default: "wasm" },
    steps: { type: "string" },
    warmup: { type: "string" },
    seed: { type: "string" },
    "vs-torch": { type: "boolean", default: false },
    "torch-threads": { type: "string" },
    out: { type: "string" },
  });
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter((x) => x);
  let shapes: BenchShape[];
  try {
    shapes = values.shapes ? list(values.shapes).map(getShape) : [...SHAPES];
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const backends = list(values.backend).map((b) => oneOf("backend", b, BACKEND_NAMES));
  return {
    shapes,
    backends,
    steps: intFlag("steps", values.steps, 5, 5),
    warmup: intFlag("warmup", values.warmup, 2, 1),
    seed: intFlag("seed", values.seed, 1, 0),
    vsTorch: values["vs-torch"],
    torchThreads: intFlag("torch-threads", values["torch-threads"], 2, 1),
    out: values.out,
  };
}

/** Median of a non-empty list (mean of the middle two for even length). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Summary fields of a row from its per-step times and tokens. */
export function summarize(stepMs: number[], tokens: number[]): Partial<BenchRow> {
  const tps = stepMs.map((ms, i) => tokens[i] / (ms / 1000));
  return {
    tokens_per_s: tps,
    step_ms: stepMs,
    tokens_per_s_median: median(tps),
    tokens_per_s_min: Math.min(...tps),
    tokens_per_s_max: Math.max(...tps),
    step_ms_median: median(stepMs),
    tokens_per_step: tokens.reduce((a, b) => a + b, 0) / tokens.length,
  };
}

/** Peak resident set size of this process in MB (Linux VmHWM), else the current RSS. */
export function peakRssMb(): number {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s+(\d+)\s+kB/m);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return Deno.memoryUsage().rss / 2 ** 20;
}

/**
 * Runs one shape on the current process's backend (initialised here): warm-up, then timed steps.
 * Exported for tests; the CLI calls it in a child process per row.
 */
export async function runShape(
  shape: BenchShape,
  backend: BackendName,
  steps: number,
  warmup: number,
  seed: number,
): Promise<BenchRow> {
  const info = await initBackend(backend);
  const model = buildBenchModel(shape, seed);
  try {
    let first = 0;
    for (let i = 0; i < warmup; i++) {
      const t0 = performance.now();
      const loss = await model.step();
      if (i === 0) first = performance.now() - t0;
      if (!Number.isFinite(loss)) throw new Error(`loss ${loss} in warm-up step ${i + 1}`);
    }
    const stepMs: number[] = [];
    const tokens: number[] = [];
    for (let i = 0; i < steps; i++) {
      tokens.push(model.nextTokens());
      const t0 = performance.now();
      const loss = await model.step();
      stepMs.push(performance.now() - t0);
      if (!Number.isFinite(loss)) throw new Error(`loss ${loss} in step ${i + 1}`);
    }
    return {
      shape: shape.id,
      backend,
      impl: "tagbench",
      ...summarize(stepMs, tokens),
      first_step_ms: first,
      peak_rss_mb: peakRssMb(),
      steps,
      warmup,
      parameters: model.parameters,
      device: info.device,
      blas: blas() ? describeBlas() : `off (${blasInfo().reason})`,
      rnn: recurrenceImpl(),
    };
  } finally {
    model.dispose();
  }
}

const RESULT_MARK = "BENCH_RESULT ";

/** Runs one (shape, backend) row in a child Deno process; errors become a row with `error`. */
async function runChild(shape: BenchShape, backend: BackendName, a: BenchArgs): Promise<BenchRow> {
  const job = JSON.stringify({ shape: shape.id, backend, steps: a.steps, warmup: a.warmup, seed: a.seed });
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-old-space-size=12000",
      new URL(import.meta.url).pathname,
      "--child",
      job,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const text = new TextDecoder().decode(out.stdout);
  const line = text.split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (line) return JSON.parse(line.slice(RESULT_MARK.length)) as BenchRow;
  const err = new TextDecoder().decode(out.stderr).trim().split("\n").filter((l) => l.trim()).slice(-1)[0] ??
    `exit status ${out.code}`;
  return { shape: shape.id, backend, impl: "tagbench", error: err.replace(/^error: /, "") };
}

/** A Python with torch: `TAGBENCH_PYTHON`, else `python3`, else `/usr/bin/python3`; undefined when none has it. */
export async function findTorchPython(candidates?: string[]): Promise<string | undefined> {
  const list = candidates ?? [Deno.env.get("TAGBENCH_PYTHON"), "python3", "/usr/bin/python3"].filter(
    (x): x is string => !!x,
  );
  for (const py of list) {
    try {
      const r = await new Deno.Command(py, { args: ["-c", "import torch"], stdout: "null", stderr: "null" })
        .output();
      if (r.success) return py;
    } catch {
      // not installed
    }
  }
  return undefined;
}

/** The reference script's path. */
export const TORCH_REFERENCE = new URL("../harness/bench/torch_reference.py", import.meta.url).pathname;

/** Runs the PyTorch reference for one synthetic shape; errors become a row with `error`. */
async function runTorch(python: string, shape: BenchShape, a: BenchArgs): Promise<BenchRow> {
  const env: Record<string, string> = {};
  const core = Deno.env.get("OPENBLAS_CORETYPE") ?? coreTypeFromCpuFlags(readCpuinfo());
  if (core) env.OPENBLAS_CORETYPE = core;
  // Spinning OpenMP threads stall whenever another process holds a core (10–30× slower steps on a shared
  // machine); passive waiting gives PyTorch its best multi-threaded times there.
  env.OMP_WAIT_POLICY = Deno.env.get("OMP_WAIT_POLICY") ?? "PASSIVE";
  const args = [
    TORCH_REFERENCE,
    "--shapes",
    shape.id,
    "--steps",
    String(a.steps),
    "--warmup",
    String(a.warmup),
    "--threads",
    String(a.torchThreads),
    "--seed",
    String(a.seed),
  ];
  const out = await new Deno.Command(python, { args, env, stdout: "piped", stderr: "piped" }).output();
  const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("{"));
  if (!out.success || !line) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-1)[0];
    return { shape: shape.id, backend: "torch-cpu", impl: "pytorch", error: err || `exit ${out.code}` };
  }
  const r = JSON.parse(line) as {
    step_ms: number[];
    tokens_per_step: number;
    first_step_ms: number;
    peak_rss_mb: number;
    threads: number;
    torch_version: string;
    blas: string;
  };
  return {
    shape: shape.id,
    backend: "torch-cpu",
    impl: "pytorch",
    ...summarize(r.step_ms, r.step_ms.map(() => r.tokens_per_step)),
    first_step_ms: r.first_step_ms,
    peak_rss_mb: r.peak_rss_mb,
    steps: a.steps,
    warmup: a.warmup,
    device: `PyTorch ${r.torch_version}, ${r.threads} thread${r.threads === 1 ? "" : "s"}, ` +
      `OMP_WAIT_POLICY=${env.OMP_WAIT_POLICY}`,
    blas: `${r.blas}${env.OPENBLAS_CORETYPE ? `; OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE}` : ""}`,
  };
}

/** Sets `vs_torch` on tagbench rows that have a PyTorch row for the same shape. */
export function addRatios(rows: BenchRow[]): void {
  for (const r of rows) {
    if (r.impl !== "tagbench" || r.tokens_per_s_median === undefined) continue;
    const t = rows.find((x) => x.impl === "pytorch" && x.shape === r.shape && x.tokens_per_s_median);
    if (t) r.vs_torch = r.tokens_per_s_median / t.tokens_per_s_median!;
  }
}

/** A fixed-width table of the rows for the terminal. */
export function benchTable(rows: BenchRow[]): string {
  const f = (x: number | undefined, d = 0) => (x === undefined ? "–" : x.toFixed(d));
  const header = ["shape", "backend", "impl", "tok/s med", "min", "max", "first ms", "peak MB", "vs torch"];
  const body = rows.map((r) => [
    r.shape,
    r.backend,
    r.impl,
    ...(r.error ? [`error: ${r.error}`] : [
      f(r.tokens_per_s_median),
      f(r.tokens_per_s_min),
      f(r.tokens_per_s_max),
      f(r.first_step_ms),
      f(r.peak_rss_mb),
      r.vs_torch === undefined ? "" : `${r.vs_torch.toFixed(2)}×`,
    ]),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((r) => (r.length > 4 ? r[i]?.length ?? 0 : 0)))
  );
  const line = (r: string[]) =>
    r.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [line(header), ...body.map((r) => (r.length > 4 ? line(r) : r.join("  ")))].join("\n");
}

async function childMain(job: string): Promise<void> {
  const j = JSON.parse(job) as {
    shape: string;
    backend: BackendName;
    steps: number;
    warmup: number;
    seed: number;
  };
  const row = await runShape(getShape(j.shape), j.backend, j.steps, j.warmup, j.seed);
  console.log(RESULT_MARK + JSON.stringify(row));
}

/**
 * `deno task bench …`: runs the benchmark, writes bench.csv/json and the calibration entries, prints the table.
 * `--child JOB` is the internal mode that runs one (shape, backend) row.
 *
 * @throws {UsageError} for a bad command line (see {@link parseBenchArgs}); file-system errors of the writes.
 */
export async function main(args: string[]): Promise<void> {
  const argv = [...args];
  if (argv[0] === "--child") return await childMain(argv[1]);
  if (argv.includes("--help") || argv.includes("-h")) return console.log(USAGE);
  const a = parseBenchArgs(argv);
  const git = gitInfo();
  const runId = makeRunId(git.short);
  const outDir = a.out ?? join("results", "bench", runId);
  const rows: BenchRow[] = [];
  let torchNote: string | undefined;
  const started = new Date().toISOString();
  console.log(
    `bench ${runId}: ${a.shapes.map((s) => s.id).join(", ")} on ${a.backends.join(", ")}; ` +
      `${a.warmup} warm-up + ${a.steps} timed steps; BLAS: ${describeBlas()}`,
  );
  if (a.vsTorch) {
    const py = await findTorchPython();
    const synthetic = a.shapes.filter((s) => s.kind === "synthetic");
    if (!py) {
      torchNote = "PyTorch reference skipped: no python3 with torch found (set TAGBENCH_PYTHON, or install " +
        "it, e.g. `apt-get install python3-torch libopenblas0-pthread`)";
      console.log(torchNote);
    } else if (synthetic.length === 0) {
      torchNote = "PyTorch reference skipped: it covers the synthetic shapes only (S1, S2)";
      console.log(torchNote);
    } else {
      for (const s of synthetic) {
        console.log(`  pytorch ${s.id} …`);
        rows.push(await runTorch(py, s, a));
      }
    }
  }
  for (const backend of a.backends) {
    for (const s of a.shapes) {
      console.log(`  ${backend} ${s.id} …`);
      rows.push(await runChild(s, backend, a));
    }
  }
  addRatios(rows);
  const ordered = a.shapes.flatMap((s) => rows.filter((r) => r.shape === s.id));
  await writeTextAtomic(join(outDir, "bench.csv"), toCsv(ordered, BENCH_COLUMNS));
  await writeJsonAtomic(join(outDir, "bench.json"), {
    runId,
    started,
    finished: new Date().toISOString(),
    git,
    deno: Deno.version.deno,
    tfjs: tf.version_core,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    blas: blasInfo(),
    env: Object.fromEntries(
      ["TAGBENCH_BLAS", "TAGBENCH_BLAS_THREADS", "TAGBENCH_RNN", "OPENBLAS_CORETYPE"].map((
        k,
      ) => [k, Deno.env.get(k)]),
    ),
    args: { ...a, shapes: a.shapes.map((s) => s.id) },
    shapes: a.shapes,
    torchNote,
    rows: ordered,
  });
  console.log("\n" + benchTable(ordered));
  console.log(`\nwrote ${join(outDir, "bench.csv")} and bench.json`);
  const entries = calibrationEntries(ordered, {
    hostname: Deno.hostname(),
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    date: started,
  }, resolve(outDir, "bench.csv"));
  if (entries.length) {
    try {
      const path = await writeCalibration(entries);
      console.log(
        `calibration: ${entries.map((e) => `${e.shape} on ${e.backend}`).join(", ")} written to ${path} ` +
          "(the time estimates of `deno task reproduce` read it)",
      );
    } catch (e) {
      console.error(`warning: calibration not written: ${(e as Error).message}`);
    }
  }
}

function readCpuinfo(): string {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return "";
  }
}

function cpuModel(): string | undefined {
  return readCpuinfo().match(/^model name\s*:\s*(.*)$/m)?.[1];
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
