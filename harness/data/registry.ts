/**
 * The dataset registry: every dataset a suite may use, with its files' sha256, licence, where to get it and the
 * statistics papers publish for it.
 *
 * @module
 */

import { didYouMean } from "../did_you_mean.ts";
import type { SplitName, TagScheme, TaskKind } from "../../models/types.ts";
import type { ConllFormat } from "./conll_reader.ts";
import { UD12_DATASETS } from "./ud12.ts";

/** One file of a dataset split. `url` (optional) serves exactly these bytes, for machines with internet. */
export interface SplitFile {
  /** File name inside the dataset's folder. */
  file: string;
  /** sha256 of the file, lower-case hex. */
  sha256: string;
  bytes: number;
  url?: string;
}

/** Token and entity (chunk) counts per split as a paper prints them, with the source. */
export interface PaperStats {
  /** Paper, table and page, e.g. `Zhou et al. (2019), DATNet, ACL, Table 1`. */
  source: string;
  /** `entities` is absent where the paper prints none (POS datasets, or token counts only). */
  splits: Partial<Record<SplitName, { tokens: number; entities?: number }>>;
  /** What the paper's counts include, where known. */
  note?: string;
}

/**
 * How the splits of a dataset without official ones are cut from its single file: a seeded 80/10/10 split by
 * sentence index (`SPLIT_ALGORITHM` in `splits.ts`), written down in `harness/data/splits/<id>.v<version>.json`.
 * Such a dataset's `splits.train`, `.dev` and `.test` all name that one file.
 */
export interface SplitPartition {
  /** Split version; the file is `<id>.v<version>.json`. Bump it (and keep the old file) to change a split. */
  version: number;
  /** Seed string of the split: sentence `i`'s sort key is sha256(`${seed}:${i}`). */
  seed: string;
  /** Sentences in the source file as the reader sees them (checked on load). */
  sentences: number;
  /** sha256 of the split file, lower-case hex (checked on load). */
  sha256: string;
  /** Why the split is ours and what the paper did instead. */
  note: string;
}

/** A registered dataset. Its files live under `<data dir>/<dir>/`. */
export interface DatasetSpec {
  id: string;
  title: string;
  /** ISO 639-1 code. */
  language: string;
  task: TaskKind;
  /** Tag scheme of the files (loaders keep it; callers convert). POS tags are plain labels, not chunk tags: for
   * `task: "pos"` the scheme is meaningless and set to `IOB2` by convention; never convert POS tags. */
  scheme: TagScheme;
  format: ConllFormat;
  /** Folder under the data dir. */
  dir: string;
  splits: Partial<Record<SplitName, SplitFile>>;
  /** Set when the splits are cut from one file by a seeded split rather than being separate files. */
  partition?: SplitPartition;
  licence: string;
  homepage: string;
  /** Canonical download location and what to take from it (for people; `data fetch` reads {@link source}). */
  download: string;
  /** Where `deno task data fetch` gets the files: the pinned repository and path each came from (the dataset
   * folder's PROVENANCE.md). Every registered dataset has one (registry_test.ts checks). */
  source?: DatasetSource;
  /** Whether the licence restricts redistribution, and its terms as the source states them (PROVENANCE.md).
   * Every registered dataset has one (registry_test.ts checks). */
  redistribution?: Redistribution;
  citation: string;
  paperStats?: PaperStats;
  /**
   * Sentences and tokens per split of the registered files as the loader reads them (`-DOCSTART-` lines are not
   * sentences and not tokens; a partitioned dataset's splits as its split file cuts them). Fixed by the sha256
   * above and checked against the data by registry_test.ts when `TAGBENCH_DATA_DIR` is set. The run planner's
   * cost model (a suite's `workload` hook) reads them so that a plan needs no data.
   */
  counts?: Partial<Record<SplitName, SplitCounts>>;
}

/**
 * A dataset's canonical source: a GitHub repository pinned to a commit, and either the path of each file in it
 * (served raw, see {@link sourceUrl}) or a zip archive in it holding the files. Each registered file is named by
 * exactly one of `files`, `archive.members` and `archive.derived`.
 */
