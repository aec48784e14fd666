/**
 * The optimization pipeline: named passes in order, each a function Graph → Graph.
 *
 *   -O0: no passes (every node becomes its own kernel)
 *   -O2: simplify → fold → cse, repeated until the node count stops falling (at most 4 rounds)
 *
 * Dead-code elimination needs no pass of its own: a graph is defined by its roots (outputs,
 * grads, updates), so a node nothing refers to any more is gone after every rewrite; the node
 * counts in the report include its effect. In tests and with `check`, the IR spec check runs
 * after every pass.
 */
import { graphNodes, type Graph } from "../ir/graph.js";
import { checkGraph } from "../ir/spec.js";
import { CSE_RULES } from "./cse.js";
import { FOLD_RULES } from "./fold.js";
import { rewrite, type Rule } from "./rewrite.js";
import { SIMPLIFY_RULES } from "./simplify.js";

export interface Pass {
  readonly name: string;
  readonly rules: readonly Rule[];
}

export const PASSES: readonly Pass[] = [
  { name: "simplify", rules: SIMPLIFY_RULES },
  { name: "fold", rules: FOLD_RULES },
  { name: "cse", rules: CSE_RULES },
];

export type OptLevel = 0 | 2;

export interface PassReport {
  readonly pass: string;
  readonly round: number;
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  /** How many times each rule fired. */
  readonly rules: Readonly<Record<string, number>>;
}

export interface OptimizeOptions {
  readonly level?: OptLevel;
  /** Run the IR spec check after every pass. */
  readonly check?: boolean;
  /** Restrict to these passes (by name), for tests and `--passes`. */
  readonly passes?: readonly string[];
}

export function runPass(g: Graph, pass: Pass): { graph: Graph; rules: Record<string, number> } {
  const counts = new Map<string, number>();
  const graph = rewrite(g, pass.rules, counts);
  return { graph, rules: Object.fromEntries(counts) };
}

export function optimizeGraph(
  g: Graph,
  options: OptimizeOptions = {},
): { graph: Graph; report: PassReport[] } {
  const level = options.level ?? 2;
  const report: PassReport[] = [];
  if (level === 0) return { graph: g, report };
  const passes = PASSES.filter((p) => !options.passes || options.passes.includes(p.name));
  let graph = g;
  for (let round = 1; round <= 4; round++) {
    const start = graphNodes(graph).length;
    for (const pass of passes) {
      const before = graphNodes(graph).length;
      const result = runPass(graph, pass);
      graph = result.graph;
      if (options.check) checkGraph(graph);
      report.push({
        pass: pass.name,
        round,
        nodesBefore: before,
        nodesAfter: graphNodes(graph).length,
        rules: result.rules,
      });
    }
    if (graphNodes(graph).length >= start) break;
  }
  return { graph, report };
}

/** One line per pass run: node counts before and after, and the rules that fired. */
export function formatPassReport(report: readonly PassReport[]): string {
  return report
    .map((r) => {
      const rules = Object.entries(r.rules)
        .map(([k, v]) => `${k}×${v}`)
        .join(", ");
      return `round ${r.round}  ${r.pass.padEnd(9)} ${String(r.nodesBefore).padStart(5)} -> ${String(r.nodesAfter).padEnd(5)} ${rules}`;
    })
    .join("\n");
}
