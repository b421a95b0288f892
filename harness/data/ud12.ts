/**
 * Universal Dependencies v1.2 treebanks (UPOS) under `<data dir>/ud_v1.2/` (ud_v1.2/PROVENANCE.md): the five with
 * a train file, registered as datasets `ud12-<language>`, and the treebanks present there without one.
 *
 * @module
 */

import type { SplitName } from "../../models/types.ts";
import type { DatasetSpec, SplitCounts, SplitFile } from "./registry.ts";

/** Folder of the UD v1.2 treebanks under the data directory. */
export const UD12_DIR = "ud_v1.2";

/** A registered UD v1.2 treebank: dataset `id`, ISO 639-1 `language`, v1.2 folder `UD_<name>`. */
export interface Ud12Treebank {
  language: string;
  id: string;
  name: string;
}

/** A UD v1.2 treebank folder under `ud_v1.2/` that lacks its train file (PROVENANCE.md: the copy omits blobs over
 * about 4 MiB); `devTest` is false where dev and test are missing too (Czech, Hindi). */
export interface Ud12MissingTrain {
  language: string;
  name: string;
  /** The train files the treebank has at `r1.2`, as stored here (`.conllu.gz`); Czech has four. */
  trainFiles: readonly string[];
  devTest: boolean;
}

const UD12_CITATION =
  "Joakim Nivre, Željko Agić, Maria Jesus Aranzabe, et al. 2015. Universal Dependencies 1.2. " +
  "LINDAT/CLARIN digital library at ÚFAL, Charles University in Prague, http://hdl.handle.net/11234/1-1548.";

/** One registered treebank: repository name and `r1.2` commit (PROVENANCE.md), licence, files, counts. */
interface Entry {
  language: string;
  name: string;
  repo: string;
  commit: string;
  licence: string;
  restricted: boolean;
  terms: string;
  treebank: string;
  files: Record<SplitName, [sha256: string, bytes: number]>;
  counts: Record<SplitName, SplitCounts>;
}

const NC_SA_3 = "CC BY-NC-SA 3.0";
const NC_NOTE = " Non-commercial use only, with attribution and share-alike: redistribution restricted.";