export interface DatasetSource {
  /** `https://github.com/<owner>/<repo>`. */
  repository: string;
  /** Full 40-hex commit id the paths are read at. */
  commit: string;
  /** Raw files: each registered file's path in the repository, by file name. */
  files?: Record<string, string>;
  archive?: ArchiveSource;
}

/** A zip archive in a {@link DatasetSource}'s repository. */
export interface ArchiveSource {
  /** Path of the archive in the repository. */
  path: string;
  /** sha256 of the archive, lower-case hex (checked before anything is taken from it). */
  sha256: string;
  bytes: number;
  /** The member each registered file is, byte for byte, by file name. */
  members?: Record<string, string>;
  /** Files computed from the archive's members rather than copied, by file name: the derivation's name (its
   * code is `DERIVATIONS` in harness/data/fetch.ts; the result is checked against the file's sha256). */
  derived?: Record<string, Derivation>;
}

/** Derivations of a file from an archive's members: `ptb-combined-pos` writes `word<TAB>TAG` lines from
 * `treebank/combined/wsj_*.mrg` (ptb_wsj_sample_nltk/PROVENANCE.md). */
export type Derivation = "ptb-combined-pos";

/** A dataset's licence as far as fetching goes. */
export interface Redistribution {
  /** True when the licence restricts redistribution: `data fetch` prints `terms` and fetches the dataset only
   * with `--accept-licence`. */
  restricted: boolean;
  /** The licence terms as the source states them. */
  terms: string;
}

/**
 * The URL that serves `path` of a source's repository at its commit, byte for byte:
 * `https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>`.
 *
 * @throws {Error} when `source.repository` is not `https://github.com/<owner>/<repo>`.
 */
export function sourceUrl(source: DatasetSource, path: string): string {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)$/.exec(source.repository);
  if (!m) {
    throw new Error(`Source repository "${source.repository}" is not https://github.com/<owner>/<repo>`);
  }
  return `https://raw.githubusercontent.com/${m[1]}/${source.commit}/${path}`;
}

/** Sentences and tokens of one split (see {@link DatasetSpec.counts}). */
export interface SplitCounts {
  sentences: number;
  tokens: number;
}

const DATNET_TABLE1 =
  "Zhou et al. (2019), Dual Adversarial Neural Transfer (DATNet), ACL 2019, Table 1 (p. 3465)";

const WNUT_ENTITY_NOTE = "the entity counts equal the number of entity-tagged tokens (B- plus I- tags), " +
  "not the number of entities";

const SUMU =
  "https://raw.githubusercontent.com/suryasumukh/conll-ner/18d3e43a09247adaa9ec088485a087d5ffa758a6/data";
const RITTER =
  "https://raw.githubusercontent.com/aritter/twitter_nlp/65f3d77134c40d920db8d431c5c6faef1c051c94/data/annotated/wnut16/data";
const WNUT17 =
  "https://raw.githubusercontent.com/leondz/emerging_entities_17/e52a2d2a71ac1a051ca2d532eef28653c5c02603";
const NLTK_PINNED =
  "https://raw.githubusercontent.com/nltk/nltk_data/5db857e6f7df11eabb5e5665836db9ec8df07e28/packages/corpora";
const RITTER_ANNOTATED =
  "https://raw.githubusercontent.com/aritter/twitter_nlp/65f3d77134c40d920db8d431c5c6faef1c051c94/data/annotated";
const YANG_TABLE1 =
  "Yang, Salakhutdinov and Cohen (2017), Transfer Learning for Sequence Tagging with Hierarchical " +
  "Recurrent Networks, ICLR, Table 1 (§4.1)";
const RITTER_LICENCE =
  "GPL-3.0 (the aritter/twitter_nlp repository; no data-specific licence); tweets subject to " +
  "Twitter's terms";
const RITTER_CITATION =
  "Alan Ritter, Sam Clark, Mausam and Oren Etzioni. 2011. Named Entity Recognition in " +
  "Tweets: An Experimental Study. In Proceedings of EMNLP 2011, pages 1524-1534.";
const RITTER_SPLIT_NOTE =
  "no official splits; Yang et al. (2017, §4.1) sampled 10% test, 10% dev, 80% train at " +
  "random, but their split files (kimi.ml.cmu.edu/transfer/data.tar.gz) cannot be obtained: this seeded split is " +
  "ours (a deviation), with the same proportions";

