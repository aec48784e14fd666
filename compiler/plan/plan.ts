/**
 * The memory plan of one entry point: schedule, liveness, in-place reuse and interval packing
 * into one arena, with the numbers that say how good the packing is.
 *
 *   results ─ assignSlots ─► homes / copies / constraints          inplace.ts
 *           ─ listSchedule (each strategy) ─► kernel order          schedule.ts
 *           ─ valueIntervals ─► [def, last use] of each value       liveness.ts
 *           ─ shareInPlace ─► elementwise kernels over dead operands inplace.ts
 *           ─ pack ─► an offset for every buffer                    pack.ts
 *
 * Every strategy's schedule is planned to the end and the smallest arena is kept (ties: the
 * smaller lower bound, then the first strategy). A final check verifies that no two buffers live
 * at the same step share a byte; a failure is a compiler bug and raises.
 */
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import { analyzeEntry, type EntryGraph, type PlanResult, type KernelFacts } from "./entry.js";
import { assignSlots, shareInPlace, type SharedBuffer } from "./inplace.js";
import { liveProfile, valueIntervals } from "./liveness.js";
import { bufferBytes, conflicts, lowerBound, naiveSize, packWithin, type Item } from "./pack.js";
import { listSchedule, STRATEGIES, type Strategy } from "./schedule.js";

export type { PlanResult, KernelFacts } from "./entry.js";

/** One buffer of the arena. */
export interface PlannedBuffer {
  /** Position in `EntryPlan.buffers` (values by first definition, then scratch). */
  readonly id: number;
  /** A value (or a chain of elementwise kernels written over each other), or a kernel's scratch. */
  readonly kind: "value" | "scratch";
  /** The values stored here in turn, in schedule order; for scratch, the kernel that uses it. */
  readonly nodes: readonly Node[];
  /** Byte offset from the start of the arena (a multiple of 16). */
  readonly offset: number;
  /** Bytes reserved (the value's size rounded up to 16). */
  readonly bytes: number;
  /** First and last step (inclusive) that need the bytes; step `steps` is the final copies. */
  readonly start: number;
  readonly end: number;
}

export interface EntryPlan<S> {
  /** The kernels, in the order they run. */
  readonly schedule: readonly Node[];
  /** The scheduling strategy that gave the smallest arena. */
  readonly strategy: Strategy;
  /** Number of kernel steps; step `steps` is the end of the entry (copies into slots). */
  readonly steps: number;
  readonly buffers: readonly PlannedBuffer[];
  /** The buffer of every value held in the arena, by root node. */
  readonly bufferOf: ReadonlyMap<Node, PlannedBuffer>;
  /** The scratch buffer of every kernel that needs one. */
  readonly scratchOf: ReadonlyMap<Node, PlannedBuffer>;
  /** The node whose bytes each node's value occupies (views -> their source). */
  readonly root: ReadonlyMap<Node, Node>;
  /** Results computed directly into their persistent slot. */
  readonly homes: ReadonlyMap<Node, S>;
  /** Results copied into their slot after the last kernel, in this order. */
  readonly copies: readonly { readonly node: Node; readonly slot: S }[];
  /** Param and state updates written into the leaf's own slot. */
  readonly updatesInPlace: readonly { readonly leaf: Node; readonly node: Node }[];
  /** Elementwise kernels that write over an operand's buffer. */
  readonly inPlace: readonly { readonly node: Node; readonly over: Node }[];
  /** Bytes of the arena (offsets + sizes stay below it). */
  readonly arenaBytes: number;
  /** Bytes if every arena value and scratch buffer had its own bytes. */
  readonly naiveBytes: number;
  /** The largest total of bytes live at one step: no packing of this schedule can be smaller. */
  readonly lowerBoundBytes: number;
  /** Bytes live at each step 0..steps. */
  readonly liveBytes: readonly number[];
}

interface Candidate {
  readonly strategy: Strategy;
  readonly schedule: Node[];
  /** The value buffers, then the kernels with scratch: `items` lists them in this order. */
  readonly values: SharedBuffer[];
  readonly scratchKernels: Node[];
  readonly items: Item[];
  readonly offsets: number[];
  readonly size: number;
  readonly bound: number;
}

export interface PlanOptions {
  /** The scheduling strategies to try (default: all of them). */
  readonly strategies?: readonly Strategy[];
}

