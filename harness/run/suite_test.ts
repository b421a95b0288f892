import assert from "node:assert/strict";
import { profileSkipReason } from "./suite.ts";

Deno.test("profileSkipReason: profile first, then --only prefixes; planned cells get none", () => {
  const opts = { profile: "nightly" as const, only: ["t3/es/", "t3/wnut16/base/"] };
  assert.equal(profileSkipReason("t3/es/base/k=10", false, opts), "not in the nightly profile");
  assert.equal(profileSkipReason("t3/nl/base/k=10", true, opts), "excluded by --only");
  assert.equal(profileSkipReason("t3/es/base/k=10", true, opts), undefined);
  assert.equal(profileSkipReason("t3/wnut16/base/k=1000", true, opts), undefined);
  assert.equal(profileSkipReason("t3/nl/base/k=10", true, { profile: "paper" }), undefined);
});
