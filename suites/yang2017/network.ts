/**
 * The hierarchical GRU-CRF tagger of Yang, Salakhutdinov & Cohen (ICLR 2017, §3.1, §3.4) and its transfer
 * architectures T-A, T-B and T-C (§3.2, Fig. 1b–d) as parameter-sharing configurations over two or more tasks.
 *
 * Base model, per task (shapes for a batch of B sentences, T words, L characters per word):
 *
 *     chars [B, T, L] → char embedding (25) → 2-layer bi-GRU (80 per direction) over each word's characters
 *       → char feature [B, T, 160] = [final forward state ; final backward state] of the second layer
 *     words [B, T] → word embedding (50; 64 for Spanish) [B, T, Dw]
 *     [word embedding ; char feature] [B, T, Dw + 160] → 2-layer bi-GRU (300 per direction) [B, T, 600]
 *       → linear (no bias) [B, T, K] → linear-chain CRF with a learned start vector and no end transition
 *
 * No dropout. Training objective: the softmax-margin CRF loss (Gimpel & Smith 2010, eq. 4) averaged over the
 * batch, log Σ_{y'} exp(s(y') + c·Σ_t [y'_t ≠ y_t]) − s(y) with c = 5.0, where
 * s(y) = start[y₀] + Σ_t e[t, y_t] + Σ_{t≥1} transitions[y_{t−1}, y_t] (crf.ts with `end: false`).
 *
 * Facts from the released code (kimiyoung/transfer, `cnn_rnn.py`, `joint.py`, `lang.joint.py`):
 * - The GRUs are Lasagne `GRULayer`s: reset gate after the recurrent product, no b_hn, weights N(0, 0.1²), zero
 *   biases (gru.ts `reset: "after"`, `initializer: "normal-0.1"`). The char feature is the forward GRU's output at
 *   the word's last character and the backward GRU's output at its first character, of the second layer.
 * - Each word's characters are wrapped in a begin symbol and an end symbol (`x[0] = 1`, `x[len + 1] = 2`);
 *   `charBoundaries` (default true) adds two extra rows to the char table for them.
 * - The projection to tag scores belongs to the CRF layer (`CRFLayer.W`, Glorot-uniform, no bias), so parameter
 *   group `crf` is {projection, transitions, start}; the start vector `W_init` is Glorot-uniform of shape
 *   `[1, K]` (limit √(6/(1+K))), transitions `W_sim` `[K, K]` (limit √(6/2K)).
 * - Initialisation `"lasagne"` (default): char embeddings N(0, 0.01²) (Lasagne `EmbeddingLayer`), word
 *   embeddings N(0, 0.001²) (`lasagne.init.Normal(std=1e-3)`), pretrained vectors copied into the trainable
 *   table (`set_embedding`). `"tagbench"`: embedding.ts' uniform(±√(3/dim)) tables, Glorot GRU weights and
 *   crf.ts' own start initialisation.
 * - T-A (`joint.py --very_top_joint`) shares every parameter, the CRF included; T-B (`joint.py`, `top_joint`)
 *   everything below the CRF layer (char and word embeddings, char and word GRUs); T-C (`lang.joint.py`,
 *   `joint`) only the char embeddings and the char GRUs. The released code keeps one Theano model per task and
 *   copies the shared values into the next task's model before its step; here shared groups are the SAME
 *   tf.Variable objects, which is the same computation.
 * - English NER in the released code (`ner.py` `read_list_data`, `cnn_rnn.py` `use_gaze`; paper §4.1) also feeds a
 *   one-hot gazetteer feature to the CRF layer: the `[B, T, K]` one-hot of each token's gazetteer match tag
 *   (IOBES over the task's own tag set, `harness/data/gazetteer.ts`) is concatenated to the word bi-GRU output,
 *   so the CRF projection is `[2·wordGruUnits + K, K]`. Optional per task ({@link YangTaskInput.gazetteer}); the
 *   batch carries the tag ids (`EncodedBatch.gazetteer`), padded positions get a zero row as in the released code.
 *
 * T-A needs one tag set for all tasks: each task's tags are mapped to the shared tag set before encoding (the
 * paper's "label mapping step", see `train.ts`), so every task of a T-A model has the same tag vocabulary.
 *
 * @example
 * ```ts
 * const model = YangModel.create({ ...YANG_T_B }, {
 *   charVocab,
 *   tasks: [
 *     { name: "ner", wordVocab, tagVocab: nerTags, lookup },
 *     { name: "pos", wordVocab, tagVocab: posTags, lookup },
 *   ],
 * }, createRng(1));
 * const loss = model.loss(batch, "ner"); // softmax-margin, batch mean
 * const paths = await model.predict(batch, "ner");
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { LookupPolicy, WordEmbeddings } from "../../models/types.ts";
import { LinearChainCRF } from "../../models/crf.ts";
import { CharEmbedding, type EmbeddingDescription, WordEmbedding } from "../../models/embedding.ts";
import { BiGRU, type GruReset } from "../../models/gru.ts";
import { glorotUniform, normal, type Rng } from "../../models/init.ts";
import { denseSeq, gatherRows } from "../../models/ops.ts";
import { type EncodedBatch, PAD, type Vocabulary } from "../../models/vocab.ts";

/** Architectures: the base model on one task, or a transfer architecture over two or more tasks (§3.2). */
export type YangArchitecture = "base" | "T-A" | "T-B" | "T-C";

