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
import { datnetSuite, SMOKE_CELLS } from "./suite.ts";

/** The cells this test runs (ids of the smoke profile, used as exact --only prefixes). */
const TEST_CELLS = [
  "t3/es/base/k=10",
  "t3/es/datnet-p/k=10",
  "t3/wnut16/datnet-f/k=10",
  "full/es/f-transfer+ad",
  "alpha/es/r=0.1/alpha=0.5",
  "eps/es/r=0.1/eps_wT=1",
  "gamma/es/datnet-f/gamma=0",
];
for (const c of TEST_CELLS) if (!SMOKE_CELLS.includes(c)) throw new Error(`${c} is not a smoke cell`);

const dataDir = Deno.env.get("TAGBENCH_DATA_DIR") ??
  resolve(fileURLToPath(new URL("../../../shared/data", import.meta.url)));

Deno.test({
  name: "datnet smoke profile on real CoNLL/WNUT data writes manifest, results and an audit of every claim",
  ignore: !existsSync(join(dataDir, "conll2002")),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "tagbench-smoke-" });
    // A third of the smoke profile keeps CI short (the whole profile takes ~2 minutes on 2 idle cores): both targets, Base,
    // DATNet-P/-F (GRAD + AT), plain AD, and the three sweep knobs.
    const only = TEST_CELLS;
    const res = await reproduce({
      suite: datnetSuite,
      profile: "smoke",
      protocol: "paper",
      dataDir,
      backend: "wasm",
      out,
      only,
      quiet: true,
    });
    const manifest = await readManifest(out);
    assert.equal(manifest.status, "complete");
    assert.equal(manifest.backend.name, "wasm");
    assert.equal(manifest.profile, "smoke");
    assert.ok(manifest.data_files.length >= 6, "target and source files with sha256");
    for (const f of manifest.data_files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.ok(manifest.deviations.some((d) => d.startsWith("[budget] smoke profile")));

    assert.equal(res.rows.length, TEST_CELLS.length);
    const filter = manifest.protocol_details.token_filter as Record<
      string,
      Record<string, { tokensDropped: number }>
    >;
    assert.ok(filter.wnut16.test.tokensDropped > 1000, "paper protocol filters WNUT tokens in test too");
    const csv = parse(await Deno.readTextFile(join(out, "results.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(csv.length, TEST_CELLS.length);
    for (const r of csv) {
      const f1 = Number(r["test/f1"]);
      assert.ok(Number.isFinite(f1) && f1 >= 0 && f1 <= 100, `${r.cell}: test F1 ${r["test/f1"]}`);
      assert.ok(Number.isFinite(Number(r["dev/f1"])), `${r.cell}: dev F1 ${r["dev/f1"]}`);
      assert.match(r.predictions_sha256, /^[0-9a-f]{64}$/);
    }
    const audit = parse(await Deno.readTextFile(join(out, "audit.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    const claims = await datnetSuite.claims();
    assert.equal(audit.length, claims.length);
    const smokeClaims = claims.filter((c) => TEST_CELLS.includes(c.cell)).length;
    assert.ok(smokeClaims >= 10);
    assert.equal(audit.filter((a) => a.verdict === "not comparable").length, smokeClaims);
    assert.equal(audit.filter((a) => a.verdict === "not run").length, claims.length - smokeClaims);
    assert.ok(audit.some((a) => a.verdict === "not run" && a.reason.includes("WikiANN")));
    assert.ok(!audit.some((a) => a.verdict === "reproduced"), "a smoke run is never audited as reproduced");
    const md = await Deno.readTextFile(join(out, "audit.md"));
    assert.match(md, /# Audit of datnet/);
    await Deno.remove(out, { recursive: true });
  },
});
