import assert from "node:assert/strict";
import { auditClaims, type MeasuredRow } from "./audit.ts";
import type { Claim } from "./claims.ts";
import { protocolGap, protocolGapMarkdown } from "./protocol_gap.ts";

const claim = (id: string, cell: string, stat: "mean" | "best", value: number): Claim => ({
  id,
  paper: "p",
  table: "Table 2",
  row: "DATNet-F",
  column: "es",
  metric: "test/f1",
  value,
  stat,
  n: 10,
  cell,
  fraction: 1,
  source: "test",
});
const rows = (cell: string, protocol: string, values: number[]): MeasuredRow[] =>
  values.map((v, seed) => ({ cell, seed, metrics: { "test/f1": v }, deviations: [], protocol }));

Deno.test("protocolGap: paper − clean for mean and best, only where both protocols ran", () => {
  const claims = [
    claim("a/mean", "a", "mean", 80),
    claim("a/best", "a", "best", 81),
    claim("b", "b", "mean", 70),
  ];
  const paper = auditClaims(claims, [...rows("a", "paper", [80, 82, 84]), ...rows("b", "paper", [70])]);
  const clean = auditClaims(claims, rows("a", "clean", [78, 79, 80]));
  const gap = protocolGap(paper, clean);
  assert.equal(gap.length, 3);
  assert.equal(gap[0].paperMean, 82);
  assert.equal(gap[0].cleanMean, 79);
  assert.equal(gap[0].gapMean, 3);
  assert.equal(gap[1].gapBest, 4);
  assert.equal(gap[2].gapMean, undefined);
  assert.equal(gap[2].cleanVerdict, "not run");
  const md = protocolGapMarkdown(gap, "t");
  assert.match(md, /measured under both protocols: 2 of 3/);
  assert.match(md, /mean gap \(paper − clean, mean over seeds\): 3\.00/);
  assert.throws(() => protocolGap(paper, clean.slice(1)), /same claims/);
});
