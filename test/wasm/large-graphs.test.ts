// Graphs of many thousands of nodes, which the compiler's passes and memory planner must handle
// in near-linear time (issue 13; their timings are in the benchmarks, not asserted here). Each is
// compiled without Binaryen's optimizer, which is not what these tests are about and is the slow
// part at this size, and must compute what the float64 interpreter computes:
//
//  - a chain of 5,000 mul + add pairs (10,000 elementwise nodes, cut into fused kernels);
//  - an Elman RNN unrolled by hand over 60 steps and trained with SGD: its training step has
//    about 900 kernels, and the saved forward activations are live across the backward pass
//    (hundreds of buffers live at once, which the interval packing used to visit pair by pair).
//
// Tolerances. The chain h ← a·h + 1 with 0.5 ≤ a ≤ 0.9 contracts: each op rounds h (|h| ≤ 10) by
// at most u = 6e-8 of it, and the earlier errors are damped by a at every pair, so the f32 chain
// stays within 2u·10 / (1 − 0.9) = 1.2e-5 of the float64 one. The RNN's loss and its parameters
// after a few SGD steps follow the reference trainer within the training tests' tolerance.
import { describe, expect, it } from "vitest";
import {
  compile,
  fromValues,
  interpret,
  leafName,
  model,
  optim,
  referenceTrainer,
  type NDArray,
} from "../../compiler/index.js";
import * as api from "../../compiler/index.js";
import { unrolledRnn } from "../../bench/lib/unrolled-rnn.js";
import { expectMatch, f32, randomValues, WasmModel, type Tolerance } from "./harness.js";

const PAIRS = 5000;
const N = 8;

const chain = model("chain", (m) => {
  let h = m.input("x", [N]);
  const a = m.param("a", [N]);
  for (let i = 0; i < PAIRS; i++) h = h.mul(a).add(1);
  m.output("h", h);
});

const T = 60;
const B = 2;
const D = 3;
const H = 5;
const V = 4;

const unrolled = unrolledRnn(api, { steps: T, batch: B, inDim: D, hidden: H, classes: V });

const FINAL: Tolerance = { kind: "close", rtol: 1e-4, atol: 1e-5 };

describe("large graphs compile and agree with the interpreter", () => {
  it(`a chain of ${2 * PAIRS} elementwise nodes`, async () => {
    const wasm = await WasmModel.create(await compile(chain, { optimize: false }));
    const x = f32(randomValues(N, 1, -2, 2));
    const a = f32(randomValues(N, 2, 0.5, 0.9));
    wasm.write("x", "input", x);
    wasm.write("a", "param", a);
    wasm.call("forward");
    const ref = interpret(chain.graph, { inputs: { x }, params: { a } });
    expectMatch(
      wasm.read("h", "output"),
      Array.from(ref.outputs.h!.data),
      { kind: "close", rtol: 0, atol: 5e-5 },
      "h",
    );
  });

  it(`an Elman RNN unrolled over ${T} steps, trained with SGD`, async () => {
    const sgd = optim.sgd(0.5);
    const wasm = await WasmModel.create(await compile(unrolled, { optimizer: sgd, optimize: false }));
    wasm.call("init", 3);
    const params = (): Record<string, NDArray> =>
      Object.fromEntries(
        unrolled.graph.params.map((p) => [
          leafName(p),
          fromValues(p.shape, "f32", wasm.read(leafName(p), "param")),
        ]),
      );
    const ref = referenceTrainer(unrolled, sgd, { params: params() });
    for (let k = 0; k < 3; k++) {
      const inputs = {
        x: f32(randomValues(T * B * D, 10 + k, -1, 1)),
        y: randomValues(T * B, 20 + k, 0, V).map(Math.floor),
      };
      wasm.write("x", "input", inputs.x);
      wasm.write("y", "input", inputs.y);
      wasm.call("train_step");
      const want = ref.step(inputs);
      expect(Math.abs(wasm.read("loss", "output")[0]! - want)).toBeLessThanOrEqual(1e-4 * Math.abs(want));
    }
    for (const [name, p] of Object.entries(params())) {
      expectMatch(p.data, Array.from(ref.params[name]!.data), FINAL, `${name} after 3 steps`);
    }
  });
});
