import { OpError } from "../errors.js";
import { broadcastTo } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { aligned } from "./batching.js";
import { broadcastShapes, checkShape, sameShape, shapeToString } from "../ir/shape.js";
import { mapBroadcast } from "./elementwise.js";

/**
 * Broadcasts to `shape` by NumPy rules. Its VJP is the identity: the autodiff driver sums every
 * cotangent back to its operand's shape, which is exactly the transpose of broadcasting.
 */
export const broadcast: OpDef<{ shape: number[] }, "broadcast"> = defineOp({
  name: "broadcast",
  arity: 1,
  // read element by element through broadcast strides, so it fuses like an elementwise op
  traits: { movement: true, elementwise: true, cheap: true },
  batch: { apply: (n, [x], T) => broadcastTo(aligned(x!.node, n.shape.length), [T, ...n.shape]) },
  infer([x], { shape }) {
    const s = checkShape(shape, "target shape");
    let ok = x!.shape.length <= s.length;
    try {
      ok &&= sameShape(broadcastShapes(x!.shape, s), s);
    } catch {
      ok = false;
    }
    if (!ok) throw new OpError(`cannot broadcast ${shapeToString(x!.shape)} to ${shapeToString(s)}`);
    return { shape: s, dtype: x!.dtype };
  },
  evaluate: (inputs, _attrs, out) => mapBroadcast(inputs, out, (v) => v),
  vjp: (_n, g) => [g],
});
