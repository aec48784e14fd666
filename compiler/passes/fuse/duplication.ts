/**
 * Duplication: a small cluster of cheap elementwise nodes (compare, select, add, ...) that is
 * stored only to be read by several other clusters is copied into each of them instead, so a
 * relu mask or a one-hot matrix is recomputed in every kernel that reads it rather than written
 * and read back (XLA duplicates cheap producers the same way). A copied node then belongs to
 * several clusters.
 */
import type { Node } from "../../ir/node.js";
import { isCheap } from "./fusible.js";
import {
  domainVia,
  hasRoom,
  instructionsIn,
  usersOf,
  type Cluster,
  type Domain,
  type FuseState,
} from "./state.js";

/** The largest cluster of cheap nodes duplicated into the clusters that read it. */
const MAX_DUPLICATED = 6;

/** Copies the duplicable clusters into their readers' clusters; returns how many nodes it copied. */
export function duplicate(s: FuseState): number {
  let duplicated = 0;
  for (const p of s.nodes) {
    const own = s.clustersOf.get(p);
    if (own?.length !== 1) continue;
    const P = own[0]!;
    if (!duplicable(s, P, p)) continue;
    const placements = placementsOf(s, p);
    if (!placements || placements.length < 2) continue;
    if (!placements.every(({ c }) => hasRoom(c, instructionsIn(P)))) continue;
    copyInto(s, P, placements);
    duplicated += P.members.size;
  }
  return duplicated;
}

/** Whether cluster P, rooted at p, is small, cheap and stored for no other reason than its readers. */
function duplicable(s: FuseState, P: Cluster, p: Node): boolean {
  if (P.root !== p || P.head || P.extra.length || s.results.has(p) || P.members.size > MAX_DUPLICATED)
    return false;
  return [...P.members.keys()].every(isCheap);
}

type Placement = { c: Cluster; d: Domain };

/**
 * The clusters that read p and the domain p would take in each, in the order of p's users; or
 * undefined unless every user is in one cluster, reading p element by element, in one domain per
 * cluster.
 */
function placementsOf(s: FuseState, p: Node): Placement[] | undefined {
  const placements: Placement[] = [];
  const ok = usersOf(s, p).every((u) => {
    const cs = s.clustersOf.get(u);
    const d = cs?.length === 1 ? domainVia(cs[0]!, u, p) : undefined;
    if (d === undefined) return false;
    const seen = placements.find((x) => x.c === cs![0]);
    if (!seen) placements.push({ c: cs![0]!, d });
    return !seen || seen.d === d;
  });
  return ok ? placements : undefined;
}

/** Moves the members of P into each placement's cluster (P itself is gone afterwards). */
function copyInto(s: FuseState, P: Cluster, placements: readonly Placement[]): void {
  // every member of P has P's shape, so it takes p's domain in each user cluster
  for (const x of P.members.keys()) {
    const list = s.clustersOf.get(x)!.filter((c) => c !== P);
    for (const { c, d } of placements) {
      c.members.set(x, d);
      list.push(c);
    }
    s.clustersOf.set(x, list);
  }
}
