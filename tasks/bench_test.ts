import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { SyntheticShape } from "../harness/bench/shapes.ts";
import {
  addRatios,
  BENCH_COLUMNS,
  type BenchRow,
  benchTable,
  findTorchPython,
  median,
  parseBenchArgs,
  runShape,
  summarize,
  TORCH_REFERENCE,
} from "./bench.ts";

Deno.test("parseBenchArgs: defaults, lists, and clear errors", () => {
  const d = parseBenchArgs([]);
  assert.deepEqual(d.shapes.map((s) => s.id), [
    "S1",
    "S2",
    "datnet-base-b10",
    "datnet-base-b32",
    "datnet-f-b10",
    "datnet-f-b32",
  ]);
  assert.deepEqual(d.backends, ["wasm"]);
  assert.equal(d.steps, 5);
  assert.equal(d.warmup, 2);
  assert.equal(d.vsTorch, false);
  const a = parseBenchArgs([
    "--shapes",
    "S1,S2",
    "--backend",
    "wasm,cpu",
    "--steps",
    "7",
    "--vs-torch",
    "--out",
    "x",
  ]);
  assert.deepEqual(a.shapes.map((s) => s.id), ["S1", "S2"]);
  assert.deepEqual(a.backends, ["wasm", "cpu"]);
  assert.equal(a.steps, 7);
  assert.equal(a.vsTorch, true);
  assert.equal(a.out, "x");
  assert.throws(() => parseBenchArgs(["--shapes", "S3"]), /Unknown bench shape "S3": expected one of S1, S2/);
  assert.throws(() => parseBenchArgs(["--backend", "gpu"]), /--backend is "gpu", expected one of wasm/);
  assert.throws(() => parseBenchArgs(["--steps", "3"]), /--steps is "3", expected an integer ≥ 5/);
  assert.throws(() => parseBenchArgs(["--bogus"]), /bogus/);
  assert.throws(
    () => parseBenchArgs(["--step", "7"]),
    /^UsageError: Unknown option "--step"\. Did you mean "--steps"\?/,
  );
  assert.throws(() => parseBenchArgs(["--seed", "-1"]), /--seed is "-1", expected an integer ≥ 0/);
});

Deno.test("median, summarize and the vs-torch ratio", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const s = summarize([100, 200, 50], [1000, 1000, 1000]);
  assert.deepEqual(s.tokens_per_s, [10000, 5000, 20000]);
  assert.equal(s.tokens_per_s_median, 10000);
  assert.equal(s.tokens_per_s_min, 5000);
  assert.equal(s.tokens_per_s_max, 20000);
  assert.equal(s.step_ms_median, 100);
  const rows: BenchRow[] = [
    { shape: "S1", backend: "wasm", impl: "tagbench", tokens_per_s_median: 15000 },
    { shape: "S1", backend: "torch-cpu", impl: "pytorch", tokens_per_s_median: 30000 },
    { shape: "S2", backend: "wasm", impl: "tagbench", tokens_per_s_median: 100 },
    { shape: "S2", backend: "wasm", impl: "tagbench", error: "boom" },
  ];
  addRatios(rows);
  assert.equal(rows[0].vs_torch, 0.5);
  assert.equal(rows[2].vs_torch, undefined);
  const table = benchTable(rows);
  assert.match(table, /S1\s+wasm\s+tagbench\s+15000.*0\.50×/);
  assert.match(table, /S2\s+wasm\s+tagbench\s+error: boom/);
});

Deno.test("runShape times warm-up and steps of a tiny synthetic model and reports memory", async () => {
  const tiny: SyntheticShape = {
    kind: "synthetic",
    id: "tiny",
    title: "tiny GRU",
    inputDim: 5,
    cell: "gru",
    units: 4,
    layers: 2,
    tags: 3,
    optimizer: "adagrad",
    lr: 0.01,
    batch: 3,
    length: 4,
  };
  const row = await runShape(tiny, "cpu", 5, 1, 1);
  assert.equal(row.impl, "tagbench");
  assert.equal(row.backend, "cpu");
  assert.equal(row.step_ms!.length, 5);
  assert.equal(row.tokens_per_step, 12);
  assert.ok(
    row.tokens_per_s_min! <= row.tokens_per_s_median! && row.tokens_per_s_median! <= row.tokens_per_s_max!,
  );
  assert.ok(row.first_step_ms! > 0 && row.peak_rss_mb! > 10);
  assert.ok(row.parameters! > 0);
  assert.match(row.rnn!, /^(fused|graph)$/);
});

Deno.test("findTorchPython: none of the candidates has torch → undefined; the reference script exists", async () => {
  assert.equal(await findTorchPython(["/nonexistent/python3"]), undefined);
  assert.ok((await Deno.stat(TORCH_REFERENCE)).isFile);
});

Deno.test("deno task bench --shapes S1 writes bench.csv and bench.json with the required columns", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./bench.ts", import.meta.url).pathname,
        "--shapes",
        "S1",
        "--steps",
        "5",
        "--warmup",
        "1",
        "--out",
        out,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(r.stdout);
    assert.ok(r.success, stdout + new TextDecoder().decode(r.stderr));
    const rows = parse(await Deno.readTextFile(join(out, "bench.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(rows.length, 1);
    for (
      const c of [
        "shape",
        "backend",
        "impl",
        "tokens_per_s_median",
        "tokens_per_s_min",
        "tokens_per_s_max",
        "first_step_ms",
        "peak_rss_mb",
      ]
    ) {
      assert.ok(BENCH_COLUMNS.includes(c), c);
      assert.ok(rows[0][c] !== "", `${c} is empty`);
    }
    assert.equal(rows[0].shape, "S1");
    assert.equal(rows[0].impl, "tagbench");
    assert.ok(Number(rows[0].tokens_per_s_median) > 0);
    const json = JSON.parse(await Deno.readTextFile(join(out, "bench.json")));
    assert.equal(json.rows.length, 1);
    assert.equal(json.rows[0].step_ms.length, 5);
    assert.match(stdout, /S1\s+wasm\s+tagbench/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
