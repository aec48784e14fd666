/**
 * Rebuild: the last phase of the fuse pass turns the clusters into nodes. Every cluster of two or
 * more nodes becomes one `fusion` node (program.ts), each of its extra outputs a `fusion_output`
 * node; every other node is rebuilt over the new operands. An extra output may be read by a node
 * that comes before its cluster's root in graph order, so these *units* (fusions and single
 * nodes) are rebuilt in an order of their own dependencies: the earliest ready unit first.
 */
import type { Graph } from "../../ir/graph.js";
import type { Node } from "../../ir/node.js";
import { withInputs } from "../rewrite.js";
import { EarliestFirst } from "./earliest-first.js";
import { buildFusion } from "./program.js";
import { clusterOf, type FuseState } from "./state.js";

/** The graph with every cluster replaced by its fusion. */
export function rebuild(s: FuseState, g: Graph): Graph {
  const rebuilt = new Map<Node, Node>();
  const units = s.nodes.filter((n) => unitOf(s, n) === n);
  const { waiting, dependents } = dependencies(s, units);
  // the earliest ready unit first, so fusions keep the graph's order where they can
  const ready = new EarliestFirst(s.position);
  for (const u of units) if (waiting.get(u) === 0) ready.push(u);
  while (ready.size) {
    const n = ready.pop();
    rebuildUnit(s, n, rebuilt);
    for (const d of dependents.get(n) ?? []) {
      const w = waiting.get(d)! - 1;
      waiting.set(d, w);
      if (w === 0) ready.push(d);
    }
  }
  if (units.some((u) => !rebuilt.has(u))) {
    throw new Error("internal: the fused kernels depend on each other in a cycle");
  }
  const map = (m: ReadonlyMap<string, Node>) => new Map([...m].map(([k, v]) => [k, rebuilt.get(v)!]));
  return { ...g, outputs: map(g.outputs), grads: map(g.grads), updates: map(g.updates) };
}

/**
 * The unit that computes node n: n itself, or its cluster's root (which stands for the fusion);
 * undefined for a member computed only inside its clusters' kernels.
 */
function unitOf(s: FuseState, n: Node): Node | undefined {
  const cs = s.clustersOf.get(n);
  if (!cs) return n;
  if (cs.length > 1) return undefined; // duplicated: inside its clusters' kernels
  const c = cs[0]!;
  if (c.members.size === 1) return n;
  return c.root === n || c.extra.includes(n) ? c.root : undefined;
}

/** The nodes unit u reads: a single node's inputs, or what its cluster's members read from outside it. */
function inputsOf(s: FuseState, u: Node): Node[] {
  const c = clusterOf(s, u);
  if (!c || c.members.size === 1) return [...u.inputs];
  return [...c.members.keys()].flatMap((x) => x.inputs.filter((i) => !c.members.has(i)));
}

/** For each unit, how many units it waits for, and the units that wait for it. */
function dependencies(s: FuseState, units: readonly Node[]) {
  const waiting = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  for (const u of units) {
    const deps = new Set(inputsOf(s, u).map((i) => unitOf(s, i)!));
    deps.delete(u);
    waiting.set(u, deps.size);
    for (const d of deps) {
      // appended in place: a value read by thousands of units (a shared constant) is common
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(u);
    }
  }
  return { waiting, dependents };
}

/** Rebuilds unit n over the rebuilt operands: a fusion and its fusion_outputs, or n itself. */
function rebuildUnit(s: FuseState, n: Node, rebuilt: Map<Node, Node>): void {
  const c = clusterOf(s, n);
  if (!c || c.members.size === 1) {
    rebuilt.set(
      n,
      withInputs(
        n,
        n.inputs.map((i) => rebuilt.get(i)!),
      ),
    );
    return;
  }
  const f = buildFusion(c, s.position, rebuilt);
  rebuilt.set(n, f);
  // extra outputs: fusion_output nodes, in the order of the fusion's `outputs`
  c.extra.forEach((x, k) => {
    const attrs = { index: k + 1, shape: [...x.shape], dtype: x.dtype };
    rebuilt.set(
      x,
      n.ctx.withSource(x.src, () => n.ctx.node("fusion_output", [f], attrs)),
    );
  });
}
