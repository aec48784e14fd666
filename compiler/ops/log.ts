import type { NoAttrs, OpDef } from "../ir/op.js";
import { div } from "../ir/build.js";
import { defUnary, FLOAT } from "./elementwise.js";

/** Natural logarithm; log(0) = -Infinity and log(x<0) = NaN, as in IEEE arithmetic. */
export const log: OpDef<NoAttrs, "log"> = defUnary({
  name: "log",
  dtypes: FLOAT,
  fn: Math.log,
  vjp: (n, g) => [div(g, n.inputs[0]!)],
});
