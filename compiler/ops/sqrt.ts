import type { NoAttrs, OpDef } from "../ir/op.js";
import { div, mul } from "../ir/build.js";
import { defUnary, FLOAT } from "./elementwise.js";

// d sqrt(x) = 1 / (2 sqrt(x)), reusing the output
export const sqrt: OpDef<NoAttrs, "sqrt"> = defUnary({
  name: "sqrt",
  dtypes: FLOAT,
  fn: Math.sqrt,
  vjp: (n, g) => [div(mul(g, 0.5), n)],
});
