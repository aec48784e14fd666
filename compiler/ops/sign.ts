import type { NoAttrs, OpDef } from "../ir/op.js";
import { defUnary, NUMERIC, zeroGrad } from "./elementwise.js";

/** -1, 0 or 1 (NaN stays NaN). Piecewise constant: zero gradient everywhere. */
export const sign: OpDef<NoAttrs, "sign"> = defUnary({
  name: "sign",
  traits: { cheap: true },
  dtypes: NUMERIC,
  fn: Math.sign,
  vjp: zeroGrad,
});
