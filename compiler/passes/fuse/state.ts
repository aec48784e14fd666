/**
 * The state every phase of the fuse pass reads and updates: the graph in topological order with
 * each node's users, and the clusters (what will become one kernel each) that the phases grow,
 * copy nodes into and merge. Also the queries they share: which cluster a node is in, in which
 * domain a user reads a node, and whether one node leads to another (a cycle of kernels).
 */
import { topologicalOrder, type Graph } from "../../ir/graph.js";
import type { Node } from "../../ir/node.js";
import { sameShape, type Shape } from "../../ir/shape.js";
import { fusionAttrs, isElementwise, isReductionHead, reductionInShape } from "./fusible.js";

/** Where a member is computed: over the fusion's shape, or over a reduction head's input (its prologue). */
export type Domain = "out" | "in";

export interface Cluster {
  readonly root: Node;
  /** Members, with the domain each is computed in: the fusion's shape, or the head's input shape. */
  readonly members: Map<Node, Domain>;
  head: Node | undefined;
  readonly shape: Shape;
  /** The reduction head's input shape (the prologue's shape). */
  inShape: Shape | undefined;
  /** Members whose values are stored too (extra outputs), in the order they joined. */
  readonly extra: Node[];
}

export interface FuseState {
  /** The graph's nodes in topological order. */
  readonly nodes: readonly Node[];
  readonly position: ReadonlyMap<Node, number>;
  /** The graph's results (outputs, gradients, updates): stored whatever the clusters. */
  readonly results: ReadonlySet<Node>;
  /** Each node's users, each once, in topological order. */
  readonly users: ReadonlyMap<Node, readonly Node[]>;
  /** Clusters a node belongs to (several only for duplicated nodes). */
  readonly clustersOf: Map<Node, Cluster[]>;
  /** Whether values that are stored anyway may join clusters as extra outputs. */
  readonly multiOutput: boolean;
}

export function fuseState(g: Graph, multiOutput: boolean): FuseState {
  const roots = [...g.outputs.values(), ...g.grads.values(), ...g.updates.values()];
  const nodes = topologicalOrder(roots);
  const users = new Map<Node, Node[]>();
  for (const n of nodes) {
    for (const i of new Set(n.inputs)) {
      let list = users.get(i);
      if (!list) users.set(i, (list = []));
      list.push(n);
    }
  }
  return {
    nodes,
    position: new Map(nodes.map((n, i) => [n, i])),
    results: new Set(roots),
    users,
    clustersOf: new Map(),
    multiOutput,
  };
}

export const usersOf = (s: FuseState, n: Node): readonly Node[] => s.users.get(n) ?? [];

/** A cluster of one node, `n` (its root); a head sets the cluster's loop structure. */
export function newCluster(n: Node, head: boolean): Cluster {
  const c: Cluster = {
    root: n,
    members: new Map([[n, "out"]]),
    head: undefined,
    shape: n.shape,
    inShape: undefined,
    extra: [],
  };
  if (head) setHead(c, n);
  return c;
}

/** Makes `h` the head of `c` (a reduction also gives c its prologue's shape). */
export function setHead(c: Cluster, h: Node): void {
  c.head = h;
  if (isReductionHead(h)) c.inShape = reductionInShape(h);
}

/** The one cluster a node is in (undefined: none, or duplicated into several). */
export function clusterOf(s: FuseState, u: Node): Cluster | undefined {
  const list = s.clustersOf.get(u);
  return list?.length === 1 ? list[0] : undefined;
}

const domainShape = (c: Cluster, d: Domain) => (d === "in" ? c.inShape! : c.shape);

/**
 * The domain `p` would have in cluster `c`, given that user `u` (a member of c) reads it; or
 * undefined when u does not read p element by element in a domain of p's shape.
 */
export function domainVia(c: Cluster, u: Node, p: Node): Domain | undefined {
  const d = c.members.get(u)!;
  if (isElementwise(u)) return sameShape(p.shape, domainShape(c, d)) ? d : undefined;
  // the head: a reduction reads its input element by element (its prologue); a matmul does not
  if (u === c.head && u.op !== "fusion" && isReductionHead(u))
    return sameShape(p.shape, c.inShape!) ? "in" : undefined;
  return undefined;
}

/** The one domain in which all of `readers` (members of c) read p, if there is one. */
export function commonDomain(c: Cluster, readers: readonly Node[], p: Node): Domain | undefined {
  const domains = new Set(readers.map((u) => domainVia(c, u, p)));
  return domains.size === 1 ? [...domains][0] : undefined;
}

/** Whether `from` is an ancestor of `to` (or `to` itself); nodes after `to` cannot be. */
export function reaches(s: FuseState, from: Node, to: Node): boolean {
  const limit = s.position.get(to)!;
  const seen = new Set<Node>();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === to) return true;
    if (seen.has(n) || s.position.get(n)! > limit) continue;
    seen.add(n);
    stack.push(...usersOf(s, n));
  }
  return false;
}

/** The values kernel `c` stores: its result and its extra outputs. */
export const storedBy = (c: Cluster): Node[] => [c.root, ...c.extra];

/**
 * The most instructions one fused kernel holds. The backend lowers a fused chain to one
 * expression per element, nested as deep as the chain is long (a value used once is inlined into
 * its user; Binaryen's simplify-locals sinks values stored in locals back into their users), and
 * Binaryen writes and prints expressions recursively: with Node's default stack, it overflowed at
 * about 3,000 nested levels (an unrolled chain of 1,500 mul/add pairs). Binaryen's optimizer is
 * also slower than linear in the size of one function (2,000 tanh/add pairs: 7 s in kernels of
 * 128 instructions, 138 s in kernels of 1,024). So a longer chain is cut into kernels of at most
 * this many instructions, each storing its value for the next: one store and one load per element
 * every 64 ops. The largest fusion in the examples has 29 instructions.
 */
export const MAX_FUSED_INSTRUCTIONS = 64;

/** The instructions node n adds to a kernel (a fusion made by an earlier run: its whole program). */
export const instructionsOf = (n: Node): number => (n.op === "fusion" ? fusionAttrs(n).program.length : 1);

/** The instructions of cluster c's kernel. */
export function instructionsIn(c: Cluster): number {
  let size = 0;
  for (const x of c.members.keys()) size += instructionsOf(x);
  return size;
}

/** Whether cluster c can take `more` instructions without passing MAX_FUSED_INSTRUCTIONS. */
export const hasRoom = (c: Cluster, more: number): boolean =>
  instructionsIn(c) + more <= MAX_FUSED_INSTRUCTIONS;
