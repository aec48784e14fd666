import type { NoAttrs, OpDef } from "../ir/op.js";
import { mul as times } from "../ir/build.js";
import { defBinary, NUMERIC } from "./elementwise.js";

export const mul: OpDef<NoAttrs, "mul"> = defBinary({
  name: "mul",
  traits: { commutative: true, cheap: true },
  dtypes: NUMERIC,
  fn: (a, b) => a * b,
  // wrapping 32-bit product, as i32.mul (a * b in float64 loses the low bits beyond 2^53)
  intFn: Math.imul,
  vjp: (n, g) => [times(g, n.inputs[1]!), times(g, n.inputs[0]!)],
});
