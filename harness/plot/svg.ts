/**
 * A small, dependency-free line-chart writer: one or more charts (series of points over a numeric x axis with
 * labelled ticks, gaps where a value is missing, a marker per point, a legend) laid out in a grid and returned as
 * one standalone SVG document. Output is deterministic: the same input gives the same bytes (coordinates are
 * printed with two decimals), so figures can be compared in tests and diffs.
 *
 * Used for the label-rate curves of Yang et al. 2017 (Figure 2), where x is the index of a label rate
 * (0, 0.001, 0.01, 0.1, 1.0 evenly spaced) and published points are overlaid as unconnected markers.
 *
 * @example
 * ```ts
 * const svg = chartGridSvg([{
 *   title: "(d) PTB → Twitter POS",
 *   xTicks: [{ value: 0, label: "0" }, { value: 1, label: "0.001" }],
 *   series: [{ label: "T-A", points: [{ x: 0, y: 60 }, { x: 1, y: 70 }] }],
 * }], { columns: 1 });
 * await Deno.writeTextFile("figure.svg", svg);
 * ```
 *
 * @module
 */

/** One point; `y: null` (or a non-finite y) leaves a gap in the line and draws no marker. */
export interface LinePoint {
  x: number;
  y: number | null;
}

/** Marker shapes. */
export type MarkerShape = "circle" | "square" | "diamond" | "triangle" | "cross" | "star";

/** One series of a chart. */
export interface LineSeries {
  label: string;
  points: LinePoint[];
  /** CSS colour; default: the palette colour of the series' index. */
  color?: string;
  /** SVG `stroke-dasharray`, e.g. `"4 3"`; default solid. */
  dash?: string;
  /** Default `"circle"`. */
  marker?: MarkerShape;
  /** Draw the connecting line (default true); false draws markers only (e.g. published points). */
  line?: boolean;
  /** Hollow markers (default false). */
  hollow?: boolean;
}

/** A tick on the x axis. */
export interface AxisTick {
  value: number;
  label: string;
}

/** One chart. Sizes in SVG user units (px). */
export interface ChartSpec {
  title: string;
  /** Optional second title line (e.g. the setting). */
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  /** x ticks (also fix the x domain to their min/max unless `xDomain` is given). */
  xTicks: AxisTick[];
  xDomain?: [number, number];
  /** Default: nice bounds around the finite y values (or [0, 100] when there are none). */
  yDomain?: [number, number];
  series: LineSeries[];
  /** Text drawn in the plot area when no series has a finite point (default "no data"). */
  emptyText?: string;
  width?: number;
  height?: number;
}

/** Layout of {@link chartGridSvg}. */
export interface GridOptions {
  columns: number;
  /** Title above the grid. */
  title?: string;
  /** Lines of small text under the grid (notes, provenance). */
  footer?: string[];
}

/** Colours of series by index (Okabe–Ito, colour-blind safe). */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#F0E442",
];

const DEFAULT_WIDTH = 320;
const DEFAULT_HEIGHT = 240;
const MARGIN = { left: 46, right: 10, top: 34, bottom: 62 };
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A coordinate with two decimals and no `-0`. */
function n(x: number): string {
  const s = (Math.round(x * 100) / 100).toFixed(2).replace(/\.?0+$/, "");
  return s === "-0" ? "0" : s;
}

