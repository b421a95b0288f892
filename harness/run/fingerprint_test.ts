import assert from "node:assert/strict";
import { defineSuite, type SuiteDeclaration, type SuiteTypes } from "./define.ts";
import { declarationSha256, stableJson } from "./fingerprint.ts";

interface T extends SuiteTypes {
  settings: { k: number };
  profile: Record<string, never>;
  config: { k: number; epochs: number };
  dataset: { title: string };
  variant: Record<string, never>;
}

async function toy(claims: URL, over: (d: SuiteDeclaration<T>) => void = () => {}): Promise<string> {
  const profile = (epochs: number) => ({
    description: "all",
    includes: () => true,
    seeds: 1,
    budget: { epochs },
    settings: {},
  });
  const decl: SuiteDeclaration<T> = {
    id: "toy",
    version: "1",
    paper: { title: "t", citation: "c", papers: [] },
    claims,
    datasets: {},
    variants: {},
    experiments: [{ id: "e", title: "E", source: "p", cells: [{ id: "a", settings: { k: 1 } }] }],
    protocols: {
      paper: {
        scorer: "conlleval",
        tagScheme: "IOB2",
        subset: "first-k",
        selection: "max test/f1",
        patience: 0,
        notes: {},
      },
      clean: {
        scorer: "conlleval",
        tagScheme: "IOB2",
        subset: "first-k",
        selection: "max dev/f1",
        patience: 5,
        notes: {},
      },
    },
    profiles: { smoke: profile(1), nightly: profile(5), paper: profile(10) },
    budget: { epochs: { description: "epochs" } },
    resources: [],
    reference: { cell: "a", profile: "smoke", protocol: "paper", budget: {} },
    hooks: {
      cellConfig: (c, ctx) => ({ k: c.settings.k, epochs: ctx.budget.epochs ?? 0 }),
      cellDeviations: () => [],
      cellDatasets: () => [],
      trainCell: () => Promise.reject(new Error("not trained")),
    },
  };
  over(decl);
  return await declarationSha256(defineSuite(decl));
}

Deno.test("declarationSha256: stable for one declaration; a change of a profile, a cell or the claims changes it", async () => {
  const dir = await Deno.makeTempDir();
  const claims = new URL(`file://${dir}/claims.csv`);
  await Deno.writeTextFile(claims, "id\n");
  const a = await toy(claims);
  assert.equal(await toy(claims), a);
  assert.notEqual(await toy(claims, (d) => (d.profiles.paper.budget.epochs = 11)), a);
  assert.notEqual(await toy(claims, (d) => (d.experiments[0].cells[0].settings.k = 2)), a);
  assert.notEqual(await toy(claims, (d) => (d.protocols.clean.patience = 6)), a);
  await Deno.writeTextFile(claims, "id\nx\n");
  assert.notEqual(await toy(claims), a);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("stableJson: key order does not matter, functions by their source", () => {
  assert.equal(stableJson({ b: 1, a: [{ d: 2, c: 3 }] }), stableJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  assert.notEqual(stableJson({ f: (x: number) => x + 1 }), stableJson({ f: (x: number) => x + 2 }));
});
