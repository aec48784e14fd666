// Pictures without Graphviz installed: graphToSvg and its helpers (compiler/inspect/svg.ts) on a
// small MLP and on a deep one, Graphviz loaded lazily (a child process whose resolve hook refuses
// the package), and the HTML report (compiler/inspect/report.ts) of a compiled model.
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  compile,
  entryGraphSvg,
  forwardGraphSvg,
  gradGraph,
  gradGraphSvg,
  graphNodes,
  graphToDot,
  graphToSvg,
  model,
  optim,
  optimizedGraphSvg,
  type Model,
} from "../../compiler/index.js";
import { compiledReport, htmlReport, inlineSvg } from "../../compiler/inspect/report.js";
import { repoRoot, type CliResult } from "../support/cli.js";

const mlp = model("mlp", (m) => {
  const x = m.input("x", [4, 3]);
  const y = m.input("y", [4, 2]);
  const W1 = m.param("W1", [3, 5]);
  const b1 = m.param("b1", [5]);
  const W2 = m.param("W2", [5, 2]);
  const b2 = m.param("b2", [2]);
  const out = x.matmul(W1).add(b1).tanh().matmul(W2).add(b2);
  m.output("out", out);
  m.loss(out.sub(y).square().mean());
});

/** A tanh MLP of `layers` layers of 16 units: about 5 nodes a layer, 12 in its gradient. */
function deep(layers: number): Model {
  return model("deep", (m) => {
    let h = m.input("x", [8, 16]);
    const y = m.input("y", [8, 16]);
    for (let i = 0; i < layers; i++) {
      h = h
        .matmul(m.param(`W${i}`, [16, 16]))
        .add(m.param(`b${i}`, [16]))
        .tanh();
    }
    m.loss(h.sub(y).square().mean());
  });
}

/**
 * A well-formed SVG document, checked without an XML parser: `<?xml` or `<svg` first, one root
 * `<svg>` closed at the end, and every element opened closed in order (labels are escaped).
 */
function expectSvg(svg: string): void {
  expect(svg.trimStart()).toMatch(/^(<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*)?<svg[\s>]/);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  const body = svg.slice(svg.indexOf("<svg")).replaceAll(/<!--[\s\S]*?-->/g, "");
  const open: string[] = [];
  for (const [, close, name, selfClosing] of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (close) expect(open.pop(), `</${name}>`).toBe(name);
    else if (!selfClosing) open.push(name!);
  }
  expect(open).toEqual([]);
  expect(body.match(/<svg[\s>]/g)).toHaveLength(1);
}

