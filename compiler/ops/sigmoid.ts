import type { NoAttrs, OpDef } from "../ir/op.js";
import { mul, sub } from "../ir/build.js";
import { defUnary, FLOAT } from "./elementwise.js";

/** 1 / (1 + e^-x), evaluated without overflow for large |x|. */
function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Primitive rather than composite for numerical stability (the naive 1/(1+exp(-x)) overflows
 * for x < -709 in float64 and x < -88 in f32) and speed. d σ(x) = σ(x)(1 − σ(x)).
 */
export const sigmoid: OpDef<NoAttrs, "sigmoid"> = defUnary({
  name: "sigmoid",
  dtypes: FLOAT,
  fn: logistic,
  vjp: (n, g) => [mul(g, mul(n, sub(1, n)))],
});
