/**
 * Substitute aligned word vectors: a shared stage that a suite names when a paper's pre-trained cross-lingual
 * vectors are absent. fastText skip-gram vectors (Bojanowski et al. 2017) are trained on the monolingual text of
 * the data directory (a dataset's training sentences and `corpora/<lang>/*.txt.gz`), then mapped into an English
 * space by orthogonal Procrustes on the strings spelled identically in both vocabularies (Smith et al. 2017,
 * ICLR; MUSE's supervised mode with `identical_char`, Conneau et al. 2018, ICLR). The English space is a given
 * table (e.g. GloVe 6B 100d) or English fastText vectors trained by the same procedure on `corpora/en`.
 *
 * Two cached stages (harness/run/artifacts.ts), both under the artifact suite `shared` by default so that every
 * suite reuses them:
 * - `fasttext-vectors`: one language's unaligned vectors, `vectors.vec` + `vectors.json` (needed for the English
 *   reference anyway, and keeps the expensive training when only the alignment changes);
 * - `aligned-vectors`: the target language mapped into the reference space, `vectors.vec` + `vectors.json`.
 *
 * Keys hash every input: the sha256 of each corpus file, the sha256 of the training sentences, the token cap, the
 * text policy, every fastText parameter and fastText's version; for the alignment also the reference table's
 * content (sha256 of its words and vector bytes) or the English stage's key, and the dictionary/retrieval
 * settings. A second call with the same inputs reuses the artifacts and runs nothing.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { WordEmbeddings } from "../../models/types.ts";
import { loadTextEmbeddings } from "../data/embeddings.ts";
import { sha256File } from "../data/load.ts";
import { DataFormatError } from "../data/conll_reader.ts";
import { artifactKey, ensureArtifact, type StageArtifact } from "../run/artifacts.ts";
import { readJsonIfExists, writeJsonAtomic } from "../results/store.ts";
import {
  DEFAULT_TEXT_POLICY,
  sentencesSha256,
  type TextPolicy,
  type TrainingTextStats,
  writeTrainingText,
} from "./corpus.ts";
import { FASTTEXT_DEFAULTS, type FastTextParams, type FastTextTrainer, fastTextTrainer } from "./fasttext.ts";
import { alignByIdenticalStrings, applyMap, END_OF_SENTENCE } from "./procrustes.ts";

/** Artifact suite of the shared vector stages. */
export const SHARED_SUITE = "shared";
/** Stage id of one language's unaligned fastText vectors. */
export const FASTTEXT_STAGE = "fasttext-vectors";
/** Stage id of the aligned vectors. */
export const ALIGNED_STAGE = "aligned-vectors";
/** Token cap for tests and smoke runs (the issue: a slice of at most 50k words). */
export const SMOKE_MAX_TOKENS = 50_000;
/** Vector file and record in each artifact folder. */
export const VEC_FILE = "vectors.vec";
export const RECORD_FILE = "vectors.json";

/** Text that one language's vectors are trained on. */
export interface VectorText {
  /** Language code, e.g. `es` (recorded; part of the key). */
  language: string;
  /** Corpus files relative to the data directory, e.g. `corpora/es/bible-rv1909.txt.gz`, in this order. */
  corpusFiles?: readonly string[];
  /** Tokenised training sentences (a dataset's training split), written before the corpus. */
  sentences?: readonly (readonly string[])[];
  /** Where the sentences come from, e.g. `conll2002 esp.train` (recorded only, not part of the key). */
  sentencesLabel?: string;
  /** Keep whole lines up to this many tokens in all (sentences first): ≤ {@link SMOKE_MAX_TOKENS} for tests and
   * smoke. No cap when absent. */
  maxTokens?: number;
}

/** Options of {@linkcode fastTextVectors}. */
export interface FastTextVectorsOptions extends VectorText {
  /** The data directory (`TAGBENCH_DATA_DIR`). */
  dataDir: string;
  /** The artifact cache (harness/run/artifacts.ts `defaultArtifactsDir()` or a run's `--artifacts`). */
  cacheDir: string;
  /** Vector width: 300 for perl2020, the language model's width for mlma2019's initialisation. */
  dim: number;
  /** fastText parameters other than `dim` (default {@link FASTTEXT_DEFAULTS}). */
  fasttext?: Partial<Omit<FastTextParams, "dim">>;
  /** Word normalisation (default lower-case, digits kept). */
  policy?: TextPolicy;
  /** Runs fastText (default Debian's `fasttext` on PATH); tests pass a counting or stand-in trainer. */
  trainer?: FastTextTrainer;
  /** Artifact suite (default {@link SHARED_SUITE}). */
  suite?: string;
}

