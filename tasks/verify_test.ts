import assert from "node:assert/strict";
import { join } from "node:path";
import { readManifest } from "../harness/results/run_record.ts";
import { reaudit, reproduce } from "../harness/run/runner.ts";
import { TOY_BASE, toySuite } from "../harness/run/_toy_suite.ts";
import { verify } from "./verify.ts";

Deno.test("verify: recorded files check out; a hand edit is damage until --rehash records it; audit re-records", async () => {
  const dir = await Deno.makeTempDir();
  const out = join(dir, "run");
  await reproduce({ ...TOY_BASE, suite: toySuite({ calls: [] }), out });
  const m = await readManifest(out);
  assert.deepEqual(Object.keys(m.files!).sort(), [
    "audit.csv",
    "audit.md",
    "audit_relative.csv",
    "results.csv",
    "results.json",
  ]);
  assert.equal(await verify(out, false), 0);
  // A hand edit of a result is damage.
  const csv = join(out, "results.csv");
  await Deno.writeTextFile(csv, (await Deno.readTextFile(csv)).replace("80.1", "99.9"));
  assert.equal(await verify(out, false), 1);
  // Said openly, it is recorded, with who did it.
  assert.equal(await verify(out, true, ["verify", out, "--rehash"]), 0);
  assert.equal(await verify(out, false), 0);
  const after = await readManifest(out);
  assert.deepEqual(after.history!.at(-1)!.files, ["results.csv"]);
  // Rewriting the derived audit files updates their hashes and the history.
  await Deno.writeTextFile(join(out, "audit.md"), "tampered");
  assert.equal(await verify(out, false), 1);
  await reaudit(out, toySuite({ calls: [] }), { command: ["audit", out] });
  assert.equal(await verify(out, false), 0);
  const h = (await readManifest(out)).history!.at(-1)!;
  assert.equal(h.event, "audit");
  assert.deepEqual(h.command, ["audit", out]);
  await Deno.remove(dir, { recursive: true });
});
