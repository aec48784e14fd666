/**
 * After the loop: a per-step output is computed from the stored carry sequence, for all T steps at
 * once, when every instruction it needs depends on the carries, can be batched and is not a
 * product the carries need (the loop computes that anyway). In an RNN's backward scan this turns
 * the per-step weight-gradient terms h_{t-1}ᵀ·dz_t into one batched product.
 */
import * as b from "../../ir/build.js";
import type { Node } from "../../ir/node.js";
import { carryIn } from "../../ops/scan.js";
import { batchNode, canBatch, type BatchOperand } from "../../ops/batching.js";
import { stacked } from "../../ops/scan-body.js";
import { inLoop, instr, type Analysis } from "./step.js";

/** For each per-step output of the scan, whether it is computed after the loop. */
export function ysAfterLoop(a: Analysis): boolean[] {
  const forCarries = inLoop(a, a.attrs.results.slice(0, a.nc), false);
  return a.attrs.results.slice(a.nc).map((r) => {
    if (a.outside[r]) return true;
    if (a.carryResult.has(r)) return false; // already stored as a carry: nothing to gain
    for (const v of inLoop(a, [r], true)) {
      const { op, args: ins } = instr(a, v);
      if (a.kind[v] !== "carry") return false; // a step value that cannot be batched
      if (
        !canBatch(
          a.values[v]!,
          ins.map((x) => a.kind[x] !== "const" || a.outside[x]?.stacked === true),
        )
      )
        return false;
      // never recompute a product the carries need (the loop computes it anyway)
      if (forCarries.has(v) && op === "matmul") return false;
    }
    return true;
  });
}

/**
 * The old scan's results, each stacked [T, ...], from the hoisted scan `newScan`: its carries,
 * the ys it kept, and the ys moved after the loop, batched over its stored carries.
 */
export function resultsAfterLoop(a: Analysis, newScan: Node, ysOut: readonly boolean[]): Node[] {
  const { nc, T } = a;
  const afterLoop = batchedAfter(a, newScan);
  const repeat = (o: BatchOperand) =>
    o.stacked ? o.node : b.broadcastTo(b.reshape(o.node, [1, ...o.node.shape]), [T, ...o.node.shape]);
  let kept = 0;
  return a.attrs.results.map((r, k) => {
    if (k < nc) return stacked(newScan, k);
    if (!ysOut[k - nc]) return stacked(newScan, nc + kept++);
    return repeat(afterLoop(r));
  });
}

/** Value v of the step for all T steps, computed after the loop (memoized). */
function batchedAfter(a: Analysis, newScan: Node): (v: number) => BatchOperand {
  const after = new Map<number, BatchOperand>();
  const afterLoop = (v: number): BatchOperand => {
    const known = after.get(v);
    if (known) return known;
    let out: BatchOperand;
    if (v < a.nc) out = { node: carryIn(stacked(newScan, v), a.inits[v]!, a.reverse), stacked: true };
    else if (a.outside[v]) out = a.outside[v]!;
    else if (a.carryResult.has(v)) out = { node: stacked(newScan, a.carryResult.get(v)!), stacked: true };
    else {
      const node = batchNode(a.values[v]!, instr(a, v).args.map(afterLoop), a.T);
      if (!node) throw new Error(`internal: hoist could not batch ${instr(a, v).op} after the loop`);
      out = { node, stacked: true };
    }
    after.set(v, out);
    return out;
  };
  return afterLoop;
}
