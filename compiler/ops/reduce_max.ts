import { OpError } from "../errors.js";
import { cast, compare, div, mul, sum } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { normalizeAxes, sizeOf } from "../ir/shape.js";
import { checkDType, NUMERIC } from "./elementwise.js";
import {
  batchReduction,
  inferReduce,
  keepdimsCotangent,
  reduce,
  reducedCount,
  type ReduceAttrs,
} from "./reduce_sum.js";

/**
 * Maximum over axes. Gradient convention at ties: the cotangent is split equally among all
 * elements equal to the maximum (as JAX does), so the gradient's sum is preserved and no element
 * is preferred by its position. NaN propagates.
 */
export const reduceMax: OpDef<ReduceAttrs, "reduce_max"> = defineOp({
  name: "reduce_max",
  arity: 1,
  traits: { reduction: true, fusionHead: "prologue" },
  batch: batchReduction,
  infer([x], attrs) {
    checkDType(x!, NUMERIC);
    const axes = normalizeAxes(attrs.axes, x!.shape.length);
    if (axes.some((a) => x!.shape[a] === 0) || (axes.length === 0 && sizeOf(x!.shape) === 0)) {
      throw new OpError(`max over an empty axis has no value`);
    }
    return { shape: inferReduce(x!, attrs), dtype: x!.dtype };
  },
  evaluate: ([x], attrs, out) =>
    reduce(x!, attrs, out, out.dtype === "i32" ? -(2 ** 31) : -Infinity, (a, v) =>
      Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v),
    ),
  // max(init, v, ..., v) is v: init is below every value (-∞, or the least i32), and NaN is NaN
  uniform: ([v], _attrs, [x], out) => (reducedCount(x!, out) > 0 ? v : undefined),
  vjp: (n, g) => {
    const x = n.inputs[0]!;
    const attrs = n.attrs as ReduceAttrs;
    const mask = cast(compare(x, keepdimsCotangent(n, n), "eq"), "f32");
    const count = sum(mask, attrs.axes, true);
    return [mul(mask, div(keepdimsCotangent(n, g), count))];
  },
});
