/**
 * arg: a placeholder leaf standing for one argument of a loop body (a scan's carry, the current
 * slice of a sequence, or a loop-invariant value). Arguments exist only while a body is traced or
 * instantiated (compiler/ops/scan-body.ts); a graph that runs never contains one. `scope` tells apart
 * the arguments of different bodies, which would otherwise be interned to one node.
 */
import { OpError } from "../errors.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape, DTYPES, type DType } from "../ir/shape.js";

export type ArgAttrs = { scope: number; index: number; shape: number[]; dtype: DType };

export const arg: OpDef<ArgAttrs, "arg"> = defineOp({
  name: "arg",
  arity: 0,
  traits: { leaf: true },
  infer(_inputs, { index, shape, dtype }) {
    if (!Number.isInteger(index) || index < 0) throw new OpError(`argument index ${index} is not valid`);
    if (!DTYPES.includes(dtype)) throw new OpError(`unknown dtype '${dtype}'`);
    return { shape: checkShape(shape, "argument shape"), dtype };
  },
  evaluate() {
    throw new Error("internal: a loop-body argument is bound by its loop, not evaluated");
  },
  vjp: () => [],
});
