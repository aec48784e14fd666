import type { NoAttrs, OpDef } from "../ir/op.js";
import { defBinary, NUMERIC } from "./elementwise.js";

export const add: OpDef<NoAttrs, "add"> = defBinary({
  name: "add",
  traits: { commutative: true, cheap: true },
  dtypes: NUMERIC,
  fn: (a, b) => a + b,
  vjp: (_n, g) => [g, g],
});
