import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape, normalizeAxis } from "../ir/shape.js";
import { allocate, forEachIndex } from "../ir/ndarray.js";

/** i32 tensor whose element at index (i0, i1, ...) is i_axis (used to build one-hot masks). */
export const iota: OpDef<{ shape: number[]; axis: number }, "iota"> = defineOp({
  name: "iota",
  arity: 0,
  traits: {},
  infer(_inputs, { shape, axis }) {
    const s = checkShape(shape, "iota shape");
    normalizeAxis(axis, s.length);
    return { shape: s, dtype: "i32" };
  },
  evaluate(_inputs, { axis }, out) {
    const r = allocate(out.shape, out.dtype);
    const a = normalizeAxis(axis, out.shape.length);
    forEachIndex(out.shape, (flat, index) => (r.data[flat] = index[a]!));
    return r;
  },
  vjp: () => [],
});
