// The documented gradient conventions at non-differentiable points, asserted exactly (centered
// differences cannot check these: a kink is where they disagree with any one-sided choice).
//
//   relu'(0) = 0              leakyRelu'(0) = k           hardTanh'(±1) = 1, 0 outside [−1, 1]
//   abs'(0) = sign(0) = 0      maximum/minimum ties: the cotangent is split 1/2 : 1/2
//   reduce_max ties: split equally among the maxima, e.g. [1, 3, 3] -> [0, 1/2, 1/2]
//   step, sign, compare and casts to i32 are piecewise constant: zero gradient
//   stopGradient blocks the gradient of its operand
//   softSign'(x) = 1/(1 + |x|)² (seed 004 prints sgn(z)/(1+z)², a typo: that is negative for z < 0)
//
// Composites that are smooth although built from kinked primitives (softplus from max and abs,
// logSigmoid from min and abs,
// softSign from abs, logsumexp from max) must have their true derivative at the inner kinks.
import { describe, expect, it } from "vitest";
import {
  gradGraph,
  interpret,
  model,
  nn,
  toNested,
  type ModelBuilder,
  type Tensor,
} from "../../compiler/index.js";

type Values = readonly number[] | { readonly shape: readonly number[]; readonly values: readonly number[] };

/** d loss / d each param, as flat arrays, for params given by name (a flat array is a vector). */
function gradients(
  params: Record<string, Values>,
  loss: (p: Record<string, Tensor>, m: ModelBuilder) => Tensor,
): Record<string, number[]> {
  const shapeOf = (v: Values) => ("shape" in v ? v.shape : [v.length]);
  const valuesOf = (v: Values) => ("shape" in v ? v.values : v);
  const mdl = model("kink", (m) => {
    const p = Object.fromEntries(
      Object.entries(params).map(([name, v]) => [name, m.param(name, shapeOf(v))]),
    );
    m.loss(loss(p, m));
  });
  const feeds = Object.fromEntries(Object.entries(params).map(([name, v]) => [name, [...valuesOf(v)]]));
  const r = interpret(gradGraph(mdl.graph), { params: feeds });
  // + 0 turns −0 into 0: the sign of a zero gradient carries no meaning
  return Object.fromEntries(
    Object.keys(params).map((name) => [name, Array.from(r.grads[name]!.data, (v) => v + 0)]),
  );
}

/** d Σ f(x) / dx at the points `xs`. */
const derivative = (xs: readonly number[], f: (x: Tensor) => Tensor): number[] =>
  gradients({ x: xs }, ({ x }) => f(x!).sum()).x!;

/** Forward values of f at the points `xs`. */
function values(xs: readonly number[], f: (x: Tensor) => Tensor): number[] {
  const mdl = model("values", (m) => m.output("y", f(m.input("x", [xs.length]))));
  return toNested(interpret(mdl.graph, { inputs: { x: [...xs] } }).outputs.y!) as number[];
}

