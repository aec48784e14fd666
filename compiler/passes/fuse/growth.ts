/**
 * Growth: a node joins the cluster of its users. With all its users in one cluster reading it
 * element by element, it joins that cluster (as an extra output if it is a graph result); a head
 * joins only a cluster without one, as the head of its epilogue, and a reduction's operand joins
 * its prologue. With users in other kernels too, an expensive node or a head may still join one of
 * its users' clusters as an extra output, when none of those other users leads back into it.
 */
import type { Node } from "../../ir/node.js";
import { isCheap, isElementwise, isHead } from "./fusible.js";
import {
  clusterOf,
  commonDomain,
  hasRoom,
  instructionsOf,
  reaches,
  setHead,
  usersOf,
  type Cluster,
  type Domain,
  type FuseState,
} from "./state.js";

/** Adds `p` to the first cluster of its users that may take it; true if it joined one. */
export function join(s: FuseState, p: Node): boolean {
  if (!isElementwise(p) && !isHead(p)) return false;
  const us = usersOf(s, p);
  const candidates = [...new Set(us.map((u) => clusterOf(s, u)))].filter(
    (c): c is Cluster => c !== undefined,
  );
  for (const c of candidates) {
    const inside = us.filter((u) => clusterOf(s, u) === c);
    const outside = us.filter((u) => clusterOf(s, u) !== c);
    const d = commonDomain(c, inside, p);
    if (d === undefined || !mayJoin(s, p, c, d, outside)) continue;
    if (isHead(p)) setHead(c, p);
    c.members.set(p, d);
    s.clustersOf.set(p, [c]);
    if (s.results.has(p) || outside.length > 0) c.extra.push(p);
    return true;
  }
  return false;
}

/**
 * Whether `p`, read in domain `d` by its users in cluster `c`, may join c; `outside` are its
 * users in other kernels.
 */
function mayJoin(s: FuseState, p: Node, c: Cluster, d: Domain, outside: readonly Node[]): boolean {
  const extra = s.results.has(p) || outside.length > 0;
  if (extra && !s.multiOutput) return false;
  // a full cluster: p starts the next kernel (see MAX_FUSED_INSTRUCTIONS)
  if (!hasRoom(c, instructionsOf(p))) return false;
  // cheap nodes are duplicated instead
  if (outside.length > 0 && !isHead(p) && isCheap(p)) return false;
  // a result stays out of a reduction's prologue: it would pull the chain that computes it
  // away from a matmul's epilogue (the prologue is for values read again elsewhere)
  if (s.results.has(p) && d === "in") return false;
  if (outside.some((u) => reaches(s, u, c.root))) return false;
  // a cluster takes one head, which its other members follow (its epilogue)
  if (isHead(p) && (c.head || d !== "out")) return false;
  return true;
}
