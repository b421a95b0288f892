import assert from "node:assert/strict";
import {
  auditRelative,
  expandPairs,
  holm,
  pairedTTest,
  parseRelativeClaims,
  type RelativeStatement,
  summariseRelative,
} from "./relative.ts";
import { compareSides, deviation, parseDeviation, retag } from "./deviations.ts";
import type { MeasuredRow } from "./audit.ts";

const HEADER = "id,paper,table,relation,a,b,over,along,metric,floor,text,source";

function near(a: number, b: number, tol = 1e-9) {
  assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);
}

// deno-lint-ignore no-explicit-any
function throwsWith(f: () => unknown, cls: new (...a: any[]) => Error, text: string) {
  assert.throws(f, (e: unknown) => e instanceof cls && e.message.includes(text));
}

Deno.test("pairedTTest matches scipy.stats.ttest_1samp (one-sided)", () => {
  // scipy 1.x: ttest_1samp([3.1, 2.4, 4.0], 0, alternative="greater") → t 6.838249632112598, p 0.010361314982260002
  const a = pairedTTest([3.1, 2.4, 4.0]);
  near(a.t, 6.838249632112598, 1e-12);
  near(a.pGreater, 0.010361314982260002, 1e-12);
  near(a.pLess, 1 - 0.010361314982260002, 1e-12);
  // [1.0, -0.5, 0.8, 0.2] → t 1.110857171875453, p 0.17382671631048918
  const b = pairedTTest([1.0, -0.5, 0.8, 0.2]);
  near(b.t, 1.110857171875453, 1e-12);
  near(b.pGreater, 0.17382671631048918, 1e-12);
  // zero spread: the sign decides
  assert.deepStrictEqual([pairedTTest([1, 1, 1]).pGreater, pairedTTest([1, 1, 1]).pLess], [0, 1]);
  assert.deepStrictEqual([pairedTTest([0, 0, 0]).pGreater, pairedTTest([0, 0, 0]).pLess], [1, 1]);
  assert.throws(() => pairedTTest([1]), RangeError);
});

Deno.test("holm adjusts step-down (Holm 1979)", () => {
  // sorted 0.01, 0.03, 0.04, 0.5 (m = 4): 4·0.01, 3·0.03, max(0.09, 2·0.04), max(0.09, 0.5)
  const adj = holm([0.01, 0.04, 0.03, 0.5]);
  [0.04, 0.09, 0.09, 0.5].forEach((x, i) => near(adj[i], x, 1e-12));
  assert.deepStrictEqual(holm([0.9, 0.8]), [1, 1]);
});

Deno.test("expandPairs takes the cartesian product and refuses unused or missing variables", () => {
  const p = expandPairs("t/{x}/f/k={k}", "t/{x}/b/k={k}", "x=es|nl; k=10|50");
  assert.deepStrictEqual(p.map((q) => q.a), ["t/es/f/k=10", "t/es/f/k=50", "t/nl/f/k=10", "t/nl/f/k=50"]);
  assert.deepStrictEqual(expandPairs("a", "b", "").map((q) => [q.a, q.b]), [["a", "b"]]);
  assert.throws(() => expandPairs("t/{x}", "u", ""), SyntaxError);
  assert.throws(() => expandPairs("t", "u", "x=1|2"), SyntaxError);
  assert.throws(() => expandPairs("t/{x}", "u", "x 1"), SyntaxError);
});

