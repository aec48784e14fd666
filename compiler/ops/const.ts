import { OpError } from "../errors.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape, DTYPES, sizeOf, type DType } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

type ConstAttrs =
  { value: number; shape: number[]; dtype: DType } | { values: number[]; shape: number[]; dtype: DType };

/** A constant tensor: either filled with one `value` or holding row-major `values`. */
export const constant: OpDef<ConstAttrs, "const"> = defineOp({
  name: "const",
  arity: 0,
  traits: { data: true, foldable: false },
  infer(_inputs, attrs) {
    const shape = checkShape(attrs.shape, "constant shape");
    if (!DTYPES.includes(attrs.dtype)) throw new OpError(`unknown dtype '${attrs.dtype}'`);
    const values = "values" in attrs ? attrs.values : [attrs.value];
    if ("values" in attrs && values.length !== sizeOf(shape)) {
      throw new OpError(`${values.length} values do not fill shape [${shape.join(",")}]`);
    }
    if (attrs.dtype !== "f32" && !values.every(Number.isInteger)) {
      throw new OpError(`a ${attrs.dtype} constant needs integer values`);
    }
    return { shape, dtype: attrs.dtype };
  },
  evaluate(_inputs, attrs, out) {
    const r = allocate(out.shape, out.dtype);
    if ("values" in attrs) r.data.set(attrs.values);
    else r.data.fill(attrs.value);
    return r;
  },
  vjp: () => [],
});
