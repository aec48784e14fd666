import { describe, expect, it } from "vitest";
import { gradGraph, graphNodes, interpret, model, nn, toNested } from "../../compiler/index.js";
import { mul } from "../../compiler/ir/build.js";
import { checkGraph } from "../../compiler/ir/spec.js";
import { graphFromJSON, graphToJSON } from "../../compiler/serialize.js";
import { WasmgradError } from "../../compiler/errors.js";

const mlp = model("mlp", (m) => {
  const x = m.input("x", [2, 3]);
  const y = m.input("y", [2], "i32");
  const W1 = m.param("W1", [3, 4]);
  const W2 = m.param("W2", [4, 2]);
  const h = x.matmul(W1).sigmoid();
  m.output("probs", h.matmul(W2).softmax());
  m.loss(nn.softmaxCrossEntropy(h.matmul(W2), y));
});

describe("hash-consed nodes", () => {
  it("structurally equal nodes are one object; different attrs or operands are not", () => {
    model("m", (m) => {
      const x = m.input("x", [3]);
      expect(x.exp().node).toBe(x.exp().node);
      expect(x.add(1).node).toBe(x.add(1).node);
      expect(x.add(1).node).not.toBe(x.add(2).node);
      expect(x.sum(0).node).not.toBe(x.sum(0, true).node);
      expect(x.slice(0, 0, 2).node).not.toBe(x.slice(0, 1, 3).node);
      m.output("y", x);
    });
  });

  it("counts the requests answered with an existing node (the duplicates hash-consing removed)", () => {
    model("count", (m) => {
      const x = m.input("x", [3]);
      const before = x.node.ctx.sharedRequests;
      const size = x.node.ctx.size;
      x.tanh();
      x.tanh(); // shared
      x.tanh().exp();
      expect(x.node.ctx.sharedRequests - before).toBe(2);
      expect(x.node.ctx.size - size).toBe(2); // tanh and exp
      m.output("y", x);
    });
  });

  it("the logits shared by the output and the loss are computed once, and VJPs add no forward matmul", () => {
    const g = gradGraph(mlp.graph);
    const matmuls = graphNodes(g).filter((n) => n.op === "matmul");
    const plain = matmuls.filter((n) => !n.attrs.transA && !n.attrs.transB);
    expect(plain).toHaveLength(2); // x·W1 and h·W2, each once
    expect(matmuls).toHaveLength(5); // plus dW2 = hᵀ·G, dH = G·W2ᵀ, dW1 = xᵀ·dZ (no dx: x is data)
  });

  it("nodes, operand lists and attributes are frozen", () => {
    const n = mlp.graph.outputs.get("loss")!;
    expect(Object.isFrozen(n)).toBe(true);
    expect(Object.isFrozen(n.inputs)).toBe(true);
    expect(Object.isFrozen(n.attrs)).toBe(true);
    expect(Object.isFrozen(n.shape)).toBe(true);
  });
});

describe("the IR spec check", () => {
  it("accepts the forward and gradient graphs of a model", () => {
    expect(() => checkGraph(mlp.graph)).not.toThrow();
    expect(() => checkGraph(gradGraph(mlp.graph))).not.toThrow();
  });

  it("rejects a graph that uses an undeclared leaf", () => {
    const broken = { ...mlp.graph, params: mlp.graph.params.slice(1) };
    expect(() => checkGraph(broken)).toThrow(/param 'W1' \(%\d+\) is used but not declared/);
  });

  it("rejects a gradient whose shape is not its leaf's", () => {
    const g = gradGraph(mlp.graph);
    const wrong = new Map(g.grads);
    wrong.set("W1", g.grads.get("W2")!);
    expect(() => checkGraph({ ...g, grads: wrong })).toThrow(
      /the gradient of 'W1' has type f32\[4,2\], expected f32\[3,4\]/,
    );
  });

  it("rejects nodes from two contexts", () => {
    const other = model("other", (m) => m.output("z", m.input("z", [2, 2])));
    const mixed = {
      ...mlp.graph,
      outputs: new Map([...mlp.graph.outputs, ["z", other.graph.outputs.get("z")!]]),
    };
    expect(() => checkGraph(mixed)).toThrow(WasmgradError);
  });

  it("operations across contexts are refused at construction", () => {
    const other = model("other", (m) => m.output("z", m.input("z", [2, 2])));
    expect(() => mul(mlp.graph.outputs.get("loss")!, other.graph.outputs.get("z")!)).toThrow(
      /belongs to model 'other'/,
    );
  });
});

describe("JSON serialization", () => {
  it("round-trips the gradient graph with identical results", () => {
    const g = gradGraph(mlp.graph);
    const json = JSON.parse(JSON.stringify(graphToJSON(g)));
    const back = graphFromJSON(json);
    checkGraph(back);
    const bind = {
      inputs: { x: [0.1, 0.2, 0.3, -0.4, 0.5, 0.6], y: [1, 0] },
      params: {
        W1: Array.from({ length: 12 }, (_, i) => Math.sin(i)),
        W2: Array.from({ length: 8 }, (_, i) => Math.cos(i)),
      },
    };
    const a = interpret(g, bind);
    const b = interpret(back, bind);
    expect(toNested(b.outputs.loss!)).toBe(toNested(a.outputs.loss!));
    expect(toNested(b.grads.W1!)).toEqual(toNested(a.grads.W1!));
    expect(graphToJSON(back).nodes.length).toBe(json.nodes.length);
  });

  it("rejects references to undefined nodes", () => {
    const json = graphToJSON(mlp.graph);
    expect(() => graphFromJSON({ ...json, outputs: { ...json.outputs, ghost: 9999 } })).toThrow(
      /reference to undefined node %9999/,
    );
  });
});