/** The single file of Ritter 2011 POS (`pos.txt`), which every split of `ritter2011-pos` reads. */
const RITTER_POS_FILE: SplitFile = {
  file: "pos.txt",
  sha256: "c7a1c7a8aa2076363ec3e726a772579c202d15af660bb45b0f2e59d5327c06dc",
  bytes: 128978,
  url: `${RITTER_ANNOTATED}/pos.txt`,
};
/** The single file of Ritter 2011 NER (`ner.txt`), which every split of `ritter2011-ner` reads. */
const RITTER_NER_FILE: SplitFile = {
  file: "ner.txt",
  sha256: "8573ac2f0b9bd533488332954a3db9958da4789bc4f8c26de10bb346e96e5390",
  bytes: 356556,
  url: `${RITTER_ANNOTATED}/ner.txt`,
};
/** The derived NLTK PTB WSJ sample (`wsj_0001-0199.pos.tsv`), which every split of `ptb-wsj-sample` reads. */
const PTB_SAMPLE_FILE: SplitFile = {
  file: "wsj_0001-0199.pos.tsv",
  sha256: "7b620f0c63fbb500983e427a37b854603be29910d9400b79edcda0aed10f2bb4",
  bytes: 825510,
};

const CONLL2002_LICENCE =
  'Research only: "may only be used for research applications in the context of the ' +
  'CoNLL-2002 shared task ... especially not for commercial applications" (conll2002/README); not redistributable';
const CONLL2002_CITATION = "Erik F. Tjong Kim Sang. 2002. Introduction to the CoNLL-2002 Shared Task: " +
  "Language-Independent Named Entity Recognition. In Proceedings of CoNLL-2002, pages 155-158.";
const CONLL2002_DOWNLOAD = `${NLTK_PINNED}/conll2002.zip (NLTK's UTF-8 copy, sha256 ` +
  "64440e49236d0d393e08e0b266284966d68e2d2a82a50cc41b8e96d98c03b5c8): extract conll2002/{esp,ned}.{train,testa,testb}";

const NLTK_DATA = {
  repository: "https://github.com/nltk/nltk_data",
  commit: "5db857e6f7df11eabb5e5665836db9ec8df07e28",
};
const TWITTER_NLP = {
  repository: "https://github.com/aritter/twitter_nlp",
  commit: "65f3d77134c40d920db8d431c5c6faef1c051c94",
};
const TWITTER_NLP_TERMS =
  "The aritter/twitter_nlp repository's LICENSE is the GNU GPL v3 (it covers the repository; " +
  "there is no data-specific licence); the tweets are subject to Twitter's terms. Redistributable with attribution " +
  "and the GPL notice.";
const CONLL2002_SOURCE: DatasetSource = {
  ...NLTK_DATA,
  archive: {
    path: "packages/corpora/conll2002.zip",
    sha256: "64440e49236d0d393e08e0b266284966d68e2d2a82a50cc41b8e96d98c03b5c8",
    bytes: 1867449,
    members: Object.fromEntries(
      ["esp", "ned"].flatMap((l) =>
        ["train", "testa", "testb"].map((s) => [`${l}.${s}`, `conll2002/${l}.${s}`])
      ),
    ),
  },
};
const CONLL2002_REDISTRIBUTION: Redistribution = {
  restricted: true,
  terms: 'conll2002/README: "Files in these directories may only be used for research applications in the ' +
    "context of the CoNLL-2002 shared task. No permission is given for usage other applications especially not " +
    "for commercial applications.\" NLTK's package XML states no licence. Research only; not redistributable.",
};

