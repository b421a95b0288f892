/**
 * Optimisers over `Record<string, tf.Tensor>` gradients keyed by variable name, as `tf.variableGrads` returns
 * them. Each instance owns its state (moments, accumulators) per variable name, so two instances over shared
 * weights keep separate state (Yang et al. 2017 keep one AdaGrad per task).
 *
 * Gradients for names the optimiser does not know are rejected; variables without a gradient in a step are left
 * untouched (their state too). Updates run inside `tf.tidy`; the caller still owns and disposes `grads`.
 *
 * Checkpoints: `getState()` reads an optimiser's whole state as plain data with exact float32 copies of its slots
 * (Adam: step count and m, v; AdaGrad: accumulators) keyed by variable name, and `setState()` puts such a state
 * back, so that the next `step` is exactly the one the saved optimiser would have made.
 *
 * @example
 * ```ts
 * const opt = new Adam(model.variables(), { lr: 1e-3 });
 * const { value, grads } = tf.variableGrads(loss, model.variables());
 * opt.step(grads); tf.dispose(grads); value.dispose();
 * opt.lr = inverseTimeDecay(1e-3, 0.05, epoch);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate α (default 1e-3). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  /** ε̂ of TensorFlow 1's AdamOptimizer (default 1e-8). */
  epsilon?: number;
}

/** Options of {@link AdaGrad}. */
export interface AdaGradOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Starting value of the squared-gradient accumulators (default 0.1, as TensorFlow; Lasagne uses 0). */
  initialAccumulator?: number;
  /** Added under the square root: w −= lr·g / sqrt(acc + ε) (default 0, as TensorFlow; Lasagne uses 1e-6). */
  epsilon?: number;
}

function checkNames(kind: string, known: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
  for (const name of Object.keys(grads)) {
    if (!known.has(name)) {
      throw new Error(`${kind}.step: gradient for "${name}", which is not one of this optimiser's variables`);
    }
    const v = known.get(name)!;
    const g = grads[name];
    if (!tf.util.arraysEqual(v.shape, g.shape)) {
      throw new Error(
        `${kind}.step: gradient for "${name}" has shape [${g.shape}], variable has [${v.shape}]`,
      );
    }
  }
}

/** Adam's state as plain data (see {@link Adam.getState}). */
export interface AdamState {
  /** Steps taken (TF's `t`, shared by all variables). */
  t: number;
  /** The learning rate at the time (the training loop sets it again at each epoch's start). */
  lr: number;
  /** First moments by variable name (only variables that have received a gradient), float32, row-major. */
  m: Record<string, Float32Array>;
  /** Second moments, same names as `m`. */
  v: Record<string, Float32Array>;
}

/** AdaGrad's state as plain data (see {@link AdaGrad.getState}). */
export interface AdaGradState {
  /** The learning rate at the time. */
  lr: number;
  /** Squared-gradient accumulators by variable name (only variables that have received a gradient). */
  accumulators: Record<string, Float32Array>;
}

/** Exact float32 copies of `slots`' values, keyed like `slots` (read asynchronously: works on every backend). */
async function readSlots(slots: Map<string, tf.Variable>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, x] of slots) out[name] = new Float32Array(await x.data<"float32">());
  return out;
}

/**
 * Checks that every entry of each record names one of `known` with the variable's size, and that all records
 * have the same names.
 */
function checkSlots(
  kind: string,
  known: Map<string, tf.Variable>,
  records: Record<string, Record<string, Float32Array>>,
): string[] {
  const [first, ...rest] = Object.entries(records);
  const names = Object.keys(first[1] ?? {}).sort();
  for (const [what, rec] of Object.entries(records)) {
    if (rec === null || typeof rec !== "object") throw new Error(`${kind}.setState: ${what} is not a record`);
    for (const [name, a] of Object.entries(rec)) {
      const v = known.get(name);
      if (!v) {
        throw new Error(
          `${kind}.setState: ${what} for "${name}", which is not one of this optimiser's variables`,
        );
      }
      if (!(a instanceof Float32Array) || a.length !== v.size) {
        throw new Error(
          `${kind}.setState: ${what} for "${name}" must be a Float32Array of ${v.size} values (shape [${v.shape}])`,
        );
      }
    }
  }
  for (const [what, rec] of rest) {
    if (Object.keys(rec).sort().join("\n") !== names.join("\n")) {
      throw new Error(`${kind}.setState: ${first[0]} and ${what} name different variables`);
    }
  }
  return names;
}

