// The recurrent state carried across calls by the runtime (runtime/net.ts): a stream cut into
// windows of W steps and fed to `forward()` one window at a time gives the outputs and final state
// of one long interpreter run over the whole stream; a sequence of `trainStep()` calls follows an
// interpreter loop over the train-step graph that carries every state (the model's hidden state
// and the optimizer's moments and step counter) from step to step; `resetState()` zeros the hidden
// state and nothing else; `init(seed)` zeros every state; `backward()` does not advance the state.
//
// Tolerances: forward outputs use the harness's "approx" tolerance (support.ts). Training follows
// test/wasm/training.test.ts: the loss of every step within 1e-5·max(1, |ref|), the final params
// and states within 1e-5 + 1e-4·|ref| (f32 rounding of each update, not amplified over a few steps).
import { describe, expect, it } from "vitest";
import {
  compile,
  initParams,
  interpret,
  leafName,
  optim,
  referenceTrainer,
  STEP_STATE,
  trainGraph,
  type NDArray,
} from "../../compiler/index.js";
import { load, type Net } from "../../runtime/index.js";
import { expectMatch, f32, type Tolerance } from "../wasm/harness.js";
import { B, D, elman, elmanData, flat, H, paramsOf } from "./models.js";
import { evaluate, toleranceFor } from "./support.js";

const W = 4; // window length
const K = 4; // windows in the stream
const mdl = elman("scan", { T: W });
const OPTIMIZER = optim.adam(0.05);
const stream = elmanData(11, K * W).inputs;
const windowOf = (k: number) => ({
  x: f32(stream.x.slice(k * W * B * D, (k + 1) * W * B * D)),
  y: stream.y.slice(k * W * B, (k + 1) * W * B),
});
const LOSS_RTOL = 1e-5;
const FINAL: Tolerance = { kind: "close", rtol: 1e-4, atol: 1e-5 };

const nets = new Map<boolean, Promise<Net>>();
const compileAndLoad = async (simd: boolean) =>
  load((await compile(mdl, { optimizer: OPTIMIZER, simd })).wasm);
/** One module per SIMD setting, shared by the tests below (each starts with init). */
function net(simd: boolean): Promise<Net> {
  if (!nets.has(simd)) nets.set(simd, compileAndLoad(simd));
  return nets.get(simd)!;
}

const copy = (views: Readonly<Record<string, Float32Array | Int32Array>>) =>
  Object.fromEntries(Object.entries(views).map(([k, v]) => [k, Array.from(v)]));

/** An interpreter loop over the train-step graph carrying every state, as train_step does. */
function interpreterTrainer(params: Record<string, number[]>) {
  const { graph, initialStates } = trainGraph(mdl, OPTIMIZER);
  const paramNames = new Set(mdl.graph.params.map(leafName));
  const current: Record<string, NDArray | number[]> = { ...params };
  const states: Record<string, NDArray | number[]> = { ...initialStates, h: new Array(B * H).fill(0) };
  return {
    params: current,
    states,
    step(inputs: Record<string, number[]>): number {
      const r = interpret(graph, { inputs, params: current, states });
      for (const [name, value] of Object.entries(r.updates))
        (paramNames.has(name) ? current : states)[name] = value;
      return r.outputs.loss!.data[0]!;
    },
  };
}
const values = (v: NDArray | number[]) => (Array.isArray(v) ? v : flat(v));

