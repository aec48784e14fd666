import { OpError, WasmgradError } from "../errors.js";
import { gather as lookup, scatterAdd } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { sizeOf } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

/**
 * Embedding lookup: out[i..., j...] = table[ids[i...], j...]. An id outside [0, rows) is an error
 * in the interpreter (compiled code traps; see pipeline/ids.ts), unless `fill` is set: then it reads
 * a row of zeros (what a product with its one-hot row gives; the `onehot-matmul-gather` rule makes
 * such gathers). Its VJP is scatter_add (with `drop` for `fill`), the op TensorFlow.js's wasm
 * backend lacks.
 */
export type GatherAttrs = { fill?: boolean };

export const gather: OpDef<GatherAttrs, "gather"> = defineOp({
  name: "gather",
  arity: 2,
  traits: {},
  // ids of every step look up rows of one table; a table that changes per step stays in the loop
  batch: {
    when: ([table]) => !table,
    apply: (n, [table, ids]) => lookup(table!.node, ids!.node, !!(n.attrs as GatherAttrs).fill),
  },
  infer([table, ids]) {
    if (ids!.dtype !== "i32") throw new OpError(`ids have dtype ${ids!.dtype}; expected i32`);
    if (table!.shape.length < 1) throw new OpError(`the table must have rank >= 1`);
    return { shape: [...ids!.shape, ...table!.shape.slice(1)], dtype: table!.dtype };
  },
  evaluate([table, ids], { fill }, out) {
    const r = allocate(out.shape, out.dtype);
    const rows = table!.shape[0]!;
    const width = sizeOf(table!.shape.slice(1));
    ids!.data.forEach((id, i) => {
      if (id < 0 || id >= rows) {
        if (fill) return; // a row of zeros
        throw new WasmgradError(`id ${id} at position ${i} is outside the table's ${rows} rows`, {
          op: "gather",
        });
      }
      for (let j = 0; j < width; j++) r.data[i * width + j] = table!.data[id * width + j]!;
    });
    return r;
  },
  vjp: (n, g) => [scatterAdd(n.inputs[1]!, g, n.inputs[0]!.shape[0]!, !!(n.attrs as GatherAttrs).fill), null],
});
