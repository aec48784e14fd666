/**
 * The rewrite engine. A rule looks at one node (whose operands are already rewritten) and either
 * returns a replacement or undefined. `rewrite(g, rules)` rebuilds the graph bottom-up through the
 * model's hash-consing context, applying the rules at each node until none matches, so the result
 * is again interned: equal subexpressions that rewriting creates are shared at once.
 */
import { topologicalOrder, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { withInputs } from "../ir/substitute.js";

export { withInputs };

export interface Rule {
  /** Short name, shown in reports. */
  readonly name: string;
  /** What the rule does, e.g. `x * 1 ==> x`. */
  readonly pattern: string;
  readonly apply: (n: Node) => Node | undefined;
}

/** Counts of rule applications, by rule name. */
export type RuleCounts = Map<string, number>;

export function rewrite(g: Graph, rules: readonly Rule[], counts: RuleCounts = new Map()): Graph {
  const memo = new Map<Node, Node>();
  // every node below a memoized one is memoized too (each walk memoizes its whole order), so the
  // walk from the next root skips them: one visit per node for all the roots together
  const known = (n: Node) => memo.has(n);
  const visit = (root: Node): Node => {
    for (const n of topologicalOrder([root], known)) {
      if (n.def.traits.leaf) {
        memo.set(n, n);
        continue;
      }
      let current = withInputs(
        n,
        n.inputs.map((i) => memo.get(i)!),
      );
      // apply rules to a fixpoint (each rule makes the graph smaller or simpler; 32 is a guard)
      for (let round = 0; round < 32; round++) {
        let next: Node | undefined;
        for (const rule of rules) {
          next = n.ctx.withSource(current.src, () => rule.apply(current));
          if (next && next !== current) {
            counts.set(rule.name, (counts.get(rule.name) ?? 0) + 1);
            break;
          }
          next = undefined;
        }
        if (!next) break;
        // a replacement is built from already rewritten operands, and is itself offered to the
        // rules again; the fresh intermediate nodes inside it are simplified by the next round
        current = next;
      }
      memo.set(n, current);
    }
    return memo.get(root)!;
  };
  const map = (m: ReadonlyMap<string, Node>) => new Map([...m].map(([k, v]) => [k, visit(v)]));
  return {
    ...g,
    outputs: map(g.outputs),
    grads: map(g.grads),
    updates: map(g.updates),
    // leaves stay declared even when no longer used (their names are part of the interface)
    inputs: g.inputs,
    params: g.params,
    states: g.states,
  };
}
