// Truncated BPTT (seed 001 §2.1.1, "BackpropagationThroughTime"): the hidden state is carried from
// one window of T steps to the next, and within a window it is a constant input, so gradients stop
// at the window boundary. Checked in the interpreter (1e-12) and in the compiled module (the
// harness's "approx" tolerance):
//  - d loss / d params of window 2, run from the state window 1 left, equals the gradient of the
//    unrolled window-2 network given that state as a constant input; equals the gradient of the
//    unrolled two-window network with a stop-gradient at the boundary; and differs clearly from
//    full BPTT through both windows (the truncation really cuts a path);
//  - T = 1 is ordinary backprop on y_t = f2(W2 f1(W1 x_t + V1 ĥ_t)) with ĥ_t the previous state.
import { describe, expect, it } from "vitest";
import { compile, interpret, model, nn, type Evaluation, type Model } from "../../compiler/index.js";
import { expectMatch, maxAbs, WasmModel } from "../wasm/harness.js";
import { B, D, elman, elmanData, flat, H, paramsOf, roundFeeds, V, type Feeds } from "./models.js";
import { evaluate, expectNear, F64_REL, toleranceFor } from "./support.js";

const W = 4; // window length (the unroll length T of the seed's algorithm)

/**
 * The Elman RNN unrolled over two windows (2W steps) from h_0 = 0, with the loss of the second
 * window only. With `cut`, the hidden state at the boundary passes through a stop-gradient.
 */
function twoWindows(cut: boolean): Model {
  return model(cut ? "two-windows-cut" : "two-windows", (m) => {
    const X = m.input("x", [2 * W, B, D]);
    const Y = m.input("y", [2 * W, B], "i32");
    const W1 = m.param("W1", [D, H]);
    const V1 = m.param("V1", [H, H]);
    const b = m.param("b", [H]);
    const W2 = m.param("W2", [H, V]);
    let h = m.constant(0, [B, H]);
    const hs = [];
    for (let t = 0; t < 2 * W; t++) {
      if (t === W && cut) h = h.stopGradient();
      h = X.index(0, t).matmul(W1).add(h.matmul(V1)).add(b).tanh();
      if (t >= W) hs.push(h);
    }
    const Y2 = Y.slice(0, W, 2 * W);
    m.loss(nn.softmaxCrossEntropy(nn.stack(hs, 0).matmul(W2), Y2));
  });
}

const window = (values: readonly number[], k: number, rowSize: number) =>
  values.slice(k * W * rowSize, (k + 1) * W * rowSize);

/** Two consecutive windows of one long sequence, and the params. */
function data(seed: number) {
  const { x, y } = elmanData(seed, 2 * W).inputs;
  const long = { x, y };
  const windows = [0, 1].map((k) => ({ x: window(long.x, k, B * D), y: window(long.y, k, B) }));
  return { long, windows, params: paramsOf(elman("scan", { T: W }), seed) };
}

const grads = (e: Evaluation) => Object.fromEntries(Object.entries(e.grads).map(([k, v]) => [k, flat(v)]));

