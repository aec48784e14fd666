import { mul, sign } from "../ir/build.js";
import { defUnary, NUMERIC } from "./elementwise.js";

/** Gradient convention: abs'(0) = sign(0) = 0. */
export const abs = defUnary({
  name: "abs",
  dtypes: NUMERIC,
  fn: Math.abs,
  vjp: (n, g) => [mul(g, sign(n.inputs[0]!))],
});
