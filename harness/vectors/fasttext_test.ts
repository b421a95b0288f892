import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  FASTTEXT_DEFAULTS,
  fastTextArgs,
  fastTextInstalled,
  fastTextTrainer,
  notInstalledMessage,
  trainFastText,
} from "./fasttext.ts";

const INSTALLED = fastTextInstalled();
if (!INSTALLED) {
  console.warn(
    "fasttext_test: Debian's fasttext is not installed (apt-get install fasttext): fastText runs skipped",
  );
}

Deno.test("fastTextArgs passes every hyper-parameter explicitly, one thread", () => {
  const args = fastTextArgs("in.txt", "out/v", { ...FASTTEXT_DEFAULTS, dim: 300 });
  assert.equal(
    args.join(" "),
    "skipgram -input in.txt -output out/v -dim 300 -epoch 5 -minCount 5 -lr 0.05 -lrUpdateRate 100 -ws 5 -neg 5 " +
      "-loss ns -wordNgrams 1 -minn 3 -maxn 6 -bucket 2000000 -t 0.0001 -thread 1 -seed 1 -verbose 1",
  );
  assert.throws(
    () => fastTextArgs("a", "b", { ...FASTTEXT_DEFAULTS, dim: 0 }),
    /dim is 0, expected an integer/,
  );
  assert.throws(() => fastTextArgs("a", "b", { ...FASTTEXT_DEFAULTS, dim: 5, lr: NaN }), /lr is NaN/);
});

Deno.test("trainFastText: a missing program is one sentence naming the Debian package", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () =>
        trainFastText("in.txt", join(dir, "v"), { ...FASTTEXT_DEFAULTS, dim: 5 }, "/nonexistent/fasttext"),
      { message: notInstalledMessage("/nonexistent/fasttext") },
    );
    assert.match(
      notInstalledMessage("fasttext"),
      /install Debian's fasttext package \(apt-get install fasttext\)/,
    );
    assert.deepStrictEqual([...Deno.readDirSync(dir)], [], "no .bin link or file left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A small deterministic text: 400 lines over a 60-word vocabulary. */
function smallText(): string {
  const lines: string[] = [];
  let s = 7;
  for (let i = 0; i < 400; i++) {
    const words: string[] = [];
    for (let k = 0; k < 10; k++) {
      s = (s * 48271) % 2147483647;
      words.push(`w${s % 60}`);
    }
    lines.push(words.join(" "));
  }
  return lines.join("\n") + "\n";
}

Deno.test({
  name: "trainFastText: same text and seed give byte-identical .vec (one thread), no .bin is left",
  ignore: !INSTALLED,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const input = join(dir, "in.txt");
      await Deno.writeTextFile(input, smallText());
      const p = { ...FASTTEXT_DEFAULTS, dim: 8, epoch: 2, bucket: 1000 };
      const a = await trainFastText(input, join(dir, "a"), p);
      const b = await trainFastText(input, join(dir, "b"), p);
      const c = await trainFastText(input, join(dir, "c"), { ...p, seed: 2 });
      assert.equal(a.sha256, b.sha256);
      assert.notEqual(a.sha256, c.sha256, "the seed is used");
      assert.equal(a.words, 61, "60 words and </s>");
      assert.ok(!existsSync(join(dir, "a.bin")) && !existsSync(join(dir, "b.bin")));
      const header = (await Deno.readTextFile(a.vecPath)).split("\n")[0];
      assert.equal(header, "61 8");
      assert.match(
        await fastTextTrainer().version(),
        /^fasttext \S+ \(Debian\)$|^fasttext \(version unknown\)$/,
      );
      // A failing run (missing input) throws with fastText's message and leaves no .bin.
      await assert.rejects(
        () => trainFastText(join(dir, "missing.txt"), join(dir, "d"), p),
        /fastText failed \(exit \d+\) on ".*missing\.txt": .*cannot be opened for training/,
      );
      assert.ok(!existsSync(join(dir, "d.bin")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
