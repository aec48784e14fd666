/**
 * softmax_xent and softmax_xent_grad: softmax cross-entropy over the last axis and its gradient,
 * promoted from a composite to primitives for speed (ARCHITECTURE.md: "promote a composite only
 * for numerical stability or speed"). As a composite (max, exp, sum, log, one-hot, pick, mean, and
 * the same again for the gradient) a training step ran it as six kernels; as a pair of primitives
 * the `fuse` pass puts both into one kernel that makes one pass over each row of logits for the
 * max, the exp-sum and the loss, and a second for softmax − onehot (TensorFlow's
 * SoftmaxCrossEntropyWithLogits computes its loss and backprop outputs together the same way).
 *
 *   %7 = softmax_xent %5, %6        logits f32[..., C], labels i32[...]  ->  f32[...]
 *          loss[r] = logsumexp(logits[r, :]) − logits[r, labels[r]]
 *   %9 = softmax_xent_grad %5, %6   ->  f32[..., C]
 *          grad[r, j] = softmax(logits[r, :])[j] − (j == labels[r])
 *
 A label equal to the attribute `ignore` (PyTorch's ignore_index; nn.softmaxCrossEntropy's
 * `ignoreIndex`, which must lie outside [0, C)) marks a row to ignore: its loss and its gradient
 * are 0. This is exactly what the composite −Σ_j log_softmax(z)_j · onehot(y)_j gives, whose
 * one-hot row is all zeros then, so the two definitions agree. Any other label outside [0, C) is
 * an error: the interpreter raises, compiled code traps (wasm/emit/softmax-xent.ts) and the
 * runtime rejects such a label in an input before the call (pipeline/ids.ts).
 *
 * VJPs: d loss[r] / d logits[r, :] = grad[r, :], so softmax_xent's is g[..., None] · grad. The
 * gradient's own VJP (for second derivatives, such as Hessian-vector products) is
 * q ⊙ (h − Σ_j h_j q_j) with q = grad + onehot (the softmax on valid rows, 0 on ignored ones).
 * Labels get no gradient.
 */
import { OpError } from "../errors.js";
import { add, mul, oneHot, reshape, softmaxXentGrad as gradNode, sub, sum } from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { WasmgradError } from "../errors.js";
import { batchRowwise } from "./batching.js";
import { sameShape, shapeToString, sizeOf, type TensorType } from "../ir/shape.js";
import { allocate, type NDArray } from "../ir/ndarray.js";

/** `ignore`: the label that marks a row to ignore (absent: every label must be a class). */
export type SoftmaxXentAttrs = { ignore?: number };

function checkOperands(logits: TensorType, labels: TensorType, { ignore }: SoftmaxXentAttrs): number {
  if (logits.dtype !== "f32") throw new OpError(`logits must be f32, got ${logits.dtype}`);
  if (labels.dtype !== "i32") throw new OpError(`labels must be i32 class ids, got ${labels.dtype}`);
  if (logits.shape.length === 0) throw new OpError("logits need a class axis (rank ≥ 1)");
  const classes = logits.shape[logits.shape.length - 1]!;
  if (classes === 0) throw new OpError("logits have no classes (last axis of size 0)");
  if (ignore !== undefined && (!Number.isInteger(ignore) || (ignore >= 0 && ignore < classes))) {
    throw new OpError(`ignore ${ignore} must be an integer outside the classes [0, ${classes})`);
  }
  const rows = logits.shape.slice(0, -1);
  if (!sameShape(rows, labels.shape)) {
    throw new OpError(
      `logits ${shapeToString(logits.shape)} need labels of shape ${shapeToString(rows)}, got ${shapeToString(labels.shape)}`,
    );
  }
  return classes;
}

/** Per row of `logits`: the max, log Σ exp(z − max) and the label (valid: not ignored). */
function rowStats(logits: NDArray, labels: NDArray, r: number, C: number, op: string, ignore?: number) {
  const z = logits.data.subarray(r * C, (r + 1) * C);
  let m = -Infinity;
  for (const v of z) m = Number.isNaN(m) || Number.isNaN(v) ? NaN : Math.max(m, v);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const y = labels.data[r]!;
  const valid = y >= 0 && y < C;
  if (!valid && y !== ignore) {
    const allowed = ignore === undefined ? "" : ` or the ignored label ${ignore}`;
    throw new WasmgradError(`label ${y} at row ${r} is outside the ${C} classes [0, ${C})${allowed}`, { op });
  }
  return { z, m, logSum: Math.log(s), valid, y };
}

export const softmaxXent: OpDef<SoftmaxXentAttrs, "softmax_xent"> = defineOp({
  name: "softmax_xent",
  arity: 2,
  traits: { companionOf: "softmax_xent_grad" },
  // row-wise: T steps of rows are T times the rows
  batch: batchRowwise,
  infer([logits, labels], attrs) {
    checkOperands(logits!, labels!, attrs);
    return { shape: labels!.shape, dtype: "f32" };
  },
  evaluate([logits, labels], { ignore }, out) {
    const C = logits!.shape[logits!.shape.length - 1]!;
    const r = allocate(out.shape, "f32");
    for (let row = 0; row < r.data.length; row++) {
      const { z, m, logSum, valid, y } = rowStats(logits!, labels!, row, C, "softmax_xent", ignore);
      r.data[row] = valid ? m + logSum - z[y]! : 0;
    }
    return r;
  },
  vjp: (n, g) => {
    const [logits, labels] = n.inputs as [Node, Node];
    return [mul(reshape(g, [...g.shape, 1]), gradNode(logits, labels, n.attrs as SoftmaxXentAttrs)), null];
  },
});

export const softmaxXentGrad: OpDef<SoftmaxXentAttrs, "softmax_xent_grad"> = defineOp({
  name: "softmax_xent_grad",
  arity: 2,
  traits: { fusionHead: "operands" },
  batch: batchRowwise,
  infer([logits, labels], attrs) {
    checkOperands(logits!, labels!, attrs);
    return { shape: logits!.shape, dtype: "f32" };
  },
  evaluate([logits, labels], { ignore }, out) {
    const C = logits!.shape[logits!.shape.length - 1]!;
    const r = allocate(out.shape, "f32");
    const rows = sizeOf(out.shape) / C;
    for (let row = 0; row < rows; row++) {
      const { z, m, logSum, valid, y } = rowStats(logits!, labels!, row, C, "softmax_xent_grad", ignore);
      if (!valid) continue; // an ignored row: zeros
      for (let j = 0; j < C; j++) r.data[row * C + j] = Math.exp(z[j]! - m - logSum) - (j === y ? 1 : 0);
    }
    return r;
  },
  vjp: (n, h) => {
    const [logits, labels] = n.inputs as [Node, Node];
    const C = logits.shape[logits.shape.length - 1]!;
    // q: the softmax on valid rows, zeros on ignored ones
    const q = add(n, oneHot(labels, C));
    const last = logits.shape.length - 1;
    return [mul(q, sub(h, sum(mul(h, q), [last], true))), null];
  },
});
