// Each rule of the optimizer fires on the pattern it names and leaves every value unchanged.
import { describe, expect, it } from "vitest";
import {
  gradGraph,
  graphNodes,
  interpret,
  model,
  nn,
  type Model,
  type ModelBuilder,
  Tensor,
} from "../../compiler/index.js";
import * as b from "../../compiler/ir/build.js";
import { isKernel } from "../../compiler/ir/kernels.js";
import { optimizeGraph, PASSES } from "../../compiler/passes/pipeline.js";
import { checkAgainstInterpreter } from "../wasm/harness.js";

const X = [0.5, -1.25, 2, 0.75, -0.5, 1.5];

/**
 * The rule fires, the values stay, and the graph does not grow: in nodes, or for rules that trade
 * a kernel for free views (reshapes), in kernels.
 */
function check(
  name: string,
  build: (x: Tensor, m: ModelBuilder) => Tensor,
  expectRule: string,
  measure: "nodes" | "kernels" = "nodes",
): void {
  it(`${expectRule}: ${name}`, () => {
    const mdl: Model = model(name, (m) => m.output("y", build(m.input("x", [2, 3]), m)));
    const { graph, report } = optimizeGraph(mdl.graph, { check: true });
    const fired = report.reduce((n, r) => n + (r.rules[expectRule] ?? 0), 0);
    expect(fired, `rule ${expectRule} should fire`).toBeGreaterThan(0);
    const size = (g: typeof graph) => graphNodes(g).filter((n) => measure === "nodes" || isKernel(n)).length;
    expect(size(graph)).toBeLessThanOrEqual(size(mdl.graph));
    const before = interpret(mdl.graph, { inputs: { x: X } }).outputs.y!;
    const after = interpret(graph, { inputs: { x: X } }).outputs.y!;
    expect(after.shape).toEqual(before.shape);
    Array.from(after.data).forEach((v, i) => expect(v).toBeCloseTo(before.data[i]!, 12));
  });
}

describe("simplify, fold and cse rules preserve values", () => {
  check("x*1", (x) => x.mul(1).tanh(), "mul-one");
  check("1*x broadcast", (x, m) => m.constant(1, [4, 2, 3]).mul(x), "mul-one");
  check("x+0", (x) => x.add(0).exp(), "add-zero");
  check("x-0", (x) => x.sub(0).exp(), "add-zero");
  check("x/1", (x) => x.div(1).exp(), "div-one");
  check("neg neg", (x) => x.neg().neg().exp(), "neg-neg");
  check("log exp", (x) => x.exp().log().tanh(), "log-exp");
  check("transpose transpose", (x) => x.T.T.exp(), "transpose-transpose");
  check(
    "transpose compose",
    (x) => x.reshape([1, 2, 3]).transpose([1, 0, 2]).transpose([2, 1, 0]).exp(),
    "transpose-transpose",
  );
  check("reshape reshape", (x) => x.reshape([3, 2]).reshape([6]).exp(), "reshape-reshape");
  check("reshape to same shape", (x) => x.exp().reshape([2, 3]).tanh(), "identity-movement");
  check("sum over a unit axis", (x) => x.reshape([2, 1, 3]).sum(1).exp(), "reduce-unit-axes");
  check("max over a unit axis", (x) => x.reshape([2, 3, 1]).max(2).exp(), "reduce-unit-axes");
  check("sum reshaped to keepdims", (x) => x.exp().sum(1).reshape([2, 1]).mul(x), "reshape-keepdims");
  check("max reshaped to keepdims", (x) => x.max(0).reshape([1, 3]).sub(x), "reshape-keepdims");
  check("broadcast scalar operand", (x, m) => x.mul(m.constant(3).broadcastTo([2, 3])), "scalar-operand");
  check("constant arithmetic", (x, m) => x.add(m.constant(2).mul(m.constant(3)).exp()), "fold");
  check("iota folded", (x, m) => x.add(m.constant([1, 2, 3], [3]).mul(2)), "fold");
  check(
    "matmul of a stacked operand",
    (x, m) => x.reshape([2, 1, 3]).matmul(m.constant([1, 2, 3, 4, 5, 6], [3, 2])),
    "matmul-fold-batch",
    "kernels",
  );
  check("sum of a sum", (x) => x.exp().sum(1).sum(0), "sum-sum");
  check(
    "bias add after a reshape that keeps the last axis",
    (x, m) =>
      x
        .exp()
        .reshape([1, 2, 3])
        .add(m.constant([1, 2, 3], [3]))
        .tanh(),
    "elementwise-before-reshape",
  );
  check(
    "sum over t of A_tᵀ·B_t",
    (x) =>
      new Tensor(b.matmul(x.reshape([2, 3, 1]).node, x.exp().reshape([2, 3, 1]).node, true, false)).sum(0),
    "sum-batched-matmul",
    "kernels",
  );
  const extract = (x: Tensor, offset: number, shape: number[]) =>
    new Tensor(x.node.ctx.node("extract", [x.node], { offset, shape }));
  check("extract of everything", (x) => extract(x.exp(), 0, [6]).tanh(), "extract-whole");
  check("extract of an extract", (x) => extract(extract(x.exp(), 1, [4]), 1, [2]).tanh(), "extract-view");
  check(
    "extract of the padded value",
    (x) => extract(new Tensor(b.pad(x.exp().reshape([6]).node, [2], [1])), 2, [2, 3]).tanh(),
    "extract-pad",
  );
  check(
    "extract of a sum of padded values",
    (x) => {
      const flat = x.exp().reshape([6]).node;
      const both = b.add(b.pad(flat, [0], [6]), b.pad(b.tanh(flat), [6], [0]));
      return extract(new Tensor(both), 6, [2, 3]).exp();
    },
    "extract-add",
  );
  check(
    "commutative order",
    (x) => x.exp().add(x.tanh()).mul(x.tanh().add(x.exp())),
    "canonical-operand-order",
  );

  check(
    "mean's cotangent: a one-element constant broadcast, then reshaped",
    (x, m) => new Tensor(b.reshape(b.broadcastTo(m.constant(0.25, [1]).node, [6]), [2, 3])).mul(x.exp()),
    "reshape-single-broadcast",
  );

  it("cse merges a + b and b + a into one node", () => {
    const mdl = model("cse", (m) => {
      const a = m.input("a", [3]).exp();
      const b = m.input("b", [3]).tanh();
      m.output("y", a.add(b).mul(b.add(a)));
    });
    const adds = (g: typeof mdl.graph) => graphNodes(g).filter((n) => n.op === "add").length;
    expect(adds(mdl.graph)).toBe(2);
    expect(adds(optimizeGraph(mdl.graph, { passes: ["simplify", "fold", "cse"] }).graph)).toBe(1);
  });

  it("x * 0 is left alone (NaN for infinite x)", () => {
    const mdl = model("mul0", (m) => m.output("y", m.input("x", [2]).mul(0)));
    const y = interpret(optimizeGraph(mdl.graph).graph, { inputs: { x: [Infinity, 1] } }).outputs.y!;
    expect(Number.isNaN(y.data[0])).toBe(true);
  });

  it("-O0 runs no pass; the pipeline names its passes", () => {
    expect(
      optimizeGraph(model("z", (m) => m.output("y", m.input("x", [2]).mul(1))).graph, { level: 0 }).report,
    ).toEqual([]);
    expect(PASSES.map((p) => p.name)).toEqual(["hoist", "simplify", "sparse", "fold", "cse", "fuse"]);
  });
});

