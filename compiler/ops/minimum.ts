import type { NoAttrs, OpDef } from "../ir/op.js";
import { compare, mul, select, sub } from "../ir/build.js";
import { defBinary, NUMERIC } from "./elementwise.js";

/** Ties split the cotangent in half between the operands, as for maximum. */
export const minimum: OpDef<NoAttrs, "minimum"> = defBinary({
  name: "minimum",
  traits: { commutative: true, cheap: true },
  dtypes: NUMERIC,
  fn: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  vjp: (n, g) => {
    const [a, b] = n.inputs as [typeof n, typeof n];
    const wa = select(compare(a, b, "lt"), 1, select(compare(a, b, "eq"), 0.5, 0));
    return [mul(g, wa), mul(g, sub(1, wa))];
  },
});
