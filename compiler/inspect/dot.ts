/**
 * Graphviz DOT for a graph: `wasmgrad inspect --dot model.ts | dot -Tsvg > graph.svg`.
 *
 *   digraph "mlp" {
 *     n0 [label="input x\nf32[4,3]", shape=ellipse, ..., tooltip="%0 = input f32[4,3] @ mlp.ts:5"];
 *     n6 [label="matmul\nf32[4,5]", tooltip="%6 = matmul f32[4,5] @ mlp.ts:11"];
 *     n0 -> n6 [headlabel="0", labelfontsize=8];
 *     "output:loss" [label="loss", shape=house, ...];
 *     n15 -> "output:loss";
 *   }
 *
 * Leaves are coloured by role (input / param / state) and ranked at the top; outputs, gradients
 * and updates are separate sink nodes at the bottom, each with an edge from the node computing
 * it. Node names are `n<k>` with k dense in topological order, like printGraph's `%k`, so the
 * two views of a graph can be read side by side.
 */
import { graphNodes, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { shapeToString } from "../ir/shape.js";
import { attrsSummary, defaultCwd, locationText } from "./text.js";

export interface DotOptions {
  /** Paths under this directory are shown relative to it in tooltips (default: process.cwd()). */
  readonly cwd?: string;
}

const LEAF_STYLE: { readonly [op: string]: string } = {
  input: `shape=ellipse, style=filled, fillcolor="#dbeafe"`,
  param: `shape=ellipse, style=filled, fillcolor="#fde68a"`,
  state: `shape=ellipse, style=filled, fillcolor="#ddd6fe"`,
};
const CONST_STYLE = `shape=box, style="rounded,filled", fillcolor="#f3f4f6", fontcolor="#4b5563"`;

const SINKS = [
  { kind: "output", style: `shape=house, style=filled, fillcolor="#bbf7d0"`, edge: "" },
  { kind: "grad", style: `shape=house, style=filled, fillcolor="#fecaca"`, edge: ` [style=dashed]` },
  { kind: "update", style: `shape=house, style=filled, fillcolor="#e9d5ff"`, edge: ` [style=dotted]` },
] as const;

/** A DOT string literal: quotes and backslashes escaped; newlines become DOT's `\n`. */
export function dotString(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(/\r?\n/g, "\\n")}"`;
}

/** The graph in Graphviz DOT; deterministic for a given graph. */
export function graphToDot(g: Graph, options: DotOptions = {}): string {
  const nodes = graphNodes(g);
  const index = new Map(nodes.map((n, i) => [n, i]));
  const id = (n: Node) => `n${index.get(n)!}`;
  const cwd = options.cwd ?? defaultCwd();

  const lines = [
    `digraph ${dotString(g.name)} {`,
    `  rankdir=TB;`,
    `  node [shape=box, style=rounded, fontname="monospace", fontsize=10];`,
    `  edge [arrowsize=0.6];`,
  ];
  for (const n of nodes) {
    const attrs = attrsSummary(n);
    const label = `${n.op}${attrs ? ` ${attrs}` : ""}\n${n.dtype}${shapeToString(n.shape)}`;
    const where = n.src ? locationText(n.src, cwd) : "(no source location)";
    const style = LEAF_STYLE[n.op] ?? (n.op === "const" ? CONST_STYLE : undefined);
    const tooltip = `%${index.get(n)} = ${n.op} ${n.dtype}${shapeToString(n.shape)} @ ${where}`;
    lines.push(
      `  ${id(n)} [label=${dotString(label)}${style ? `, ${style}` : ""}, tooltip=${dotString(tooltip)}];`,
    );
  }
  for (const n of nodes) {
    // one edge per operand, in operand order; a repeated operand (x * x) gives parallel edges
    n.inputs.forEach((input, k) => {
      const port = n.inputs.length > 1 ? ` [headlabel="${k}", labelfontsize=8]` : "";
      lines.push(`  ${id(input)} -> ${id(n)}${port};`);
    });
  }

  const leaves = [...g.inputs, ...g.params, ...g.states].filter((l) => index.has(l));
  if (leaves.length) lines.push(`  { rank=source; ${leaves.map(id).join("; ")}; }`);

  const sinkIds: string[] = [];
  const results = [g.outputs, g.grads, g.updates];
  SINKS.forEach(({ kind, style, edge }, s) => {
    for (const [name, node] of results[s]!) {
      const sink = dotString(`${kind}:${name}`);
      const label = kind === "grad" ? `d loss / d ${name}` : kind === "update" ? `next ${name}` : name;
      lines.push(`  ${sink} [label=${dotString(label)}, ${style}, tooltip=${dotString(`${kind} ${name}`)}];`);
      lines.push(`  ${id(node)} -> ${sink}${edge};`);
      sinkIds.push(sink);
    }
  });
  if (sinkIds.length) lines.push(`  { rank=sink; ${sinkIds.join("; ")}; }`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
