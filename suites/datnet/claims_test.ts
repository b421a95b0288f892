/**
 * Checks the transcription in `claims.csv` of the paper's own numbers: ACL 2019 Tables 2–6 and TPAMI Tables 3–11
 * (counts, cell ids, spot values, and that the tables printed in both papers agree).
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Claim, loadClaims } from "../../harness/results/claims.ts";

const ACL = "zhou2019-acl";
const TPAMI = "zhou-tpami";
const claims = await loadClaims(new URL("./claims.csv", import.meta.url));
const byId = new Map(claims.map((c) => [c.id, c]));

/** Claims per (paper, table). TPAMI Table 6 lacks 18 values: the WNUT-2016 rows + F-Transfer, DATNet-P and
 * DATNet-F are not legible in the TPAMI text (they are in ACL Table 3). */
const COUNTS: Record<string, number> = {
  [`${ACL} / Table 2`]: 24,
  [`${ACL} / Table 3`]: 72,
  [`${ACL} / Table 4`]: 28,
  [`${ACL} / Table 5`]: 60,
  [`${ACL} / Table 6`]: 20,
  [`${TPAMI} / Table 3`]: 24,
  [`${TPAMI} / Table 4`]: 48,
  [`${TPAMI} / Table 5`]: 66,
  [`${TPAMI} / Table 6`]: 54,
  [`${TPAMI} / Table 7`]: 28,
  [`${TPAMI} / Table 8`]: 12,
  [`${TPAMI} / Table 9`]: 20,
  [`${TPAMI} / Table 10`]: 60,
  [`${TPAMI} / Table 11`]: 60,
};

const T3_VARIANT = "(base|base\\+at|p-transfer|f-transfer|datnet-p|datnet-f)";
const FULL_VARIANT =
  "(base|base\\+at|base\\+dropout|(at\\+)?[pf]-transfer(\\+ad)?|[pf]-transfer\\+grad|datnet-[pf])";
const ALPHA =
  "(0\\.1|0\\.15|0\\.2|0\\.25|0\\.3|0\\.35|0\\.4|0\\.45|0\\.5|0\\.55|0\\.6|0\\.65|0\\.7|0\\.75|0\\.8)";
const RHO = "(0\\.1|0\\.2|0\\.4|0\\.6)";
const UD = "(bg|cs|da|de|en|es|eu|fa|fi|fr|he|hi|hr|id|it|nl|no|pl|pt|sl|sv|avg)";
const LM_VARIANT = "(base|base\\+elmo|base\\+bert|datnet-[pf]|datnet-[pf]\\+(elmo|bert))";

/** The cell-id patterns the suite plans (suite.ts). */
const CELL_PATTERNS = [
  `t3/(es|wnut16)/${T3_VARIANT}/k=(10|50|100|200|500|1000)`,
  `full/(es|nl|wnut16|wnut17)/${FULL_VARIANT}`,
  `alpha/es/r=${RHO}/alpha=${ALPHA}`,
  `eps/es/r=${RHO}/eps_wT=(1|3|5|7|9)`,
  "clner/(fy|mr|gl|gl-h|uk|uk-h)/base",
  "clner/(nl|hi|ar|es|ru)-(fy|mr|gl|gl-h|uk|uk-h)/datnet-[pf]",
  `ud/${UD}/(base|datnet-p|datnet-f)`,
  `lm/(conll2000|conll2003|ontonotes-ner|wnut17|nl|ontonotes-pos|ptb-wsj)/${LM_VARIANT}`,
].map((p) => new RegExp(`^${p}$`));

/** Same table printed in both papers: ACL id prefix → TPAMI id prefix. */
const TWINS: [string, string][] = [
  ["acl-t2/", "tpami-t3/"],
  ["acl-t3/", "tpami-t6/"],
  ["acl-t4/", "tpami-t7/"],
  ["acl-t5/", "tpami-t10/"],
  ["acl-t6/", "tpami-t9/"],
];

function claim(id: string): Claim {
  const c = byId.get(id);
  assert.ok(c, `claim ${id} exists`);
  return c;
}