export function planEntry<S>(
  results: readonly PlanResult<S>[],
  target: KernelFacts,
  options: PlanOptions = {},
): EntryPlan<S> {
  const entry = analyzeEntry(
    results.map((r) => r.node),
    target,
  );
  const slots = assignSlots(entry, results, target);
  const kernels = new Set(entry.kernels);
  const bytes = new Map<Node, number>();
  for (const k of entry.kernels) {
    for (const v of [k, ...(entry.extras.get(k) ?? [])])
      if (!slots.homes.has(v)) bytes.set(v, bufferBytes(sizeOf(v.shape) * 4));
  }
  const scratch = new Map<Node, number>();
  for (const k of entry.kernels) {
    const s = target.scratchBytes(k);
    if (s > 0) scratch.set(k, bufferBytes(s));
  }
  const atEnd = new Set(slots.copies.map((c) => entry.root.get(c.node)!).filter((r) => bytes.has(r)));
  const deps = new Map<Node, Node[]>();
  for (const k of entry.kernels) {
    const writers = entry.reads.get(k)!.map((r) => entry.writer.get(r) ?? r);
    deps.set(k, [...writers.filter((w) => kernels.has(w)), ...(slots.after.get(k) ?? [])]);
  }
  const arena = new Set(bytes.keys());

  let best: Candidate | undefined;
  for (const strategy of options.strategies ?? STRATEGIES) {
    const schedule = listSchedule(
      { kernels: entry.kernels, deps, reads: entry.reads, bytes, liveAtEnd: atEnd, extras: entry.extras },
      strategy,
    );
    // a schedule whose arena is larger than the best so far is not kept: its packing may stop early
    const c = packSchedule(entry, schedule, arena, atEnd, bytes, scratch, target, strategy, best?.size);
    if (!c) continue;
    if (!best || c.size < best.size || (c.size === best.size && c.bound < best.bound)) best = c;
  }
  const c = best!;

  const bad = conflicts(c.items, c.offsets);
  if (bad.length) {
    throw new Error(`internal: the memory plan puts ${bad.length} pairs of live buffers on the same bytes`);
  }
  // buffers: values by first definition, then scratch by step
  const buffers: PlannedBuffer[] = [
    ...c.values.map((b) => ({
      kind: "value" as const,
      nodes: [...b.nodes],
      bytes: b.bytes,
      start: b.start,
      end: b.end,
    })),
    ...c.scratchKernels.map((k, j) => {
      const { start, end, bytes } = c.items[c.values.length + j]!;
      return { kind: "scratch" as const, nodes: [k], bytes, start, end };
    }),
  ].map((b, i) => ({ ...b, id: 0, offset: c.offsets[i]! }));
  const bufferOf = new Map<Node, PlannedBuffer>();
  const scratchOf = new Map<Node, PlannedBuffer>();
  const ordered = buffers
    .map((b, i) => ({ b, i }))
    .sort(
      (x, y) =>
        Number(x.b.kind === "scratch") - Number(y.b.kind === "scratch") || x.b.start - y.b.start || x.i - y.i,
    )
    .map(({ b }, id) => ({ ...b, id }));
  for (const b of ordered) {
    if (b.kind === "value") for (const n of b.nodes) bufferOf.set(n, b);
    else scratchOf.set(b.nodes[0]!, b);
  }
  const inPlace = ordered.flatMap((b) =>
    b.kind === "value" ? b.nodes.slice(1).map((n, i) => ({ node: n, over: b.nodes[i]! })) : [],
  );
  const steps = c.schedule.length;
  const naiveItems = [...bytes.values(), ...scratch.values()].map((n) => ({ bytes: n, start: 0, end: 0 }));
  return {
    schedule: c.schedule,
    strategy: c.strategy,
    steps,
    buffers: ordered,
    bufferOf,
    scratchOf,
    root: entry.root,
    homes: slots.homes,
    copies: slots.copies,
    updatesInPlace: slots.updatesInPlace,
    inPlace,
    arenaBytes: c.size,
    naiveBytes: naiveSize(naiveItems),
    lowerBoundBytes: c.bound,
    liveBytes: liveProfile(c.items, steps),
  };
}

function packSchedule(
  entry: EntryGraph,
  schedule: Node[],
  arena: ReadonlySet<Node>,
  atEnd: ReadonlySet<Node>,
  bytes: ReadonlyMap<Node, number>,
  scratch: ReadonlyMap<Node, number>,
  target: KernelFacts,
  strategy: Strategy,
  limit = Infinity,
): Candidate | undefined {
  const intervals = valueIntervals(entry, schedule, arena, atEnd);
  const values = [...new Set(shareInPlace(entry, schedule, intervals, bytes, target).values())];
  const items: Item[] = values.map((b) => ({ bytes: b.bytes, start: b.start, end: b.end }));
  const scratchKernels: Node[] = [];
  schedule.forEach((k, s) => {
    const b = scratch.get(k);
    if (b === undefined) return;
    scratchKernels.push(k);
    items.push({ bytes: b, start: s, end: s });
  });
  const packing = packWithin(items, limit);
  if (!packing) return undefined;
  const { offsets, size } = packing;
  return { strategy, schedule, values, scratchKernels, items, offsets, size, bound: lowerBound(items) };
}
