/**
 * When one computed value agrees with the float64 reference interpreter's, at the edges of the
 * number line too. Every differential test uses this rule, so no property has to skip a case
 * whose results are NaN, infinite or too large for f32:
 *
 *  - a reference within range (|ref| ≤ the format's largest finite value, 3.4028234663852886e38
 *    for f32): `close` decides, with the test's own tolerance. A non-finite result never passes
 *    there (|Infinity − ref| and NaN exceed every bound), so a module that overflows where the
 *    reference does not still fails;
 *  - NaN agrees with NaN only;
 *  - a reference beyond range (±Infinity, or finite but larger than f32 can hold) is an overflow:
 *    the result must have its sign and be ±Infinity, the format's largest value (saturation), or
 *    `close` to it. Equal infinities are equal;
 *  - gradients (and what is computed from them) agree as non-finite when the reference is NaN or
 *    beyond range: both must be non-finite (NaN, ±Infinity or saturated). Which of NaN and ±Infinity
 *    a gradient ends in depends on the order of ∞ − ∞ and 0 · ∞ in the backward pass, which the
 *    two evaluations do not share;
 *  - with `mayOverflow` (the reference's computation of this result passed through a value beyond
 *    f32's range, see f32-range.ts), a non-finite result passes too: f32 overflowed on the way.
 */

/** The largest finite f32. */
export const F32_MAX = 3.4028234663852886e38;

/** What is compared: a value (an output, a loss) or a gradient and what it updated. */
export type Quantity = "value" | "gradient";

export interface AgreeOptions {
  readonly quantity?: Quantity;
  /** The largest finite value of the result's format: F32_MAX (default) or Number.MAX_VALUE. */
  readonly max?: number;
  /** The reference left f32's range on the way to this result: a non-finite result passes. */
  readonly mayOverflow?: boolean;
}

/** Does `got` agree with the reference `ref`? `close(got, ref)` is the tolerance for references in range. */
export function agrees(
  got: number,
  ref: number,
  close: (got: number, ref: number) => boolean,
  { quantity = "value", max = F32_MAX, mayOverflow = false }: AgreeOptions = {},
): boolean {
  if (mayOverflow && !(Math.abs(got) < max)) return true;
  if (Math.abs(ref) <= max) return close(got, ref);
  if (quantity === "gradient") return !(Math.abs(got) < max);
  if (Number.isNaN(ref)) return Number.isNaN(got);
  if (Math.sign(got) !== Math.sign(ref)) return false;
  // (a relative tolerance of an infinite reference would accept anything)
  return Math.abs(got) === Infinity || Math.abs(got) === max || (Number.isFinite(ref) && close(got, ref));
}