/** All architectures, for validation and listings. */
export const YANG_ARCHITECTURES: readonly YangArchitecture[] = ["base", "T-A", "T-B", "T-C"];

/**
 * Parameter groups of the model, bottom to top. `crf` is the CRF layer of the released code: the linear
 * projection `[2·wordGruUnits, K]` (`[2·wordGruUnits + K, K]` with the gazetteer feature; no bias), the
 * transitions `[K, K]` and the start vector `[K]`.
 */
export type YangParamGroup = "charEmbedding" | "charGru" | "wordEmbedding" | "wordGru" | "crf";

/** The parameter groups in model order (also the order in which their weights are drawn). */
export const YANG_PARAM_GROUPS: readonly YangParamGroup[] = [
  "charEmbedding",
  "charGru",
  "wordEmbedding",
  "wordGru",
  "crf",
];

/**
 * Which parameter groups each architecture shares across tasks (§3.2, Fig. 1; `joint.py`/`lang.joint.py`).
 * Groups not listed are task-specific. `base` has a single task, so nothing is shared.
 */
export const YANG_SHARING: Readonly<Record<YangArchitecture, readonly YangParamGroup[]>> = {
  base: [],
  "T-A": ["charEmbedding", "charGru", "wordEmbedding", "wordGru", "crf"],
  "T-B": ["charEmbedding", "charGru", "wordEmbedding", "wordGru"],
  "T-C": ["charEmbedding", "charGru"],
};

/** Architecture and sizes of a Yang et al. model. */
export interface YangConfig {
  architecture: YangArchitecture;
  /** Char embedding size (paper 25). */
  charEmbeddingDim: number;
  /** Char bi-GRU units per direction (paper 80); the char feature is 2× this. */
  charGruUnits: number;
  /** Stacked char bi-GRU layers (released code: 2, `char_double_layer`). */
  charGruLayers: number;
  /** Size of a word embedding table without pretrained vectors (paper 50; 64 for Spanish, per task). */
  wordEmbeddingDim: number;
  /** Word bi-GRU units per direction (paper 300). */
  wordGruUnits: number;
  /** Stacked word bi-GRU layers (released code: 2, `double_layer`). */
  wordGruLayers: number;
  /** Softmax-margin Hamming cost weight c (released code `COST_CONST` 5.0); 0 is plain CRF log-likelihood. */
  costWeight: number;
  /** Wrap each word's characters in begin/end symbols (released code; default true). */
  charBoundaries?: boolean;
  /** Initialisation scheme (see the module doc); default `"lasagne"`. */
  init?: "lasagne" | "tagbench";
  /** Where the GRU reset gate applies; default `"after"` (Lasagne `GRULayer`). */
  gruReset?: GruReset;
}

/** The paper's base model (§3.4, §4.2; released `cnn_rnn.py`): char 25 → bi-GRU 80 ×2, word 50 → bi-GRU 300 ×2, cost 5. */
export const YANG_BASE: YangConfig = {
  architecture: "base",
  charEmbeddingDim: 25,
  charGruUnits: 80,
  charGruLayers: 2,
  wordEmbeddingDim: 50,
  wordGruUnits: 300,
  wordGruLayers: 2,
  costWeight: 5.0,
  charBoundaries: true,
  init: "lasagne",
  gruReset: "after",
};

/** T-A (cross-domain, mappable labels): everything shared, CRF included. */
export const YANG_T_A: YangConfig = { ...YANG_BASE, architecture: "T-A" };
/** T-B (cross-domain with disparate labels, cross-application): all but the CRF layer shared. */
export const YANG_T_B: YangConfig = { ...YANG_BASE, architecture: "T-B" };
/** T-C (cross-lingual): char embeddings and char GRUs shared. */
export const YANG_T_C: YangConfig = { ...YANG_BASE, architecture: "T-C" };

