/**
 * A slice of the perl2020 smoke profile on the real data in `../shared/data` (or `TAGBENCH_DATA_DIR`), run
 * twice: the transfer model with both added losses and the zero-shot cell (substitute aligned vectors from 20k
 * tokens per language), then checks of the files and that the second run's metrics and predictions equal the
 * first's. The whole smoke profile (8 cells) takes about 1.5 minutes on 2 idle cores:
 * `deno task reproduce perl2020 --profile smoke`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { reproduce } from "../../harness/run/runner.ts";
import { readManifest } from "../../harness/results/run_record.ts";
import { realDataDir } from "../../harness/data/_testing.ts";
import { perl2020Suite, SMOKE_CELLS } from "./suite.ts";
import { fastTextInstalled } from "../../harness/vectors/fasttext.ts";

const TEST_CELLS = ["t1/es/tl+l2+adv/r=0.01", "zeroshot/es/method"];
for (const c of TEST_CELLS) if (!SMOKE_CELLS.includes(c)) throw new Error(`${c} is not a smoke cell`);

const dataDir = realDataDir();

Deno.test({
  name:
    "perl2020 smoke slice on real CoNLL data: manifest, results, audit; a second run gives identical metrics",
  // The substitute vectors need Debian's fasttext (.ci/run installs it, or says why it could not).
  ignore: dataDir === undefined || !existsSync(join(dataDir, "corpora")) || !fastTextInstalled(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "tagbench-perl-smoke-" });
    const artifactsDir = join(root, "artifacts");
    try {
      const rows: Record<string, string>[][] = [];
      for (const run of ["a", "b"]) {
        const out = join(root, run);
        await reproduce({
          suite: perl2020Suite,
          profile: "smoke",
          protocol: "paper",
          dataDir: dataDir!,
          backend: "wasm",
          out,
          only: TEST_CELLS.map((c) => `${c}$`),
          artifactsDir,
          // A 20k-token slice per language keeps the two fastText trainings short in CI.
          budget: { vector_tokens: 20_000 },
          quiet: true,
        });
        const manifest = await readManifest(out);
        assert.equal(manifest.status, "complete");
        assert.ok(manifest.deviations.some((d) => d.startsWith("[budget] smoke profile")));
        rows.push(
          parse(await Deno.readTextFile(join(out, "results.csv")), { columns: true }) as Record<
            string,
            string
          >[],
        );
        const audit = await Deno.readTextFile(join(out, "audit.md"));
        assert.match(audit, /Table 7/);
      }
      const [a, b] = rows;
      assert.equal(a.length, TEST_CELLS.length);
      for (const r of a) {
        const f1 = Number(r["test/f1"]);
        assert.ok(Number.isFinite(f1) && f1 >= 0 && f1 <= 100, `${r.cell}: test F1 ${r["test/f1"]}`);
        assert.ok(Number(r["train/reconstruction_loss"]) > 0 || r.cell.startsWith("zeroshot"), r.cell);
        assert.match(r.deviations, /MUSE vectors are not available here/);
      }
      const pick = (
        r: Record<string, string>,
      ) => [r.cell, r.seed, r["test/f1"], r["train/crf_loss"], r.predictions_sha256];
      assert.deepEqual(b.map(pick), a.map(pick), "two smoke runs: identical metrics and predictions");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
