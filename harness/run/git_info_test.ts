import assert from "node:assert/strict";
import { makeRunId } from "./git_info.ts";

Deno.test("run ids sort by UTC time and carry the short commit", () => {
  const a = makeRunId("abc1234", new Date("2026-11-21T10:30:00.123Z"));
  assert.deepStrictEqual(a, "20261121T103000Z-abc1234");
  const b = makeRunId("0000000", new Date("2026-11-21T10:30:01Z"));
  assert.deepStrictEqual([b, a].sort(), [a, b]);
  assert.match(makeRunId("x"), /^\d{8}T\d{6}Z-x$/);
});
