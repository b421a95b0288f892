import { createHash } from "node:crypto";
import { assertEquals, assertThrows } from "../../harness/data/_assert.ts";
import { TESTDATA } from "../../harness/data/_testing.ts";
import { YANG_SAMPLE_SEED, yangSampleIndex } from "./sample.ts";

/** numpy's own draws (harness/data/testdata/numpy_random.json, written by numpy_random_fixture.py). */
const FIXTURE: {
  yang: {
    what: string;
    n: number;
    rate: number;
    k: number;
    distinct: number;
    first50: string;
    sha256: string;
  }[];
} = JSON.parse(await Deno.readTextFile(`${TESTDATA}/numpy_random.json`));

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

Deno.test("yangSampleIndex: Yang et al.'s label-rate subsets equal numpy's, nested prefixes across rates", () => {
  for (const c of FIXTURE.yang) {
    const v = yangSampleIndex(c.rate, c.n);
    assertEquals(v.length, c.k, c.what);
    assertEquals(v.slice(0, 50).join(","), c.first50, c.what);
    assertEquals(sha256(v.join(",")), c.sha256, c.what);
    assertEquals(new Set(v).size, c.distinct, `${c.what}: distinct sentences at rate ${c.rate}`);
  }
  // CoNLL-2003 English: N = 14,041 + 946 (eng.train) + 3,250 + 216 (eng.testa) sentences incl. DOCSTART ones
  const conll = FIXTURE.yang.filter((c) => c.n === 18453).map((c) => [c.rate, c.k, c.distinct]);
  assertEquals(conll, [[0.001, 18, 18], [0.01, 184, 183], [0.1, 1845, 1753]]);
  // the same seed makes the subsets nested prefixes (checked against numpy by the fixture script too)
  for (const n of new Set(FIXTURE.yang.map((c) => c.n))) {
    const [a, b, c] = [0.001, 0.01, 0.1].map((r) => yangSampleIndex(r, n));
    assertEquals(b.slice(0, a.length), a);
    assertEquals(c.slice(0, b.length), b);
  }
  assertEquals(YANG_SAMPLE_SEED, 13);
  assertEquals(yangSampleIndex(0.001, 709), []); // Ritter POS train+dev: int(0.709) = 0 sentences
  assertThrows(() => yangSampleIndex(1.5, 10), RangeError);
});
