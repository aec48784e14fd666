import { OpError } from "../errors.js";
import { cast as convert } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { batchElementwise } from "./batching.js";
import { DTYPES, type DType } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

/**
 * Converts between dtypes: bool -> 0/1, f32 -> i32 truncates toward zero (NaN -> 0, saturating
 * at the i32 range, as i32.trunc_sat_f32_s), anything -> bool is `x != 0` (true for NaN, as in IEEE). A gradient flows only
 * from f32 to f32.
 */
export const cast: OpDef<{ dtype: DType }, "cast"> = defineOp({
  name: "cast",
  arity: 1,
  traits: { elementwise: true, cheap: true },
  batch: batchElementwise,
  infer([x], { dtype }) {
    if (!DTYPES.includes(dtype)) throw new OpError(`unknown dtype '${dtype}'`);
    return { shape: x!.shape, dtype };
  },
  evaluate([x], { dtype }, out) {
    const r = allocate(out.shape, out.dtype);
    for (let i = 0; i < r.data.length; i++) {
      const v = x!.data[i]!;
      if (dtype === "bool")
        r.data[i] = v !== 0 ? 1 : 0; // NaN != 0, as f32.ne
      else if (dtype === "i32")
        r.data[i] = Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v)));
      else r.data[i] = v;
    }
    return r;
  },
  vjp: (n, g) => [n.inputs[0]!.dtype === "f32" && n.dtype === "f32" ? convert(g, "f32") : null],
});
