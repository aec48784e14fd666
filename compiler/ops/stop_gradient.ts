import type { NoAttrs, OpDef } from "../ir/op.js";
import { defUnary, zeroGrad } from "./elementwise.js";

/**
 * Identity in value, zero in gradient: marks a value autodiff must treat as a constant (the
 * max subtracted inside logsumexp, the carried state of truncated BPTT).
 */
export const stopGradient: OpDef<NoAttrs, "stop_gradient"> = defUnary({
  name: "stop_gradient",
  traits: { cheap: true, view: true },
  dtypes: ["f32", "i32", "bool"],
  fn: (x) => x,
  vjp: zeroGrad,
});
