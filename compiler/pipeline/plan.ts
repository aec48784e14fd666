/**
 * Stage "plan": the memory plan of every entry and of every loop step (compiler/plan): a schedule
 * of its kernels, and an offset in the arena for every intermediate, shared by values whose
 * lifetimes do not overlap. Results are written into their persistent slots (param and state
 * updates too, once every other reader of the old value has run); the rest is copied there at the
 * end.
 *
 * A loop's step is planned like an entry. Its bytes sit in the scan kernel's scratch block, which
 * the enclosing plan reserves:
 *
 *   [carry-in buffers][row buffers of the sequences][result buffers][the step's own arena]
 *
 * Last, a module whose memory would pass wasm32's 4 GiB is rejected (memory-limit.ts).
 */
import { LOSS } from "../autodiff/grad.js";
import { leafName, type Graph } from "../ir/graph.js";
import { isData, isView } from "../ir/kernels.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import type { ScanAttrs } from "../ops/scan-body.js";
import { reservedBytes, storedDType, type Buffer } from "../plan/layout.js";
import { planEntry, type KernelFacts, type PlanResult } from "../plan/plan.js";
import { kernelScratchBytes, readsElementwise } from "../wasm/lower.js";
import { entryNames } from "./entries.js";
import { checkMemoryLimit } from "./memory-limit.js";
import type { EntryName, MemoryPlans, PersistentLayout, StepGraph, StepLayout } from "../plan/module.js";
import type { OptimizedEntries } from "./optimize.js";
import type { Target } from "../target.js";

const EXPORTS: Record<EntryName, string> = { forward: "forward", backward: "backward", train: "train_step" };

/** What an entry must leave in which slot (`outputs`: the slots of its user outputs). */
function entryResults(
  name: EntryName,
  g: Graph,
  layout: PersistentLayout,
  outputs: ReadonlyMap<string, Buffer> = layout.outputs,
): PlanResult<Buffer>[] {
  const results = (m: ReadonlyMap<string, Node>, slots: ReadonlyMap<string, Buffer>) =>
    [...m].map(([key, node]) => ({ node, slot: slots.get(key)! }));
  /** Updates of params and states, each written into its leaf's slot. */
  const updates = () =>
    [...g.updates].map(([key, node]) => {
      const leaf = [...g.params, ...g.states].find((l) => leafName(l) === key)!;
      return { node, slot: layout.leaves.get(leaf)!, updates: leaf };
    });
  const loss = () => ({ node: g.outputs.get(LOSS)!, slot: layout.outputs.get(LOSS)! });
  // forward also advances the model's states; backward (a pure query) does not
  if (name === "forward") return [...results(g.outputs, outputs), ...updates()];
  if (name === "backward") return [loss(), ...results(g.grads, layout.grads)];
  // an update overwrites its param or state only after every other reader has run (plan/)
  return [loss(), ...results(g.grads, layout.grads), ...updates()];
}

/** The step's buffers in its scratch block, and its plan. */
function layoutStep(scan: Node, step: StepGraph, facts: KernelFacts): StepLayout {
  const attrs = scan.attrs as ScanAttrs;
  let top = 0;
  const allocate = (n: { shape: readonly number[]; dtype: string }): Buffer => {
    const b = { offset: top, shape: n.shape, dtype: storedDType(n.dtype) };
    top += reservedBytes(sizeOf(n.shape) * 4);
    return b;
  };
  const staging = step.args.slice(0, attrs.carries + attrs.xs).map(allocate);
  const resultSlots = step.results.map(allocate);
  const plan = planEntry(
    step.results.map((node, k) => ({ node, slot: resultSlots[k]! })),
    facts,
  );
  return { staging, resultSlots, arenaStart: top, plan, bytes: top + plan.arenaBytes };
}

export function planMemory(opt: OptimizedEntries, layout: PersistentLayout, target: Target): MemoryPlans {
  const steps = new Map<Node, StepLayout>();
  const stepLayout = (scan: Node): StepLayout => {
    let l = steps.get(scan);
    if (!l) {
      l = layoutStep(scan, opt.steps.get(scan)!, facts);
      steps.set(scan, l);
    }
    return l;
  };
  const facts: KernelFacts = {
    isPersistent: isData,
    isView,
    readsElementwise,
    writtenBy: (n) => (n.op === "fusion_output" ? n.inputs[0] : undefined),
    scratchBytes: (n) => (n.op === "scan" ? stepLayout(n).bytes : kernelScratchBytes(n, target)),
  };
  const entries = [
    ...entryNames(opt.graphs).map((name) => {
      const results = entryResults(name, opt.graphs[name]!, layout);
      return { name, key: name, exportName: EXPORTS[name], results, plan: planEntry(results, facts) };
    }),
    // the forward entries at other dims, each exported under its key (batches.ts)
    ...opt.graphs.extras.map((x) => {
      const results = entryResults("forward", x.graph, layout, layout.extraOutputs.get(x.key));
      return {
        name: "forward" as const,
        key: x.key,
        exportName: x.key,
        results,
        plan: planEntry(results, facts),
      };
    }),
  ];
  const plans = { entries, steps };
  checkMemoryLimit(opt, layout, plans);
  return plans;
}