describe("activations at their kinks", () => {
  it("relu'(0) = 0 (method and nn.relu)", () => {
    expect(derivative([-1, 0, 2], (x) => x.relu())).toEqual([0, 0, 1]);
    expect(derivative([-1, 0, 2], nn.relu)).toEqual([0, 0, 1]);
    expect(values([-1, 0, 2], (x) => x.relu())).toEqual([0, 0, 2]);
  });

  it("leakyRelu'(0) = k", () => {
    expect(derivative([-1, 0, 2], (x) => x.leakyRelu(0.1))).toEqual([0.1, 0.1, 1]);
    expect(derivative([0], (x) => x.leakyRelu())).toEqual([0.01]);
    expect(values([-1, 0, 2], (x) => x.leakyRelu(0.25))).toEqual([-0.25, 0, 2]);
  });

  it("hardTanh' = 1 on the closed interval [-1, 1] and 0 outside", () => {
    const xs = [-2, -1, -0.5, 0, 1, 2];
    expect(derivative(xs, (x) => x.hardTanh())).toEqual([0, 1, 1, 1, 1, 0]);
    expect(values(xs, (x) => x.hardTanh())).toEqual([-1, -1, -0.5, 0, 1, 1]);
  });

  it("abs'(0) = 0, also inside l1Penalty", () => {
    expect(derivative([-2, 0, 3], (x) => x.abs())).toEqual([-1, 0, 1]);
    expect(gradients({ w: [0, -0.5, 4] }, ({ w }) => nn.l1Penalty(w!)).w).toEqual([0, -1, 1]);
  });

  it("hingeLoss has derivative 0 exactly at the margin (relu convention)", () => {
    // Δ + s_c − s = 1 + 0 − 1 = 0 for the first pair, 1 + 1 − 1 = 1 for the second
    const g = gradients({ s: [1, 1], c: [0, 1] }, ({ s, c }) => nn.hingeLoss(s!, c!, { reduction: "sum" }));
    expect(g.s).toEqual([0, -1]);
    expect(g.c).toEqual([0, 1]);
  });

  it("softSign'(x) = 1 / (1 + |x|)², not sgn(x) / (1 + x)²", () => {
    const xs = [-3, -1, 0, 1, 3, 7];
    // 1/16, 1/4, 1, 1/4, 1/16, 1/64 (the misprinted formula would give −1/4, −∞, 0, 1/4, ...)
    expect(derivative(xs, (x) => x.softSign())).toEqual([1 / 16, 1 / 4, 1, 1 / 4, 1 / 16, 1 / 64]);
    expect(values(xs, (x) => x.softSign())).toEqual([-0.75, -0.5, 0, 0.5, 0.75, 0.875]);
  });

  it("logSigmoid is smooth at 0: (log σ)'(0) = 1 − σ(0) = 1/2 although built from min and abs", () => {
    expect(derivative([0], nn.logSigmoid)).toEqual([0.5]);
    expect(values([0], nn.logSigmoid)[0]).toBeCloseTo(-Math.LN2, 15);
  });

  it("softplus is smooth at 0: softplus'(0) = σ(0) = 1/2 although built from max and abs", () => {
    expect(derivative([0], nn.softplus)).toEqual([0.5]);
    expect(values([0], nn.softplus)[0]).toBeCloseTo(Math.LN2, 15);
    // hence the logistic losses at a zero logit (all-zero initial weights give exactly that):
    // d/dz = σ(0) − y for binary cross-entropy and −y·σ(0) for the logistic loss
    const bce = gradients({ z: [0, 0, 0], y: [0, 1, 0.25] }, ({ z, y }) =>
      nn.binaryCrossEntropyWithLogits(z!, y!, { reduction: "sum" }),
    );
    expect(bce.z).toEqual([0.5, -0.5, 0.25]);
    const logistic = gradients({ z: [0, 0], y: [1, -1] }, ({ z, y }) =>
      nn.logisticLoss(z!, y!, { reduction: "sum" }),
    );
    expect(logistic.z).toEqual([-0.5, 0.5]);
  });
});

