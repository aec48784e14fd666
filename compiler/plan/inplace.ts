/**
 * Safe in-place reuse, in two places:
 *
 * 1. Results and slots (`assignSlots`, before scheduling). A result computed by a kernel is
 *    written straight into its persistent slot (an output, a gradient) instead of into the arena,
 *    unless another result already claimed that node or slot; the others are copied at the end.
 *    An *update* of a param or state is different, because the old value in that slot may still
 *    be read: the update is written into the leaf's slot by its kernel (for an extra output of a
 *    multi-output kernel, that kernel: an optimizer's fused update writes θ, m and v in place) only
 *    when
 *      - every other kernel that reads the leaf (directly or through a view) can run before it;
 *        the planner adds those orderings as scheduling constraints, so the update runs as late
 *        as it must, and rejects the update when a reader depends on the update itself (a cycle);
 *      - if the update reads the leaf, its kernel reads it element by element with the update's
 *        layout (element i of the old value is read just before element i of the new one is
 *        written);
 *      - no copy at the end reads the leaf's old value.
 *    Otherwise it is computed into the arena and copied at the end, as before.
 *
 *        before:  W1' = sub(W1, t) -> arena;  ...;  memcpy(W1 <- W1')
 *        after:   (every other reader of W1)  ...;  W1' = sub(W1, t) -> W1's slot
 *
 * 2. Elementwise kernels (`shareInPlace`, after scheduling). A kernel whose output is in the
 *    arena takes the buffer of an operand whose lifetime ends at that kernel, when it reads the
 *    operand element by element (KernelFacts.readsElementwise: an elementwise op, a loop fusion, the
 *    epilogue operands of a matmul fusion) and the operand has the output's layout:
 *
 *        %5 = add(%4, b1)    %4's last reader     ->  %5 written over %4
 *        %6 = maximum(%5, 0) %5's last reader     ->  %6 written over %5 (one buffer for all three)
 *
 *    The merged buffer lives from the first value's definition to the last value's last use.
 */
import type { Node } from "../ir/node.js";
import { overwritable, type EntryGraph, type PlanResult, type KernelFacts } from "./entry.js";
import type { Interval } from "./liveness.js";

export interface SlotAssignment<S> {
  /** Results computed directly into their slot, by node. */
  readonly homes: ReadonlyMap<Node, S>;
  /** Results copied into their slot at the end of the entry, in the order to copy them. */
  readonly copies: readonly { readonly node: Node; readonly slot: S }[];
  /** Updates written into their param's or state's slot (no copy at the end). */
  readonly updatesInPlace: readonly { readonly leaf: Node; readonly node: Node }[];
  /** Scheduling constraints: kernel -> kernels that must run before it. */
  readonly after: ReadonlyMap<Node, readonly Node[]>;
}

export function assignSlots<S>(
  entry: EntryGraph,
  results: readonly PlanResult<S>[],
  target: KernelFacts,
): SlotAssignment<S> {
  const isKernel = (n: Node) => entry.root.get(n) === n && !target.isPersistent(n);
  // leaves whose old value a copy at the end reads (a result that is a leaf or a view of one)
  const readAtEnd = new Set(
    results.map((r) => entry.root.get(r.node)!).filter((r) => target.isPersistent(r)),
  );
  const homes = new Map<Node, S>();
  const claimed = new Set<S>();
  const copies: { node: Node; slot: S }[] = [];
  const updatesInPlace: { leaf: Node; node: Node }[] = [];
  const after = new Map<Node, Node[]>();
  // kernel -> kernels constrained to run after it (the reverse of `after`), for reachability
  const before = new Map<Node, Node[]>();

  /** Whether `to` is reachable from kernel `from` through data dependencies and the constraints so far. */
  const reaches = (from: Node, to: ReadonlySet<Node>): boolean => {
    const seen = new Set<Node>([from]);
    const stack = [from];
    while (stack.length) {
      const k = stack.pop()!;
      // readers of the kernel's value and of its extra outputs, and the kernels ordered after it
      const values = [k, ...(entry.extras.get(k) ?? [])];
      for (const next of [...values.flatMap((v) => entry.readers.get(v) ?? []), ...(before.get(k) ?? [])]) {
        if (to.has(next)) return true;
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return false;
  };

  const updateInPlace = (u: Node, leaf: Node): boolean => {
    if (readAtEnd.has(leaf)) return false;
    // the kernel that writes u (u itself, or the multi-output kernel u is an extra output of)
    const k = entry.writer.get(u)!;
    const readsLeaf = entry.reads.get(k)!.includes(leaf);
    if (readsLeaf && !overwritable(entry, target, k, leaf, u.shape)) return false;
    const others = (entry.readers.get(leaf) ?? []).filter((x) => x !== k);
    if (reaches(k, new Set(others))) return false;
    after.set(k, [...(after.get(k) ?? []), ...others]);
    for (const x of others) before.set(x, [...(before.get(x) ?? []), k]);
    return true;
  };

  for (const r of results) {
    const free = isKernel(r.node) && !homes.has(r.node) && !claimed.has(r.slot);
    if (free && (r.updates === undefined || updateInPlace(r.node, r.updates))) {
      homes.set(r.node, r.slot);
      claimed.add(r.slot);
      if (r.updates) updatesInPlace.push({ leaf: r.updates, node: r.node });
    } else {
      copies.push({ node: r.node, slot: r.slot });
    }
  }
  // Copies that read a leaf's slot go first: a later copy may overwrite that slot (an update that
  // is not written in place). The other sources (arena, slots of results) are never overwritten.
  const fromLeaf = (c: { node: Node }) => target.isPersistent(entry.root.get(c.node)!);
  copies.sort((a, b) => Number(fromLeaf(b)) - Number(fromLeaf(a)));
  return { homes, copies, updatesInPlace, after };
}

/** A group of values stored in turn in one buffer. */
export interface SharedBuffer {
  /** The values, in schedule order: each later one is an elementwise kernel writing over the previous. */
  readonly nodes: Node[];
  readonly bytes: number;
  start: number;
  end: number;
}

/**
 * Merges elementwise kernels into the buffer of an operand that dies at them. `intervals` holds
 * every arena root; `bytes` their (aligned) sizes. Returns the buffer of every arena root.
 */
export function shareInPlace(
  entry: EntryGraph,
  schedule: readonly Node[],
  intervals: ReadonlyMap<Node, Interval>,
  bytes: ReadonlyMap<Node, number>,
  target: KernelFacts,
): Map<Node, SharedBuffer> {
  const bufferOf = new Map<Node, SharedBuffer>();
  for (const [r, iv] of intervals) bufferOf.set(r, { nodes: [r], bytes: bytes.get(r)!, ...iv });
  schedule.forEach((k, step) => {
    const own = bufferOf.get(k);
    if (!own) return;
    for (const r of entry.reads.get(k)!) {
      const b = bufferOf.get(r);
      if (
        b &&
        b !== own &&
        b.end === step &&
        b.bytes === own.bytes &&
        overwritable(entry, target, k, r, k.shape)
      ) {
        b.nodes.push(k);
        b.end = Math.max(b.end, own.end);
        bufferOf.set(k, b);
        return;
      }
    }
  });
  return bufferOf;
}
