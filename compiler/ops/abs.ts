import type { NoAttrs, OpDef } from "../ir/op.js";
import { mul, sign } from "../ir/build.js";
import { defUnary, NUMERIC } from "./elementwise.js";

/** Gradient convention: abs'(0) = sign(0) = 0. */
export const abs: OpDef<NoAttrs, "abs"> = defUnary({
  name: "abs",
  traits: { cheap: true },
  dtypes: NUMERIC,
  fn: Math.abs,
  vjp: (n, g) => [mul(g, sign(n.inputs[0]!))],
});
