/**
 * Turns planned schedules into functions: one kernel function per scheduled node, and for a scan,
 * a time loop over one copy of its step (so the module's size does not grow with T).
 *
 * A scan's step is a graph of its own (its program instantiated over argument leaves, optimized
 * like an entry, memory-planned like an entry). Its bytes sit in the scan kernel's scratch block,
 * which the enclosing plan reserves:
 *
 *   [carry-in buffers][row buffers of the sequences][result buffers][the step's own arena]
 *
 * Loop-invariant operands are read where they are. Each step copies row t of every sequence in,
 * runs the step's kernels, and copies each result out to row t of the packed output and each
 * next carry back into its carry-in buffer. The copies are bulk `memory.copy`s of one step's
 * values, small beside the step's kernels.
 */
import type { Graph } from "../ir/graph.js";
import { topologicalOrder } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import { optimizeGraph, type OptLevel } from "../passes/pipeline.js";
import { planEntry, type EntryPlan, type Target } from "../plan/plan.js";
import { argTypes, instantiate, makeArgs, segments, type ScanAttrs } from "../scan/body.js";
import { reservedBytes, type Buffer } from "./layout.js";
import {
  ALIASING_OPS,
  extraOutputs,
  kernelScratchBytes,
  lowerNode,
  NO_KERNEL_OPS,
  readsElementwise,
} from "./lower.js";
import { DEFAULT_MATMUL_TUNING, type MatmulTuning } from "./emit/matmul.js";
import type { Expr, FnBuilder, ModuleBuilder } from "./module.js";

/** A scan's step as a graph, optimized at the module's level. */
interface ScanBody {
  /** Argument leaves: carries, sequence rows, loop-invariants. */
  readonly args: readonly Node[];
  /** The next carries, then the per-step outputs. */
  readonly results: readonly Node[];
  readonly order: readonly Node[];
}

/** Where a step's values live, relative to the scan's scratch block. */
interface ScanLayout {
  /** Carry-in buffers, then one row buffer per sequence. */
  readonly staging: readonly Buffer[];
  readonly resultSlots: readonly Buffer[];
  /** Start of the step's arena in the block. */
  readonly arenaStart: number;
  readonly plan: EntryPlan<Buffer>;
  readonly bytes: number;
}

/**
 * The memory plan of one lowered scan step, with absolute addresses: its result slots (`homes`)
 * and staging buffers sit at the start of the scan kernel's scratch block, its arena after them.
 */
export interface StepPlan extends EntryPlan<Buffer> {
  /** The step's function-name prefix, e.g. `train_12_scan_step`. */
  readonly export: string;
  /** Byte address of the step's arena. */
  readonly arenaStart: number;
  /** The scan kernel's scratch block: staging buffers, result slots, then the step's arena. */
  readonly block: { readonly start: number; readonly bytes: number };
  /** Carry-in buffers, then one row buffer per sequence. */
  readonly staging: readonly Buffer[];
}

const dtypeOf = (n: { dtype: string }): "f32" | "i32" => (n.dtype === "f32" ? "f32" : "i32");
const at = (b: Buffer, base: number): Buffer => ({ ...b, offset: b.offset + base });

export class ProgramLowering {
  private readonly bodies = new Map<Node, ScanBody>();
  private readonly layouts = new Map<Node, ScanLayout>();
  /** The plan of every scan step lowered so far (nested ones too), in lowering order. */
  readonly stepPlans: StepPlan[] = [];
  readonly target: Target;

  constructor(
    private readonly mb: ModuleBuilder,
    private readonly simd: boolean,
    private readonly optLevel: OptLevel,
    /** The matmul kernels' tuning: the planner sizes their scratch and the kernels are emitted with it. */
    private readonly matmulTuning: MatmulTuning = DEFAULT_MATMUL_TUNING,
  ) {
    this.target = {
      isPersistent: (n) => NO_KERNEL_OPS.has(n.op),
      isView: (n) => ALIASING_OPS.has(n.op),
      readsElementwise,
      writtenBy: (n) => (n.op === "fusion_output" ? n.inputs[0] : undefined),
      scratchBytes: (n) =>
        n.op === "scan" ? this.layout(n).bytes : kernelScratchBytes(n, simd, matmulTuning),
    };
  }

