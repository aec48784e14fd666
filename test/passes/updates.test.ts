// The optimizer's update fused into one pass over each parameter: a multi-output fusion reads the
// gradient, the parameter and the optimizer's slots once per element and writes the new
// parameter and slots, in place in their own slots (and, where the gradient is a matmul or a
// reduction, inside that kernel's epilogue). Compiled at -O2, with and without SIMD, training
// follows the float64 reference trainer step by step, as at -O0.
import { describe, expect, it } from "vitest";
import {
  compile,
  fromValues,
  graphNodes,
  initParams,
  leafName,
  model,
  nn,
  optim,
  referenceTrainer,
  type NDArray,
  type Optimizer,
} from "../../compiler/index.js";
import { expectSoundPlans } from "../plan/check.js";
import { approx, expectMatch, maxAbs, randomValues, WasmModel } from "../wasm/harness.js";

const mlp = model("mlp", (m) => {
  const x = m.input("x", [6, 5]);
  const y = m.input("y", [6], "i32");
  const h = x
    .matmul(m.param("W1", [5, 7]))
    .add(m.param("b1", [7]))
    .tanh();
  m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("W2", [7, 3])).add(m.param("b2", [3])), y));
});

const optimizers: Record<string, Optimizer> = {
  sgd: optim.sgd(0.1),
  momentum: optim.momentum(0.05),
  adagrad: optim.adagrad(0.05),
  rmsprop: optim.rmsprop(0.01),
  adam: optim.adam(0.01),
};

describe("fused optimizer updates", () => {
  for (const [name, opt] of Object.entries(optimizers)) {
    it(`${name}: one kernel per parameter writes the parameter and its slots in place`, async () => {
      const c = await compile(mlp, { optimizer: opt });
      const g = c.graphs.train!;
      const plan = c.plans.train!;
      /** The kernel that computes a value: itself, or the fusion a fusion_output belongs to. */
      const kernelOf = (n: (typeof plan.schedule)[number]) => (n.op === "fusion_output" ? n.inputs[0]! : n);
      for (const p of g.params) {
        const name = leafName(p);
        const updates = [...g.updates].filter(([k]) => k === name || k.startsWith(`optim.${name}.`));
        expect(updates.length).toBe(1 + (opt.kind === "sgd" ? 0 : opt.kind === "adam" ? 2 : 1));
        const kernels = new Set(updates.map(([, n]) => kernelOf(n)));
        expect(kernels.size, `the updates of ${name} come from one kernel`).toBe(1);
        // ... which is also the kernel of the gradient (every gradient here is a matmul or a sum)
        expect(kernelOf(g.grads.get(name)!)).toBe([...kernels][0]);
      }
      expect(plan.copies).toEqual([]);
      expect(plan.updatesInPlace.map((u) => leafName(u.leaf)).sort()).toEqual([...g.updates.keys()].sort());
      expect(graphNodes(g).filter((n) => n.op === "fusion_output").length).toBeGreaterThan(0);
      expectSoundPlans(c);
    });

    for (const simd of [true, false]) {
      it(`${name}: -O2 training follows the reference trainer (simd ${simd})`, async () => {
        const init = initParams(mlp, 3);
        const params = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, Array.from(v.data)]));
        const x = randomValues(30, 5, -1, 1);
        const y = [0, 1, 2, 1, 0, 2];
        const losses: number[][] = [];
        for (const optLevel of [0, 2] as const) {
          const net = await WasmModel.create(await compile(mlp, { optimizer: opt, simd, optLevel }));
          for (const p of mlp.graph.params) net.write(leafName(p), "param", params[leafName(p)]!);
          net.write("x", "input", x);
          net.write("y", "input", y);
          const start: Record<string, NDArray> = Object.fromEntries(
            mlp.graph.params.map((p) => [
              leafName(p),
              fromValues(p.shape, "f32", net.read(leafName(p), "param")),
            ]),
          );
          const ref = referenceTrainer(mlp, opt, { params: start });
          const run: number[] = [];
          for (let k = 0; k < 5; k++) {
            net.call("train_step");
            const want = ref.step({ x: Array.from(new Float32Array(x)), y });
            const loss = net.read("loss", "output");
            expectMatch(
              loss,
              [want],
              approx(30, Math.max(1, want)),
              `loss of step ${k + 1} at -O${optLevel}`,
            );
            run.push(loss[0]!);
          }
          for (const p of mlp.graph.params) {
            const want = ref.params[leafName(p)]!.data;
            expectMatch(
              net.read(leafName(p), "param"),
              want,
              approx(30, Math.max(1, maxAbs(want))),
              leafName(p),
            );
          }
          losses.push(run);
        }
        losses[0]!.forEach((l, i) =>
          expect(Math.abs(l - losses[1]![i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, l)),
        );
      });
    }
  }
});
