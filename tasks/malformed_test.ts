/**
 * Issue #12, "Must exist": a table of malformed inputs, each of which must end in one clear line on stderr.
 *
 * Every entry runs a command's `main(args)` in-process through {@link runCli} (a few as subprocesses, to check the
 * real exit path) or, for the user-supplied resources no command reads on its own (word vectors, gazetteers) and
 * for the data formats the registry's sha256 check keeps from the parsers, calls the reader directly. Each entry
 * checks:
 *
 * 1. the exit status (2 for a bad command line, 1 for a bad input file, conlleval.pl's own statuses), or for a
 *    reader the error's class;
 * 2. that stderr is exactly one line (`error: …`; `warning: …` for `runs`, which skips a bad run and goes on;
 *    conlleval.pl's own words for conlleval), followed by the usage text for a usage error, and that this line
 *    matches the entry's pattern, which names the file (and line) and says what was expected;
 * 3. that nothing was left behind: the entry's folder holds exactly the files and folders it held before, each
 *    with the same bytes (no `*.tmp-*` file, no run directory of a run that was refused, inputs unchanged).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { runCli } from "../harness/cli.ts";
import { DataFormatError, readConllFile } from "../harness/data/conll_reader.ts";
import { readConlluFile } from "../harness/data/conllu_reader.ts";
import { loadSennaEmbeddings, loadTextEmbeddings } from "../harness/data/embeddings.ts";
import { readGazetteerListFile } from "../harness/data/gazetteer.ts";
import { readGeniaPosFile } from "../harness/data/genia_reader.ts";
import { readWikiannFile } from "../harness/data/wikiann_reader.ts";
import { reproduce } from "../harness/run/runner.ts";
import { TOY_BASE, toySuite } from "../harness/run/_toy_suite.ts";
import { main as fingerprintMain } from "../harness/run/fingerprint.ts";
import { main as auditMain } from "./audit.ts";
import { main as benchMain } from "./bench.ts";
import { main as compareMain } from "./compare.ts";
import { main as conllevalMain } from "./conlleval.ts";
import { main as dataMain } from "./data.ts";
import { main as faultsMain } from "./faults.ts";
import { main as listMain } from "./list.ts";
import { main as plotMain } from "./plot.ts";
import { main as reproduceMain } from "./reproduce.ts";
import { main as runsMain } from "./runs.ts";
import { main as verifyMain } from "./verify.ts";

/** The commands the table runs, by task name (`deno task <name>`). */
const TASKS = {
  reproduce: reproduceMain,
  audit: auditMain,
  compare: compareMain,
  list: listMain,
  runs: runsMain,
  data: dataMain,
  plot: plotMain,
  fingerprint: fingerprintMain,
  conlleval: conllevalMain,
  bench: benchMain,
  verify: verifyMain,
  faults: faultsMain,
} as const;

type TaskName = keyof typeof TASKS;

/** Where each task's script lies, for the entries run as subprocesses. */
const SCRIPTS: Record<TaskName, string> = {
  ...Object.fromEntries(Object.keys(TASKS).map((t) => [t, `tasks/${t}.ts`])) as Record<TaskName, string>,
  fingerprint: "harness/run/fingerprint.ts",
};

/** Stands for the usage text in-process: {@link runCli} prints what it is given after a usage error's line. */
const USAGE = "usage: (the command's usage text)";

type Category = "data files" | "vectors and gazetteers" | "run files" | "CLI values" | "conlleval input";

/** One malformed input. Arguments and `clean` are relative to the entry's own temp folder when they start with `@`. */
interface Entry {
  name: string;
  category: Category;
  /** A command run in-process (`main(args)` through runCli), or `reader`: `read` is called directly. */
  task: TaskName | "reader";
  args?: string[];
  /** Writes the entry's fixtures into its (empty) folder. */
  setup?: (dir: string) => Promise<void>;
  stdin?: string;
  /** The exit status; for a reader, the class of the error it must throw. */
  code: number | (new (...a: never[]) => Error);
  /** The one line on stderr (or the reader's message). */
  line: RegExp;
  /** The usage text follows the line (a usage error with `showUsage`). */
  usage?: boolean;
  /** A folder (`@/…`) that must hold no `*.tmp-*` file afterwards (the whole entry folder is compared anyway). */
  clean?: string;
  /** For `task: "reader"`: reads the malformed file(s) of the entry's folder. */
  read?: (dir: string) => Promise<unknown>;
  /** Run as a subprocess (`deno run -A --config deno.json <script> …`) instead of in-process. */
  subprocess?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixture helpers

const write = async (path: string, data: string | Uint8Array) => {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  if (typeof data === "string") await Deno.writeTextFile(path, data);
  else await Deno.writeFile(path, data);
};

/** Writes files (path relative to the entry folder → content) for a `setup`. */
const files = (map: Record<string, string | Uint8Array>) => async (dir: string) => {
  for (const [p, data] of Object.entries(map)) await write(join(dir, p), data);
};

/** Makes folders (relative to the entry folder) for a `setup`. */
const folders = (...paths: string[]) => async (dir: string) => {
  for (const p of paths) await Deno.mkdir(join(dir, p), { recursive: true });
};

const both = (...setups: ((dir: string) => Promise<void>)[]) => async (dir: string) => {
  for (const s of setups) await s(dir);
};

const CONLL2003_TEXT = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\n";
const BINARY = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x0a]);

/** A finished toy-suite run (manifest, results, audit files), made once and copied into the entries that need one. */
let toyRun: Promise<string> | undefined;
const ROOT = await Deno.makeTempDir({ prefix: "tagbench-malformed-" });

/** A port on 127.0.0.1 that nothing listens on (a mirror that refuses connections, for `data fetch`). */
const CLOSED_PORT = (() => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
})();

function toyRunDir(): Promise<string> {
  toyRun ??= (async () => {
    const out = join(ROOT, "toy-run");
    await reproduce({
      ...TOY_BASE,
      suite: toySuite({ calls: [] }),
      out,
      artifactsDir: join(ROOT, "toy-artifacts"),
    });
    return out;
  })();
  return toyRun;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(join(from, e.name), join(to, e.name));
    else await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}

/**
 * A setup that copies the toy run to `@/<name>` and then edits it: `manifest` changes the parsed manifest (return
 * a string to write that text instead), `files` overwrites or (with `null`) deletes files of the run.
 */
const run = (
  name: string,
  edit: {
    manifest?: (m: Record<string, unknown>) => Record<string, unknown> | string | void;
    files?: Record<string, string | null>;
  } = {},
) =>
async (dir: string) => {
  const to = join(dir, name);
  await copyDir(await toyRunDir(), to);
  if (edit.manifest) {
    const path = join(to, "manifest.json");
    const m = JSON.parse(await Deno.readTextFile(path));
    const changed = edit.manifest(m) ?? m;
    await Deno.writeTextFile(path, typeof changed === "string" ? changed : JSON.stringify(changed, null, 2));
  }
  for (const [file, text] of Object.entries(edit.files ?? {})) {
    if (text === null) await Deno.remove(join(to, file));
    else await Deno.writeTextFile(join(to, file), text);
  }
};

/** The toy manifest cut off after `n` characters (a copy or write that stopped half-way). */
const truncated = (n: number) => (m: Record<string, unknown>) => JSON.stringify(m, null, 2).slice(0, n);
const suite = (id: string) => (m: Record<string, unknown>) => ({ ...m, suite: id });