Deno.test("claims: count per (paper, table) and in total", () => {
  const counts: Record<string, number> = {};
  for (const c of claims) counts[`${c.paper} / ${c.table}`] = (counts[`${c.paper} / ${c.table}`] ?? 0) + 1;
  assert.deepStrictEqual(counts, COUNTS);
  assert.equal(claims.length, 576);
});

Deno.test("claims: the 72 ACL Table 3 claims keep their ids and cells", () => {
  const t3 = claims.filter((c) => c.id.startsWith("acl-t3/"));
  assert.equal(t3.length, 72);
  for (const c of t3) assert.equal(c.cell, c.id.replace(/^acl-/, ""), c.id);
});

Deno.test("claims: every cell id matches a planned pattern, ids carry their paper and table", () => {
  for (const c of claims) {
    assert.ok(CELL_PATTERNS.some((p) => p.test(c.cell)), `${c.id}: cell ${c.cell}`);
    const m = /^(acl|tpami)-t(\d+)\//.exec(c.id);
    assert.ok(m, c.id);
    assert.equal(c.paper, m[1] === "acl" ? ACL : TPAMI, c.id);
    assert.equal(c.table, `Table ${m[2]}`, c.id);
  }
});

Deno.test("claims: metric, stat, n, std and fraction follow the column rules", () => {
  const t3Fraction = new Map(
    claims.filter((c) => c.id.startsWith("acl-t3/")).map((c) => [c.cell, c.fraction]),
  );
  for (const c of claims) {
    const pos = c.id.startsWith("tpami-t5/") || /^tpami-t11\/(ontonotes-pos|ptb-wsj)\//.test(c.id);
    assert.equal(c.metric, pos ? "test/accuracy" : "test/f1", c.id);
    if (c.stat === "single") assert.ok(c.n === undefined && c.std === undefined, c.id);
    else assert.equal(c.n, 10, c.id);
    if (c.stat === "mean") assert.ok(c.std !== undefined && c.std > 0, c.id);
    if (c.stat === "best") assert.equal(c.std, undefined, c.id);
    const rho = /\/r=([\d.]+)\//.exec(c.cell);
    if (rho) assert.equal(c.fraction, Number(rho[1]), c.id);
    else if (c.cell.startsWith("t3/")) assert.equal(c.fraction, t3Fraction.get(c.cell), c.id);
    else assert.equal(c.fraction, 1, c.id);
    assert.ok(c.value > 0 && c.value < 100, c.id);
  }
});

Deno.test("claims: spot values", () => {
  const f = claim("acl-t2/wnut16/datnet-f/mean");
  assert.deepStrictEqual([f.value, f.std, f.n, f.stat, f.cell], [
    53.03,
    0.24,
    10,
    "mean",
    "full/wnut16/datnet-f",
  ]);
  const b = claim("acl-t2/es/datnet-p/best");
  assert.deepStrictEqual([b.value, b.std, b.n, b.stat], [88.16, undefined, 10, "best"]);
  const a = claim("acl-t5/es/r=0.6/alpha=0.35");
  assert.deepStrictEqual([a.value, a.cell, a.fraction], [86.1, "alpha/es/r=0.6/alpha=0.35", 0.6]);
  assert.equal(claim("acl-t6/es/r=0.1/eps_wT=9").value, 78.13);
  assert.equal(claim("acl-t4/wnut16/at+f-transfer+ad").value, 51.84);
  assert.equal(claim("acl-t4/es/p-transfer+grad").value, 86.93);
  const gl = claim("tpami-t4/es-gl/datnet-f");
  assert.deepStrictEqual([gl.value, gl.cell], [86.01, "clner/es-gl/datnet-f"]);
  assert.deepStrictEqual([claim("tpami-t4/ar-gl-h/base").value, claim("tpami-t4/ar-gl-h/base").cell], [
    92.78,
    "clner/gl-h/base",
  ]);
  const ud = claim("tpami-t5/avg/datnet-p");
  assert.deepStrictEqual([ud.value, ud.metric, ud.cell], [96.86, "test/accuracy", "ud/avg/datnet-p"]);
  assert.equal(claim("tpami-t5/fr/datnet-p").value, 97.34);
  assert.equal(claim("tpami-t8/wnut17/base+dropout").value, 36.72);
  assert.equal(claim("tpami-t8/nl/base+at").value, 86.76);
  assert.equal(claim("tpami-t11/wnut17/datnet-f+bert").value, 50.63);
  assert.equal(claim("tpami-t11/ptb-wsj/datnet-f+bert").metric, "test/accuracy");
  assert.equal(byId.has("tpami-t11/nl/base+elmo"), false, "'-' cells have no claim");
});

