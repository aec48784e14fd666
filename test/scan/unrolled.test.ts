// BPTT is backpropagation through the unrolled network (seed 001 §2.1.1: "the unrolled simple RNN
// ... is a giant feedforward network", "the gradient of W(1) will need to take into account
// multiple instances of W(1)"), in the float64 interpreter: for every model of models.ts, the
// scan's outputs, loss, next states and gradients (every param and every f32 input, sequences and
// initial carries included) equal those of the same step unrolled T times, to 1e-12 relative.
import { describe, expect, it } from "vitest";
import { gradGraph, leafName } from "../../compiler/index.js";
import { maxAbs } from "../wasm/harness.js";
import { B, CASES, D, elman, elmanData, feedsOf, H, paramsOf, type Feeds } from "./models.js";
import { evaluate, expectSameEvaluation, scanNodes, backwardScansOf } from "./support.js";

describe("BPTT = backprop through the unrolled network (interpreter)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const scanModel = c.build("scan");
      const unrolled = c.build("unrolled");
      // the two graphs really differ: one loops, the other is straight-line
      expect(scanNodes(scanModel.graph).length).toBeGreaterThan(0);
      expect(scanNodes(unrolled.graph)).toEqual([]);
      const grads = gradGraph(scanModel.graph, { inputs: true });
      // the gradient of a scan is a scan running the other way
      const forwardScans = scanNodes(scanModel.graph);
      const backwardScans = backwardScansOf(forwardScans, grads);
      const directions = (ns: typeof forwardScans, flip: boolean) =>
        ns.map((n) => (n.attrs.reverse === true) !== flip).sort();
      expect(directions(backwardScans, false)).toEqual(directions(forwardScans, true));

      for (const seed of [1, 2]) {
        const feeds = feedsOf(c, seed);
        const got = evaluate(scanModel, feeds);
        const ref = evaluate(unrolled, feeds);
        expectSameEvaluation(got, ref, undefined, `seed ${seed}`);
        // every param gets a real gradient (a test of zeros against zeros proves nothing)
        for (const p of scanModel.graph.params)
          expect(maxAbs(ref.grads[leafName(p)]!.data)).toBeGreaterThan(1e-3);
      }
    });
  }

  it("a state is a constant input of the window: it has no gradient and is not a param", () => {
    const mdl = elman("scan");
    expect(mdl.graph.params.map(leafName)).not.toContain("h");
    expect(() => gradGraph(mdl.graph, { wrt: ["h"] })).toThrow(/no param or f32 input named 'h'/);
    const r = evaluate(mdl, { ...elmanData(1), params: paramsOf(mdl, 1) });
    expect(Object.keys(r.grads)).not.toContain("h");
  });

  it("the shared weights' gradient sums one term per step (T copies of W1 in the unrolled network)", () => {
    // with V1 = 0 the RNN is T independent two-layer networks (seed 001 §2.1): d loss / d W1 is the
    // sum of the per-step gradients of those networks, each computed on its own
    const T = 4;
    const mdl = elman("scan", { T });
    const one = elman("unrolled", { T: 1, name: "one-step" });
    const data = elmanData(5, T);
    const params = { ...paramsOf(mdl, 3), V1: new Array(H * H).fill(0) };
    const whole = evaluate(mdl, { ...data, params });
    const sum = new Array(whole.grads.W1!.data.length).fill(0);
    for (let t = 0; t < T; t++) {
      const feeds: Feeds = {
        inputs: {
          x: data.inputs.x.slice(t * B * D, (t + 1) * B * D),
          y: data.inputs.y.slice(t * B, (t + 1) * B),
        },
        params,
        states: data.states,
      };
      // the loss of the whole sequence is the mean over T steps of the per-step mean
      evaluate(one, feeds).grads.W1!.data.forEach((v, i) => (sum[i] += v / T));
    }
    expect(maxAbs(sum)).toBeGreaterThan(1e-3);
    whole.grads.W1!.data.forEach((v, i) => expect(v).toBeCloseTo(sum[i]!, 13));
  });
});
