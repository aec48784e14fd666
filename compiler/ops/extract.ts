/**
 * extract: a contiguous run of an operand's elements (row-major), seen with a new shape. The
 * results of a scan are packed into one buffer and read through extracts; a backend makes it a
 * view (no copy). Its VJP places the cotangent back at the same offset (a pad with zeros).
 *
 *   %9 = extract %8 { offset: 2048, shape: [16, 128] }   elements 2048 .. 2048+16·128 of %8
 */
import { OpError } from "../errors.js";
import { pad, reshape, slice } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape, shapeToString, sizeOf } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";

export type ExtractAttrs = { offset: number; shape: number[] };

export const extract: OpDef<ExtractAttrs, "extract"> = defineOp({
  name: "extract",
  arity: 1,
  traits: { movement: true, view: true },
  batch: {
    // a contiguous run of each step's elements: a column block of the [T, size] rows
    apply: (n, [x], T) => {
      const size = sizeOf(x!.node.shape.slice(1));
      const { offset } = n.attrs as ExtractAttrs;
      const rows = reshape(x!.node, [T, size]);
      return reshape(slice(rows, [0, offset], [T, offset + sizeOf(n.shape)]), [T, ...n.shape]);
    },
  },
  infer([x], { offset, shape }) {
    const s = checkShape(shape, "extract shape");
    const total = sizeOf(x!.shape);
    if (!Number.isInteger(offset) || offset < 0 || offset + sizeOf(s) > total) {
      throw new OpError(
        `elements ${offset} .. ${offset + sizeOf(s)} (shape ${shapeToString(s)}) are outside the operand's ${total}`,
      );
    }
    return { shape: s, dtype: x!.dtype };
  },
  evaluate([x], { offset }, out) {
    const r = allocate(out.shape, out.dtype);
    r.data.set(x!.data.subarray(offset, offset + r.data.length));
    return r;
  },
  uniform: ([v]) => v,
  vjp: (node, ct) => {
    const x = node.inputs[0]!;
    const n = sizeOf(node.shape);
    const offset = node.attrs.offset as number;
    const flat = pad(reshape(ct, [n]), [offset], [sizeOf(x.shape) - offset - n]);
    return [reshape(flat, x.shape)];
  },
});
