// Seed 001 §1.2.1: backpropagation for an L-layer network with squared loss, written out with the
// δ recursion (eqs. 1–2), against the compiler's symbolic gradients. Column-vector convention of
// the seed: z(l) = W(l) a(l−1), a(l) = f(z(l)), W(l) ∈ R^{d_l × d_{l−1}}.
import { describe, expect, it } from "vitest";
import { gradGraph, initParams, interpret, model, nn, type NDArray } from "../../compiler/index.js";

const dims = [4, 5, 3, 2]; // d0 .. d3: a three-layer network
const L = dims.length - 1;

const net = model("delta", (m) => {
  let a = m.input("x", [dims[0]!]);
  const y = m.input("y", [dims[L]!]);
  for (let l = 1; l <= L; l++) {
    const W = m.param(`W${l}`, [dims[l]!, dims[l - 1]!], { kind: "uniform", low: -1, high: 1 });
    a = W.matmul(a).sigmoid();
  }
  m.loss(nn.squaredLoss(a, y, { reduction: "sum" }));
});

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The seed's algorithm, in plain float64 loops. Returns W̄(l) for l = 1..L. */
function backpropagation(W: number[][][], x: number[], y: number[]): number[][][] {
  const a: number[][] = [x];
  const z: number[][] = [[]];
  for (let l = 1; l <= L; l++) {
    z[l] = W[l]!.map((row) => row.reduce((s, w, j) => s + w * a[l - 1]![j]!, 0));
    a[l] = z[l]!.map(sigmoid);
  }
  const fPrime = (l: number) => z[l]!.map((v) => sigmoid(v) * (1 - sigmoid(v)));
  const delta: number[][] = [];
  delta[L] = a[L]!.map((v, i) => (v - y[i]!) * fPrime(L)[i]!);
  for (let l = L - 1; l >= 1; l--) {
    const back = a[l]!.map((_, j) => W[l + 1]!.reduce((s, row, i) => s + row[j]! * delta[l + 1]![i]!, 0));
    delta[l] = back.map((v, j) => fPrime(l)[j]! * v);
  }
  const grads: number[][][] = [];
  for (let l = 1; l <= L; l++) grads[l] = delta[l]!.map((d) => a[l - 1]!.map((v) => d * v));
  return grads;
}

const toMatrix = (t: NDArray, rows: number, cols: number) =>
  Array.from({ length: rows }, (_, i) => Array.from(t.data.slice(i * cols, (i + 1) * cols)));

describe("backpropagation with the δ recursion (seed 001)", () => {
  for (const seed of [1, 2, 3]) {
    it(`matches autodiff for a 3-layer sigmoid network (init seed ${seed})`, () => {
      const params = initParams(net, seed);
      const x = [0.5, -1, 2, 0.1].map((v) => v * seed);
      const y = [1, 0];
      const W = [
        [],
        ...Array.from({ length: L }, (_, k) => toMatrix(params[`W${k + 1}`]!, dims[k + 1]!, dims[k]!)),
      ];
      const expected = backpropagation(W, x, y);
      const r = interpret(gradGraph(net.graph), { inputs: { x, y }, params });
      for (let l = 1; l <= L; l++) {
        const got = toMatrix(r.grads[`W${l}`]!, dims[l]!, dims[l - 1]!);
        got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[l]![i]![j]!, 14)));
      }
    });
  }

  it("reduces to the delta rule (eq. 1) for a single layer", () => {
    const single = model("single", (m) => {
      const x = m.input("x", [3]);
      const y = m.input("y", [2]);
      const W = m.param("W", [2, 3]);
      m.loss(nn.squaredLoss(W.matmul(x).tanh(), y, { reduction: "sum" }));
    });
    const params = { W: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6] };
    const x = [1, 2, -1];
    const y = [0.5, -0.5];
    const r = interpret(gradGraph(single.graph), { inputs: { x, y }, params });
    // ((f(Wx) − y) ⊙ f'(Wx)) xᵀ with f = tanh
    const Wx = [0, 1].map((i) => [0, 1, 2].reduce((s, j) => s + params.W[i * 3 + j]! * x[j]!, 0));
    const err = Wx.map((z, i) => (Math.tanh(z) - y[i]!) * (1 - Math.tanh(z) ** 2));
    const expected = err.flatMap((e) => x.map((v) => e * v));
    Array.from(r.grads.W!.data).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 14));
  });
});