/** What one task brings to the model. */
export interface YangTaskInput {
  /** Task name, unique within the model; letters, digits, `_`, `-`, `.` (it becomes part of variable names). */
  name: string;
  wordVocab: Vocabulary;
  /** Tags of the task (T-A: the shared tag set, identical for every task). */
  tagVocab: Vocabulary;
  lookup: LookupPolicy;
  /** Pretrained word vectors; their dimension replaces `wordEmbeddingDim`. */
  embeddings?: WordEmbeddings;
  /**
   * How pretrained vectors are used: `"trainable"` (default; the released code's `set_embedding`: they
   * initialise the rows of a trainable table, other rows random) or `"frozen"` (embedding.ts: a frozen table
   * with the UNK policy of `lookup`; every vocabulary word must be in the table).
   */
  pretrained?: "trainable" | "frozen";
  /** Word embedding size of this task when it has no pretrained vectors (e.g. 64 for Spanish). */
  wordEmbeddingDim?: number;
  /**
   * Gazetteer feature (paper §4.1, CoNLL-2003 English NER; released `cnn_rnn.py` `use_gaze`): when true, the
   * task's CRF projection input gets K more columns, the one-hot over the task's tag vocabulary of each token's
   * gazetteer tag id (`EncodedBatch.gazetteer`, required in every batch of the task; zero rows at padding), so
   * the projection is `[2·wordGruUnits + K, K]`. Default false: the model is exactly the one without it. With T-A
   * (shared CRF) every task must agree.
   */
  gazetteer?: boolean;
}

/** Vocabularies and embeddings of a model. */
export interface YangInputs {
  /** Characters (one vocabulary for all tasks: char embeddings are shared by every transfer architecture). */
  charVocab: Vocabulary;
  /** One task for `base`, two or more for T-A/T-B/T-C. */
  tasks: YangTaskInput[];
}

/** The tagging head of a task: the released code's CRF layer. */
export interface YangCrfHead {
  /**
   * `[2·wordGruUnits, K]` projection to tag scores (no bias); `[2·wordGruUnits + K, K]` with the gazetteer
   * feature, its last K rows the weights of the gazetteer one-hot.
   */
  projection: tf.Variable;
  /** Whether the projection reads the gazetteer one-hot after the word features. */
  gazetteer: boolean;
  /** Transitions and start vector (no end transition). */
  crf: LinearChainCRF;
}

/** The modules a task's forward pass uses; shared groups are the same objects for every task. */
export interface YangComponents {
  charEmbedding: CharEmbedding;
  charGru: BiGRU;
  wordEmbedding: WordEmbedding;
  wordGru: BiGRU;
  crf: YangCrfHead;
}

/** What {@link YangModel.describe} returns, for the run manifest. */
export interface YangDescription {
  name: string;
  config: YangConfig;
  tasks: string[];
  shared: YangParamGroup[];
  /** Trainable scalars per group and task (a shared group has the same count under every task). */
  parameters: Record<YangParamGroup, Record<string, number>>;
  /** Total trainable scalars (shared groups counted once). */
  totalParameters: number;
  /** Tasks whose CRF reads the gazetteer feature; absent when none does. */
  gazetteer?: string[];
  charEmbedding: EmbeddingDescription;
  wordEmbeddings: Record<string, EmbeddingDescription>;
}

let modelCounter = 0;

const TASK_NAME = /^[A-Za-z0-9_.-]+$/;

function positiveInt(v: number): boolean {
  return Number.isInteger(v) && v >= 1;
}

/**
 * Checks a configuration against its tasks.
 *
 * @throws {Error} naming the field or task that is inconsistent: unknown architecture, sizes that are not
 *   positive integers, a negative cost, the wrong number of tasks, duplicate or unusable task names, or shared
 *   groups whose tasks disagree (word vocabulary, lookup policy, pretrained table or dimension, tag set, and with
 *   a shared CRF the gazetteer feature).
 */
