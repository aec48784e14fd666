import { OpError } from "../errors.js";
import { pad, slice as sliceOf } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { stridesOf } from "../ir/shape.js";
import { allocate, forEachIndex } from "../ir/ndarray.js";

export type SliceAttrs = { start: number[]; stop: number[]; step: number[] };

const count = (start: number, stop: number, step: number) => Math.max(0, Math.ceil((stop - start) / step));

/** Strided slice with non-negative, in-range bounds on every axis. Its VJP pads with zeros. */
export const slice: OpDef<SliceAttrs, "slice"> = defineOp({
  name: "slice",
  arity: 1,
  traits: { movement: true },
  batch: {
    apply: (n, [x], T) => {
      const { start, stop, step } = n.attrs as SliceAttrs;
      return sliceOf(x!.node, [0, ...start], [T, ...stop], [1, ...step]);
    },
  },
  infer([x], { start, stop, step }) {
    const rank = x!.shape.length;
    if (start.length !== rank || stop.length !== rank || step.length !== rank) {
      throw new OpError(`start, stop and step need one entry per axis (${rank})`);
    }
    const shape = x!.shape.map((d, i) => {
      const [a, b, s] = [start[i]!, stop[i]!, step[i]!];
      if (![a, b, s].every(Number.isInteger) || s < 1 || a < 0 || b < a || b > d) {
        throw new OpError(`axis ${i}: slice ${a}:${b}:${s} is not within 0..${d} with a positive step`);
      }
      return count(a, b, s);
    });
    return { shape, dtype: x!.dtype };
  },
  evaluate([x], { start, step }, out) {
    const r = allocate(out.shape, out.dtype);
    const strides = stridesOf(x!.shape);
    forEachIndex(out.shape, (flat, index) => {
      let src = 0;
      for (let i = 0; i < index.length; i++) src += (start[i]! + index[i]! * step[i]!) * strides[i]!;
      r.data[flat] = x!.data[src]!;
    });
    return r;
  },
  uniform: ([v]) => v,
  vjp: (n, g) => {
    const { start, step } = n.attrs as SliceAttrs;
    const dims = n.inputs[0]!.shape;
    const lo = n.shape.map((k, i) => (k === 0 ? dims[i]! : start[i]!));
    const hi = n.shape.map((k, i) => (k === 0 ? 0 : dims[i]! - (start[i]! + (k - 1) * step[i]! + 1)));
    return [
      pad(
        g,
        lo,
        hi,
        step.map((s) => s - 1),
      ),
    ];
  },
});