/** A path regex fragment: the entry folder, then `rest` (a literal). */
const at = (rest: string) => `[^"]*/${rest.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;

// ---------------------------------------------------------------------------------------------------------------
// The table

const SHA = "[0-9a-f]{64}";

const ENTRIES: Entry[] = [
  // --- data files: deno task data stats / verify on a fake data folder --------------------------------------------
  {
    name: "data stats: the data folder is empty (train file missing)",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: folders("data"),
    code: 1,
    line: new RegExp(
      `^error: Dataset "conll2003" .*: the train file ${at("data/conll2003/eng.train")} is missing ` +
        `\\(expected sha256 ${SHA}\\)\\. Obtain it from `,
    ),
  },
  {
    name: "data stats: --data-dir does not exist",
    category: "data files",
    task: "data",
    args: ["stats", "wnut16", "--data-dir", "@/nowhere"],
    code: 1,
    line: new RegExp(`^error: Dataset "wnut16" .*: the train file ${at("nowhere/wnut16/train")} is missing`),
  },
  {
    name: "data stats: --data-dir is a file",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: files({ data: "not a folder\n" }),
    code: 1,
    line: new RegExp(
      `^error: .*the train file ${at("data/conll2003/eng.train")} is missing: ${
        at("data")
      } is a file, not a folder`,
    ),
  },
  {
    name: "data stats: the train file differs (wrong sha256)",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: files({ "data/conll2003/eng.train": CONLL2003_TEXT }),
    code: 1,
    line: new RegExp(
      `^error: Dataset "conll2003" .*: the train file ${at("data/conll2003/eng.train")} has sha256 ${SHA}, ` +
        `expected ${SHA}`,
    ),
  },
  {
    name: "data stats: an empty train file",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: files({ "data/conll2003/eng.train": "" }),
    code: 1,
    line: new RegExp(
      `^error: .*the train file ${
        at("data/conll2003/eng.train")
      } has sha256 ${SHA}, expected ${SHA}: it is not the ` +
        `registered file \\(it is empty; the registered file has 3281528 bytes\\)\\. Obtain it`,
    ),
  },
  {
    name: "data stats: a folder where the train file should be",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: folders("data/conll2003/eng.train"),
    code: 1,
    line: new RegExp(
      `^error: .*the train file ${
        at("data/conll2003/eng.train")
      } is a folder, not a file \\(expected sha256 ${SHA}\\)`,
    ),
  },
  {
    name: "data stats: a truncated train file (cut mid-line)",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: files({ "data/conll2003/eng.train": CONLL2003_TEXT + "Peter NNP I-NP B-" }),
    code: 1,
    line: new RegExp(
      `^error: .*the train file ${
        at("data/conll2003/eng.train")
      } has sha256 ${SHA}, expected ${SHA}: it is not the ` +
        `registered file \\(it has \\d+ bytes, the registered file 3281528: a cut-off copy\\?\\)`,
    ),
  },
  {
    name: "data stats: the train file misnamed (eng.train.txt)",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: files({ "data/conll2003/eng.train.txt": CONLL2003_TEXT }),
    code: 1,
    line: new RegExp(`^error: .*the train file ${at("data/conll2003/eng.train")} is missing`),
  },
  {
    name: "data stats: the dataset folder misnamed (CoNLL2003/)",
    category: "data files",
    task: "data",
    args: ["stats", "conll2003", "--data-dir", "@/data"],
    setup: files({ "data/CoNLL2003/eng.train": CONLL2003_TEXT }),
    code: 1,
    line: new RegExp(
      `^error: .*${at("data/conll2003/eng.train")} is missing.*holds conll2003/eng\\.train\\.$`,
    ),
  },
  {
    name: "data stats: binary junk as a CoNLL-2002 file",
    category: "data files",
    task: "data",
    args: ["stats", "conll2002-es", "--data-dir", "@/data"],
    setup: files({ "data/conll2002/esp.train": BINARY }),
    code: 1,
    line: new RegExp(
      `^error: Dataset "conll2002-es" .*${at("data/conll2002/esp.train")} has sha256 .*expected`,
    ),
  },
  {
    name: "data stats: a damaged WNUT-17 file (tabs replaced by spaces)",
    category: "data files",
    task: "data",
    args: ["stats", "wnut17", "--data-dir", "@/data"],
    setup: files({ "data/wnut17/wnut17train.conll": "@paulwalk O\nIt O\n" }),
    code: 1,
    line: new RegExp(
      `^error: Dataset "wnut17" .*${at("data/wnut17/wnut17train.conll")} has sha256 .*expected`,
    ),
  },
  {
    name: "data stats: a damaged single-file dataset (ritter2011-ner ner.txt)",
    category: "data files",
    task: "data",
    args: ["stats", "ritter2011-ner", "--data-dir", "@/data"],
    setup: files({ "data/ritter2011_twitter/ner.txt": "RT\tO\n@user\tO\n" }),
    code: 1,
    line: new RegExp(
      `^error: Dataset "ritter2011-ner" .*${at("data/ritter2011_twitter/ner.txt")} has sha256`,
    ),
  },
  {
    name: "data stats: the dev file missing (train present but altered)",
    category: "data files",
    task: "data",
    args: ["stats", "conll2000", "--data-dir", "@/data"],
    setup: files({ "data/conll2000/test.txt": "Confidence NN B-NP\n" }),
    code: 1,
    line: new RegExp(
      `^error: Dataset "conll2000" .*the train file ${at("data/conll2000/train.txt")} is missing`,
    ),
  },
  {
    name: "data verify: an empty data folder",
    category: "data files",
    task: "data",
    args: ["verify", "--data-dir", "@/data"],
    setup: folders("data"),
    code: 1,
    line: new RegExp(
      `^error: 35 of 35 registered files under ${at("data")} are missing or altered; the first: ` +
        `${at("data/conll2003/eng.train")} is missing \\(expected sha256 ${SHA}\\)$`,
    ),
  },
  {
    name: "data verify: one file altered",
    category: "data files",
    task: "data",
    args: ["verify", "--data-dir", "@/data"],
    setup: files({ "data/conll2003/eng.train": CONLL2003_TEXT }),
    code: 1,
    line: new RegExp(
      `^error: 35 of 35 registered files .* the first: ${
        at("data/conll2003/eng.train")
      } has sha256 ${SHA}, ` +
        `expected ${SHA}$`,
    ),
  },
  {
    name: "data verify: a folder in place of a file",
    category: "data files",
    task: "data",
    args: ["verify", "--data-dir", "@/data"],
    setup: folders("data/conll2003/eng.train"),
    code: 1,
    line: new RegExp(
      `^error: 35 of 35 .*; the first: ${
        at("data/conll2003/eng.train")
      } is a folder, not a file \\(expected sha256`,
    ),
  },
  {
    name: "data verify: --data-dir is a file (subprocess)",
    category: "data files",
    task: "data",
    args: ["verify", "--data-dir", "@/data"],
    setup: files({ data: "x\n" }),
    code: 1,
    line: new RegExp(
      `^error: 35 of 35 .*; the first: ${at("data/conll2003/eng.train")} is missing: ${
        at("data")
      } is a file, not a folder`,
    ),
    subprocess: true,
  },
  // --- data formats no command parses unverified: the readers, on damaged copies --------------------------------
  {
    name: "CoNLL-2003 reader: a line with 3 columns",
    category: "data files",
    task: "reader",
    setup: files({ "eng.train": "EU NNP I-NP I-ORG\nrejects VBZ O\n" }),
    read: (d) => readConllFile(join(d, "eng.train"), "conll2003"),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("eng.train")}": line 2 has 3 columns, expected 4$`),
  },
  {
    name: "CoNLL-2003 reader: an empty tag",
    category: "data files",
    task: "reader",
    setup: files({ "eng.train": "EU NNP I-NP I-ORG\nrejects VBZ I-VP \n" }),
    read: (d) => readConllFile(join(d, "eng.train"), "conll2003"),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("eng.train")}": line 2 has an empty tag \\(last column\\)$`),
  },
  {
    name: "CoNLL reader: invalid UTF-8",
    category: "data files",
    task: "reader",
    setup: files({ "esp.train": BINARY }),
    read: (d) => readConllFile(join(d, "esp.train"), "conll2002"),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("esp.train")}": (line \\d+ )?is not valid UTF-8`),
  },
  {
    name: "WNUT reader: spaces instead of a TAB",
    category: "data files",
    task: "reader",
    setup: files({ train: "@paulwalk\tO\nIt O\n" }),
    read: (d) => readConllFile(join(d, "train"), "wnut"),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("train")}": line 2 has 1 columns?, expected 2$`),
  },
  {
    name: "CoNLL-U reader: 9 columns",
    category: "data files",
    task: "reader",
    setup: files({ "eu-ud-dev.conllu": "# sent_id = 1\n1\tGaur\tgaur\tADV\t_\t_\t0\troot\t_\n" }),
    read: (d) => readConlluFile(join(d, "eu-ud-dev.conllu")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("eu-ud-dev.conllu")}": line 2 has 9 TAB-separated columns, expected 10$`,
    ),
  },
  {
    name: "CoNLL-U reader: a UPOS that is not one",
    category: "data files",
    task: "reader",
    setup: files({ "eu-ud-dev.conllu": "1\tGaur\tgaur\tADVERB\t_\t_\t0\troot\t_\t_\n" }),
    read: (d) => readConlluFile(join(d, "eu-ud-dev.conllu")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${
        at("eu-ud-dev.conllu")
      }": line 1 has UPOS "ADVERB" \\(column 4\\), expected one of ADJ,`,
    ),
  },
  {
    name: "CoNLL-U reader: a missing blank line between sentences",
    category: "data files",
    task: "reader",
    setup: files({
      "eu-ud-dev.conllu": "1\tGaur\tgaur\tADV\t_\t_\t0\troot\t_\t_\n1\tBai\tbai\tINTJ\t_\t_\t0\troot\t_\t_\n",
    }),
    read: (d) => readConlluFile(join(d, "eu-ud-dev.conllu")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("eu-ud-dev.conllu")}": line 2 has word ID 1, expected 2 .*blank line missing`,
    ),
  },
  {
    name: "CoNLL-U reader: a truncated .conllu.gz",
    category: "data files",
    task: "reader",
    setup: files({
      "eu-ud-train.conllu.gz": gzipSync(
        new TextEncoder().encode("1\tGaur\tgaur\tADV\t_\t_\t0\troot\t_\t_\n".repeat(50)),
      )
        .subarray(0, 30),
    }),
    read: (d) => readConlluFile(join(d, "eu-ud-train.conllu.gz")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("eu-ud-train.conllu.gz")}": is not a valid gzip file`),
  },
  {
    name: "WikiANN reader: a language prefix that changes",
    category: "data files",
    task: "reader",
    setup: files({ "es-train": "es:Real\tB-ORG\nes:Madrid\tI-ORG\n\npt:Lisboa\tB-LOC\n" }),
    read: (d) => readWikiannFile(join(d, "es-train")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("es-train")}": line 4 has language prefix "pt:", expected "es:" as on line 1$`,
    ),
  },
  {
    name: "WikiANN reader: a tag that is not IOB2",
    category: "data files",
    task: "reader",
    setup: files({ "es-train": "es:Real\tB-ORG\nes:Madrid\tE-ORG\n" }),
    read: (d) => readWikiannFile(join(d, "es-train")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("es-train")}": line 2 has tag "E-ORG", expected O, B-<type> or I-<type>$`,
    ),
  },
  {
    name: "WikiANN reader: three columns",
    category: "data files",
    task: "reader",
    setup: files({ "nl-dev": "nl:Amsterdam\tB-LOC\textra\n" }),
    read: (d) => readWikiannFile(join(d, "nl-dev")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("nl-dev")}": line 1 has 3 TAB-separated columns, expected 2`),
  },
  {
    name: "Genia reader: a tag outside the Penn Treebank set",
    category: "data files",
    task: "reader",
    setup: files({ "genia.txt": "IL-2/NN\ngene/NN\nexpression/XYZ\n" }),
    read: (d) => readGeniaPosFile(join(d, "genia.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${
        at("genia.txt")
      }": line 3 has tag "XYZ" \\(mapped "XYZ"\\), not a Penn Treebank POS tag$`,
    ),
  },
  {
    name: "Genia reader: an empty word",
    category: "data files",
    task: "reader",
    setup: files({ "genia.txt": "IL-2/NN\n/NN\n" }),
    read: (d) => readGeniaPosFile(join(d, "genia.txt")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("genia.txt")}": line 2 has an empty word \\("/NN"\\)$`),
  },
  // --- word vectors and gazetteers (user-supplied resources) ----------------------------------------------------
  {
    name: "vectors: a NaN value",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "polyglot-es.txt": "de 0.1 0.2 0.3\nla 0.1 nan 0.3\n" }),
    read: (d) => loadTextEmbeddings(join(d, "polyglot-es.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("polyglot-es.txt")}": line 2 value 2 is "nan", expected a finite number$`,
    ),
  },
  {
    name: "vectors: an infinite value",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "polyglot-es.txt": "de 0.1 0.2 0.3\nla 0.1 0.2 -Infinity\n" }),
    read: (d) => loadTextEmbeddings(join(d, "polyglot-es.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("polyglot-es.txt")}": line 2 value 3 is "-Infinity", expected a finite number$`,
    ),
  },
  {
    name: "vectors: a value beyond float32",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "glove.txt": "the 1e39 0.2\n" }),
    read: (d) => loadTextEmbeddings(join(d, "glove.txt")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("glove.txt")}": line 1 value 1 is "1e39", beyond the float32 range`),
  },
  {
    name: "vectors: a truncated last line",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "polyglot-nl.txt": "de 0.1 0.2 0.3\nhet 0.4 0.5 0.6\nen 0.7 0." }),
    read: (d) => loadTextEmbeddings(join(d, "polyglot-nl.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${
        at("polyglot-nl.txt")
      }": line 3 has 2 values, expected 3 as on line 1 \\(the file may be truncated\\)$`,
    ),
  },
  {
    name: "vectors: a line with another dimension",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "polyglot-nl.txt": "de 0.1 0.2 0.3\nhet 0.4 0.5 0.6 0.7\nen 0.7 0.8 0.9\n" }),
    read: (d) => loadTextEmbeddings(join(d, "polyglot-nl.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("polyglot-nl.txt")}": line 2 has 4 values, expected 3 as on line 1$`,
    ),
  },
  {
    name: "vectors: a header announcing more words than follow",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "wiki.es.vec": "5 2\nde 0.1 0.2\nla 0.3 0.4\n" }),
    read: (d) => loadTextEmbeddings(join(d, "wiki.es.vec")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${
        at("wiki.es.vec")
      }": has a header announcing 5 words but 2 vector lines \\(the file may be truncated\\)$`,
    ),
  },
  {
    name: "vectors: binary junk",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "glove.bin": BINARY }),
    read: (d) => loadTextEmbeddings(join(d, "glove.bin")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("glove.bin")}": is not valid UTF-8 \\(on or after line 1\\)$`),
  },
  {
    name: "vectors: an empty file",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "glove.txt": "" }),
    read: (d) => loadTextEmbeddings(join(d, "glove.txt")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("glove.txt")}": holds no vectors$`),
  },
  {
    name: "vectors: two spaces in a row",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "glove.txt": "the 0.1 0.2\nof 0.3  0.4\n" }),
    read: (d) => loadTextEmbeddings(join(d, "glove.txt")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("glove.txt")}": line 2 value 2 is empty \\(two spaces in a row\\)`),
  },
  {
    name: "SENNA: more words than vectors",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({
      "senna/hash/words.lst": "the\nof\nand\n",
      "senna/embeddings/embeddings.txt": "0.1 0.2\n0.3 0.4\n",
    }),
    read: (d) =>
      loadSennaEmbeddings(join(d, "senna/hash/words.lst"), join(d, "senna/embeddings/embeddings.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("senna/embeddings/embeddings.txt")}": has 2 vector lines, but "${
        at("senna/hash/words.lst")
      }" lists 3 words \\(the file may be truncated\\)$`,
    ),
  },
  {
    name: "SENNA: more vectors than words",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({
      "senna/hash/words.lst": "the\n",
      "senna/embeddings/embeddings.txt": "0.1 0.2\n0.3 0.4\n",
    }),
    read: (d) =>
      loadSennaEmbeddings(join(d, "senna/hash/words.lst"), join(d, "senna/embeddings/embeddings.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("senna/hash/words.lst")}": lists 1 word, but "${
        at("senna/embeddings/embeddings.txt")
      }" has 2 vector lines`,
    ),
  },
  {
    name: "SENNA: a non-finite value",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({
      "senna/hash/words.lst": "the\nof\n",
      "senna/embeddings/embeddings.txt": "0.1 0.2\n0.3 1e999\n",
    }),
    read: (d) =>
      loadSennaEmbeddings(join(d, "senna/hash/words.lst"), join(d, "senna/embeddings/embeddings.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${
        at("senna/embeddings/embeddings.txt")
      }": line 2 value 2 is "1e999", expected a finite number$`,
    ),
  },
  {
    name: "SENNA: a vector line of another dimension",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({
      "senna/hash/words.lst": "the\nof\nand\n",
      "senna/embeddings/embeddings.txt": "0.1 0.2\n0.3 0.4 0.5\n0.6 0.7\n",
    }),
    read: (d) =>
      loadSennaEmbeddings(join(d, "senna/hash/words.lst"), join(d, "senna/embeddings/embeddings.txt")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${
        at("senna/embeddings/embeddings.txt")
      }": line 2 has 3 values, expected 2 as on line 1$`,
    ),
  },
  {
    name: "gazetteer: binary junk in eng.list",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({
      "eng.list": new Uint8Array([...new TextEncoder().encode("LOC New York\n"), 0x4c, 0x00, 0x01, 0x0a]),
    }),
    read: (d) => readGazetteerListFile(join(d, "eng.list")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("eng.list")}": line 2 holds the control character U\\+0000, expected text`,
    ),
  },
  {
    name: "gazetteer: a line with a category and no word",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "eng.list": "LOC New York\nPER\nORG Reuters\n" }),
    read: (d) => readGazetteerListFile(join(d, "eng.list")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("eng.list")}": line 2 has 1 field, expected a category and at least one word$`,
    ),
  },
  {
    name: "gazetteer: a truncated last line",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({ "eng.list": "LOC New York\nPER John\nMIS" }),
    read: (d) => readGazetteerListFile(join(d, "eng.list")),
    code: DataFormatError,
    line: new RegExp(
      `^Cannot read "${at("eng.list")}": line 3 has 1 field, .*\\(the file may be truncated\\)$`,
    ),
  },
  {
    name: "gazetteer: Latin-1 bytes (not UTF-8)",
    category: "vectors and gazetteers",
    task: "reader",
    setup: files({
      "eng.list": new Uint8Array([
        ...new TextEncoder().encode("LOC M"),
        0xfc,
        0x6e,
        0x63,
        0x68,
        0x65,
        0x6e,
        0x0a,
      ]),
    }),
    read: (d) => readGazetteerListFile(join(d, "eng.list")),
    code: DataFormatError,
    line: new RegExp(`^Cannot read "${at("eng.list")}": (line 1 )?is not valid UTF-8`),
  },
  // --- run files ------------------------------------------------------------------------------------------------
  {
    name: "audit: a truncated manifest.json",
    category: "run files",
    task: "audit",
    args: ["@/run"],
    setup: run("run", { manifest: truncated(300) }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${
        at("run/manifest.json")
      }": not valid JSON \\(it ends .*line \\d+.*\\), expected a tagbench manifest`,
    ),
    clean: "@/run",
  },
  {
    name: "audit: a folder that is not a run",
    category: "run files",
    task: "audit",
    args: ["@/notarun"],
    setup: files({ "notarun/notes.txt": "hello\n" }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read run "${
        at("notarun")
      }": it has no manifest\\.json, expected a tagbench run directory$`,
    ),
  },
  {
    name: "audit: a manifest of a newer schema version",
    category: "run files",
    task: "audit",
    args: ["@/run"],
    setup: run("run", { manifest: (m) => ({ ...m, schema_version: 99 }) }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${
        at("run/manifest.json")
      }": schema_version is 99, expected at most 2 .*update tagbench`,
    ),
    clean: "@/run",
  },
  {
    name: "audit: a run of a suite this tagbench does not know",
    category: "run files",
    task: "audit",
    args: ["@/run"],
    setup: run("run"),
    code: 1,
    line: new RegExp(
      `^error: The manifest "${
        at("run/manifest.json")
      }" names suite "toy", which this tagbench cannot run: ` +
        `Unknown suite "toy"\\. Known suites: datnet, perl2020, yang2017$`,
    ),
    clean: "@/run",
  },
  {
    name: "audit: results.json of the wrong shape",
    category: "run files",
    task: "audit",
    args: ["@/run"],
    setup: run("run", {
      manifest: suite("datnet"),
      files: { "results.json": '{"schema_version":2,"rows":{"a":1}}' },
    }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${at("run/results.json")}": "rows" is an object, expected a list of result rows$`,
    ),
    clean: "@/run",
  },
  {
    name: "audit: a manifest field of the wrong type",
    category: "run files",
    task: "audit",
    args: ["@/run"],
    setup: run("run", { manifest: (m) => ({ ...m, cells: "cell-a" }) }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${at("run/manifest.json")}": "cells" is a string, expected a list`,
    ),
    clean: "@/run",
  },
  {
    name: "audit A B: the second run's manifest is truncated",
    category: "run files",
    task: "audit",
    args: ["@/a", "@/b", "--out", "@/gap"],
    setup: both(run("a", { manifest: suite("datnet") }), run("b", { manifest: truncated(10) })),
    code: 1,
    line: new RegExp(`^error: Cannot read "${at("b/manifest.json")}": not valid JSON`),
    clean: "@/a",
  },
  {
    name: "verify: a truncated manifest.json",
    category: "run files",
    task: "verify",
    args: ["@/run"],
    setup: run("run", { manifest: truncated(1) }),
    code: 1,
    line: new RegExp(`^error: Cannot read "${at("run/manifest.json")}": not valid JSON`),
  },
  {
    name: "verify: a folder that is not a run",
    category: "run files",
    task: "verify",
    args: ["@/empty"],
    setup: folders("empty"),
    code: 1,
    line: new RegExp(`^error: Cannot read run "${at("empty")}": it has no manifest\\.json`),
  },
  {
    name: "verify --rehash: a manifest of a newer schema version (nothing rewritten)",
    category: "run files",
    task: "verify",
    args: ["@/run", "--rehash"],
    setup: run("run", { manifest: (m) => ({ ...m, schema_version: 3 }) }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${at("run/manifest.json")}": schema_version is 3, expected at most 2`,
    ),
    clean: "@/run",
  },
  {
    name: "verify --rehash: a manifest missing its suite (nothing rewritten)",
    category: "run files",
    task: "verify",
    args: ["@/run", "--rehash"],
    setup: run("run", { manifest: ({ suite: _, ...m }) => m }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${at("run/manifest.json")}": "suite" is missing, expected a string`,
    ),
    clean: "@/run",
  },
  {
    name: "verify: an empty manifest.json",
    category: "run files",
    task: "verify",
    args: ["@/run"],
    setup: run("run", { manifest: () => "" }),
    code: 1,
    line: new RegExp(`^error: Cannot read "${at("run/manifest.json")}": not valid JSON \\(it is empty\\)`),
  },
  {
    name: "compare: results.json of the wrong shape",
    category: "run files",
    task: "compare",
    args: ["@/a", "@/b"],
    setup: both(
      run("a"),
      run("b", { files: { "results.json": '{"schema_version":2,"rows":[{"cell":"cell-a","seed":"one"}]}' } }),
    ),
    code: 1,
    line: new RegExp(`^error: Cannot read "${at("b/results.json")}": rows\\[0\\]\\.\\w+ .*expected`),
  },
  {
    name: "compare: the first run has no manifest",
    category: "run files",
    task: "compare",
    args: ["@/a", "@/b"],
    setup: both(run("a", { files: { "manifest.json": null } }), run("b")),
    code: 1,
    line: new RegExp(`^error: Cannot read run "${at("a")}": it has no manifest\\.json`),
  },
  {
    name: "compare: a truncated results.json",
    category: "run files",
    task: "compare",
    args: ["@/a", "@/b"],
    setup: both(
      run("a", { files: { "results.json": '{"schema_version":2,"rows":[{"run_id":"x",' } }),
      run("b"),
    ),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${
        at("a/results.json")
      }": not valid JSON \\(it ends .*\\), expected tagbench result rows`,
    ),
  },
  {
    name: "compare: results.json of a newer schema version",
    category: "run files",
    task: "compare",
    args: ["@/a", "@/b"],
    setup: both(run("a"), run("b", { files: { "results.json": '{"schema_version":7,"rows":[]}' } })),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${at("b/results.json")}": schema_version is 7, expected at most 2`,
    ),
  },
  {
    name: "runs: a truncated manifest is skipped with one warning",
    category: "run files",
    task: "runs",
    args: ["@/results"],
    setup: run("results/toy/run", { manifest: truncated(200) }),
    code: 0,
    line: new RegExp(
      `^warning: skipping ${at("results/toy/run")}: Cannot read "${
        at("results/toy/run/manifest.json")
      }": not valid JSON`,
    ),
  },
  {
    name: "runs: a manifest of a newer schema version is skipped with one warning",
    category: "run files",
    task: "runs",
    args: ["@/results"],
    setup: run("results/toy/run", { manifest: (m) => ({ ...m, schema_version: 5 }) }),
    code: 0,
    line: new RegExp(
      `^warning: skipping ${at("results/toy/run")}: .*schema_version is 5, expected at most 2`,
    ),
  },
  {
    name: "runs: DIR is a file",
    category: "run files",
    task: "runs",
    args: ["@/results.txt"],
    setup: files({ "results.txt": "x\n" }),
    code: 2,
    line: new RegExp(`^error: "${at("results.txt")}" is not a directory\\.$`),
  },
  {
    name: "plot: a truncated manifest.json",
    category: "run files",
    task: "plot",
    args: ["@/run"],
    setup: run("run", { manifest: truncated(50) }),
    code: 1,
    line: new RegExp(`^error: Cannot read "${at("run/manifest.json")}": not valid JSON`),
    clean: "@/run",
  },
  {
    name: "plot: a run of a suite this tagbench does not know",
    category: "run files",
    task: "plot",
    args: ["@/run"],
    setup: run("run", { manifest: suite("mlma2019") }),
    code: 1,
    line: new RegExp(
      `^error: The manifest "${
        at("run/manifest.json")
      }" names suite "mlma2019", .*: Suite "mlma2019" is planned but not`,
    ),
    clean: "@/run",
  },
  {
    name: "plot: results.json of the wrong shape (yang2017 run)",
    category: "run files",
    task: "plot",
    args: ["@/run"],
    setup: run("run", { manifest: suite("yang2017"), files: { "results.json": "[1, 2, 3]" } }),
    code: 1,
    line: new RegExp(
      `^error: Cannot read "${at("run/results.json")}": it is a list, expected tagbench result rows`,
    ),
    clean: "@/run",
  },
  {
    name: "plot: a folder that is not a run",
    category: "run files",
    task: "plot",
    args: ["@/x"],
    setup: folders("x"),
    code: 1,
    line: new RegExp(`^error: Cannot read run "${at("x")}": it has no manifest\\.json`),
  },
  {
    name: "reproduce --resume: a truncated manifest.json",
    category: "run files",
    task: "reproduce",
    args: ["--resume", "@/run", "--plan"],
    setup: run("run", { manifest: truncated(120) }),
    code: 1,
    line: new RegExp(`^error: Cannot read "${at("run/manifest.json")}": not valid JSON`),
    clean: "@/run",
  },
  {
    name: "reproduce --resume: a run of a suite this tagbench does not know",
    category: "run files",
    task: "reproduce",
    args: ["--resume", "@/run", "--plan"],
    setup: run("run"),
    code: 1,
    line: new RegExp(
      `^error: The manifest "${at("run/manifest.json")}" names suite "toy", which this tagbench cannot run`,
    ),
    clean: "@/run",
  },
  // --- CLI values -------------------------------------------------------------------------------------------------
  {
    name: "reproduce: unknown option --seed",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--seed", "3"],
    code: 2,
    line: /^error: Unknown option "--seed"\. Did you mean "--seeds"\?$/,
    usage: true,
  },
  {
    name: "reproduce: --out without a value",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--out"],
    code: 2,
    line: /^error: --out needs a value$/,
    usage: true,
  },
  {
    name: "reproduce: --seeds -1",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--seeds", "-1", "--out", "@/run"],
    code: 2,
    line: /^error: --seeds is "-1", expected a positive integer$/,
    usage: true,
  },
  {
    name: "reproduce: --seeds 1.5",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--seeds", "1.5", "--out", "@/run"],
    code: 2,
    line: /^error: --seeds is "1\.5", expected a positive integer$/,
    usage: true,
  },
  {
    name: "reproduce: --profile fast",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--profile", "fast", "--out", "@/run"],
    code: 2,
    line: /^error: --profile is "fast", expected one of smoke, paper, nightly/,
    usage: true,
  },
  {
    name: "reproduce: --backend gpu",
    category: "CLI values",
    task: "reproduce",
    args: ["yang2017", "--backend", "gpu", "--out", "@/run"],
    code: 2,
    line:
      /^error: --backend is "gpu", expected one of wasm, cpu, webgpu, tensorflow, tensorflow-gpu\. Did you mean/,
    usage: true,
  },
  {
    name: "reproduce: --budget epochs=0",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--budget", "epochs=0", "--out", "@/run"],
    code: 2,
    line: /^error: --budget entry "epochs=0" is not knob=N with N a positive integer/,
  },
  {
    name: "reproduce: --budget nope=3",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--budget", "nope=3", "--out", "@/run"],
    code: 2,
    line: /^error: Unknown budget knob "nope" for datnet\..* Known knobs: epochs/,
  },
  {
    name: "reproduce: --choice mixing=nope",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--choice", "mixing=nope", "--out", "@/run"],
    code: 2,
    line: /^error: Choice "mixing" of datnet has no option "nope"\..* Options: joeyzhouty, 26hzhang, joint$/,
  },
  {
    name: "reproduce: --choice without =",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--choice", "mixing", "--out", "@/run"],
    code: 2,
    line: /^error: --choice entry "mixing" is not name=option/,
  },
  {
    name: "reproduce: --choice for a suite that declares none",
    category: "CLI values",
    task: "reproduce",
    args: ["yang2017", "--choice", "mixing=joint", "--out", "@/run"],
    code: 2,
    line: /^error: Unknown choice "mixing" for yang2017\. yang2017 declares no choices$/,
  },
  {
    name: "reproduce --plan: --only matching no cell",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--only", "t3/es/bsae", "--plan"],
    code: 2,
    line: /^error: --only t3\/es\/bsae matches no cell of datnet; closest cell ids: t3\/es\/base/,
  },
  {
    name: "reproduce: an unknown suite",
    category: "CLI values",
    task: "reproduce",
    args: ["datnett", "--out", "@/run"],
    code: 2,
    line:
      /^error: Unknown suite "datnett"\. Did you mean "datnet"\? Known suites: datnet, perl2020, yang2017$/,
  },
  {
    name: "reproduce: two suites",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "yang2017"],
    code: 2,
    line: /^error: unexpected arguments: yang2017$/,
    usage: true,
  },
  {
    name: "reproduce: missing data refuses before any run directory is made",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--profile", "smoke", "--data-dir", "@/data", "--out", "@/run", "--yes", "--quiet"],
    setup: folders("data"),
    code: 1,
    line: /^error: Dataset "[\w-]+" .* is missing \(expected sha256/,
  },
  {
    name: "reproduce: --budget epochs=0 (subprocess)",
    category: "CLI values",
    task: "reproduce",
    args: ["datnet", "--budget", "epochs=0", "--out", "@/run"],
    code: 2,
    line: /^error: --budget entry "epochs=0" is not knob=N/,
    subprocess: true,
  },
  {
    name: "audit: --rows=yes",
    category: "CLI values",
    task: "audit",
    args: ["@/run", "--rows=yes"],
    code: 2,
    line: /^error: --rows takes no value, got "--rows=yes"$/,
    usage: true,
  },
  {
    name: "audit: three run directories",
    category: "CLI values",
    task: "audit",
    args: ["a", "b", "c"],
    code: 2,
    line: /^error: expected one or two run directories$/,
    usage: true,
  },
  {
    name: "audit: --format xml",
    category: "CLI values",
    task: "audit",
    args: ["@/run", "--format", "xml"],
    code: 2,
    line: /^error: Unknown option "--format"\./,
    usage: true,
  },
  {
    name: "compare: one run directory",
    category: "CLI values",
    task: "compare",
    args: ["@/a"],
    code: 2,
    line: /^error: expected two run directories$/,
    usage: true,
  },
  {
    name: "compare: unknown option --quiet",
    category: "CLI values",
    task: "compare",
    args: ["a", "b", "--quiet"],
    code: 2,
    line: /^error: Unknown option "--quiet"\./,
    usage: true,
  },
  {
    name: "list: --format xml",
    category: "CLI values",
    task: "list",
    args: ["datnet", "--format", "xml"],
    code: 2,
    line: /^error: --format is "xml", expected one of table, csv$/,
    usage: true,
  },
  {
    name: "list: an unknown suite",
    category: "CLI values",
    task: "list",
    args: ["yang2018"],
    code: 2,
    line: /^error: Unknown suite "yang2018"\. Did you mean "yang2017"\?/,
  },
  {
    name: "list: --profile fast",
    category: "CLI values",
    task: "list",
    args: ["datnet", "--profile", "fast"],
    code: 2,
    line: /^error: --profile is "fast", expected one of smoke, paper, nightly/,
    usage: true,
  },
  {
    name: "list: two suites",
    category: "CLI values",
    task: "list",
    args: ["datnet", "yang2017"],
    code: 2,
    line: /^error: expected at most one suite$/,
    usage: true,
  },
  {
    name: "list: unknown option --relativ",
    category: "CLI values",
    task: "list",
    args: ["datnet", "--relativ"],
    code: 2,
    line: /^error: Unknown option "--relativ"\. Did you mean "--relative"\?$/,
    usage: true,
  },
  {
    name: "runs: --format xml",
    category: "CLI values",
    task: "runs",
    args: ["--format", "xml"],
    code: 2,
    line: /^error: --format is "xml", expected one of table, csv$/,
    usage: true,
  },
  {
    name: "runs: --format xml (subprocess: the real usage text follows)",
    category: "CLI values",
    task: "runs",
    args: ["--format", "xml"],
    code: 2,
    line: /^error: --format is "xml", expected one of table, csv$/,
    usage: true,
    subprocess: true,
  },
  {
    name: "runs: an unknown suite",
    category: "CLI values",
    task: "runs",
    args: ["datnett"],
    code: 2,
    line: /^error: Unknown suite "datnett" \(and no directory of that name\)\. Did you mean "datnet"\?/,
  },
  {
    name: "runs: three positionals",
    category: "CLI values",
    task: "runs",
    args: ["datnet", "@/a", "@/b"],
    code: 2,
    line: /^error: expected at most a suite and a directory$/,
    usage: true,
  },
  {
    name: "runs: a directory that does not exist",
    category: "CLI values",
    task: "runs",
    args: ["datnet", "@/nope"],
    code: 2,
    line: new RegExp(`^error: The directory "${at("nope")}" does not exist\\.$`),
  },
  {
    name: "data: unknown option --format",
    category: "CLI values",
    task: "data",
    args: ["list", "--format", "xml"],
    code: 2,
    line: /^error: Unknown option "--format"\./,
    usage: true,
  },
  {
    name: "data: --data-dir without a value",
    category: "CLI values",
    task: "data",
    args: ["verify", "--data-dir"],
    code: 2,
    line: /^error: --data-dir needs a value$/,
    usage: true,
  },
  {
    name: "data stats: two datasets",
    category: "CLI values",
    task: "data",
    args: ["stats", "conll2003", "wnut16"],
    code: 2,
    line: /^error: stats takes exactly one dataset id$/,
    usage: true,
  },
  {
    name: "data: an unknown command",
    category: "CLI values",
    task: "data",
    args: ["stat", "conll2003"],
    code: 2,
    line: /^error: unknown command "stat", expected list, stats, verify, resources or fetch$/,
    usage: true,
  },
  {
    name: "data stats: an unknown dataset",
    category: "CLI values",
    task: "data",
    args: ["stats", "conll03", "--data-dir", "@/data"],
    code: 1,
    line: /^error: Unknown dataset "conll03"\. Did you mean "conll2003"\?/,
  },
  {
    name: "data fetch: an unknown dataset",
    category: "CLI values",
    task: "data",
    args: ["fetch", "conll03", "--data-dir", "@/data", "--download-dir", "@/downloads"],
    code: 2,
    line: /^error: Unknown dataset "conll03"\. Did you mean "conll2003"\? Known datasets: conll2000, /,
  },
  {
    name: "data fetch: an unknown suite",
    category: "CLI values",
    task: "data",
    args: ["fetch", "--suite", "yang", "--data-dir", "@/data", "--download-dir", "@/downloads"],
    code: 2,
    line: /^error: Unknown suite "yang"\. Did you mean "yang2017"\?/,
  },
  {
    name: "data fetch: datasets and --suite together",
    category: "CLI values",
    task: "data",
    args: ["fetch", "wnut17", "--suite", "datnet", "--data-dir", "@/data"],
    code: 2,
    line: /^error: fetch takes dataset ids or --suite, not both \(got "wnut17" and --suite\)$/,
    usage: true,
  },
  {
    name: "data fetch: --mirror is not an http URL",
    category: "CLI values",
    task: "data",
    args: ["fetch", "wnut17", "--mirror", "ftp://example.org/data/", "--data-dir", "@/data"],
    code: 2,
    line: /^error: --mirror "ftp:\/\/example\.org\/data\/" is not an http or https URL$/,
  },
  {
    name: "data fetch: --mirror is not a URL",
    category: "CLI values",
    task: "data",
    args: ["fetch", "wnut17", "--mirror", "../shared/data", "--data-dir", "@/data"],
    code: 2,
    line: /^error: --mirror "\.\.\/shared\/data" is not a URL, expected e\.g\. http:\/\/127\.0\.0\.1:8000\/$/,
  },
  {
    name: "data list: --mirror given to another command",
    category: "CLI values",
    task: "data",
    args: ["list", "--mirror", "http://127.0.0.1:8000/"],
    code: 2,
    line: /^error: --mirror applies to the fetch command only$/,
    usage: true,
  },
  {
    name: "data fetch: a restricted dataset without --accept-licence (terms printed, nothing fetched)",
    category: "CLI values",
    task: "data",
    args: [
      "fetch",
      "conll2003",
      "--mirror",
      `http://127.0.0.1:${CLOSED_PORT}/`,
      "--data-dir",
      "@/data",
      "--download-dir",
      "@/downloads",
    ],
    setup: folders("data"),
    code: 2,
    line:
      /^error: conll2003 has a licence that restricts redistribution \(terms printed above\): re-run with --accept-licence to accept the terms and fetch it$/,
    clean: "@/data",
  },
  {
    name: "data fetch: the mirror refuses the connection (nothing written)",
    category: "data files",
    task: "data",
    args: [
      "fetch",
      "wnut17",
      "--mirror",
      `http://127.0.0.1:${CLOSED_PORT}/`,
      "--data-dir",
      "@/data",
      "--download-dir",
      "@/downloads",
    ],
    setup: folders("data"),
    code: 1,
    line: new RegExp(
      `^error: 3 of 3 files could not be fetched; the first, wnut17/wnut17train\\.conll: Could not download ` +
        `http://127\\.0\\.0\\.1:${CLOSED_PORT}/wnut17/wnut17train\\.conll: connection refused$`,
    ),
    clean: "@/data",
  },
  {
    name: "plot: two run directories",
    category: "CLI values",
    task: "plot",
    args: ["a", "b"],
    code: 2,
    line: /^error: expected exactly one run directory$/,
    usage: true,
  },
  {
    name: "plot: unknown option --out",
    category: "CLI values",
    task: "plot",
    args: ["a", "--out", "b"],
    code: 2,
    line: /^error: Unknown option "--out"\./,
    usage: true,
  },
  {
    name: "fingerprint: an unknown suite",
    category: "CLI values",
    task: "fingerprint",
    args: ["datnett", "--no-reference"],
    code: 2,
    line: /^error: Unknown suite "datnett"\. Did you mean "datnet"\?/,
  },
  {
    name: "fingerprint: unknown option --writ",
    category: "CLI values",
    task: "fingerprint",
    args: ["datnet", "--writ"],
    code: 2,
    line: /^error: Unknown option "--writ"\. Did you mean "--write"\?$/,
    usage: true,
  },
  {
    name: "fingerprint: two suites",
    category: "CLI values",
    task: "fingerprint",
    args: ["datnet", "yang2017"],
    code: 2,
    line: /^error: expected one suite id$/,
    usage: true,
  },
  {
    name: "bench: --backend gpu",
    category: "CLI values",
    task: "bench",
    args: ["--backend", "gpu", "--out", "@/bench"],
    code: 2,
    line: /^error: --backend is "gpu", expected one of /,
    usage: true,
  },
  {
    name: "bench: --steps 3",
    category: "CLI values",
    task: "bench",
    args: ["--steps", "3", "--out", "@/bench"],
    code: 2,
    line: /^error: --steps is "3", expected an integer ≥ 5$/,
    usage: true,
  },
  {
    name: "bench: an unknown shape",
    category: "CLI values",
    task: "bench",
    args: ["--shapes", "S9", "--out", "@/bench"],
    code: 2,
    line: /^error: .*"S9".*S1, S2/,
    usage: true,
  },
  {
    name: "bench: unknown option --seeds",
    category: "CLI values",
    task: "bench",
    args: ["--seeds", "2"],
    code: 2,
    line: /^error: Unknown option "--seeds"\. Did you mean "--seed"\?$/,
    usage: true,
  },
  {
    name: "bench: a positional",
    category: "CLI values",
    task: "bench",
    args: ["S1"],
    code: 2,
    line: /^error: unexpected argument "S1"$/,
    usage: true,
  },
  {
    name: "verify: two run directories",
    category: "CLI values",
    task: "verify",
    args: ["a", "b"],
    code: 2,
    line: /^error: expected one run directory$/,
    usage: true,
  },
  {
    name: "verify: --rehash=yes",
    category: "CLI values",
    task: "verify",
    args: ["a", "--rehash=yes"],
    code: 2,
    line: /^error: --rehash takes no value, got "--rehash=yes"$/,
    usage: true,
  },
  {
    name: "faults: --trials 0",
    category: "CLI values",
    task: "faults",
    args: ["--trials", "0"],
    code: 2,
    line: /^error: --trials is "0", expected a positive integer$/,
    usage: true,
  },
  {
    name: "faults: --delay 1.5",
    category: "CLI values",
    task: "faults",
    args: ["--delay", "1.5"],
    code: 2,
    line: /^error: --delay is "1\.5", expected a positive integer$/,
    usage: true,
  },
  {
    name: "faults: a positional",
    category: "CLI values",
    task: "faults",
    args: ["40"],
    code: 2,
    line: /^error: unexpected argument "40"$/,
    usage: true,
  },
  {
    name: "faults: unknown option --trial",
    category: "CLI values",
    task: "faults",
    args: ["--trial", "3"],
    code: 2,
    line: /^error: Unknown option "--trial"\. Did you mean "--trials"\?$/,
    usage: true,
  },
  {
    name: "conlleval: an unknown option",
    category: "CLI values",
    task: "conlleval",
    args: ["-q"],
    code: 255,
    line: /^conlleval: unknown argument -q$/,
  },
  {
    name: "conlleval: -d without a value",
    category: "CLI values",
    task: "conlleval",
    args: ["-d"],
    code: 255,
    line: /^conlleval: -d requires delimiter character$/,
  },
  {
    name: "conlleval: a leftover argument",
    category: "CLI values",
    task: "conlleval",
    args: ["-r", "file.txt"],
    code: 255,
    line: /^conlleval: unexpected command line argument$/,
  },
  // --- conlleval input (stdin) --------------------------------------------------------------------------------
  {
    name: "conlleval: a line with another column count",
    category: "conlleval input",
    task: "conlleval",
    stdin: "EU B-ORG B-ORG\nrejects O\n",
    code: 1,
    line: /^unexpected number of features: 2 \(3\)$/,
  },
  {
    name: "conlleval: a one-field line",
    category: "conlleval input",
    task: "conlleval",
    stdin: "EU\n",
    code: 255,
    line: /^conlleval: unexpected number of features in line EU$/,
  },
  {
    name: "conlleval: an extra column after the first sentence",
    category: "conlleval input",
    task: "conlleval",
    stdin: "EU NNP B-ORG B-ORG\n\nGerman JJ B-MISC B-MISC extra\n",
    code: 1,
    line: /^unexpected number of features: 5 \(4\)$/,
  },
  {
    name: "conlleval: a tab-separated file read with the default delimiter",
    category: "conlleval input",
    task: "conlleval",
    stdin: "EU\tB-ORG\tB-ORG\n",
    code: 255,
    line: /^conlleval: unexpected number of features in line EU\tB-ORG\tB-ORG$/,
  },
  {
    name: "conlleval: -d with an invalid regex",
    category: "conlleval input",
    task: "conlleval",
    args: ["-d", "("],
    stdin: "EU B-ORG B-ORG\n",
    code: 255,
    line: /^conlleval: delimiter "\(" is not a valid regular expression/,
  },
  {
    name: "conlleval: a line with another column count (subprocess)",
    category: "conlleval input",
    task: "conlleval",
    stdin: "EU B-ORG B-ORG\nrejects O\n",
    code: 1,
    line: /^unexpected number of features: 2 \(3\)$/,
    subprocess: true,
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Running an entry

interface Outcome {
  /** The exit status; for a reader, the class name of what it threw. */
  code: number | string;
  stderr: string;
  stdout: string;
  /** What a reader threw. */
  error?: unknown;
}

const REPO = fileURLToPath(new URL("../", import.meta.url));
const absolute = (dir: string, args: string[]) => args.map((a) => (a.startsWith("@") ? dir + a.slice(1) : a));

async function execute(e: Entry, dir: string): Promise<Outcome> {
  if (e.task === "reader") {
    try {
      await e.read!(dir);
    } catch (err) {
      return {
        code: (err as Error).constructor.name,
        stderr: `${(err as Error).message}\n`,
        stdout: "",
        error: err,
      };
    }
    return { code: "no error", stderr: "", stdout: "" };
  }
  const args = absolute(dir, e.args ?? []);
  if (e.subprocess) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(REPO, "deno.json"), join(REPO, SCRIPTS[e.task]), ...args],
      cwd: dir,
      env: { NO_COLOR: "1", TAGBENCH_DEBUG: "" },
      stdin: e.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (e.stdin !== undefined) {
      const w = out.stdin.getWriter();
      await w.write(new TextEncoder().encode(e.stdin));
      await w.close();
    }
    const r = await out.output();
    const dec = new TextDecoder();
    return { code: r.code, stderr: dec.decode(r.stderr), stdout: dec.decode(r.stdout) };
  }
  return await runCli(TASKS[e.task], args, USAGE, { stdin: e.stdin });
}

