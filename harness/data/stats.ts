/**
 * Per-split statistics of a loaded dataset, and the plain-text table `deno task data stats` prints, which puts
 * them beside the statistics a paper published.
 *
 * @module
 */

import type { SplitName } from "../../models/types.ts";
import type { LoadedDataset } from "./load.ts";
import { SPLIT_NAMES } from "./load.ts";
import type { DatasetSpec } from "./registry.ts";
import { chunksOf, convertTags } from "./tag_scheme.ts";

/** Counts of one split. */
export interface SplitStats {
  split: SplitName;
  /** File name (without the folder). */
  file: string;
  sentences: number;
  /** Tokens, `-DOCSTART-` lines excluded. */
  tokens: number;
  /** Tokens with each `-DOCSTART-` line counted as one token (how CoNLL-2003 statistics are usually given). */
  tokensWithDocstart: number;
  docstarts: number;
  /** Chunks (entities, phrases) read after converting the tags to IOB2; undefined for POS datasets. */
  entities: number | undefined;
}

/** Statistics of every loaded split, in the order train, dev, test. */
export function datasetStats(ds: LoadedDataset): SplitStats[] {
  const rows: SplitStats[] = [];
  for (const split of SPLIT_NAMES) {
    const s = ds.splits[split];
    if (!s) continue;
    let tokens = 0;
    let entities = 0;
    const chunked = ds.spec.task !== "pos";
    for (const { tags } of s.sentences) {
      tokens += tags.length;
      if (chunked) entities += chunksOf(convertTags(tags, ds.spec.scheme, "IOB2"), "IOB2").length;
    }
    rows.push({
      split,
      file: ds.spec.splits[split]?.file ?? s.path,
      sentences: s.sentences.length,
      tokens,
      tokensWithDocstart: tokens + s.docstarts,
      docstarts: s.docstarts,
      entities: chunked ? entities : undefined,
    });
  }
  return rows;
}

/** `1234567` → `"1,234,567"`. */
export function thousands(n: number): string {
  const sign = n < 0 ? "-" : "";
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `= paper` when equal, `≠ paper (+N)` / `≠ paper (-N)` with N = measured − paper, `` when there is no paper value. */
export function paperMark(measured: number | undefined, paper: number | undefined): string {
  if (measured === undefined || paper === undefined) return "";
  const d = measured - paper;
  return d === 0 ? "= paper" : `≠ paper (${d > 0 ? "+" : ""}${thousands(d)})`;
}

/**
 * Renders {@linkcode datasetStats} as a plain-text table: split, file, sentences, DOCSTART lines, tokens without
 * and with DOCSTART lines, entities, the paper's tokens and entities, and a mark beside each measured count saying
 * whether it equals the paper's (`= paper`) or by how much it differs (`≠ paper (+57,231)`, measured − paper).
 * Ends with the paper's source, or a line saying the registry has no published statistics.
 */
export function formatStatsTable(spec: DatasetSpec, stats: SplitStats[], dataDir?: string): string {
  const paper = spec.paperStats;
  const header = [
    "split",
    "file",
    "sentences",
    "docstarts",
    "tokens",
    "",
    "tokens+DOCSTART",
    "",
    "entities",
    "",
    "paper tokens",
    "paper entities",
  ];
  const rightAligned = new Set([2, 3, 4, 6, 8, 10, 11]);
  const body = stats.map((r) => {
    const p = paper?.splits[r.split];
    const n = (x: number | undefined) => (x === undefined ? "–" : thousands(x));
    return [
      r.split,
      r.file,
      n(r.sentences),
      n(r.docstarts),
      n(r.tokens),
      paperMark(r.tokens, p?.tokens),
      n(r.tokensWithDocstart),
      paperMark(r.tokensWithDocstart, p?.tokens),
      n(r.entities),
      paperMark(r.entities, p?.entities),
      n(p?.tokens),
      n(p?.entities),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  const out = [
    `${spec.id}: ${spec.title} (${spec.language}, ${spec.task}, files in ${spec.scheme})` +
    (dataDir ? `, data dir ${dataDir}` : ""),
    "",
    line(header),
    ...body.map(line),
    "",
    paper
      ? `paper: ${paper.source}${paper.note ? `; ${paper.note}` : ""}.`
      : "paper: no published statistics registered for this dataset.",
    "Marks compare with the paper's count: (Δ) = measured − paper. Entities are chunks read after conversion to IOB2.",
  ];
  return out.join("\n");
}