/**
 * About `count` evenly spaced "nice" tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering `[min, max]`.
 *
 * @throws {RangeError} when `min`/`max` are not finite, `min > max`, or `count < 1`.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`Cannot place ticks on [${min}, ${max}]: expected finite min ≤ max`);
  }
  if (!(count >= 1)) throw new RangeError(`Cannot place ${count} ticks: expected at least 1`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; lo + k * step <= hi + step * 1e-9; k++) ticks.push(Math.round((lo + k * step) * 1e9) / 1e9);
  return ticks;
}

function finitePoints(s: LineSeries): LinePoint[] {
  return s.points.filter((p) => p.y !== null && Number.isFinite(p.y));
}

function marker(shape: MarkerShape, x: number, y: number, color: string, hollow: boolean): string {
  const fill = hollow ? "white" : color;
  const r = 3.5;
  const style = `fill="${fill}" stroke="${color}" stroke-width="1.5"`;
  switch (shape) {
    case "circle":
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${r}" ${style}/>`;
    case "square":
      return `<rect x="${n(x - r)}" y="${n(y - r)}" width="${n(2 * r)}" height="${n(2 * r)}" ${style}/>`;
    case "diamond":
      return `<polygon points="${n(x)},${n(y - r - 1)} ${n(x + r + 1)},${n(y)} ${n(x)},${n(y + r + 1)} ${
        n(x - r - 1)
      },${n(y)}" ${style}/>`;
    case "triangle":
      return `<polygon points="${n(x)},${n(y - r - 1)} ${n(x + r + 1)},${n(y + r)} ${n(x - r - 1)},${
        n(y + r)
      }" ${style}/>`;
    case "cross":
      return `<path d="M${n(x - r)},${n(y - r)}L${n(x + r)},${n(y + r)}M${n(x - r)},${n(y + r)}L${n(x + r)},${
        n(y - r)
      }" stroke="${color}" stroke-width="2" fill="none"/>`;
    case "star": {
      const pts: string[] = [];
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        const rr = k % 2 === 0 ? r + 2 : (r + 2) / 2.4;
        pts.push(`${n(x + rr * Math.cos(a))},${n(y + rr * Math.sin(a))}`);
      }
      return `<polygon points="${pts.join(" ")}" ${style}/>`;
    }
  }
}

function checkSpec(spec: ChartSpec): void {
  if (spec.xTicks.length === 0 && !spec.xDomain) {
    throw new RangeError(`Chart "${spec.title}": needs xTicks or an xDomain`);
  }
  for (const s of spec.series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x)) {
        throw new RangeError(`Chart "${spec.title}", series "${s.label}": x is ${p.x}`);
      }
    }
  }
  for (const d of [spec.xDomain, spec.yDomain]) {
    if (d && !(Number.isFinite(d[0]) && Number.isFinite(d[1]) && d[0] < d[1])) {
      throw new RangeError(`Chart "${spec.title}": domain [${d[0]}, ${d[1]}] must be finite with min < max`);
    }
  }
}

/**
 * One chart as an SVG `<g>` element translated to (`left`, `top`), `spec.width × spec.height` units large.
 *
 * @throws {RangeError} for a non-finite x, an empty or inverted domain, or a chart without x ticks or domain.
 */
export function lineChartGroup(spec: ChartSpec, left = 0, top = 0): string {
  checkSpec(spec);
  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? DEFAULT_HEIGHT;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const tickValues = spec.xTicks.map((t) => t.value);
  const [x0, x1] = spec.xDomain ?? [Math.min(...tickValues), Math.max(...tickValues)];
  const xPad = x0 === x1 ? 1 : 0;
  const ys = spec.series.flatMap((s) => finitePoints(s).map((p) => p.y as number));
  let yTicks: number[];
  let y0: number;
  let y1: number;
  if (spec.yDomain) {
    [y0, y1] = spec.yDomain;
    yTicks = niceTicks(y0, y1, 5).filter((t) => t >= y0 - 1e-9 && t <= y1 + 1e-9);
  } else {
    yTicks = ys.length ? niceTicks(Math.min(...ys), Math.max(...ys), 5) : niceTicks(0, 100, 5);
    y0 = yTicks[0];
    y1 = yTicks[yTicks.length - 1];
  }
  const sx = (x: number) => MARGIN.left + ((x - x0 + xPad) / (x1 - x0 + 2 * xPad)) * plotW;
  const sy = (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * plotH;

  const out: string[] = [];
  out.push(`<g transform="translate(${n(left)},${n(top)})">`);
  out.push(
    `<text x="${n(width / 2)}" y="13" text-anchor="middle" font-size="12" font-weight="bold" ${FONT}>${
      escapeXml(spec.title)
    }</text>`,
  );
  if (spec.subtitle) {
    out.push(
      `<text x="${n(width / 2)}" y="26" text-anchor="middle" font-size="10" fill="#444" ${FONT}>${
        escapeXml(spec.subtitle)
      }</text>`,
    );
  }
  out.push(
    `<rect x="${n(MARGIN.left)}" y="${n(MARGIN.top)}" width="${n(plotW)}" height="${
      n(plotH)
    }" fill="none" stroke="#999" stroke-width="0.8"/>`,
  );
  for (const t of yTicks) {
    const y = sy(t);
    out.push(
      `<line x1="${n(MARGIN.left)}" y1="${n(y)}" x2="${n(MARGIN.left + plotW)}" y2="${
        n(y)
      }" stroke="#e5e5e5" stroke-width="0.8"/>`,
    );
    out.push(
      `<text x="${n(MARGIN.left - 4)}" y="${n(y + 3)}" text-anchor="end" font-size="9" ${FONT}>${
        escapeXml(String(t))
      }</text>`,
    );
  }
  for (const t of spec.xTicks) {
    const x = sx(t.value);
    out.push(
      `<line x1="${n(x)}" y1="${n(MARGIN.top + plotH)}" x2="${n(x)}" y2="${
        n(MARGIN.top + plotH + 4)
      }" stroke="#999" stroke-width="0.8"/>`,
    );
    out.push(
      `<text x="${n(x)}" y="${n(MARGIN.top + plotH + 14)}" text-anchor="middle" font-size="9" ${FONT}>${
        escapeXml(t.label)
      }</text>`,
    );
  }
  if (spec.xLabel) {
    out.push(
      `<text x="${n(MARGIN.left + plotW / 2)}" y="${n(MARGIN.top + plotH + 27)}" text-anchor="middle" ` +
        `font-size="10" ${FONT}>${escapeXml(spec.xLabel)}</text>`,
    );
  }
  if (spec.yLabel) {
    const cy = MARGIN.top + plotH / 2;
    out.push(
      `<text x="11" y="${n(cy)}" text-anchor="middle" font-size="10" transform="rotate(-90 11 ${
        n(cy)
      })" ${FONT}>${escapeXml(spec.yLabel)}</text>`,
    );
  }
  if (ys.length === 0) {
    out.push(
      `<text x="${n(MARGIN.left + plotW / 2)}" y="${n(MARGIN.top + plotH / 2)}" text-anchor="middle" ` +
        `font-size="10" fill="#888" ${FONT}>${escapeXml(spec.emptyText ?? "no data")}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : "";
    if (s.line !== false) {
      // One polyline per run of consecutive finite points (a null y breaks the line).
      let run: string[] = [];
      const flush = () => {
        if (run.length >= 2) {
          out.push(
            `<polyline points="${run.join(" ")}" fill="none" stroke="${color}" stroke-width="1.6"${dash}/>`,
          );
        }
        run = [];
      };
      for (const p of [...s.points].sort((a, b) => a.x - b.x)) {
        if (p.y === null || !Number.isFinite(p.y)) flush();
        else run.push(`${n(sx(p.x))},${n(sy(p.y))}`);
      }
      flush();
    }
    for (const p of finitePoints(s)) {
      out.push(marker(s.marker ?? "circle", sx(p.x), sy(p.y as number), color, s.hollow ?? false));
    }
  });
  // Legend under the axis label, two entries per line.
  const legendTop = MARGIN.top + plotH + 36;
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const lx = MARGIN.left + (i % 2) * (plotW / 2);
    const ly = legendTop + Math.floor(i / 2) * 12;
    if (s.line !== false) {
      const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : "";
      out.push(
        `<line x1="${n(lx)}" y1="${n(ly)}" x2="${n(lx + 16)}" y2="${
          n(ly)
        }" stroke="${color}" stroke-width="1.6"${dash}/>`,
      );
    }
    out.push(marker(s.marker ?? "circle", lx + 8, ly, color, s.hollow ?? false));
    out.push(
      `<text x="${n(lx + 20)}" y="${n(ly + 3)}" font-size="9" ${FONT}>${escapeXml(s.label)}</text>`,
    );
  });
  out.push("</g>");
  return out.join("\n");
}

