import assert from "node:assert/strict";
import { changesBetween, compareVersions, firstSentence, parseChangelog } from "./changelog.ts";

const README = `# x

## Changelog

- 0.3.0 — third: it changed
  on two lines.
- 0.2.0 — second. More.
- 0.1.0 — first

## After
- 9.9.9 — not an entry
`;

Deno.test("parseChangelog reads the bullets of the Changelog section only, joining continuation lines", () => {
  assert.deepEqual(parseChangelog(README), [
    { version: "0.3.0", text: "third: it changed on two lines." },
    { version: "0.2.0", text: "second. More." },
    { version: "0.1.0", text: "first" },
  ]);
  assert.deepEqual(parseChangelog("# no changelog"), []);
});

Deno.test("changesBetween: the entries after the run's version up to the current one, oldest first", () => {
  const e = parseChangelog(README);
  assert.deepEqual(changesBetween(e, "0.1.0", "0.3.0").map((x) => x.version), ["0.2.0", "0.3.0"]);
  assert.deepEqual(changesBetween(e, "0.3.0", "0.3.0"), []);
  assert.equal(compareVersions("0.10.0", "0.9.1"), 1);
  assert.equal(firstSentence("third: it changed"), "third");
  assert.equal(firstSentence("second. More."), "second");
  assert.equal(
    firstSentence("AT per sentence, as released (`shares.py`: axis (1, 2)): more"),
    "AT per sentence, as released (`shares.py`: axis (1, 2))",
  );
});