/** `vectors.json` of a `fasttext-vectors` artifact. */
export interface FastTextVectorsRecord {
  stage: typeof FASTTEXT_STAGE;
  language: string;
  dim: number;
  policy: TextPolicy;
  maxTokens: number | null;
  /** Sentences and corpus files read and how much of each was used; `text.tokens` = training tokens. */
  text: TrainingTextStats & { sentencesLabel?: string };
  /** Words in the `.vec` without `</s>` (fastText's vocabulary at `minCount`). */
  vocabulary: number;
  fasttext: { version: string; params: FastTextParams; command: string[]; seconds: number };
  vec: { file: string; sha256: string };
}

/** A language's fastText vectors: the artifact and its record. */
export interface FastTextVectors {
  artifact: StageArtifact;
  vecPath: string;
  record: FastTextVectorsRecord;
}

interface Plan {
  suite: string;
  config: Record<string, unknown>;
  inputs: Record<string, string>;
  key: string;
  params: FastTextParams;
  policy: TextPolicy;
  trainer: FastTextTrainer;
  version: string;
}

async function planFastText(o: FastTextVectorsOptions): Promise<Plan> {
  if (!(Number.isInteger(o.dim) && o.dim >= 1)) {
    throw new RangeError(`fastTextVectors: dim is ${o.dim}, expected an integer ≥ 1`);
  }
  if (o.maxTokens !== undefined && !(Number.isInteger(o.maxTokens) && o.maxTokens >= 1)) {
    throw new RangeError(`fastTextVectors: maxTokens is ${o.maxTokens}, expected an integer ≥ 1`);
  }
  const files = o.corpusFiles ?? [];
  if ((o.sentences?.length ?? 0) === 0 && files.length === 0) {
    throw new RangeError(
      `fastTextVectors: no sentences and no corpus files for "${o.language}", expected text`,
    );
  }
  const inputs: Record<string, string> = {};
  for (const f of files) {
    try {
      inputs[f] = await sha256File(join(o.dataDir, f));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new DataFormatError(
          join(o.dataDir, f),
          undefined,
          `does not exist, expected a corpus file of "${o.language}" (one sentence per line)`,
        );
      }
      throw e;
    }
  }
  const params: FastTextParams = { ...FASTTEXT_DEFAULTS, ...o.fasttext, dim: o.dim };
  const policy = o.policy ?? DEFAULT_TEXT_POLICY;
  const trainer = o.trainer ?? fastTextTrainer();
  const version = await trainer.version();
  const config = {
    language: o.language,
    dim: o.dim,
    corpus_files: [...files],
    sentences: { count: o.sentences?.length ?? 0, sha256: sentencesSha256(o.sentences ?? []) },
    max_tokens: o.maxTokens ?? null,
    policy,
    fasttext: { version, params },
  };
  const suite = o.suite ?? SHARED_SUITE;
  return {
    suite,
    config,
    inputs,
    key: artifactKey(suite, FASTTEXT_STAGE, config, inputs),
    params,
    policy,
    trainer,
    version,
  };
}

/** Words in a `.vec` file without `</s>`, and the file's sha256 (the whole file is read and checked). */
async function vecVocabulary(path: string): Promise<{ vocabulary: number; sha256: string }> {
  const table = await loadTextEmbeddings(path);
  return {
    vocabulary: table.words.length - (table.index.has(END_OF_SENTENCE) ? 1 : 0),
    sha256: table.sha256!,
  };
}

/**
 * One language's fastText skip-gram vectors (unaligned), trained on its sentences and corpus files by
 * `fasttext skipgram` with `-thread 1` (deterministic), or reused from the artifact cache.
 *
 * @returns the artifact, the path of its `vectors.vec` (fastText's text format, `</s>` first) and its record
 * @throws {DataFormatError} naming a corpus file that is missing or unreadable; {RangeError} for a bad `dim`,
 *   `maxTokens` or no text; what the trainer throws (fastText missing or failing): no artifact is left then.
 */