describe("the recurrent state across runtime calls", () => {
  for (const simd of [true, false]) {
    it(`forward over ${K} windows = one interpreter run over the whole stream (simd ${simd})`, async () => {
      const n = await net(simd);
      n.init(3);
      expect(Array.from(n.states.h!)).toEqual(new Array(B * H).fill(0));
      const params = copy(n.params);
      const hs: number[] = [];
      for (let k = 0; k < K; k++) {
        n.inputs.x!.set(windowOf(k).x);
        n.forward();
        hs.push(...n.outputs.hs!);
      }
      const long = elman("unrolled", { T: K * W, name: "long" });
      const feeds = {
        inputs: { x: f32(stream.x), y: stream.y },
        params,
        states: { h: new Array(B * H).fill(0) },
      };
      const ref = evaluate(long, feeds);
      expectMatch(
        hs,
        flat(ref.outputs.hs!),
        toleranceFor(long, feeds, ref.outputs.hs!.data),
        "hidden states",
      );
      expectMatch(
        Array.from(n.states.h!),
        flat(ref.updates.h!),
        toleranceFor(long, feeds, ref.updates.h!.data),
        "final state",
      );
      // run() goes through forward too: the state moves on
      const before = Array.from(n.states.h!);
      n.run({ x: windowOf(0).x });
      expect(Array.from(n.states.h!)).not.toEqual(before);
    });

    it(`train steps follow an interpreter loop that carries the state; resetState zeros only it (simd ${simd})`, async () => {
      const n = await net(simd);
      n.init(5);
      const reference = interpreterTrainer(copy(n.params));
      const STEPS = 2 * K;
      for (let s = 0; s < STEPS; s++) {
        const w = windowOf(s % K);
        n.inputs.x!.set(w.x);
        n.inputs.y!.set(w.y);
        n.trainStep();
        const ref = reference.step(w);
        expect(Math.abs(n.outputs.loss![0]! - ref), `loss of step ${s}`).toBeLessThanOrEqual(
          LOSS_RTOL * Math.max(1, Math.abs(ref)),
        );
        if (s === K - 1) {
          // backward is a query: it leaves the state (and the params) where they are
          const [h, p] = [Array.from(n.states.h!), copy(n.params)];
          n.backward();
          expect(Array.from(n.states.h!)).toEqual(h);
          expect(copy(n.params)).toEqual(p);
        }
      }
      for (const [name, view] of Object.entries(n.params))
        expectMatch(Array.from(view), values(reference.params[name]!), FINAL, `param ${name}`);
      for (const [name, view] of Object.entries(n.states))
        expectMatch(Array.from(view), values(reference.states[name]!), FINAL, `state ${name}`);
      expect(Object.keys(n.states).sort()).toEqual(Object.keys(reference.states).sort());
      expect(Array.from(n.states[STEP_STATE]!)).toEqual([STEPS]);
      expect(Math.max(...Array.from(n.states.h!).map(Math.abs))).toBeGreaterThan(0.1);

      // resetState: the hidden state is zero, the params and the optimizer's state are untouched
      const params = copy(n.params);
      const states = copy(n.states);
      n.resetState();
      expect(Array.from(n.states.h!)).toEqual(new Array(B * H).fill(0));
      expect(copy(n.params)).toEqual(params);
      for (const [name, value] of Object.entries(states))
        if (name !== "h") expect(Array.from(n.states[name]!), name).toEqual(value);
      // and training goes on from there like the reference with its hidden state zeroed
      reference.states.h = new Array(B * H).fill(0);
      const w = windowOf(1);
      n.inputs.x!.set(w.x);
      n.inputs.y!.set(w.y);
      n.trainStep();
      const ref = reference.step(w);
      expect(Math.abs(n.outputs.loss![0]! - ref)).toBeLessThanOrEqual(LOSS_RTOL * Math.max(1, Math.abs(ref)));

      // init(seed) zeros every state: hidden state, moments, step counter
      n.init(5);
      for (const [name, view] of Object.entries(n.states))
        expect(
          Array.from(view).every((v) => v === 0),
          name,
        ).toBe(true);
    });
  }

  it("saveWeights({ states: true }) keeps the hidden state: a restored module continues the stream", async () => {
    const n = await net(true);
    n.init(2);
    for (let k = 0; k < 2; k++) n.run({ x: windowOf(k).x });
    const saved = n.saveWeights({ states: true });
    const next = Array.from(n.run({ x: windowOf(2).x }).hs!);
    n.resetState();
    n.loadWeights(saved);
    expect(Array.from(n.run({ x: windowOf(2).x }).hs!)).toEqual(next);
    // without the states the stream restarts from zero and the outputs differ
    n.loadWeights(n.saveWeights());
    n.resetState();
    expect(Array.from(n.run({ x: windowOf(2).x }).hs!)).not.toEqual(next);
  });
});

// Reported to the lead: referenceTrainer (compiler/optim/reference-trainer.ts) binds only the
// optimizer's states (trainGraph's initialStates), so on a model with m.state its first step throws
// "no value given for state(s) h", and its run() binds no states either. The interpreter loop
// above is the oracle meanwhile. When fixed, vitest reports this as unexpectedly passing: make it `it`.
describe("the reference trainer carries the model's states", () => {
  it("referenceTrainer trains a model with a recurrent state, carrying it from step to step", () => {
    const trainer = referenceTrainer(mdl, OPTIMIZER, { params: initParams(mdl, 5) });
    const loop = interpreterTrainer(paramsOf(mdl, 5));
    for (let s = 0; s < 3; s++) expect(trainer.step(windowOf(s))).toBeCloseTo(loop.step(windowOf(s)), 12);
    expect(flat(trainer.states.h!)).toEqual(values(loop.states.h!));
  });
});
