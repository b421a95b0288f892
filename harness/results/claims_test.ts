import assert from "node:assert/strict";

// deno-lint-ignore no-explicit-any
function throwsWith(f: () => unknown, cls: new (...a: any[]) => Error, text = "") {
  assert.throws(f, (e: unknown) => e instanceof cls && e.message.includes(text));
}
import { parseClaims } from "./claims.ts";

const HEADER = "id,paper,table,row,column,metric,value,std,n,stat,cell,fraction,source";

Deno.test("parseClaims reads numbers, optional std/n and the source", () => {
  const claims = parseClaims(
    `${HEADER}\na,zhou2019,Table 2,DATNet-F,Spanish,test/f1,86.79,0.20,10,mean,t2/es,1,"p. 3466, Table 2"\n`,
  );
  assert.deepStrictEqual(claims.length, 1);
  assert.deepStrictEqual(claims[0].value, 86.79);
  assert.deepStrictEqual(claims[0].std, 0.2);
  assert.deepStrictEqual(claims[0].n, 10);
  assert.deepStrictEqual(claims[0].stat, "mean");
  assert.deepStrictEqual(claims[0].source, "p. 3466, Table 2");
  assert.deepStrictEqual(claims[0].floor, undefined);
});

Deno.test("parseClaims rejects a bad number, an unknown stat and a repeated id, naming the line", () => {
  throwsWith(
    () => parseClaims(`${HEADER}\na,p,T,r,c,test/f1,8x,,,single,cell,1,s\n`, "x.csv"),
    SyntaxError,
    'Cannot read "x.csv": line 2 column "value" is "8x", expected a number',
  );
  throwsWith(() => parseClaims(`${HEADER}\na,p,T,r,c,test/f1,1,,,median,cell,1,s\n`), SyntaxError, "stat");
  throwsWith(
    () =>
      parseClaims(
        `${HEADER}\na,p,T,r,c,test/f1,1,,,single,cell,1,s\na,p,T,r,c,test/f1,1,,,single,cell,1,s\n`,
      ),
    SyntaxError,
    "repeats",
  );
});

Deno.test("the datnet claims file holds all 72 cells of ACL Table 3", async () => {
  const { datnetSuite } = await import("../../suites/datnet/suite.ts");
  const claims = await datnetSuite.claims();
  const t3 = claims.filter((c) => c.table === "Table 3" && c.paper === "zhou2019-acl");
  assert.deepStrictEqual(t3.length, 72);
  assert.deepStrictEqual(new Set(t3.map((c) => c.cell)).size, 72);
  const dfEs10 = t3.find((c) => c.id === "acl-t3/es/datnet-f/k=10")!;
  assert.deepStrictEqual(dfEs10.value, 44.52);
  const baseW1000 = t3.find((c) => c.id === "acl-t3/wnut16/base/k=1000")!;
  assert.deepStrictEqual(baseW1000.value, 36.99);
});
