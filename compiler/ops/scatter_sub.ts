import { OpError, WasmgradError } from "../errors.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { shapeToString, sizeOf } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

/**
 * scatter_sub(base, ids, updates, α) = base − α · scatter_add(ids, updates, rows(base)): a
 * compiler-internal op, made by the `sparse` pass from an SGD step on a table that is only read
 * through gather (passes/sparse.ts). Its value is exactly the dense expression's, but its kernel
 * touches only the rows in `ids` (plus a copy of `base` when the result is not written over it),
 * so a step costs O(ids · row) instead of O(rows · row). `α` is a scalar; with `drop`, ids
 * outside [0, rows) add nothing (as scatter_add's `drop`), otherwise they are an error.
 *
 * Bit for bit the dense form: each touched row sums its updates in ids order starting from 0 (as
 * scatter_add does), then takes base − sum · α in f32; an untouched row keeps base, which is what
 * base − 0 · α gives for every finite α.
 */
export type ScatterSubAttrs = { drop?: boolean };

export const scatterSub: OpDef<ScatterSubAttrs, "scatter_sub"> = defineOp({
  name: "scatter_sub",
  arity: 4,
  traits: {},
  infer([base, ids, updates, alpha]) {
    if (ids!.dtype !== "i32") throw new OpError(`ids have dtype ${ids!.dtype}; expected i32`);
    if (base!.dtype !== "f32" || updates!.dtype !== "f32" || alpha!.dtype !== "f32") {
      throw new OpError(`base, updates and α must be f32`);
    }
    if (base!.shape.length < 1) throw new OpError(`the base must have rank >= 1`);
    if (alpha!.shape.length !== 0)
      throw new OpError(`α must be a scalar, got ${shapeToString(alpha!.shape)}`);
    const expected = [...ids!.shape, ...base!.shape.slice(1)];
    if (shapeToString(updates!.shape) !== shapeToString(expected)) {
      throw new OpError(
        `updates ${shapeToString(updates!.shape)} must be ids ${shapeToString(ids!.shape)} ++ a row of the base ${shapeToString(base!.shape.slice(1))}`,
      );
    }
    return { shape: [...base!.shape], dtype: "f32" };
  },
  evaluate([base, ids, updates, alpha], { drop }, out) {
    const rows = base!.shape[0]!;
    const width = sizeOf(base!.shape.slice(1));
    const sums = allocate(out.shape, "f32");
    ids!.data.forEach((id, i) => {
      if (id < 0 || id >= rows) {
        if (drop) return;
        throw new WasmgradError(`id ${id} at position ${i} is outside the ${rows} rows`, {
          op: "scatter_sub",
        });
      }
      for (let j = 0; j < width; j++) {
        const k = id * width + j;
        sums.data[k] = sums.data[k]! + updates!.data[i * width + j]!;
      }
    });
    const r = allocate(out.shape, "f32");
    const a = alpha!.data[0]!;
    for (let k = 0; k < r.data.length; k++) r.data[k] = base!.data[k]! - sums.data[k]! * a;
    return r;
  },
});
