// The text printer and the Graphviz printer, on a small MLP with its gradient graph.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gradGraph, graphToDot, model, printGraph, type Graph, type Model } from "../../compiler/index.js";
import type { Node } from "../../compiler/ir/node.js";

const here = fileURLToPath(import.meta.url);
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const self = "test/inspect/inspect.test.ts";

/** The 1-based line of this file holding `marker` (so the tests need no hard-coded numbers). */
function lineOf(marker: string): number {
  const lines = readFileSync(here, "utf8").split("\n");
  const matches = lines.flatMap((l, i) => (l.includes(`// ${marker}`) ? [i + 1] : []));
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

/** The MLP's body, so it can also be built inside another model definition. */
function buildMlpInto(m: Parameters<Parameters<typeof model>[1]>[0]): void {
  const x = m.input("x", [4, 3]);
  const y = m.input("y", [4, 2]);
  const W1 = m.param("W1", [3, 5]);
  const b1 = m.param("b1", [5]);
  const W2 = m.param("W2", [5, 2]);
  const b2 = m.param("b2", [2]);
  const h = x.matmul(W1).add(b1).tanh(); // @hidden
  const out = h.matmul(W2).add(b2); // @out
  m.output("out", out);
  m.loss(out.sub(y).square().mean()); // @loss
}

function buildMlp(name = "mlp"): Model {
  return model(name, buildMlpInto);
}

const mlp = buildMlp();
const grads = gradGraph(mlp.graph);
const text = printGraph(mlp.graph, { cwd: repoRoot });
const gradText = printGraph(grads, { cwd: repoRoot });

/** The node lines of a listing, parsed. */
function parse(listing: string) {
  const nodeLine = /^ {2}%(\d+) = (\S+)(.*?) : (\w+)\[([\d,]*)\](?: \(([^)]*)\))?(?:\s+@ (.+):(\d+))?$/;
  return listing
    .split("\n")
    .filter((l) => nodeLine.test(l))
    .map((l) => {
      const m = nodeLine.exec(l)!;
      return {
        id: Number(m[1]),
        op: m[2]!,
        attrs: m[3]!.trim(),
        dtype: m[4]!,
        shape: m[5]!,
        operands: m[6] ? m[6].split(", ").map((s) => Number(s.slice(1))) : [],
        file: m[7],
        line: m[8] === undefined ? undefined : Number(m[8]),
        text: l,
      };
    });
}

