/**
 * The OpenBLAS core-type pin keeps predictions identical across CPUs (runtime/kernels/blas.ts): whatever core
 * type detection would pick on an AVX2 machine (simulated with `TAGBENCH_CPUINFO`), the pinned default runs
 * `Haswell` and gives the stored reference predictions of the datnet reference cell
 * (`suites/blas_pin_reference.json`, recorded by `suites/blas_pin_probe.ts --write`). Core types this CPU cannot
 * run are skipped by name (forcing `SkylakeX` on an AVX2-only CPU is an illegal instruction).
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { blas, coreTypeFromCpuFlags } from "../runtime/kernels/blas.ts";
import { BLAS_PIN_REFERENCE, type BlasPinProbe } from "./blas_pin_probe.ts";
import { datnetSuite } from "./datnet/suite.ts";

const dataDir = Deno.env.get("TAGBENCH_DATA_DIR") ??
  resolve(fileURLToPath(new URL("../../shared/data", import.meta.url)));
const cpuinfo = (() => {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return "";
  }
})();
const flags = new Set(
  cpuinfo.split("\n").find((l) => l.startsWith("flags"))?.split(":")[1]?.trim().split(/\s+/),
);
const AVX2 = flags.has("avx2") && flags.has("fma");

/** Flags that make detection pick each core type (the `fastest` policy's choice). */
const DETECTION: Record<string, string[]> = {
  SkylakeX: ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"],
  Haswell: ["avx", "avx2", "fma"],
  Sandybridge: ["avx"],
};
/** The flags a core type's kernels need on this CPU to run at all. */
const NEEDS: Record<string, string[]> = {
  SkylakeX: ["avx512f", "avx512bw", "avx512vl", "avx512dq"],
  Haswell: ["avx2", "fma"],
  Sandybridge: ["avx"],
};

async function probe(env: Record<string, string>): Promise<BlasPinProbe> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(new URL("./blas_pin_probe.ts", import.meta.url)),
      "--data-dir",
      dataDir,
    ],
    env: { TAGBENCH_BLAS: "openblas", OPENBLAS_CORETYPE: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.split("\n").at(-1)!);
}

Deno.test({
  name: "OpenBLAS pinned default: the same datnet reference predictions whichever core type detection picks",
  ignore: !AVX2 || !blas() || !existsSync(join(dataDir, "conll2003")),
  sanitizeResources: false,
  fn: async (t) => {
    const reference = JSON.parse(await Deno.readTextFile(BLAS_PIN_REFERENCE)) as BlasPinProbe;
    assert.equal(
      reference.suite_version,
      datnetSuite.version,
      `suites/blas_pin_reference.json was recorded for datnet ${reference.suite_version}; re-record it for ` +
        `${datnetSuite.version} with \`deno run -A suites/blas_pin_probe.ts --write\``,
    );
    const dir = await Deno.makeTempDir();
    try {
      for (const [detected, extra] of Object.entries(DETECTION)) {
        const fake = join(dir, `cpuinfo-${detected}`);
        await Deno.writeTextFile(fake, `processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 ${extra.join(" ")}\n`);
        assert.equal(coreTypeFromCpuFlags(await Deno.readTextFile(fake)), detected);
        await t.step(`detection would pick ${detected}`, async () => {
          const got = await probe({ TAGBENCH_CPUINFO: fake });
          if (!DETECTION[detected].includes("avx2")) {
            // Without AVX2 + FMA the pin cannot apply; the run says so (and this CPU then runs the detected type).
            assert.match(got.policy!, /^pinned, not applicable/);
            return;
          }
          assert.equal(got.policy, "pinned");
          assert.equal(got.core_type, "Haswell");
          assert.equal(got.predictions_sha256, reference.predictions_sha256, got.blas);
          assert.equal(got.log_sha256, reference.log_sha256, got.blas);
        });
      }
      for (const [core, needs] of Object.entries(NEEDS)) {
        const missing = needs.filter((f) => !flags.has(f));
        await t.step({
          name: `forced ${core}${missing.length ? ` (skipped: this CPU lacks ${missing.join(", ")})` : ""}`,
          ignore: missing.length > 0,
          fn: async () => {
            const got = await probe({ TAGBENCH_BLAS_CORETYPE: core });
            assert.equal(got.core_type, core, "OpenBLAS runs the core type asked for");
            assert.equal(got.policy, "requested");
            if (core === "Haswell") {
              assert.equal(got.predictions_sha256, reference.predictions_sha256);
              assert.equal(got.log_sha256, reference.log_sha256);
            }
            // The probe must tell kernels apart, or the pinned-hash check above would prove nothing.
            if (core === "Sandybridge") {
              assert.notEqual(
                got.log_sha256,
                reference.log_sha256,
                "the core types' summation orders do not reach the probe's training log",
              );
            }
          },
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
