/**
 * Stage "lower": one kernel function per scheduled node of each entry (program.ts), and the
 * entry's exported function, which calls them in schedule order and then copies each result that
 * was not computed in its slot.
 */
import type { MemoryPlan, MemoryPlans, PersistentLayout, StepGraph } from "../plan/module.js";
import type { Target } from "../target.js";
import type { Node } from "../ir/node.js";
import { topologicalOrder } from "../ir/graph.js";
import type { ModuleBuilder } from "./module.js";
import { ProgramLowering, type StepPlan } from "./program.js";

export interface LoweredEntries {
  readonly plans: Readonly<Partial<Record<"forward" | "backward" | "train", MemoryPlan>>>;
  /** The plans of the forward entries at other dims, by key (pipeline/batches.ts). */
  readonly extraPlans: Readonly<Record<string, MemoryPlan>>;
  readonly steps: readonly StepPlan[];
}

export function lowerEntries(
  mb: ModuleBuilder,
  target: Target,
  /** The optimized step of every scan. */
  steps: ReadonlyMap<Node, StepGraph>,
  layout: PersistentLayout,
  memory: MemoryPlans,
): LoweredEntries {
  const lowering = new ProgramLowering(mb, target, steps, memory.steps);
  const constant = (n: Node) => {
    const b = layout.constants.get(n);
    if (!b) throw new Error(`internal: constant %${n.id} has no place in the persistent layout`);
    return b;
  };
  // every entry's arena starts where the persistent part ends: they run one at a time
  const arenaStart = layout.end;
  const plans: Partial<Record<"forward" | "backward" | "train", MemoryPlan>> = {};
  const extraPlans: Record<string, MemoryPlan> = {};
  for (const entry of memory.entries) {
    const order = topologicalOrder(entry.results.map((r) => r.node));
    const { calls, buffers } = lowering.lowerSchedule(
      entry.key,
      entry.plan,
      order,
      layout.leaves,
      arenaStart,
      constant,
    );
    const main = mb.fn(`entry_${entry.key}`);
    main.emit(...calls.map((n) => main.call(n, [], "none")));
    main.emit(...lowering.copies(main, entry.plan, buffers));
    main.finish("none", entry.exportName);
    const plan = { ...entry.plan, export: entry.exportName, arenaStart };
    if (entry.key === entry.name) plans[entry.name] = plan;
    else extraPlans[entry.key] = plan;
  }
  return { plans, extraPlans, steps: lowering.stepPlans };
}
