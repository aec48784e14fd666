/**
 * Batching over the time axis (JAX's vmap, for one leading axis): given a node computed once per
 * step of a loop and, for each operand, either its values for all T steps stacked as [T, ...] or
 * the loop-invariant operand itself, builds one node computing all T steps at once. Used to hoist
 * work out of a scan (compiler/passes/hoist.ts). Each op declares its rule (`OpDef.batch`) in its
 * own file, with the helpers below.
 *
 *   per step:  %5 = matmul x_t[16,64], Wx[64,128]
 *   batched:   %9 = reshape(matmul(reshape(X[32,16,64], [512,64]), Wx), [32,16,128])
 *
 * An op without a rule (scatter_add, a nested scan) stays in the loop.
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import type { BatchOperand, BatchRule } from "../ir/op.js";

export type { BatchOperand };

/** A stacked operand with its per-step rank raised to `rank` by unit axes after the time axis. */
export function aligned(x: Node, rank: number): Node {
  const step = x.shape.slice(1);
  if (step.length >= rank) return x;
  return b.reshape(x, [x.shape[0]!, ...new Array<number>(rank - step.length).fill(1), ...step]);
}

/** A loop-invariant operand repeated for every step (for ops that cannot broadcast it). */
function repeated(x: Node, T: number): Node {
  return b.broadcastTo(b.reshape(x, [1, ...x.shape]), [T, ...x.shape]);
}

/** The operand's values for every step: stacked already, or the invariant repeated T times. */
export const stackedOf = (o: BatchOperand, T: number): Node => (o.stacked ? o.node : repeated(o.node, T));

/**
 * The rule of elementwise ops: the same op over the stacked operands, whose per-step shapes
 * broadcast as before once unit axes align their ranks (an invariant broadcasts over T by itself).
 */
export const batchElementwise: BatchRule = {
  apply: (n, operands) =>
    n.ctx.node(
      n.op,
      operands.map((o) => (o.stacked ? aligned(o.node, n.shape.length) : o.node)),
      n.attrs,
    ),
};

/** The rule of row-wise ops (each row of the result from the same row of every operand). */
export const batchRowwise: BatchRule = {
  apply: (n, operands, T) =>
    n.ctx.node(
      n.op,
      operands.map((o) => stackedOf(o, T)),
      n.attrs,
    ),
};

/** Whether `n`'s op batches when the operands flagged true are stacked. */
export function canBatch(n: Pick<Node, "def">, stacked: readonly boolean[]): boolean {
  const rule = n.def.batch;
  return rule !== undefined && (rule.when?.(stacked) ?? true);
}

/** `n` (one step's node) computed for all T steps, or undefined when its op does not batch. */
export function batchNode(n: Node, operands: readonly BatchOperand[], T: number): Node | undefined {
  if (!operands.some((o) => o.stacked))
    return n.ctx.node(
      n.op,
      operands.map((o) => o.node),
      n.attrs,
    );
  if (
    !canBatch(
      n,
      operands.map((o) => o.stacked),
    )
  )
    return undefined;
  return n.def.batch!.apply(n, operands, T);
}
