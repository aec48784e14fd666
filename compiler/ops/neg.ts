import type { NoAttrs, OpDef } from "../ir/op.js";
import { neg as negate } from "../ir/build.js";
import { defUnary, NUMERIC } from "./elementwise.js";

export const neg: OpDef<NoAttrs, "neg"> = defUnary({
  name: "neg",
  traits: { cheap: true },
  dtypes: NUMERIC,
  fn: (x) => -x,
  vjp: (_n, g) => [negate(g)],
});
