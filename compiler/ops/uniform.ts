/**
 * Closed forms for operands that hold one value in every element (a filled constant, a broadcast
 * scalar): the helpers of the ops' `uniform` rules, which let constant folding compute the sum of
 * a billion copies of 0.5 without building them (compiler/passes/fold.ts). Each rule must give
 * what the op's `evaluate` gives, bit for bit, so these follow the reference evaluation's order.
 */
import type { DType } from "../ir/shape.js";

/** At most this many additions are done one by one when no closed form is exact. */
const MAX_SIMULATED_TERMS = 2 ** 16;

/** `value` as a tensor of `dtype` stores it: i32 and bool live in an Int32Array (wrapped to 32 bits). */
export function storedValue(value: number, dtype: DType): number {
  return dtype === "f32" ? value : value | 0;
}

/** The odd integer m with |x| = m · 2^e, for a finite x ≠ 0. */
function oddSignificand(x: number): number {
  let m = Math.abs(x);
  // doubling and halving only change the exponent, so both are exact (at most ~1100 steps)
  while (!Number.isInteger(m)) m *= 2;
  while (m % 2 === 0) m /= 2;
  return m;
}

/**
 * What the reference evaluation's running sum gives for `count` copies of `value`: start at +0
 * and add one term at a time, in float64 for f32, wrapping to 32 bits for i32 (reduce_sum,
 * matmul). Undefined when that takes more than MAX_SIMULATED_TERMS additions to find out.
 */
export function sumOfCopies(value: number, count: number, dtype: DType): number | undefined {
  // (j·v) mod 2^32 for every prefix: Math.imul takes count mod 2^32, which is all that matters
  if (dtype !== "f32") return Math.imul(value, count);
  if (count === 0 || value === 0) return 0; // +0 + -0 is +0
  if (!Number.isFinite(value)) return value; // NaN stays NaN, ±∞ stays ±∞
  // v = m·2^e: every partial sum j·v (j ≤ count) is exact when count·m < 2^53 and count·v is
  // finite, so each addition is exact and the sum is count·v
  if (Number.isSafeInteger(oddSignificand(value) * count) && Number.isFinite(value * count)) {
    return value * count;
  }
  if (count > MAX_SIMULATED_TERMS) return undefined;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += value;
  return sum;
}
