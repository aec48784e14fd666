import { OpError } from "../errors.js";
import { select as choose } from "../ir/build.js";
import { defineOp, type NoAttrs, type OpDef } from "../ir/op.js";
import { batchElementwise } from "./batching.js";
import { broadcastShapes } from "../ir/shape.js";
import { mapBroadcast } from "./elementwise.js";

/** `cond ? a : b` elementwise with broadcasting of all three operands. */
export const select: OpDef<NoAttrs, "select"> = defineOp({
  name: "select",
  arity: 3,
  traits: { elementwise: true, cheap: true },
  batch: batchElementwise,
  infer([c, a, b]) {
    if (c!.dtype !== "bool") {
      throw new OpError(`condition has dtype ${c!.dtype}; expected bool (use a comparison)`);
    }
    if (a!.dtype !== b!.dtype) throw new OpError(`dtype mismatch: ${a!.dtype} and ${b!.dtype}`);
    return { shape: broadcastShapes(c!.shape, a!.shape, b!.shape), dtype: a!.dtype };
  },
  evaluate: (inputs, _attrs, out) => mapBroadcast(inputs, out, (c, a, b) => (c ? a : b)),
  vjp: (n, g) => [null, choose(n.inputs[0]!, g, 0), choose(n.inputs[0]!, 0, g)],
});
