import { OpError } from "../errors.js";
import { mul, pow as power } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { batchElementwise } from "./batching.js";
import { allocate } from "../ir/ndarray.js";
import { checkDType, FLOAT } from "./elementwise.js";

/** x ** c for a constant exponent c. d x^c = c · x^(c−1) (with x^0 = 1, so pow(x, 1)' = 1). */
export const pow: OpDef<{ exponent: number }, "pow"> = defineOp({
  name: "pow",
  arity: 1,
  traits: { elementwise: true },
  batch: batchElementwise,
  infer([x], { exponent }) {
    checkDType(x!, FLOAT);
    if (!Number.isFinite(exponent)) throw new OpError(`exponent must be finite, got ${exponent}`);
    return x!;
  },
  evaluate([x], { exponent }, out) {
    const r = allocate(out.shape, out.dtype);
    for (let i = 0; i < r.data.length; i++) r.data[i] = Math.pow(x!.data[i]!, exponent);
    return r;
  },
  vjp: (n, g) => {
    const c = n.attrs.exponent as number;
    if (c === 0) return [null];
    const x = n.inputs[0]!;
    return [mul(g, c === 1 ? 1 : c === 2 ? mul(x, 2) : mul(power(x, c - 1), c))];
  },
});
