import { OpError } from "../errors.js";
import { reshape as reshapeTo } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape, shapeToString, sizeOf } from "../ir/shape.js";

/** Same elements in row-major order, new shape. */
export const reshape: OpDef<{ shape: number[] }, "reshape"> = defineOp({
  name: "reshape",
  arity: 1,
  traits: { movement: true, view: true },
  batch: { apply: (n, [x], T) => reshapeTo(x!.node, [T, ...n.shape]) },
  infer([x], { shape }) {
    const s = checkShape(shape, "target shape");
    if (sizeOf(s) !== sizeOf(x!.shape)) {
      throw new OpError(
        `cannot reshape ${shapeToString(x!.shape)} (${sizeOf(x!.shape)} elements) to ${shapeToString(s)} (${sizeOf(s)} elements)`,
      );
    }
    return { shape: s, dtype: x!.dtype };
  },
  evaluate: ([x], _attrs, out) => ({ shape: out.shape, dtype: out.dtype, data: x!.data.slice() }),
  vjp: (n, g) => [reshapeTo(g, n.inputs[0]!.shape)],
});
