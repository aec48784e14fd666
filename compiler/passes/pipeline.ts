/**
 * The optimization pipeline: named passes in order, each a function Graph → Graph.
 *
 *   -O0: no passes (every node becomes its own kernel)
 *   -O2: hoist → simplify → sparse → fold → cse, repeated until a round changes nothing (at most 4 rounds),
 *        then fuse once (loop fusion, matmul epilogues, reductions with their producers and users)
 *
 * Dead-code elimination needs no pass of its own: a graph is defined by its roots (outputs,
 * grads, updates), so a node nothing refers to any more is gone after every rewrite; the node
 * counts in the report include its effect. In tests and with `check`, the IR spec check runs
 * after every pass.
 */
import { graphNodes, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { isKernel } from "../ir/kernels.js";
import { checkGraph } from "../ir/spec.js";
import { CSE_RULES } from "./cse.js";
import { FOLD_RULES } from "./fold.js";
import { fuseGraph } from "./fuse.js";
import { HOIST_RULES } from "./hoist.js";
import { mergeResidualScans } from "./residuals.js";
import { fusionHead, type FusionAttrs } from "../ops/fusion.js";
import { rewrite, type Rule } from "./rewrite.js";
import { SIMPLIFY_RULES } from "./simplify.js";
import { SPARSE_PASS } from "./sparse.js";

export interface Pass {
  readonly name: string;
  /** Rewrites the graph; returns it with how often each rule (or kind of change) applied. */
  readonly run: (g: Graph) => { graph: Graph; rules: Record<string, number> };
}

function rulePass(name: string, rules: readonly Rule[]): Pass {
  return {
    name,
    run: (g) => {
      const counts = new Map<string, number>();
      const graph = rewrite(g, rules, counts);
      return { graph, rules: Object.fromEntries(counts) };
    },
  };
}

/**
 * hoist: first the readers of a forward scan move to the same scan storing its VJP's residuals
 * (residuals.ts), then the rule moves out of each loop what does not depend on its carries.
 */
const HOIST_PASS: Pass = {
  name: "hoist",
  run: (g) => {
    const { graph: merged, merged: residuals } = mergeResidualScans(g);
    const { graph, rules } = rulePass("hoist", HOIST_RULES).run(merged);
    return { graph, rules: residuals ? { residuals, ...rules } : rules };
  },
};

/** The passes repeated to a fixpoint. */
export const REWRITE_PASSES: readonly Pass[] = [
  HOIST_PASS,
  rulePass("simplify", SIMPLIFY_RULES),
  SPARSE_PASS,
  rulePass("fold", FOLD_RULES),
  rulePass("cse", CSE_RULES),
];

export const FUSE_PASS: Pass = {
  name: "fuse",
  run: (g) => {
    const { graph, duplicated, merged, companions } = fuseGraph(g);
    const fusions = graphNodes(graph).filter((n) => n.op === "fusion");
    const absorbed = fusions.reduce((sum, n) => sum + (n.attrs.program as unknown[]).length, 0);
    const count = (kind: string) => fusions.filter((n) => fusionKind(n) === kind).length;
    const rules: Record<string, number> = {};
    if (fusions.length) Object.assign(rules, { fusions: fusions.length, "ops-fused": absorbed });
    for (const [name, kind] of [
      ["matmul-epilogues", "matmul epilogue"],
      ["reduction-fusions", "reduction"],
      ["softmax-xent-fusions", "softmax cross-entropy"],
    ] as const) {
      if (count(kind)) rules[name] = count(kind);
    }
    const multi = fusions.filter((n) => (n.attrs as unknown as FusionAttrs).outputs?.length).length;
    if (multi) rules["multi-output"] = multi;
    if (duplicated) rules.duplicated = duplicated;
    if (merged) rules["merged-into-readers"] = merged;
    if (companions) rules["loss-with-gradient"] = companions;
    return { graph, rules };
  },
};

/** Every pass, in pipeline order. */
export const PASSES: readonly Pass[] = [...REWRITE_PASSES, FUSE_PASS];

export type OptLevel = 0 | 2;

export interface PassReport {
  readonly pass: string;
  readonly round: number;
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  /** Nodes that become kernels (not leaves, constants or views), before and after. */
  readonly kernelsBefore: number;
  readonly kernelsAfter: number;
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
  return pass.run(g);
}

function counts(g: Graph): { nodesBefore: number; kernelsBefore: number } {
  const nodes = graphNodes(g);
  return { nodesBefore: nodes.length, kernelsBefore: nodes.filter(isKernel).length };
}

function after(g: Graph): { nodesAfter: number; kernelsAfter: number } {
  const { nodesBefore, kernelsBefore } = counts(g);
  return { nodesAfter: nodesBefore, kernelsAfter: kernelsBefore };
}

export function optimizeGraph(
  g: Graph,
  options: OptimizeOptions = {},
): { graph: Graph; report: PassReport[] } {
  const level = options.level ?? 2;
  const report: PassReport[] = [];
  if (level === 0) return { graph: g, report };
  const chosen = (p: Pass) => !options.passes || options.passes.includes(p.name);
  const passes = REWRITE_PASSES.filter(chosen);
  let graph = g;
  let round = 1;
  for (; round <= 4; round++) {
    const start = graph;
    for (const pass of passes) {
      const before = counts(graph);
      const result = runPass(graph, pass);
      graph = result.graph;
      if (options.check) checkGraph(graph);
      report.push({ pass: pass.name, round, ...before, ...after(graph), rules: result.rules });
    }
    if (sameRoots(graph, start)) break;
  }
  if (chosen(FUSE_PASS)) {
    const before = counts(graph);
    const result = FUSE_PASS.run(graph);
    graph = result.graph;
    if (options.check) checkGraph(graph);
    report.push({
      pass: FUSE_PASS.name,
      round: Math.min(round, 4),
      ...before,
      ...after(graph),
      rules: result.rules,
    });
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
      const nodes = `${String(r.nodesBefore).padStart(5)} -> ${String(r.nodesAfter).padEnd(5)}`;
      const kernels = `${String(r.kernelsBefore).padStart(4)} -> ${String(r.kernelsAfter).padEnd(4)}`;
      return `round ${r.round}  ${r.pass.padEnd(9)} nodes ${nodes} kernels ${kernels} ${rules}`.trimEnd();
    })
    .join("\n");
}

