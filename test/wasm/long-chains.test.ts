// A recurrence unrolled by hand: x·w, then 1,500 pairs h·0.999 + d with d = ±0.01 in turn (3,000
// elementwise ops of one shape), summed into the loss. Its gradient is a chain as long (the
// cotangent times 0.999, 1,500 times). Compiled at -O2 without an optimizer (forward and
// backward) and with SGD (the training step), it must compute what the float64 interpreter
// computes. Before the fuse pass capped its kernels at MAX_FUSED_INSTRUCTIONS, the whole chain
// was one kernel, lowered to one expression 3,000 levels deep, and Binaryen overflowed the
// JavaScript stack writing it ("Maximum call stack size exceeded").
//
// Tolerance, from the rounding: each op rounds h (|h| ≤ 3 here) by at most u = 6e-8 of it, and
// h·0.999 damps every earlier error, so the f32 chain stays within Σ 0.999^k · 2u · 3 ≤ 4e-4 of
// the float64 one. The gradient x·0.999^1500 is a product of 1,500 roundings: within 1,500u =
// 9e-5 relative. A pair dropped or run twice where the chain is cut moves h by at least
// 0.01 · 0.999^1500 = 2.2e-3, and a multiply dropped from the gradient moves it by 1e-3 relative:
// both 5 times the tolerances below.
//
// Compile time on this project's 2-core VM (busy): 1.5 to 5 s per module.
import { describe, expect, it } from "vitest";
import {
  compile,
  fromValues,
  gradGraph,
  interpret,
  model,
  optim,
  referenceTrainer,
} from "../../compiler/index.js";
import { expectMatch, f32, randomValues, WasmModel, type Tolerance } from "./harness.js";

const PAIRS = 1500;
const N = 64;
const ATOL = 4e-4;
const VALUES: Tolerance = { kind: "close", rtol: 1e-4, atol: ATOL };
const GRADIENT: Tolerance = { kind: "close", rtol: 2e-4, atol: 0 };
/** w − 0.1·g, with |g| = |x|·0.999^1500 ≤ 0.5: 0.1 times the gradient's error, and w's rounding. */
const UPDATED: Tolerance = { kind: "close", rtol: 0, atol: 1e-5 };

const chain = model("chain", (m) => {
  const x = m.input("x", [N]);
  let h = x.mul(m.param("w", [N]));
  for (let i = 0; i < PAIRS; i++) h = h.mul(0.999).add(i % 2 ? -0.01 : 0.01);
  m.output("h", h);
  m.loss(h.sum());
});

const x = f32(randomValues(N, 1, -2, 2));
const w = f32(randomValues(N, 2, 0.5, 1.5));
const values = (a: { data: ArrayLike<number> }) => Array.from(a.data);

describe(`a chain of ${2 * PAIRS} fused elementwise ops`, () => {
  it("forward and backward (no optimizer) agree with the interpreter", async () => {
    const wasm = await WasmModel.create(await compile(chain));
    wasm.write("x", "input", x);
    wasm.write("w", "param", w);
    wasm.call("forward");
    const ref = interpret(chain.graph, { inputs: { x }, params: { w } });
    expectMatch(wasm.read("h", "output"), values(ref.outputs.h!), VALUES, "output h");
    wasm.call("backward");
    const refGrad = interpret(gradGraph(chain.graph), { inputs: { x }, params: { w } }).grads.w!;
    expectMatch(wasm.read("w", "grad"), values(refGrad), GRADIENT, "gradient of w");
  });

  it("a training step (SGD) agrees with the reference trainer", async () => {
    const wasm = await WasmModel.create(await compile(chain, { optimizer: optim.sgd(0.1) }));
    wasm.write("x", "input", x);
    wasm.write("w", "param", w);
    wasm.call("train_step");
    const ref = referenceTrainer(chain, optim.sgd(0.1), { params: { w: fromValues([N], "f32", w) } });
    const loss = ref.step({ x });
    expect(Math.abs(wasm.read("loss", "output")[0]! - loss)).toBeLessThanOrEqual(N * ATOL);
    expectMatch(wasm.read("w", "param"), values(ref.params.w!), UPDATED, "w after one step");
  });
});
