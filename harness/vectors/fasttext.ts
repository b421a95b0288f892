/**
 * Skip-gram word vectors with subword information (Bojanowski, Grave, Joulin and Mikolov 2017, "Enriching word
 * vectors with subword information", TACL 5), trained by Debian's `fasttext` command-line tool (package
 * `fasttext`, 0.9.2+ds-1+b1 in Debian 12), run as a child process.
 *
 * Determinism: with `-thread 1` fastText's training is a single sequential pass driven by one `std::minstd_rand`
 * seeded from `-seed`, so the same text and arguments give the same vectors. Checked here on Debian's 0.9.2 with a
 * 3,000-line slice of `corpora/es/libreoffice-help.txt.gz` (37k tokens, `-dim 20 -epoch 5 -minCount 5`): two runs
 * wrote byte-identical `.vec` files (sha256 7ec0dee8…a13a), and `-seed 2` a different one. The unit test
 * `fasttext_test.ts` repeats the check on a small slice when fastText is installed.
 *
 * Only the `.vec` text is kept. The CLI always saves the whole model as `<output>.bin` as well (input matrix of
 * (words + buckets) × dim float32: ~2.5 GB at 300 dimensions with the default 2 M buckets); we make `<output>.bin`
 * a symbolic link to `/dev/null` before the run so that it is never written, and remove the link afterwards (where
 * the link cannot be made, the file is written and deleted). The `.vec` is the same either way (checked).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** fastText skip-gram hyper-parameters, passed explicitly on the command line. */
export interface FastTextParams {
  /** Vector width (`-dim`). */
  dim: number;
  /** Passes over the text (`-epoch`). */
  epoch: number;
  /** Words seen fewer times are dropped (`-minCount`). */
  minCount: number;
  /** Initial learning rate (`-lr`), decayed linearly to 0. */
  lr: number;
  /** Words between learning-rate updates (`-lrUpdateRate`). */
  lrUpdateRate: number;
  /** Context window (`-ws`). */
  ws: number;
  /** Negative samples (`-neg`). */
  neg: number;
  /** Character n-gram lengths (`-minn`, `-maxn`); `maxn: 0` turns subwords off. */
  minn: number;
  maxn: number;
  /** Hash buckets for the character n-grams (`-bucket`). */
  bucket: number;
  /** Sub-sampling threshold (`-t`). */
  t: number;
  /** Seed of fastText's random generator (`-seed`). */
  seed: number;
}

/**
 * fastText 0.9.2's own skip-gram defaults (`fasttext skipgram` help: lr 0.05, lrUpdateRate 100, ws 5, epoch 5,
 * neg 5, minCount 5, minn 3, maxn 6, bucket 2,000,000, t 1e-4), with seed 1 instead of 0. `-thread 1` and
 * `-loss ns -wordNgrams 1` are always passed.
 */
export const FASTTEXT_DEFAULTS: Omit<FastTextParams, "dim"> = {
  epoch: 5,
  minCount: 5,
  lr: 0.05,
  lrUpdateRate: 100,
  ws: 5,
  neg: 5,
  minn: 3,
  maxn: 6,
  bucket: 2_000_000,
  t: 1e-4,
  seed: 1,
};

/** The command-line arguments of one training run (after the program name). */
export function fastTextArgs(input: string, outputPrefix: string, p: FastTextParams): string[] {
  const bad = Object.entries(p).find(([, v]) => typeof v !== "number" || !Number.isFinite(v));
  if (bad) throw new RangeError(`fastText: parameter ${bad[0]} is ${bad[1]}, expected a finite number`);
  if (!(Number.isInteger(p.dim) && p.dim >= 1)) {
    throw new RangeError(`fastText: dim is ${p.dim}, expected an integer ≥ 1`);
  }
  return [
    "skipgram",
    ["-input", input],
    ["-output", outputPrefix],
    ["-dim", p.dim],
    ["-epoch", p.epoch],
    ["-minCount", p.minCount],
    ["-lr", p.lr],
    ["-lrUpdateRate", p.lrUpdateRate],
    ["-ws", p.ws],
    ["-neg", p.neg],
    ["-loss", "ns"],
    ["-wordNgrams", 1],
    ["-minn", p.minn],
    ["-maxn", p.maxn],
    ["-bucket", p.bucket],
    ["-t", p.t],
    ["-thread", 1],
    ["-seed", p.seed],
    ["-verbose", 1],
  ].flat().map(String);
}

