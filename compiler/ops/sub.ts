import type { NoAttrs, OpDef } from "../ir/op.js";
import { neg } from "../ir/build.js";
import { defBinary, NUMERIC } from "./elementwise.js";

export const sub: OpDef<NoAttrs, "sub"> = defBinary({
  name: "sub",
  traits: { cheap: true },
  dtypes: NUMERIC,
  fn: (a, b) => a - b,
  vjp: (_n, g) => [g, neg(g)],
});
