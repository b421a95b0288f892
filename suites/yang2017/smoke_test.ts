/**
 * One smoke run of the yang2017 suite on the real data in `../shared/data` (or `TAGBENCH_DATA_DIR`): the smoke
 * profile end to end (base, T-A, T-B, T-C), then checks of every file it writes, the audit and Figure 2.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { reproduce } from "../../harness/run/runner.ts";
import { readManifest } from "../../harness/results/run_record.ts";
import { parseDeltaCell, SMOKE_CELLS, writeFigure2, yang2017Suite } from "./suite.ts";

const dataDir = Deno.env.get("TAGBENCH_DATA_DIR") ??
  resolve(fileURLToPath(new URL("../../../shared/data", import.meta.url)));

Deno.test({
  name:
    "yang2017 smoke profile on real data: every architecture trains, the audit covers every claim, Figure 2",
  ignore: !["conll2003", "conll2002", "conll2000", "ptb_wsj_sample_nltk", "ritter2011_twitter"].every((d) =>
    existsSync(join(dataDir, d))
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "tagbench-yang-smoke-" });
    const res = await reproduce({
      suite: yang2017Suite,
      profile: "smoke",
      protocol: "paper",
      dataDir,
      backend: "wasm",
      out,
      quiet: true,
    });
    const manifest = await readManifest(out);
    assert.equal(manifest.status, "complete");
    assert.equal(manifest.profile, "smoke");
    assert.ok(manifest.deviations.some((d) => d.startsWith("smoke profile")));
    assert.match(String(manifest.protocol_details.reported_number), /MAXIMUM TEST/);
    for (const f of manifest.data_files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.ok(manifest.data_files.some((f) => f.split === "partition"), "seeded split files are hashed too");
    assert.deepStrictEqual(
      new Set(manifest.cells.map((c) => c.config.architecture)),
      new Set(["base", "T-A", "T-B", "T-C"]),
    );

    assert.equal(res.rows.length, SMOKE_CELLS.length);
    const csv = parse(await Deno.readTextFile(join(out, "results.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(csv.length, SMOKE_CELLS.length);
    for (const r of csv) {
      const score = Number(r.test_f1);
      assert.ok(Number.isFinite(score) && score >= 0 && score <= 100, `${r.cell}: test ${r.test_f1}`);
      assert.equal(r.selection, "max-test");
      assert.match(r.predictions_sha256, /^[0-9a-f]{64}$/);
    }
    const base = res.rows.find((r) => r.cell === "fig2/h/base/rate=0.01")!;
    assert.equal(base.extra?.target_pool_sentences, 18453);
    assert.equal(base.extra?.target_subset_draws, 184);
    const zeroShot = res.rows.find((r) => r.cell === "fig2/d/T-A/rate=0")!;
    assert.equal(zeroShot.extra?.target_train_sentences, 0);

    const claims = await yang2017Suite.claims();
    assert.equal(res.audit.length, claims.length);
    const ran = (cell: string): boolean => {
      const pair = parseDeltaCell(cell);
      return pair ? ran(pair.minuend) && ran(pair.subtrahend) : SMOKE_CELLS.includes(cell);
    };
    const smokeClaims = claims.filter((c) => ran(c.cell)).length;
    assert.ok(smokeClaims >= 7);
    assert.equal(res.audit.filter((a) => a.verdict === "not comparable").length, smokeClaims);
    assert.equal(res.audit.filter((a) => a.verdict === "not run").length, claims.length - smokeClaims);
    assert.ok(
      !res.audit.some((a) => a.verdict === "reproduced"),
      "a smoke run is never audited as reproduced",
    );
    assert.ok(res.audit.some((a) => a.verdict === "not run" && a.reason.includes("Genia")));
    assert.ok(res.audit.some((a) => parseDeltaCell(a.cell) && a.reason.startsWith("Δ of two cells")));

    const svgPath = await writeFigure2(out);
    const svg = await Deno.readTextFile(svgPath);
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<g transform=/g) ?? []).length, 10);
    assert.ok(svg.includes("(h) PTB → CoNLL03"));
    await Deno.remove(out, { recursive: true });
  },
});
