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
import { OPTIONAL_RESOURCES, parseDeltaCell, SMOKE_CELLS, yang2017Suite } from "./suite.ts";

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
    assert.ok(manifest.deviations.some((d) => d.startsWith("[budget] smoke profile")));
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
      const pos = r.cell.startsWith("fig2/d/");
      const key = pos ? "test/accuracy" : "test/f1";
      const score = Number(r[key]);
      assert.ok(Number.isFinite(score) && score >= 0 && score <= 100, `${r.cell}: ${key} ${r[key]}`);
      assert.equal(r.selection, pos ? "max test/accuracy" : "max test/f1");
      if (r.cell === "fig2/h/base/rate=0.01") {
        assert.equal(r["dev/f1"], "", "CoNLL-2003 dev is pooled into training: the column is empty, not NaN");
      }
      assert.match(r.predictions_sha256, /^[0-9a-f]{64}$/);
    }
    const base = res.rows.find((r) => r.cell === "fig2/h/base/rate=0.01")!;
    assert.equal(base.extra?.target_pool_sentences, 18453);
    assert.equal(base.extra?.target_subset_draws, 184);
    const zeroShot = res.rows.find((r) => r.cell === "fig2/d/T-A/rate=0")!;
    assert.equal(zeroShot.extra?.target_train_sentences, 0);

    const claims = await yang2017Suite.claims();
    assert.equal(res.audit.claims.length, claims.length);
    const ran = (cell: string): boolean => {
      const pair = parseDeltaCell(cell);
      return pair ? ran(pair.minuend) && ran(pair.subtrahend) : SMOKE_CELLS.includes(cell);
    };
    const smokeClaims = claims.filter((c) => ran(c.cell)).length;
    assert.ok(smokeClaims >= 7);
    assert.equal(res.audit.claims.filter((a) => a.verdict === "not comparable").length, smokeClaims);
    assert.equal(res.audit.claims.filter((a) => a.verdict === "not run").length, claims.length - smokeClaims);
    assert.ok(
      !res.audit.claims.some((a) => a.verdict === "reproduced"),
      "a smoke run is never audited as reproduced",
    );
    assert.ok(res.audit.claims.some((a) => a.verdict === "not run" && a.reason.includes("Genia")));
    assert.ok(res.audit.claims.some((a) => parseDeltaCell(a.cell) && a.reason.startsWith("Δ of two cells")));

    const [svgPath] = await yang2017Suite.drawFigures!(out);
    const svg = await Deno.readTextFile(svgPath);
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<g transform=/g) ?? []).length, 10);
    assert.ok(svg.includes("(h) PTB → CoNLL03"));
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test({
  name: "yang2017 with user-supplied SENNA, Polyglot and eng.list: used, hashed, their deviations dropped",
  ignore: !["conll2003", "conll2002", "ptb_wsj_sample_nltk"].every((d) => existsSync(join(dataDir, d))),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // A data directory of links to the real datasets, plus small stand-ins for the three optional resources.
    const dir = await Deno.makeTempDir({ prefix: "tagbench-yang-resources-" });
    for (const entry of Deno.readDirSync(dataDir)) {
      if (entry.name !== "conll2003") await Deno.symlink(join(dataDir, entry.name), join(dir, entry.name));
    }
    await Deno.mkdir(join(dir, "conll2003"));
    for (const f of Deno.readDirSync(join(dataDir, "conll2003"))) {
      await Deno.symlink(join(dataDir, "conll2003", f.name), join(dir, "conll2003", f.name));
    }
    await Deno.writeTextFile(
      join(dir, OPTIONAL_RESOURCES.gazetteer),
      "LOC Germany\nORG European Commission\n",
    );
    const words = ["the", "germany", "of", "in", "0", "."];
    await Deno.mkdir(join(dir, "senna", "hash"), { recursive: true });
    await Deno.mkdir(join(dir, "senna", "embeddings"), { recursive: true });
    await Deno.writeTextFile(join(dir, OPTIONAL_RESOURCES.senna.words), words.join("\n") + "\n");
    await Deno.writeTextFile(
      join(dir, OPTIONAL_RESOURCES.senna.vectors),
      words.map((_, i) => Array.from({ length: 50 }, (_, k) => ((i + k) % 7) / 10).join(" ")).join("\n") +
        "\n",
    );
    await Deno.mkdir(join(dir, "polyglot"));
    await Deno.writeTextFile(
      join(dir, OPTIONAL_RESOURCES.polyglot.es),
      "de 0.1 0.2 0.3 0.4\nla -0.1 0 0.5 1\n",
    );

    const out = await Deno.makeTempDir({ prefix: "tagbench-yang-resources-run-" });
    const res = await reproduce({
      suite: yang2017Suite,
      profile: "smoke",
      protocol: "paper",
      dataDir: dir,
      backend: "wasm",
      out,
      only: ["fig2/h/base/rate=0.01", "fig2/i/T-C/rate=0.01"],
      quiet: true,
    });
    const manifest = await readManifest(out);
    assert.equal(manifest.status, "complete");
    const tables = Object.fromEntries(manifest.embeddings.map((e) => [e.language, e]));
    assert.equal(tables.en.name, "senna.50d");
    assert.equal(tables.en.words_kept, words.length);
    assert.equal(tables.es.name, "polyglot-es");
    assert.match(String(tables.es.sha256), /^[0-9a-f]{64}$/);
    assert.ok(manifest.data_files.some((f) => f.split === "gazetteer" && /^[0-9a-f]{64}$/.test(f.sha256)));
    const base = res.rows.find((r) => r.cell === "fig2/h/base/rate=0.01")!;
    assert.equal(base.extra?.target_embeddings, "senna.50d");
    assert.equal(base.extra?.gazetteer_entries, 2);
    assert.ok(
      !base.deviations.some((d) => d.includes("gazetteer") || d.includes("GloVe")),
      base.deviations.join(),
    );
    const tc = res.rows.find((r) => r.cell === "fig2/i/T-C/rate=0.01")!;
    assert.equal(tc.extra?.target_embeddings, "polyglot-es");
    assert.equal(tc.extra?.gazetteer_entries, undefined, "CoNLL-2003 is the source here: no gazetteer");
    assert.ok(
      tc.deviations.some((d) =>
        d.startsWith("[source data] no gazetteer features for CoNLL-2003 NER as a source")
      ),
    );
    assert.ok(!tc.deviations.some((d) => d.includes("] no Spanish pretrained embeddings")));
  },
});
