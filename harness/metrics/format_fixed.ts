/**
 * C/Perl `printf("%W.Df", x)` for doubles, digit for digit.
 *
 * `Number.prototype.toFixed` rounds an exact binary tie away from zero (`(12.125).toFixed(2)` is `"12.13"`);
 * glibc's `printf`, which Perl's `printf` calls, expands the double exactly and rounds a tie to even (`"12.12"`).
 *
 * @module
 */

const TWO_52 = 2n ** 52n;

/**
 * Formats `value` like C's `printf("%*.*f", width, digits, value)` under the default rounding mode: the exact
 * decimal value of the double is rounded to `digits` decimals, ties to even, then right-aligned in `width`
 * characters (never truncated). Negative values and `-0` keep their minus sign; infinities and NaN print as Perl
 * prints them (`Inf`, `-Inf`, `NaN`).
 *
 * @example
 * ```ts
 * formatFixed(12.125, 2, 6); // " 12.12" (JS toFixed: "12.13")
 * formatFixed(100, 2, 6); // "100.00"
 * ```
 * @throws {RangeError} if `digits` or `width` is not a non-negative integer.
 */
export function formatFixed(value: number, digits: number, width = 0): string {
  if (!Number.isInteger(digits) || digits < 0 || !Number.isInteger(width) || width < 0) {
    throw new RangeError(
      `formatFixed: digits (${digits}) and width (${width}) must be non-negative integers`,
    );
  }
  let body: string;
  if (Number.isNaN(value)) body = "NaN";
  else if (!Number.isFinite(value)) body = value > 0 ? "Inf" : "-Inf";
  else {
    const negative = value < 0 || Object.is(value, -0);
    const digitsText = roundedDigits(Math.abs(value), digits).padStart(digits + 1, "0");
    const point = digitsText.length - digits;
    body = (negative ? "-" : "") + digitsText.slice(0, point) +
      (digits > 0 ? "." + digitsText.slice(point) : "");
  }
  return body.padStart(width, " ");
}

/** round_half_even(x · 10^digits) as a decimal string, for finite x ≥ 0, computed exactly. */
function roundedDigits(x: number, digits: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & (TWO_52 - 1n);
  // x = mantissa · 2^exponent exactly.
  const mantissa = biased === 0 ? fraction : fraction | TWO_52;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  const scaled = mantissa * 10n ** BigInt(digits);
  if (exponent >= 0) return (scaled << BigInt(exponent)).toString();
  const denominator = 1n << BigInt(-exponent);
  let quotient = scaled / denominator;
  const twiceRemainder = 2n * (scaled % denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && (quotient & 1n) === 1n)) {
    quotient += 1n;
  }
  return quotient.toString();
}
