import assert from "node:assert/strict";
import { chartGridSvg, type ChartSpec, escapeXml, lineChartSvg, niceTicks } from "./svg.ts";

/** Checks that every element opened is closed in order (enough to catch a broken writer; no DOM here). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `closing </${name}>`);
    else stack.push(name);
  }
  assert.deepStrictEqual(stack, []);
}

const ticks = ["0", "0.001", "0.01", "0.1", "1.0"].map((label, value) => ({ value, label }));

const chart: ChartSpec = {
  title: "(d) PTB → Twitter <POS> & more",
  subtitle: "T-A, dom",
  xLabel: "label rate",
  yLabel: "accuracy (%)",
  xTicks: ticks,
  series: [
    {
      label: "T-A",
      points: [{ x: 0, y: 40 }, { x: 1, y: 55 }, { x: 2, y: null }, { x: 3, y: 83 }, { x: 4, y: 90 }],
    },
    { label: "no transfer", points: [{ x: 1, y: 20 }, { x: 2, y: 50 }], dash: "4 3", marker: "square" },
    { label: "Table 2", points: [{ x: 3, y: 83.65 }], line: false, marker: "star", hollow: true },
  ],
};

Deno.test("lineChartSvg: a well-formed document with one polyline per unbroken run, markers and escaped text", () => {
  const svg = lineChartSvg(chart);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assertBalanced(svg);
  // T-A: runs [0,1] and [3,4] (the null at x=2 breaks the line); no transfer: one run; Table 2: no line.
  assert.equal((svg.match(/<polyline /g) ?? []).length, 3);
  assert.ok(svg.includes("(d) PTB → Twitter &lt;POS&gt; &amp; more"));
  assert.ok(!svg.includes("<POS>"));
  assert.ok(svg.includes('stroke-dasharray="4 3"'));
  // 4 + 2 + 1 data markers and 3 legend markers (T-A circles: 4 + 1 legend).
  assert.equal((svg.match(/<circle /g) ?? []).length, 5);
  assert.equal(svg, lineChartSvg(chart), "deterministic");
});

Deno.test("lineChartSvg: an empty chart says so; explicit domains are honoured", () => {
  const svg = lineChartSvg({
    title: "(a) PTB → Genia",
    xTicks: ticks,
    yDomain: [0, 100],
    series: [{ label: "T-A", points: [{ x: 0, y: null }] }],
    emptyText: "not run: Genia not available",
  });
  assertBalanced(svg);
  assert.ok(svg.includes("not run: Genia not available"));
  assert.ok(svg.includes(">100</text>") && svg.includes(">0</text>"));
  assert.ok(!svg.includes("<polyline"));
});

Deno.test("chartGridSvg: lays charts out row-major with title and footer", () => {
  const svg = chartGridSvg([chart, { ...chart, title: "two", width: 300 }, { ...chart, title: "three" }], {
    columns: 2,
    title: "Figure 2",
    footer: ["a note", "another"],
  });
  assertBalanced(svg);
  assert.equal((svg.match(/<g transform=/g) ?? []).length, 3);
  assert.ok(svg.includes('<g transform="translate(320,28)">'));
  assert.ok(svg.includes('<g transform="translate(0,268)">'));
  assert.ok(svg.includes(">another</text>"));
  assert.match(svg, /width="640" height="542"/);
  assert.throws(() => chartGridSvg([], { columns: 1 }), /no charts/);
  assert.throws(() => chartGridSvg([chart], { columns: 0 }), /columns/);
});

Deno.test("invalid input is refused with the chart named", () => {
  assert.throws(
    () => lineChartSvg({ ...chart, series: [{ label: "s", points: [{ x: NaN, y: 1 }] }] }),
    /Chart "\(d\).*series "s": x is NaN/,
  );
  assert.throws(() => lineChartSvg({ ...chart, yDomain: [5, 5] }), /domain/);
  assert.throws(() => lineChartSvg({ title: "t", xTicks: [], series: [] }), /xTicks or an xDomain/);
});

Deno.test("niceTicks: round steps covering the range", () => {
  assert.deepStrictEqual(niceTicks(0, 100, 5), [0, 20, 40, 60, 80, 100]);
  assert.deepStrictEqual(niceTicks(34.65, 83.65, 5), [30, 40, 50, 60, 70, 80, 90]);
  assert.deepStrictEqual(niceTicks(97.1, 97.9, 4), [97, 97.2, 97.4, 97.6, 97.8, 98]);
  assert.deepStrictEqual(niceTicks(50, 50, 5), [44, 46, 48, 50, 52, 54, 56]);
  assert.throws(() => niceTicks(2, 1), RangeError);
  assert.equal(escapeXml(`a<b>&"'`), "a&lt;b&gt;&amp;&quot;&#39;");
});
