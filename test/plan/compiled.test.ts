// Compiled random graphs (fast-check), at -O0 or -O2: the memory plan of every entry that `compile` used passes
// the independent check (check.ts) and lies above the persistent tensors and inside the memory,
// and the module still computes what the interpreter computes: outputs, loss and gradients
// (checkAgainstInterpreter, tolerances in test/wasm/harness.ts), and two training steps with SGD,
// momentum or Adam, whose updates are written into the params' and states' own slots, against the
// float64 reference trainer (loss and final params within the harness's "approx" tolerance).
//
// Some generated models diverge (a degree-5 polynomial in W can reach a loss of 1e42 by step 2).
// Such cases are compared, not skipped, by the edge rules of test/support/agree.ts (a loss beyond
// f32's range must overflow in the module too). A loss, param or optimizer state that the module
// holds as NaN or ±Infinity passes only if its float64 computation left f32's range on the way
// (test/support/f32-range.ts: a gradient beyond 3.4e38, Adam's g²), and the trajectory is not
// followed past such a step: the module then computes on values the reference never holds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compile,
  fromValues,
  initParams,
  leafName,
  optim,
  referenceTrainer,
  trainGraph,
  type NDArray,
} from "../../compiler/index.js";
import {
  approx,
  checkAgainstInterpreter,
  expectMatch,
  maxAbs,
  randomValues,
  WasmModel,
} from "../wasm/harness.js";
import { overflowsInF32, showsOverflow } from "../support/f32-range.js";
import { runs } from "../support/runs.js";
import { expectSoundPlans } from "./check.js";
import { randomModel, steps } from "./random-model.js";

const RUNS = runs({ test: 30, fuzz: 200, compiled: true });

/** The training step updates params (by their names) and optimizer states (`optim.*`). */
const stateOrParam = (name: string) => (name.startsWith("optim.") ? "state" : "param");

const dims = fc.constantFrom([4, 5], [1, 3], [17, 6], [20, 9]);
// Adam with ε = 1e-4: its update g/(|g| + ε) amplifies a rounding difference δg by up to 1/ε, and
// these random models have gradient entries near 1e-9 (softmax of softmax), where the default
// ε = 1e-8 turns f32 rounding of g into update differences of a quarter of the learning rate.
// This property is about the memory plan (slots updated in place); Adam's default ε is followed
// step by step on a well-conditioned model in test/wasm/training.test.ts.
const optimizers = {
  sgd: optim.sgd(0.1),
  momentum: optim.momentum(0.05),
  adam: optim.adam(0.01, { eps: 1e-4 }),
};

describe("compiled random graphs", { timeout: RUNS.stretch(240_000) }, () => {
  it("keep sound plans and agree with the interpreter: forward, backward, training steps", async () => {
    let updatesInPlace = 0;
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        steps,
        dims,
        fc.boolean(),
        fc.constantFrom("sgd", "momentum", "adam") as fc.Arbitrary<keyof typeof optimizers>,
        fc.nat(1000),
        async (s, [B, D], simd, opt, seed) => {
          cases++;
          const mdl = randomModel(s, B, D);
          const x = randomValues(B! * D!, seed, -1, 1);
          const init = initParams(mdl, seed);
          const params = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, Array.from(v.data)]));
          const { wasm } = await checkAgainstInterpreter(mdl, { inputs: { x }, params }, simd, {
            optLevel: seed % 2 === 0 ? 2 : 0,
          });
          expectSoundPlans(wasm.compiled);

          const compiled = await compile(mdl, { optimizer: optimizers[opt], simd });
          expectSoundPlans(compiled);
          updatesInPlace += compiled.plans.train!.updatesInPlace.length;
          const net = await WasmModel.create(compiled);
          for (const p of mdl.graph.params) net.write(leafName(p), "param", params[leafName(p)]!);
          net.write("x", "input", x);
          const start: Record<string, NDArray> = Object.fromEntries(
            mdl.graph.params.map((p) => [
              leafName(p),
              fromValues(p.shape, "f32", net.read(leafName(p), "param")),
            ]),
          );
          const ref = referenceTrainer(mdl, optimizers[opt], { params: start });
          const step = trainGraph(mdl, optimizers[opt]).graph;
          const xs = Array.from(new Float32Array(x));
          for (let k = 0; k < 2; k++) {
            // (copies: the trainer replaces its params and states in place)
            const bindings = { inputs: { x: xs }, params: { ...ref.params }, states: { ...ref.states } };
            const overflowed = overflowsInF32(step, bindings);
            net.call("train_step");
            const want = ref.step({ x: xs });
            const loss = net.read("loss", "output");
            // a result that overflowed in f32 where the reference left f32's range: the
            // trajectory ends here (the module now computes on ±Infinity or NaN)
            const diverged = [...step.updates].some(
              ([name, node]) => showsOverflow(net.read(name, stateOrParam(name))) && overflowed(node),
            );
            if (showsOverflow(loss) && overflowed(step.outputs.get("loss")!)) return;
            const tol = approx(B! * D! * D!, Math.max(1, Math.abs(want)));
            expectMatch(loss, [want], tol, `loss of step ${k + 1}`);
            if (diverged) return;
          }
          for (const p of mdl.graph.params) {
            const name = leafName(p);
            const want = ref.params[name]!.data;
            expectMatch(net.read(name, "param"), want, approx(B! * D! * D!, Math.max(1, maxAbs(want))), name);
          }
        },
      ),
      RUNS.parameters,
    );
    // the property ran with updates written in place (every param, state and step counter)
    expect(updatesInPlace).toBeGreaterThan(cases * 4);
  });
});
