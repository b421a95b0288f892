/**
 * A toy suite for the engine's tests (runner, reliability): no data, no model.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseRelativeClaims } from "../results/relative.ts";
import { parseClaims } from "../results/claims.ts";
import type { CellRunResult, PlannedCell, SuiteDefinition } from "./suite.ts";

/** The toy claims: one per cell. */
export const TOY_CLAIMS = `id,paper,table,row,column,metric,value,std,n,stat,cell,fraction,source
a,toy,T1,r,c1,test/f1,80,,,single,cell-a,1,p.1
b,toy,T1,r,c2,test/f1,60,,,single,cell-b,1,p.1
c,toy,T1,r,c3,test/f1,70,,,single,cell-c,1,p.1
`;

/**
 * A toy suite whose "training" is deterministic arithmetic: cells `cell-a` and `cell-b` with seeds 1 and 2, and
 * `cell-c` skipped. It can be told to crash on one unit, to diverge on one (a NaN `train/loss`), or to wait
 * `delayMs` per unit (for signal tests).
 */
export function toySuite(
  opts: {
    crashOn?: string;
    divergeOn?: string;
    delayMs?: number;
    calls: string[];
    deviations?: string[];
    checkpoints?: string[];
  },
): SuiteDefinition {
  return {
    id: "toy",
    version: "1",
    title: "toy",
    citation: "nobody",
    claims: () => Promise.resolve(parseClaims(TOY_CLAIMS)),
    relativeClaims: () =>
      Promise.resolve(parseRelativeClaims(
        "id,paper,table,relation,a,b,over,along,metric,floor,text,source\n" +
          "a>b,toy,T1,>,cell-a,cell-b,,,test/f1,,A beats B,p.1\n",
      )),
    papers: [{ id: "toy", venue: "Toy 2020" }],
    plan: () =>
      Promise.resolve({
        cells: ["cell-a", "cell-b"].map((id): PlannedCell => ({
          id,
          experiment: "t1",
          seeds: [1, 2],
          config: {},
          deviations: opts.deviations ?? [],
        })),
        skipped: [{ id: "cell-c", reason: "needs a resource that is missing" }],
        deviations: [],
        dataFiles: [],
        embeddings: [],
        protocolDetails: {},
      }),
    runCell: async (cell, seed, ctx): Promise<CellRunResult> => {
      const unit = `${cell.id}#${seed}`;
      opts.calls.push(unit);
      if (ctx.checkpointDir) {
        Deno.mkdirSync(ctx.checkpointDir, { recursive: true });
        Deno.writeTextFileSync(`${ctx.checkpointDir}/checkpoint.json`, "{}");
        opts.checkpoints?.push(ctx.checkpointDir);
      }
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (unit === opts.crashOn) throw new Error("killed");
      ctx.onProgress({ unit: "epoch", at: 1, of: 1, loss: 1, score: { key: "dev/f1", value: 1 } });
      const f1 = (cell.id === "cell-a" ? 80 : 50) + seed / 10;
      return {
        metrics: {
          "dev/f1": f1,
          "test/precision": f1,
          "test/recall": f1,
          "test/f1": f1,
          "train/loss": unit === opts.divergeOn ? NaN : 1,
        },
        selection: "max dev/f1",
        selectedAt: 1,
        progressUnit: "epoch",
        unitsRun: 1,
        trainTokensPerSec: 100,
        trainSeconds: 1,
        predictionsSha256: createHash("sha256").update(`${unit} ${f1}`).digest("hex"),
        epochLog: [{ epoch: 1, loss: 1 }],
      };
    },
  };
}

/** Options every toy run shares. */
export const TOY_BASE = {
  profile: "smoke",
  protocol: "paper",
  dataDir: ".",
  backend: "cpu",
  quiet: true,
} as const;
