/**
 * What the memory planner knows about one entry point (forward, backward, train_step): the nodes
 * it computes, which of them run a kernel, which are views of another node's bytes, and which
 * kernels read which values.
 *
 * The planner does not depend on the backend. The backend describes itself through a `KernelFacts`:
 * which nodes sit in persistent memory before the entry runs (leaves, constants), which are views
 * (reshape, stop_gradient), which values another node's kernel writes (the extra results of a
 * multi-output kernel), which operands a kernel reads element by element (so that its output may
 * overwrite them), and how much kernel-internal scratch each kernel needs.
 *
 * Vocabulary used by every file of compiler/plan:
 *
 *  - a *kernel* is a node that runs code and writes a value of its own (and, for a multi-output
 *    kernel, the values of its *extra outputs*, nodes without a kernel of their own);
 *  - the *root* of a node is the node whose bytes its value occupies: a view's root is its
 *    operand's root, every other node is its own root;
 *  - a kernel *reads* a root when one of its operands has that root.
 */
import { topologicalOrder } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { broadcastStrides, sizeOf } from "../ir/shape.js";

/** How the backend runs nodes: everything the planner needs to know about it. */
export interface KernelFacts {
  /** Values already in persistent memory when the entry starts (leaves, constants): no kernel. */
  isPersistent(node: Node): boolean;
  /** Views: no kernel, the value is (a contiguous part of) the bytes of the first operand. */
  isView(node: Node): boolean;
  /**
   * Whether the kernel reads operand `index` element by element: its outputs' element i is
   * computed from that operand's element i only, so an output may overwrite the operand when it
   * has the output's layout (same shape, contiguous, not broadcast) and is not read afterwards.
   */
  readsElementwise(node: Node, index: number): boolean;
  /** For an extra output of a multi-output kernel: that kernel, which writes it (else undefined). */
  writtenBy(node: Node): Node | undefined;
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
  /** The kernel that writes each value: itself, or for an extra output its multi-output kernel. */
  readonly writer: ReadonlyMap<Node, Node>;
  /** For each multi-output kernel: its extra outputs. */
  readonly extras: ReadonlyMap<Node, readonly Node[]>;
}

export function analyzeEntry(results: readonly Node[], target: KernelFacts): EntryGraph {
  const nodes = topologicalOrder(results);
  const root = new Map<Node, Node>();
  const kernels: Node[] = [];
  const writer = new Map<Node, Node>();
  const extras = new Map<Node, Node[]>();
  for (const n of nodes) {
    if (target.isView(n)) root.set(n, root.get(n.inputs[0]!)!);
    else {
      root.set(n, n);
      const w = target.writtenBy(n);
      if (w) {
        writer.set(n, w);
        extras.set(w, [...(extras.get(w) ?? []), n]);
      } else if (!target.isPersistent(n)) {
        kernels.push(n);
        writer.set(n, n);
      }
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
  return { nodes, kernels, root, reads, readers, writer, extras };
}

/**
 * Whether kernel `k` may write an output of shape `out` over root `r`: every operand of k with
 * root r is read element by element with the output's layout.
 */
export function overwritable(
  entry: EntryGraph,
  target: KernelFacts,
  k: Node,
  r: Node,
  out: readonly number[],
): boolean {
  // the operand must also cover all of r's bytes from its start (a scan's extract is a part)
  return k.inputs.every(
    (i, idx) =>
      entry.root.get(i) !== r ||
      (target.readsElementwise(k, idx) && sizeOf(i.shape) === sizeOf(r.shape) && sameLayout(i.shape, out)),
  );
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
