import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ExitStatus,
  integerAtLeast,
  oneOf,
  parseCli,
  positiveInt,
  readStdin,
  runCli,
  UsageError,
  writeStdout,
} from "./cli.ts";
import { main as compareMain } from "../tasks/compare.ts";

const OPTIONS = {
  seeds: { type: "string" },
  out: { type: "string" },
  rows: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Asserts that `f` throws a UsageError with exactly this message. */
function usageError(f: () => unknown, message: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.message, message);
    return true;
  });
}

Deno.test("parseCli: values typed from the declaration, positionals, defaults, -h, --opt=value", () => {
  const r = parseCli(["a", "--seeds", "3", "-h", "--out=x", "b"], OPTIONS, { allowPositionals: true });
  assert.deepEqual(r.positionals, ["a", "b"]);
  assert.equal(r.values.seeds, "3");
  assert.equal(r.values.out, "x");
  assert.equal(r.values.rows, false);
  assert.equal(r.values.help, true);
  assert.deepEqual(parseCli(["--", "--rows"], OPTIONS, { allowPositionals: true }).positionals, ["--rows"]);
  assert.equal(parseCli(["--out", "-"], OPTIONS).values.out, "-");
});

Deno.test("parseCli: an unknown option is a usage error naming the closest declared one", () => {
  usageError(() => parseCli(["--seed", "3"], OPTIONS), 'Unknown option "--seed". Did you mean "--seeds"?');
  usageError(() => parseCli(["--row"], OPTIONS), 'Unknown option "--row". Did you mean "--rows"?');
  usageError(() => parseCli(["--outt=x"], OPTIONS), 'Unknown option "--outt". Did you mean "--out"?');
  usageError(() => parseCli(["--frobnicate"], OPTIONS), 'Unknown option "--frobnicate".');
  usageError(() => parseCli(["-x"], OPTIONS), 'Unknown option "-x".');
  usageError(() => parseCli(["--toString"], OPTIONS), 'Unknown option "--toString".');
  usageError(() => parseCli(["stray"], OPTIONS), 'unexpected argument "stray"');
});

Deno.test("parseCli: a missing value, a value for an on/off option", () => {
  usageError(() => parseCli(["--out"], OPTIONS), "--out needs a value");
  usageError(
    () => parseCli(["--out", "--rows"], OPTIONS),
    '--out needs a value, got the option "--rows" (write --out=--rows if that is the value)',
  );
  usageError(() => parseCli(["--rows=yes"], OPTIONS), '--rows takes no value, got "--rows=yes"');
});

Deno.test("--seeds -1: the value reaches the range check, which says what was expected", () => {
  const { values } = parseCli(["--seeds", "-1"], OPTIONS);
  assert.equal(values.seeds, "-1");
  usageError(() => positiveInt("seeds", values.seeds!), '--seeds is "-1", expected a positive integer');
  for (const bad of ["0", "1.5", "x", "", "1e3", "0x10"]) {
    usageError(() => positiveInt("seeds", bad), `--seeds is "${bad}", expected a positive integer`);
  }
  assert.equal(positiveInt("seeds", "12"), 12);
  usageError(() => integerAtLeast("steps", "3", 5), '--steps is "3", expected an integer ≥ 5');
  assert.equal(integerAtLeast("seed", "0", 0), 0);
});

Deno.test("oneOf: --backend gpu suggests webgpu and tensorflow-gpu", () => {
  const backends = ["wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"] as const;
  usageError(
    () => oneOf("backend", "gpu", backends),
    '--backend is "gpu", expected one of wasm, cpu, webgpu, tensorflow, tensorflow-gpu. ' +
      'Did you mean "webgpu" or "tensorflow-gpu"?',
  );
  usageError(() => oneOf("format", "xml", ["table", "csv"]), '--format is "xml", expected one of table, csv');
  assert.equal(oneOf("backend", "cpu", backends), "cpu");
});

const USAGE = "usage: deno task demo [--seeds N]";

Deno.test("runCli: the exit status and output runMain would give, without exiting", async () => {
  const demo = async (args: string[]) => {
    const { values, positionals } = parseCli(args, OPTIONS, { allowPositionals: true });
    console.log("args:", positionals);
    await writeStdout(new TextEncoder().encode("bytes\n"));
    if (positionals[0] === "fail") throw new Error('Cannot read "x": it is empty');
    if (positionals[0] === "quiet") throw new ExitStatus(3);
    if (positionals[0] === "stdin") console.log(new TextDecoder().decode(await readStdin()));
    if (values.seeds !== undefined) positiveInt("seeds", values.seeds);
  };
  assert.deepEqual(await runCli(demo, ["ok"], USAGE), {
    code: 0,
    stdout: 'args: [ "ok" ]\nbytes\n',
    stderr: "",
  });
  assert.deepEqual(await runCli(demo, ["--seed", "2"], USAGE), {
    code: 2,
    stdout: "",
    stderr: `error: Unknown option "--seed". Did you mean "--seeds"?\n${USAGE}\n`,
  });
  assert.deepEqual(await runCli(demo, ["--seeds", "-1"], USAGE), {
    code: 2,
    stdout: "args: []\nbytes\n",
    stderr: `error: --seeds is "-1", expected a positive integer\n${USAGE}\n`,
  });
  const failed = await runCli(demo, ["fail"], USAGE);
  assert.deepEqual([failed.code, failed.stderr], [1, 'error: Cannot read "x": it is empty\n']);
  const quiet = await runCli(demo, ["quiet"], USAGE);
  assert.deepEqual([quiet.code, quiet.stderr], [3, ""]);
  const stdin = await runCli(demo, ["stdin"], USAGE, { stdin: "input text" });
  assert.ok(stdin.stdout.endsWith("input text\n"), stdin.stdout);
  // console is restored afterwards
  assert.equal(console.log.name, "log");
});

Deno.test("runCli through a task's main: compare of two runs that differ exits 1 after printing", async () => {
  const results = new URL("../results/datnet/", import.meta.url).pathname;
  const r = await runCli(
    compareMain,
    [join(results, "20261121T120701Z-86e2362-paper"), join(results, "20261121T120701Z-86e2362-clean")],
    "usage",
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /units identical/);
  const bad = await runCli(compareMain, ["--rows", "a", "b"], "usage: compare");
  assert.deepEqual(bad, { code: 2, stdout: "", stderr: 'error: Unknown option "--rows".\nusage: compare\n' });
});

Deno.test("deno task list … --format csv | head -1: a closed stdout ends the command quietly", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const deno = Deno.execPath();
  const { stdout, stderr } = await new Deno.Command("sh", {
    args: ["-c", `{ "${deno}" task -q list datnet --format csv; echo "status $?" >&2; } | head -1`],
    cwd: root,
    env: { NO_COLOR: "1" },
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(
    new TextDecoder().decode(stdout),
    "suite,paper,table,row,column,metric,value,std,n,cell,status\n",
  );
  assert.doesNotMatch(err, /broken pipe|error/i);
  assert.match(err, /status 0\n$/);
});