/** Replaces the slots in `slots` by float32 variables holding `values` (shapes of the named variables). */
function putSlots(
  slots: Map<string, tf.Variable>,
  known: Map<string, tf.Variable>,
  values: Record<string, Float32Array>,
) {
  for (const x of slots.values()) x.dispose();
  slots.clear();
  tf.tidy(() => {
    for (const [name, a] of Object.entries(values)) {
      slots.set(name, tf.variable(tf.tensor(a.slice(), known.get(name)!.shape, "float32"), false));
    }
  });
}

function indexVariables(kind: string, variables: tf.Variable[]): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>();
  for (const v of variables) {
    if (m.has(v.name) && m.get(v.name) !== v) {
      throw new Error(`${kind}: two variables share the name "${v.name}"`);
    }
    m.set(v.name, v);
  }
  return m;
}

/**
 * Adam (Kingma & Ba 2015) in TensorFlow 1's `AdamOptimizer` form, which the DATNet code used:
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  α_t = α·sqrt(1−β₂ᵗ)/(1−β₁ᵗ);  w ← w − α_t·m/(sqrt(v) + ε̂).
 * `t` counts steps of this instance (shared by all its variables, as in TF).
 */
export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Number of steps taken. */
  t = 0;
  private readonly vars: Map<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(variables: tf.Variable[], opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.vars = indexVariables("Adam", variables);
  }

  /** Applies one update with the given gradients (keyed by variable name). */
  step(grads: Record<string, tf.Tensor>): void {
    checkNames("Adam", this.vars, grads);
    this.t++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const lrT = (this.lr * Math.sqrt(1 - Math.pow(b2, this.t))) / (1 - Math.pow(b1, this.t));
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const w = this.vars.get(name)!;
        let m = this.m.get(name);
        let v = this.v.get(name);
        if (!m || !v) {
          m = tf.variable(tf.zerosLike(w), false);
          v = tf.variable(tf.zerosLike(w), false);
          this.m.set(name, m);
          this.v.set(name, v);
        }
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(mNew);
        v.assign(vNew);
        w.assign(tf.sub(w, tf.mul(tf.div(mNew, tf.add(tf.sqrt(vNew), eps)), lrT)));
      }
    });
  }

  /** Number of state tensors held (two per variable that has received a gradient). */
  stateTensors(): number {
    return this.m.size + this.v.size;
  }

  /**
   * The whole state: `t`, `lr` and exact float32 copies of m and v by variable name (variables that have not
   * received a gradient yet have none). Asynchronous so that it works on every backend.
   */
  async getState(): Promise<AdamState> {
    return { t: this.t, lr: this.lr, m: await readSlots(this.m), v: await readSlots(this.v) };
  }

  /**
   * Replaces the state by `state` (copies; variables absent from it get fresh zero moments at their next
   * gradient), so the next step is the one the optimiser that gave `state` would make.
   *
   * @throws {Error} when `t` is not an integer ≥ 0, `lr` is not a number, m and v name different variables, or a
   *   name is not one of this optimiser's variables or its array does not have the variable's size; the state is
   *   then unchanged.
   */
  setState(state: AdamState): void {
    if (!(Number.isInteger(state?.t) && state.t >= 0)) {
      throw new Error(`Adam.setState: t must be an integer ≥ 0`);
    }
    if (typeof state.lr !== "number") throw new Error(`Adam.setState: lr must be a number`);
    checkSlots("Adam", this.vars, { m: state.m, v: state.v });
    putSlots(this.m, this.vars, state.m);
    putSlots(this.v, this.vars, state.v);
    this.t = state.t;
    this.lr = state.lr;
  }

  /** Frees the state (the optimiser can keep stepping; state restarts from zero). */
  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
    this.t = 0;
  }
}

