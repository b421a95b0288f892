/**
 * One smoke run of the datnet suite on the real data in `../shared/data` (or `TAGBENCH_DATA_DIR`): the smoke
 * profile end to end, then checks of every file it writes.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { reproduce } from "../../harness/run/runner.ts";
import { readManifest } from "../../harness/results/run_record.ts";
import { datnetSuite } from "./suite.ts";

const dataDir = Deno.env.get("TAGBENCH_DATA_DIR") ??
  resolve(fileURLToPath(new URL("../../../shared/data", import.meta.url)));

Deno.test({
  name: "datnet smoke profile on real CoNLL data writes manifest, results and a 72-claim audit",
  ignore: !existsSync(join(dataDir, "conll2002")),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "tagbench-smoke-" });
    const res = await reproduce({
      suite: datnetSuite,
      profile: "smoke",
      protocol: "paper",
      dataDir,
      backend: "wasm",
      out,
      quiet: true,
    });
    const manifest = await readManifest(out);
    assert.equal(manifest.status, "complete");
    assert.equal(manifest.backend.name, "wasm");
    assert.equal(manifest.profile, "smoke");
    assert.ok(manifest.data_files.length >= 6, "target and source files with sha256");
    for (const f of manifest.data_files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.ok(manifest.deviations.some((d) => d.startsWith("smoke profile")));

    assert.equal(res.rows.length, 9);
    const csv = parse(await Deno.readTextFile(join(out, "results.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(csv.length, 9);
    for (const r of csv) {
      const f1 = Number(r.test_f1);
      assert.ok(Number.isFinite(f1) && f1 >= 0 && f1 <= 100, `${r.cell}: test F1 ${r.test_f1}`);
      assert.ok(Number.isFinite(Number(r.dev_f1)), `${r.cell}: dev F1 ${r.dev_f1}`);
      assert.match(r.predictions_sha256, /^[0-9a-f]{64}$/);
    }
    const audit = parse(await Deno.readTextFile(join(out, "audit.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(audit.length, 72);
    assert.equal(audit.filter((a) => a.verdict === "not comparable").length, 9);
    assert.equal(audit.filter((a) => a.verdict === "not run").length, 63);
    assert.ok(!audit.some((a) => a.verdict === "reproduced"), "a smoke run is never audited as reproduced");
    const md = await Deno.readTextFile(join(out, "audit.md"));
    assert.match(md, /# Audit of datnet/);
    await Deno.remove(out, { recursive: true });
  },
});
