// softmax, logSoftmax, logsumexp and the logit-based losses stay finite and exact for huge logits
// (±1000, where a naive exp overflows to Infinity and log(0) = -Infinity), and match their closed
// forms for small ones — values and gradients.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gradGraph, interpret, model, nn, type ModelBuilder, type Tensor } from "../../compiler/index.js";
import { runs } from "../support/runs.js";

interface Evaluated {
  readonly y: number[];
  readonly shape: readonly number[];
  /** d Σ y / d x (or, for a scalar y, dy/dx). */
  readonly dx: number[];
}

/**
 * Evaluates f at the f32 tensor x (values row-major) and differentiates Σ f(x). `labels` feeds an
 * optional second input (f32 or i32).
 */
function evaluate(
  x: { shape: number[]; values: number[] },
  f: (x: Tensor, labels: Tensor | undefined, m: ModelBuilder) => Tensor,
  labels?: { shape: number[]; values: number[]; dtype: "f32" | "i32" },
): Evaluated {
  const mdl = model("stability", (m) => {
    const xt = m.param("x", x.shape);
    const lt = labels ? m.input("labels", labels.shape, labels.dtype) : undefined;
    const y = f(xt, lt, m);
    m.output("y", y);
    m.loss(y.sum());
  });
  const r = interpret(gradGraph(mdl.graph), {
    params: { x: x.values },
    inputs: labels ? { labels: labels.values } : {},
  });
  // + 0 turns −0 into 0 (e.g. the loss −(0) of a certain prediction): the sign carries no meaning
  return {
    y: Array.from(r.outputs.y!.data, (v) => v + 0),
    shape: r.outputs.y!.shape,
    dx: Array.from(r.grads.x!.data, (v) => v + 0),
  };
}

