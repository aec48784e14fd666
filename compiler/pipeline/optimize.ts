/**
 * Stage "optimize": every entry's graph through the pass pipeline (compiler/passes/pipeline.ts),
 * then the step of every loop the optimized entries run, nested loops too, with the same options:
 * a step is a graph of its own (its program instantiated over argument leaves), optimized like an
 * entry and later memory-planned like one.
 */
import type { Graph } from "../ir/graph.js";
import { topologicalOrder } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { argTypes, instantiate, makeArgs, type ScanAttrs } from "../ops/scan-body.js";
import type { StepGraph } from "../plan/module.js";
import { optimizeGraph, type OptimizeOptions, type PassReport } from "../passes/pipeline.js";
import { entryNames, entryRoots, type EntryGraphs } from "./entries.js";
import type { EntryName } from "../plan/module.js";

export interface OptimizedEntries {
  readonly graphs: EntryGraphs;
  readonly passReports: Partial<Record<EntryName, readonly PassReport[]>>;
  /** The optimized step of every scan reachable from the entries (nested ones included). */
  readonly steps: ReadonlyMap<Node, StepGraph>;
}

/** The step of `scan`, instantiated as a graph and optimized with `options`. */
export function optimizeStep(scan: Node, options: OptimizeOptions): StepGraph {
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
  const results = [...optimizeGraph(step, options).graph.outputs.values()];
  return { args, results, order: topologicalOrder(results) };
}

export function optimizeEntries(entries: EntryGraphs, options: OptimizeOptions): OptimizedEntries {
  const passReports: Partial<Record<EntryName, PassReport[]>> = {};
  const graphs: { -readonly [K in EntryName]?: Graph } = {};
  for (const name of entryNames(entries)) {
    const { graph, report } = optimizeGraph(entries[name]!, options);
    graphs[name] = graph;
    passReports[name] = report;
  }
  const extras = entries.extras.map((x) => ({ ...x, graph: optimizeGraph(x.graph, options).graph }));
  const steps = new Map<Node, StepGraph>();
  const visit = (roots: readonly Node[]) => {
    for (const n of topologicalOrder(roots)) {
      if (n.op !== "scan" || steps.has(n)) continue;
      const step = optimizeStep(n, options);
      steps.set(n, step);
      visit(step.results);
    }
  };
  for (const name of entryNames(entries)) visit(entryRoots(name, graphs[name]!));
  for (const x of extras) visit(entryRoots("forward", x.graph));
  return { graphs: { ...(graphs as Omit<EntryGraphs, "extras">), extras }, passReports, steps };
}