const ENTRIES: readonly Entry[] = [
  {
    language: "eu",
    name: "Basque",
    repo: "UD_Basque-BDT",
    commit: "9335be7c750ba8885dc22be5cdfc19c842d1b509",
    licence: `${NC_SA_3} (UD_Basque/LICENSE.txt)`,
    restricted: true,
    terms: 'UD_Basque/LICENSE.txt: "The Basque UD treebank is subject to the Attribution-NonCommercial-' +
      'ShareAlike 3.0 Unported (CC BY-NC-SA 3.0) license."' + NC_NOTE,
    treebank: "Aranzabe et al. (2015), Automatic Conversion of the Basque Dependency Treebank to Universal " +
      "Dependencies, TLT 2015",
    files: {
      train: ["bdfac29003e98ef5bf1b4b784b66cda079e3cec957d27f2629d40026313cb35a", 695931],
      dev: ["82d866c6d33e81b0d453ea9887f9d1adc5c902d407924d889b2f6bf7bad23deb", 230688],
      test: ["51394b52f70cb0471172b8c698df4b9c2fa99bb1a5ac13538f532df636abd7f4", 233270],
    },
    counts: {
      train: { sentences: 5396, tokens: 72974 },
      dev: { sentences: 1798, tokens: 24095 },
      test: { sentences: 1799, tokens: 24374 },
    },
  },
  {
    language: "et",
    name: "Estonian",
    repo: "UD_Estonian-EDT",
    commit: "325dedf9c610005331934c0bdf09e7fb6b82bc7f",
    licence: `${NC_SA_3} (UD_Estonian/LICENSE.txt)`,
    restricted: true,
    terms: 'UD_Estonian/LICENSE.txt: "This work is licensed under the Creative Commons Attribution-' +
      'NonCommercial-ShareAlike 3.0 Generic License."' + NC_NOTE,
    treebank: "Bick, Uibo and Müürisep (2004), Arborest – a VISL-Style Treebank Derived from an Estonian " +
      "Constraint Grammar Corpus, TLT 2004 (the v1.2 data is Arborest, via HamleDT 3.0)",
    files: {
      train: ["0de43980c57e2d1fe5a3ea8851f86fccbb2d98a6c3a484e48adb7fe93f350172", 76842],
      dev: ["b47c15569629906c9139b53607a6a93eb90896725ff12721ad7b5d345bfa48ad", 10701],
      test: ["f561d7945ce8d0c6402cc0438df36313149476e1df8ca6166a72677c8bbd75f0", 11857],
    },
    counts: {
      train: { sentences: 1066, tokens: 7687 },
      dev: { sentences: 118, tokens: 848 },
      test: { sentences: 131, tokens: 956 },
    },
  },
  {
    language: "el",
    name: "Greek",
    repo: "UD_Greek-GDT",
    commit: "0eabf5aa1ebf5bd3b33db99313c047907db2cfa8",
    licence: `${NC_SA_3} (UD_Greek/LICENSE.txt)`,
    restricted: true,
    terms:
      'UD_Greek/LICENSE.txt: "The Greek UD Treebank is distributed under a CreativeCommons Attribution-' +
      'NonCommercial-ShareAlike 3.0 license."' + NC_NOTE,
    treebank:
      "Prokopidis and Papageorgiou (2014), Experiments for Dependency Parsing of Greek, SPMRL-SANCL 2014",
    files: {
      train: ["9f7f33ab7e58cb6bbbfd6bc5cfeabe04ef04086dffbc871a609772da2b87e616", 636921],
      dev: ["f1c46ee7894ccc5783a966f4c09396a125439e62635f837b329f7f7a9077bff0", 81945],
      test: ["500981349b062e6eba3d0c41fd210c1e25827531d5f5da46cf6d11e54e7b8888", 76854],
    },
    counts: {
      train: { sentences: 1929, tokens: 47449 },
      dev: { sentences: 241, tokens: 6039 },
      test: { sentences: 241, tokens: 5668 },
    },
  },
  {
    language: "id",
    name: "Indonesian",
    repo: "UD_Indonesian-GSD",
    commit: "128ee4b46bb06d288fd0409fe9c99c8e61c44b7b",
    licence:
      "CC BY-NC-SA 3.0 US for the annotations (Google UDT v2.0); the text as is (UD_Indonesian/LICENSE.txt)",
    restricted: true,
    terms:
      "UD_Indonesian/LICENSE.txt: the data is derived from the Universal Dependency Treebank v2.0 and is " +
      "subject to CC BY-NC-SA 3.0 US, which pertains only to the syntactic annotations, not the underlying text " +
      '("Google collected these sentences under exceptions to copyright or implied license rights").' +
      NC_NOTE,
    treebank: "McDonald et al. (2013), Universal Dependency Annotation for Multilingual Parsing, ACL 2013",
    files: {
      train: ["30abcbcc6e7528e929c1b89e0eee22139a7eaab916f99f5d8ab8dd4ea8a56c87", 639842],
      dev: ["64c32acd85c19d70f134e6c971f02dd07ccce79eb23bffd71ea17dc91531e435", 84553],
      test: ["458e1f61fb1a77ad9095c17df5abec3fb4687f38ca246d61d5f14c78cbb46b95", 78219],
    },
    counts: {
      train: { sentences: 4477, tokens: 97531 },
      dev: { sentences: 559, tokens: 12612 },
      test: { sentences: 557, tokens: 11780 },
    },
  },
  {
    language: "ro",
    name: "Romanian",
    repo: "UD_Romanian-RRT",
    commit: "bdca7810bade9c0f3aea7c2f730576e70d2f6a44",
    licence: "CC BY-SA 4.0 (UD_Romanian/LICENSE.txt)",
    restricted: false,
    terms: 'UD_Romanian/LICENSE.txt: "Creative Commons Attribution-ShareAlike 4.0 International license". ' +
      "Redistributable with attribution and share-alike.",
    treebank:
      "Irimia and Barbu Mititelu (2015), Building a Romanian Dependency Treebank, Corpus Linguistics 2015",
    files: {
      train: ["e95d45fb3f24d90e0c6623368b82f78d95252835f710d517cad566d011f02272", 91363],
      dev: ["155f4ad5d740ff9bad9880727d17227ff319ff40415c8cbf8dae951516437d14", 15433],
      test: ["fe33136398ccb05879ae6fa35e179698a20789e5a3321f0b67b440fbdf8f778c", 15273],
    },
    counts: {
      train: { sentences: 481, tokens: 9291 },
      dev: { sentences: 76, tokens: 1422 },
      test: { sentences: 76, tokens: 1381 },
    },
  },
];

/** The five UD v1.2 treebanks with a train file under `ud_v1.2/`, each a registered dataset `ud12-<language>`. */
export const UD12_TREEBANKS: readonly Ud12Treebank[] = ENTRIES.map((e) => ({
  language: e.language,
  id: `ud12-${e.language}`,
  name: e.name,
}));

