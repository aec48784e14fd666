import { broadcastTo, reshape } from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { defineOp, type BatchRule, type OpDef } from "../ir/op.js";
import { normalizeAxes, normalizeAxis, reducedShape, sizeOf, type TensorType } from "../ir/shape.js";
import { allocate, forEachIndex, type NDArray } from "../ir/ndarray.js";
import { checkDType, NUMERIC } from "./elementwise.js";
import { sumOfCopies } from "./uniform.js";

export type ReduceAttrs = { axes: number[]; keepdims: boolean };

/** Shape rule shared by the reductions. */
export function inferReduce(x: { shape: readonly number[] }, { axes, keepdims }: ReduceAttrs) {
  return reducedShape(x.shape, normalizeAxes(axes, x.shape.length), keepdims);
}

/** Folds `x` over `axes` with `combine`, starting each output element at `init`. */
export function reduce(
  x: NDArray,
  attrs: ReduceAttrs,
  out: { shape: readonly number[]; dtype: NDArray["dtype"] },
  init: number,
  combine: (acc: number, v: number) => number,
): NDArray {
  const axes = normalizeAxes(attrs.axes, x.shape.length);
  const keptShape = reducedShape(x.shape, axes, true);
  const r = allocate(out.shape, out.dtype);
  r.data.fill(init);
  const keptStrides = keptShape.map((_, i) => keptShape.slice(i + 1).reduce((a, b) => a * b, 1));
  forEachIndex(x.shape, (flat, index) => {
    let o = 0;
    for (let i = 0; i < index.length; i++) if (!axes.includes(i)) o += index[i]! * keptStrides[i]!;
    r.data[o] = combine(r.data[o]!, x.data[flat]!);
  });
  return r;
}

/** How many operand elements each element of a reduction's result combines. */
export function reducedCount(x: TensorType, out: TensorType): number {
  const n = sizeOf(out.shape);
  return n === 0 ? 0 : sizeOf(x.shape) / n;
}

/** The cotangent of a reduction's output, reshaped so that it broadcasts against the input. */
export function keepdimsCotangent(node: Node, ct: Node): Node {
  const attrs = node.attrs as ReduceAttrs;
  const x = node.inputs[0]!;
  return reshape(ct, reducedShape(x.shape, normalizeAxes(attrs.axes, x.shape.length), true));
}

/** The reductions' batching rule: the same reduction, its axes shifted past the time axis. */
export const batchReduction: BatchRule = {
  apply: (n, [x]) => {
    const { axes, keepdims } = n.attrs as ReduceAttrs;
    const shifted = axes.map((a) => normalizeAxis(a, x!.node.shape.length - 1) + 1);
    return n.ctx.node(n.op, [x!.node], { axes: shifted, keepdims });
  },
};

export const reduceSum: OpDef<ReduceAttrs, "reduce_sum"> = defineOp({
  name: "reduce_sum",
  arity: 1,
  traits: { reduction: true, fusionHead: "prologue" },
  batch: batchReduction,
  infer([x], attrs) {
    checkDType(x!, NUMERIC);
    return { shape: inferReduce(x!, attrs), dtype: x!.dtype };
  },
  evaluate: ([x], attrs, out) =>
    reduce(x!, attrs, out, 0, out.dtype === "i32" ? (a, v) => (a + v) | 0 : (a, v) => a + v),
  // each result element adds its operand elements one by one, from 0, as evaluate does
  uniform: ([v], _attrs, [x], out) => sumOfCopies(v!, reducedCount(x!, out), out.dtype),
  vjp: (n, g) => [broadcastTo(keepdimsCotangent(n, g), n.inputs[0]!.shape)],
});