Deno.test("parseRelativeClaims groups rows by id and checks relations, floors and along", () => {
  const s = parseRelativeClaims(
    [
      HEADER,
      `f>b,acl,Table 3,>,t/{k}/f,t/{k}/b,k=10|50,,test/f1,,"F beats B",p. 1`,
      `f>b,acl,Table 3,>,x/f,x/b,,,test/f1,,"F beats B",p. 1`,
      `ge,acl,Table 3,>=,t/10/f,t/10/p,,,test/f1,1.5,"no worse",p. 2`,
      `g,acl,Table 3,gain-shrinks,t/{k}/f,t/{k}/b,k=10|50|100,k,test/f1,,"gain shrinks",p. 3`,
    ].join("\n"),
  );
  assert.deepStrictEqual(s.map((x) => [x.id, x.pairs.length]), [["f>b", 3], ["ge", 1], ["g", 3]]);
  assert.deepStrictEqual(s[1].floor, 1.5);
  assert.deepStrictEqual(s[2].pairs.map((p) => p.at), [10, 50, 100]);
  const bad = (row: string, text: string) =>
    throwsWith(() => parseRelativeClaims(`${HEADER}\n${row}\n`, "r.csv"), SyntaxError, text);
  bad(`a,p,T,<,x,y,,,test/f1,,t,s`, 'Cannot read "r.csv": line 2 has relation "<"');
  bad(`a,p,T,>,x,y,,,test/f1,1,t,s`, 'only a ">=" relation takes');
  bad(`a,p,T,>=,x,y,,,test/f1,,t,s`, "without a floor");
  bad(`a,p,T,gain-shrinks,x{k},y{k},k=1|2,,test/f1,,t,s`, 'without "along"');
  bad(`a,p,T,gain-shrinks,x{k},y{k},k=a|b,k,test/f1,,t,s`, "numeric values");
  bad(`a,p,T,>,x,y,,,test/nope,,t,s`, "line 2");
  throwsWith(
    () =>
      parseRelativeClaims(`${HEADER}\na,p,T,>,x,y,,,test/f1,,t,s\na,p,T,>,x,z,,,test/f1,,other,s\n`, "r.csv"),
    SyntaxError,
    'line 3 repeats statement "a" with a different text',
  );
  throwsWith(
    () => parseRelativeClaims(`${HEADER}\na,p,T,>,x,y,,,test/f1,,t,s\na,p,T,>,x,y,,,test/f1,,t,s\n`, "r.csv"),
    SyntaxError,
    "twice",
  );
});

const row = (cell: string, seed: number, f1: number, deviations: string[] = []): MeasuredRow => ({
  cell,
  seed,
  metrics: { "test/f1": f1 },
  deviations,
  protocol: "paper",
});

const statement = (
  relation: ">" | ">=" | "gain-shrinks",
  pairs: RelativeStatement["pairs"],
  floor?: number,
) => ({
  id: "s",
  paper: "acl",
  table: "Table 3",
  relation,
  metric: "test/f1",
  ...(floor !== undefined ? { floor } : {}),
  ...(relation === "gain-shrinks" ? { along: "k" } : {}),
  text: "A beats B",
  source: "p. 1",
  pairs,
});

const cells = (cell: string, values: number[], dev: string[] = []) =>
  values.map((v, i) => row(cell, i + 1, v, dev));

Deno.test("relative rule: separated seeds hold, reversed do not hold, overlapping are inconclusive", () => {
  const st = [statement(">", [{ a: "A", b: "B" }])];
  const clear = auditRelative(st, [...cells("A", [60, 61, 62]), ...cells("B", [50, 52, 51])]);
  assert.deepStrictEqual(clear[0].verdict, "holds");
  assert.ok(clear[0].p! < 0.05);
  const reversed = auditRelative(st, [...cells("A", [50, 52, 51]), ...cells("B", [60, 61, 62])]);
  assert.deepStrictEqual(reversed[0].verdict, "does not hold");
  const overlap = auditRelative(st, [...cells("A", [55, 50, 53]), ...cells("B", [52, 54, 51])]);
  assert.deepStrictEqual(overlap[0].verdict, "inconclusive");
  const two = auditRelative(st, [...cells("A", [60, 61]), ...cells("B", [50, 52])]);
  assert.deepStrictEqual(two[0].verdict, "inconclusive");
  assert.match(two[0].reason, /fewer than 3/);
  // seeds are paired by rank; the shorter side sets n
  const uneven = auditRelative(st, [...cells("A", [60, 61, 62, 63]), ...cells("B", [50, 52, 51])]);
  assert.deepStrictEqual(uneven[0].n, 3);
});

Deno.test("relative rule: >= tests A > B − floor", () => {
  // A is 0.5 below B, floor 2: holds; floor 0 would not hold
  const a = cells("A", [49.5, 50.6, 51.4]);
  const b = cells("B", [50, 51, 52]);
  assert.deepStrictEqual(
    auditRelative([statement(">=", [{ a: "A", b: "B" }], 2)], [...a, ...b])[0].verdict,
    "holds",
  );
  assert.deepStrictEqual(
    auditRelative([statement(">", [{ a: "A", b: "B" }])], [...a, ...b])[0].verdict,
    "does not hold",
  );
});