/** `name -> %k` entries of one section (outputs / grads / updates). */
function section(listing: string, title: string): Map<string, number> {
  const lines = listing.split("\n");
  const start = lines.indexOf(title);
  const out = new Map<string, number>();
  if (start < 0) return out;
  for (const l of lines.slice(start + 1)) {
    const m = /^ {2}(\S+)\s+-> %(\d+)$/.exec(l);
    if (!m) break;
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe("printGraph", () => {
  const nodes = parse(text);

  it("prints one line per node, densely numbered in topological order", () => {
    expect(text.split("\n")[0]).toBe("graph mlp");
    expect(nodes.map((n) => n.id)).toEqual(nodes.map((_, i) => i));
    for (const n of nodes) for (const k of n.operands) expect(k).toBeLessThan(n.id);
    expect(nodes).toHaveLength(16);
  });

  it("shows leaves with their names, roles and types, at the line that declared them", () => {
    expect(nodes[0]!.text).toMatch(
      /^ {2}%0 = input x : f32\[4,3\]\s+@ test\/inspect\/inspect\.test\.ts:\d+$/,
    );
    const W1 = nodes.find((n) => n.op === "param" && n.attrs === "W1")!;
    expect(W1).toMatchObject({ dtype: "f32", shape: "3,5", file: self, operands: [] });
    expect(nodes.filter((n) => n.op === "input").map((n) => n.attrs)).toEqual(["x", "y"]);
  });

  it("shows ops with attributes, result types, operands and the user's source line", () => {
    const hidden = lineOf("@hidden");
    const x = nodes.find((n) => n.op === "input" && n.attrs === "x")!;
    const W1 = nodes.find((n) => n.op === "param" && n.attrs === "W1")!;
    const mm = nodes.filter((n) => n.op === "matmul");
    expect(mm).toHaveLength(2);
    expect(mm[0]).toMatchObject({ shape: "4,5", operands: [x.id, W1.id], file: self, line: hidden });
    expect(mm[1]).toMatchObject({ shape: "4,2", line: lineOf("@out") });
    expect(nodes.find((n) => n.op === "tanh")).toMatchObject({ shape: "4,5", line: hidden });
    const sum = nodes.find((n) => n.op === "reduce_sum")!;
    expect(sum).toMatchObject({ attrs: "axes=[0,1]", shape: "", line: lineOf("@loss") });
    expect(nodes.find((n) => n.op === "const")).toMatchObject({ attrs: "8", shape: "" }); // mean = sum / 8
  });

  it("lists the results and counts nodes by op", () => {
    const outputs = section(text, "outputs");
    expect([...outputs.keys()]).toEqual(["out", "loss"]);
    expect(nodes[outputs.get("loss")!]!.op).toBe("div");
    expect(nodes[outputs.get("out")!]).toMatchObject({ op: "add", shape: "4,2" });
    expect(text).not.toMatch(/^grads$/m);
    const summary = text.trimEnd().split("\n").at(-1)!;
    expect(summary).toMatch(/^summary: 16 nodes: 4 param, /);
    expect(summary).toContain("2 matmul");
    expect(summary).toContain("1 tanh");
  });

  it("prints the gradient graph with a grads section whose nodes point at the forward lines", () => {
    const g = parse(gradText);
    const gradIds = section(gradText, "grads");
    expect([...gradIds.keys()]).toEqual(["W1", "b1", "W2", "b2"]);
    // dW1 = xᵀ · δ: a matmul with transposed first operand, shaped like W1, credited to W1's use
    const dW1 = g[gradIds.get("W1")!]!;
    expect(dW1).toMatchObject({ op: "matmul", attrs: "transA", shape: "3,5", line: lineOf("@hidden") });
    expect(g[dW1.operands[0]!]).toMatchObject({ op: "input", attrs: "x" });
    expect(g[gradIds.get("b2")!]).toMatchObject({ op: "reduce_sum", attrs: "axes=[0]", shape: "2" });
    expect(g.length).toBeGreaterThan(nodes.length);
    expect(gradText.trimEnd().split("\n").at(-1)).toMatch(
      new RegExp(`^summary: ${g.length} nodes: 5 matmul`),
    );
    // the forward part is unchanged and comes first
    expect(gradText.startsWith(text.slice(0, text.indexOf("outputs")))).toBe(true);
  });

  it("is deterministic and independent of node ids left over from other graphs", () => {
    expect(printGraph(mlp.graph, { cwd: repoRoot })).toBe(text);
    // same definition, but with extra nodes interned first: original ids shift, the print does not
    const shifted = model("mlp", (m) => {
      m.constant([1, 2, 3], [3]).exp();
      buildMlpInto(m);
    });
    expect(printGraph(shifted.graph, { cwd: repoRoot }).replaceAll(/:\d+$/gm, "")).toBe(
      printGraph(buildMlp().graph, { cwd: repoRoot }).replaceAll(/:\d+$/gm, ""),
    );
    expect(printGraph(shifted.graph, { originalIds: true })).toMatch(/^ {2}%2 = input x/m);
  });

  it("makes paths relative to cwd only below it, and can leave locations out", () => {
    expect(printGraph(mlp.graph, { cwd: "/nonexistent" })).toContain(`@ ${here}:`);
    const bare = printGraph(mlp.graph, { locations: false });
    expect(bare).not.toContain("@");
    expect(bare).toMatch(/^ {2}%6 = matmul : f32\[4,5\] \(%0, %2\)$/m);
    expect(printGraph(mlp.graph, { cwd: repoRoot, columns: true })).toMatch(
      new RegExp(`matmul .*@ test/inspect/inspect\\.test\\.ts:${lineOf("@hidden")}:\\d+$`, "m"),
    );
  });

  it("abbreviates long attribute arrays and shows flags by name", () => {
    const c = model("consts", (m) => {
      const v = m.constant(
        Array.from({ length: 20 }, (_, i) => i),
        [4, 5],
      );
      m.output("t", v.transpose([1, 0]).sum(0, true));
    });
    const listing = printGraph(c.graph);
    expect(listing).toContain("const [0,1,2,3,4,5,6,7,... (20 values)] : f32[4,5]");
    expect(listing).toMatch(/transpose perm=\[1,0\] : f32\[5,4\] \(%0\)/);
    expect(listing).toMatch(/reduce_sum axes=\[0\] keepdims : f32\[1,4\] \(%1\)/);
  });
});

// ---- DOT --------------------------------------------------------------------------------------

/** Splits DOT text into tokens; throws on an unterminated string. Strings keep their quotes. */
function tokenize(dot: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < dot.length) {
    const c = dot[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < dot.length && dot[j] !== '"') {
        if (dot[j] === "\n") throw new Error(`newline inside a string at ${i}`);
        j += dot[j] === "\\" ? 2 : 1;
      }
      if (j >= dot.length) throw new Error(`unterminated string at ${i}`);
      tokens.push(dot.slice(i, j + 1));
      i = j + 1;
    } else if (dot.startsWith("->", i)) {
      tokens.push("->");
      i += 2;
    } else if ("{}[];,=".includes(c)) {
      tokens.push(c);
      i++;
    } else {
      const m = /^[A-Za-z0-9_.#]+/.exec(dot.slice(i));
      if (!m) throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

/** Node declarations (`id [attrs];`) and edges (`a -> b`) of a DOT listing, from its lines. */
function dotStructure(dot: string) {
  const declared = new Map<string, string>();
  const edges: [string, string][] = [];
  const id = String.raw`(n\d+|"(?:[^"\\]|\\.)*")`;
  for (const line of dot.split("\n")) {
    const edge = new RegExp(`^ {2}${id} -> ${id}( \\[.*\\])?;$`).exec(line);
    if (edge) {
      edges.push([edge[1]!, edge[2]!]);
      continue;
    }
    const decl = new RegExp(`^ {2}${id} \\[(.*)\\];$`).exec(line);
    if (decl) declared.set(decl[1]!, decl[2]!);
  }
  return { declared, edges };
}

function checkDot(dot: string, g: Graph): void {
  const tokens = tokenize(dot);
  expect(tokens[0]).toBe("digraph");
  expect(tokens[1]).toMatch(/^".*"$/);
  expect(tokens[2]).toBe("{");
  expect(tokens.at(-1)).toBe("}");
  let depth = 0;
  for (const t of tokens) {
    if (t === "{" || t === "[") depth++;
    if (t === "}" || t === "]") depth--;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth).toBe(0);
  const { declared, edges } = dotStructure(dot);
  for (const [from, to] of edges) {
    expect(declared.has(from), from).toBe(true);
    expect(declared.has(to), to).toBe(true);
  }
  // one edge per operand, plus one per named result
  const results = g.outputs.size + g.grads.size + g.updates.size;
  const expectedEdges = parse(printGraph(g)).reduce((s, n) => s + n.operands.length, 0) + results;
  expect(edges).toHaveLength(expectedEdges);
}

describe("graphToDot", () => {
  const dot = graphToDot(mlp.graph, { cwd: repoRoot });
  const gradDot = graphToDot(grads, { cwd: repoRoot });

  it("is well-formed DOT whose edges all join declared nodes", () => {
    expect(dot.startsWith('digraph "mlp" {\n')).toBe(true);
    checkDot(dot, mlp.graph);
    checkDot(gradDot, grads);
    expect(graphToDot(mlp.graph, { cwd: repoRoot })).toBe(dot);
  });

  it("labels nodes with op and type, styles leaves by role and links to the source line", () => {
    const { declared } = dotStructure(dot);
    expect(declared.get("n0")).toMatch(/^label="input x\\nf32\[4,3\]", shape=ellipse/);
    const fill = (k: string) => /fillcolor="([^"]+)"/.exec(declared.get(k)!)?.[1];
    const paramNode = [...declared].find(([, a]) => a.startsWith('label="param W1'))![0];
    expect(fill("n0")).toBeDefined();
    expect(fill(paramNode)).toBeDefined();
    expect(fill("n0")).not.toBe(fill(paramNode));
    expect(declared.get("n6")).toBe(
      `label="matmul\\nf32[4,5]", tooltip="%6 = matmul f32[4,5] @ ${self}:${lineOf("@hidden")}"`,
    );
  });

  it("draws outputs and gradients as labelled sinks fed by the nodes computing them", () => {
    const { declared, edges } = dotStructure(gradDot);
    expect(declared.get('"output:loss"')).toMatch(/^label="loss", shape=house/);
    expect(declared.get('"grad:W1"')).toMatch(/^label="d loss \/ d W1", shape=house/);
    const feed = edges.find(([, to]) => to === '"grad:W1"')![0];
    expect(declared.get(feed)).toMatch(/^label="matmul transA\\nf32\[3,5\]"/);
    expect(gradDot).toMatch(/\{ rank=sink; "output:out"; "output:loss"; "grad:W1"; .*\}/);
    expect(gradDot).toMatch(/\{ rank=source; n0; n1; n2; n3; n4; n5; \}/);
  });

  it("escapes quotes and backslashes, and draws states and updates", () => {
    let state: Node | undefined;
    let next: Node | undefined;
    const rnn = model('say "hi"\\', (m) => {
      const x = m.input("x", [5]);
      state = m.ctx.node("state", [], { name: "h", shape: [5], dtype: "f32" });
      next = x.add(m.constant(1)).node;
      m.output("y", x.tanh());
    });
    const g: Graph = {
      ...rnn.graph,
      states: [state!],
      updates: new Map([["h", state!.ctx.node("add", [state!, next!])]]),
    };
    const out = graphToDot(g);
    expect(out.split("\n")[0]).toBe(String.raw`digraph "say \"hi\"\\" {`);
    checkDot(out, g);
    const { declared } = dotStructure(out);
    expect([...declared.values()].some((a) => a.startsWith('label="state h\\nf32[5]", shape=ellipse'))).toBe(
      true,
    );
    expect(declared.get('"update:h"')).toMatch(/^label="next h"/);
    const text = printGraph(g);
    expect(text).toMatch(/^updates\n {2}h -> %\d+$/m);
    expect(text).toMatch(/= state h : f32\[5\]/);
  });
});
