import assert from "node:assert/strict";
import { inverseTimeDecay } from "../../models/optim.ts";
import { lrAtEpoch, LrScheduler, type LrScheduleSpec } from "./lr_schedule.ts";
import { LoopSpecError } from "./spec_error.ts";

/** Rates of epochs 1..n, with `atEpochEnd` fed `values[e−1]` under `key`. */
function trajectory(spec: LrScheduleSpec, n: number, values: number[] = [], key = "train/loss"): number[] {
  const s = new LrScheduler("g", spec);
  const out: number[] = [];
  for (let e = 1; e <= n; e++) {
    out.push(s.atEpochStart(e));
    s.atEpochEnd(values[e - 1] === undefined ? {} : { [key]: values[e - 1] }, false);
  }
  return out;
}

Deno.test("lr constant and inverse-time decay (DATNet: lr / (1 + 0.05·(e−1)), as optim.ts computes it)", () => {
  assert.deepEqual(trajectory({ kind: "constant", lr: 0.01 }, 3), [0.01, 0.01, 0.01]);
  const it = trajectory({ kind: "inverse-time", lr: 1e-3, decay: 0.05 }, 4);
  assert.deepEqual(it, [1e-3, 1e-3 / 1.05, 1e-3 / 1.1, 1e-3 / 1.15]);
  assert.deepEqual(it, [0, 1, 2, 3].map((e) => inverseTimeDecay(1e-3, 0.05, e)));
});

Deno.test("lr exponential: lr · factor^(e−1) (mlma2019 tagger ×0.9 per epoch)", () => {
  const ex = trajectory({ kind: "exponential", lr: 1e-3, factor: 0.9 }, 4);
  assert.deepEqual(ex, [1e-3, 1e-3 * 0.9, 1e-3 * 0.81, 1e-3 * 0.9 ** 3]);
  assert.ok(Math.abs(ex[3] - 7.29e-4) < 1e-15);
});

Deno.test("lr frozen-then-ramp: 0 while frozen, then a linear ramp to the full rate", () => {
  assert.deepEqual(
    trajectory({ kind: "frozen-then-ramp", lr: 0.3, frozenEpochs: 2, rampEpochs: 3 }, 7),
    [0, 0, 0.3 / 3, 0.3 * (2 / 3), 0.3, 0.3, 0.3],
  );
  assert.deepEqual(trajectory({ kind: "frozen-then-ramp", lr: 1, frozenEpochs: 1, rampEpochs: 0 }, 3), [
    0,
    1,
    1,
  ]);
  assert.equal(lrAtEpoch({ kind: "frozen-then-ramp", lr: 1, frozenEpochs: 0, rampEpochs: 2 }, 1), 0.5);
});

Deno.test("lr plateau: Keras ReduceLROnPlateau (min_delta 1e-4, patience, factor, cooldown, min_lr)", () => {
  const spec: LrScheduleSpec = {
    kind: "plateau",
    lr: 1,
    monitor: "train/loss",
    mode: "min",
    factor: 0.1,
    patience: 2,
  };
  // e1 5 and e2 4 improve; e3 4 waits 1; e4 4 waits 2 → ×0.1; e5 3.99995 is not better by > 1e-4 (wait 1); e6 3
  // improves; e7, e8 wait → ×0.1; e9 waits 1.
  const values = [5, 4, 4, 4, 3.99995, 3, 3, 3, 3];
  assert.deepEqual(trajectory(spec, 10, values), [1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1]);
  // min_lr bounds the rate, and once reached it stays.
  const floored = trajectory({ ...spec, minLr: 0.05 }, 10, values);
  assert.deepEqual(floored, [1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]);
  // Cooldown 2, patience 1, a flat loss: Keras decrements the cooldown counter before testing it, so only the
  // first epoch end after a reduction is skipped; the next one counts and reduces again.
  const flat = [1, 1, 1, 1, 1, 1, 1, 1];
  assert.deepEqual(
    trajectory({ ...spec, patience: 1, cooldown: 2 }, 9, flat),
    [1, 1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1 * 0.1],
  );
  // Without cooldown every flat epoch end reduces.
  assert.deepEqual(trajectory({ ...spec, patience: 1 }, 4, flat), [1, 1, 0.1, 0.1 * 0.1]);
  // mode max, patience 0: every non-improving epoch reduces.
  assert.deepEqual(
    trajectory({ ...spec, mode: "max", monitor: "dev/f1", patience: 0 }, 4, [50, 60, 60], "dev/f1"),
    [1, 1, 1, 0.1],
  );
  // A monitor absent from an epoch without evaluation is skipped; required and absent throws.
  const s = new LrScheduler("adam", { ...spec, monitor: "dev/f1" });
  s.atEpochEnd({ "train/loss": 1 }, false);
  assert.deepEqual(s.state(), { lr: 1, best: Infinity, wait: 0, cooldown: 0 });
  assert.throws(
    () => s.atEpochEnd({ "train/loss": 1 }, true),
    /"adam" monitors "dev\/f1", which the epoch's metrics lack/,
  );
});

Deno.test("lr schedules: invalid declarations throw LoopSpecError naming the schedule", () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: "cosine", lr: 1 }, /"g" kind must be one of constant, inverse-time/],
    [{ kind: "constant", lr: -1 }, /"g" lr must be a finite number ≥ 0/],
    [{ kind: "inverse-time", lr: 1, decay: -0.1 }, /decay must be/],
    [{ kind: "exponential", lr: 1, factor: 1.5 }, /factor must be ≤ 1/],
    [
      { kind: "plateau", lr: 1, monitor: "loss", mode: "min", factor: 0.1, patience: 5 },
      /monitor must be a metric key/,
    ],
    [
      { kind: "plateau", lr: 1, monitor: "train/loss", mode: "auto", factor: 0.1, patience: 5 },
      /mode must be "min" or "max"/,
    ],
    [
      { kind: "plateau", lr: 1, monitor: "train/loss", mode: "min", factor: 1, patience: 5 },
      /factor must be < 1/,
    ],
    [
      { kind: "plateau", lr: 1, monitor: "train/loss", mode: "min", factor: 0.1, patience: 1.5 },
      /patience must be an integer/,
    ],
    [
      { kind: "frozen-then-ramp", lr: 1, frozenEpochs: -1, rampEpochs: 1 },
      /frozenEpochs must be an integer ≥ 0/,
    ],
  ];
  for (const [spec, re] of bad) {
    assert.throws(
      () => new LrScheduler("g", spec as never),
      (e: Error) => e instanceof LoopSpecError && re.test(e.message),
      String(re),
    );
  }
});
