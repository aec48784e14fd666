/**
 * Clustering: the first phase of the fuse pass. Walking the graph from its results back to the
 * leaves, each fusible node joins the cluster of its users when it can (growth.ts) and otherwise
 * seeds a cluster of its own, with itself as the root (the kernel's result). Nodes that cannot be
 * fused (views, leaves, scans, ...) belong to no cluster and stay kernels or values of their own.
 */
import { isElementwise, isHead } from "./fusible.js";
import { join } from "./growth.js";
import { newCluster, type FuseState } from "./state.js";

/** Puts every fusible node of the graph into a cluster, users before their operands. */
export function cluster(s: FuseState): void {
  for (let i = s.nodes.length - 1; i >= 0; i--) {
    const n = s.nodes[i]!;
    if (join(s, n)) continue;
    if (!isElementwise(n) && !isHead(n)) continue;
    s.clustersOf.set(n, [newCluster(n, isHead(n))]);
  }
}
