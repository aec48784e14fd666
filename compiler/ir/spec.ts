/**
 * The IR spec check, run between passes in tests and debug builds: every node's op exists, its
 * arity and its recorded shape and dtype agree with the op's rule, all nodes belong to one
 * context, every leaf reached is declared in the graph (with a unique name), and each gradient
 * and update has its leaf's type.
 */
import { WasmgradError } from "../errors.js";
import { graphNodes, leafName, type Graph } from "./graph.js";
import type { Node } from "./node.js";
import { typeToString } from "./shape.js";

function fail(node: Node | undefined, detail: string): never {
  throw new WasmgradError(`IR check failed: ${detail}`, node ? { op: node.op, location: node.src } : {});
}

export function checkGraph(g: Graph): void {
  const nodes = graphNodes(g); // raises on a cycle
  const ctx = nodes[0]?.ctx;
  const declared = new Map<string, Node>();
  for (const [kind, leaves] of [
    ["input", g.inputs],
    ["param", g.params],
    ["state", g.states],
  ] as const) {
    for (const leaf of leaves) {
      if (leaf.op !== kind) fail(leaf, `%${leaf.id} is listed among the ${kind}s but is a ${leaf.op}`);
      const name = leafName(leaf);
      if (declared.has(name)) fail(leaf, `two leaves are named '${name}'`);
      declared.set(name, leaf);
    }
  }
  for (const node of nodes) {
    if (node.ctx !== ctx) fail(node, `%${node.id} belongs to model '${node.ctx.name}', not '${ctx?.name}'`);
    const def = ctx?.ops.get(node.op);
    if (!def) fail(node, `%${node.id} has unknown op '${node.op}'`);
    if (def !== node.def)
      fail(node, `%${node.id} (${node.op}) carries a definition other than its registry's`);
    if (def.arity !== "variadic" && def.arity !== node.inputs.length) {
      fail(node, `%${node.id} has ${node.inputs.length} operands; ${node.op} takes ${def.arity}`);
    }
    if (def.traits.leaf && node.op !== "arg" && declared.get(leafName(node)) !== node) {
      fail(node, `${node.op} '${leafName(node)}' (%${node.id}) is used but not declared by the graph`);
    }
    const t = def.infer(node.inputs, node.attrs);
    if (typeToString(t) !== typeToString(node)) {
      fail(node, `%${node.id} records type ${typeToString(node)} but its op rule gives ${typeToString(t)}`);
    }
  }
  for (const [kind, entries] of [
    ["gradient", g.grads],
    ["update", g.updates],
  ] as const) {
    for (const [name, value] of entries) {
      const leaf = declared.get(name);
      if (!leaf) fail(value, `the ${kind} '${name}' names no leaf of the graph`);
      const expected = kind === "gradient" ? typeToString({ ...leaf, dtype: "f32" }) : typeToString(leaf);
      if (typeToString(value) !== expected) {
        fail(value, `the ${kind} of '${name}' has type ${typeToString(value)}, expected ${expected}`);
      }
    }
  }
}
