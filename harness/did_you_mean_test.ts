import assert from "node:assert/strict";
import { didYouMean, editDistance } from "./did_you_mean.ts";

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
