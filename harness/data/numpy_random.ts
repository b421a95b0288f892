/**
 * numpy's legacy random generator (`np.random.RandomState`, the functions under `np.random.*`), bit for bit, as
 * far as Yang et al. (2017)'s released code uses it: seeding with an integer, `randint`, `choice(n, k)` with
 * replacement and `random_sample`; and `permutation(n)` / `shuffle`, which scikit-learn's `train_test_split` uses
 * in Perl et al. (2020)'s released code (checked against `testdata/numpy_permutation.json`, written by
 * `testdata/numpy_permutation_fixture.py`).
 *
 * The label-rate subsets of Yang et al. are `np.random.seed(13); np.random.choice(N, int(rate * N))` over the
 * train(+dev) sentences (their `sample.py`); `suites/yang2017/sample.ts` draws them with {@linkcode
 * numpyLegacyChoice}. Checked against numpy 2.4.6 (`testdata/numpy_random.json`, written by
 * `testdata/numpy_random_fixture.py`); the legacy stream has been frozen since numpy 1.17 and matches the older
 * randomkit one.
 *
 * @module
 */

/** Words of MT19937 state. */
const N = 624;
const M = 397;

/**
 * The Mersenne Twister MT19937 (Matsumoto & Nishimura 1998), 32-bit output, seeded with the reference
 * `init_genrand(seed)`, which is what numpy's `RandomState(seed)` / `np.random.seed(seed)` does for an integer
 * seed (`_legacy_seeding` → `mt19937_seed`; arrays go through `init_by_array`, not supported here).
 *
 * @example
 * ```ts
 * new MT19937(5489).nextUint32(); // 3499211612, the reference implementation's first output
 * ```
 */
export class MT19937 {
  #mt = new Uint32Array(N);
  #pos = N;

  /**
   * Seeds the state as `init_genrand(seed)`.
   *
   * @throws {RangeError} unless `seed` is an integer in `[0, 2³²−1]` (numpy: "Seed must be between 0 and 2**32 - 1").
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Cannot seed MT19937 with ${seed}: expected an integer in [0, 4294967295]`);
    }
    const mt = this.#mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1];
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  /** The next 32-bit output, an integer in `[0, 2³²)` (numpy's `mt19937_next32`). */
  nextUint32(): number {
    if (this.#pos >= N) this.#generate();
    let y = this.#mt[this.#pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  #generate(): void {
    const mt = this.#mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.#pos = 0;
  }
}

/** Largest `n` whose indices `choice`/`randint` can return as exact JS numbers (2⁵³). */
const MAX_RANGE = 2 ** 53;

/**
 * numpy's legacy `RandomState` over {@linkcode MT19937}, for the draws Yang et al.'s code makes.
 *
 * Bounded integers use numpy's legacy masked rejection sampling (`random_bounded_uint64_fill` with
 * `use_masked=True`): for the range `r = high − low − 1`, `mask` is the smallest `2^b − 1 ≥ r`; each value is
 * drawn as `nextUint32() & mask` (or, when `r > 2³²−1`, a 64-bit word `(first << 32) | second` `& mask`) until it
 * is `≤ r`, then `low` is added. `r = 0` returns `low` without drawing. So every element consumes the stream in
 * order, and `choice(n, k)` is a prefix of `choice(n, k′)` for `k ≤ k′` from the same seed.
 */
export class NumpyLegacyRandomState {
  readonly #mt: MT19937;

  /** Same as `np.random.RandomState(seed)`. @throws {RangeError} unless `seed` is an integer in `[0, 2³²−1]`. */
  constructor(seed: number) {
    this.#mt = new MT19937(seed);
  }