export async function fastTextVectors(o: FastTextVectorsOptions): Promise<FastTextVectors> {
  const plan = await planFastText(o);
  const artifact = await ensureArtifact(
    o.cacheDir,
    plan.suite,
    FASTTEXT_STAGE,
    plan.config,
    plan.inputs,
    async (dir) => {
      const work = await Deno.makeTempDir({ prefix: "tagbench-fasttext-" });
      try {
        const textPath = join(work, "train.txt");
        const text = await writeTrainingText(textPath, {
          sentences: o.sentences,
          corpus: (o.corpusFiles ?? []).map((file) => ({ file, sha256: plan.inputs[file] })),
          dataDir: o.dataDir,
          policy: plan.policy,
          maxTokens: o.maxTokens,
        });
        if (text.tokens === 0) {
          throw new RangeError(`fastTextVectors: the text of "${o.language}" has no tokens, expected some`);
        }
        const prefix = join(dir, "vectors");
        const run = await plan.trainer.train(textPath, prefix, plan.params);
        if (run.vecPath !== join(dir, VEC_FILE)) await Deno.rename(run.vecPath, join(dir, VEC_FILE));
        const { vocabulary, sha256 } = await vecVocabulary(join(dir, VEC_FILE));
        // The record names the temporary paths by role, so that it does not depend on where it ran.
        const command = run.command.map((a) =>
          a === textPath ? "<training text>" : a === prefix ? "<artifact>/vectors" : a
        );
        const record: FastTextVectorsRecord = {
          stage: FASTTEXT_STAGE,
          language: o.language,
          dim: o.dim,
          policy: plan.policy,
          maxTokens: o.maxTokens ?? null,
          text: o.sentencesLabel === undefined ? text : { ...text, sentencesLabel: o.sentencesLabel },
          vocabulary,
          fasttext: {
            version: plan.version,
            params: plan.params,
            command,
            seconds: run.seconds,
          },
          vec: { file: VEC_FILE, sha256 },
        };
        await writeJsonAtomic(join(dir, RECORD_FILE), record);
        return {
          metrics: {
            "vectors/training_tokens": text.tokens,
            "vectors/vocabulary": vocabulary,
            "vectors/fasttext_seconds": run.seconds,
          },
        };
      } finally {
        await Deno.remove(work, { recursive: true }).catch(() => {});
      }
    },
  );
  const record = await readJsonIfExists<FastTextVectorsRecord>(join(artifact.dir, RECORD_FILE));
  if (!record) throw new Error(`Artifact "${artifact.dir}" has no ${RECORD_FILE}: remove the folder`);
  return { artifact, vecPath: join(artifact.dir, VEC_FILE), record };
}

/** The English space to align to. */
export type ReferenceSpace =
  /** A given table (e.g. GloVe 6B 100d from `loadGlove100dFromNpm`), rows most frequent first. */
  | { table: WordEmbeddings }
  /** English fastText vectors trained by the same procedure (same dim, fastText parameters, policy and trainer;
   * `maxTokens` defaults to the target's), cached as their own `fasttext-vectors` artifact. */
  | { fastText: VectorText };

/** Dictionary and retrieval settings of the alignment (see harness/vectors/procrustes.ts). */
export interface AlignmentSettings {
  /** Identical strings are looked for among the first `maxRank` words of each table (default 50,000). */
  maxRank: number;
  /** Fraction held out for precision@1, by a hash of the word (default 0.2). */
  heldOutFraction: number;
  /** Nearest neighbours are searched among the first `searchRank` reference words (default 50,000). */
  searchRank: number;
  /** At most this many held-out queries, most frequent first (default 1,500). */
  maxQueries: number;
  /** Mean-centre both spaces (normalise, centre, normalise) before fitting (default true): on the full Spanish
   * text against English fastText vectors at 100 dimensions it doubled precision@1 (4.1% → 8.2%). */
  center: boolean;
}

/** Default {@link AlignmentSettings}. */
export const DEFAULT_ALIGNMENT: AlignmentSettings = {
  maxRank: 50_000,
  heldOutFraction: 0.2,
  searchRank: 50_000,
  maxQueries: 1_500,
  center: true,
};

/** Options of {@linkcode alignedVectors}: the target language's text and vectors, and the reference space. */
export interface AlignedVectorsOptions extends FastTextVectorsOptions {
  reference: ReferenceSpace;
  alignment?: Partial<AlignmentSettings>;
}