/**
 * AdaGrad (Duchi et al. 2011): acc ← acc + g²; w ← w − lr·g / sqrt(acc + ε).
 * Defaults follow TensorFlow (accumulators start at 0.1, ε = 0); {@link AdaGrad.lasagne} gives the
 * Lasagne/Theano variant (accumulators start at 0, ε = 1e-6) used by Yang et al. 2017.
 */
export class AdaGrad {
  lr: number;
  readonly initialAccumulator: number;
  readonly epsilon: number;
  private readonly vars: Map<string, tf.Variable>;
  private readonly acc = new Map<string, tf.Variable>();

  constructor(variables: tf.Variable[], opts: AdaGradOptions = {}) {
    this.lr = opts.lr ?? 0.01;
    this.initialAccumulator = opts.initialAccumulator ?? 0.1;
    this.epsilon = opts.epsilon ?? 0;
    if (this.initialAccumulator + this.epsilon <= 0) {
      throw new RangeError(
        "AdaGrad: initialAccumulator + epsilon must be > 0 (else the first update divides by 0)",
      );
    }
    this.vars = indexVariables("AdaGrad", variables);
  }

  /** Lasagne's `adagrad` (zero accumulators, ε = 1e-6). */
  static lasagne(variables: tf.Variable[], lr = 0.01): AdaGrad {
    return new AdaGrad(variables, { lr, initialAccumulator: 0, epsilon: 1e-6 });
  }

  /** Applies one update with the given gradients (keyed by variable name). */
  step(grads: Record<string, tf.Tensor>): void {
    checkNames("AdaGrad", this.vars, grads);
    const { lr, epsilon: eps } = this;
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const w = this.vars.get(name)!;
        let acc = this.acc.get(name);
        if (!acc) {
          acc = tf.variable(tf.fill(w.shape, this.initialAccumulator, "float32"), false);
          this.acc.set(name, acc);
        }
        const accNew = tf.add(acc, tf.square(g));
        acc.assign(accNew);
        const denom = eps === 0 ? tf.sqrt(accNew) : tf.sqrt(tf.add(accNew, eps));
        w.assign(tf.sub(w, tf.mul(tf.div(g, denom), lr)));
      }
    });
  }

  /** Number of state tensors held (one accumulator per variable that has received a gradient). */
  stateTensors(): number {
    return this.acc.size;
  }

  /**
   * The whole state: `lr` and exact float32 copies of the accumulators by variable name (variables that have not
   * received a gradient yet have none). Asynchronous so that it works on every backend.
   */
  async getState(): Promise<AdaGradState> {
    return { lr: this.lr, accumulators: await readSlots(this.acc) };
  }

  /**
   * Replaces the state by `state` (copies; variables absent from it start at `initialAccumulator` at their next
   * gradient), so the next step is the one the optimiser that gave `state` would make.
   *
   * @throws {Error} when `lr` is not a number, or a name is not one of this optimiser's variables or its array
   *   does not have the variable's size; the state is then unchanged.
   */
  setState(state: AdaGradState): void {
    if (typeof state?.lr !== "number") throw new Error(`AdaGrad.setState: lr must be a number`);
    checkSlots("AdaGrad", this.vars, { accumulators: state.accumulators });
    putSlots(this.acc, this.vars, state.accumulators);
    this.lr = state.lr;
  }

  /** Frees the accumulators (they restart at `initialAccumulator`). */
  dispose(): void {
    for (const x of this.acc.values()) x.dispose();
    this.acc.clear();
  }
}

/** Inverse time decay of the learning rate, lr₀ / (1 + decay·epoch) (DATNet §4.2 uses decay 0.05). */
export function inverseTimeDecay(lr0: number, decay: number, epoch: number): number {
  return lr0 / (1 + decay * epoch);
}