/** Registered datasets by id. */
export const DATASETS: Record<string, DatasetSpec> = {
  conll2003: {
    id: "conll2003",
    title: "CoNLL-2003 English NER",
    language: "en",
    task: "ner",
    scheme: "IOB1",
    format: "conll2003",
    dir: "conll2003",
    splits: {
      train: {
        file: "eng.train",
        sha256: "eac0822f501353f265383ddf1edb0dcd42a1b6eefd3e383d7074db98c38eb41c",
        bytes: 3281528,
        url: `${SUMU}/eng.train`,
      },
      dev: {
        file: "eng.testa",
        sha256: "aedc4ccbd1ae9795feaa0e86fe72d195b0258abed9d705b630d1c889276fac1e",
        bytes: 827012,
        url: `${SUMU}/eng.testa`,
      },
      test: {
        file: "eng.testb",
        sha256: "0632f32c090ef31c223135b7fee3187a7cf8e65c4015c7866bb7783428cdd9a6",
        bytes: 748096,
        url: `${SUMU}/eng.testb`,
      },
    },
    licence:
      "Annotations public; text from the Reuters Corpus (RCV1), obtainable from NIST under the Reuters " +
      "Corpus agreement; redistribution not permitted",
    homepage: "https://www.clips.uantwerpen.be/conll2003/ner/",
    download: `${SUMU}/eng.{train,testa,testb} (the original 4-column IOB1 files, byte-identical copy in ` +
      "github.com/suryasumukh/conll-ner); or build them from RCV1 with the CoNLL-2003 scripts",
    source: {
      repository: "https://github.com/suryasumukh/conll-ner",
      commit: "18d3e43a09247adaa9ec088485a087d5ffa758a6",
      files: { "eng.train": "data/eng.train", "eng.testa": "data/eng.testa", "eng.testb": "data/eng.testb" },
    },
    redistribution: {
      restricted: true,
      terms:
        "The CoNLL-2003 annotations are public, but the text is from the Reuters Corpus (RCV1), which may only " +
        "be obtained from NIST under the Reuters Corpus agreement: redistribution is not permitted by the Reuters " +
        "licence (the files are nonetheless widely mirrored on GitHub; suryasumukh/conll-ner states no licence).",
    },
    citation:
      "Erik F. Tjong Kim Sang and Fien De Meulder. 2003. Introduction to the CoNLL-2003 Shared Task: " +
      "Language-Independent Named Entity Recognition. In Proceedings of CoNLL-2003, pages 142-147.",
    counts: {
      train: { sentences: 14041, tokens: 203621 },
      dev: { sentences: 3250, tokens: 51362 },
      test: { sentences: 3453, tokens: 46435 },
    },
    paperStats: {
      source: DATNET_TABLE1,
      splits: {
        train: { tokens: 204567, entities: 23499 },
        dev: { tokens: 51578, entities: 5942 },
        test: { tokens: 46666, entities: 5648 },
      },
      note: "token counts include one token per -DOCSTART- line",
    },
  },
  "conll2002-es": {
    id: "conll2002-es",
    title: "CoNLL-2002 Spanish NER",
    language: "es",
    task: "ner",
    scheme: "IOB2",
    format: "conll2002",
    dir: "conll2002",
    splits: {
      train: {
        file: "esp.train",
        sha256: "a20d95cab7d88a19a86f8c1ad6329325c99fbd9529ed978cbd7e31d4b01b4008",
        bytes: 2970825,
      },
      dev: {
        file: "esp.testa",
        sha256: "85c17793b77881c53d19017d9d0f1e6fb98b7ddcab54a5f24b05ed1793103c87",
        bytes: 594058,
      },
      test: {
        file: "esp.testb",
        sha256: "1f8f7a392c6d4979a5592a5794eed43d7869b46da6851bbcde99714149f1d016",
        bytes: 575807,
      },
    },
    licence: CONLL2002_LICENCE,
    homepage: "https://www.clips.uantwerpen.be/conll2002/ner/",
    download: CONLL2002_DOWNLOAD,
    source: CONLL2002_SOURCE,
    redistribution: CONLL2002_REDISTRIBUTION,
    citation: CONLL2002_CITATION,
    counts: {
      train: { sentences: 8323, tokens: 264715 },
      dev: { sentences: 1915, tokens: 52923 },
      test: { sentences: 1517, tokens: 51533 },
    },
    paperStats: {
      source: DATNET_TABLE1,
      splits: {
        train: { tokens: 207484, entities: 18797 },
        dev: { tokens: 51645, entities: 4351 },
        test: { tokens: 52098, entities: 3558 },
      },
      note:
        "the token counts differ from these files' (264,715 / 52,923 / 51,533); the entity counts equal " +
        "the number of B- tags, one less per split than the chunks conlleval reads (each split has one I- tag " +
        "after O, e.g. esp.train line 221,619)",
    },
  },
  "conll2002-nl": {
    id: "conll2002-nl",
    title: "CoNLL-2002 Dutch NER",
    language: "nl",
    task: "ner",
    scheme: "IOB2",
    format: "conll2002",
    dir: "conll2002",
    splits: {
      train: {
        file: "ned.train",
        sha256: "0a419dcb356b62c8cff38515675550b3d5dbea9f45a1c4956328dbd5cc7fcdbc",
        bytes: 2377174,
      },
      dev: {
        file: "ned.testa",
        sha256: "51259d4bfe52462f211d3d0b67173a7ecbfa296e199f6c6bd0895f4c78155057",
        bytes: 450785,
      },
      test: {
        file: "ned.testb",
        sha256: "2aa748edb82e6f9c4d82e57a4bed69ded18cfa4803122c75070335d513517488",
        bytes: 814282,
      },
    },
    licence: CONLL2002_LICENCE,
    homepage: "https://www.clips.uantwerpen.be/conll2002/ner/",
    download: CONLL2002_DOWNLOAD,
    source: CONLL2002_SOURCE,
    redistribution: CONLL2002_REDISTRIBUTION,
    citation: CONLL2002_CITATION,
    counts: {
      train: { sentences: 15806, tokens: 202644 },
      dev: { sentences: 2895, tokens: 37687 },
      test: { sentences: 5195, tokens: 68875 },
    },
    paperStats: {
      source: DATNET_TABLE1,
      splits: {
        train: { tokens: 202931, entities: 13344 },
        dev: { tokens: 37761, entities: 2616 },
        test: { tokens: 68994, entities: 3941 },
      },
    },
  },
  wnut16: {
    id: "wnut16",
    title: "WNUT-2016 Twitter NER",
    language: "en",
    task: "ner",
    scheme: "IOB2",
    format: "wnut",
    dir: "wnut16",
    splits: {
      train: {
        file: "train",
        sha256: "5ec9db29c87fbf424860688fff08a485f6112137b930bb4799288399db9e153d",
        bytes: 354162,
        url: `${RITTER}/train`,
      },
      dev: {
        file: "dev",
        sha256: "d555eff2d24f05b032a17d892dda766f8e4dc0436404c17f4c1c6841472928fd",
        bytes: 137311,
        url: `${RITTER}/dev`,
      },
      test: {
        file: "test",
        sha256: "4d96d1908d4fdda27f3738bfb83d26e9b9e0996e22d8e0788de7c11c25af6896",
        bytes: 568766,
        url: `${RITTER}/test`,
      },
    },
    licence: "GPL-3.0 (the aritter/twitter_nlp repository); tweets subject to Twitter's terms",
    homepage: "https://github.com/aritter/twitter_nlp/tree/master/data/annotated/wnut16",
    download: `${RITTER}/{train,dev,test}`,
    source: {
      ...TWITTER_NLP,
      files: Object.fromEntries(["train", "dev", "test"].map((f) => [f, `data/annotated/wnut16/data/${f}`])),
    },
    redistribution: { restricted: false, terms: TWITTER_NLP_TERMS },
    citation: "Benjamin Strauss, Bethany Toma, Alan Ritter, Marie-Catherine de Marneffe and Wei Xu. 2016. " +
      "Results of the WNUT16 Named Entity Recognition Shared Task. In Proceedings of the 2nd Workshop on Noisy " +
      "User-generated Text (WNUT), pages 138-144.",
    counts: {
      train: { sentences: 2394, tokens: 46469 },
      dev: { sentences: 1000, tokens: 16261 },
      test: { sentences: 3850, tokens: 61908 },
    },
    paperStats: {
      source: DATNET_TABLE1,
      splits: {
        train: { tokens: 46469, entities: 2462 },
        dev: { tokens: 16261, entities: 1128 },
        test: { tokens: 61908, entities: 5955 },
      },
      note: WNUT_ENTITY_NOTE,
    },
  },
  wnut17: {
    id: "wnut17",
    title: "WNUT-2017 Emerging and Rare Entities",
    language: "en",
    task: "ner",
    scheme: "IOB2",
    format: "wnut",
    dir: "wnut17",
    splits: {
      train: {
        file: "wnut17train.conll",
        sha256: "731820e13f71af324c6b55a1575ec2ce59fbaa2a0806f8f0400b98d56cd6a7a5",
        bytes: 493781,
        url: `${WNUT17}/wnut17train.conll`,
      },
      dev: {
        file: "emerging.dev.conll",
        sha256: "e053b752b8155113ca66e7db08af5f2f5f43ab993694e4774f1ec5bad42312d8",
        bytes: 114749,
        url: `${WNUT17}/emerging.dev.conll`,
      },
      test: {
        file: "emerging.test.annotated",
        sha256: "2aa79b764e56ec9264a1b30fdd9b70195bd00ff400b62edd8f399d5f13c178f0",
        bytes: 192425,
        url: `${WNUT17}/emerging.test.annotated`,
      },
    },
    licence: "CC BY 4.0 (attribution: Derczynski et al. 2017)",
    homepage: "https://noisy-text.github.io/2017/emerging-rare-entities.html",
    download: `${WNUT17}/{wnut17train.conll,emerging.dev.conll,emerging.test.annotated} ` +
      "(github.com/leondz/emerging_entities_17; the test set is emerging.test.annotated, not emerging.test.conll)",
    source: {
      repository: "https://github.com/leondz/emerging_entities_17",
      commit: "e52a2d2a71ac1a051ca2d532eef28653c5c02603",
      files: Object.fromEntries(
        ["wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated"].map((f) => [f, f]),
      ),
    },
    redistribution: {
      restricted: false,
      terms:
        'README.md: "This data is distributed under the CC-BY 4.0 license." Redistributable with attribution ' +
        "(Derczynski et al. 2017, W-NUT).",
    },
    citation:
      "Leon Derczynski, Eric Nichols, Marieke van Erp and Nut Limsopatham. 2017. Results of the WNUT2017 " +
      "Shared Task on Novel and Emerging Entity Recognition. In Proceedings of the 3rd Workshop on Noisy " +
      "User-generated Text (W-NUT), pages 140-147.",
    counts: {
      train: { sentences: 3394, tokens: 62730 },
      dev: { sentences: 1009, tokens: 15733 },
      test: { sentences: 1287, tokens: 23394 },
    },
    paperStats: {
      source: DATNET_TABLE1,
      splits: {
        train: { tokens: 62730, entities: 3160 },
        dev: { tokens: 15733, entities: 1250 },
        test: { tokens: 23394, entities: 1740 },
      },
      note: WNUT_ENTITY_NOTE,
    },
  },
  conll2000: {
    id: "conll2000",
    title: "CoNLL-2000 English chunking",
    language: "en",
    task: "chunk",
    scheme: "IOB2",
    format: "conll2000",
    dir: "conll2000",
    splits: {
      train: {
        file: "train.txt",
        sha256: "82033cd7a72b209923a98007793e8f9de3abc1c8b79d646c50648eb949b87cea",
        bytes: 2842164,
      },
      test: {
        file: "test.txt",
        sha256: "73b7b1e565fa75a1e22fe52ecdf41b6624d6f59dacb591d44252bf4d692b1628",
        bytes: 639396,
      },
    },
    licence: "No licence stated; WSJ text from the Penn Treebank (LDC), distributed for research by the " +
      "CoNLL-2000 organisers and NLTK; redistribution unclear",
    homepage: "https://www.clips.uantwerpen.be/conll2000/chunking/",
    download:
      `${NLTK_PINNED}/conll2000.zip (sha256 01e65164f268366e7caa0db92332a1955d081908c87016e2c7640c3c5279b7cd): ` +
      "extract conll2000/train.txt and conll2000/test.txt",
    source: {
      ...NLTK_DATA,
      archive: {
        path: "packages/corpora/conll2000.zip",
        sha256: "01e65164f268366e7caa0db92332a1955d081908c87016e2c7640c3c5279b7cd",
        bytes: 756607,
        members: { "train.txt": "conll2000/train.txt", "test.txt": "conll2000/test.txt" },
      },
    },
    redistribution: {
      restricted: true,
      terms:
        "No licence is stated in NLTK's package XML or in the README. The data are WSJ sections 15-18 (train) " +
        "and 20 (test) of the Penn Treebank (LDC, (C) University of Pennsylvania), which the CoNLL-2000 organisers " +
        "and NLTK distribute freely for research; Yang et al. (2017) say it requires an LDC licence. Redistribution " +
        "is unclear: research use only.",
    },
    citation:
      "Erik F. Tjong Kim Sang and Sabine Buchholz. 2000. Introduction to the CoNLL-2000 Shared Task: " +
      "Chunking. In Proceedings of CoNLL-2000 and LLL-2000, pages 127-132.",
    counts: { train: { sentences: 8936, tokens: 211727 }, test: { sentences: 2012, tokens: 47377 } },
    paperStats: {
      source: YANG_TABLE1,
      splits: { train: { tokens: 211727 }, test: { tokens: 47377 } },
      note: "no dev split (Yang et al. train chunking on train.txt only and evaluate on test.txt)",
    },
  },
  "ritter2011-pos": {
    id: "ritter2011-pos",
    title: "Ritter 2011 Twitter POS",
    language: "en",
    task: "pos",
    scheme: "IOB2",
    format: "ritter-pos",
    dir: "ritter2011_twitter",
    splits: { train: RITTER_POS_FILE, dev: RITTER_POS_FILE, test: RITTER_POS_FILE },
    partition: {
      version: 1,
      seed: "tagbench/ritter2011-pos/v1",
      sentences: 787,
      sha256: "2aa35046476af167acb4e49129e154195dc56973977cead7b8d069342476b796",
      note: RITTER_SPLIT_NOTE,
    },
    licence: RITTER_LICENCE,
    homepage: "https://github.com/aritter/twitter_nlp",
    download: `${RITTER_ANNOTATED}/pos.txt (github.com/aritter/twitter_nlp, data/annotated/pos.txt)`,
    source: { ...TWITTER_NLP, files: { "pos.txt": "data/annotated/pos.txt" } },
    redistribution: { restricted: false, terms: TWITTER_NLP_TERMS },
    citation: RITTER_CITATION,
    counts: {
      train: { sentences: 631, tokens: 12094 },
      dev: { sentences: 78, tokens: 1664 },
      test: { sentences: 78, tokens: 1427 },
    },
    paperStats: {
      source: YANG_TABLE1,
      splits: { train: { tokens: 12196 }, dev: { tokens: 1362 }, test: { tokens: 1627 } },
      note:
        "their own random 80/10/10 split; the three counts sum to this file's 15,185 tokens, so the per-split " +
        "counts of our split differ while the total agrees",
    },
  },
  "ritter2011-ner": {
    id: "ritter2011-ner",
    title: "Ritter 2011 Twitter NER",
    language: "en",
    task: "ner",
    scheme: "IOB2",
    format: "wnut",
    dir: "ritter2011_twitter",
    splits: { train: RITTER_NER_FILE, dev: RITTER_NER_FILE, test: RITTER_NER_FILE },
    partition: {
      version: 1,
      seed: "tagbench/ritter2011-ner/v1",
      sentences: 2394,
      sha256: "254220827bf6a65245edaa41d8f3d89d710c87b356ce55c53fb90de29395a570",
      note: RITTER_SPLIT_NOTE,
    },
    licence: RITTER_LICENCE,
    homepage: "https://github.com/aritter/twitter_nlp",
    download:
      `${RITTER_ANNOTATED}/ner.txt (github.com/aritter/twitter_nlp, data/annotated/ner.txt; the same ` +
      "2,394 tweets as wnut16/train in another order)",
    source: { ...TWITTER_NLP, files: { "ner.txt": "data/annotated/ner.txt" } },
    redistribution: { restricted: false, terms: TWITTER_NLP_TERMS },
    citation: RITTER_CITATION,
    counts: {
      train: { sentences: 1916, tokens: 37221 },
      dev: { sentences: 239, tokens: 4647 },
      test: { sentences: 239, tokens: 4601 },
    },
    paperStats: {
      source: YANG_TABLE1,
      splits: { train: { tokens: 36936 }, dev: { tokens: 4612 }, test: { tokens: 4921 } },
      note:
        "their own random 80/10/10 split; the three counts sum to this file's 46,469 tokens, so the per-split " +
        "counts of our split differ while the total agrees; no entity counts printed",
    },
  },
  "ptb-wsj-sample": {
    id: "ptb-wsj-sample",
    title: "Penn Treebank WSJ POS, NLTK 10% sample (wsj_0001-0199)",
    language: "en",
    task: "pos",
    scheme: "IOB2",
    format: "ptb-pos",
    dir: "ptb_wsj_sample_nltk",
    splits: { train: PTB_SAMPLE_FILE, dev: PTB_SAMPLE_FILE, test: PTB_SAMPLE_FILE },
    partition: {
      version: 1,
      seed: "tagbench/ptb-wsj-sample/v1",
      sentences: 3914,
      sha256: "76098f973a39b8f6c852e3be50ae63e752dae585b648dc9e22e9ea418d07e288",
      note:
        "the full PTB (WSJ sections 0-18 train / 19-21 dev / 22-24 test, Toutanova et al. 2003, used by Yang " +
        "et al.) is LDC-licensed and not available; this sample (files wsj_0001-0199, all inside sections 00-01) " +
        "has no splits, so this seeded sentence-level split is ours (a deviation): sentences of one article can " +
        "fall into different splits",
    },
    licence:
      "LDC copyright (C) 1995; NLTK's 10% fragment \"made available under fair use ... for non-commercial " +
      'use only" (nltk_data treebank.xml); redistribution restricted',
    homepage: "https://www.nltk.org/nltk_data/",
    download: `${NLTK_PINNED}/treebank.zip (sha256 ` +
      "9da92d76c3666cfb6cddeaed0f7e86b344cce0f0928a286d439e555f19c37399); derive wsj_0001-0199.pos.tsv from " +
      "treebank/combined/wsj_0001.mrg ... wsj_0199.mrg in file order: each top-level tree is a sentence, each leaf " +
      "(TAG word) a line word<TAB>TAG, leaves tagged -NONE- dropped, PTB escapes kept, a blank line after each " +
      "sentence (ptb_wsj_sample_nltk/PROVENANCE.md)",
    source: {
      ...NLTK_DATA,
      archive: {
        path: "packages/corpora/treebank.zip",
        sha256: "9da92d76c3666cfb6cddeaed0f7e86b344cce0f0928a286d439e555f19c37399",
        bytes: 1740034,
        derived: { "wsj_0001-0199.pos.tsv": "ptb-combined-pos" },
      },
    },
    redistribution: {
      restricted: true,
      terms:
        'packages/corpora/treebank.xml: "This is a 10% fragment of Penn Treebank, (C) LDC 1995. It is made ' +
        "available under fair use for the purposes of illustrating NLTK tools for tokenizing, tagging, chunking " +
        'and parsing. This data is for non-commercial use only." Redistribution restricted.',
    },
    citation:
      "Mitchell P. Marcus, Beatrice Santorini and Mary Ann Marcinkiewicz. 1993. Building a Large Annotated " +
      "Corpus of English: The Penn Treebank. Computational Linguistics 19(2):313-330.",
    counts: {
      train: { sentences: 3132, tokens: 74870 },
      dev: { sentences: 391, tokens: 9286 },
      test: { sentences: 391, tokens: 9928 },
    },
    paperStats: {
      source: YANG_TABLE1,
      splits: { train: { tokens: 912344 }, dev: { tokens: 131768 }, test: { tokens: 129654 } },
      note: "these are the full PTB's WSJ 0-18 / 19-21 / 22-24; this sample holds 94,084 tokens in all",
    },
  },
  // ud12-eu, ud12-et, ud12-el, ud12-id, ud12-ro: the UD v1.2 treebanks with a train file (ud12.ts)
  ...UD12_DATASETS,
};

/** A dataset id that is not registered. */
export class UnknownDatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownDatasetError";
  }
}

/**
 * Finds a registered dataset.
 *
 * @throws {UnknownDatasetError} for an unknown id, naming the closest known id and listing all of them, e.g.
 *   `Unknown dataset "conll03". Did you mean "conll2003"? Known datasets: conll2000, conll2002-es, …`.
 */
export function getDataset(id: string, datasets: Record<string, DatasetSpec> = DATASETS): DatasetSpec {
  if (Object.hasOwn(datasets, id)) return datasets[id];
  const known = Object.keys(datasets).sort();
  const hint = didYouMean(id, known);
  throw new UnknownDatasetError(`Unknown dataset "${id}".${hint} Known datasets: ${known.join(", ")}`);
}
