/**
 * The HTML report of a model (`wasmgrad inspect model.ts --html report.html`): one self-contained
 * page with the model's name and summary, its forward graph, its gradient graph, and for each
 * compiled entry the optimized graph with its fused kernels and the memory plan. Every picture is
 * inline SVG (svg.ts draws the graphs, plan/report.ts the plans); the page references nothing
 * outside itself (no scripts, styles, fonts or images to fetch), so it reads offline.
 *
 *   const compiled = await compile(model);
 *   const html = await htmlReport(model, compiledReport(compiled));
 *
 * compiledReport takes what the page needs of a compile as plain data (DOT text, SVG and text),
 * which the CLI stores in the compile cache as one JSON artifact. No Node built-ins here (a
 * browser can make the page too).
 */
import { gradGraph, LOSS } from "../autodiff/grad.js";
import { graphNodes, leafName, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { shapeToString } from "../ir/shape.js";
import { describeFusions } from "../passes/pipeline.js";
import type { CompiledModel } from "../pipeline/options.js";
import { describePlan, planToSvg, summaryLine, type NamedPlan } from "../plan/report.js";
import { graphToDot, type DotOptions } from "./dot.js";
import { graphToSvg, type GraphEntry } from "./svg.js";
import { printGraph } from "./text.js";

/** What the report shows of one compiled entry (plain data: JSON round-trips it). */
export interface EntryReport {
  readonly entry: GraphEntry;
  /** The entry's exported function: `forward`, `backward`, `train_step`. */
  readonly export: string;
  /** Its graph as compiled (optimized, with fused kernels), in DOT. */
  readonly dot: string;
  /** One line per fused kernel (describeFusions); empty when nothing was fused. */
  readonly fusions: string;
  /** The `summary:` line of the optimized graph's listing: its node counts by op. */
  readonly summary: string;
  /** planToSvg of the entry's plan and its scan steps' plans. */
  readonly planSvg: string;
  /** describePlan of each of those plans: numbers, then one row per buffer. */
  readonly planText: string;
}

/** What the report shows of a compile. */
export interface CompiledReport {
  readonly wasmBytes: number;
  readonly memoryBytes: number;
  readonly entries: readonly EntryReport[];
}

export interface ReportOptions extends DotOptions {
  /** The model file, as shown (e.g. relative to the working directory). */
  readonly source?: string;
  /** How the model was compiled, in words (`default options`, `optimizer adam, lr 0.001`). */
  readonly compiledWith?: string;
}

const ENTRY_TITLES: Readonly<Record<GraphEntry, string>> = {
  forward: "forward: the user outputs",
  backward: "backward: the loss and d loss / d each param",
  train: "train: one optimizer step, the updates of params and states",
};

/** What htmlReport needs of a compile, from the full CompiledModel. */
export function compiledReport(compiled: CompiledModel, options: DotOptions = {}): CompiledReport {
  const { graphs, plans } = compiled;
  const entries = (["forward", "backward", "train"] as const).flatMap((entry): EntryReport[] => {
    const graph = graphs[entry];
    const plan = plans[entry];
    if (graph === undefined || plan === undefined) return [];
    // a scan step's functions are named after its entry (`train_12_scan_step`, nested ones after
    // their scan's step); those of a forward entry at other dims after that entry's export
    const stepOf = new RegExp(`^${entry}_\\d+_scan_step`);
    const steps = plans.steps.filter((s) => stepOf.test(s.export));
    const named: NamedPlan[] = [
      { name: plan.export, plan },
      ...steps.map((s) => ({ name: s.export, plan: s })),
    ];
    return [
      {
        entry,
        export: plan.export,
        dot: graphToDot(graph, options),
        fusions: describeFusions(graph),
        summary: summaryOf(graph, options),
        planSvg: planToSvg(named, `memory plan of ${plan.export}`),
        planText: named.map(describePlan).join("\n"),
      },
    ];
  });
  return { wasmBytes: compiled.wasm.length, memoryBytes: compiled.manifest.memoryBytes, entries };
}

/**
 * The report page: the model's summary, its forward and gradient graphs (a model without a loss
 * has no gradient graph: the section says so), then each entry of `compiled`.
 */
export async function htmlReport(
  model: { readonly name: string; readonly graph: Graph },
  compiled: CompiledReport,
  options: ReportOptions = {},
): Promise<string> {
  const g = model.graph;
  const grads = g.outputs.has(LOSS) ? gradGraph(g) : undefined;
  const pictures = new Pictures();
  const sections: string[] = [];

  const leafRow = (role: string) => (n: Node) => row([leafName(n), role, typeOf(n)]);
  const summaryRows = [
    row(["model", model.name]),
    ...(options.source !== undefined ? [row(["file", options.source])] : []),
    row(["forward graph", summaryOf(g, options)]),
    row(["gradient graph", grads ? summaryOf(grads, options) : "none (no loss)"]),
    ...(options.compiledWith !== undefined ? [row(["compiled with", options.compiledWith])] : []),
    row([
      "module",
      `${compiled.wasmBytes} bytes; ${compiled.memoryBytes} bytes of memory; entries ` +
        compiled.entries.map((e) => e.export).join(", "),
    ]),
  ];
  const tensorRows = [
    ...g.inputs.map(leafRow("input")),
    ...g.params.map(leafRow("param")),
    ...g.states.map(leafRow("state")),
    ...[...g.outputs].map(([name, n]) => row([name, "output", typeOf(n)])),
  ];
  sections.push(
    section(
      "summary",
      "Summary",
      `<table class="facts">${summaryRows.join("")}</table>\n` +
        `<table class="tensors"><thead>${row(["tensor", "role", "type"], "th")}</thead>` +
        `<tbody>${tensorRows.join("")}</tbody></table>`,
    ),
  );
  sections.push(
    section(
      "forward-graph",
      "Forward graph",
      `<p>As traced from the model, before optimization.</p>\n` +
        (await pictures.graph(graphToDot(g, options), "forward graph")),
    ),
  );
  sections.push(
    section(
      "gradient-graph",
      "Gradient graph",
      grads
        ? `<p>The forward graph plus d loss / d each param, before optimization.</p>\n` +
            (await pictures.graph(graphToDot(grads, options), "gradient graph"))
        : `<p>The model declares no loss (m.loss(...)), so it has no gradient graph.</p>`,
    ),
  );
  for (const e of compiled.entries) {
    const body = [
      `<p>${escapeHtml(ENTRY_TITLES[e.entry])} (export <code>${escapeHtml(e.export)}</code>). ` +
        `${escapeHtml(e.summary)}</p>`,
      `<h3>Optimized graph</h3>`,
      await pictures.graph(e.dot, `optimized graph of ${e.export}`),
      `<h3>Fused kernels</h3>`,
      e.fusions ? `<pre>${escapeHtml(e.fusions)}</pre>` : `<p>None: every node is a kernel of its own.</p>`,
      `<h3>Memory plan</h3>`,
      pictures.svg(e.planSvg, `memory plan of ${e.export}`),
      `<details><summary>buffers</summary><pre>${escapeHtml(e.planText)}</pre></details>`,
    ];
    sections.push(section(`entry-${e.entry}`, `Entry ${e.export}`, body.join("\n")));
  }

  const contents = [
    ["summary", "Summary"],
    ["forward-graph", "Forward graph"],
    ["gradient-graph", "Gradient graph"],
    ...compiled.entries.map((e) => [`entry-${e.entry}`, `Entry ${e.export}`]),
  ]
    .map(([id, title]) => `<a href="#${id}">${escapeHtml(title!)}</a>`)
    .join(" · ");
  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(`wasmgrad: model '${model.name}'`)}</title>`,
    `<style>${STYLE}</style>`,
    `</head>`,
    `<body>`,
    `<h1>model '${escapeHtml(model.name)}'</h1>`,
    `<nav>${contents}</nav>`,
    ...sections,
    `</body>`,
    `</html>`,
    ``,
  ].join("\n");
}

/**
 * An SVG document as a fragment of the page: without the XML declaration, doctype and comments,
 * and without namespace declarations (the HTML parser puts inline `<svg>` and its `xlink:`
 * attributes in their namespaces itself), so the page holds no URL at all; ids get `prefix` so
 * that those of two pictures cannot clash.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^\s*<\?xml[^>]*\?>/, "")
    .replace(/<!DOCTYPE[^>[]*(\[[^\]]*\])?[^>]*>/i, "")
    .replaceAll(/<!--[\s\S]*?-->/g, "")
    .replaceAll(/\s+xmlns(:\w+)?="[^"]*"/g, "")
    .replaceAll(/\bid="([^"]*)"/g, `id="${prefix}-$1"`)
    .replaceAll(
      /\b(xlink:)?href="#([^"]*)"/g,
      (_, xlink: string | undefined, id: string) => `${xlink ?? ""}href="#${prefix}-${id}"`,
    )
    .replaceAll(/url\(#([^)]*)\)/g, `url(#${prefix}-$1)`)
    .trim();
}

/** Numbers the pictures of one page (for their ids) and wraps each in a scrolling figure. */
class Pictures {
  private count = 0;

  async graph(dot: string, caption: string): Promise<string> {
    return this.svg(await graphToSvg(dot), caption);
  }

  svg(svg: string, caption: string): string {
    const prefix = `p${++this.count}`;
    return (
      `<figure><div class="picture">${inlineSvg(svg, prefix)}</div>` +
      `<figcaption>${escapeHtml(caption)}</figcaption></figure>`
    );
  }
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

function row(cells: readonly string[], tag: "td" | "th" = "td"): string {
  return `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("")}</tr>`;
}

function typeOf(n: Node): string {
  return `${n.dtype}${shapeToString(n.shape)}`;
}

/** The listing's last line without `summary: `: `16 nodes: 4 param, 2 input, ...`. */
function summaryOf(g: Graph, options: DotOptions): string {
  const listing = printGraph(g, options.cwd !== undefined ? { cwd: options.cwd } : {});
  return /^summary: (.*)$/m.exec(listing)?.[1] ?? `${graphNodes(g).length} nodes`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; color: #111827; }
h1 { font-size: 1.5rem; } h2 { border-bottom: 1px solid #d1d5db; margin-top: 2.5rem; } h3 { margin-bottom: 0.4rem; }
nav { margin-bottom: 1rem; } nav a { color: #1d4ed8; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
td, th { border: 1px solid #e5e7eb; padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
table.tensors td:last-child { font-family: ui-monospace, monospace; }
pre { background: #f9fafb; border: 1px solid #e5e7eb; padding: 0.5rem; overflow-x: auto; font-size: 0.8rem; }
figure { margin: 0.5rem 0; } figcaption { color: #6b7280; font-size: 0.8rem; }
.picture { overflow: auto; max-height: 90vh; border: 1px solid #e5e7eb; background: white; }
.picture svg { display: block; }
`.trim();