Deno.test("claims: stat rule for numbers reused from ACL Table 2 / TPAMI Table 3", () => {
  // Ablation / regulariser / LM tables print a Table 2 mean for Base and Table 2 bests for DATNet-P/F.
  assert.deepStrictEqual([claim("acl-t4/es/base").stat, claim("acl-t4/es/base").std], ["mean", 0.15]);
  assert.equal(claim("acl-t4/es/datnet-p").stat, "best");
  assert.equal(claim("tpami-t7/wnut16/datnet-f").stat, "best");
  assert.deepStrictEqual([claim("tpami-t8/wnut17/base").stat, claim("tpami-t8/wnut17/base").value], [
    "mean",
    34.67,
  ]);
  // TPAMI Table 8 prints the Dutch Base *best* (85.55) next to the other targets' means.
  assert.deepStrictEqual([claim("tpami-t8/nl/base").stat, claim("tpami-t8/nl/base").value], ["best", 85.55]);
  for (const id of ["wnut17/base", "nl/base", "wnut17/datnet-p", "nl/datnet-f"]) {
    const c = claim(`tpami-t11/${id}`);
    assert.equal(c.stat, "best", c.id);
    assert.equal(c.cell, `full/${id}`, c.id);
    assert.equal(c.value, claim(`acl-t2/${id}/best`).value, c.id);
  }
  assert.equal(claim("tpami-t11/conll2003/datnet-p").cell, "lm/conll2003/datnet-p");
});

Deno.test("claims: tables printed in both papers agree cell by cell", () => {
  for (const [acl, tpami] of TWINS) {
    const a = new Map(claims.filter((c) => c.id.startsWith(acl)).map((c) => [c.id.slice(acl.length), c]));
    const t = claims.filter((c) => c.id.startsWith(tpami));
    assert.ok(t.length > 0, tpami);
    if (acl !== "acl-t3/") assert.equal(t.length, a.size, `${acl} vs ${tpami}`);
    for (const c of t) {
      const twin = a.get(c.id.slice(tpami.length));
      assert.ok(twin, `${c.id} has an ACL twin`);
      for (const k of ["value", "std", "n", "stat", "cell", "fraction", "metric", "column"] as const) {
        assert.equal(c[k], twin[k], `${c.id}.${k}`);
      }
    }
  }
});

Deno.test("claims: claims of one cell with one stat print one number", () => {
  const seen = new Map<string, Claim>();
  for (const c of claims) {
    const key = `${c.cell} ${c.stat}`;
    const first = seen.get(key);
    if (first) {
      assert.equal(c.value, first.value, `${c.id} vs ${first.id}`);
      assert.equal(c.std, first.std, `${c.id} vs ${first.id}`);
    } else seen.set(key, c);
  }
});

Deno.test("claims: TPAMI Table 5 average row is the mean of the 21 languages (to rounding)", () => {
  for (const v of ["base", "datnet-p", "datnet-f"]) {
    const langs = claims.filter((c) =>
      c.id.startsWith("tpami-t5/") && c.id.endsWith(`/${v}`) && !c.id.includes("/avg/")
    );
    assert.equal(langs.length, 21);
    const mean = langs.reduce((s, c) => s + c.value, 0) / langs.length;
    assert.ok(Math.abs(mean - claim(`tpami-t5/avg/${v}`).value) <= 0.005, `${v}: ${mean}`);
  }
});
