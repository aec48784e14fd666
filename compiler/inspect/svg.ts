/**
 * Pictures of graphs without Graphviz installed: the DOT of dot.ts laid out and drawn as SVG by
 * Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz), in this process.
 *
 *   const svg = await graphToSvg(graphToDot(model.graph));
 *   const grads = await gradGraphSvg(model);
 *   const fused = await entryGraphSvg(await compile(model), "backward");
 *
 * The package (0.8 MB of JavaScript holding the wasm, zstd-compressed and base91-encoded) is
 * imported on the first picture only, and instantiated once per process (about 0.25 s): importing
 * the compiler loads neither (test/inspect/svg.test.ts checks it, as test/ir/no-binaryen.test.ts
 * does for binaryen). No Node built-ins here, so that a browser bundle can take this module as it
 * is: bundlers keep the dynamic import as a chunk of its own, loaded on the first picture.
 */
import type { Graphviz } from "@hpcc-js/wasm-graphviz";
import { gradGraph, type GradOptions } from "../autodiff/grad.js";
import { WasmgradError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { optimizeGraph, type OptimizeOptions } from "../passes/pipeline.js";
import type { CompiledModel } from "../pipeline/options.js";
import { graphToDot, type DotOptions } from "./dot.js";

let loaded: Promise<Graphviz> | undefined;

/** Graphviz, imported and instantiated on the first call; a failure is not kept (the next call tries again). */
function graphviz(): Promise<Graphviz> {
  const loading = (loaded ??= import("@hpcc-js/wasm-graphviz").then(({ Graphviz }) => Graphviz.load()));
  loading.catch(() => {
    if (loaded === loading) loaded = undefined;
  });
  return loading;
}

/**
 * Imports and instantiates Graphviz's WebAssembly, once per process. Optional: graphToSvg does it
 * on its first call; a caller may call it early, to overlap the 0.25 s it takes with other work.
 */
export async function loadGraphviz(): Promise<void> {
  await graphviz();
}

/**
 * The SVG drawing of a graph in Graphviz DOT (the `dot` layout), as `dot -Tsvg` writes it: an
 * XML declaration, a doctype and comments, then `<svg ...>...</svg>`. Rejects on DOT that Graphviz
 * cannot parse (`syntax error in line 3 near ...`). Two changes to the layout:
 *
 * - Graphviz in WebAssembly has no fonts, only tables of text widths for a few families, and it
 *   measures the generic `monospace` (dot.ts's font) as Times: a third narrower than monospace
 *   text is drawn, which overflows its box. So `fontname="monospace"` is laid out as Courier,
 *   whose widths are those of every monospace font (the SVG says `font-family="Courier,monospace"`).
 * - The x coordinates' network simplex gets at most NSLIMIT iterations per node (`nslimit`):
 *   unbounded, a gradient graph of 453 nodes took 3 minutes (233 nodes: 5 s); bounded, 7 s
 *   (0.5 s), with much the same picture. Small graphs (the test models' 40 nodes) come out the
 *   same. A DOT that sets `nslimit` itself keeps its own (graph attributes: the last one wins).
 */
export async function graphToSvg(dotText: string): Promise<string> {
  const measured = dotText
    .replaceAll(MONOSPACE, '$1fontname="Courier"')
    .replace(GRAPH_OPENING, `$1 nslimit=${NSLIMIT};`);
  return (await graphviz()).dot(measured, "svg");
}

/** The attribute, not text in a label: there, its quotes would be escaped. */
const MONOSPACE = /(^|[\s,;[])fontname\s*=\s*"monospace"/gm;

/** `digraph "name" {`: where graph attributes can go before any of the DOT's own. */
const GRAPH_OPENING = /^(\s*(?:strict\s+)?(?:di)?graph\s*(?:"(?:[^"\\]|\\.)*"|[^\s{"]+)?\s*\{)/i;

/** See graphToSvg. */
const NSLIMIT = 5;

/** The SVG of a model's forward graph (the one `inspect model.ts --dot` prints). */
export function forwardGraphSvg(model: { readonly graph: Graph }, options: DotOptions = {}): Promise<string> {
  return graphToSvg(graphToDot(model.graph, options));
}

/**
 * The SVG of a model's gradient graph: the forward graph plus d loss / d each param (as
 * `inspect --grad --dot`). Throws (a WasmgradError) for a model without a loss.
 */
export function gradGraphSvg(
  model: { readonly graph: Graph },
  options: DotOptions & GradOptions = {},
): Promise<string> {
  return graphToSvg(graphToDot(gradGraph(model.graph, options), options));
}

/** The SVG of a graph after the optimization passes (default -O2, as `inspect --opt --dot`): its fused kernels. */
export function optimizedGraphSvg(graph: Graph, options: DotOptions & OptimizeOptions = {}): Promise<string> {
  return graphToSvg(graphToDot(optimizeGraph(graph, options).graph, options));
}

/** The entries of a compiled model that have a graph of their own. */
export type GraphEntry = "forward" | "backward" | "train";

/**
 * The SVG of the graph an entry of a compiled model computes: optimized as compile did, with its
 * fused kernels. Throws when the module has no such entry (backward without a loss, train
 * without an optimizer).
 */
export function entryGraphSvg(
  compiled: Pick<CompiledModel, "graphs">,
  entry: GraphEntry,
  options: DotOptions = {},
): Promise<string> {
  const graph = compiled.graphs[entry];
  if (graph === undefined) {
    const why = entry === "train" ? "compile with an optimizer" : "the model has no loss";
    return Promise.reject(new WasmgradError(`the compiled model has no ${entry} entry (${why})`));
  }
  return graphToSvg(graphToDot(graph, options));
}
