import { defUnary, NUMERIC, zeroGrad } from "./elementwise.js";

/** -1, 0 or 1 (NaN stays NaN). Piecewise constant: zero gradient everywhere. */
export const sign = defUnary({ name: "sign", dtypes: NUMERIC, fn: Math.sign, vjp: zeroGrad });
