/**
 * The contract every registered suite keeps (harness/run/define.ts): every claim maps to exactly one declared
 * cell, an ordered pair of cells (a Δ claim `A - B`) or `cited`; every declared cell is planned or skipped with a
 * reason under every profile and protocol; every relative claim's pairs are declared cells and every paper a
 * claim cites is in the paper card (its tables are named by its venue); and the suite's declaration and model code match the fingerprint
 * recorded beside its version (suites/<id>/fingerprint.json), so that a change without a version bump fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDeltaCell } from "../harness/results/audit.ts";
import { CITED_CELL } from "../harness/results/claims.ts";
import type { DefinedSuite, SuiteTypes } from "../harness/run/define.ts";
import { declarationSha256, readFingerprints, referenceRun } from "../harness/run/fingerprint.ts";
import { PROFILES, PROTOCOLS } from "../harness/run/suite.ts";
import { SUITES } from "./registry.ts";

const dataDir = Deno.env.get("TAGBENCH_DATA_DIR") ??
  resolve(fileURLToPath(new URL("../../shared/data", import.meta.url)));

for (const suite of Object.values(SUITES) as DefinedSuite<SuiteTypes>[]) {
  Deno.test(`contract ${suite.id}: every claim maps to one declared cell, a pair of cells, or cited`, async () => {
    const cells = new Set(suite.cells().map((c) => c.id));
    const bad: string[] = [];
    for (const c of await suite.claims()) {
      if (c.cell === CITED_CELL) continue;
      const pair = parseDeltaCell(c.cell);
      const ids = pair ? [pair.minuend, pair.subtrahend] : [c.cell];
      if (pair && pair.minuend === pair.subtrahend) bad.push(`${c.id}: Δ of a cell with itself`);
      for (const id of ids) if (!cells.has(id)) bad.push(`${c.id} → ${id} (not declared)`);
    }
    assert.deepStrictEqual(bad, []);
  });

  Deno.test(`contract ${suite.id}: relative claims pair declared cells; every cited paper is in the card`, async () => {
    const cells = new Set(suite.cells().map((c) => c.id));
    const papers = new Set(suite.papers.map((p) => p.id));
    const bad: string[] = [];
    for (const s of await suite.relativeClaims()) {
      if (!papers.has(s.paper)) bad.push(`${s.id}: paper "${s.paper}" not in the paper card`);
      for (const p of s.pairs) {
        if (p.a === p.b) bad.push(`${s.id}: ${p.a} compared with itself`);
        for (const id of [p.a, p.b]) if (!cells.has(id)) bad.push(`${s.id} → ${id} (not declared)`);
      }
    }
    for (const c of await suite.claims()) {
      if (!papers.has(c.paper)) bad.push(`${c.id}: paper "${c.paper}" not in the paper card`);
    }
    assert.deepStrictEqual(bad, []);
  });

  Deno.test(`contract ${suite.id}: every declared cell is planned or skipped with a reason, in every profile`, async () => {
    const declared = suite.cells().map((c) => c.id);
    for (const profile of PROFILES) {
      for (const protocol of PROTOCOLS) {
        const plan = await suite.plan({ profile, protocol, dataDir: "", verifyData: false });
        const planned = new Set(plan.cells.map((c) => c.id));
        const skipped = new Map(plan.skipped.map((s) => [s.id, s.reason]));
        for (const id of declared) {
          assert.ok(planned.has(id) !== skipped.has(id), `${profile}/${protocol}: ${id} planned xor skipped`);
          if (skipped.has(id)) assert.ok(skipped.get(id)!.length > 0, `${id}: a reason`);
        }
        assert.equal(plan.cells.length + plan.skipped.length, declared.length);
        const seeds = plan.cells.flatMap((c) => c.seeds);
        assert.equal(new Set(seeds).size, seeds.length, `${profile}/${protocol}: no two runs share a seed`);
      }
    }
  });

  Deno.test(`contract ${suite.id}: the declaration matches the fingerprint recorded for version ${suite.version}`, async () => {
    const entry = (await readFingerprints(suite)).versions.find((v) => v.version === suite.version);
    assert.ok(
      entry,
      `suites/${suite.id}/fingerprint.json records no version ${suite.version}: run ` +
        `\`deno task fingerprint ${suite.id} --write\``,
    );
    assert.equal(
      await declarationSha256(suite),
      entry.declaration_sha256,
      `the declaration of ${suite.id} changed but its version (${suite.version}) did not: bump the version, say ` +
        `why in the README changelog, and record it with \`deno task fingerprint ${suite.id} --write\``,
    );
  });

  Deno.test({
    name:
      `contract ${suite.id}: the tiny reference run (1 cell, ~1 epoch, OpenBLAS off) gives the recorded predictions`,
    ignore: !existsSync(join(dataDir, "conll2003")),
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const entry = (await readFingerprints(suite)).versions.find((v) => v.version === suite.version);
      assert.ok(entry, `no fingerprint for ${suite.id} ${suite.version}`);
      const got = await referenceRun(suite, dataDir);
      assert.deepStrictEqual([got.cell, got.seed], [entry.reference.cell, entry.reference.seed]);
      assert.equal(
        got.log_sha256,
        entry.reference.log_sha256,
        `the training log (losses, scores) of ${suite.id}'s reference run differs from the one recorded for ` +
          `version ${suite.version}: the model or training code changed; bump the version and record it`,
      );
      assert.equal(
        got.predictions_sha256,
        entry.reference.predictions_sha256,
        `the reference run of ${suite.id} (${got.cell}) predicts differently than recorded for version ` +
          `${suite.version}: the model or training code changed; bump the version and record it`,
      );
    },
  });
}
