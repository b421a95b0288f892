import assert from "node:assert/strict";
import { join } from "node:path";
import { artifactDir, artifactKey, ensureArtifact } from "./artifacts.ts";

Deno.test("ensureArtifact: a stage configuration runs once, is reused from the cache, and fails without a trace", async () => {
  const cache = await Deno.makeTempDir();
  let runs = 0;
  const run = async (dir: string) => {
    runs++;
    await Deno.writeTextFile(join(dir, "model.bin"), "weights");
    return { metrics: { "lm/dev_ppl": 123.4 } };
  };
  const cfg = { language: "es", steps: 10 };
  const inputs = { "corpora/es.txt.gz": "ab".repeat(32) };
  const [a, b] = await Promise.all([
    ensureArtifact(cache, "toy", "lm", cfg, inputs, run),
    ensureArtifact(cache, "toy", "lm", { steps: 10, language: "es" }, inputs, run),
  ]);
  assert.equal(runs, 1, "concurrent requests for one key share one run; key order does not matter");
  assert.equal(a.key, b.key);
  assert.equal(a.dir, artifactDir(cache, "toy", "lm", a.key));
  assert.equal(await Deno.readTextFile(join(a.dir, "model.bin")), "weights");
  assert.deepStrictEqual(a.metrics, { "lm/dev_ppl": 123.4 });
  const record = JSON.parse(await Deno.readTextFile(join(a.dir, "stage.json")));
  assert.deepStrictEqual([record.key, record.config, record.inputs], [a.key, cfg, inputs]);

  // Another key: another configuration or other input bytes.
  assert.notEqual(artifactKey("toy", "lm", { ...cfg, steps: 11 }, inputs), a.key);
  assert.notEqual(artifactKey("toy", "lm", cfg, { "corpora/es.txt.gz": "cd".repeat(32) }), a.key);
  assert.notEqual(artifactKey("toy", "align", cfg, inputs), a.key);

  // A failed stage leaves no artifact (and no temporary folder); the next request runs it again.
  const failing = () => Promise.reject(new Error("out of memory"));
  await assert.rejects(
    () => ensureArtifact(cache, "toy", "lm", { ...cfg, steps: 99 }, inputs, failing),
    /out of memory/,
  );
  assert.deepStrictEqual([...Deno.readDirSync(join(cache, "toy", "lm"))].map((e) => e.name), [a.key]);
  await Deno.remove(cache, { recursive: true });
});
