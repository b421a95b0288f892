import assert from "node:assert/strict";

// deno-lint-ignore no-explicit-any
async function rejectsWith(f: () => Promise<unknown>, cls: new (...a: any[]) => Error, text = "") {
  await assert.rejects(f, (e: unknown) => e instanceof cls && e.message.includes(text));
}
import { join } from "node:path";
import { existsSync } from "node:fs";
import { readManifest, readResults } from "../results/run_record.ts";
import { claimRunDir, reaudit, reproduce, RunError } from "./runner.ts";
import { TOY_BASE, toySuite } from "./_toy_suite.ts";

const base = TOY_BASE;

Deno.test("reproduce writes manifest, results and audit; an interrupted run resumes without redoing units", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  const calls: string[] = [];
  await rejectsWith(
    () => reproduce({ ...base, suite: toySuite({ crashOn: "cell-b#1", calls }), out }),
    Error,
    "killed",
  );
  // cell-a's two seeds survived the crash; the unit in progress was lost.
  assert.deepStrictEqual((await readResults(out)).map((r) => `${r.cell}#${r.seed}`), [
    "cell-a#1",
    "cell-a#2",
  ]);
  assert.deepStrictEqual((await readManifest(out)).status, "running");
  // An interrupted run can be audited as it stands: the unfinished cell says why it has no number.
  const partial = await reaudit(out, toySuite({ calls: [] }));
  assert.deepStrictEqual(partial.audit.claims.map((a) => a.verdict), ["reproduced", "not run", "not run"]);
  assert.match(partial.audit.claims[1].reason, /run stopped before this cell \(2 of 4 .*--resume/);
  assert.match(await Deno.readTextFile(join(out, "audit.md")), /run status: \*\*incomplete\*\* \(2 of 4/);

  const calls2: string[] = [];
  const res = await reproduce({ ...base, suite: toySuite({ calls: calls2 }), resume: out });
  assert.deepStrictEqual(calls2, ["cell-b#1", "cell-b#2"]);
  assert.deepStrictEqual(res.rows.length, 4);
  const manifest = await readManifest(out);
  assert.deepStrictEqual(manifest.status, "complete");
  assert.deepStrictEqual(manifest.resumed_at.length, 1);
  assert.deepStrictEqual(manifest.timings.units_done, 4);
  assert.deepStrictEqual(res.audit.claims.map((a) => a.verdict), ["reproduced", "not reproduced", "not run"]);
  assert.deepStrictEqual(res.audit.claims[2].reason, "needs a resource that is missing");
  // the relative claim: a smoke run gives no verdict; tables named with their paper
  assert.deepStrictEqual(res.audit.relative.map((r) => [r.table, r.verdict]), [[
    "Toy 2020 T1",
    "indicative (smoke)",
  ]]);
  assert.deepStrictEqual(res.audit.claims[0].table, "Toy 2020 T1");
  const md = await Deno.readTextFile(join(out, "audit.md"));
  assert.ok(md.indexOf("## Summary") < md.indexOf("## Claims"), "audit.md opens with its summary");
  assert.match(md, /\| Toy 2020 T1 \| 3 \| 1 reproduced, 1 not reproduced, 1 not run \|/);
  for (
    const f of ["manifest.json", "results.csv", "results.json", "audit.csv", "audit_relative.csv", "audit.md"]
  ) {
    assert.ok((await Deno.stat(join(out, f))).isFile, f);
  }
  const csv = await Deno.readTextFile(join(out, "results.csv"));
  assert.deepStrictEqual(csv.trim().split("\n").length, 5);
  assert.match(
    csv.split("\n")[0],
    /,units_run,train\/loss,dev\/f1,test\/precision,test\/recall,test\/f1,train_tokens_per_s,/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("resume refuses a run of another profile; reaudit recomputes the audit", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  const suite = toySuite({ calls: [], deviations: ["smoke profile"] });
  await reproduce({ ...base, suite, out });
  await rejectsWith(
    () => reproduce({ ...base, profile: "paper", suite, resume: out }),
    RunError,
    'it was run with profile "smoke"',
  );
  await Deno.remove(join(out, "audit.csv"));
  const { audit } = await reaudit(out, suite);
  assert.deepStrictEqual(audit.claims.map((a) => a.verdict), ["not comparable", "not comparable", "not run"]);
  assert.ok((await Deno.stat(join(out, "audit.csv"))).isFile);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("claimRunDir: runs started in the same second get distinct directories", async () => {
  const parent = join(await Deno.makeTempDir(), "results", "toy");
  const ids = await Promise.all([1, 2, 3].map(() => claimRunDir(parent, "20261121T120000Z-abc1234")));
  assert.deepEqual(
    ids.map((d) => d.slice(parent.length + 1)).sort(),
    ["20261121T120000Z-abc1234", "20261121T120000Z-abc1234-2", "20261121T120000Z-abc1234-3"],
  );
  for (const d of ids) assert.deepEqual([...Deno.readDirSync(d)], []);
});

Deno.test("reproduce: each unit gets a checkpoint folder in the artifact cache, removed when the unit is done", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoints: string[] = [];
  const artifactsDir = join(dir, "cache");
  await reproduce({
    ...base,
    suite: toySuite({ calls: [], checkpoints }),
    out: join(dir, "run"),
    artifactsDir,
  });
  assert.equal(checkpoints.length, 4);
  assert.ok(checkpoints.every((c) => c.startsWith(join(artifactsDir, "checkpoints", "toy"))), checkpoints[0]);
  assert.equal(new Set(checkpoints).size, 4);
  for (const c of checkpoints) assert.ok(!existsSync(c), `${c} removed`);
  assert.equal((await readManifest(join(dir, "run"))).artifacts_dir, artifactsDir);
  await Deno.remove(dir, { recursive: true });
});
