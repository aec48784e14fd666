/**
 * An independent check of a memory plan: it trusts only the plan's schedule and the bytes the plan
 * gives each value, and recomputes everything else from the graph.
 *
 *  - the schedule runs every kernel the results need exactly once, each after the kernels that
 *    compute its operands (through views);
 *  - every value is in persistent memory (a leaf, a constant, a result in its slot) or in an arena
 *    buffer of at least its size, aligned to 16, inside the arena;
 *  - lifetimes are recomputed: a value is live from its kernel's step to its last reader's step
 *    (reads of views count as reads of their source), or to the end when it is copied there; a
 *    kernel's scratch is live during its own step;
 *  - no two values (or scratch buffers) live at a common step share a byte, except a kernel
 *    written exactly over an operand of its own size that it reads element by element and
 *    whose last reader it is (in place);
 *  - the extra outputs of a multi-output kernel (fusion_output nodes) are values written at that
 *    kernel's step;
 *  - an update written into its leaf's slot runs after every other kernel that reads the leaf,
 *    and no copy at the end reads the leaf; no two results are computed into one slot.
 *
 * `expectSoundPlans` applies it to every entry of a compiled model and to every scan step.
 */
import { expect } from "vitest";
import { leafName, topologicalOrder } from "../../compiler/ir/graph.js";
import type { Node } from "../../compiler/ir/node.js";
import type { EntryPlan } from "../../compiler/plan/plan.js";
import type { CompiledModel } from "../../compiler/pipeline/compile.js";
import type { StepPlan } from "../../compiler/wasm/program.js";
import { readsElementwise } from "../../compiler/wasm/lower.js";

const VIEWS = new Set(["reshape", "stop_gradient", "extract"]); // extract: a contiguous part of its operand
const PERSISTENT = new Set(["input", "param", "state", "const", "arg"]);
const size = (n: Node) => n.shape.reduce((a, d) => a * d, 1) * 4;

interface Span {
  readonly what: string;
  readonly node: Node;
  readonly kind: "value" | "scratch";
  readonly lo: number;
  readonly hi: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Violations of the plan's invariants (empty when the plan is sound). `elementwise(k, i)` says
 * whether kernel k reads operand i element by element (so it may write over it); `slotOffset`
 * gives a slot's byte address, when slots have one.
 */
export function planViolations<S>(
  plan: EntryPlan<S>,
  elementwise: (n: Node, operand: number) => boolean,
  slotOffset?: (slot: S) => number,
): string[] {
  const bad: string[] = [];
  const rootOf = (n: Node): Node => (VIEWS.has(n.op) ? rootOf(n.inputs[0]!) : n);
  const results = [...plan.homes.keys(), ...plan.copies.map((c) => c.node)];
  const values = topologicalOrder(results).filter((n) => !VIEWS.has(n.op) && !PERSISTENT.has(n.op));
  const kernels = values.filter((n) => n.op !== "fusion_output");
  /** The kernel that writes a value. */
  const writer = (n: Node): Node => (n.op === "fusion_output" ? n.inputs[0]! : n);

  // the schedule
  const step = new Map(plan.schedule.map((k, s) => [k, s]));
  if (step.size !== plan.schedule.length) bad.push("the schedule runs a kernel twice");
  if (plan.schedule.length !== kernels.length || kernels.some((k) => !step.has(k))) {
    bad.push(`the schedule has ${plan.schedule.length} kernels, the results need ${kernels.length}`);
    return bad;
  }
  for (const k of kernels) {
    for (const i of k.inputs) {
      const w = writer(rootOf(i));
      if (step.has(w) && step.get(w)! >= step.get(k)!) bad.push(`%${k.id} runs before its operand %${w.id}`);
    }
  }

  // lifetimes, recomputed
  const n = plan.schedule.length;
  const lastUse = new Map<Node, number>();
  for (const k of kernels) {
    for (const i of k.inputs) {
      const r = rootOf(i);
      lastUse.set(r, Math.max(lastUse.get(r) ?? -1, step.get(k)!));
    }
  }
  for (const c of plan.copies) lastUse.set(rootOf(c.node), n);

  const spans: Span[] = [];
  for (const k of values) {
    if (plan.homes.has(k)) continue;
    const b = plan.bufferOf.get(k);
    if (!b) {
      bad.push(`%${k.id} (${k.op}) has neither a slot nor an arena buffer`);
      continue;
    }
    if (b.offset % 16 !== 0) bad.push(`%${k.id} is at offset ${b.offset}, not a multiple of 16`);
    if (b.bytes < size(k)) bad.push(`%${k.id} needs ${size(k)} bytes, its buffer has ${b.bytes}`);
    if (b.offset + size(k) > plan.arenaBytes) bad.push(`%${k.id} ends beyond the arena`);
    const s = step.get(writer(k))!;
    spans.push({
      what: `%${k.id} ${k.op}`,
      node: k,
      kind: "value",
      lo: b.offset,
      hi: b.offset + size(k),
      start: s,
      end: Math.max(s, lastUse.get(k) ?? s),
    });
  }
  for (const [k, b] of plan.scratchOf) {
    const s = step.get(k);
    if (s === undefined) {
      bad.push(`scratch of %${k.id}, which is not scheduled`);
      continue;
    }
    if (b.offset % 16 !== 0 || b.offset + b.bytes > plan.arenaBytes)
      bad.push(`scratch of %${k.id} is misplaced`);
    spans.push({
      what: `scratch of %${k.id}`,
      node: k,
      kind: "scratch",
      lo: b.offset,
      hi: b.offset + b.bytes,
      start: s,
      end: s,
    });
  }

  /** `b` is a kernel's value written exactly over `a`, an operand it reads last, element by element. */
  const inPlace = (a: Span, b: Span) =>
    a.kind === "value" &&
    b.kind === "value" &&
    a.end === b.start &&
    a.lo === b.lo &&
    a.hi === b.hi &&
    b.node.inputs.some((i) => rootOf(i) === a.node) &&
    b.node.inputs.every(
      (i, k) => rootOf(i) !== a.node || (elementwise(b.node, k) && size(i) === size(b.node)),
    );
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a, b] = [spans[i]!, spans[j]!];
      const live = a.start <= b.end && b.start <= a.end;
      const shared = a.lo < b.hi && b.lo < a.hi;
      if (live && shared && !inPlace(a, b) && !inPlace(b, a)) {
        bad.push(
          `${a.what} [steps ${a.start}-${a.end}, bytes ${a.lo}-${a.hi}) and ${b.what} ` +
            `[steps ${b.start}-${b.end}, bytes ${b.lo}-${b.hi}) are live together on the same bytes`,
        );
      }
    }
  }

  // updates in place: after every other reader of the leaf
  for (const { leaf, node } of plan.updatesInPlace) {
    if (!plan.homes.has(node)) bad.push(`the update of ${leaf.attrs.name as string} is not in a slot`);
    const w = writer(node);
    for (const k of kernels) {
      if (k !== w && k.inputs.some((i) => rootOf(i) === leaf) && step.get(k)! > step.get(w)!) {
        bad.push(`%${k.id} reads ${leaf.attrs.name as string} after its update %${node.id} overwrote it`);
      }
    }
    if (plan.copies.some((c) => rootOf(c.node) === leaf)) {
      bad.push(`a copy at the end reads ${leaf.attrs.name as string}, which its update overwrote`);
    }
  }
  // results in slots: one value per slot
  if (slotOffset) {
    const offsets = [...plan.homes.values()].map(slotOffset);
    if (new Set(offsets).size !== offsets.length) bad.push("two results are computed into the same slot");
  }
  return bad;
}

