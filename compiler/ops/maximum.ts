import type { NoAttrs, OpDef } from "../ir/op.js";
import { compare, mul, select, sub } from "../ir/build.js";
import { defBinary, NUMERIC } from "./elementwise.js";

/**
 * Gradient convention at ties (a == b): each operand receives half of the cotangent, as in JAX,
 * so the gradient is symmetric and its sum is preserved. relu and hinge losses are defined with
 * select instead and follow the seeds' convention (derivative 0 at the kink).
 */
export const maximum: OpDef<NoAttrs, "maximum"> = defBinary({
  name: "maximum",
  traits: { commutative: true, cheap: true },
  dtypes: NUMERIC,
  fn: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  vjp: (n, g) => {
    const [a, b] = n.inputs as [typeof n, typeof n];
    const wa = select(compare(a, b, "gt"), 1, select(compare(a, b, "eq"), 0.5, 0));
    return [mul(g, wa), mul(g, sub(1, wa))];
  },
});