  /**
   * Every node the results need, including the steps of scans (recursively): the caller places
   * their constants in persistent memory before the arena.
   */
  nodesOf(results: readonly Node[]): Node[] {
    const out: Node[] = [];
    for (const n of topologicalOrder(results)) {
      out.push(n);
      if (n.op === "scan") out.push(...this.nodesOf(this.body(n).results));
    }
    return out;
  }

  private body(scan: Node): ScanBody {
    let b = this.bodies.get(scan);
    if (!b) {
      const attrs = scan.attrs as ScanAttrs;
      const args = makeArgs(scan.ctx, argTypes(scan.inputs, attrs));
      const values = scan.ctx.withSource(scan.src, () => instantiate(attrs.program, args));
      const step: Graph = {
        name: `${scan.ctx.name}.scan${scan.id}`,
        inputs: [],
        params: [],
        states: [],
        outputs: new Map(attrs.results.map((r, k) => [`r${k}`, values[r]!])),
        grads: new Map(),
        updates: new Map(),
      };
      const optimized = optimizeGraph(step, { level: this.optLevel }).graph;
      const results = [...optimized.outputs.values()];
      b = { args, results, order: topologicalOrder(results) };
      this.bodies.set(scan, b);
    }
    return b;
  }

  private layout(scan: Node): ScanLayout {
    let l = this.layouts.get(scan);
    if (!l) {
      const attrs = scan.attrs as ScanAttrs;
      const body = this.body(scan);
      let top = 0;
      const allocate = (n: { shape: readonly number[]; dtype: string }): Buffer => {
        const b = { offset: top, shape: n.shape, dtype: dtypeOf(n) };
        top += reservedBytes(sizeOf(n.shape) * 4);
        return b;
      };
      const staging = body.args.slice(0, attrs.carries + attrs.xs).map(allocate);
      const resultSlots = body.results.map(allocate);
      const plan = planEntry(
        body.results.map((node, k) => ({ node, slot: resultSlots[k]! })),
        this.target,
      );
      l = { staging, resultSlots, arenaStart: top, plan, bytes: top + plan.arenaBytes };
      this.layouts.set(scan, l);
    }
    return l;
  }

  /**
   * Lowers a planned schedule: one function per kernel, named `${prefix}_${id}_${op}`. `preset`
   * holds the buffers of leaves and of results computed in their slots; the plan's arena starts
   * at `arenaBase`. Returns the kernel functions in order and the buffer of every node.
   */
  lowerSchedule(
    prefix: string,
    plan: EntryPlan<Buffer>,
    order: readonly Node[],
    preset: ReadonlyMap<Node, Buffer>,
    arenaBase: number,
    constBuffer: (n: Node) => Buffer,
  ): { calls: string[]; buffers: Map<Node, Buffer> } {
    const buffers = new Map<Node, Buffer>(preset);
    for (const [node, slot] of plan.homes) buffers.set(node, { ...slot, shape: node.shape });
    for (const node of order) {
      if (buffers.has(node)) continue;
      if (node.op === "const") buffers.set(node, constBuffer(node));
      else if (ALIASING_OPS.has(node.op)) {
        const src = buffers.get(node.inputs[0]!)!;
        const skip = node.op === "extract" ? 4 * (node.attrs.offset as number) : 0;
        buffers.set(node, { offset: src.offset + skip, shape: node.shape, dtype: src.dtype });
      } else {
        const b = plan.bufferOf.get(node);
        if (!b) throw new Error(`internal: %${node.id} (${node.op}) has no buffer in the plan of ${prefix}`);
        buffers.set(node, { offset: arenaBase + b.offset, shape: node.shape, dtype: dtypeOf(node) });
      }
    }
    const calls: string[] = [];
    const extra = extraOutputs(order);
    for (const node of plan.schedule) {
      const name = `${prefix}_${node.id}_${node.op}`;
      const f = this.mb.fn(name);
      // the kernel's scratch requests are carved, in order, from the block the plan reserved
      const block = plan.scratchOf.get(node);
      let used = 0;
      const scratch = (bytes: number): number => {
        const offset = used;
        used += reservedBytes(bytes);
        if (!block || used > block.bytes) {
          throw new Error(`internal: kernel %${node.id} (${node.op}) needs more scratch than planned`);
        }
        return arenaBase + block.offset + offset;
      };
      const ins = node.inputs.map((i) => buffers.get(i)!);
      if (node.op === "scan") {
        this.lowerScan(
          f,
          name,
          node,
          ins,
          buffers.get(node)!,
          block ? arenaBase + block.offset : 0,
          constBuffer,
        );
      } else {
        lowerNode(
          {
            f,
            simd: this.simd,
            fma: this.mb.relaxedSimd,
            matmulTuning: this.matmulTuning,
            kernel: (k) => this.mb.kernel(k),
            scratch,
          },
          node,
          ins,
          buffers.get(node)!,
          Array.from(extra.get(node) ?? [], (n) => n && buffers.get(n)),
        );
      }
      f.finish();
      calls.push(name);
    }
    return { calls, buffers };
  }