/** Every file and folder under `dir`: relative path → sha256 of its bytes, or `dir` for a folder. */
async function snapshot(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix + e.name;
    const path = join(dir, e.name);
    if (e.isDirectory) {
      out.set(rel + "/", "dir");
      for (const [k, v] of await snapshot(path, rel + "/")) out.set(k, v);
    } else out.set(rel, createHash("sha256").update(await Deno.readFile(path)).digest("hex"));
  }
  return out;
}

/** The repository's results/ folder, two levels deep: no entry may write there. */
async function resultsListing(): Promise<string[]> {
  const root = join(REPO, "results");
  const out: string[] = [];
  try {
    for await (const a of Deno.readDir(root)) {
      out.push(a.name);
      if (!a.isDirectory) continue;
      for await (const b of Deno.readDir(join(root, a.name))) out.push(`${a.name}/${b.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}
const RESULTS_BEFORE = await resultsListing();

/** Set to 1 to print each entry's exit status and stderr (for writing new entries). */
const DISCOVER = Deno.env.get("MALFORMED_DISCOVER") === "1";
const passed: Entry[] = [];
let leftovers = 0;

for (const [i, e] of ENTRIES.entries()) {
  Deno.test({
    name: `malformed ${i + 1} [${e.category}] ${e.name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const dir = join(ROOT, `entry-${i + 1}`);
      await Deno.mkdir(dir);
      await e.setup?.(dir);
      const before = await snapshot(dir);
      const r = await execute(e, dir);
      const after = await snapshot(dir);
      if (DISCOVER) {
        console.log(`--- ${e.name}\ncode ${r.code}\nstderr ${JSON.stringify(r.stderr)}`);
      }
      // 3. nothing left behind, inputs unchanged
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) =>
        before.get(k) !== after.get(k)
      );
      const tmp = [...after.keys()].filter((k) => /\.tmp-/.test(k));
      if (changed.length || tmp.length) leftovers++;
      assert.deepEqual(changed, [], `${e.name}: files added, removed or changed: ${changed.join(", ")}`);
      if (e.clean) {
        const clean = absolute(dir, [e.clean])[0].slice(dir.length + 1);
        assert.deepEqual(
          tmp.filter((k) => k.startsWith(clean)),
          [],
          `${e.name}: temp files left in ${clean}`,
        );
      }
      // 1. exit status (or error class)
      if (typeof e.code === "number") {
        assert.equal(r.code, e.code, `${e.name}: exit status; stderr: ${r.stderr}`);
      } else {
        assert.ok(
          r.error instanceof e.code,
          `${e.name}: threw ${r.code}, expected ${e.code.name}: ${r.stderr}`,
        );
      }
      // 2. one line on stderr, then the usage text for a usage error
      const lines = r.stderr.split("\n");
      assert.equal(lines.at(-1), "", `${e.name}: stderr ends with a newline: ${JSON.stringify(r.stderr)}`);
      const expectedLines = e.usage ? 1 + USAGE.split("\n").length : 1;
      if (!e.subprocess || !e.usage) {
        assert.equal(lines.length - 1, expectedLines, `${e.name}: stderr lines: ${JSON.stringify(r.stderr)}`);
      }
      if (e.usage && !e.subprocess) assert.equal(lines.slice(1, -1).join("\n"), USAGE);
      if (e.usage && e.subprocess) assert.match(lines[1], /^usage: /);
      assert.match(lines[0], e.line, `${e.name}: the error line`);
      assert.doesNotMatch(lines[0], /\n|^\s+at |Error:|ZodError|os error|ENOENT|\[object /, e.name);
      passed.push(e);
    },
  });
}

Deno.test({
  name: "malformed: summary",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await Deno.remove(ROOT, { recursive: true });
    const counts = new Map<Category, number>();
    for (const e of ENTRIES) counts.set(e.category, (counts.get(e.category) ?? 0) + 1);
    console.log([...counts].map(([c, n]) => `${c}: ${n}`).join(", "));
    console.log(
      `${ENTRIES.length} malformed inputs: ${passed.length} clear one-line errors, ${leftovers} leftovers`,
    );
    assert.ok(ENTRIES.length >= 60, `only ${ENTRIES.length} entries`);
    assert.equal(passed.length, ENTRIES.length);
    assert.equal(leftovers, 0);
    assert.deepEqual(await resultsListing(), RESULTS_BEFORE, "an entry wrote into the repository's results/");
  },
});
