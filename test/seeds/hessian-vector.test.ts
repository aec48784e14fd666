// Every VJP is written with graph ops, so a gradient graph can be differentiated again. A
// Hessian-vector product H·v of a small MLP's loss, built symbolically as ∇(∇L · v), must agree
// with centered differences of gradients (∇L(θ + εv) − ∇L(θ − εv)) / 2ε.
import { describe, expect, it } from "vitest";
import { gradGraph, initParams, interpret, model, nn, type NDArray } from "../../compiler/index.js";

function mlp(withHvp: boolean) {
  return model("mlp", (m) => {
    const x = m.input("x", [3, 4]);
    const y = m.input("y", [3], "i32");
    const W1 = m.param("W1", [4, 5]);
    const b1 = m.param("b1", [5], { kind: "uniform", low: -0.5, high: 0.5 });
    const W2 = m.param("W2", [5, 3]);
    const loss = nn.softmaxCrossEntropy(x.matmul(W1).add(b1).tanh().matmul(W2), y, { ignoreIndex: -1 });
    m.loss(loss);
    if (withHvp) {
      const v = [m.input("v1", [4, 5]), m.input("v2", [5], "f32"), m.input("v3", [5, 3])];
      const g = m.grad(loss, [W1, b1, W2]);
      const gv = g.map((gi, i) => gi.mul(v[i]!).sum()).reduce((a, c) => a.add(c));
      const hv = m.grad(gv, [W1, b1, W2]);
      hv.forEach((h, i) => m.output(`hv${i + 1}`, h));
    }
  });
}

describe("Hessian-vector products by differentiating the gradient graph", () => {
  // [0, 2, 1]: every example counts; [0, -1, 1]: the second is ignored (ignoreIndex -1), so its
  // row adds nothing to the Hessian either
  it.each([[[0, 2, 1]], [[0, -1, 1]]])("agree with centered differences of gradients (labels %j)", (y) => {
    const plain = mlp(false);
    const hvp = mlp(true);
    const params = initParams(plain, 11);
    const x = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    const v = {
      v1: Array.from({ length: 20 }, (_, i) => Math.cos(3 * i)),
      v2: Array.from({ length: 5 }, (_, i) => 0.5 - i / 5),
      v3: Array.from({ length: 15 }, (_, i) => Math.sin(2 * i)),
    };
    const symbolic = interpret(hvp.graph, { inputs: { x, y, ...v }, params }).outputs;

    const eps = 1e-5;
    const names = ["W1", "b1", "W2"] as const;
    const direction = [v.v1, v.v2, v.v3];
    const shifted = (sign: number) => {
      const p: Record<string, NDArray> = {};
      names.forEach((n, i) => {
        const data = Float64Array.from(params[n]!.data, (w, k) => w + sign * eps * direction[i]![k]!);
        p[n] = { shape: params[n]!.shape, dtype: "f32", data };
      });
      return interpret(gradGraph(plain.graph), { inputs: { x, y }, params: p }).grads;
    };
    const plus = shifted(1);
    const minus = shifted(-1);
    names.forEach((n, i) => {
      const got = symbolic[`hv${i + 1}`]!.data;
      got.forEach((h, k) => {
        const fd = (plus[n]!.data[k]! - minus[n]!.data[k]!) / (2 * eps);
        expect(Math.abs(h - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
      });
    });
  });
});