export function validateYangConfig(cfg: YangConfig, inputs: YangInputs): void {
  if (!YANG_ARCHITECTURES.includes(cfg.architecture)) {
    throw new Error(
      `Unknown Yang et al. architecture "${cfg.architecture as string}": expected ${
        YANG_ARCHITECTURES.join(", ")
      }`,
    );
  }
  for (
    const k of [
      "charEmbeddingDim",
      "charGruUnits",
      "charGruLayers",
      "wordEmbeddingDim",
      "wordGruUnits",
      "wordGruLayers",
    ] as const
  ) {
    if (!positiveInt(cfg[k])) throw new Error(`YangConfig.${k} must be a positive integer, got ${cfg[k]}`);
  }
  if (!(cfg.costWeight >= 0)) throw new Error(`YangConfig.costWeight must be ≥ 0, got ${cfg.costWeight}`);
  if (cfg.init !== undefined && cfg.init !== "lasagne" && cfg.init !== "tagbench") {
    throw new Error(`YangConfig.init must be "lasagne" or "tagbench", got "${cfg.init as string}"`);
  }
  const tasks = inputs.tasks;
  if (cfg.architecture === "base" && tasks.length !== 1) {
    throw new Error(`Yang et al. architecture "base" takes exactly one task, got ${tasks.length}`);
  }
  if (cfg.architecture !== "base" && tasks.length < 2) {
    throw new Error(
      `Yang et al. architecture "${cfg.architecture}" needs two or more tasks, got ${tasks.length}`,
    );
  }
  const names = new Set<string>();
  for (const t of tasks) {
    if (!TASK_NAME.test(t.name)) {
      throw new Error(`Task name "${t.name}" must be non-empty letters, digits, "_", "-" or "."`);
    }
    if (names.has(t.name)) throw new Error(`Duplicate task name "${t.name}"`);
    names.add(t.name);
    if (t.wordEmbeddingDim !== undefined && !positiveInt(t.wordEmbeddingDim)) {
      throw new Error(
        `Task "${t.name}": wordEmbeddingDim must be a positive integer, got ${t.wordEmbeddingDim}`,
      );
    }
    if (t.pretrained !== undefined && t.pretrained !== "trainable" && t.pretrained !== "frozen") {
      throw new Error(`Task "${t.name}": pretrained must be "trainable" or "frozen"`);
    }
    if (t.tagVocab.kind !== "tag") throw new Error(`Task "${t.name}": tagVocab must be a tag vocabulary`);
    if (t.gazetteer !== undefined && typeof t.gazetteer !== "boolean") {
      throw new Error(`Task "${t.name}": gazetteer must be true or false`);
    }
  }
  if (inputs.charVocab.kind !== "char") throw new Error("YangInputs.charVocab must be a char vocabulary");
  const shared = YANG_SHARING[cfg.architecture];
  const [first, ...rest] = tasks;
  if (shared.includes("wordEmbedding")) {
    for (const t of rest) {
      const why = sameWordTable(first, t);
      if (why) {
        throw new Error(
          `Architecture ${cfg.architecture} shares the word embeddings, but tasks "${first.name}" and "${t.name}" ` +
            `differ: ${why}`,
        );
      }
    }
  }
  if (shared.includes("wordGru")) {
    const dims = tasks.map((t) => wordDim(cfg, t));
    if (new Set(dims).size > 1) {
      throw new Error(
        `Architecture ${cfg.architecture} shares the word GRU, so every task needs one word embedding size; ` +
          `got ${tasks.map((t, i) => `${t.name} ${dims[i]}`).join(", ")}`,
      );
    }
  }
  if (shared.includes("crf")) {
    for (const t of rest) {
      if (t.tagVocab.tokens.join("\u0000") !== first.tagVocab.tokens.join("\u0000")) {
        throw new Error(
          `Architecture ${cfg.architecture} shares the CRF, so every task needs the shared tag set; tasks ` +
            `"${first.name}" (${first.tagVocab.tokens.join(" ")}) and "${t.name}" (${
              t.tagVocab.tokens.join(" ")
            }) differ: map each task's labels to the shared set first`,
        );
      }
      const [ga, gb] = [first.gazetteer ?? false, t.gazetteer ?? false];
      if (ga !== gb) {
        throw new Error(
          `Architecture ${cfg.architecture} shares the CRF, so every task needs the same gazetteer setting; ` +
            `task "${first.name}" has gazetteer ${ga} and "${t.name}" has ${gb}`,
        );
      }
    }
  }
}

function sameWordTable(a: YangTaskInput, b: YangTaskInput): string | undefined {
  if (
    a.wordVocab !== b.wordVocab && a.wordVocab.tokens.join("\u0000") !== b.wordVocab.tokens.join("\u0000")
  ) {
    return "word vocabularies";
  }
  const la = a.lookup;
  const lb = b.lookup;
  if (la.lowercase !== lb.lowercase || la.digitsToZero !== lb.digitsToZero || la.unk !== lb.unk) {
    return "lookup policies";
  }
  if ((a.embeddings?.name ?? "") !== (b.embeddings?.name ?? "")) return "pretrained tables";
  if ((a.pretrained ?? "trainable") !== (b.pretrained ?? "trainable")) return "pretrained modes";
  if ((a.wordEmbeddingDim ?? 0) !== (b.wordEmbeddingDim ?? 0)) return "word embedding sizes";
  return undefined;
}

function wordDim(cfg: YangConfig, t: YangTaskInput): number {
  return t.embeddings?.dim ?? t.wordEmbeddingDim ?? cfg.wordEmbeddingDim;
}

/** Overwrites a variable's values (the initial tensor is freed). */
function assignValues(v: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, v.shape, "float32");
  v.assign(t);
  t.dispose();
}