/** `vectors.json` of an `aligned-vectors` artifact. */
export interface AlignedVectorsRecord {
  stage: typeof ALIGNED_STAGE;
  method: string;
  language: string;
  dim: number;
  /** The target language's unaligned vectors: corpus sizes, training tokens, vocabulary, fastText run. */
  target: FastTextVectorsRecord & { key: string };
  reference:
    | {
      kind: "table";
      name: string;
      source: string;
      dim: number;
      words: number;
      sha256?: string;
      content: string;
    }
    | { kind: "fasttext"; key: string; record: FastTextVectorsRecord };
  alignment: AlignmentSettings;
  dictionary: { train: number; heldOut: number };
  /** Precision@1 (0–1) of cosine nearest-neighbour retrieval of the held-out identical strings. */
  precisionAt1: { value: number | null; queries: number; hits: number; searchRank: number };
  /** Words in the aligned `.vec` (the target vocabulary without `</s>`). */
  vocabulary: number;
  vec: { file: string; sha256: string };
}

/** The aligned vectors: a table (loaded from the artifact's `.vec`), the record and the artifact. */
export interface AlignedVectors {
  embeddings: WordEmbeddings;
  record: AlignedVectorsRecord;
  artifact: StageArtifact;
}

const contentHashes = new WeakMap<WordEmbeddings, string>();

/** sha256 of a table's content: dim, words (joined by `\n`) and the float32 bytes of its vectors. */
export function tableContentSha256(t: WordEmbeddings): string {
  let h = contentHashes.get(t);
  if (h === undefined) {
    h = createHash("sha256")
      .update(`${t.dim}\n${t.words.join("\n")}\n`)
      .update(new Uint8Array(t.vectors.buffer, t.vectors.byteOffset, t.vectors.byteLength))
      .digest("hex");
    contentHashes.set(t, h);
  }
  return h;
}

/** A float as written in the aligned `.vec`: 6 significant digits, as fastText writes its own `.vec`. */
const fmt = (v: number) => (v === 0 ? "0" : String(Number(v.toPrecision(6))));

/** Writes `[n, d]` vectors as a word2vec/fastText text file with an `N D` header. */
async function writeVec(
  path: string,
  words: readonly string[],
  vectors: Float32Array,
  d: number,
): Promise<string> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const enc = new TextEncoder();
  const hash = createHash("sha256");
  const put = async (s: string) => {
    const b = enc.encode(s);
    hash.update(b);
    await writer.write(b);
  };
  try {
    await put(`${words.length} ${d}\n`);
    let buf: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const row: string[] = [words[i]];
      for (let j = 0; j < d; j++) row.push(fmt(vectors[i * d + j]));
      buf.push(row.join(" ") + "\n");
      if (buf.length >= 1024) {
        await put(buf.join(""));
        buf = [];
      }
    }
    if (buf.length > 0) await put(buf.join(""));
  } finally {
    await writer.close().catch(() => {});
  }
  return hash.digest("hex");
}

/** What {@linkcode planAlignedVectors} returns: the aligned stage's artifact coordinates, computed without
 * training (file hashes only). */
export interface AlignedVectorsPlan {
  suite: string;
  stage: typeof ALIGNED_STAGE;
  /** The stage configuration: language, dim, the target `fasttext-vectors` key, the reference's identity
   * (table content sha256, or the English `fasttext-vectors` key) and the alignment settings. */
  config: Record<string, unknown>;
  /** sha256 of every corpus file read (target and English), by path relative to the data directory. */
  inputs: Record<string, string>;
  key: string;
  alignment: AlignmentSettings;
  /** Options of the English `fasttext-vectors` stage, for a fastText reference. */
  referenceOptions?: FastTextVectorsOptions;
}

/**
 * The key, configuration and inputs of the aligned stage for these options, without training anything: what
 * {@linkcode alignedVectors} passes to `ensureArtifact`, and what a suite can put into its own stage configuration
 * (harness/run/define.ts keys a suite stage by its configuration and its datasets' files, not by corpora).
 *
 * @throws {RangeError} when the reference table's dimension is not `dim`; what the fastText planning throws
 *   (a missing corpus file, a bad `dim` or `maxTokens`).
 */
