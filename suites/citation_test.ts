/**
 * Every suite's citation names its papers' authors as the papers' first pages do (issue #13: the datnet card had
 * cited "Zhou, Zhang, Jin, Peng, Xiao, Cao"). Reads the paper texts of the shared folder beside the repository
 * (skipped where it is absent) and checks, for each paper the citation names, that its title and every author,
 * in the citation's order, are on the paper's first page.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SUITES } from "./registry.ts";

const PAPERS = fileURLToPath(new URL("../../shared/papers/", import.meta.url));

/** The paper texts, and which part of each suite's citation (split at "; extended as ") cites which. */
const TEXTS: Record<string, string[]> = {
  datnet: ["zhou2019-datnet-acl.txt", "zhou-datnet-tpami.txt"],
  yang2017: ["yang2017-transfer-hierarchical-rnn.txt"],
};

const norm = (s: string) => s.replace(/[\s\d,†‡*&]+/g, " ").replace(/\band\b/g, " ").toLowerCase();

for (const suite of Object.values(SUITES)) {
  const files = TEXTS[suite.id];
  Deno.test({
    name: `citation of ${suite.id}: authors and title as on the papers' first pages`,
    ignore: !files || !existsSync(PAPERS),
    fn: () => {
      const parts = suite.citation.split(/;\s*extended as\s*/);
      assert.equal(parts.length, files!.length, `one citation part per paper: ${suite.citation}`);
      parts.forEach((part, i) => {
        const head = norm(Deno.readTextFileSync(PAPERS + files![i]).split("\n").slice(0, 90).join(" "));
        const [authors, title] = part.split(/\.\s+/);
        let at = 0;
        for (const name of authors.split(/,\s*/)) {
          const pos = head.indexOf(norm(name).trim(), at);
          assert.ok(
            pos >= 0,
            `${suite.id}: "${name}" is not an author on the first page of ${files![i]} (in order)`,
          );
          at = pos;
        }
        assert.ok(
          head.includes(norm(title).trim()),
          `${suite.id}: title "${title}" not on ${files![i]}'s first page`,
        );
      });
    },
  });
}
