import { OpError, WasmgradError } from "../errors.js";
import { gather } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { shapeToString, sizeOf } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

/**
 * out[r, j...] = Σ over positions i with ids[i] = r of updates[i, j...]: the transpose of gather
 * (repeated ids accumulate, which is what a shared embedding's gradient needs). An id outside
 * [0, rows) is an error in the interpreter (compiled code traps), unless `drop` is set: then its
 * update is dropped (the transpose of gather's `fill`). VJP: gather (with `fill` for `drop`).
 */
export type ScatterAddAttrs = { rows: number; drop?: boolean };

export const scatterAdd: OpDef<ScatterAddAttrs, "scatter_add"> = defineOp({
  name: "scatter_add",
  arity: 2,
  traits: {},
  infer([ids, updates], { rows }) {
    if (ids!.dtype !== "i32") throw new OpError(`ids have dtype ${ids!.dtype}; expected i32`);
    if (!Number.isInteger(rows) || rows < 0) throw new OpError(`rows must be a non-negative integer`);
    const lead = updates!.shape.slice(0, ids!.shape.length);
    if (shapeToString(lead) !== shapeToString(ids!.shape)) {
      throw new OpError(
        `updates ${shapeToString(updates!.shape)} must start with the ids' shape ${shapeToString(ids!.shape)}`,
      );
    }
    return { shape: [rows, ...updates!.shape.slice(ids!.shape.length)], dtype: updates!.dtype };
  },
  evaluate([ids, updates], { rows, drop }, out) {
    const r = allocate(out.shape, out.dtype);
    const width = sizeOf(out.shape.slice(1));
    ids!.data.forEach((id, i) => {
      if (id < 0 || id >= rows) {
        if (drop) return;
        throw new WasmgradError(`id ${id} at position ${i} is outside the ${rows} rows`, {
          op: "scatter_add",
        });
      }
      for (let j = 0; j < width; j++) {
        const k = id * width + j;
        r.data[k] = r.data[k]! + updates!.data[i * width + j]!;
      }
    });
    return r;
  },
  vjp: (n, g) => [null, gather(g, n.inputs[0]!, !!(n.attrs as ScatterAddAttrs).drop)],
});
