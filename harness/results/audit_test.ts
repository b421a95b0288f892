import assert from "node:assert/strict";

function approx(a: number, b: number, tol: number) {
  assert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);
}
import {
  auditClaims,
  type MeasuredRow,
  summarise,
  tolerance,
  toleranceFloor,
  verdictCounts,
} from "./audit.ts";
import type { Claim } from "./claims.ts";

function claim(over: Partial<Claim> = {}): Claim {
  return {
    id: "c1",
    paper: "p",
    table: "Table 3",
    row: "Base",
    column: "es / 10",
    metric: "test/f1",
    value: 50,
    stat: "single",
    cell: "cell1",
    fraction: 1,
    source: "p. 1",
    ...over,
  };
}

Deno.test("toleranceFloor: 1.0 full data, 2.0 at fraction ≥ 0.1, 4.0 below, own floor wins", () => {
  assert.deepStrictEqual(toleranceFloor(claim({ fraction: 1 })), 1.0);
  assert.deepStrictEqual(toleranceFloor(claim({ fraction: 0.1 })), 2.0);
  assert.deepStrictEqual(toleranceFloor(claim({ fraction: 0.4 })), 2.0);
  assert.deepStrictEqual(toleranceFloor(claim({ fraction: 0.099 })), 4.0);
  assert.deepStrictEqual(toleranceFloor(claim({ fraction: 0.001, floor: 0.5 })), 0.5);
});

Deno.test("tolerance is max(floor, 2·sqrt(σ_pub² + σ_meas²/n))", () => {
  assert.deepStrictEqual(tolerance(1, undefined, 0, 1), 1);
  approx(tolerance(1, 0.3, 2, 4), 2 * Math.sqrt(0.09 + 1), 1e-12);
  assert.deepStrictEqual(tolerance(4, 0.1, 0.1, 5), 4);
});

Deno.test("summarise uses the sample standard deviation", () => {
  const s = summarise([1, 2, 3, 4]);
  assert.deepStrictEqual(s.mean, 2.5);
  approx(s.std, Math.sqrt(5 / 3), 1e-12);
  assert.deepStrictEqual([s.min, s.max, s.n], [1, 4, 4]);
  assert.deepStrictEqual(summarise([7]).std, 0);
});

Deno.test("auditClaims: not run, not comparable, reproduced, not reproduced", () => {
  const claims = [
    claim({ id: "a", cell: "ca" }),
    claim({ id: "b", cell: "cb", value: 50 }),
    claim({ id: "c", cell: "cc", value: 50 }),
    claim({ id: "d", cell: "cd", value: 50 }),
  ];
  const rows = [
    { cell: "cb", seed: 1, metrics: { "test/f1": 50.5 }, deviations: ["smoke profile"], protocol: "paper" },
    { cell: "cc", seed: 1, metrics: { "test/f1": 50.9 }, deviations: [], protocol: "paper" },
    { cell: "cd", seed: 1, metrics: { "test/f1": 48.9 }, deviations: [], protocol: "paper" },
  ];
  const audit = auditClaims(claims, rows, new Map([["ca", "needs GRAD"]]));
  assert.deepStrictEqual(audit.map((a) => a.verdict), [
    "not run",
    "not comparable",
    "reproduced",
    "not reproduced",
  ]);
  assert.deepStrictEqual(audit[0].reason, "needs GRAD");
  assert.ok(audit[1].reason.includes("smoke profile"));
  approx(audit[1].delta!, 0.5, 1e-9);
  approx(audit[3].delta!, -1.1, 1e-9);
  assert.deepStrictEqual(verdictCounts(audit), {
    "reproduced": 1,
    "not reproduced": 1,
    "not comparable": 1,
    "not run": 1,
  });
});

Deno.test("auditClaims: a deviation never yields reproduced, even on an exact match", () => {
  const audit = auditClaims([claim()], [{
    cell: "cell1",
    seed: 1,
    metrics: { "test/f1": 50 },
    deviations: ["GloVe"],
    protocol: "p",
  }]);
  assert.deepStrictEqual(audit[0].verdict, "not comparable");
});

Deno.test("auditClaims: best-of-n claims compare with the best seed, mean claims with the mean", () => {
  const rows = [45, 50, 55].map((v, i) => ({
    cell: "cell1",
    seed: i,
    metrics: { "test/f1": v },
    deviations: [],
    protocol: "p",
  }));
  const best = auditClaims([claim({ stat: "best", value: 55 })], rows)[0];
  assert.deepStrictEqual(best.measured, 55);
  assert.deepStrictEqual(best.verdict, "reproduced");
  const mean = auditClaims([claim({ stat: "mean", value: 50, std: 0.2 })], rows)[0];
  assert.deepStrictEqual(mean.measured, 50);
  assert.deepStrictEqual(mean.n, 3);
  // tol = max(1, 2·sqrt(0.04 + 25/3)) ≈ 5.79
  approx(mean.tolerance!, 2 * Math.sqrt(0.04 + 25 / 3), 1e-9);
});

