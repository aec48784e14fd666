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
  const marks = new NodeMarks(roots[0]);
  // two parallel stacks: the nodes being walked and the next operand of each
  const nodes: Node[] = [];
  const next: number[] = [];
  for (const root of roots) {
    if (marks.get(root) !== UNSEEN || known?.(root)) continue;
    nodes.push(root);
    next.push(0);
    marks.set(root, OPEN);
    while (nodes.length) {
      const top = nodes.length - 1;
      const node = nodes[top]!;
      const k = next[top]!;
      if (k < node.inputs.length) {
        next[top] = k + 1;
        const input = node.inputs[k]!;
        const s = marks.get(input);
        if (s === OPEN) {
          throw new WasmgradError(
            `the graph has a cycle through node %${input.id} (${input.op}); a value cannot depend on itself`,
            { op: input.op, location: input.src },
          );
        }
        if (s === UNSEEN && !known?.(input)) {
          marks.set(input, OPEN);
          nodes.push(input);
          next.push(0);
        }
      } else {
        nodes.pop();
        next.pop();
        marks.set(node, DONE);
        order.push(node);
      }
    }
  }
  return order;
}

const UNSEEN = 0;
const OPEN = 1;
const DONE = 2;

/**
 * A walk's mark of each node. Node ids are dense within a context, so the marks of one context's
 * nodes are an array indexed by id (a Map of thousands of nodes was most of the walk's time in
 * large graphs); nodes of another context (a graph mixing models, which the DSL refuses) go to a Map.
 */
class NodeMarks {
  private readonly byId: Uint8Array;
  private readonly others = new Map<Node, number>();
  constructor(private readonly first: Node | undefined) {
    this.byId = new Uint8Array(first ? first.ctx.size : 0);
  }
  get(n: Node): number {
    return n.ctx === this.first?.ctx && n.id < this.byId.length
      ? this.byId[n.id]!
      : (this.others.get(n) ?? UNSEEN);
  }
  set(n: Node, mark: number): void {
    if (n.ctx === this.first?.ctx && n.id < this.byId.length) this.byId[n.id] = mark;
    else this.others.set(n, mark);
  }
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
