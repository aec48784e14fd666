// Optimizers as graph ops against the update rules of seed 004 (snippets 2.2–2.5), written out
// here in plain JavaScript; learning-rate schedules of §2.7; clipping by global norm (seed 002).
import { describe, expect, it } from "vitest";
import {
  gradGraph,
  interpret,
  learningRateAt,
  model,
  optim,
  referenceTrainer,
  schedule,
  trainGraph,
  type Optimizer,
} from "../../compiler/index.js";

// loss = ½ Σ (w ⊙ x − 1)², so dloss/dw = (w ⊙ x − 1) ⊙ x
const quad = model("quad", (m) => {
  const x = m.input("x", [3]);
  const w = m.param("w", [3]);
  m.loss(w.mul(x).sub(1).square().sum().mul(0.5));
});
const x = [0.5, -2, 3];
const w0 = [1, 0.5, -0.25];
const grad = (w: number[]) => w.map((wi, i) => (wi * x[i]! - 1) * x[i]!);

type Rule = (w: number[], g: number[], s: Record<string, number[]>, t: number) => number[];
const zeros = () => [0, 0, 0];

/** Runs `steps` updates of a plain-JS rule; returns the parameter after each. */
function reference(rule: Rule, steps: number): number[][] {
  let w = [...w0];
  const slots: Record<string, number[]> = { a: zeros(), b: zeros() };
  const trajectory: number[][] = [];
  for (let t = 0; t < steps; t++) {
    w = rule(w, grad(w), slots, t);
    trajectory.push(w);
  }
  return trajectory;
}

const cases: [string, Optimizer, Rule][] = [
  ["sgd", optim.sgd(0.1), (w, g) => w.map((wi, i) => wi - 0.1 * g[i]!)],
  [
    "momentum (snippet 2.2)",
    optim.momentum(0.1, { mu: 0.9 }),
    (w, g, s) => {
      s.a = s.a!.map((v, i) => 0.9 * v - 0.1 * g[i]!);
      return w.map((wi, i) => wi + s.a![i]!);
    },
  ],
  [
    "adagrad (snippet 2.3)",
    optim.adagrad(0.5),
    (w, g, s) => {
      s.a = s.a!.map((c, i) => c + g[i]! ** 2);
      return w.map((wi, i) => wi - (0.5 * g[i]!) / Math.sqrt(s.a![i]! + 1e-8));
    },
  ],
  [
    "rmsprop (snippet 2.4)",
    optim.rmsprop(0.05, { decay: 0.9, eps: 1e-8 }),
    (w, g, s) => {
      s.a = s.a!.map((c, i) => 0.9 * c + 0.1 * g[i]! ** 2);
      return w.map((wi, i) => wi - (0.05 * g[i]!) / (Math.sqrt(s.a![i]!) + 1e-8));
    },
  ],
  [
    "adam without bias correction (snippet 2.5)",
    optim.adam(0.05, { biasCorrection: false }),
    (w, g, s) => {
      s.a = s.a!.map((m, i) => 0.9 * m + 0.1 * g[i]!);
      s.b = s.b!.map((v, i) => 0.999 * v + 0.001 * g[i]! ** 2);
      return w.map((wi, i) => wi - (0.05 * s.a![i]!) / (Math.sqrt(s.b![i]!) + 1e-8));
    },
  ],
  [
    "adam with bias correction (Kingma & Ba)",
    optim.adam(0.05),
    (w, g, s, t) => {
      s.a = s.a!.map((m, i) => 0.9 * m + 0.1 * g[i]!);
      s.b = s.b!.map((v, i) => 0.999 * v + 0.001 * g[i]! ** 2);
      const c1 = 1 - 0.9 ** (t + 1);
      const c2 = 1 - 0.999 ** (t + 1);
      return w.map((wi, i) => wi - (0.05 * (s.a![i]! / c1)) / (Math.sqrt(s.b![i]! / c2) + 1e-8));
    },
  ],
  [
    "sgd with exponential decay α0·e^(−kt)",
    optim.sgd(schedule.exponential(0.2, 0.3)),
    (w, g, _s, t) => w.map((wi, i) => wi - 0.2 * Math.exp(-0.3 * t) * g[i]!),
  ],
  [
    "sgd with α0·τ/max(t, τ)",
    optim.sgd(schedule.inverse(0.2, 2)),
    (w, g, _s, t) => w.map((wi, i) => wi - ((0.2 * 2) / Math.max(t, 2)) * g[i]!),
  ],
  [
    "sgd annealed by ½ every 2 steps",
    optim.sgd(schedule.step(0.2, 0.5, 2)),
    (w, g, _s, t) => w.map((wi, i) => wi - 0.2 * 0.5 ** Math.floor(t / 2) * g[i]!),
  ],
];