Deno.test("auditClaims: a NaN measurement is never reproduced", () => {
  const audit = auditClaims([claim()], [{
    cell: "cell1",
    seed: 1,
    metrics: { "test/f1": NaN },
    deviations: [],
    protocol: "p",
  }]);
  assert.deepStrictEqual(audit[0].verdict, "not comparable");
});

Deno.test("auditClaims: a Δ claim `A - B` is the difference of the two cells, with both cells' spread", () => {
  const claim: Claim = {
    id: "d",
    paper: "p",
    table: "Table 2",
    row: "r",
    column: "Delta",
    metric: "test/f1",
    value: 5,
    stat: "mean",
    cell: "a - b",
    fraction: 1,
    source: "s",
  };
  const rows: MeasuredRow[] = [
    ...[80, 82].map((v, seed) => ({
      cell: "a",
      seed,
      metrics: { "test/f1": v },
      deviations: [],
      protocol: "paper",
    })),
    ...[75, 78].map((v, seed) => ({
      cell: "b",
      seed,
      metrics: { "test/f1": v },
      deviations: [],
      protocol: "paper",
    })),
  ];
  const [row] = auditClaims([claim], rows);
  assert.equal(row.measured, 4.5);
  assert.equal(row.delta, -0.5);
  assert.equal(row.n, 2);
  assert.ok(Math.abs(row.tolerance! - 2 * Math.sqrt(2 / 2 + 4.5 / 2)) < 1e-12);
  assert.equal(row.verdict, "reproduced");
  const [best] = auditClaims([{ ...claim, stat: "best" }], rows);
  assert.equal(best.measured, 4);
  const [half] = auditClaims([claim], rows.slice(0, 2), new Map([["b", "not in the smoke profile"]]));
  assert.equal(half.verdict, "not run");
  assert.match(half.reason, /b: not in the smoke profile/);
});

Deno.test("auditClaims: the claim's metric key is read, best follows its direction, a missing key says so", () => {
  const rows: MeasuredRow[] = [3, 5].map((v, seed) => ({
    cell: "lm",
    seed,
    metrics: { "lm/dev_ppl": 100 + v, "test/accuracy": 90 + v },
    deviations: [],
    protocol: "paper",
  }));
  const ppl = auditClaims([claim({ cell: "lm", metric: "lm/dev_ppl", stat: "best", value: 103 })], rows)[0];
  assert.equal(ppl.measured, 103, "best perplexity is the lowest");
  assert.equal(ppl.verdict, "reproduced");
  const acc = auditClaims([claim({ cell: "lm", metric: "test/accuracy", stat: "best", value: 95 })], rows)[0];
  assert.equal(acc.measured, 95);
  const f1 = auditClaims([claim({ cell: "lm", metric: "test/f1" })], rows)[0];
  assert.equal(f1.verdict, "not comparable");
  assert.match(f1.reason, /did not measure "test\/f1" in lm \(measured: lm\/dev_ppl, test\/accuracy\)/);
});

Deno.test("if deviations were waived: a distance beside `not comparable`, never a change of the verdict", () => {
  const row = (v: number, deviations: string[]) => ({
    cell: "cell1",
    seed: 1,
    metrics: { "test/f1": v },
    deviations,
    protocol: "paper",
  });
  const within = auditClaims([claim({ value: 50 })], [row(50.6, ["GloVe instead of word2vec"])])[0];
  assert.equal(within.verdict, "not comparable");
  assert.equal(within.ifWaived, "would be within tolerance (|Δ| 0.60 ≤ tol 1.00)");
  const outside = auditClaims([claim({ value: 50 })], [row(46.5, ["GloVe instead of word2vec"])])[0];
  assert.equal(outside.verdict, "not comparable");
  assert.equal(outside.ifWaived, "outside by 2.50 points (|Δ| 3.50 > tol 1.00)");
  const clean = auditClaims([claim({ value: 50 })], [row(46.5, [])])[0];
  assert.equal(clean.verdict, "not reproduced");
  assert.equal(clean.ifWaived, undefined, "without deviations the verdict itself is the distance");
  assert.equal(auditClaims([claim()], [row(NaN, ["x"])])[0].ifWaived, undefined);
  // Over many values and deviation sets, the waived column never moves the verdict column.
  for (let i = 0; i < 200; i++) {
    const v = 40 + (i % 21);
    const devs = i % 3 === 0 ? [] : ["smoke profile"];
    const [a] = auditClaims([claim({ value: 50 })], [row(v, devs)]);
    const expected = devs.length ? "not comparable" : Math.abs(v - 50) <= 1 ? "reproduced" : "not reproduced";
    assert.equal(a.verdict, expected, `value ${v}, deviations ${devs.length}`);
    assert.equal(a.ifWaived === undefined, devs.length === 0);
  }
  // Δ claims too.
  const delta = auditClaims(
    [claim({ cell: "a - b", value: 5 })],
    [{ ...row(80, ["d"]), cell: "a" }, { ...row(74, ["d"]), cell: "b" }],
  )[0];
  assert.equal(delta.verdict, "not comparable");
  assert.equal(delta.ifWaived, "would be within tolerance (|Δ| 1.00 ≤ tol 1.00)");
});
