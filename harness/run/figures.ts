/**
 * Draws a suite's declared figures (`FigureDecl`, harness/run/define.ts) from a run directory: each curve is the
 * mean over seeds of its metric at each point's cell, each overlay the published claims of its table at those
 * cells. The renderer is `harness/plot/svg.ts`; a report can swap it and keep the declarations.
 *
 * @module
 */

import { join } from "node:path";
import { chartGridSvg, type ChartSpec, type LineSeries } from "../plot/svg.ts";
import type { Claim } from "../results/claims.ts";
import { parseDeltaCell } from "../results/audit.ts";
import { type Manifest, readManifest, readResults, type ResultRow } from "../results/run_record.ts";
import { writeTextAtomic } from "../results/store.ts";
import type { FigureDecl } from "./define.ts";

/** Mean over seeds per `cell|metric` of the rows (non-finite values left out). */
export function meanByCellMetric(rows: ResultRow[]): Map<string, number> {
  const sums = new Map<string, number[]>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.metrics)) {
      if (!Number.isFinite(v)) continue;
      const key = `${r.cell}|${k}`;
      sums.set(key, [...(sums.get(key) ?? []), v]);
    }
  }
  return new Map([...sums].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
}

/**
 * The chart specs of one figure: per panel its measured curves and its published overlays (hollow marks).
 *
 * @param measured Mean per `cell|metric` ({@link meanByCellMetric}).
 * @param claims The suite's claims; an overlay draws the plain (not Δ) claims of its table on its metric.
 */
export function figureCharts(fig: FigureDecl, measured: Map<string, number>, claims: Claim[]): ChartSpec[] {
  return fig.panels.map((p) => {
    const series: LineSeries[] = p.curves.map((c) => ({
      label: c.label,
      points: c.points.map((q) => ({
        x: q.x,
        y: q.cell === null ? null : measured.get(`${q.cell}|${c.metric}`) ?? null,
      })),
      color: c.color,
      dash: c.dash,
      marker: c.marker,
    }));
    for (const o of p.overlays) {
      const published = new Map(
        claims.filter((c) => c.table === o.table && c.metric === o.metric && !parseDeltaCell(c.cell))
          .map((c) => [c.cell, c.value]),
      );
      const points = o.points.map((q) => ({
        x: q.x,
        y: q.cell === null ? null : published.get(q.cell) ?? null,
      }))
        .filter((q) => q.y !== null);
      if (points.length) {
        series.push({ label: o.label, points, line: false, marker: o.marker, hollow: true, color: o.color });
      }
    }
    return {
      title: p.title,
      subtitle: p.subtitle,
      xLabel: p.xLabel,
      yLabel: p.yLabel,
      xTicks: p.xTicks,
      xDomain: p.xDomain,
      series,
      emptyText: p.emptyText,
    };
  });
}

/** The footer of a run's figure: the run, its selection rule and whether deviations apply. */
function footer(m: Manifest): string[] {
  const selection = m.protocol_details.selection;
  const rule = typeof selection === "string" ? selection : JSON.stringify(selection ?? "?");
  return [
    `run ${m.run_id}: suite ${m.suite} v${m.suite_version}, profile ${m.profile}, protocol ${m.protocol} ` +
    `(checkpoint selection: ${rule}), backend ${m.backend.name}; lines: mean over seeds; hollow marks: published.`,
    ...(m.deviations.length || m.cells.some((c) => c.deviations.length)
      ? ["deviations from the paper's protocol apply (see manifest.json): numbers are not comparable as-is."]
      : []),
  ];
}

/**
 * Writes every declared figure of a run into its directory.
 *
 * @returns The paths written.
 * @throws {Error} when the directory holds no run of suite `suiteId`.
 */
export async function drawFigures(
  suiteId: string,
  figures: FigureDecl[],
  claims: Claim[],
  runDir: string,
): Promise<string[]> {
  const manifest = await readManifest(runDir);
  if (manifest.suite !== suiteId) {
    throw new Error(
      `Cannot draw the figures of "${runDir}" as ${suiteId}: it is a run of "${manifest.suite}"`,
    );
  }
  const measured = meanByCellMetric(await readResults(runDir));
  const written: string[] = [];
  for (const fig of figures) {
    const svg = chartGridSvg(figureCharts(fig, measured, claims), {
      columns: fig.columns,
      title: fig.title,
      footer: footer(manifest),
    });
    const path = join(runDir, fig.file);
    await writeTextAtomic(path, svg);
    written.push(path);
  }
  return written;
}