  /**
   * `RandomState.randint(low, high, size)` (default dtype int64): `size` integers in `[low, high)`.
   *
   * @throws {RangeError} when `low` or `high` is not an integer in `[−2⁵³, 2⁵³]`, `size` not an integer ≥ 0,
   *   `low >= high` (numpy: "low >= high") or `high − low > 2⁵³`.
   */
  randint(low: number, high: number, size: number): number[] {
    if (!isExactInteger(low) || !isExactInteger(high)) {
      throw new RangeError(`Cannot draw integers in [${low}, ${high}): expected integers in [-2^53, 2^53]`);
    }
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`Cannot draw ${size} integers: expected an integer ≥ 0`);
    }
    if (low >= high) throw new RangeError(`Cannot draw integers in [${low}, ${high}): low >= high`);
    if (high - low > MAX_RANGE) {
      throw new RangeError(`Cannot draw integers in [${low}, ${high}): the range exceeds 2^53`);
    }
    const rng = high - low - 1;
    const out = new Array<number>(size);
    if (rng === 0) {
      out.fill(low);
    } else if (rng <= 0xffffffff) {
      const mask = maskOf(rng);
      for (let i = 0; i < size; i++) {
        let v: number;
        do v = (this.#mt.nextUint32() & mask) >>> 0; while (v > rng);
        out[i] = low + v;
      }
    } else {
      const r = BigInt(rng);
      const mask = (1n << BigInt(r.toString(2).length)) - 1n;
      for (let i = 0; i < size; i++) {
        let v: bigint;
        do {
          const hi = BigInt(this.#mt.nextUint32());
          v = ((hi << 32n) | BigInt(this.#mt.nextUint32())) & mask;
        } while (v > r);
        out[i] = low + Number(v);
      }
    }
    return out;
  }

  /**
   * `RandomState.choice(n, k)` with `replace=True` and no `p`: `k` indices in `[0, n)`, which numpy draws as
   * `randint(0, n, size=k)`.
   *
   * @throws {RangeError} when `n < 1` and `k > 0` (numpy: "a must be greater than 0 unless no samples are
   *   taken"), or as {@linkcode randint}.
   */
  choice(n: number, k: number): number[] {
    if (!isExactInteger(n) || n < 0) {
      throw new RangeError(`Cannot choose from ${n} items: expected an integer in [0, 2^53]`);
    }
    if (n === 0) {
      if (k === 0) return [];
      throw new RangeError(
        `Cannot choose ${k} of 0 items: a must be greater than 0 unless no samples are taken`,
      );
    }
    return this.randint(0, n, k);
  }

  /**
   * `RandomState.permutation(n)` for an integer `n`: `np.arange(n)` shuffled by {@linkcode shuffle}, i.e. a
   * uniformly random ordering of `0 … n−1`. scikit-learn's `ShuffleSplit` / `train_test_split` draw their split
   * this way (`check_random_state(seed).permutation(n_samples)`), which Perl et al. (2020)'s released `train.py`
   * uses for its label-rate subsets (see `sampling.ts`'s `sklearnTrainSubset`).
   *
   * @throws {RangeError} when `n` is not an integer in `[0, 2³²−1]` (a JS array's length limit).
   *
   * @example
   * ```ts
   * new NumpyLegacyRandomState(23).permutation(10); // [5, 8, 2, 9, 4, 7, 1, 0, 6, 3], as numpy
   * ```
   */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new RangeError(`Cannot permute ${n} items: expected an integer in [0, 4294967295]`);
    }
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * `RandomState.shuffle(x)` for a 1-D sequence, in place (and returned for convenience): numpy legacy
   * `mtrand.pyx`'s Fisher–Yates from the end, `for i in reversed(range(1, n)): j = random_interval(i); swap
   * x[i], x[j]`, where `random_interval(i)` draws `nextUint32() & mask` (`mask` the smallest `2^b − 1 ≥ i`) until
   * the value is `≤ i`. So `n − 1` intervals are drawn (none for `n ≤ 1`), each consuming one or more 32-bit
   * outputs; numpy's 64-bit branch (`i > 2³²−1`) cannot occur for a JS array.
   */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.#interval(i);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }

  /** numpy's `random_interval(max)` for `0 < max ≤ 2³²−1`: an integer in `[0, max]` by masked rejection. */
  #interval(max: number): number {
    const mask = maskOf(max);
    let v: number;
    do v = (this.#mt.nextUint32() & mask) >>> 0; while (v > max);
    return v;
  }

  /**
   * `RandomState.random_sample(size)`: `size` doubles in `[0, 1)` with 53 random bits each, from two 32-bit
   * outputs `a`, `b`: `((a >>> 5) · 2²⁶ + (b >>> 6)) / 2⁵³`.
   *
   * @throws {RangeError} when `size` is not an integer ≥ 0.
   */
  randomSample(size: number): number[] {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`Cannot draw ${size} doubles: expected an integer ≥ 0`);
    }
    const out = new Array<number>(size);
    for (let i = 0; i < size; i++) {
      const a = this.#mt.nextUint32() >>> 5;
      const b = this.#mt.nextUint32() >>> 6;
      out[i] = (a * 67108864 + b) / 9007199254740992;
    }
    return out;
  }
}

/** An integer that a double holds exactly together with its neighbours: `|x| ≤ 2⁵³`. */
function isExactInteger(x: number): boolean {
  return Number.isInteger(x) && Math.abs(x) <= MAX_RANGE;
}

/** Smallest `2^b − 1 ≥ x` for `0 < x ≤ 2³²−1`, as an unsigned 32-bit number. */
function maskOf(x: number): number {
  return (0xffffffff >>> Math.clz32(x)) >>> 0;
}

/**
 * `np.random.RandomState(seed).choice(n, k)`: `k` indices drawn uniformly from `[0, n)` **with replacement**
 * (repeats possible), in draw order. With the same `seed` and `n`, a larger `k` extends a smaller `k`'s vector.
 *
 * @throws {RangeError} for a seed outside `[0, 2³²−1]`, `k` not an integer ≥ 0, or `n < 1` with `k > 0`.
 *
 * @example
 * ```ts
 * numpyLegacyChoice(13, 1000, 5); // [338, 176, 74, 528, 742], as numpy
 * ```
 */
export function numpyLegacyChoice(seed: number, n: number, k: number): number[] {
  return new NumpyLegacyRandomState(seed).choice(n, k);
}
