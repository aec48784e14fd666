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
import type { Node } from "../ir/node.js";
import { isView } from "../ir/kernels.js";
import { sizeOf } from "../ir/shape.js";
import { segments, type ScanAttrs } from "../ops/scan-body.js";
import type { StepGraph, StepLayout } from "../plan/module.js";
import type { Target } from "../target.js";
import { reservedBytes, storedDType, type Buffer } from "../plan/layout.js";
import type { EntryPlan } from "../plan/plan.js";
import { extraOutputs, lowerNode } from "./lower.js";
import type { Expr, FnBuilder, ModuleBuilder } from "./module.js";

/**
 * The memory plan of one lowered scan step, with absolute addresses: its result slots (`homes`)
 * and staging buffers sit at the start of the scan kernel's scratch block, its arena after them.
 */
export interface StepPlan extends EntryPlan<Buffer> {
  /** The step's function-name prefix, e.g. `train_12_scan_step`. */
  readonly export: string;
  /** Byte address of the step's arena. */
  readonly arenaStart: number;
  /** The scan kernel's scratch block: staging, result slots, then the step's arena. */
  readonly block: { readonly start: number; readonly bytes: number };
  /** Carry-in and sequence-row buffers (absolute). */
  readonly staging: readonly Buffer[];
}

const at = (b: Buffer, base: number): Buffer => ({ ...b, offset: b.offset + base });

/** Lowers planned entries and loop steps to kernel functions of one module. */
export class ProgramLowering {
  /** The plan of every scan step lowered so far (nested ones too), in lowering order. */
  readonly stepPlans: StepPlan[] = [];

  constructor(
    private readonly mb: ModuleBuilder,
    private readonly target: Target,
    /** The optimized step of every scan (stage "optimize"). */
    private readonly steps: ReadonlyMap<Node, StepGraph>,
    /** The layout and plan of every step (stage "plan"). */
    private readonly stepLayouts: ReadonlyMap<Node, StepLayout>,
  ) {}

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
      else if (isView(node)) {
        const src = buffers.get(node.inputs[0]!)!;
        const skip = node.op === "extract" ? 4 * (node.attrs.offset as number) : 0;
        buffers.set(node, { offset: src.offset + skip, shape: node.shape, dtype: src.dtype });
      } else {
        const b = plan.bufferOf.get(node);
        if (!b) throw new Error(`internal: %${node.id} (${node.op}) has no buffer in the plan of ${prefix}`);
        buffers.set(node, {
          offset: arenaBase + b.offset,
          shape: node.shape,
          dtype: storedDType(node.dtype),
        });
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
            target: this.target,
            kernel: (k) => this.mb.kernel(k),
            scratch,
            trapSite: (site) => this.mb.trapSite(site),
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
    const body = this.steps.get(scan)!;
    const layout = this.stepLayouts.get(scan)!;
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
