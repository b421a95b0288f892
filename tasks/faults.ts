/**
 * `deno task faults [--full] [--trials N] [--seed S] [--delay MS]`: the random fault campaign (README.md,
 * "Reliability"). Each trial runs the toy suite (harness/run/_fault_child.ts) in a fresh directory, kills it with
 * SIGKILL (one trial in four: SIGINT) at seeded random moments until it completes through `--resume`, and
 * compares the result with an uninterrupted run: every row's metrics and prediction hash, no unit twice, no temp
 * file or lock left, status `complete`. Prints one line per trial and the totals: kills, resumes, units re-run
 * (started more than once: the work a kill lost), duplicates, leftovers, mismatches.
 *
 * The fixed-point faults, seeded kills, two writers and a full disk run in CI as harness/run/faults_test.ts;
 * this campaign (`--full`: 40 trials) is run by hand.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import seedrandom from "seedrandom";
import { ExitStatus, parseCli, positiveInt, runMain } from "../harness/cli.ts";
import { readManifest } from "../harness/results/run_record.ts";
import { LOCK_FILE } from "../harness/run/run_lock.ts";
import { faultChild, runSignature } from "../harness/run/_fault_child.ts";

const USAGE = `usage: deno task faults [--full] [--trials N] [--seed S] [--delay MS]
  the random kill-and-resume campaign on the toy suite (default 5 trials; --full: 40)`;

/** Figures of one trial. */
export interface TrialFigures {
  kills: number;
  interrupts: number;
  resumes: number;
  unitsRerun: number;
  duplicates: number;
  leftovers: number;
  mismatch: boolean;
}

/** Figures with nothing counted yet. */
export function noFigures(): TrialFigures {
  return { kills: 0, interrupts: 0, resumes: 0, unitsRerun: 0, duplicates: 0, leftovers: 0, mismatch: false };
}

/**
 * One trial: kills at random moments (drawn from `rng`, within `delayMs` × 4 units), resumes until complete,
 * compares with `reference`.
 *
 * @throws {Error} when a resume fails for another reason than the kill (its stderr).
 */
export async function trial(
  dir: string,
  reference: string[],
  rng: () => number,
  delayMs: number,
): Promise<TrialFigures> {
  const log = join(dir, "units.log");
  const f = noFigures();
  const killsWanted = 1 + Math.floor(rng() * 4);
  for (let attempt = 0; attempt < killsWanted + 5; attempt++) {
    const resuming = existsSync(join(dir, "manifest.json"));
    if (attempt > 0) f.resumes++; // a resume, or a restart when the kill came before the first manifest
    const p = faultChild([
      ...(resuming ? ["--resume", dir] : ["--out", dir]),
      "--delay",
      String(delayMs),
      "--log",
      log,
    ])
      .spawn();
    let signal: Deno.Signal | undefined;
    if (f.kills + f.interrupts < killsWanted) {
      signal = rng() < 0.25 ? "SIGINT" : "SIGKILL";
      await new Promise((r) => setTimeout(r, Math.floor(rng() * delayMs * 5)));
      try {
        p.kill(signal);
      } catch {
        signal = undefined; // it had finished
      }
    }
    const out = await p.output();
    if (out.code === 0) break;
    if (out.code === 137 && signal === "SIGKILL") f.kills++;
    else if (out.code === 130 && signal === "SIGINT") f.interrupts++;
    else throw new Error(`run failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
  const m = await readManifest(dir);
  const s = await runSignature(dir);
  const started = (await Deno.readTextFile(log)).trim().split("\n");
  f.unitsRerun = started.length - new Set(started).size;
  f.duplicates = s.duplicates;
  f.leftovers =
    [...Deno.readDirSync(dir)].filter((e) => e.name.includes(".tmp-") || e.name === LOCK_FILE).length;
  f.mismatch = m.status !== "complete" || JSON.stringify(s.rows) !== JSON.stringify(reference);
  return f;
}

/** The command: `deno task faults` with `args`. */
export async function main(args: string[]): Promise<void> {
  const { values } = parseCli(args, {
    full: { type: "boolean", default: false },
    trials: { type: "string" },
    seed: { type: "string", default: "tagbench-faults" },
    delay: { type: "string", default: "250" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const trials = values.trials !== undefined ? positiveInt("trials", values.trials) : values.full ? 40 : 5;
  const delay = positiveInt("delay", values.delay!);
  const rng = seedrandom(values.seed);
  const root = await Deno.makeTempDir({ prefix: "tagbench-faults-" });
  try {
    const refDir = join(root, "reference");
    const ref = await faultChild(["--out", refDir]).output();
    if (ref.code !== 0) {
      throw new Error(`the uninterrupted run failed: ${new TextDecoder().decode(ref.stderr)}`);
    }
    const reference = (await runSignature(refDir)).rows;
    const total = noFigures();
    let mismatches = 0;
    for (let i = 1; i <= trials; i++) {
      const f = await trial(join(root, `trial-${i}`), reference, rng, delay);
      console.log(
        `trial ${i}: ${f.kills} SIGKILL, ${f.interrupts} SIGINT, ${f.resumes} resumes/restarts, ${f.unitsRerun} units re-run, ` +
          `${f.duplicates} duplicates, ${f.leftovers} leftovers, ${f.mismatch ? "MISMATCH" : "identical"}`,
      );
      for (const k of ["kills", "interrupts", "resumes", "unitsRerun", "duplicates", "leftovers"] as const) {
        total[k] += f[k];
      }
      if (f.mismatch) mismatches++;
    }
    console.log(
      `\n${trials} trials: ${total.kills} SIGKILL + ${total.interrupts} SIGINT, ${total.resumes} resumes/restarts, ` +
        `${total.unitsRerun} units re-run, ${total.duplicates} duplicate rows, ${total.leftovers} leftovers, ` +
        `${mismatches} runs differing from the uninterrupted one`,
    );
    if (mismatches || total.duplicates || total.leftovers) throw new ExitStatus(1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) await runMain(() => main(Deno.args), USAGE);