/** Values of a seeded initialiser as a plain array. */
function drawn(t: tf.Tensor): Float32Array {
  const a = (t.dataSync() as Float32Array).slice();
  t.dispose();
  return a;
}

/** Char ids of a batch's real tokens, as the char GRU reads them. */
interface CharInputs {
  /** Real tokens N = Σ lengths. */
  n: number;
  /** Characters per row (batch L, + 2 with boundaries). */
  width: number;
  /** `[N, width]` char ids. */
  ids: Int32Array;
  /** Characters per real token (with boundaries). */
  lengths: number[];
  /** `[N]` row of each token's last character in the flattened `[N·width]` GRU output. */
  last: Int32Array;
  /** `[N]` row of each token's first character. */
  first: Int32Array;
  /** `[B·T]` row of the `[N + 1, ·]` token features for each batch position; padding reads row N (zeros). */
  rowOf: Int32Array;
}

function charInputs(batch: EncodedBatch, boundaries: boolean, charVocabSize: number): CharInputs {
  const { batchSize: B, maxLength: T, maxWordLength: L, lengths: sentLengths } = batch;
  const n = batch.tokens;
  const width = boundaries ? L + 2 : L;
  const ids = new Int32Array(n * width);
  const lengths: number[] = [];
  const last = new Int32Array(n);
  const first = new Int32Array(n);
  const rowOf = new Int32Array(B * T).fill(n);
  let k = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < sentLengths[b]; t++) {
      const p = b * T + t;
      const cl = batch.charLengths[p];
      const off = k * width;
      if (boundaries) {
        ids[off] = charVocabSize; // begin-of-word symbol
        for (let c = 0; c < cl; c++) ids[off + 1 + c] = batch.chars[p * L + c];
        ids[off + 1 + cl] = charVocabSize + 1; // end-of-word symbol
        lengths.push(cl + 2);
      } else {
        for (let c = 0; c < cl; c++) ids[off + c] = batch.chars[p * L + c];
        lengths.push(cl);
      }
      if (lengths[k] < 1) throw new Error(`Word ${t} of sentence ${b} has no characters`);
      last[k] = off + lengths[k] - 1;
      first[k] = off;
      rowOf[p] = k;
      k++;
    }
  }
  if (k !== n) throw new Error(`EncodedBatch.tokens is ${n}, but the lengths add up to ${k}`);
  return { n, width, ids, lengths, last, first, rowOf };
}

/**
 * A Yang et al. model over one or more tasks. Create with {@link YangModel.create}; call
 * {@link YangModel.dispose} when done. Shared parameter groups (see {@link YANG_SHARING}) are the same module
 * objects and tf.Variables for every task.
 */
export class YangModel {
  readonly config: YangConfig;
  readonly name: string;
  /** Task names in input order. */
  readonly tasks: readonly string[];
  /** Groups shared by every task. */
  readonly shared: readonly YangParamGroup[];
  readonly #components: Map<string, YangComponents>;
  readonly #inputs: Map<string, YangTaskInput>;
  readonly #charVocabSize: number;
  readonly #wordDescriptions: Map<WordEmbedding, EmbeddingDescription>;
  readonly #charDescription: EmbeddingDescription;

