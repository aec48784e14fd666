import { OpError } from "../errors.js";
import type { CompareOp } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { batchElementwise } from "./batching.js";
import { broadcastShapes } from "../ir/shape.js";
import { mapBroadcast, zeroGrad } from "./elementwise.js";

const COMPARATORS: Record<CompareOp, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
};

/** Elementwise comparison producing a bool mask; piecewise constant, so no gradient. */
export const compare: OpDef<{ cmp: CompareOp }, "compare"> = defineOp({
  name: "compare",
  arity: 2,
  traits: { elementwise: true, cheap: true, commutative: ({ cmp }) => cmp === "eq" || cmp === "ne" },
  batch: batchElementwise,
  infer([a, b], { cmp }) {
    if (!(cmp in COMPARATORS)) throw new OpError(`unknown comparison '${cmp}'`);
    if (a!.dtype !== b!.dtype) throw new OpError(`dtype mismatch: ${a!.dtype} and ${b!.dtype}`);
    return { shape: broadcastShapes(a!.shape, b!.shape), dtype: "bool" };
  },
  evaluate(inputs, { cmp }, out) {
    const test = COMPARATORS[cmp];
    return mapBroadcast(inputs, out, (a, b) => (test(a, b) ? 1 : 0));
  },
  vjp: zeroGrad,
});