/** What one fastText run produced. */
export interface FastTextRun {
  /** `<outputPrefix>.vec`: header `N D`, then one `word v1 … vD` line per word, most frequent first, `</s>` first. */
  vecPath: string;
  /** Program and arguments as run. */
  command: string[];
  /** fastText's word count for the text (`Number of words:` on stderr), when printed. */
  words?: number;
  /** Training time, seconds. */
  seconds: number;
  sha256: string;
}

/** Trains vectors from a text file; {@linkcode trainFastText} bound to a program, or a stand-in in tests. */
export interface FastTextTrainer {
  /** What made the vectors, recorded and part of the artifact key: e.g. `fasttext 0.9.2+ds-1+b1 (Debian)`. */
  version(): Promise<string>;
  train(input: string, outputPrefix: string, params: FastTextParams): Promise<FastTextRun>;
}

/** The message when the program is missing: one sentence naming the Debian package. */
export function notInstalledMessage(program: string): string {
  return `fastText is not installed ("${program}" was not found): install Debian's fasttext package ` +
    `(apt-get install fasttext) to train substitute word vectors`;
}

/**
 * Runs `fasttext skipgram` on a text file (tokens separated by spaces, one sentence per line) and keeps only
 * `<outputPrefix>.vec` (see the module notes on the `.bin`).
 *
 * @param program the fastText executable (default `fasttext`, found on PATH)
 * @returns the `.vec` path, the command, the word count, time in seconds and sha256 of the `.vec`
 * @throws {Error} {@linkcode notInstalledMessage} when the program is not found; `fastText failed (exit N) on
 *   "<input>": <its last message>` when it exits non-zero (e.g. a missing input file) or writes no `.vec`;
 *   {RangeError} for a parameter that is not a finite number.
 */
export async function trainFastText(
  input: string,
  outputPrefix: string,
  params: FastTextParams,
  program = "fasttext",
): Promise<FastTextRun> {
  const args = fastTextArgs(input, outputPrefix, params);
  const bin = `${outputPrefix}.bin`;
  const vecPath = `${outputPrefix}.vec`;
  await Deno.remove(bin).catch(() => {});
  try {
    await Deno.symlink("/dev/null", bin);
  } catch { /* no /dev/null link: fastText writes the .bin and it is deleted below */ }
  const t0 = performance.now();
  try {
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" })
        .output();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new Error(notInstalledMessage(program));
      throw e;
    }
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    const last = text.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== "").pop() ?? "no message";
    if (!out.success) throw new Error(`fastText failed (exit ${out.code}) on "${input}": ${last}`);
    let vec: Uint8Array;
    try {
      vec = await Deno.readFile(vecPath);
    } catch {
      throw new Error(`fastText failed (exit 0) on "${input}": it wrote no "${vecPath}"`);
    }
    const m = /Number of words:\s*(\d+)/.exec(text);
    return {
      vecPath,
      command: [program, ...args],
      words: m ? Number(m[1]) : undefined,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      sha256: createHash("sha256").update(vec).digest("hex"),
    };
  } finally {
    await Deno.remove(bin).catch(() => {});
  }
}

/**
 * The version of Debian's fasttext package (`dpkg-query -W fasttext`), as `fasttext <version> (Debian)`; or
 * `fasttext (version unknown)` where dpkg does not know it (another install, or none).
 */
export async function debianFastTextVersion(): Promise<string> {
  try {
    const out = await new Deno.Command("dpkg-query", {
      args: ["-W", "-f=${Version}", "fasttext"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const v = new TextDecoder().decode(out.stdout).trim();
    if (out.success && v !== "") return `fasttext ${v} (Debian)`;
  } catch { /* no dpkg */ }
  return "fasttext (version unknown)";
}

/** Whether `program` can be run (a cheap check for tests: it runs it without arguments). */
export function fastTextInstalled(program = "fasttext"): boolean {
  try {
    new Deno.Command(program, { stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

/** The trainer that runs `program` (default Debian's `fasttext` on PATH). */
export function fastTextTrainer(program = "fasttext"): FastTextTrainer {
  return {
    version:
      () => (program === "fasttext" ? debianFastTextVersion() : Promise.resolve(`fasttext at ${program}`)),
    train: (input, outputPrefix, params) => trainFastText(input, outputPrefix, params, program),
  };
}
