/**
 * Graph <-> JSON. The JSON form lists nodes with operand ids; reading it back re-creates every
 * node through the op rules (so shapes are re-checked) in a fresh context, after verifying that
 * references resolve and that the operand relation has no cycle.
 */
import { WasmgradError, type SourceLocation } from "./errors.js";
import { graphNodes, type Graph } from "./ir/graph.js";
import { Context, type Attrs, type Node } from "./ir/node.js";
import type { OpName } from "./ir/op.js";
import { typeToString, type DType } from "./ir/shape.js";
import { OPS } from "./ops/index.js";

export interface NodeJSON {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly src?: SourceLocation;
}

export interface GraphJSON {
  readonly name: string;
  readonly nodes: readonly NodeJSON[];
  readonly inputs: readonly number[];
  readonly params: readonly number[];
  readonly states: readonly number[];
  readonly outputs: Readonly<Record<string, number>>;
  readonly grads: Readonly<Record<string, number>>;
  readonly updates: Readonly<Record<string, number>>;
}

export function graphToJSON(g: Graph): GraphJSON {
  const ids = (xs: Iterable<Node>) => [...xs].map((n) => n.id);
  const named = (m: ReadonlyMap<string, Node>) => Object.fromEntries([...m].map(([k, n]) => [k, n.id]));
  return {
    name: g.name,
    nodes: graphNodes(g).map((n) => ({
      id: n.id,
      op: n.op,
      inputs: ids(n.inputs),
      attrs: n.attrs,
      shape: [...n.shape],
      dtype: n.dtype,
      ...(n.src ? { src: n.src } : {}),
    })),
    inputs: ids(g.inputs),
    params: ids(g.params),
    states: ids(g.states),
    outputs: named(g.outputs),
    grads: named(g.grads),
    updates: named(g.updates),
  };
}

export function graphFromJSON(json: GraphJSON): Graph {
  const byId = new Map<number, NodeJSON>();
  for (const n of json.nodes) {
    if (byId.has(n.id)) throw new WasmgradError(`graph '${json.name}': node id ${n.id} appears twice`);
    byId.set(n.id, n);
  }
  const ctx = new Context(json.name, OPS);
  const built = new Map<number, Node>();
  const visiting = new Set<number>();
  // Iterative post-order so that long chains cannot overflow the stack.
  const build = (rootId: number): Node => {
    const stack = [rootId];
    while (stack.length) {
      const id = stack[stack.length - 1]!;
      if (built.has(id)) {
        stack.pop();
        continue;
      }
      const n = byId.get(id);
      if (!n) throw new WasmgradError(`graph '${json.name}': reference to undefined node %${id}`);
      const pending = n.inputs.filter((i) => !built.has(i));
      if (pending.length && !visiting.has(id)) {
        visiting.add(id);
        for (const i of pending) {
          if (visiting.has(i)) {
            throw new WasmgradError(
              `graph '${json.name}' has a cycle: node %${i} (${byId.get(i)?.op}) depends on itself through %${id} (${n.op})`,
              { location: n.src },
            );
          }
          stack.push(i);
        }
        continue;
      }
      if (pending.length) {
        throw new WasmgradError(`graph '${json.name}' has a cycle through node %${id} (${n.op})`, {
          location: n.src,
        });
      }
      visiting.delete(id);
      const node = ctx.withSource(n.src, () =>
        ctx.node(
          n.op as OpName, // an unknown name is rejected by ctx.node
          n.inputs.map((i) => built.get(i)!),
          n.attrs,
        ),
      );
      if (typeToString(node) !== typeToString({ shape: n.shape, dtype: n.dtype })) {
        throw new WasmgradError(
          `graph '${json.name}': node %${id} (${n.op}) records ${typeToString({ shape: n.shape, dtype: n.dtype })} but its operands give ${typeToString(node)}`,
          { location: n.src },
        );
      }
      built.set(id, node);
      stack.pop();
    }
    return built.get(rootId)!;
  };
  const list = (ids: readonly number[]) => ids.map(build);
  const named = (m: Readonly<Record<string, number>>) =>
    new Map(Object.entries(m).map(([k, id]) => [k, build(id)]));
  return {
    name: json.name,
    inputs: list(json.inputs),
    params: list(json.params),
    states: list(json.states),
    outputs: named(json.outputs),
    grads: named(json.grads),
    updates: named(json.updates),
  };
}