/**
 * Charts in a grid (`columns` per row, row-major) as a standalone SVG document, with an optional title above and
 * footer lines below. Each cell of the grid is as large as the largest chart.
 *
 * @throws {RangeError} when `columns < 1` or there is no chart; as {@link lineChartGroup} for a bad chart.
 */
export function chartGridSvg(charts: ChartSpec[], opts: GridOptions): string {
  if (!(Number.isInteger(opts.columns) && opts.columns >= 1)) {
    throw new RangeError(`Cannot lay out charts in ${opts.columns} columns: expected an integer ≥ 1`);
  }
  if (charts.length === 0) throw new RangeError("Cannot draw a grid of no charts");
  const cw = Math.max(...charts.map((c) => c.width ?? DEFAULT_WIDTH));
  const ch = Math.max(...charts.map((c) => c.height ?? DEFAULT_HEIGHT));
  const columns = Math.min(opts.columns, charts.length);
  const rows = Math.ceil(charts.length / columns);
  const head = opts.title ? 28 : 0;
  const footer = opts.footer ?? [];
  const width = columns * cw;
  const height = head + rows * ch + (footer.length ? footer.length * 13 + 8 : 0);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${
      n(width)
    } ${n(height)}">`,
    `<rect width="${n(width)}" height="${n(height)}" fill="white"/>`,
  ];
  if (opts.title) {
    out.push(
      `<text x="${n(width / 2)}" y="19" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${
        escapeXml(opts.title)
      }</text>`,
    );
  }
  charts.forEach((c, i) => {
    out.push(lineChartGroup(c, (i % columns) * cw, head + Math.floor(i / columns) * ch));
  });
  footer.forEach((line, i) => {
    out.push(
      `<text x="8" y="${n(head + rows * ch + 12 + i * 13)}" font-size="9" fill="#333" ${FONT}>${
        escapeXml(line)
      }</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** One chart as a standalone SVG document. @throws as {@link lineChartGroup}. */
export function lineChartSvg(spec: ChartSpec): string {
  return chartGridSvg([spec], { columns: 1 });
}
