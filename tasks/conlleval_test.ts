import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CASES, CASES_DIR } from "../harness/metrics/_conlleval_cases.ts";
import { ConllevalUsageError, parseConllevalArgs } from "./conlleval.ts";

const SCRIPT = fileURLToPath(new URL("./conlleval.ts", import.meta.url));

async function cli(
  args: string[],
  input: Uint8Array,
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return { code, stdout, stderr: new TextDecoder().decode(stderr) };
}

Deno.test("deno task conlleval: same stdout bytes and exit status as conlleval.pl on every fixture", async () => {
  await Promise.all(CASES.map(async (c) => {
    const { code, stdout, stderr } = await cli(c.args, await Deno.readFile(new URL(c.input, CASES_DIR)));
    strictEqual(code, c.exit ?? 0, `${c.name}: exit status (stderr: ${stderr})`);
    deepStrictEqual(stdout, await Deno.readFile(new URL(`${c.name}.expected`, CASES_DIR)), c.name);
  }));
});

Deno.test("deno task conlleval: errors go to stderr in the script's words", async () => {
  const bad = await cli([], new TextEncoder().encode("a B-PER B-PER\nb O\n"));
  deepStrictEqual([bad.code, bad.stdout.length, bad.stderr], [
    1,
    0,
    "unexpected number of features: 2 (3)\n",
  ]);
  const usage = await cli(["-q"], new Uint8Array());
  deepStrictEqual([usage.code, usage.stderr], [255, "conlleval: unknown argument -q\n"]);
});

Deno.test("parseConllevalArgs reads the flags as conlleval.pl does", () => {
  deepStrictEqual(parseConllevalArgs([]), {});
  deepStrictEqual(parseConllevalArgs(["-l", "-r", "-d", "\\t", "-o", "NOSPACE"]), {
    latex: true,
    raw: true,
    delimiter: "\\t",
    oTag: "NOSPACE",
  });
  deepStrictEqual(parseConllevalArgs(["-d", "-r"]), { delimiter: "-r" });
  deepStrictEqual(parseConllevalArgs(["-d", ""]), { delimiter: "" });
  throws(
    () => parseConllevalArgs(["-d"]),
    new ConllevalUsageError("conlleval: -d requires delimiter character"),
  );
  throws(
    () => parseConllevalArgs(["-o"]),
    new ConllevalUsageError("conlleval: -o requires delimiter character"),
  );
  throws(() => parseConllevalArgs(["--"]), new ConllevalUsageError("conlleval: unknown argument --"));
  throws(
    () => parseConllevalArgs(["-r", "x"]),
    new ConllevalUsageError("conlleval: unexpected command line argument"),
  );
  throws(
    () => parseConllevalArgs([""]),
    new ConllevalUsageError("conlleval: unexpected command line argument"),
  );
});