describe("ties", () => {
  it("maximum and minimum split the cotangent 1/2 : 1/2 at a tie", () => {
    const a = [2, 1, 3];
    const c = [2, 2, 1];
    const max = gradients({ a, c }, ({ a, c }) => a!.maximum(c!).sum());
    expect(max.a).toEqual([0.5, 0, 1]);
    expect(max.c).toEqual([0.5, 1, 0]);
    const min = gradients({ a, c }, ({ a, c }) => a!.minimum(c!).sum());
    expect(min.a).toEqual([0.5, 1, 0]);
    expect(min.c).toEqual([0.5, 0, 1]);
  });

  it("ties split per element under broadcasting, and against a constant", () => {
    // loss = Σ w·max(x, y) with w = [2, 4, 8] and a scalar y = 1: ties at elements 0 and 1
    const g = gradients({ x: [1, 1, 0], y: { shape: [], values: [1] } }, ({ x, y }, m) =>
      x!
        .maximum(y!)
        .mul(m.constant([2, 4, 8], [3]))
        .sum(),
    );
    expect(g.x).toEqual([1, 2, 0]);
    expect(g.y).toEqual([1 + 2 + 8]);
    expect(derivative([0, -1, 1], (x) => x.maximum(0))).toEqual([0.5, 0, 1]);
    expect(derivative([0, -1, 1], (x) => x.minimum(0))).toEqual([0.5, 1, 0]);
  });

  it("maximum(x, x) and minimum(x, x) have gradient 1: the two halves add up", () => {
    expect(derivative([-1, 0, 2], (x) => x.maximum(x))).toEqual([1, 1, 1]);
    expect(derivative([-1, 0, 2], (x) => x.minimum(x))).toEqual([1, 1, 1]);
  });

  it("reduce_max splits the cotangent equally among tied maxima", () => {
    expect(derivative([1, 3, 3], (x) => x.max())).toEqual([0, 0.5, 0.5]);
    expect(derivative([3, 3, 3], (x) => x.max())).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(derivative([-1, 3, 2], (x) => x.max())).toEqual([0, 1, 0]);
    // per row, scaled by the row's cotangent: loss = 2·max(row 0) + 4·max(row 1)
    const rows = gradients({ x: { shape: [2, 3], values: [1, 5, 5, 7, 7, 7] } }, ({ x }, m) =>
      x!
        .max(1)
        .mul(m.constant([2, 4], [2]))
        .sum(),
    );
    expect(rows.x).toEqual([0, 1, 1, 4 / 3, 4 / 3, 4 / 3]);
    // over all axes of [[4, 1], [4, 4]]
    const all = gradients({ x: { shape: [2, 2], values: [4, 1, 4, 4] } }, ({ x }) => x!.max([0, 1]));
    expect(all.x).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    // keepdims along axis 0 of [[2, 9], [2, 1]]: column 0 tied
    const cols = gradients({ x: { shape: [2, 2], values: [2, 9, 2, 1] } }, ({ x }) => x!.max(0, true).sum());
    expect(cols.x).toEqual([0.5, 1, 0.5, 0]);
  });

  it("pooling inherits the reduce_max convention", () => {
    // [4, 1] time series 1, 1, 2, 2 with window 2, stride 2: every window is a tie
    const pooled = gradients({ x: { shape: [4, 1], values: [1, 1, 2, 2] } }, ({ x }) =>
      nn.maxPool1d(x!, 2, 2).sum(),
    );
    expect(pooled.x).toEqual([0.5, 0.5, 0.5, 0.5]);
    const overTime = gradients({ x: { shape: [3, 2], values: [5, 0, 5, 1, 4, 1] } }, ({ x }) =>
      nn.maxOverTime(x!).sum(),
    );
    expect(overTime.x).toEqual([0.5, 0, 0.5, 0.5, 0, 0.5]);
  });

  it("logsumexp and softmax are smooth at tied maxima (the max inside is held constant)", () => {
    expect(derivative([1, 1], (x) => x.logsumexp())).toEqual([0.5, 0.5]);
    expect(derivative([2, 2, 2, 2], (x) => x.logsumexp())).toEqual([0.25, 0.25, 0.25, 0.25]);
    // d Σ_i w_i·softmax(x)_i / dx at x = [0, 0] with w = [1, 3]: p_i (w_i − Σ p w) = [−1/2, 1/2]
    const g = gradients({ x: [0, 0] }, ({ x }, m) =>
      x!
        .softmax()
        .mul(m.constant([1, 3], [2]))
        .sum(),
    );
    expect(g.x).toEqual([-0.5, 0.5]);
  });
});

describe("piecewise-constant ops and stopGradient", () => {
  it("step has zero gradient everywhere, including at 0", () => {
    expect(derivative([-1, 0, 2], (x) => x.step())).toEqual([0, 0, 0]);
    expect(values([-1, 0, 2], (x) => x.step())).toEqual([0, 0, 1]);
    // only the second factor of step(x)·x carries a gradient
    expect(derivative([-1, 0, 2], (x) => x.step().mul(x))).toEqual([0, 0, 1]);
  });

  it("sign has zero gradient everywhere", () => {
    expect(derivative([-1, 0, 2], (x) => x.sign().mul(3))).toEqual([0, 0, 0]);
    expect(derivative([-1, 0, 2], (x) => x.sign().mul(x))).toEqual([-1, 0, 1]);
  });

  it("comparisons, selects' conditions and casts to i32 pass no gradient", () => {
    expect(derivative([-1, 0, 2], (x) => x.gt(0.5).cast("f32"))).toEqual([0, 0, 0]);
    expect(derivative([-1.5, 0.7, 2.2], (x) => x.cast("i32").cast("f32"))).toEqual([0, 0, 0]);
    // the condition of select is a mask: only the chosen branch is differentiated
    expect(derivative([-1, 2], (x) => x.gt(0).select(x.mul(3), 7))).toEqual([0, 3]);
  });

  it("stopGradient blocks its operand's gradient but not other paths", () => {
    expect(derivative([1, -2], (x) => x.stopGradient())).toEqual([0, 0]);
    // d/dx (sg(x) · x) = sg(x) = x, not 2x
    expect(derivative([1.5, -2], (x) => x.stopGradient().mul(x))).toEqual([1.5, -2]);
    expect(values([1.5, -2], (x) => x.stopGradient().mul(x))).toEqual([2.25, 4]);
  });
});
