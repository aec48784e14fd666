/**
 * cse: common-subexpression elimination. Hash-consing already makes structurally equal nodes one
 * object as they are built (including the duplicates autodiff creates, such as σ(z) used again
 * for its derivative). This pass adds what structure alone misses: commutative operations are
 * put in a canonical operand order, so `a + b` and `b + a` become one node.
 *
 *   before:  %5 = add %2, %3 ; %6 = add %3, %2      after:  %6 is %5
 */
import type { Node } from "../ir/node.js";
import type { Rule } from "./rewrite.js";

/** The op's `commutative` trait, which may depend on the attributes (compare: eq and ne). */
function commutative(n: Node): boolean {
  const c = n.def.traits.commutative;
  return typeof c === "function" ? c(n.attrs) : !!c;
}

export const CSE_RULES: readonly Rule[] = [
  {
    name: "canonical-operand-order",
    pattern: "a ⊕ b ==> b ⊕ a when b was created first (⊕ commutative)",
    apply: (n) => {
      if (!commutative(n)) return undefined;
      const [a, b] = n.inputs as [Node, Node];
      return a.id > b.id ? n.ctx.node(n.op, [b, a], n.attrs) : undefined;
    },
  },
];
