/**
 * Merging: a cluster whose result is stored anyway merges into a cluster that reads it element by
 * element, as an extra output of the reader's kernel: the kernel of relu(x·W + b) also computes
 * and stores the x·W + b that the backward pass reads, so the two come from one matmul kernel.
 * Clusters are taken from the last root back, each merging into the first of its readers' clusters
 * that may take it (a cluster with a head only into one without).
 */
import type { Node } from "../../ir/node.js";
import {
  commonDomain,
  hasRoom,
  instructionsIn,
  reaches,
  storedBy,
  usersOf,
  type Cluster,
  type Domain,
  type FuseState,
} from "./state.js";

/** Merges clusters into the clusters that read their results; returns how many it merged. */
export function mergeIntoReaders(s: FuseState): number {
  let merged = 0;
  for (let i = s.nodes.length - 1; i >= 0; i--) {
    const p = s.nodes[i]!;
    const own = s.clustersOf.get(p);
    if (own?.length !== 1 || own[0]!.root !== p) continue;
    const P = own[0]!;
    const us = usersOf(s, p);
    const candidates = [...new Set(us.flatMap((u) => s.clustersOf.get(u) ?? []))].filter((c) => c !== P);
    for (const C of candidates) {
      const d = mergeDomain(s, P, C);
      if (d === undefined || blocked(s, P, C)) continue;
      merge(s, P, C, d);
      merged++;
      break;
    }
  }
  return merged;
}

/** The domain in which C would compute P's result, if C may take P at all. */
function mergeDomain(s: FuseState, P: Cluster, C: Cluster): Domain | undefined {
  const p = P.root;
  if (P.head && C.head) return undefined;
  if (!hasRoom(C, instructionsIn(P))) return undefined;
  const inside = usersOf(s, p).filter((u) => C.members.has(u));
  const d = commonDomain(C, inside, p);
  if (d === "in" && (P.head || s.results.has(p))) return undefined;
  return d;
}

/**
 * Whether merging P into C would make a cycle of kernels: a value P stores is read by another
 * kernel that leads back into C (a node duplicated into C and other clusters is read by each of
 * those kernels).
 */
function blocked(s: FuseState, P: Cluster, C: Cluster): boolean {
  return storedBy(P).some((x) =>
    usersOf(s, x).some((u) => {
      const cs = s.clustersOf.get(u);
      if (!cs) return reaches(s, u, C.root);
      return cs.some((Q) => Q !== C && Q !== P && storedBy(Q).some((v) => reaches(s, v, C.root)));
    }),
  );
}

/** Moves P's members into C (in domain `d` of C), and with them P's head and the values P stores. */
function merge(s: FuseState, P: Cluster, C: Cluster, d: Domain): void {
  for (const [x, dx] of P.members) {
    C.members.set(x, d === "in" ? "in" : dx);
    s.clustersOf.set(x, [...s.clustersOf.get(x)!.filter((c) => c !== P), C]);
  }
  if (P.head) {
    C.head = P.head;
    C.inShape = P.inShape;
  }
  for (const x of storedBy(P)) if (!C.extra.includes(x)) C.extra.push(x);
}