describe("truncated BPTT: the gradient stops at the window boundary", () => {
  it("interpreter: window 2 = the unrolled window-2 network on a constant state = a stop-gradient", () => {
    const carried = elman("scan", { T: W });
    const givenState = elman("unrolled", { T: W, hidden: "input", name: "window" });
    for (const seed of [1, 2]) {
      const { long, windows, params } = data(seed);
      const zero = new Array(B * H).fill(0);
      const first = interpret(carried.graph, { inputs: windows[0]!, params, states: { h: zero } });
      const h1 = flat(first.updates.h!);
      const second = evaluate(carried, { inputs: windows[1]!, params, states: { h: h1 } });
      const reference = evaluate(givenState, { inputs: { ...windows[1]!, h0: h1 }, params, states: {} });
      const cut = evaluate(twoWindows(true), { inputs: long, params, states: {} });
      const full = evaluate(twoWindows(false), { inputs: long, params, states: {} });
      // same forward value in all four
      for (const e of [reference, cut, full])
        expectNear(flat(second.outputs.loss!), flat(e.outputs.loss!), F64_REL, "loss");
      for (const p of ["W1", "V1", "b", "W2"]) {
        expectNear(
          flat(second.grads[p]!),
          flat(reference.grads[p]!),
          F64_REL,
          `${p}: window 2 vs its unrolled network`,
        );
        expectNear(flat(second.grads[p]!), flat(cut.grads[p]!), F64_REL, `${p}: window 2 vs stop-gradient`);
      }
      // full BPTT also flows into window 1 (through V1 at the boundary): the recurrent and input
      // weights get a different gradient, while W2 (read only in window 2) does not
      const gap = (p: string) =>
        Math.max(...flat(second.grads[p]!).map((v, i) => Math.abs(v - full.grads[p]!.data[i]!)));
      expect(gap("V1")).toBeGreaterThan(1e-4);
      expect(gap("W1")).toBeGreaterThan(1e-4);
      expectNear(flat(second.grads.W2!), flat(full.grads.W2!), F64_REL, "W2");
      // the truncated network has no path to window 1's inputs; the full one does
      expect(maxAbs(flat(cut.grads.x!).slice(0, W * B * D))).toBe(0);
      expect(maxAbs(flat(full.grads.x!).slice(0, W * B * D))).toBeGreaterThan(1e-4);
    }
  });

  it("compiled: the state left by forward is window 2's constant input; backward's gradients stop there", async () => {
    const carried = elman("scan", { T: W });
    const givenState = elman("unrolled", { T: W, hidden: "input", name: "window" });
    const { long, windows, params } = data(3);
    const rounded = roundFeeds(twoWindows(false), { inputs: long, params, states: {} });
    for (const optLevel of [0, 2] as const) {
      const wasm = await WasmModel.create(await compile(carried, { optLevel }));
      for (const [name, value] of Object.entries(rounded.params)) wasm.write(name, "param", value);
      wasm.write("h", "state", new Array(B * H).fill(0));
      wasm.write("x", "input", window(rounded.inputs.x!, 0, B * D));
      wasm.write("y", "input", window(rounded.inputs.y!, 0, B));
      wasm.call("forward");
      const h1 = wasm.read("h", "state");
      const first = interpret(carried.graph, {
        inputs: { x: window(rounded.inputs.x!, 0, B * D), y: windows[0]!.y },
        params: rounded.params,
        states: { h: new Array(B * H).fill(0) },
      }).updates.h!;
      expectMatch(
        h1,
        flat(first),
        toleranceFor(carried, rounded, first.data),
        `-O${optLevel}: state after window 1`,
      );
      wasm.write("x", "input", window(rounded.inputs.x!, 1, B * D));
      wasm.write("y", "input", window(rounded.inputs.y!, 1, B));
      wasm.call("backward");
      expect(wasm.read("h", "state"), "backward leaves the state").toEqual(h1);
      const feeds: Feeds = {
        inputs: { ...windows[1]!, x: window(rounded.inputs.x!, 1, B * D), h0: h1 },
        params: rounded.params,
        states: {},
      };
      const reference = evaluate(givenState, feeds);
      const full = grads(evaluate(twoWindows(false), rounded));
      for (const p of ["W1", "V1", "b", "W2"]) {
        const got = wasm.read(p, "grad");
        const tol = toleranceFor(carried, feeds, reference.grads[p]!.data);
        expectMatch(got, flat(reference.grads[p]!), tol, `-O${optLevel}: gradient of ${p}`);
        if (p === "V1") {
          // and it is not the full-BPTT gradient (the difference exceeds the tolerance)
          expect(() => expectMatch(got, full[p]!, tol, "full BPTT")).toThrow(/differ/);
        }
      }
    }
  });

  /**
   * Seed 001: "If T = 1, backpropagation through time degenerates to standard backpropagation on
   * y_t = f2(W2 f1(W1 x_t + V1 ĥ_t)) where ĥ_t is considered a constant input (so this network
   * uses each parameter once)."
   */
  const feedforward = model("T=1", (m) => {
    const x = m.input("x", [B, D]);
    const y = m.input("y", [B], "i32");
    const hHat = m.input("hHat", [B, H]);
    const W1 = m.param("W1", [D, H]);
    const V1 = m.param("V1", [H, H]);
    const b = m.param("b", [H]);
    const W2 = m.param("W2", [H, V]);
    const h = x.matmul(W1).add(hHat.matmul(V1)).add(b).tanh();
    m.output("h", h);
    m.loss(nn.softmaxCrossEntropy(h.matmul(W2), y));
  });
  const STEPS = 5;
  const sequence = elmanData(7, STEPS, "input").inputs;
  const stepInputs = (t: number) => ({
    x: sequence.x.slice(t * B * D, (t + 1) * B * D),
    y: sequence.y.slice(t * B, (t + 1) * B),
  });

  it("T = 1 is standard backprop with the previous state as a constant input (interpreter)", () => {
    const rnn = elman("scan", { T: 1 });
    const params = paramsOf(rnn, 7);
    let h = new Array(B * H).fill(0);
    for (let t = 0; t < STEPS; t++) {
      const got = evaluate(rnn, { inputs: stepInputs(t), params, states: { h } });
      const ref = evaluate(feedforward, { inputs: { ...stepInputs(t), hHat: h }, params, states: {} });
      expectNear(flat(got.outputs.loss!), flat(ref.outputs.loss!), F64_REL, `step ${t}: loss`);
      for (const p of ["W1", "V1", "b", "W2"])
        expectNear(flat(got.grads[p]!), flat(ref.grads[p]!), F64_REL, `step ${t}: ${p}`);
      expectNear(flat(got.updates.h!), flat(ref.outputs.h!), F64_REL, `step ${t}: next state`);
      h = flat(got.updates.h!);
    }
    expect(maxAbs(h)).toBeGreaterThan(0.1); // the state did move
  });

  it("T = 1 compiled: backward from the carried state, forward advances it", async () => {
    const rnn = elman("scan", { T: 1 });
    const params = roundFeeds(rnn, { inputs: {}, params: paramsOf(rnn, 7), states: {} }).params;
    for (const simd of [true, false]) {
      const wasm = await WasmModel.create(await compile(rnn, { simd }));
      for (const [name, value] of Object.entries(params)) wasm.write(name, "param", value);
      for (let t = 0; t < STEPS; t++) {
        const inputs = { x: stepInputs(t).x.map(Math.fround), y: stepInputs(t).y };
        wasm.write("x", "input", inputs.x);
        wasm.write("y", "input", inputs.y);
        const hHat = wasm.read("h", "state");
        wasm.call("backward");
        const feeds: Feeds = { inputs: { ...inputs, hHat }, params, states: {} };
        const ref = evaluate(feedforward, feeds);
        for (const p of ["W1", "V1", "b", "W2"])
          expectMatch(
            wasm.read(p, "grad"),
            flat(ref.grads[p]!),
            toleranceFor(rnn, feeds, ref.grads[p]!.data),
            `step ${t}: ${p}`,
          );
        wasm.call("forward");
        expectMatch(
          wasm.read("h", "state"),
          flat(ref.outputs.h!),
          toleranceFor(rnn, feeds, ref.outputs.h!.data),
          `step ${t}: state`,
        );
      }
      expect(maxAbs(wasm.read("h", "state"))).toBeGreaterThan(0.1);
    }
  });
});
