import { add, div } from "../ir/build.js";
import type { NoAttrs, OpDef } from "../ir/op.js";
import { defUnary, FLOAT } from "./elementwise.js";

/**
 * ln(1 + x), accurate for small |x| where log(1 + x) loses every digit of x below 1's ulp (a
 * primitive for that accuracy, as in every numerics library: softplus, log-likelihoods of small
 * probabilities). log1p(-1) = -Infinity, log1p(x < -1) = NaN. d log1p(x) = 1 / (1 + x).
 */
export const log1p: OpDef<NoAttrs, "log1p"> = defUnary({
  name: "log1p",
  dtypes: FLOAT,
  fn: Math.log1p,
  vjp: (n, g) => [div(g, add(1, n.inputs[0]!))],
});