/** Every value finite and within `tol` (absolute, or relative for large values) of `expected`. */
function expectNear(actual: readonly number[], expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(Number.isFinite(v), `element ${i} is ${v}`).toBe(true);
    expect(Math.abs(v - expected[i]!), `element ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(expected[i]!)),
    );
  });
}

const sigma = (z: number) => 1 / (1 + Math.exp(-z));
const lse = (xs: readonly number[]) => Math.log(xs.reduce((a, v) => a + Math.exp(v), 0));
const vec = (values: number[]) => ({ shape: [values.length], values });

describe("huge logits (±1000)", () => {
  it("softmax is finite and exact", () => {
    const a = evaluate(vec([1000, 0, -1000]), (x) => x.softmax());
    expect(a.y).toEqual([1, 0, 0]);
    expectNear(a.dx, [0, 0, 0]); // Σ softmax = 1 has zero gradient
    expectNear(evaluate(vec([1000, 1000]), (x) => x.softmax()).y, [0.5, 0.5]);
    expectNear(evaluate(vec([-1000, -1000, -1000]), (x) => x.softmax()).y, [1 / 3, 1 / 3, 1 / 3]);
    // rows and columns of [[1000, -1000], [-1000, 1000], [0, 0]]
    const m = { shape: [3, 2], values: [1000, -1000, -1000, 1000, 0, 0] };
    expectNear(evaluate(m, (x) => x.softmax(-1)).y, [1, 0, 0, 1, 0.5, 0.5]);
    expectNear(evaluate(m, (x) => x.softmax(0)).y, [1, 0, 0, 1, 0, 0]);
  });

  it("logSoftmax is finite and exact", () => {
    const a = evaluate(vec([1000, 0, -1000]), (x) => x.logSoftmax());
    expect(a.y).toEqual([0, -1000, -2000]);
    // d Σ_i log p_i / dx = 1 − n·p = [1 − 3, 1, 1]
    expectNear(a.dx, [-2, 1, 1]);
    expectNear(evaluate(vec([-1000, -1000]), (x) => x.logSoftmax()).y, [-Math.LN2, -Math.LN2]);
  });

  it("logsumexp is finite and exact", () => {
    const a = evaluate(vec([1000, 1000]), (x) => x.logsumexp());
    expectNear(a.y, [1000 + Math.LN2]);
    expectNear(a.dx, [0.5, 0.5]);
    expectNear(evaluate(vec([-1000, -1000]), (x) => x.logsumexp()).y, [-1000 + Math.LN2]);
    const b = evaluate(vec([1000, -1000, 0]), (x) => x.logsumexp());
    expect(b.y).toEqual([1000]);
    expectNear(b.dx, [1, 0, 0]);
    // per row, keepdims: [[1000, 999], [-1000, -1001]]
    const c = evaluate({ shape: [2, 2], values: [1000, 999, -1000, -1001] }, (x) => x.logsumexp(1, true));
    expect(c.shape).toEqual([2, 1]);
    expectNear(c.y, [1000 + Math.log1p(Math.exp(-1)), -1000 + Math.log1p(Math.exp(-1))]);
    expectNear(c.dx, [sigma(1), sigma(-1), sigma(1), sigma(-1)]);
  });

  it("softmaxCrossEntropy is finite, with gradient softmax − onehot", () => {
    const logits = { shape: [2, 3], values: [1000, 0, -1000, 1000, 0, -1000] };
    const labels = { shape: [2], values: [1, 0], dtype: "i32" as const };
    const none = evaluate(logits, (x, l) => nn.softmaxCrossEntropy(x, l!, { reduction: "none" }), labels);
    expect(none.y).toEqual([1000, 0]);
    expectNear(none.dx, [1, -1, 0, 0, 0, 0]);
    const mean = evaluate(logits, (x, l) => nn.softmaxCrossEntropy(x, l!), labels);
    expect(mean.y).toEqual([500]);
    expectNear(mean.dx, [0.5, -0.5, 0, 0, 0, 0]);
    // the true class at -1000
    const worst = evaluate(vec([1000, -1000]), (x, l) => nn.softmaxCrossEntropy(x, l!), {
      shape: [],
      values: [1],
      dtype: "i32",
    });
    expect(worst.y).toEqual([2000]);
    expectNear(worst.dx, [1, -1]);
  });

  it("binaryCrossEntropyWithLogits is finite, with gradient σ(z) − y", () => {
    const z = vec([1000, 1000, -1000, -1000, 1000]);
    const y = { shape: [5], values: [0, 1, 1, 0, 0.5], dtype: "f32" as const };
    const a = evaluate(z, (x, t) => nn.binaryCrossEntropyWithLogits(x, t!, { reduction: "none" }), y);
    expect(a.y).toEqual([1000, 0, 1000, 0, 500]);
    expectNear(a.dx, [1, 0, -1, 0, 0.5]);
  });

  it("logisticLoss is finite, with gradient −y·σ(−y·z)", () => {
    const z = vec([1000, 1000, -1000, -1000]);
    const y = { shape: [4], values: [1, -1, -1, 1], dtype: "f32" as const };
    const a = evaluate(z, (x, t) => nn.logisticLoss(x, t!, { reduction: "none" }), y);
    expect(a.y).toEqual([0, 1000, 0, 1000]);
    expectNear(a.dx, [0, 1, 0, -1]);
  });

  it("logSigmoid is finite and exact at ±100 and ±1000, with gradient σ(−x) (issue 12)", () => {
    const xs = [-1000, -100, -30, -1, 0, 1, 30, 100, 1000];
    const a = evaluate(vec(xs), (x) => nn.logSigmoid(x));
    // log σ(x) = x − log(1 + e^x) for x < 0 and −log(1 + e^−x) otherwise (a naive log(σ(−1000)) is −Infinity)
    const exact = xs.map((v) => (v < 0 ? v - Math.log1p(Math.exp(v)) : -Math.log1p(Math.exp(-v))));
    expectNear(a.y, exact);
    expect(a.y[0]).toBe(-1000);
    expect(a.y[1]).toBe(-100);
    expect(a.y[7]).toBeLessThan(0); // −3.7e−44, not a rounded 0
    expect(a.y[7]).toBeCloseTo(-Math.exp(-100), 50);
    expectNear(
      a.dx,
      xs.map((v) => sigma(-v)),
    );
    // centered differences agree to 1e-7 relative to the derivative, also where it is tiny (x ≫ 0)
    const h = 1e-4;
    const up = evaluate(vec(xs.map((v) => v + h)), (x) => nn.logSigmoid(x)).y;
    const down = evaluate(vec(xs.map((v) => v - h)), (x) => nn.logSigmoid(x)).y;
    xs.forEach((v, i) => {
      const numeric = (up[i]! - down[i]!) / (2 * h);
      const d = a.dx[i]!;
      // (at x = 1000 both are 0: e^−1000 underflows)
      expect(Math.abs(numeric - d), `x = ${v}: ${numeric} vs ${d}`).toBeLessThanOrEqual(1e-7 * Math.abs(d));
    });
  });

  it("softmax sums to 1 and logSoftmax ≤ 0 for any logits up to ±1000, gradients finite", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 })).chain(([rows, cols]) =>
          fc.tuple(
            fc.constant(rows),
            fc.constant(cols),
            fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), {
              minLength: rows * cols,
              maxLength: rows * cols,
            }),
          ),
        ),
        ([rows, cols, values]) => {
          const shape = [rows, cols];
          const x = { shape, values };
          const p = evaluate(x, (t, _l, m) =>
            t.softmax().mul(
              m.constant(
                values.map((_, i) => i % 3),
                shape,
              ),
            ),
          );
          const s = evaluate(x, (t) => t.softmax().sum(-1));
          expectNear(s.y, Array<number>(rows).fill(1), 1e-12);
          for (const v of [...p.y, ...p.dx]) expect(Number.isFinite(v)).toBe(true);
          const l = evaluate(x, (t) => t.logSoftmax());
          for (const v of l.y) expect(v).toBeLessThanOrEqual(0);
          for (const v of l.dx) expect(Number.isFinite(v)).toBe(true);
          const e = evaluate(x, (t) => t.logsumexp(-1));
          for (let r = 0; r < rows; r++) {
            const row = values.slice(r * cols, (r + 1) * cols);
            const max = Math.max(...row);
            expect(e.y[r]!).toBeGreaterThanOrEqual(max);
            expect(e.y[r]!).toBeLessThanOrEqual(max + Math.log(cols) + 1e-12 * Math.max(1, Math.abs(max)));
          }
          // d Σ logsumexp / dx is the softmax: rows sum to 1
          for (let r = 0; r < rows; r++) {
            const g = e.dx.slice(r * cols, (r + 1) * cols);
            expect(Math.abs(g.reduce((a, v) => a + v, 0) - 1)).toBeLessThan(1e-12);
          }
        },
      ),
      runs({ test: 50, fuzz: 400 }).parameters,
    );
  });
});

describe("small logits match the closed forms", () => {
  it("softmax, logSoftmax and logsumexp of [1, 2, 3]", () => {
    const z = [1, 2, 3];
    const Z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    const p = z.map((v) => Math.exp(v) / Z);
    expectNear(evaluate(vec(z), (x) => x.softmax()).y, p);
    const logp = evaluate(vec(z), (x) => x.logSoftmax());
    expectNear(
      logp.y,
      z.map((v) => v - Math.log(Z)),
    );
    expectNear(
      logp.dx,
      p.map((v) => 1 - 3 * v),
    );
    const l = evaluate(vec(z), (x) => x.logsumexp());
    expectNear(l.y, [Math.log(Z)]);
    expectNear(l.dx, p);
  });

  it("softmax along axis 0 of a matrix", () => {
    // [[0, 1], [2, -1]]: columns [0, 2] and [1, -1]
    const y = evaluate({ shape: [2, 2], values: [0, 1, 2, -1] }, (x) => x.softmax(0)).y;
    expectNear(y, [1 / (1 + Math.exp(2)), sigma(2), Math.exp(2) / (1 + Math.exp(2)), sigma(-2)]);
  });

  it("softmaxCrossEntropy: −log p_label, gradient (p − onehot)/N for the mean", () => {
    const rows = [
      [0.5, -1, 2],
      [0.1, 0.2, 0.3],
    ];
    const labels = [2, 0];
    const probs = rows.map((r) => r.map((v) => Math.exp(v - lse(r))));
    const losses = rows.map((r, i) => lse(r) - r[labels[i]!]!);
    const logits = { shape: [2, 3], values: rows.flat() };
    const l = { shape: [2], values: labels, dtype: "i32" as const };
    expectNear(evaluate(logits, (x, t) => nn.softmaxCrossEntropy(x, t!, { reduction: "none" }), l).y, losses);
    expectNear(evaluate(logits, (x, t) => nn.softmaxCrossEntropy(x, t!, { reduction: "sum" }), l).y, [
      losses[0]! + losses[1]!,
    ]);
    const mean = evaluate(logits, (x, t) => nn.softmaxCrossEntropy(x, t!), l);
    expectNear(mean.y, [(losses[0]! + losses[1]!) / 2]);
    expectNear(
      mean.dx,
      probs.flatMap((p, i) => p.map((v, k) => (v - (k === labels[i] ? 1 : 0)) / 2)),
    );
  });

  it("binaryCrossEntropyWithLogits: log(1 + e^z) − y·z, gradient σ(z) − y", () => {
    const z = [-1.5, 0.3, 2, 0];
    const y = [0, 1, 0.4, 0.7];
    const a = evaluate(vec(z), (x, t) => nn.binaryCrossEntropyWithLogits(x, t!, { reduction: "none" }), {
      shape: [4],
      values: y,
      dtype: "f32",
    });
    expectNear(
      a.y,
      z.map((v, i) => Math.log(1 + Math.exp(v)) - y[i]! * v),
    );
    expectNear(
      a.dx,
      z.map((v, i) => sigma(v) - y[i]!),
    );
    // the same as −y·log σ(z) − (1 − y)·log(1 − σ(z))
    expectNear(
      a.y,
      z.map((v, i) => -y[i]! * Math.log(sigma(v)) - (1 - y[i]!) * Math.log(1 - sigma(v))),
    );
  });

  it("logisticLoss: log(1 + e^(−y·z)), gradient −y·σ(−y·z)", () => {
    const z = [0.5, -2, 1.2, 0];
    const y = [1, 1, -1, -1];
    const a = evaluate(vec(z), (x, t) => nn.logisticLoss(x, t!, { reduction: "none" }), {
      shape: [4],
      values: y,
      dtype: "f32",
    });
    expectNear(
      a.y,
      z.map((v, i) => Math.log(1 + Math.exp(-y[i]! * v))),
    );
    expectNear(
      a.dx,
      z.map((v, i) => -y[i]! * sigma(-y[i]! * v)),
    );
    const mean = evaluate(vec(z), (x, t) => nn.logisticLoss(x, t!), { shape: [4], values: y, dtype: "f32" });
    expectNear(mean.y, [a.y.reduce((s, v) => s + v, 0) / 4]);
  });
});