describe("one-hot products become row lookups", () => {
  // ids 5 and -1 are out of range for V = 5: their one-hot rows are zero, so are their products
  const V = 5;
  const ids = [2, 5, 0, 2, -1, 4];
  const embedding = (depth: number) =>
    model("onehot", (m) => {
      const W = m.param("W", [depth, 3]);
      const y = nn.oneHot(m.input("ids", [6], "i32"), depth).matmul(W);
      m.output("y", y);
      m.loss(y.mul(m.input("R", [6, 3])).sum());
    });
  const feeds = (depth: number) => ({
    inputs: { ids, R: Array.from({ length: 18 }, (_, i) => Math.sin(i + 1)) },
    params: { W: Array.from({ length: depth * 3 }, (_, i) => Math.cos(i) * 2) },
  });
  // equal values (+ 0: a one-hot product of a negative row's zero is +0, a lookup −0)
  const plain = (a: ArrayLike<number>) => Array.from(a, (v) => v + 0);

  for (const depth of [V, 70]) {
    it(`onehot · W is a gather and its gradient a scatter_add, out-of-range ids included (V ${depth})`, () => {
      const g = gradGraph(embedding(depth).graph);
      const { graph, report } = optimizeGraph(g, { check: true });
      const fired = (rule: string) => report.reduce((n, r) => n + (r.rules[rule] ?? 0), 0);
      expect(fired("onehot-matmul-gather")).toBe(1);
      expect(fired("onehot-matmul-scatter")).toBe(1);
      expect(graphNodes(graph).filter((n) => n.op === "matmul")).toEqual([]);
      // no clamp or mask around the lookups: the graph only shrinks
      expect(graphNodes(graph).length).toBeLessThan(graphNodes(g).length);
      const before = interpret(g, feeds(depth));
      const after = interpret(graph, feeds(depth));
      expect(plain(after.outputs.y!.data)).toEqual(plain(before.outputs.y!.data));
      Array.from(after.grads.W!.data).forEach((v, i) => expect(v).toBeCloseTo(before.grads.W!.data[i]!, 12));
      // row 0 of y is W's row 2; id 5 reads zeros only when V = 5; id −1 always
      const W = feeds(depth).params.W;
      expect(plain(after.outputs.y!.data.subarray(0, 3))).toEqual(W.slice(6, 9));
      expect(plain(after.outputs.y!.data.subarray(3, 6))).toEqual(depth === V ? [0, 0, 0] : W.slice(15, 18));
      expect(plain(after.outputs.y!.data.subarray(12, 15))).toEqual([0, 0, 0]);
    });
  }

  it("compiled at -O2, the lookups agree with the interpreter (SIMD and scalar)", async () => {
    for (const simd of [true, false]) {
      const { ops } = await checkAgainstInterpreter(embedding(V), feeds(V), simd, { optLevel: 2 });
      expect(ops.has("gather") && ops.has("scatter_add") && !ops.has("matmul")).toBe(true);
    }
  });
});
