import { OpError, WasmgradError } from "../errors.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { shapeToString, sizeOf } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

/**
 * scatter_sub(base, ids, updates, α[, scale]) = base − α · scatter_add(ids, u, rows(base)), where
 * u = updates, or with `scale` (one value per id) u[i, ...] = scale[i] · updates[i, ...]. A
 * compiler-internal op, made by the `sparse` pass from an SGD step on a table read only through
 * gather (passes/sparse.ts). Its value is the dense expression's, bit for bit, but its kernel
 * touches only the rows in `ids` (plus a copy of `base` when the result is not written over it),
 * so a step costs O(ids · row) instead of O(rows · row). `α` is a scalar; with `drop`, ids
 * outside [0, rows) add nothing (as scatter_add's `drop`), otherwise they are an error.
 *
 * Bit for bit the dense form: each u[i] is rounded as the dense product scale[i] · updates[i];
 * each touched row sums its u in ids order starting from 0 (as scatter_add does), then takes
 * base − sum · α in f32; an untouched row keeps base, which is what base − 0 · α gives for every
 * finite α.
 */
export type ScatterSubAttrs = { drop?: boolean };

export const scatterSub: OpDef<ScatterSubAttrs, "scatter_sub"> = defineOp({
  name: "scatter_sub",
  arity: "variadic",
  traits: {},
  infer(inputs) {
    if (inputs.length !== 4 && inputs.length !== 5) {
      throw new OpError(`takes base, ids, updates, α and an optional scale; got ${inputs.length} operands`);
    }
    const [base, ids, updates, alpha, scale] = inputs;
    if (ids!.dtype !== "i32") throw new OpError(`ids have dtype ${ids!.dtype}; expected i32`);
    if ([base, updates, alpha, scale].some((t) => t !== undefined && t.dtype !== "f32")) {
      throw new OpError(`base, updates, α and scale must be f32`);
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
    if (scale && shapeToString(scale.shape) !== shapeToString(ids!.shape)) {
      throw new OpError(
        `the scale ${shapeToString(scale.shape)} must have the ids' shape ${shapeToString(ids!.shape)}`,
      );
    }
    return { shape: [...base!.shape], dtype: "f32" };
  },
  evaluate([base, ids, updates, alpha, scale], { drop }, out) {
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
      const s = scale ? scale.data[i]! : 1;
      for (let j = 0; j < width; j++) {
        const k = id * width + j;
        sums.data[k] = sums.data[k]! + s * updates!.data[i * width + j]!;
      }
    });
    const r = allocate(out.shape, "f32");
    const a = alpha!.data[0]!;
    for (let k = 0; k < r.data.length; k++) r.data[k] = base!.data[k]! - sums.data[k]! * a;
    return r;
  },
});
