/**
 * A graph: the leaves it binds and the named values it computes. Every stage after the DSL
 * (autodiff, passes, interpreter, backends) consumes and produces this one structure.
 *
 *  - inputs / params / states: leaf nodes, bound by name when the graph runs. Params are trained;
 *    states are carried by the runtime from one call to the next (recurrent hidden state,
 *    optimizer moments).
 *  - outputs: user-visible values; `loss` is among them when the model declares one.
 *  - grads: d loss / d leaf, keyed by the leaf's name (filled in by autodiff).
 *  - updates: the next value of a param or state, keyed by its name (optimizer steps, carried
 *    state), applied by the runtime after the call.
 */
import { WasmgradError } from "../errors.js";
import type { Node } from "./node.js";

export interface Graph {
  readonly name: string;
  readonly inputs: readonly Node[];
  readonly params: readonly Node[];
  readonly states: readonly Node[];
  readonly outputs: ReadonlyMap<string, Node>;
  readonly grads: ReadonlyMap<string, Node>;
  readonly updates: ReadonlyMap<string, Node>;
}

export function leafName(leaf: Node): string {
  return leaf.attrs.name as string;
}

/** Every node a graph computes, in a topological order (operands before users; leaves first). */
export function graphNodes(g: Graph): Node[] {
  return topologicalOrder([
    ...g.inputs,
    ...g.params,
    ...g.states,
    ...g.outputs.values(),
    ...g.grads.values(),
    ...g.updates.values(),
  ]);
}

/**
 * Post-order depth-first walk from `roots` (iterative, so deep graphs such as long unrolled
 * recurrences cannot overflow the JavaScript stack). Raises on a cycle, which hash-consed nodes
 * cannot form but deserialized ones might.
 *
 * Nodes for which `known` holds are neither listed nor walked into: a caller that already handled
 * them and everything below them (a rewrite visiting root after root) gets the order of the rest
 * without walking the shared part again; the order of the rest is the same as without `known`.
 */
export function topologicalOrder(roots: readonly Node[], known?: (n: Node) => boolean): Node[] {
  const order: Node[] = [];
  const state = new Map<Node, "open" | "done">();
  for (const root of roots) {
    if (state.has(root) || known?.(root)) continue;
    const stack: [Node, number][] = [[root, 0]];
    state.set(root, "open");
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next < node.inputs.length) {
        top[1]++;
        const input = node.inputs[next]!;
        const s = state.get(input);
        if (s === "open") {
          throw new WasmgradError(
            `the graph has a cycle through node %${input.id} (${input.op}); a value cannot depend on itself`,
            { op: input.op, location: input.src },
          );
        }
        if (s === undefined && !known?.(input)) {
          state.set(input, "open");
          stack.push([input, 0]);
        }
      } else {
        stack.pop();
        state.set(node, "done");
        order.push(node);
      }
    }
  }
  return order;
}

/** Counts, for each node, how many times it is used as an operand or a graph result. */
export function useCounts(g: Graph, nodes: readonly Node[] = graphNodes(g)): Map<Node, number> {
  const uses = new Map<Node, number>();
  for (const n of nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const n of [...g.outputs.values(), ...g.grads.values(), ...g.updates.values()]) {
    uses.set(n, (uses.get(n) ?? 0) + 1);
  }
  return uses;
}
