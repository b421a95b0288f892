/**
 * The data layer of tagbench: reading CoNLL-style files, tag schemes, the dataset registry and loader (with
 * sha256 checks), dataset statistics, low-resource subsets and word embeddings.
 *
 * ```ts
 * import { convertTags, loadDataset, resolveDataDir } from "./harness/data/mod.ts";
 *
 * const ds = await loadDataset("conll2003", resolveDataDir().dir);
 * const iobes = ds.splits.train!.sentences.map((s) => convertTags(s.tags, ds.spec.scheme, "IOBES"));
 * ```
 *
 * @module
 */

export * from "./conll_reader.ts";
export * from "./tag_scheme.ts";
export * from "./registry.ts";
export * from "./data_dir.ts";
export * from "./load.ts";
export * from "./stats.ts";
export * from "./sampling.ts";
export * from "./embeddings.ts";
export * from "./wikiann_reader.ts";
export * from "./conllu_reader.ts";
export * from "./numpy_random.ts";
export * from "./splits.ts";
export * from "./genia_reader.ts";
export * from "./gazetteer.ts";