export async function planAlignedVectors(o: AlignedVectorsOptions): Promise<AlignedVectorsPlan> {
  const alignment: AlignmentSettings = { ...DEFAULT_ALIGNMENT, ...o.alignment };
  const target = await planFastText(o);
  let refConfig: Record<string, unknown>;
  let refInputs: Record<string, string> = {};
  let referenceOptions: FastTextVectorsOptions | undefined;
  if ("table" in o.reference) {
    const t = o.reference.table;
    if (t.dim !== o.dim) {
      throw new RangeError(
        `alignedVectors: the reference table ${t.name} has dimension ${t.dim}, expected ${o.dim} as the vectors`,
      );
    }
    refConfig = {
      kind: "table",
      name: t.name,
      dim: t.dim,
      words: t.words.length,
      content: tableContentSha256(t),
    };
  } else {
    const r = o.reference.fastText;
    referenceOptions = {
      dataDir: o.dataDir,
      cacheDir: o.cacheDir,
      dim: o.dim,
      fasttext: o.fasttext,
      policy: o.policy,
      trainer: o.trainer,
      suite: o.suite,
      language: r.language,
      corpusFiles: r.corpusFiles,
      sentences: r.sentences,
      sentencesLabel: r.sentencesLabel,
      maxTokens: r.maxTokens ?? o.maxTokens,
    };
    const plan = await planFastText(referenceOptions);
    refConfig = { kind: "fasttext", key: plan.key };
    refInputs = plan.inputs;
  }
  const config = { language: o.language, dim: o.dim, target: target.key, reference: refConfig, alignment };
  const inputs = { ...refInputs, ...target.inputs };
  return {
    suite: target.suite,
    stage: ALIGNED_STAGE,
    config,
    inputs,
    key: artifactKey(target.suite, ALIGNED_STAGE, config, inputs),
    alignment,
    ...(referenceOptions ? { referenceOptions } : {}),
  };
}

/**
 * Makes the aligned vectors into `dir` (a fresh folder): `vectors.vec` and `vectors.json`; the fastText vectors
 * it needs come from (or go to) the `fasttext-vectors` artifacts of `o.cacheDir`. This is the work of
 * {@linkcode alignedVectors} without its own cache entry, for a suite stage (harness/run/define.ts `StageDecl.run`
 * gets such a folder).
 *
 * @returns the metrics: `vectors/vocabulary`, `vectors/training_tokens`, `vectors/dictionary_train`,
 *   `vectors/dictionary_held_out`, and `vectors/precision_at_1` (0–1) when pairs are held out
 * @throws as {@linkcode alignedVectors}
 */
export async function writeAlignedVectors(
  dir: string,
  o: AlignedVectorsOptions,
  plan?: AlignedVectorsPlan,
): Promise<{ metrics: Record<string, number> }> {
  const { alignment, referenceOptions } = plan ?? await planAlignedVectors(o);
  const tv = await fastTextVectors(o);
  const source = await loadTextEmbeddings(tv.vecPath, { name: `fasttext.${o.language}.${o.dim}d` });
  let reference: WordEmbeddings;
  let refRecord: AlignedVectorsRecord["reference"];
  if ("table" in o.reference) {
    const t = o.reference.table;
    reference = t;
    refRecord = {
      kind: "table",
      name: t.name,
      source: t.source,
      dim: t.dim,
      words: t.words.length,
      ...(t.sha256 === undefined ? {} : { sha256: t.sha256 }),
      content: tableContentSha256(t),
    };
  } else {
    const rv = await fastTextVectors(referenceOptions!);
    reference = await loadTextEmbeddings(rv.vecPath, { name: `fasttext.${rv.record.language}.${o.dim}d` });
    refRecord = { kind: "fasttext", key: rv.artifact.key, record: rv.record };
  }
  const a = alignByIdenticalStrings(source, reference, alignment);
  // The prepared rows (unit length, centred), the space W was fitted in.
  const prepared = a.source;
  const keep = prepared.words.map((_, i) => i).filter((i) => prepared.words[i] !== END_OF_SENTENCE);
  const words = keep.map((i) => prepared.words[i]);
  const x = new Float32Array(keep.length * o.dim);
  keep.forEach((r, i) => x.set(prepared.vectors.subarray(r * o.dim, (r + 1) * o.dim), i * o.dim));
  const mapped = applyMap({ rows: words.length, cols: o.dim, data: x }, a.w);
  const sha256 = await writeVec(join(dir, VEC_FILE), words, mapped, o.dim);
  const p = a.heldOut;
  const record: AlignedVectorsRecord = {
    stage: ALIGNED_STAGE,
    method:
      "fastText skip-gram (Bojanowski et al. 2017) aligned by orthogonal Procrustes on identical strings " +
      "(Smith et al. 2017; MUSE identical_char, Conneau et al. 2018); precision@1 by cosine nearest neighbour",
    language: o.language,
    dim: o.dim,
    target: { ...tv.record, key: tv.artifact.key },
    reference: refRecord,
    alignment,
    dictionary: { train: a.dictionary.train.length, heldOut: a.dictionary.heldOut.length },
    precisionAt1: {
      value: Number.isNaN(p.precision) ? null : p.precision,
      queries: p.queries,
      hits: p.hits,
      searchRank: p.searchRank,
    },
    vocabulary: words.length,
    vec: { file: VEC_FILE, sha256 },
  };
  await writeJsonAtomic(join(dir, RECORD_FILE), record);
  const metrics: Record<string, number> = {
    "vectors/vocabulary": words.length,
    "vectors/training_tokens": tv.record.text.tokens,
    "vectors/dictionary_train": a.dictionary.train.length,
    "vectors/dictionary_held_out": a.dictionary.heldOut.length,
  };
  if (!Number.isNaN(p.precision)) metrics["vectors/precision_at_1"] = p.precision;
  return { metrics };
}