/** The UD v1.2 treebanks under `ud_v1.2/` without their train file (PROVENANCE.md), by language. */
export const UD12_MISSING_TRAIN: readonly Ud12MissingTrain[] = [
  ["ar", "Arabic"],
  ["bg", "Bulgarian"],
  ["hr", "Croatian"],
  ["cs", "Czech"],
  ["da", "Danish"],
  ["nl", "Dutch"],
  ["en", "English"],
  ["fi", "Finnish"],
  ["fr", "French"],
  ["de", "German"],
  ["he", "Hebrew"],
  ["hi", "Hindi"],
  ["it", "Italian"],
  ["no", "Norwegian"],
  ["fa", "Persian"],
  ["pl", "Polish"],
  ["pt", "Portuguese"],
  ["sl", "Slovenian"],
  ["es", "Spanish"],
  ["sv", "Swedish"],
].map(([language, name]) => ({
  language,
  name,
  trainFiles: language === "cs"
    ? ["c", "l", "m", "v"].map((p) => `cs-ud-train-${p}.conllu.gz`)
    : [`${language}-ud-train.conllu.gz`],
  devTest: language !== "cs" && language !== "hi",
}));

/**
 * The path(s) under the data directory where the missing UD v1.2 train file of `language` would be, for a
 * blocker message: `ud12MissingTrain("es")` is `["ud_v1.2/UD_Spanish/es-ud-train.conllu.gz"]` (Czech: its four
 * `cs-ud-train-{c,l,m,v}.conllu.gz`).
 *
 * @throws {Error} when `language` has its train file (a registered `ud12-<language>` dataset) or is not a UD
 *   v1.2 treebank under `ud_v1.2/`.
 */
export function ud12MissingTrain(language: string): string[] {
  const m = UD12_MISSING_TRAIN.find((t) => t.language === language);
  if (m) return m.trainFiles.map((f) => `${UD12_DIR}/UD_${m.name}/${f}`);
  const have = UD12_TREEBANKS.find((t) => t.language === language);
  if (have) throw new Error(`UD v1.2 ${have.name} has its train file: it is dataset "${have.id}"`);
  throw new Error(
    `"${language}" is not a UD v1.2 treebank under ${UD12_DIR}/ (known: ${
      [...UD12_TREEBANKS, ...UD12_MISSING_TRAIN].map((t) => t.language).sort().join(", ")
    })`,
  );
}

const SPLITS: readonly SplitName[] = ["train", "dev", "test"];

function spec(e: Entry): DatasetSpec {
  const file = (s: SplitName) => `${e.language}-ud-${s}.conllu`;
  const repository = `https://github.com/UniversalDependencies/${e.repo}`;
  return {
    id: `ud12-${e.language}`,
    title: `Universal Dependencies v1.2 ${e.name} (UD_${e.name}) UPOS`,
    language: e.language,
    task: "pos",
    scheme: "IOB2",
    format: "conllu",
    dir: `${UD12_DIR}/UD_${e.name}`,
    splits: Object.fromEntries(SPLITS.map((s): [SplitName, SplitFile] => {
      const [sha256, bytes] = e.files[s];
      return [s, { file: `${file(s)}.gz`, sha256, bytes }];
    })),
    licence: e.licence,
    homepage: "https://hdl.handle.net/11234/1-1548",
    download: `ud-treebanks-v1.2.tgz from http://hdl.handle.net/11234/1-1548 (LINDAT), or git tag r1.2 of ` +
      `${repository} (commit ${e.commit}): ${SPLITS.map(file).join(", ")}, each stored gzip-compressed ` +
      "(gzip -9 -n) as <name>.gz; the registered sha256 is of the .gz, the uncompressed sha256 is in " +
      `${UD12_DIR}/PROVENANCE.md`,
    // Each .gz maps to its uncompressed original at r1.2, the pinned source PROVENANCE.md names. `data fetch`
    // from it gets those uncompressed bytes, whose sha256 is not the registered .gz's: verification fails and
    // nothing is written (zlib's deflate does not reproduce gzip -9 -n's bytes); use `--mirror` for these.
    source: {
      repository,
      commit: e.commit,
      files: Object.fromEntries(SPLITS.map((s) => [`${file(s)}.gz`, file(s)])),
    },
    redistribution: { restricted: e.restricted, terms: e.terms },
    citation: `${UD12_CITATION} Treebank: ${e.treebank}.`,
    counts: e.counts,
  };
}

/** The registry entries of {@link UD12_TREEBANKS}, by id (spread into `DATASETS`). */
export const UD12_DATASETS: Record<string, DatasetSpec> = Object.fromEntries(
  ENTRIES.map((e) => [`ud12-${e.language}`, spec(e)]),
);