export type FusionKind = "loop" | "matmul epilogue" | "reduction" | "softmax cross-entropy";

/** What kind of kernel a fusion is, by its head. */
export function fusionKind(n: Node): FusionKind {
  const head = fusionHead(n.attrs as unknown as FusionAttrs);
  if (!head) return "loop";
  if (head.instr.op === "matmul") return "matmul epilogue";
  return head.instr.op === "softmax_xent_grad" ? "softmax cross-entropy" : "reduction";
}

/** One line per fused kernel: its id, kind, the ops it runs in one kernel, and its extra outputs. */
export function describeFusions(g: Graph): string {
  const nodes = graphNodes(g);
  return nodes
    .filter((n) => n.op === "fusion")
    .map((n) => {
      const attrs = n.attrs as unknown as FusionAttrs;
      const kind = fusionKind(n);
      const extra = nodes.filter((x) => x.op === "fusion_output" && x.inputs[0] === n).map((x) => `%${x.id}`);
      const outputs = extra.length ? ` (also writes ${extra.join(", ")})` : "";
      return `%${n.id} ${kind === "loop" ? "fusion" : kind} of ${attrs.program.length} ops: ${attrs.program.map((i) => i.op).join(" -> ")}${outputs}`;
    })
    .join("\n");
}

/** Whether two graphs compute the same nodes (hash-consing: same results means same graph). */
function sameRoots(a: Graph, b: Graph): boolean {
  const same = (x: ReadonlyMap<string, unknown>, y: ReadonlyMap<string, unknown>) =>
    x.size === y.size && [...x].every(([k, v]) => y.get(k) === v);
  return same(a.outputs, b.outputs) && same(a.grads, b.grads) && same(a.updates, b.updates);
}