/**
 * Reads an aligned-vectors folder ({@linkcode writeAlignedVectors}'s output, an artifact's `dir`).
 *
 * @returns the table (name `fasttext.<lang>.<dim>d.aligned` unless `name` is given) and the record
 * @throws {Error} `Artifact "<dir>" has no vectors.json: remove the folder` when the record is missing;
 *   {DataFormatError} from {@linkcode loadTextEmbeddings} for a damaged `vectors.vec`.
 */
export async function loadAlignedVectors(
  dir: string,
  name?: string,
): Promise<{ embeddings: WordEmbeddings; record: AlignedVectorsRecord }> {
  const record = await readJsonIfExists<AlignedVectorsRecord>(join(dir, RECORD_FILE));
  if (!record) throw new Error(`Artifact "${dir}" has no ${RECORD_FILE}: remove the folder`);
  const embeddings = await loadTextEmbeddings(join(dir, VEC_FILE), {
    name: name ?? `fasttext.${record.language}.${record.dim}d.aligned`,
  });
  return { embeddings, record };
}

/**
 * Substitute aligned vectors for one language: its fastText vectors ({@linkcode fastTextVectors}, cached) mapped
 * into the English reference space by orthogonal Procrustes on identical strings, W = U Vᵀ from the SVD of XᵀY
 * over the dictionary's train pairs, both spaces prepared by `prepareSpace` (unit length, mean-centred, unit
 * length: harness/vectors/procrustes.ts); precision@1 of cosine nearest-neighbour retrieval on the held-out pairs
 * is recorded. Every target word except `</s>` is written to the artifact's `vectors.vec` (6 significant digits)
 * as its prepared vector mapped by W, so rows have unit length and live in the prepared reference space: to
 * compare them with English vectors, prepare the reference the same way (`prepareSpace(reference, { center,
 * meanRows: maxRank })` with the record's `alignment`). The returned table is read back from that file, so a
 * fresh and a reused call give the same numbers. Cached in `o.cacheDir` under {@linkcode planAlignedVectors}'s
 * key: a second call with the same inputs runs nothing (within one process it gets the first call's result).
 *
 * @returns `embeddings` (name `fasttext.<lang>.<dim>d.aligned`, [vocabulary, dim]), its record and artifact
 * @throws {RangeError} when the reference table's dimension is not `dim`, or no identical string is shared; and
 *   what {@linkcode fastTextVectors} throws. A failure leaves no `aligned-vectors` artifact.
 */
export async function alignedVectors(o: AlignedVectorsOptions): Promise<AlignedVectors> {
  const plan = await planAlignedVectors(o);
  const artifact = await ensureArtifact(
    o.cacheDir,
    plan.suite,
    ALIGNED_STAGE,
    plan.config,
    plan.inputs,
    (dir) => writeAlignedVectors(dir, o, plan),
  );
  return { ...(await loadAlignedVectors(artifact.dir)), artifact };
}