describe("optimizer updates follow the seed's formulas", () => {
  for (const [name, opt, rule] of cases) {
    it(name, () => {
      const trainer = referenceTrainer(quad, opt, {
        params: { w: { shape: [3], dtype: "f32", data: Float64Array.from(w0) } },
      });
      const expected = reference(rule, 6);
      for (const target of expected) {
        trainer.step({ x });
        Array.from(trainer.params.w!.data).forEach((v, i) => expect(v).toBeCloseTo(target[i]!, 12));
      }
      expect(trainer.states["optim.step"]!.data[0]).toBe(6);
    });
  }

  it("the step counter and slots are state leaves with zero initial values", () => {
    const { graph, initialStates } = trainGraph(quad, optim.adam(0.1));
    expect(graph.states.map((s) => s.attrs.name)).toEqual(["optim.step", "optim.w.m", "optim.w.v"]);
    expect(Object.values(initialStates).every((s) => s.data.every((v) => v === 0))).toBe(true);
    expect([...graph.updates.keys()].sort()).toEqual(["optim.step", "optim.w.m", "optim.w.v", "w"]);
  });

  it("schedules: the documented values", () => {
    expect(learningRateAt(schedule.exponential(1, 0.5), 2)).toBeCloseTo(Math.exp(-1), 15);
    expect(learningRateAt(schedule.inverse(1, 10), 5)).toBe(1);
    expect(learningRateAt(schedule.inverse(1, 10), 20)).toBe(0.5);
    expect(learningRateAt(schedule.step(1, 0.1, 3), 7)).toBeCloseTo(0.01, 15);
  });
});

describe("clipping by global norm", () => {
  const two = model("two", (m) => {
    const a = m.param("a", [2]);
    const c = m.param("c", [3]);
    const s = m.input("s", []);
    m.loss(a.sum().add(c.sum().mul(2)).mul(s));
  });
  // gradients: a → [s, s], c → [2s, 2s, 2s]; global norm = |s|·√(2 + 12) = |s|·√14
  const norm = (grads: Record<string, { data: ArrayLike<number> }>) =>
    Math.sqrt(
      Object.values(grads).reduce((n, g) => n + Array.from(g.data).reduce((a, v) => a + v * v, 0), 0),
    );
  const params = { a: [0, 0], c: [0, 0, 0] };

  it("rescales gradients whose norm exceeds the threshold to exactly the threshold", () => {
    const { graph, initialStates } = trainGraph(two, optim.sgd(1), { clipNorm: 1 });
    const r = interpret(graph, { inputs: { s: 10 }, params, states: initialStates });
    expect(norm(r.grads)).toBeCloseTo(1, 14);
    const unclipped = interpret(gradGraph(two.graph), { inputs: { s: 10 }, params }).grads;
    // direction preserved
    expect(r.grads.c!.data[0]! / r.grads.a!.data[0]!).toBeCloseTo(
      unclipped.c!.data[0]! / unclipped.a!.data[0]!,
      14,
    );
  });

  it("leaves gradients below the threshold unchanged, and zero gradients zero", () => {
    const { graph, initialStates } = trainGraph(two, optim.sgd(1), { clipNorm: 100 });
    const r = interpret(graph, { inputs: { s: 1 }, params, states: initialStates });
    expect(Array.from(r.grads.c!.data)).toEqual([2, 2, 2]);
    const zero = interpret(graph, { inputs: { s: 0 }, params, states: initialStates });
    expect(norm(zero.grads)).toBe(0);
  });
});
