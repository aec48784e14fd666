// Centered differences (seed 004 §2.1) on scan models: the symbolic BPTT gradients against
// (J(θ+ε) − J(θ−ε)) / 2ε, both in the float64 interpreter, for params, sequence inputs and the
// initial carry. Models without states go through `gradcheck` itself; `gradcheck` binds no
// states, so the stateful models use the same formula written here with their states bound.
import { describe, expect, it } from "vitest";
import {
  formatGradcheck,
  gradcheck,
  gradcheckError,
  gradGraph,
  interpret,
  leafName,
  model,
  nn,
  type Model,
} from "../../compiler/index.js";
import { randomValues } from "../wasm/harness.js";
import {
  autonomous,
  B,
  bidirectional,
  CASES,
  D,
  elman,
  elmanData,
  feedsOf,
  H,
  invariants,
  paramsOf,
  T,
  type Feeds,
} from "./models.js";

const TOLERANCE = 1e-6;

function expectGradcheck(
  mdl: Model,
  feeds: Pick<Feeds, "inputs" | "params">,
  mustCheck: readonly string[],
): void {
  const report = gradcheck(mdl, { ...feeds, checkInputs: true, tolerance: TOLERANCE });
  expect(report.ok, formatGradcheck(report)).toBe(true);
  const checked = report.entries.map((e) => e.name);
  for (const name of mustCheck) expect(checked, name).toContain(name);
  // the check is not vacuous: some gradient is far from zero
  expect(Math.max(...report.entries.map((e) => Math.abs(e.worst.analytic)))).toBeGreaterThan(1e-3);
}

const replaced = (values: readonly number[], i: number, v: number) => {
  const copy = [...values];
  copy[i] = v;
  return copy;
};

/**
 * Centered differences of the loss with respect to every element of the f32 inputs and params of
 * a model that has states (bound to `feeds.states`, constants of the call).
 */
function centeredDifferences(mdl: Model, feeds: Feeds, eps = 1e-5): Record<string, number> {
  const analytic = interpret(gradGraph(mdl.graph, { inputs: true }), feeds).grads;
  const worst: Record<string, number> = {};
  const lossAt = (f: Feeds) => interpret(mdl.graph, f).outputs.loss!.data[0]!;
  for (const name of Object.keys(analytic)) {
    const kind = name in feeds.params ? "params" : "inputs";
    const values = feeds[kind][name]!;
    worst[name] = 0;
    for (let i = 0; i < values.length; i++) {
      const at = (v: number) =>
        lossAt({ ...feeds, [kind]: { ...feeds[kind], [name]: replaced(values, i, v) } });
      const numeric = (at(values[i]! + eps) - at(values[i]! - eps)) / (2 * eps);
      worst[name] = Math.max(worst[name], gradcheckError(analytic[name]!.data[i]!, numeric));
    }
  }
  return worst;
}

describe("centered differences on scan models", () => {
  it("Elman RNN: params, the sequence and the initial carry (an input here)", () => {
    const mdl = elman("scan", { hidden: "input" });
    expectGradcheck(mdl, { inputs: elmanData(2, T, "input").inputs, params: paramsOf(mdl, 2) }, [
      "W1",
      "V1",
      "b",
      "W2",
      "x",
      "h0",
    ]);
  });

  it("Elman RNN, reverse scan: params, the sequence and the initial carry", () => {
    const mdl = elman("scan", { hidden: "input", reverse: true });
    expectGradcheck(mdl, { inputs: elmanData(3, T, "input").inputs, params: paramsOf(mdl, 3) }, [
      "x",
      "h0",
      "V1",
    ]);
  });

  it("loop invariants, a length-only scan and a bi-directional RNN", () => {
    for (const build of [invariants, autonomous, bidirectional]) {
      const c = CASES.find((k) => k.build === build)!;
      const mdl = build("scan");
      const feeds = feedsOf(c, 5);
      expectGradcheck(mdl, feeds, mdl.graph.inputs.filter((i) => i.dtype === "f32").map(leafName));
    }
  });

  it("stateful models (LSTM with three carries, the three-sequence tagger): every element", () => {
    for (const name of ["lstm", "tagger"]) {
      const c = CASES.find((k) => k.build("scan").name === name)!;
      const worst = centeredDifferences(c.build("scan"), feedsOf(c, 6));
      expect(Object.keys(worst).length).toBeGreaterThanOrEqual(3);
      for (const [leaf, err] of Object.entries(worst))
        expect(err, `${name}: ${leaf}`).toBeLessThan(TOLERANCE);
    }
  });

  it("a scan with a gradient inside the model (m.grad): the reverse scan differentiated again", () => {
    // loss = ½‖d J / d V1‖² + J, with J the Elman loss: its gradient goes through the VJP of the
    // backward scan (Hessian-vector products of the recurrence)
    const mdl = model("grad-of-bptt", (m) => {
      const X = m.input("x", [T, B, D]);
      const h0 = m.input("h0", [B, H]);
      const W1 = m.param("W1", [D, H]);
      const V1 = m.param("V1", [H, H]);
      const W2 = m.param("W2", [H, 2]);
      const r = m.scan({ init: [h0], xs: [X] }, ([h], [x]) => {
        const next = x!.matmul(W1).add(h!.matmul(V1)).tanh();
        return { carry: [next], ys: [next] };
      });
      const J = r.ys[0]!.matmul(W2).tanh().square().mean();
      const [gV] = m.grad(J, [V1]);
      m.loss(gV!.square().sum().mul(0.5).add(J));
    });
    const inputs = { x: randomValues(T * B * D, 9, -1, 1), h0: randomValues(B * H, 10, -0.5, 0.5) };
    expectGradcheck(mdl, { inputs, params: paramsOf(mdl, 4) }, ["W1", "V1", "W2", "x", "h0"]);
  });

  it("gradcheck of a model with a squared loss on the final carry of a scan over one step", () => {
    // T = 1: the scan is a single application of the step
    const mdl = model("one-step", (m) => {
      const X = m.input("x", [1, B, D]);
      const h0 = m.input("h0", [B, H]);
      const target = m.input("target", [B, H]);
      const W1 = m.param("W1", [D, H]);
      const V1 = m.param("V1", [H, H]);
      const r = m.scan({ init: [h0], xs: [X] }, ([h], [x]) => ({
        carry: [x!.matmul(W1).add(h!.matmul(V1)).tanh()],
      }));
      m.loss(nn.squaredLoss(r.carry[0]!, target));
    });
    const inputs = {
      x: randomValues(B * D, 11, -1, 1),
      h0: randomValues(B * H, 12, -1, 1),
      target: randomValues(B * H, 13, -1, 1),
    };
    expectGradcheck(mdl, { inputs, params: paramsOf(mdl, 1) }, ["W1", "V1", "x", "h0", "target"]);
  });
});

// Reported to the lead: gradcheck (compiler/gradcheck.ts) binds no states, so any model with
// m.state throws "no value given for state(s) h" (the CLI's `wasmgrad gradcheck` too). The stateful
// models above use centeredDifferences meanwhile. When fixed, make this `it`.
describe("gradcheck binds the model's states (zeros by default)", () => {
  it("gradcheck checks a model with a recurrent state", () => {
    const mdl = elman("scan");
    const report = gradcheck(mdl, { inputs: elmanData(1).inputs, params: paramsOf(mdl, 1) });
    expect(report.ok, formatGradcheck(report)).toBe(true);
  });
});
