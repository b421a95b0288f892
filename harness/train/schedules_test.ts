import assert from "node:assert/strict";
import { createRng } from "../../models/init.ts";
import { arrangeEpoch, drawIndex, epochLength, epochSpec, Scheduler } from "./schedules.ts";
import { LoopSpecError } from "./spec_error.ts";

const streams = ["target", "source", "aux"];

Deno.test("Scheduler joint-sum: every iteration reads every stream, in schedule order", () => {
  const s = new Scheduler({ kind: "joint-sum", streams: ["target", "source"] }, streams);
  assert.deepEqual([0, 1, 7].map((i) => s.pick(i)), [["target", "source"], ["target", "source"], [
    "target",
    "source",
  ]]);
});

Deno.test("Scheduler alternate: one stream per iteration, taking turns in declaration order (Yang)", () => {
  const s = new Scheduler({ kind: "alternate", streams, epoch: { by: "stream", stream: "target" } }, streams);
  assert.deepEqual(Array.from({ length: 7 }, (_, i) => s.pick(i)[0]), [
    "target",
    "source",
    "aux",
    "target",
    "source",
    "aux",
    "target",
  ]);
});

Deno.test("Scheduler sample: draws by fixed probabilities from the seeded schedule Rng", () => {
  const spec = {
    kind: "sample" as const,
    streams: ["target", "source"],
    probabilities: { target: 1, source: 3 },
    epoch: { by: "stream" as const, stream: "target" },
  };
  const a = new Scheduler(spec, streams, createRng(9));
  const draws = Array.from({ length: 4000 }, (_, i) => a.pick(i)[0]);
  const frac = draws.filter((d) => d === "source").length / draws.length;
  assert.ok(Math.abs(frac - 0.75) < 0.03, `source drawn ${frac}`);
  const b = new Scheduler(spec, streams, createRng(9));
  assert.deepEqual(Array.from({ length: 4000 }, (_, i) => b.pick(i)[0]), draws);
  // Exactly one rng() per draw, against the running sum.
  const rng = createRng(9);
  assert.deepEqual(
    draws.slice(0, 50),
    Array.from({ length: 50 }, () => spec.streams[drawIndex([1, 3], 4, rng)]),
  );
  assert.equal(drawIndex([1, 3], 4, () => 0.2499), 0);
  assert.equal(drawIndex([1, 3], 4, () => 0.25), 1);
});

Deno.test("epochLength: DATNet's max(#target, min(#source, cap)), sums, fixed counts, stream passes", () => {
  const perPass = { target: 2, source: 8, aux: 5 };
  const ts = ["target", "source"];
  assert.equal(epochLength({ by: "passes", combine: "max" }, ts, perPass), 8);
  assert.equal(epochLength({ by: "passes", combine: "max", caps: { source: 3 } }, ts, perPass), 3);
  assert.equal(epochLength({ by: "passes", combine: "max", caps: { source: 1 } }, ts, perPass), 2);
  assert.equal(epochLength({ by: "passes", combine: "sum", caps: { source: 3 } }, ts, perPass), 5);
  assert.equal(epochLength({ by: "iterations", iterations: 11 }, ts, perPass), 11);
  assert.equal(epochLength({ by: "stream", stream: "target" }, ts, perPass), undefined);
});

Deno.test("Scheduler: invalid schedules throw LoopSpecError", () => {
  const bad: [unknown, RegExp, boolean?][] = [
    [{ kind: "round-robin", streams }, /Schedule kind must be one of/],
    [{ kind: "joint-sum", streams: [] }, /needs at least one stream/],
    [{ kind: "joint-sum", streams: ["nope"] }, /names stream "nope", which is not declared/],
    [{ kind: "joint-sum", streams: ["aux", "aux"] }, /lists stream "aux" twice/],
    [
      {
        kind: "sample",
        streams,
        probabilities: { target: 1, source: 1 },
        epoch: { by: "iterations", iterations: 3 },
      },
      /probabilities\["aux"\]/,
      true,
    ],
    [{
      kind: "sample",
      streams,
      probabilities: { target: 1, source: 1, aux: 1 },
      epoch: { by: "iterations", iterations: 3 },
    }, /needs a schedule Rng/],
    [
      { kind: "alternate", streams: ["aux"], epoch: { by: "stream", stream: "target" } },
      /Epoch stream "target" is not one of/,
    ],
    [
      { kind: "alternate", streams, epoch: { by: "iterations", iterations: 0 } },
      /Epoch iterations must be an integer ≥ 1/,
    ],
    [
      { kind: "joint-sum", streams, epoch: { by: "passes", combine: "max", caps: { source: 2.5 } } },
      /Epoch cap of "source"/,
    ],
    [{ kind: "alternate", streams }, /Epoch must be/],
  ];
  for (const [spec, re, withRng] of bad) {
    assert.throws(
      () => new Scheduler(spec as never, streams, withRng ? createRng(1) : undefined),
      (e: Error) => e instanceof LoopSpecError && re.test(e.message),
      String(re),
    );
  }
});

Deno.test("Scheduler arranged: a new seeded order every epoch (mixed shuffled, appended after); restorable", () => {
  const spec = {
    kind: "arranged" as const,
    streams: ["source", "target"],
    arrangement: { mixed: { source: 3, target: 1 }, appended: { target: 2 } },
  };
  assert.deepEqual(epochSpec(spec), { by: "iterations", iterations: 6 });
  const sched = new Scheduler(spec, ["target", "source"], createRng(5));
  const epoch1 = Array.from({ length: 6 }, (_, i) => sched.pick(i)[0]);
  const epoch2 = Array.from({ length: 6 }, (_, i) => sched.pick(6 + i)[0]);
  const rng = createRng(5);
  assert.deepEqual(epoch1, arrangeEpoch(spec.arrangement, spec.streams, rng));
  assert.deepEqual(epoch2, arrangeEpoch(spec.arrangement, spec.streams, rng));
  for (const e of [epoch1, epoch2]) {
    assert.deepEqual(e.slice(4), ["target", "target"]);
    assert.deepEqual([...e.slice(0, 4)].sort(), ["source", "source", "source", "target"]);
  }
  // Mid-epoch, a checkpoint's order continues the epoch exactly.
  const a = new Scheduler(spec, ["target", "source"], createRng(9));
  a.pick(0);
  a.pick(1);
  const b = new Scheduler(spec, ["target", "source"], createRng(1));
  b.restoreEpochOrder(a.epochOrder());
  for (let i = 2; i < 6; i++) assert.deepEqual(b.pick(i), a.pick(i));
  assert.throws(() => new Scheduler(spec, ["target", "source"]), /needs a schedule Rng/);
  assert.throws(
    () =>
      new Scheduler({ ...spec, arrangement: { mixed: { source: 0 } } }, ["target", "source"], createRng(1)),
    /no batch in its arrangement/,
  );
  assert.throws(
    () => new Scheduler({ ...spec, arrangement: { mixed: { dev: 1 } } }, ["target", "source"], createRng(1)),
    /count for "dev", which is not one of the schedule's streams/,
  );
  assert.throws(
    () =>
      new Scheduler({ ...spec, arrangement: { mixed: { source: -1 } } }, ["target", "source"], createRng(1)),
    LoopSpecError,
  );
});