  /** Statements copying each result that was not computed in its slot (see plan.copies). */
  copies(f: FnBuilder, plan: EntryPlan<Buffer>, buffers: ReadonlyMap<Node, Buffer>, slotBase = 0): Expr[] {
    return plan.copies.flatMap(({ node, slot }) => {
      const b = buffers.get(node)!;
      const dst = slot.offset + slotBase;
      return b.offset === dst ? [] : [f.memcpy(f.c32(dst), f.c32(b.offset), f.c32(sizeOf(node.shape) * 4))];
    });
  }

  private lowerScan(
    f: FnBuilder,
    name: string,
    scan: Node,
    ins: readonly Buffer[],
    out: Buffer,
    base: number,
    constBuffer: (n: Node) => Buffer,
  ): void {
    const attrs = scan.attrs as ScanAttrs;
    const body = this.body(scan);
    const layout = this.layout(scan);
    const nc = attrs.carries;
    const nStaged = nc + attrs.xs;
    const preset = new Map<Node, Buffer>();
    body.args.forEach((a, i) => preset.set(a, i < nStaged ? at(layout.staging[i]!, base) : ins[i]!));
    const plan = { ...layout.plan, homes: new Map([...layout.plan.homes].map(([n, s]) => [n, at(s, base)])) };
    this.stepPlans.push({
      ...plan,
      export: `${name}_step`,
      arenaStart: base + layout.arenaStart,
      block: { start: base, bytes: layout.bytes },
      staging: layout.staging.map((b) => at(b, base)),
    });
    const { calls, buffers } = this.lowerSchedule(
      `${name}_step`,
      plan,
      body.order,
      preset,
      base + layout.arenaStart,
      constBuffer,
    );
    const bytes = (b: Buffer) => f.c32(sizeOf(b.shape) * 4);
    const carryIn = (k: number) => at(layout.staging[k]!, base);
    const slot = (k: number) => at(layout.resultSlots[k]!, base);
    const segs = segments(
      attrs.length,
      body.results.map((r) => ({ shape: r.shape, dtype: r.dtype })),
    ).segments;
    for (let k = 0; k < nc; k++)
      f.emit(f.memcpy(f.c32(carryIn(k).offset), f.c32(ins[k]!.offset), bytes(carryIn(k))));
    const s = f.local("i32");
    const t = f.local("i32");
    const rowAddress = (start: number, rowBytes: number) =>
      f.i32.add(f.c32(start), f.i32.mul(f.get(t), f.c32(rowBytes)));
    const T = attrs.length;
    f.emit(
      f.forLoop(s, f.c32(0), f.c32(T), 1, () => [
        f.set(t, attrs.reverse ? f.i32.sub(f.c32(T - 1), f.get(s)) : f.get(s)),
        ...Array.from({ length: attrs.xs }, (_, i) => {
          const row = at(layout.staging[nc + i]!, base);
          const rowBytes = sizeOf(row.shape) * 4;
          return f.memcpy(f.c32(row.offset), rowAddress(ins[nc + i]!.offset, rowBytes), f.c32(rowBytes));
        }),
        ...calls.map((c) => f.call(c, [], "none")),
        ...this.copies(f, layout.plan, buffers, base),
        ...segs.map((seg, k) =>
          f.memcpy(
            rowAddress(out.offset + 4 * seg.offset, 4 * seg.step),
            f.c32(slot(k).offset),
            bytes(slot(k)),
          ),
        ),
        ...Array.from({ length: nc }, (_, k) =>
          f.memcpy(f.c32(carryIn(k).offset), f.c32(slot(k).offset), bytes(carryIn(k))),
        ),
      ]),
    );
  }
}
