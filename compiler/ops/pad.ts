import { OpError } from "../errors.js";
import { pad as padOf, slice } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { stridesOf } from "../ir/shape.js";
import { allocate, forEachIndex } from "../ir/ndarray.js";

export type PadAttrs = { lo: number[]; hi: number[]; interior: number[]; value: number };

/**
 * XLA-style padding with `value`: per axis, `lo` elements before, `hi` after and `interior`
 * between neighbours (all non-negative). The transpose of a strided slice; its VJP is one.
 */
export const pad: OpDef<PadAttrs, "pad"> = defineOp({
  name: "pad",
  arity: 1,
  traits: { movement: true },
  batch: {
    apply: (n, [x]) => {
      const { lo, hi, interior, value } = n.attrs as PadAttrs;
      return padOf(x!.node, [0, ...lo], [0, ...hi], [0, ...interior], value);
    },
  },
  infer([x], { lo, hi, interior }) {
    const rank = x!.shape.length;
    if (lo.length !== rank || hi.length !== rank || interior.length !== rank) {
      throw new OpError(`lo, hi and interior need one entry per axis (${rank})`);
    }
    const shape = x!.shape.map((d, i) => {
      const [l, h, k] = [lo[i]!, hi[i]!, interior[i]!];
      if (![l, h, k].every((v) => Number.isInteger(v) && v >= 0)) {
        throw new OpError(`axis ${i}: padding ${l}/${h}/${k} must be non-negative integers`);
      }
      return l + h + d + Math.max(0, d - 1) * k;
    });
    return { shape, dtype: x!.dtype };
  },
  evaluate([x], { lo, interior, value }, out) {
    const r = allocate(out.shape, out.dtype);
    r.data.fill(value);
    const outStrides = stridesOf(out.shape);
    forEachIndex(x!.shape, (flat, index) => {
      let dst = 0;
      for (let i = 0; i < index.length; i++)
        dst += (lo[i]! + index[i]! * (interior[i]! + 1)) * outStrides[i]!;
      r.data[dst] = x!.data[flat]!;
    });
    return r;
  },
  vjp: (n, g) => {
    const { lo, interior } = n.attrs as PadAttrs;
    const dims = n.inputs[0]!.shape;
    const stop = dims.map((d, i) => (d === 0 ? lo[i]! : lo[i]! + (d - 1) * (interior[i]! + 1) + 1));
    return [
      slice(
        g,
        lo,
        stop,
        interior.map((k) => k + 1),
      ),
    ];
  },
});
