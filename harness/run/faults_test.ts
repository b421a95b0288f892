/**
 * Fault injection (README.md, "Reliability"): a run killed or failing at fixed points (harness/results/faults.ts)
 * and at seeded moments, then resumed, ends with the same rows (metrics and prediction hashes) as an uninterrupted
 * run, no unit twice, no temp file and no lock left; two writers on one directory never both write; a full disk
 * is an error that a resume recovers from.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import seedrandom from "seedrandom";
import { readManifest } from "../results/run_record.ts";
import { LOCK_FILE } from "./run_lock.ts";
import { reproduce } from "./runner.ts";
import { TOY_BASE, toySuite } from "./_toy_suite.ts";
import { faultChild, runSignature } from "./_fault_child.ts";

/** Runs the fault child; resolves with its exit code and stderr. */
async function run(args: string[], env: Record<string, string> = {}) {
  const out = await faultChild(args, env).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** What must be identical to an uninterrupted run: every row's unit, metrics and prediction hash. */
async function signature(dir: string): Promise<string[]> {
  const s = await runSignature(dir);
  assert.equal(s.duplicates, 0, "no unit twice");
  return s.rows;
}

/** Resumes (or, with no manifest yet, restarts) the run until it completes; returns how many tries it took. */
async function complete(dir: string): Promise<number> {
  for (let tries = 1; tries <= 5; tries++) {
    const args = existsSync(join(dir, "manifest.json")) ? ["--resume", dir] : ["--out", dir];
    const r = await run(args);
    if (r.code === 0) return tries;
    assert.fail(`resume ${tries} failed (${r.code}): ${r.stderr}`);
  }
  throw new Error("unreachable");
}

async function assertClean(dir: string, reference: string[]) {
  assert.deepEqual(await signature(dir), reference);
  const m = await readManifest(dir);
  assert.equal(m.status, "complete");
  assert.equal(m.timings.units_done, m.timings.units_total);
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n.includes(".tmp-") || n === LOCK_FILE
  );
  assert.deepEqual(left, [], "no temp file, no lock left behind");
}

async function referenceRun(dir: string): Promise<string[]> {
  await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), out: join(dir, "reference") });
  return signature(join(dir, "reference"));
}

Deno.test({
  name: "faults at fixed points: killed or out of space, then resumed, the run equals an uninterrupted one",
  sanitizeResources: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const reference = await referenceRun(dir);
    const faults: [string, number][] = [
      ["write:manifest.json:1", 137], // inside the first manifest write: only a temp file is left
      ["write:results.json:2", 137],
      ["unit:3", 137], // a row written, the manifest not yet
      ["progress:2", 137], // mid-training of the second unit
      ["write:audit.md:1", 137], // inside the audit write, before `complete`
      ["write:manifest.json:6", 137], // the final `complete` manifest
      ["write:results.json:1:enospc", 1],
      ["write:manifest.json:1:enospc", 1],
    ];
    for (const [fault, code] of faults) {
      await t.step(fault, async () => {
        const out = join(dir, fault.replaceAll(":", "_"));
        const r = await run(["--out", out], { TAGBENCH_FAULT: fault });
        assert.equal(r.code, code, r.stderr);
        if (code === 1) assert.match(r.stderr, /No space left on device/);
        await complete(out);
        await assertClean(out, reference);
      });
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "seeded kills: 2 SIGKILLs and 1 SIGINT at seeded moments, each resumed, equal an uninterrupted run",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const reference = await referenceRun(dir);
    const rng = seedrandom("tagbench-faults");
    const out = join(dir, "run");
    for (const signal of ["SIGKILL", "SIGKILL", "SIGINT"] as const) {
      const args = existsSync(join(out, "manifest.json")) ? ["--resume", out] : ["--out", out];
      const p = faultChild([...args, "--delay", "250"]).spawn();
      await new Promise((r) => setTimeout(r, 300 + Math.floor(rng() * 900)));
      try {
        p.kill(signal);
      } catch {
        // it finished first
      }
      const { code } = await p.output();
      assert.ok([0, 130, 137].includes(code), `exit ${code} after ${signal}`);
      if (code === 0) break;
    }
    await complete(out);
    await assertClean(out, reference);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "two writers on one directory: one writes, the other is refused; never both",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const reference = await referenceRun(dir);
    const out = join(dir, "run");
    const [a, b] = await Promise.all([
      run(["--out", out, "--delay", "200"]),
      run(["--out", out, "--delay", "200"]),
    ]);
    assert.deepEqual([a.code, b.code].sort(), [0, 1], `${a.stderr}\n${b.stderr}`);
    assert.match(a.code === 1 ? a.stderr : b.stderr, /Cannot write/);
    await assertClean(out, reference);
    // Two resumes of one interrupted run: one continues it, the other is refused.
    const out2 = join(dir, "run2");
    assert.equal((await run(["--out", out2], { TAGBENCH_FAULT: "unit:2" })).code, 137);
    const [c, d] = await Promise.all([
      run(["--resume", out2, "--delay", "200"]),
      run(["--resume", out2, "--delay", "200"]),
    ]);
    assert.deepEqual([c.code, d.code].sort(), [0, 1], `${c.stderr}\n${d.stderr}`);
    await assertClean(out2, reference);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "a disk filling up (a small tmpfs): the run fails with a clear error and resumes once there is room",
  sanitizeResources: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const mnt = join(dir, "tmpfs");
    await Deno.mkdir(mnt);
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt],
      stdout: "null",
      stderr: "null",
    }).output().then((o) => o.success).catch(() => false);
    if (!mounted) {
      console.log(
        "skipped: cannot mount a tmpfs here (not root, or no mount); the injected ENOSPC faults ran",
      );
      await Deno.remove(dir, { recursive: true });
      return;
    }
    try {
      const reference = await referenceRun(dir);
      // Leave ~6 kB free: enough for the manifest, not for every result row and the audit.
      const filler = join(mnt, "filler");
      await Deno.writeFile(filler, new Uint8Array(256 * 1024 - 6 * 1024));
      const out = join(mnt, "run");
      const r = await run(["--out", out]);
      await t.step("the full disk is an error naming it", () => {
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /No space left on device/);
      });
      await Deno.remove(filler);
      await complete(out);
      await assertClean(out, reference);
    } finally {
      await new Deno.Command("umount", { args: [mnt] }).output().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