Deno.test("relative rule: gain-shrinks compares adjacent sizes with Holm-adjusted p-values", () => {
  const pairs = [10, 50, 100].map((k) => ({ a: `F${k}`, b: `B${k}`, group: "", at: k }));
  const rows = [
    ...cells("F10", [40, 41, 42]),
    ...cells("B10", [20, 20.5, 21]), // gain ≈ 20.8
    ...cells("F50", [50, 51, 52]),
    ...cells("B50", [40, 41.5, 41]), // gain ≈ 10.2
    ...cells("F100", [60, 61, 62]),
    ...cells("B100", [55, 56, 57.5]), // gain ≈ 4.8
  ];
  const out = auditRelative([statement("gain-shrinks", pairs)], rows);
  assert.deepStrictEqual(out.map((r) => r.item), [
    "gain at k=10 > gain at k=50",
    "gain at k=50 > gain at k=100",
  ]);
  assert.deepStrictEqual(out.map((r) => r.verdict), ["holds", "holds"]);
  const raw = pairedTTest([40 - 20 - (50 - 40), 41 - 20.5 - (51 - 41.5), 42 - 21 - (52 - 41)]);
  assert.ok(out[0].p! >= raw.pGreater, "adjusted p is never below the raw p");
  assert.match(out[0].reason, /Holm-adjusted/);
});

Deno.test("relative rule: smoke runs are indicative only; missing cells are not run", () => {
  const st = [statement(">", [{ a: "A", b: "B" }, { a: "A", b: "C" }])];
  const out = auditRelative(st, [...cells("A", [60, 61, 62]), ...cells("B", [50, 52, 51])], {
    smoke: true,
    notRunReasons: new Map([["C", "blocked: no data"]]),
  });
  assert.deepStrictEqual(out.map((r) => r.verdict), ["indicative (smoke)", "not run"]);
  assert.match(out[1].reason, /C: blocked: no data/);
  const summary = summariseRelative(st, out);
  assert.deepStrictEqual(summary[0].line, "0 of 2 hold, 1 indicative (smoke), 1 not run");
});

Deno.test("deviations: shared ones are ignored, one-sided components asymmetric, differing ones not comparable", () => {
  const tgt = deviation("target embeddings", "Spanish random");
  const src = deviation("source embeddings", "GloVe for English");
  const budget = deviation("budget", "20 epochs");
  const st = [statement(">", [{ a: "F", b: "B" }])];
  const components = new Map([
    ["F", ["target data", "source data", "target embeddings", "source embeddings", "budget"]],
    ["B", ["target data", "target embeddings", "budget"]],
  ]);
  const rows = [...cells("F", [60, 61, 62], [budget, tgt, src]), ...cells("B", [50, 52, 51], [budget, tgt])];
  const out = auditRelative(st, rows, { components });
  assert.deepStrictEqual(out[0].verdict, "holds");
  assert.deepStrictEqual(out[0].asymmetric, [src]);
  // a deviation of a component both use that only one side has: not comparable, with the would-be verdict beside
  const other = deviation("target data", "other split");
  const bad = auditRelative(st, [
    ...cells("F", [60, 61, 62], [tgt, other]),
    ...cells("B", [50, 52, 51], [tgt]),
  ], {
    components,
  });
  assert.deepStrictEqual(bad[0].verdict, "not comparable");
  assert.match(bad[0].ifWaived!, /^would be holds/);
});

Deno.test("the waived column never changes the verdict column", () => {
  const st = [statement(">", [{ a: "F", b: "B" }])];
  const d = deviation("target data", "x");
  for (
    const [fa, fb] of [[[60, 61, 62], [50, 52, 51]], [[50, 52, 51], [60, 61, 62]], [[55, 50, 53], [
      52,
      54,
      51,
    ]]]
  ) {
    const plain = auditRelative(st, [...cells("F", fa), ...cells("B", fb)]);
    const dev = auditRelative(st, [...cells("F", fa, [d]), ...cells("B", fb)]);
    assert.deepStrictEqual(dev[0].verdict, "not comparable");
    assert.deepStrictEqual(plain[0].ifWaived, undefined);
    assert.ok(dev[0].ifWaived!.startsWith(`would be ${plain[0].verdict} (`), String(dev[0].ifWaived));
  }
});

Deno.test("deviation tags: parse, untagged as unspecified, retag from the current plan", () => {
  assert.deepStrictEqual(parseDeviation("[budget] 20 epochs"), { component: "budget", text: "20 epochs" });
  assert.deepStrictEqual(parseDeviation("[x] y").component, "unspecified");
  assert.deepStrictEqual(parseDeviation("plain").component, "unspecified");
  assert.throws(() => deviation("nope" as never, "x"), RangeError);
  assert.deepStrictEqual(retag(["20 epochs", "[seeds] 3", "gone"], ["[budget] 20 epochs"]), [
    "[budget] 20 epochs",
    "[seeds] 3",
    "gone",
  ]);
  // unspecified is used by both sides: differing untagged deviations make the sides differ
  const cmp = compareSides({ deviations: ["a"], components: new Set() }, {
    deviations: [],
    components: new Set(),
  });
  assert.deepStrictEqual(cmp.differ, ["a"]);
});
