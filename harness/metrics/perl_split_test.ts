import { deepStrictEqual, throws } from "node:assert/strict";
import { perlSplitter } from "./perl_split.ts";

/** [pattern, line, fields] from perl 5.36: `map { defined $_ ? $_ : "" } split(/$pattern/, $line)` over byte
 * strings (JSON \u00XX escapes are bytes). */
const PERL_CASES: [string, string, string[]][] = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/perl_split_cases.json", import.meta.url)),
);

Deno.test("perlSplitter splits as Perl's split(/$pattern/, $line) does", () => {
  for (const [pattern, line, fields] of PERL_CASES) {
    deepStrictEqual(perlSplitter(pattern)(line), fields, `split(/${pattern}/, ${JSON.stringify(line)})`);
  }
});

Deno.test("perlSplitter keeps empty fields between single spaces and drops trailing ones", () => {
  deepStrictEqual(perlSplitter(" ")(" a  b "), ["", "a", "", "b"]);
  deepStrictEqual(perlSplitter(" ")(""), []);
  deepStrictEqual(perlSplitter("\\t")("New York\tB-LOC\t"), ["New York", "B-LOC"]);
});

Deno.test("perlSplitter rejects an invalid regular expression", () => {
  throws(() => perlSplitter("("), SyntaxError);
});
