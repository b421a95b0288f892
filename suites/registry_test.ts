import assert from "node:assert/strict";
import { getSuite } from "./registry.ts";

Deno.test("getSuite finds datnet, hints at near misses and names planned suites", () => {
  assert.equal(getSuite("datnet").id, "datnet");
  assert.throws(
    () => getSuite("datnt"),
    /Unknown suite "datnt"\. Did you mean "datnet"\? Known suites: datnet/,
  );
  assert.throws(() => getSuite("mlma2019"), /planned but not implemented yet/);
  assert.equal(getSuite("yang2017").id, "yang2017");
  assert.throws(() => getSuite("zzzzzz"), (e: Error) => !e.message.includes("Did you mean"));
});
