import { defUnary, zeroGrad } from "./elementwise.js";

/**
 * Identity in value, zero in gradient: marks a value autodiff must treat as a constant (the
 * max subtracted inside logsumexp, the carried state of truncated BPTT).
 */
export const stopGradient = defUnary({
  name: "stop_gradient",
  dtypes: ["f32", "i32", "bool"],
  fn: (x) => x,
  vjp: zeroGrad,
});
