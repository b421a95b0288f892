/**
 * The run directory's promises (README.md, "Reliability"): never overwritten, never shared by two writers,
 * resumable from any state, resumed exactly as planned; diverged units recorded, the run going on.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readManifest, readResults } from "../results/run_record.ts";
import { acquireRunLock, LOCK_FILE, RunLockedError } from "./run_lock.ts";
import { reaudit, reproduce, RunError } from "./runner.ts";
import { TOY_BASE, toySuite } from "./_toy_suite.ts";

// deno-lint-ignore no-explicit-any
async function rejectsWith(f: () => Promise<unknown>, cls: new (...a: any[]) => Error, text: string) {
  await assert.rejects(f, (e: unknown) => {
    assert.ok(e instanceof cls, `${(e as Error).name}: ${(e as Error).message}`);
    assert.ok((e as Error).message.includes(text), (e as Error).message);
    return true;
  });
}

Deno.test("--out onto an existing run is refused with the command that resumes it; nothing is deleted", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), out });
  const before = await Deno.readTextFile(join(out, "results.json"));
  await rejectsWith(
    () => reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), out }),
    RunError,
    `it holds a tagbench run (status complete); continue it with \`deno task reproduce --resume ${out}\``,
  );
  assert.equal(await Deno.readTextFile(join(out, "results.json")), before);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("two writers: a second process on a locked run directory is refused; a stale lock is taken over", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  const calls: string[] = [];
  await assert.rejects(() =>
    reproduce({ ...TOY_BASE, suite: toySuite({ calls, crashOn: "cell-b#1" }), out })
  );
  const held = acquireRunLock(out, ["test"]);
  try {
    await rejectsWith(
      () => reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), resume: out }),
      RunLockedError,
      `pid ${Deno.pid} on`,
    );
    assert.throws(() => acquireRunLock(out), RunLockedError);
  } finally {
    held.release();
  }
  assert.ok(!existsSync(join(out, LOCK_FILE)));
  // A lock left by a process that is gone (a finished child's pid) is stale: taken over, with a note.
  const deadPid =
    (await new Deno.Command("sh", { args: ["-c", "echo $$"], stdout: "piped" }).output()).stdout;
  const pid = Number(new TextDecoder().decode(deadPid).trim());
  Deno.writeTextFileSync(
    join(out, LOCK_FILE),
    JSON.stringify({ pid, host: Deno.hostname(), started_at: "2026-01-01T00:00:00Z", command: [] }),
  );
  const notes: number[] = [];
  const lock = acquireRunLock(out, [], (dead) => notes.push(dead.pid));
  assert.deepEqual(notes, [pid]);
  assert.equal(lock.tookOverFrom?.pid, pid);
  lock.release();
  const res = await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), resume: out });
  assert.equal(res.manifest.status, "complete");
  assert.ok(!existsSync(join(out, LOCK_FILE)), "the lock is released at the end");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("resumable from any state: temp files alone are an empty directory; stale temp files go on resume", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  await Deno.mkdir(out);
  // What a kill during the first manifest write leaves: only a temp file.
  await Deno.writeTextFile(join(out, "manifest.json.tmp-4242-0123abcd"), '{"schema_ver');
  const res = await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), out });
  assert.equal(res.manifest.status, "complete");
  assert.ok(!existsSync(join(out, "manifest.json.tmp-4242-0123abcd")));
  // A stale temp file beside a resumable run is removed by the resume.
  const out2 = join(dir, "run2");
  await assert.rejects(() =>
    reproduce({ ...TOY_BASE, suite: toySuite({ calls: [], crashOn: "cell-b#1" }), out: out2 })
  );
  await Deno.writeTextFile(join(out2, "results.json.tmp-4242-89abcdef"), "[");
  await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), resume: out2 });
  assert.deepEqual([...Deno.readDirSync(out2)].map((e) => e.name).filter((n) => n.includes(".tmp-")), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a failed start leaves no directory; a plan with no cell is refused before anything is written", async () => {
  const dir = await Deno.makeTempDir();
  const suite = toySuite({ calls: [] });
  const empty = {
    ...suite,
    plan: async (o: Parameters<typeof suite.plan>[0]) => ({ ...(await suite.plan(o)), cells: [] }),
  };
  await rejectsWith(
    () => reproduce({ ...TOY_BASE, suite: empty, out: join(dir, "none") }),
    RunError,
    "Nothing to run",
  );
  assert.ok(!existsSync(join(dir, "none")));
  const failing = { ...suite, plan: () => Promise.reject(new Error("data file missing")) };
  await assert.rejects(
    () => reproduce({ ...TOY_BASE, suite: failing, out: join(dir, "failed") }),
    /data file missing/,
  );
  assert.ok(!existsSync(join(dir, "failed")), "the plan and data checks come before the directory");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a diverged unit is recorded as failed with its reason; the run goes on; the audit says not run: diverged", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  const calls: string[] = [];
  // Both seeds of cell-b diverge: its claim has no number.
  const suite = toySuite({ calls, divergeOn: "cell-b#1" });
  const bothB = {
    ...suite,
    runCell: async (...a: Parameters<typeof suite.runCell>) => {
      const r = await suite.runCell(...a);
      return a[0].id === "cell-b" ? { ...r, metrics: { ...r.metrics, "train/loss": NaN } } : r;
    },
  };
  const res = await reproduce({ ...TOY_BASE, suite: bothB, out });
  assert.deepEqual(
    calls,
    ["cell-a#1", "cell-a#2", "cell-b#1", "cell-b#2"],
    "the run went on after the divergence",
  );
  assert.equal(res.manifest.status, "complete");
  assert.deepEqual(res.manifest.failed!.map((f) => [f.cell, f.seed]), [["cell-b", 1], ["cell-b", 2]]);
  assert.match(res.manifest.failed![0].reason, /^diverged: train\/loss of the selected checkpoint is NaN/);
  assert.deepEqual((await readResults(out)).map((r) => r.cell), ["cell-a", "cell-a"]);
  const b = res.audit.claims.find((c) => c.cell === "cell-b")!;
  assert.equal(b.verdict, "not run");
  assert.match(b.reason, /^diverged: /);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("resume on another backend is refused; allowed, it is a deviation of the units run after it", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  await assert.rejects(() =>
    reproduce({ ...TOY_BASE, suite: toySuite({ calls: [], crashOn: "cell-b#1" }), out })
  );
  await rejectsWith(
    () => reproduce({ ...TOY_BASE, backend: "wasm", suite: toySuite({ calls: [] }), resume: out }),
    RunError,
    "it ran on cpu",
  );
  const res = await reproduce({
    ...TOY_BASE,
    backend: "wasm",
    suite: toySuite({ calls: [] }),
    resume: out,
    allowBackendChange: true,
  });
  const rows = await readResults(out);
  assert.deepEqual(rows.map((r) => r.deviations.some((d) => d.startsWith("[backend] resumed on wasm"))), [
    false,
    false,
    true,
    true,
  ]);
  assert.deepEqual(res.manifest.history!.map((h) => [h.event, h.backend]), [["start", "cpu"], [
    "resume",
    "wasm",
  ]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SIGINT marks the manifest interrupted and prints the resume command; the resume completes the run", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  const script = join(dir, "run.ts");
  await Deno.writeTextFile(
    script,
    `import { reproduce } from ${JSON.stringify(new URL("./runner.ts", import.meta.url).href)};
     import { TOY_BASE, toySuite } from ${JSON.stringify(new URL("./_toy_suite.ts", import.meta.url).href)};
     await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [], delayMs: 400 }), out: ${
      JSON.stringify(out)
    } });`,
  );
  const repo = new URL("../../", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", new URL("deno.json", repo).pathname, script],
    cwd: repo.pathname,
    stderr: "piped",
    stdout: "null",
  }).spawn();
  // Wait until the first unit is written, then interrupt.
  for (let i = 0; i < 200 && !existsSync(join(out, "results.json")); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGINT");
  const { code, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 130, err);
  assert.match(
    err,
    new RegExp(
      `interrupted \\(SIGINT\\) after \\d of 4 units; continue with: deno task reproduce --resume ${out}`,
    ),
  );
  const m = await readManifest(out);
  assert.equal(m.status, "interrupted");
  assert.ok(!existsSync(join(out, LOCK_FILE)), "the lock is released");
  assert.deepEqual([...Deno.readDirSync(out)].filter((e) => e.name.includes(".tmp-")), []);
  const res = await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), resume: out });
  assert.equal(res.rows.length, 4);
  assert.equal((await reaudit(out, toySuite({ calls: [] }))).manifest.status, "complete");
  await Deno.remove(dir, { recursive: true });
});
