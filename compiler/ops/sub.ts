import { neg } from "../ir/build.js";
import { defBinary, NUMERIC } from "./elementwise.js";

export const sub = defBinary({
  name: "sub",
  dtypes: NUMERIC,
  fn: (a, b) => a - b,
  vjp: (_n, g) => [g, neg(g)],
});
