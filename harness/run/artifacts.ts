/**
 * Stages and the artifact cache. A stage is work whose output many cells reuse — a pre-trained language model,
 * aligned word vectors — declared by a suite (`stages` in its declaration, harness/run/define.ts). A cell says
 * which stage outputs it needs and with what configuration (`cellStages` hook); the engine runs each distinct
 * stage configuration once, before the first cell that needs it, into the artifact cache, keyed by the sha256 of
 * the suite, the stage, its configuration and the sha256 of every data file it reads. The cache lives outside
 * the run directory (`--artifacts DIR`, default a per-user cache folder): a run records only each stage's key,
 * configuration and measured metrics, never weights. A later run (or another suite version that keeps the stage
 * configuration) reuses a finished artifact.
 *
 * The artifact of key K is the folder `<cache>/<suite>/<stage>/<K>/`, holding the stage's own files and
 * `stage.json` (what was run, its metrics); a stage writes into a temporary folder that is renamed into place
 * when it finishes, so an interrupted stage leaves no artifact that looks complete.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { homedir } from "node:os";
import { readJsonIfExists, writeJsonAtomic } from "../results/store.ts";
import { stableJson } from "./stable_json.ts";

/** What `stage.json` of a finished artifact records. */
export interface ArtifactRecord {
  suite: string;
  stage: string;
  key: string;
  config: Record<string, unknown>;
  /** sha256 of each data file the stage read, by path relative to the data directory. */
  inputs: Record<string, string>;
  /** What the stage measured, by metric key (e.g. `lm/dev_ppl`). */
  metrics: Record<string, number>;
  created_at: string;
  seconds: number;
}

/** A finished stage output as a cell's training hook sees it. */
export interface StageArtifact {
  stage: string;
  key: string;
  /** The artifact folder (read only for cells). */
  dir: string;
  metrics: Record<string, number>;
  /** true when it was made earlier and reused. */
  reused: boolean;
}

/** The default artifact cache: `$XDG_CACHE_HOME/tagbench/artifacts`, else `~/.cache/tagbench/artifacts`. */
export function defaultArtifactsDir(): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  return join(xdg && xdg !== "" ? xdg : join(homedir(), ".cache"), "tagbench", "artifacts");
}

/**
 * The key of a stage output: sha256 of the suite id, stage id, configuration (key order does not matter) and the
 * sha256 of every input file.
 */
export function artifactKey(
  suite: string,
  stage: string,
  config: Record<string, unknown>,
  inputs: Record<string, string>,
): string {
  return createHash("sha256").update(stableJson({ suite, stage, config, inputs })).digest("hex");
}

/** The folder of an artifact in the cache. */
export function artifactDir(cache: string, suite: string, stage: string, key: string): string {
  return join(cache, suite, stage, key);
}

const inFlight = new Map<string, Promise<StageArtifact>>();

/**
 * The artifact of a stage configuration: reused when the cache holds a finished one, else made by `run` (into a
 * temporary folder renamed into place when it returns). Concurrent requests for one key in this process share
 * one run.
 *
 * @param run Writes the stage's files into the folder it is given and returns the stage's metrics.
 * @throws whatever `run` throws (the temporary folder is removed); {Error} when a finished artifact's
 *   `stage.json` records another key (a corrupted cache).
 */
export function ensureArtifact(
  cache: string,
  suite: string,
  stage: string,
  config: Record<string, unknown>,
  inputs: Record<string, string>,
  run: (dir: string) => Promise<{ metrics: Record<string, number> }>,
): Promise<StageArtifact> {
  const key = artifactKey(suite, stage, config, inputs);
  const dir = artifactDir(cache, suite, stage, key);
  let p = inFlight.get(dir);
  if (!p) {
    p = (async (): Promise<StageArtifact> => {
      const done = await readJsonIfExists<ArtifactRecord>(join(dir, "stage.json"));
      if (done) {
        if (done.key !== key) {
          throw new Error(
            `Artifact cache "${dir}" records key ${done.key}, expected ${key}: remove the folder`,
          );
        }
        return { stage, key, dir, metrics: done.metrics, reused: true };
      }
      const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
      await Deno.mkdir(tmp, { recursive: true });
      const t0 = performance.now();
      try {
        const { metrics } = await run(tmp);
        const record: ArtifactRecord = {
          suite,
          stage,
          key,
          config,
          inputs,
          metrics,
          created_at: new Date().toISOString(),
          seconds: Math.round((performance.now() - t0) / 100) / 10,
        };
        await writeJsonAtomic(join(tmp, "stage.json"), record);
        try {
          await Deno.rename(tmp, dir);
        } catch (e) {
          // Another process finished the same key first: keep its artifact.
          if (!(await readJsonIfExists<ArtifactRecord>(join(dir, "stage.json")))) throw e;
          await Deno.remove(tmp, { recursive: true });
        }
        return { stage, key, dir, metrics, reused: false };
      } catch (e) {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
        throw e;
      }
    })();
    inFlight.set(dir, p);
    p.catch(() => inFlight.delete(dir));
  }
  return p;
}
