/**
 * A text listing of a graph, one line per node in topological order (operands before users):
 *
 *   graph mlp
 *     %0 = input x : f32[4,3]                    @ test/fixtures/mlp.model.ts:5
 *     %2 = param W1 : f32[3,5]                   @ test/fixtures/mlp.model.ts:7
 *     %6 = matmul : f32[4,5] (%0, %2)            @ test/fixtures/mlp.model.ts:11
 *     %13 = reduce_sum axes=[0,1] : f32[] (%12)  @ test/fixtures/mlp.model.ts:14
 *     ...
 *   outputs
 *     out  -> %10
 *     loss -> %15
 *   summary: 16 nodes: 4 param, 2 add, 2 input, 2 matmul, 1 const, ...
 *
 * Nodes are renumbered densely in print order by default, so the listing of a model does not
 * change when unrelated nodes were created (and interned) elsewhere in the same context; the
 * listing is a pure function of the graph and the options, which lets tests and golden files
 * compare it as text. Gradient nodes carry the source line of the forward node they
 * differentiate (see Context.withSource), so `@` points into the user's model file; a node
 * without a source location (made outside any user call) is printed without `@`.
 */
import { graphNodes, type Graph } from "../ir/graph.js";
import type { AttrValue, Attrs, Node } from "../ir/node.js";
import { shapeToString } from "../ir/shape.js";
import type { SourceLocation } from "../errors.js";
import type { OpName } from "../ir/op.js";
import { OPS } from "../ops/index.js";
import { bodyValueTypes, type ScanAttrs } from "../ops/scan-body.js";

export interface PrintOptions {
  /** Show the internal node ids (`Node.id`) instead of dense numbers in print order. */
  readonly originalIds?: boolean;
  /** Paths under this directory are printed relative to it (default: process.cwd() in Node). */
  readonly cwd?: string;
  /** Append `@ file:line` to each node (default true). */
  readonly locations?: boolean;
  /** Also print the column: `@ file:line:column` (default false). */
  readonly columns?: boolean;
  /** Array attributes longer than this are abbreviated (default 8 elements). */
  readonly maxArray?: number;
}

/**
 * Named leaves (input, param, state) are printed with their name only: their shape and dtype
 * attributes are the node's type. A loop body's argument (a leaf without a name) shows its attributes.
 */
const isNamedLeaf = (op: OpName, attrs: Attrs): boolean =>
  !!OPS.get(op)?.traits.leaf && typeof attrs.name === "string";

/** The left part of a line is padded to this width (at most) before the `@ location`. */
const LOCATION_COLUMN = 64;

/** Prints `g` as text; see the file comment for the format. Deterministic for a given graph. */
export function printGraph(g: Graph, options: PrintOptions = {}): string {
  const nodes = graphNodes(g);
  const ref = nodeNamer(nodes, options.originalIds ?? false);
  const cwd = options.cwd ?? defaultCwd();
  const showLocations = options.locations ?? true;

  const rows = nodes.map((n) => {
    const attrs = attrsSummary(n, options.maxArray ?? 8);
    const operands = n.inputs.length ? ` (${n.inputs.map(ref).join(", ")})` : "";
    const left = `${ref(n)} = ${n.op}${attrs ? ` ${attrs}` : ""} : ${n.dtype}${shapeToString(n.shape)}${operands}`;
    const where = showLocations && n.src ? locationText(n.src, cwd, options.columns ?? false) : undefined;
    return { left, where };
  });
  const width = Math.min(
    LOCATION_COLUMN,
    Math.max(0, ...rows.filter((r) => r.where !== undefined).map((r) => r.left.length)),
  );

  const lines = [`graph ${g.name}`];
  rows.forEach(({ left, where }, i) => {
    lines.push(where === undefined ? `  ${left}` : `  ${left.padEnd(width)}  @ ${where}`);
    const n = nodes[i]!;
    if (n.op === "scan") lines.push(...scanBody(n, ref).map((l) => `      ${l}`));
  });
  const sections: [string, ReadonlyMap<string, Node>][] = [
    ["outputs", g.outputs],
    ["grads", g.grads],
    ["updates", g.updates],
  ];
  for (const [title, results] of sections) {
    if (results.size === 0) continue;
    lines.push(title);
    const nameWidth = Math.max(...[...results.keys()].map((k) => k.length));
    for (const [name, node] of results) lines.push(`  ${name.padEnd(nameWidth)} -> ${ref(node)}`);
  }
  lines.push(`summary: ${summary(nodes)}`);
  return lines.join("\n") + "\n";
}

/**
 * The step of a scan, one line per value: the arguments (carries, rows of the sequences, the
 * loop-invariant operands), the instructions, and which values are the next carries and the
 * per-step outputs.
 */