  private constructor(cfg: YangConfig, inputs: YangInputs, rng: Rng, name: string) {
    this.config = cfg;
    this.name = name;
    this.tasks = inputs.tasks.map((t) => t.name);
    this.shared = YANG_SHARING[cfg.architecture];
    this.#inputs = new Map(inputs.tasks.map((t) => [t.name, t]));
    this.#charVocabSize = inputs.charVocab.size;
    this.#wordDescriptions = new Map();
    const lasagne = (cfg.init ?? "lasagne") === "lasagne";
    const boundaries = cfg.charBoundaries ?? true;
    const reset = cfg.gruReset ?? "after";
    const gruInit = lasagne ? "normal-0.1" as const : "glorot-uniform" as const;

    // One instance per group if shared, else one per task; weights drawn group by group, tasks in order.
    const built = new Map<YangParamGroup, unknown[]>();
    const scope = (g: YangParamGroup, task: YangTaskInput) =>
      this.shared.includes(g) ? `${name}/shared` : `${name}/${task.name}`;
    const build = <M>(g: YangParamGroup, make: (task: YangTaskInput, prefix: string) => M): void => {
      const owners = this.shared.includes(g) ? [inputs.tasks[0]] : inputs.tasks;
      built.set(g, owners.map((t) => make(t, scope(g, t))));
    };

    let charDescription: EmbeddingDescription | undefined;
    build("charEmbedding", (_t, prefix) => {
      const rows = inputs.charVocab.size + (boundaries ? 2 : 0);
      const emb = new CharEmbedding(`${prefix}/char_emb`, rows, cfg.charEmbeddingDim, rng);
      const d = emb.describe();
      if (lasagne) {
        const values = drawn(normal(rng, [rows, cfg.charEmbeddingDim], 0.01));
        values.fill(0, PAD * cfg.charEmbeddingDim, (PAD + 1) * cfg.charEmbeddingDim);
        assignValues(emb.table, values);
        d.init = "normal(0, 0.01²) from the seeded Rng (Lasagne EmbeddingLayer); PAD row zero";
      }
      if (boundaries) d.init += "; last two rows: begin- and end-of-word symbols";
      charDescription = d;
      return emb;
    });
    this.#charDescription = charDescription!;
    build("charGru", (_t, prefix) =>
      new BiGRU({
        name: `${prefix}/char_gru`,
        inputDim: cfg.charEmbeddingDim,
        units: cfg.charGruUnits,
        layers: cfg.charGruLayers,
        reset,
        initializer: gruInit,
        rng,
      }));
    build("wordEmbedding", (t, prefix) => this.#wordEmbedding(t, `${prefix}/word_emb`, rng, lasagne));
    build("wordGru", (t, prefix) =>
      new BiGRU({
        name: `${prefix}/word_gru`,
        inputDim: wordDim(cfg, t) + 2 * cfg.charGruUnits,
        units: cfg.wordGruUnits,
        layers: cfg.wordGruLayers,
        reset,
        initializer: gruInit,
        rng,
      }));
    build("crf", (t, prefix): YangCrfHead => {
      const K = t.tagVocab.size;
      const gazetteer = t.gazetteer ?? false;
      const w0 = glorotUniform(rng, [2 * cfg.wordGruUnits + (gazetteer ? K : 0), K]);
      const projection = tf.variable(w0, true, `${prefix}/crf/projection`);
      w0.dispose();
      const crf = new LinearChainCRF(K, rng, { name: `${prefix}/crf`, start: true, end: false });
      if (lasagne) assignValues(crf.start!, drawn(glorotUniform(rng, [K], 1, K)));
      return { projection, gazetteer, crf };
    });

    this.#components = new Map();
    inputs.tasks.forEach((t, i) => {
      const pick = <M>(g: YangParamGroup): M => {
        const list = built.get(g)! as M[];
        return this.shared.includes(g) ? list[0] : list[i];
      };
      this.#components.set(t.name, {
        charEmbedding: pick("charEmbedding"),
        charGru: pick("charGru"),
        wordEmbedding: pick("wordEmbedding"),
        wordGru: pick("wordGru"),
        crf: pick("crf"),
      });
    });
  }

  #wordEmbedding(t: YangTaskInput, name: string, rng: Rng, lasagne: boolean): WordEmbedding {
    const cfg = this.config;
    const mode = t.pretrained ?? "trainable";
    if (t.embeddings && mode === "frozen") {
      const emb = WordEmbedding.create({
        name,
        vocab: t.wordVocab,
        policy: t.lookup,
        pretrained: t.embeddings,
        dim: t.embeddings.dim,
        rng,
      });
      this.#wordDescriptions.set(emb, emb.describe());
      return emb;
    }
    const dim = wordDim(cfg, t);
    const emb = WordEmbedding.create({ name, vocab: t.wordVocab, policy: t.lookup, dim, rng });
    const table = emb.variables()[0];
    const d = emb.describe();
    let values: Float32Array | undefined;
    if (lasagne) {
      values = drawn(normal(rng, [t.wordVocab.size, dim], 1e-3));
      values.fill(0, PAD * dim, (PAD + 1) * dim);
      d.init = "normal(0, 0.001²) from the seeded Rng (released code); PAD row zero";
    }
    if (t.embeddings) {
      values ??= (table.dataSync() as Float32Array).slice();
      const e = t.embeddings;
      let found = 0;
      for (let i = 0; i < t.wordVocab.size; i++) {
        const row = e.index.get(t.wordVocab.token(i));
        if (row === undefined || i === PAD) continue;
        values.set(e.vectors.subarray(row * dim, (row + 1) * dim), i * dim);
        found++;
      }
      d.pretrained = { name: e.name, source: e.source, sha256: e.sha256 };
      d.init = `pretrained rows (${found} of ${t.wordVocab.size}), trainable; other rows ${d.init}`;
    }
    if (values) assignValues(table, values);
    this.#wordDescriptions.set(emb, d);
    return emb;
  }

  /**
   * Builds the model. Weights are drawn from `rng` group by group in {@link YANG_PARAM_GROUPS} order, a shared
   * group once, a task-specific group once per task in input order.
   *
   * @throws {Error} for an invalid configuration (see {@link validateYangConfig}).
   */
  static create(cfg: YangConfig, inputs: YangInputs, rng: Rng, name?: string): YangModel {
    validateYangConfig(cfg, inputs);
    return new YangModel(cfg, inputs, rng, name ?? `yang${modelCounter++}`);
  }

  /**
   * The modules `task`'s forward pass uses.
   *
   * @throws {Error} for an unknown task.
   */
  components(task: string): YangComponents {
    const c = this.#components.get(task);
    if (!c) {
      throw new Error(`Yang model "${this.name}" has no task "${task}": expected ${this.tasks.join(", ")}`);
    }
    return c;
  }

  /** Tag vocabulary of `task`. */
  tagVocab(task: string): Vocabulary {
    this.components(task);
    return this.#inputs.get(task)!.tagVocab;
  }

  /** Trainable variables of one parameter group of `task` (frozen tables excluded). */
  groupVariables(group: YangParamGroup, task: string): tf.Variable[] {
    const c = this.components(task);
    switch (group) {
      case "charEmbedding":
        return c.charEmbedding.variables();
      case "charGru":
        return c.charGru.variables();
      case "wordEmbedding":
        return c.wordEmbedding.variables();
      case "wordGru":
        return c.wordGru.variables();
      case "crf":
        return [c.crf.projection, ...c.crf.crf.variables()];
    }
  }

  /** Trainable variables `task`'s loss depends on, or of the whole model (each variable once), group order. */
  trainableVariables(task?: string): tf.Variable[] {
    const tasks = task === undefined ? this.tasks : [task];
    const seen = new Set<tf.Variable>();
    const out: tf.Variable[] = [];
    for (const g of YANG_PARAM_GROUPS) {
      for (const t of tasks) {
        for (const v of this.groupVariables(g, t)) {
          if (!seen.has(v)) {
            seen.add(v);
            out.push(v);
          }
        }
      }
    }
    return out;
  }

  /** Number of trainable scalars (shared groups counted once; frozen pretrained tables excluded). */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Char features of every word: `[B, T, 2·charGruUnits]` = [forward state after the last character ; backward
   * state after the first character] of the last char bi-GRU layer; zeros at padded word positions. Only the
   * batch's real tokens go through the char GRU.
   */
  charFeatures(batch: EncodedBatch, task: string): tf.Tensor3D {
    const c = this.components(task);
    const H = this.config.charGruUnits;
    const ci = charInputs(batch, this.config.charBoundaries ?? true, this.#charVocabSize);
    const { batchSize: B, maxLength: T } = batch;
    return tf.tidy(() => {
      const emb = c.charEmbedding.lookup(tf.tensor2d(ci.ids, [ci.n, ci.width], "int32")) as tf.Tensor3D;
      const h = c.charGru.apply(emb, ci.lengths); // [N, width, 2H]
      const flat = tf.reshape(h, [ci.n * ci.width, 2 * H]) as tf.Tensor2D;
      const fw = tf.slice(gatherRows(flat, tf.tensor1d(ci.last, "int32")), [0, 0], [ci.n, H]);
      const bw = tf.slice(gatherRows(flat, tf.tensor1d(ci.first, "int32")), [0, H], [ci.n, H]);
      const rows = tf.concat([tf.concat([fw, bw], 1), tf.zeros([1, 2 * H])], 0) as tf.Tensor2D;
      return tf.reshape(gatherRows(rows, tf.tensor1d(ci.rowOf, "int32")), [B, T, 2 * H]) as tf.Tensor3D;
    });
  }

  /** Word-level features `[B, T, 2·wordGruUnits]`: the last word bi-GRU layer over [word embedding ; char feature]. */
  features(batch: EncodedBatch, task: string): tf.Tensor3D {
    const c = this.components(task);
    const { batchSize: B, maxLength: T } = batch;
    return tf.tidy(() => {
      const words = c.wordEmbedding.lookup(tf.tensor2d(batch.words, [B, T], "int32")) as tf.Tensor3D;
      const x = tf.concat([words, this.charFeatures(batch, task)], 2) as tf.Tensor3D;
      return c.wordGru.apply(x, batch.lengths);
    });
  }

  /**
   * Tag scores `[B, T, K]` of `task`'s CRF layer (projection without bias) over the word features, or with the
   * gazetteer feature over [word features ; one-hot of `batch.gazetteer`] `[B, T, 2·wordGruUnits + K]` (§4.1;
   * released `cnn_rnn.py` ConcatLayer before the CRFLayer), zero one-hot rows at padded positions.
   *
   * @throws {Error} when the task uses the gazetteer and `batch.gazetteer` is missing, not `B·T` long, or holds
   *   an id outside the task's tag vocabulary.
   */
  emissions(batch: EncodedBatch, task: string): tf.Tensor3D {
    const c = this.components(task);
    if (!c.crf.gazetteer) {
      return tf.tidy(() => denseSeq(this.features(batch, task), c.crf.projection as tf.Tensor2D));
    }
    const oneHot = this.#gazetteerOneHot(batch, task);
    const { batchSize: B, maxLength: T } = batch;
    const K = oneHot.length / (B * T);
    return tf.tidy(() => {
      const x = tf.concat([this.features(batch, task), tf.tensor3d(oneHot, [B, T, K])], 2) as tf.Tensor3D;
      return denseSeq(x, c.crf.projection as tf.Tensor2D);
    });
  }

  /** `[B·T·K]` one-hot of `batch.gazetteer` over `task`'s tags, zero rows at padded positions. */
  #gazetteerOneHot(batch: EncodedBatch, task: string): Float32Array {
    const { batchSize: B, maxLength: T, gazetteer: ids } = batch;
    const K = this.tagVocab(task).size;
    if (!ids) {
      throw new Error(
        `Task "${task}" of Yang model "${this.name}" uses the gazetteer feature, but the batch has no ` +
          `gazetteer tag ids (EncodedBatch.gazetteer)`,
      );
    }
    if (ids.length !== B * T) {
      const n = B * T;
      throw new Error(
        `EncodedBatch.gazetteer has ${ids.length} ids, expected B·T = ${B}·${T} = ${n} for task "${task}"`,
      );
    }
    const out = new Float32Array(B * T * K);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < batch.lengths[b]; t++) {
        const id = ids[b * T + t];
        if (!(id >= 0 && id < K)) {
          throw new Error(
            `EncodedBatch.gazetteer id ${id} at sentence ${b}, word ${t} is outside task "${task}"'s ${K} tags`,
          );
        }
        out[(b * T + t) * K + id] = 1;
      }
    }
    return out;
  }

  /**
   * Batch-mean softmax-margin loss of `batch`'s gold tags under `task`'s CRF (cost weight `costWeight`, default
   * the config's; 0 gives the CRF negative log-likelihood). Differentiable w.r.t. the task's variables.
   */
  loss(batch: EncodedBatch, task: string, opts: { costWeight?: number } = {}): tf.Scalar {
    const c = this.components(task);
    const { batchSize: B, maxLength: T } = batch;
    return tf.tidy(() =>
      c.crf.crf.negLogLikelihood(
        this.emissions(batch, task),
        tf.tensor2d(batch.tags, [B, T], "int32"),
        tf.tensor2d(batch.mask, [B, T]),
        { costWeight: opts.costWeight ?? this.config.costWeight },
      )
    );
  }

  /** Viterbi tag-id sequences of `batch` under `task` (start vector, no end transition), `lengths[b]` long. */
  async predict(batch: EncodedBatch, task: string): Promise<number[][]> {
    const c = this.components(task);
    const em = this.emissions(batch, task);
    try {
      return await c.crf.crf.decodeAsync(em, batch.lengths);
    } finally {
      em.dispose();
    }
  }

  /** Architecture, sharing, parameter counts and embeddings, for the manifest. */
  describe(): YangDescription {
    const parameters = {} as Record<YangParamGroup, Record<string, number>>;
    for (const g of YANG_PARAM_GROUPS) {
      parameters[g] = {};
      for (const t of this.tasks) {
        parameters[g][t] = this.groupVariables(g, t).reduce((n, v) => n + v.size, 0);
      }
    }
    const wordEmbeddings: Record<string, EmbeddingDescription> = {};
    for (const t of this.tasks) {
      wordEmbeddings[t] = { ...this.#wordDescriptions.get(this.components(t).wordEmbedding)! };
    }
    const gazetteer = this.tasks.filter((t) => this.components(t).crf.gazetteer);
    return {
      name: this.name,
      config: { ...this.config },
      tasks: [...this.tasks],
      shared: [...this.shared],
      parameters,
      totalParameters: this.parameterCount(),
      ...(gazetteer.length ? { gazetteer } : {}),
      charEmbedding: { ...this.#charDescription },
      wordEmbeddings,
    };
  }

  /** Frees every variable and table (shared ones once). */
  dispose(): void {
    const done = new Set<unknown>();
    for (const t of this.tasks) {
      const c = this.components(t);
      for (const m of [c.charEmbedding, c.charGru, c.wordEmbedding, c.wordGru]) {
        if (!done.has(m)) {
          done.add(m);
          m.dispose();
        }
      }
      if (!done.has(c.crf)) {
        done.add(c.crf);
        c.crf.projection.dispose();
        c.crf.crf.dispose();
      }
    }
  }
}
