import assert from "node:assert/strict";
import { onlySelects, profileSkipReason } from "./suite.ts";

Deno.test("profileSkipReason: profile first, then --only prefixes; planned cells get none", () => {
  const opts = { profile: "nightly" as const, only: ["t3/es/", "t3/wnut16/base/"] };
  assert.equal(profileSkipReason("t3/es/base/k=10", false, opts), "not in the nightly profile");
  assert.equal(profileSkipReason("t3/nl/base/k=10", true, opts), "excluded by --only");
  assert.equal(profileSkipReason("t3/es/base/k=10", true, opts), undefined);
  assert.equal(profileSkipReason("t3/wnut16/base/k=1000", true, opts), undefined);
  assert.equal(profileSkipReason("t3/nl/base/k=10", true, { profile: "paper" }), undefined);
});

Deno.test("onlySelects: a prefix, or with a trailing $ exactly one id", () => {
  assert.ok(onlySelects("t3/es/base/k=10", "t3/es/base/k=100"));
  assert.ok(onlySelects("t3/es/base/k=10$", "t3/es/base/k=10"));
  assert.ok(!onlySelects("t3/es/base/k=10$", "t3/es/base/k=100"));
  assert.equal(
    profileSkipReason("t3/es/base/k=1000", true, { profile: "paper", only: ["t3/es/base/k=10$"] }),
    "excluded by --only",
  );
});
