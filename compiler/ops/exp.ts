import type { NoAttrs, OpDef } from "../ir/op.js";
import { mul } from "../ir/build.js";
import { defUnary, FLOAT } from "./elementwise.js";

// d exp(x) = exp(x): the VJP reuses the node's own output
export const exp: OpDef<NoAttrs, "exp"> = defUnary({
  name: "exp",
  dtypes: FLOAT,
  fn: Math.exp,
  vjp: (n, g) => [mul(g, n)],
});