/** The texts of the SVG's `<text>` elements, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, t]) =>
    t!
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&#45;", "-")
      .replaceAll("&quot;", '"')
      .replaceAll("&amp;", "&"),
  );
}

describe("graphToSvg", () => {
  it("draws the forward graph: every node's op and type, the leaves by name, the outputs", async () => {
    const svg = await forwardGraphSvg(mlp);
    expectSvg(svg);
    const shown = texts(svg);
    for (const t of ["matmul", "tanh", "input x", "input y", "param W1", "param b2", "loss", "out"]) {
      expect(shown).toContain(t);
    }
    expect(shown).toContain("f32[4,5]");
    // one drawn node per graph node and per output
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(graphNodes(mlp.graph).length + 2);
    expect(svg).toBe(await graphToSvg(graphToDot(mlp.graph)));
  });

  it("draws the gradient graph and the optimized graphs", async () => {
    const grads = await gradGraphSvg(mlp);
    expectSvg(grads);
    expect(texts(grads)).toEqual(expect.arrayContaining(["d loss / d W1", "d loss / d b2", "matmul transA"]));

    const fused = await optimizedGraphSvg(gradGraph(mlp.graph));
    expectSvg(fused);
    expect(texts(fused).some((t) => t.startsWith("fusion "))).toBe(true);
    expect(texts(fused)).not.toContain("tanh");
  });

  it("draws an entry's graph as compiled, and says which entries a module lacks", async () => {
    const compiled = await compile(mlp);
    const svg = await entryGraphSvg(compiled, "backward");
    expectSvg(svg);
    expect(texts(svg)).toContain("d loss / d W1");
    expect(texts(svg).some((t) => t.startsWith("fusion "))).toBe(true);
    await expect(entryGraphSvg(compiled, "train")).rejects.toThrow(
      "the compiled model has no train entry (compile with an optimizer)",
    );
  }, 60_000);

  it("lays monospace text out with Courier's widths, and bounds the layout's iterations", async () => {
    const label = 'fontname="monospace" {x}';
    const dot = `digraph "a{b\\"c" {\n  node [shape=box, fontname="monospace"];\n  n0 [label="${label.replaceAll('"', '\\"')}"];\n}\n`;
    const svg = await graphToSvg(dot);
    expectSvg(svg);
    expect(svg).toContain('font-family="Courier,monospace"');
    // the label is not rewritten, and Graphviz parsed the name (the inserted nslimit too)
    expect(texts(svg)).toEqual([label]);
    expect(svg).toContain("<title>a{b&quot;c</title>");
    const box = /<polygon fill="none" stroke="black" points="([\d.]+),/.exec(svg);
    // 24 characters at 14 pt, 0.6 em each, plus the margins: not Times' narrower estimate
    expect(Number(box?.[1])).toBeGreaterThan(24 * 14 * 0.6);
  });

  it("rejects DOT that Graphviz cannot parse, and draws the next graph", async () => {
    await expect(graphToSvg("digraph { a -> ")).rejects.toThrow(/syntax error/);
    expectSvg(await graphToSvg("digraph { a -> b }"));
  });

  it("draws graphs of 100 and more nodes within a few seconds", async () => {
    await graphToSvg("digraph { a }"); // loaded: the times below are the layouts'
    const m = deep(20);
    const grads = gradGraph(deep(10).graph);
    expect(graphNodes(m.graph).length).toBeGreaterThanOrEqual(100);
    expect(graphNodes(grads).length).toBeGreaterThanOrEqual(100);
    for (const draw of [() => forwardGraphSvg(m), () => graphToSvg(graphToDot(grads))]) {
      const started = performance.now();
      const svg = await draw();
      const ms = performance.now() - started;
      expectSvg(svg);
      expect(ms).toBeLessThan(5000);
    }
  });
});

/** Node, with tsx, running `code` (an ES module) after a resolve hook that refuses Graphviz's package. */
function withoutGraphviz(code: string): Promise<CliResult> {
  const hook = `export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    if (r.url.includes("/@hpcc-js/wasm-graphviz/")) throw new Error("no-graphviz hook: " + specifier);
    return r;
  }`;
  const register =
    `import { register } from "node:module"; ` +
    `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        "--input-type=module",
        "-e",
        code,
      ],
      { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe("loading Graphviz", () => {
  it("is left to the first picture: importing the compiler and making DOT do not load it", async () => {
    const r = await withoutGraphviz(`
      const w = await import("./compiler/index.ts");
      const m = w.model("tiny", (m) => m.output("y", m.input("x", [2]).tanh()));
      console.log(w.graphToDot(m.graph).split("\\n")[0]);
      try { await w.graphToSvg("digraph { a }"); console.log("drawn"); }
      catch (e) { console.log(String(e.message).split("\\n")[0]); }
    `);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`digraph "tiny" {\nno-graphviz hook: @hpcc-js/wasm-graphviz\n`);
  });
});

describe("htmlReport", () => {
  it("has every section, one inline <svg> per picture and no URL", async () => {
    const compiled = await compile(mlp, { optimizer: optim.adam(0.01) });
    // the report's data goes through JSON (the CLI caches it)
    const data = JSON.parse(JSON.stringify(compiledReport(compiled)));
    const html = await htmlReport(mlp, data, { source: "mlp.model.ts", compiledWith: "optimizer adam" });
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    const ids = [...html.matchAll(/<section id="([^"]+)">\n<h2>([^<]*)<\/h2>/g)].map(
      ([, id, h]) => `${id}: ${h}`,
    );
    expect(ids).toEqual([
      "summary: Summary",
      "forward-graph: Forward graph",
      "gradient-graph: Gradient graph",
      "entry-forward: Entry forward",
      "entry-backward: Entry backward",
      "entry-train: Entry train_step",
    ]);
    expect(html).toContain("<h1>model 'mlp'</h1>");
    expect(html).toContain("<td>file</td><td>mlp.model.ts</td>");
    expect(html).toMatch(/<td>forward graph<\/td><td>16 nodes: /);
    expect(html).toContain("<tr><td>W1</td><td>param</td><td>f32[3,5]</td></tr>");
    // forward and gradient graphs; each entry's optimized graph and memory plan
    expect(html.match(/<svg\b/g)).toHaveLength(2 + 3 * 2);
    expect(html.match(/<\/svg>/g)).toHaveLength(8);
    expect(html).toMatch(/<h3>Fused kernels<\/h3>\n<pre>%\d+ matmul epilogue of \d+ ops: matmul -&gt; add/);
    expect(html).toContain("memory plan of train_step");
    // self-contained: no URL at all (not even SVG namespaces), no scripts, links or images
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b|\bsrc=|@import|url\((?!#)/i);
    // the pictures' ids do not clash
    const all = [...html.matchAll(/\bid="([^"]+)"/g)].map(([, id]) => id);
    expect(new Set(all).size).toBe(all.length);
  }, 60_000);

  it("says that a model without a loss has no gradient graph", async () => {
    const tiny = model("tiny", (m) =>
      m.output(
        "y",
        m
          .input("x", [2, 3])
          .matmul(m.param("W", [3, 4]))
          .tanh(),
      ),
    );
    const html = await htmlReport(tiny, compiledReport(await compile(tiny)));
    expect(html).toContain("so it has no gradient graph");
    expect(html).toContain('<section id="entry-forward">');
    expect(html).not.toContain('<section id="entry-backward">');
    expect(html.match(/<svg\b/g)).toHaveLength(1 + 2);
  }, 60_000);

  it("inlines an SVG document: no prolog, comments or namespaces; ids and references prefixed", () => {
    const svg =
      `<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "http://www.w3.org/x.dtd">\n` +
      `<!-- a -->\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">` +
      `<g id="node1"><use xlink:href="#node1"/><rect fill="url(#grad)"/></g></svg>\n`;
    expect(inlineSvg(svg, "p3")).toBe(
      `<svg><g id="p3-node1"><use xlink:href="#p3-node1"/><rect fill="url(#p3-grad)"/></g></svg>`,
    );
  });
});
