import { OpError } from "../errors.js";
import { concat as join, slice } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { stackedOf } from "./batching.js";
import { normalizeAxis, shapeToString, stridesOf } from "../ir/shape.js";
import { allocate, forEachIndex } from "../ir/ndarray.js";

/** Joins tensors along an existing axis; all other dims must agree. VJP: one slice per operand. */
export const concat: OpDef<{ axis: number }, "concat"> = defineOp({
  name: "concat",
  arity: "variadic",
  traits: { movement: true },
  batch: {
    apply: (n, operands, T) =>
      join(
        operands.map((o) => stackedOf(o, T)),
        normalizeAxis(n.attrs.axis as number, n.shape.length) + 1,
      ),
  },
  infer(xs, { axis }) {
    if (xs.length === 0) throw new OpError(`needs at least one tensor`);
    const first = xs[0]!;
    const a = normalizeAxis(axis, first.shape.length);
    let total = 0;
    for (const [k, x] of xs.entries()) {
      const ok =
        x.shape.length === first.shape.length && x.shape.every((d, i) => i === a || d === first.shape[i]);
      if (!ok) {
        throw new OpError(
          `operand ${k} has shape ${shapeToString(x.shape)}, which differs from ${shapeToString(first.shape)} outside axis ${a}`,
        );
      }
      if (x.dtype !== first.dtype) throw new OpError(`operand ${k} has dtype ${x.dtype}, not ${first.dtype}`);
      total += x.shape[a]!;
    }
    return { shape: first.shape.map((d, i) => (i === a ? total : d)), dtype: first.dtype };
  },
  evaluate(xs, { axis }, out) {
    const r = allocate(out.shape, out.dtype);
    const a = normalizeAxis(axis, out.shape.length);
    const outStrides = stridesOf(out.shape);
    let offset = 0;
    for (const x of xs) {
      forEachIndex(x.shape, (flat, index) => {
        let dst = 0;
        for (let i = 0; i < index.length; i++) dst += (index[i]! + (i === a ? offset : 0)) * outStrides[i]!;
        r.data[dst] = x.data[flat]!;
      });
      offset += x.shape[a]!;
    }
    return r;
  },
  vjp: (n, g) => {
    const a = normalizeAxis(n.attrs.axis as number, n.shape.length);
    let offset = 0;
    return n.inputs.map((x) => {
      const start = n.shape.map((_, i) => (i === a ? offset : 0));
      const stop = n.shape.map((d, i) => (i === a ? offset + x.shape[a]! : d));
      offset += x.shape[a]!;
      return slice(g, start, stop);
    });
  },
});
