/**
 * What the memory planner knows about one entry point (forward, backward, train_step): the nodes
 * it computes, which of them run a kernel, which are views of another node's bytes, and which
 * kernels read which values.
 *
 * The planner does not depend on the backend. The backend describes itself through a `Target`:
 * which nodes sit in persistent memory before the entry runs (leaves, constants), which are views
 * (reshape, stop_gradient), which kernels are elementwise maps that may overwrite an operand, and
 * how much kernel-internal scratch each kernel needs.
 *
 * Vocabulary used by every file of compiler/plan:
 *
 *  - a *kernel* is a node that runs code and writes a value of its own;
 *  - the *root* of a node is the node whose bytes its value occupies: a view's root is its
 *    operand's root, every other node is its own root;
 *  - a kernel *reads* a root when one of its operands has that root.
 */
import { topologicalOrder } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { broadcastStrides } from "../ir/shape.js";

/** How the backend runs nodes: everything the planner needs to know about it. */
export interface Target {
  /** Values already in persistent memory when the entry starts (leaves, constants): no kernel. */
  isPersistent(node: Node): boolean;
  /** Views: no kernel, the value is (a contiguous part of) the bytes of the first operand. */
  isView(node: Node): boolean;
  /**
   * Elementwise kernels: out[i] is computed from the operands' elements at index i only, so the
   * output may overwrite an operand that has the output's layout (same shape, contiguous, not
   * broadcast) when that operand is not read afterwards.
   */
  isElementwise(node: Node): boolean;
  /** Bytes of scratch the node's kernel uses internally (packing buffers); 0 for most kernels. */
  scratchBytes(node: Node): number;
}

/** A value an entry must leave in a persistent slot. */
export interface PlanResult<S> {
  readonly node: Node;
  /** The slot (opaque to the planner): an output, a gradient, or the param/state being updated. */
  readonly slot: S;
  /**
   * Set for the update of a param or state: the leaf whose slot receives the value. The leaf may
   * still be read by the entry's kernels, so the value can be written into its slot only once
   * every other reader has run (see inplace.ts).
   */
  readonly updates?: Node;
}

export interface EntryGraph {
  /** Every node the results depend on, operands before users. */
  readonly nodes: readonly Node[];
  /** The nodes that run a kernel, in the same (topological) order. */
  readonly kernels: readonly Node[];
  /** The node whose bytes each node's value occupies. */
  readonly root: ReadonlyMap<Node, Node>;
  /** For each kernel: the distinct roots of its operands, in operand order. */
  readonly reads: ReadonlyMap<Node, readonly Node[]>;
  /** For each root: the distinct kernels that read it, in topological order. */
  readonly readers: ReadonlyMap<Node, readonly Node[]>;
}

export function analyzeEntry(results: readonly Node[], target: Target): EntryGraph {
  const nodes = topologicalOrder(results);
  const root = new Map<Node, Node>();
  const kernels: Node[] = [];
  for (const n of nodes) {
    if (target.isView(n)) root.set(n, root.get(n.inputs[0]!)!);
    else {
      root.set(n, n);
      if (!target.isPersistent(n)) kernels.push(n);
    }
  }
  const reads = new Map<Node, Node[]>();
  const readers = new Map<Node, Node[]>();
  for (const k of kernels) {
    const rs = [...new Set(k.inputs.map((i) => root.get(i)!))];
    reads.set(k, rs);
    for (const r of rs) {
      let list = readers.get(r);
      if (!list) readers.set(r, (list = []));
      list.push(k);
    }
  }
  return { nodes, kernels, root, reads, readers };
}

/**
 * True when an elementwise kernel with output shape `out` reads `operand` at exactly the output's
 * flat index, element by element: the operand walks every axis of size > 1 with the output's own
 * contiguous stride (same shape up to size-1 axes; nothing broadcast, nothing transposed).
 */
export function sameLayout(operand: readonly number[], out: readonly number[]): boolean {
  const read = broadcastStrides(operand, out);
  const own = broadcastStrides(out, out);
  const count = (s: readonly number[]) => s.reduce((a, d) => a * d, 1);
  return count(operand) === count(out) && out.every((d, j) => d === 1 || read[j] === own[j]);
}
