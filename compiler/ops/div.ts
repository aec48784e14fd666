import type { NoAttrs, OpDef } from "../ir/op.js";
import { div as divide, mul, neg } from "../ir/build.js";
import { defBinary, FLOAT } from "./elementwise.js";

// d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2 = -(a/b)/b, reusing the output y = a/b
export const div: OpDef<NoAttrs, "div"> = defBinary({
  name: "div",
  dtypes: FLOAT,
  fn: (a, b) => a / b,
  vjp: (n, g) => [divide(g, n.inputs[1]!), neg(divide(mul(g, n), n.inputs[1]!))],
});