/** Every plan of a compiled model passes the independent check and sits in the arena. */
export function expectSoundPlans(compiled: CompiledModel): void {
  const { tensors, memoryBytes } = compiled.manifest;
  const persistentEnd = Math.max(...tensors.map((t) => t.offset + 4 * t.shape.reduce((a, d) => a * d, 1)));
  const extras = new Set(Object.keys(compiled.plans.forwardAt));
  for (const plan of [
    compiled.plans.forward,
    compiled.plans.backward,
    compiled.plans.train,
    ...Object.values(compiled.plans.forwardAt),
  ]) {
    if (!plan) continue;
    // a forward entry at other dims updates its own states (TensorInfo.entry)
    const owner = extras.has(plan.export) ? plan.export : undefined;
    expect(
      planViolations(plan, readsElementwise, (slot) => slot.offset),
      plan.export,
    ).toEqual([]);
    expect(plan.arenaStart % 16).toBe(0);
    expect(plan.arenaStart).toBeGreaterThanOrEqual(persistentEnd);
    expect(plan.arenaStart + plan.arenaBytes).toBeLessThanOrEqual(memoryBytes);
    expect(plan.arenaBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
    expect(plan.arenaBytes).toBeLessThanOrEqual(plan.naiveBytes);
    // results in slots are in the manifest's slots: outputs, grads, and params/states for updates
    const slotOffsets = new Set(tensors.filter((t) => t.role !== "input").map((t) => t.offset));
    for (const slot of plan.homes.values()) expect(slotOffsets.has(slot.offset)).toBe(true);
    for (const { leaf, node } of plan.updatesInPlace) {
      const t = tensors.find(
        (x) => x.name === leafName(leaf) && (x.role === "param" || (x.role === "state" && x.entry === owner)),
      )!;
      expect(plan.homes.get(node)!.offset).toBe(t.offset);
    }
  }
  for (const step of compiled.plans.steps) expectSoundStepPlan(step, memoryBytes);
}

/**
 * A scan step's plan passes the same check, and its block is laid out as the lowering says:
 * staging buffers and result slots at the start, disjoint from each other, then the arena, all
 * inside the block (which the enclosing plan checked as the scan kernel's scratch).
 */
function expectSoundStepPlan(step: StepPlan, memoryBytes: number): void {
  expect(
    planViolations(step, readsElementwise, (slot) => slot.offset),
    step.export,
  ).toEqual([]);
  const { start, bytes } = step.block;
  const end = start + bytes;
  expect(start % 16, step.export).toBe(0);
  expect(end, step.export).toBeLessThanOrEqual(memoryBytes);
  expect(step.arenaStart % 16, step.export).toBe(0);
  expect(step.arenaStart + step.arenaBytes, step.export).toBeLessThanOrEqual(end);
  expect(step.arenaBytes, step.export).toBeGreaterThanOrEqual(step.lowerBoundBytes);
  expect(step.arenaBytes, step.export).toBeLessThanOrEqual(step.naiveBytes);
  const fixed = [...step.staging, ...step.homes.values()]
    .map((b) => ({ lo: b.offset, hi: b.offset + 4 * b.shape.reduce((a, d) => a * d, 1) }))
    .sort((a, b) => a.lo - b.lo);
  fixed.forEach(({ lo, hi }, k) => {
    expect(lo % 16, step.export).toBe(0);
    expect(lo, step.export).toBeGreaterThanOrEqual(start);
    expect(hi, step.export).toBeLessThanOrEqual(step.arenaStart);
    if (k > 0)
      expect(lo, `${step.export}: staging and result buffers overlap`).toBeGreaterThanOrEqual(
        fixed[k - 1]!.hi,
      );
  });
}
