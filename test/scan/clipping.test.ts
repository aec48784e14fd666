// Gradient clipping by global norm in the training step of a recurrent model (seed 002, exploding
// gradients: "g = ∂E/∂W; if ‖g‖ ≥ threshold then g ← threshold·g/‖g‖"). ‖g‖ is the norm of all
// the params' gradients together. With the threshold below ‖g‖, the step uses gradients whose
// global norm is exactly the threshold and whose direction is g's; above ‖g‖, the gradients are
// left as they are. Checked on the train-step graph in the interpreter (1e-12) and on the
// compiled train_step through the runtime (f32: the harness's "approx" tolerance on the values;
// the norm of the f32 gradients within 1e-5 of the threshold).
import { describe, expect, it } from "vitest";
import { compile, interpret, leafName, optim, STEP_STATE, trainGraph } from "../../compiler/index.js";
import { load } from "../../runtime/index.js";
import { expectMatch } from "../wasm/harness.js";
import { elman, elmanData, flat, paramsOf, roundFeeds, type Feeds } from "./models.js";
import { evaluate, expectNear, F64_REL, toleranceFor } from "./support.js";

const LR = 0.1;
const mdl = elman("scan");
const names = mdl.graph.params.map(leafName);
const norm = (gs: readonly ArrayLike<number>[]) =>
  Math.sqrt(gs.reduce((s, g) => s + Array.from(g).reduce((a, v) => a + v * v, 0), 0));

/** Feeds with V1 enlarged so the recurrence amplifies (a larger gradient, as in seed 002). */
function feeds(seed: number): Feeds {
  const params = paramsOf(mdl, seed);
  return roundFeeds(mdl, { ...elmanData(seed), params: { ...params, V1: params.V1!.map((v) => 2 * v) } });
}

/** One train step in the interpreter: the gradients it used, the new params, the next state. */
function interpretedStep(f: Feeds, clipNorm: number) {
  const { graph, initialStates } = trainGraph(mdl, optim.sgd(LR), { clipNorm });
  const r = interpret(graph, {
    inputs: f.inputs,
    params: f.params,
    states: { ...initialStates, ...f.states },
  });
  return {
    grads: Object.fromEntries(names.map((n) => [n, flat(r.grads[n]!)])),
    params: Object.fromEntries(names.map((n) => [n, flat(r.updates[n]!)])),
    state: flat(r.updates.h!),
  };
}

describe("gradient clipping by global norm in a recurrent train step", () => {
  const f = feeds(1);
  const raw = evaluate(mdl, f);
  const rawGrads = names.map((n) => flat(raw.grads[n]!));
  const rawNorm = norm(rawGrads);

  it("the unclipped gradient is large enough to be worth clipping", () => {
    expect(rawNorm).toBeGreaterThan(0.5);
  });

  it("interpreter: above the threshold, g ← c·g/‖g‖ (norm exactly c); below it, g unchanged", () => {
    for (const ratio of [0.1, 0.5, 0.9]) {
      const c = ratio * rawNorm;
      const step = interpretedStep(f, c);
      expect(norm(names.map((n) => step.grads[n]!)) / c).toBeCloseTo(1, 12);
      names.forEach((n, k) => {
        const expected = rawGrads[k]!.map((g) => (g * c) / rawNorm);
        expectNear(step.grads[n]!, expected, F64_REL, `${n} clipped at ${ratio}·‖g‖`);
        expectNear(
          step.params[n]!,
          f.params[n]!.map((p, i) => p - LR * expected[i]!),
          F64_REL,
          `${n} updated`,
        );
      });
      // one global scale, not a per-tensor one: every tensor shrinks by the same factor
      const factors = names.map((n, k) => norm([step.grads[n]!]) / norm([rawGrads[k]!]));
      for (const s of factors) expect(s).toBeCloseTo(ratio, 12);
      expectNear(step.state, flat(raw.updates.h!), F64_REL, "the train step advances the state");
    }
    for (const ratio of [1.5, 10]) {
      const step = interpretedStep(f, ratio * rawNorm);
      names.forEach((n, k) => expect(step.grads[n], n).toEqual(rawGrads[k]));
    }
  });

  it("compiled train_step: the gradient norm is the threshold; small gradients pass untouched", async () => {
    for (const ratio of [0.25, 4]) {
      const c = ratio * rawNorm;
      const expected = interpretedStep(f, c);
      // clipping on both backends; the untouched case once
      for (const simd of ratio < 1 ? [true, false] : [true]) {
        const net = await load((await compile(mdl, { optimizer: optim.sgd(LR), clipNorm: c, simd })).wasm);
        for (const n of names) net.params[n]!.set(f.params[n]!);
        net.states.h!.set(f.states.h!);
        net.inputs.x!.set(f.inputs.x!);
        net.inputs.y!.set(f.inputs.y!);
        net.trainStep();
        const grads = names.map((n) => Array.from(net.grads[n]!));
        const what = `clipNorm ${ratio}·‖g‖, simd ${simd}`;
        if (ratio < 1) expect(Math.abs(norm(grads) / c - 1), what).toBeLessThan(1e-5);
        else expect(norm(grads), what).toBeLessThan(c);
        names.forEach((n, k) => {
          const tol = toleranceFor(mdl, f, expected.grads[n]!);
          expectMatch(grads[k]!, expected.grads[n]!, tol, `${what}: gradient of ${n}`);
          expectMatch(Array.from(net.params[n]!), expected.params[n]!, tol, `${what}: ${n} after the step`);
        });
        expectMatch(
          Array.from(net.states.h!),
          expected.state,
          toleranceFor(mdl, f, expected.state),
          `${what}: state`,
        );
        expect(Array.from(net.states[STEP_STATE]!)).toEqual([1]);
      }
    }
  });
});
