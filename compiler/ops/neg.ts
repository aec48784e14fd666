import { neg as negate } from "../ir/build.js";
import { defUnary, NUMERIC } from "./elementwise.js";

export const neg = defUnary({ name: "neg", dtypes: NUMERIC, fn: (x) => -x, vjp: (_n, g) => [negate(g)] });