function scanBody(n: Node, ref: (n: Node) => string): string[] {
  const attrs = n.attrs as ScanAttrs;
  const types = bodyValueTypes(n.inputs, attrs);
  const type = (v: number) => `${types[v]!.dtype}${shapeToString(types[v]!.shape)}`;
  const lines = n.inputs.map((input, i) => {
    const role = i < attrs.carries ? "carry" : i < attrs.carries + attrs.xs ? "row of" : "invariant";
    return `v${i} = ${role} ${ref(input)} : ${type(i)}`;
  });
  attrs.program.forEach((instr, k) => {
    const v = n.inputs.length + k;
    const shown = attrsSummary({ op: instr.op, attrs: instr.attrs, ...types[v]! });
    lines.push(
      `v${v} = ${instr.op}${shown ? ` ${shown}` : ""} ${instr.args.map((a) => `v${a}`).join(", ")} : ${type(v)}`,
    );
  });
  const list = (vs: readonly number[]) => (vs.length ? vs.map((v) => `v${v}`).join(", ") : "none");
  lines.push(
    `next carries: ${list(attrs.results.slice(0, attrs.carries))}; per-step outputs: ${list(attrs.results.slice(attrs.carries))}`,
  );
  return lines;
}

/** `%k` names for the nodes: dense in print order, or the nodes' own ids. */
function nodeNamer(nodes: readonly Node[], originalIds: boolean): (n: Node) => string {
  if (originalIds) return (n) => `%${n.id}`;
  const index = new Map(nodes.map((n, i) => [n, i]));
  return (n) => `%${index.get(n) ?? `?${n.id}`}`;
}

/** `12 nodes: 3 const, 2 add, 2 matmul, ...`: most frequent op first, ties by name. */
function summary(nodes: readonly Node[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  const parts = [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([op, count]) => `${count} ${op}`);
  return `${nodes.length} node${nodes.length === 1 ? "" : "s"}${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

/**
 * The attributes worth reading. Leaves show their name and constants their value bare; a `shape`
 * or `dtype` attribute equal to the node's own type is left out (the type is printed anyway);
 * boolean flags appear by name when true and not at all when false.
 */
export function attrsSummary(n: Pick<Node, "op" | "attrs" | "shape" | "dtype">, maxArray = 8): string {
  const attrs: Attrs = n.attrs;
  const parts: string[] = [];
  if (isNamedLeaf(n.op, attrs)) return formatAttr(attrs.name!, maxArray);
  for (const key of Object.keys(attrs).sort()) {
    const value = attrs[key]!;
    // a scan's step is listed below its line (scanBody)
    if (n.op === "scan" && (key === "program" || key === "results")) continue;
    if (
      key === "shape" &&
      Array.isArray(value) &&
      shapeToString(value as number[]) === shapeToString(n.shape)
    ) {
      continue;
    }
    if (key === "dtype" && value === n.dtype) continue;
    if (n.op === "const" && (key === "value" || key === "values")) {
      parts.unshift(formatAttr(value, maxArray));
      continue;
    }
    if (value === true) parts.push(key);
    else if (value !== false) parts.push(`${key}=${formatAttr(value, maxArray)}`);
  }
  return parts.join(" ");
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function formatAttr(value: AttrValue, maxArray: number): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return IDENTIFIER.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const items = value as readonly AttrValue[];
    const shown = items.slice(0, maxArray).map((v) => formatAttr(v, maxArray));
    if (items.length > maxArray) shown.push(`... (${items.length} values)`);
    return `[${shown.join(",")}]`;
  }
  const obj = value as { readonly [key: string]: AttrValue };
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${k}=${formatAttr(obj[k]!, maxArray)}`)
    .join(",")}}`;
}

/** `file:line` with the file relative to `cwd` when it lies below it. */
export function locationText(src: SourceLocation, cwd: string | undefined, columns = false): string {
  return `${relativePath(src.file, cwd)}:${src.line}${columns ? `:${src.column}` : ""}`;
}

/** `file` relative to `cwd` when it lies below it, else unchanged (no node:path: this module
 * also runs in browsers). */
export function relativePath(file: string, cwd: string | undefined): string {
  if (!cwd) return file;
  const base = cwd.endsWith("/") || cwd.endsWith("\\") ? cwd : `${cwd}/`;
  const normalizedFile = file.replaceAll("\\", "/");
  const normalizedBase = base.replaceAll("\\", "/");
  return normalizedFile.startsWith(normalizedBase) ? normalizedFile.slice(normalizedBase.length) : file;
}

/** The process's working directory under Node, Deno and Bun; undefined elsewhere (browsers). */
export function defaultCwd(): string | undefined {
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  try {
    return proc?.cwd?.();
  } catch {
    return undefined;
  }
}
