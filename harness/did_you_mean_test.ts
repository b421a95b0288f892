import assert from "node:assert/strict";
import { didYouMean, editDistance, suggestions } from "./did_you_mean.ts";

Deno.test("editDistance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("conll03", "conll2003"), 2);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("datnet", "datnet"), 0);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("didYouMean names the closest known name only when it is close", () => {
  assert.equal(didYouMean("datnett", ["datnet", "yang2017"]), ' Did you mean "datnet"?');
  assert.equal(didYouMean("Yang2017", ["datnet", "yang2017"]), ' Did you mean "yang2017"?');
  assert.equal(didYouMean("something-else", ["datnet", "yang2017"]), "");
});

Deno.test("didYouMean ranks names that start with or contain the unknown one before near misses", () => {
  const datasets = ["conll2000", "conll2002-es", "conll2002-nl", "conll2003", "wnut16"];
  assert.equal(didYouMean("conll2002", datasets), ' Did you mean "conll2002-es" or "conll2002-nl"?');
  const backends = ["wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"];
  assert.equal(didYouMean("gpu", backends), ' Did you mean "webgpu" or "tensorflow-gpu"?');
  assert.deepEqual(suggestions("GPU", backends), ["webgpu", "tensorflow-gpu"]);
  assert.deepEqual(suggestions("cpus", backends), ["cpu"]);
  assert.deepEqual(suggestions("--seed", ["--seeds", "--only"]), ["--seeds"]);
  assert.deepEqual(suggestions("conll", datasets), ["conll2000", "conll2002-es", "conll2002-nl"]);
  assert.deepEqual(suggestions("ab", ["abc", "xyz"]), ["abc"]); // too short to match by containment
});
