/**
 * Companions: a softmax_xent joins the cluster headed by the softmax_xent_grad of the same logits
 * and labels as an extra output (the `companionOf` trait names the pairs), so one kernel computes the row
 * losses and the gradient in one pass over each row's maximum and sum of exponentials, unless a
 * reader of the losses leads back into that cluster (a squared loss, whose cotangent needs it).
 */
import type { Node } from "../../ir/node.js";
import { companionHead } from "../../ops/fusion.js";
import { clusterOf, hasRoom, reaches, storedBy, usersOf, type Cluster, type FuseState } from "./state.js";

/** Adds each companion to its head's cluster where it can; returns how many joined. */
export function joinCompanions(s: FuseState): number {
  let companions = 0;
  for (const a of s.nodes) {
    const headOpName = companionHead(a.op);
    if (!headOpName || s.clustersOf.has(a)) continue;
    const C = headCluster(s, a, headOpName);
    if (!C || !hasRoom(C, 1) || s.position.get(a)! > s.position.get(C.root)! || blocked(s, a, C)) continue;
    C.members.set(a, "out");
    C.extra.push(a);
    s.clustersOf.set(a, [C]);
    companions++;
  }
  return companions;
}

/** The cluster headed by a `headOpName` node of the same operands as companion `a`, if any. */
function headCluster(s: FuseState, a: Node, headOpName: string): Cluster | undefined {
  // candidates: the users of a's first operand, in topological order (not every node of the
  // graph for every companion, which was quadratic in unrolled losses); a head has operands
  return usersOf(s, a.inputs[0]!)
    .filter((h) => h.op === headOpName && h.inputs.every((x, k) => x === a.inputs[k]))
    .map((h) => clusterOf(s, h))
    .find((c) => c?.head !== undefined && c.head.op === headOpName);
}

/**
 * Whether something that reads the losses leads back into the kernel (a cotangent computed from
 * the loss itself, as for loss²).
 */
function blocked(s: FuseState, a: Node, C: Cluster): boolean {
  return usersOf(s, a).some((u) => {
    const cs = s.clustersOf.get(u);
    if (!cs) return reaches(s, u, C.root);
    return cs.some((Q) => Q === C || storedBy(Q).some((v) => reaches(s, v, C.root)));
  });
}
