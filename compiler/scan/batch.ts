/**
 * Batching over the time axis (JAX's vmap, for one leading axis): given a node computed once per
 * step of a loop and, for each operand, either its values for all T steps stacked as [T, ...] or
 * the loop-invariant operand itself, builds one node computing all T steps at once. Used to hoist
 * work out of a scan (compiler/passes/hoist.ts).
 *
 *   per step:  %5 = matmul x_t[16,64], Wx[64,128]
 *   batched:   %9 = reshape(matmul(reshape(X[32,16,64], [512,64]), Wx), [32,16,128])
 *
 * Returns undefined for ops it does not batch (scatter_add, a nested scan); such a node stays in
 * the loop.
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { normalizeAxis } from "../ir/shape.js";
import { FUSIBLE_OPS } from "../ops/fusion.js";

/** An operand of a per-step node: its stacked values [T, ...] or the loop-invariant node. */
export interface BatchOperand {
  readonly node: Node;
  readonly stacked: boolean;
}

/** A stacked operand with its per-step rank raised to `rank` by unit axes after the time axis. */
function aligned(x: Node, rank: number): Node {
  const step = x.shape.slice(1);
  if (step.length >= rank) return x;
  return b.reshape(x, [x.shape[0]!, ...new Array<number>(rank - step.length).fill(1), ...step]);
}

/** A loop-invariant operand repeated for every step (for ops that cannot broadcast it). */
function repeated(x: Node, T: number): Node {
  return b.broadcastTo(b.reshape(x, [1, ...x.shape]), [T, ...x.shape]);
}

const stackedOf = (o: BatchOperand, T: number): Node => (o.stacked ? o.node : repeated(o.node, T));

const MOVEMENT = new Set([
  "broadcast",
  "reshape",
  "transpose",
  "reduce_sum",
  "reduce_max",
  "slice",
  "pad",
  "concat",
  "extract",
  "matmul",
  // row-wise: T steps of rows are T times the rows
  "softmax_xent",
  "softmax_xent_grad",
]);

/** Whether `batchNode` batches `op` when the operands flagged true are stacked. */
export function canBatch(op: string, stacked: readonly boolean[]): boolean {
  if (op === "gather") return !stacked[0];
  return MOVEMENT.has(op) || FUSIBLE_OPS.has(op);
}

/** `n` (one step's node) computed for all T steps, or undefined. */
export function batchNode(n: Node, operands: readonly BatchOperand[], T: number): Node | undefined {
  if (!operands.some((o) => o.stacked))
    return n.ctx.node(
      n.op,
      operands.map((o) => o.node),
      n.attrs,
    );
  const rank = n.shape.length;
  const x = operands[0]!;
  const shift = (axes: readonly number[], r: number) => axes.map((a) => normalizeAxis(a, r) + 1);
  switch (n.op) {
    case "broadcast":
      return b.broadcastTo(aligned(x.node, rank), [T, ...n.shape]);
    case "reshape":
      return b.reshape(x.node, [T, ...n.shape]);
    case "transpose":
      return b.transpose(x.node, [0, ...(n.attrs.perm as number[]).map((p) => p + 1)]);
    case "reduce_sum":
    case "reduce_max": {
      const axes = shift(n.attrs.axes as number[], x.node.shape.length - 1);
      return n.ctx.node(n.op, [x.node], { axes, keepdims: n.attrs.keepdims as boolean });
    }
    case "slice": {
      const { start, stop, step } = n.attrs as { start: number[]; stop: number[]; step: number[] };
      return b.slice(x.node, [0, ...start], [T, ...stop], [1, ...step]);
    }
    case "pad": {
      const { lo, hi, interior, value } = n.attrs as {
        lo: number[];
        hi: number[];
        interior: number[];
        value: number;
      };
      return b.pad(x.node, [0, ...lo], [0, ...hi], [0, ...interior], value);
    }
    case "concat":
      return b.concat(
        operands.map((o) => stackedOf(o, T)),
        normalizeAxis(n.attrs.axis as number, rank) + 1,
      );
    case "extract": {
      // a contiguous run of each step's elements: a column block of the [T, size] rows
      const size = x.node.shape.slice(1).reduce((p, d) => p * d, 1);
      const offset = n.attrs.offset as number;
      const count = n.shape.reduce((p, d) => p * d, 1);
      const rows = b.reshape(x.node, [T, size]);
      return b.reshape(b.slice(rows, [0, offset], [T, offset + count]), [T, ...n.shape]);
    }
    case "softmax_xent":
    case "softmax_xent_grad":
      return n.ctx.node(
        n.op,
        operands.map((o) => stackedOf(o, T)),
        n.attrs,
      );
    case "gather": {
      const [table, ids] = operands as [BatchOperand, BatchOperand];
      return table.stacked ? undefined : b.gather(table.node, ids.node, !!n.attrs.fill);
    }
    case "matmul": {
      const [a, m] = operands as [BatchOperand, BatchOperand];
      const { transA, transB } = n.attrs as { transA: boolean; transB: boolean };
      // the common case, x_t · W: one product with T times the rows
      if (a.stacked && !m.stacked && !transA && a.node.shape.length === 3 && m.node.shape.length === 2) {
        const [, rows, k] = a.node.shape as [number, number, number];
        const flat = b.matmul(b.reshape(a.node, [T * rows, k]), m.node, false, transB);
        return b.reshape(flat, [T, rows, flat.shape[1]!]);
      }
      // otherwise a batched product over the time axis (matmul broadcasts batch axes)
      const lift = (o: BatchOperand) => (o.stacked ? aligned(o.node, rank) : o.node);
      return b.matmul(lift(a), lift(m), transA, transB);
    }
  }
  if (FUSIBLE_OPS.has(n.op) && n.op !== "broadcast") {
    return n.ctx.node(
      n.op,
      operands.map((o) => (o.stacked ? aligned(o.node, rank) : o.node)),
      n.attrs,
    );
  }
  return undefined;
}
