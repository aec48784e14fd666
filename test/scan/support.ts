/**
 * Comparison and execution helpers of the scan tests: float64 interpreter runs with gradients,
 * compiled runs through the manifest (test/wasm/harness.ts), and the tolerances.
 *
 * Tolerances:
 *  - interpreter against interpreter (scan against the unrolled network): the two graphs compute
 *    the same products and differ only in the order in which the per-step gradient terms are
 *    added (a reduce_sum over the time axis against a chain of adds), so they agree to a few ulp
 *    of float64: |a − b| ≤ 1e-12·max(1, max|ref|). A wrong step, a missing term or a gradient
 *    leaking across a boundary is off by far more than that.
 *  - compiled against the interpreter: the harness's "approx" tolerance (see test/wasm/harness.ts)
 *    with L the largest leaf or output and T the largest magnitude among the leaves and the
 *    reference; both run on the same f32-rounded values.
 */
import { expect } from "vitest";
import {
  compile,
  gradGraph,
  graphNodes,
  interpret,
  leafName,
  type CompileOptions,
  type Evaluation,
  type Graph,
  type Model,
  type NDArray,
  type Node,
} from "../../compiler/index.js";
import { approx, expectMatch, maxAbs, sizeOf, WasmModel, type Tolerance } from "../wasm/harness.js";
import { flat, type Feeds } from "./models.js";

/** Outputs (loss included), gradients of every param and f32 input, next states. */
export function evaluate(mdl: Model, feeds: Feeds): Evaluation {
  return interpret(gradGraph(mdl.graph, { inputs: true }), feeds);
}

/** |a − b| ≤ rel·max(1, max|b|) elementwise, with the worst element in the message. */
export function expectNear(got: ArrayLike<number>, ref: ArrayLike<number>, rel: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(ref.length);
  const bound = rel * Math.max(1, maxAbs(ref));
  let worst = -1;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(got[i]! - ref[i]!);
    if (!(e <= err)) {
      err = e;
      worst = i;
    }
  }
  if (!(err <= bound)) {
    throw new Error(
      `${what}: element ${worst} is ${got[worst]}, expected ${ref[worst]} (error ${err.toExponential(2)} > ${bound.toExponential(2)})`,
    );
  }
}

export const F64_REL = 1e-12;

/** Every output, gradient and update of two evaluations agree to `rel`; both have the same names. */
export function expectSameEvaluation(got: Evaluation, ref: Evaluation, rel = F64_REL, what = ""): void {
  for (const part of ["outputs", "grads", "updates"] as const) {
    expect(Object.keys(got[part]).sort(), `${what} ${part}`).toEqual(Object.keys(ref[part]).sort());
    for (const [name, value] of Object.entries(ref[part]))
      expectNear(got[part][name]!.data, value.data, rel, `${what} ${part} '${name}'`);
  }
}

export const scanNodes = (g: Graph) => graphNodes(g).filter((n) => n.op === "scan");

/**
 * The scans of a gradient graph that run the backward steps: not the forward scans, nor the
 * forward scans storing the residuals their VJP reads (same step program, extra results).
 */
export function backwardScansOf(forward: readonly Node[], grads: Graph): Node[] {
  return scanNodes(grads).filter(
    (n) => !forward.includes(n) && !forward.some((f) => f.attrs.program === n.attrs.program),
  );
}

/** Results of a compiled module on one set of feeds. */
export interface CompiledRun {
  readonly wasm: WasmModel;
  /** User outputs after forward. */
  readonly outputs: Record<string, number[]>;
  /** States after forward (forward advances them). */
  readonly statesAfterForward: Record<string, number[]>;
  /** States after backward, which ran from the same initial states (it must not advance them). */
  readonly statesAfterBackward: Record<string, number[]>;
  readonly loss?: number;
  readonly grads: Record<string, number[]>;
}

/**
 * Compiles `mdl`, writes the feeds (rounded to f32 by the caller), runs forward, restores the
 * initial states, runs backward, and reads everything back through the manifest.
 */
export async function runCompiled(mdl: Model, feeds: Feeds, options: CompileOptions): Promise<CompiledRun> {
  const wasm = await WasmModel.create(await compile(mdl, options));
  const g = mdl.graph;
  const writeStates = () => {
    for (const s of g.states) wasm.write(leafName(s), "state", feeds.states[leafName(s)]!);
  };
  for (const l of g.inputs) wasm.write(leafName(l), "input", feeds.inputs[leafName(l)]!);
  for (const p of g.params) wasm.write(leafName(p), "param", feeds.params[leafName(p)]!);
  writeStates();
  wasm.call("forward");
  const outputs = Object.fromEntries(
    [...g.outputs.keys()].filter((n) => n !== "loss").map((n) => [n, wasm.read(n, "output")]),
  );
  const readStates = () =>
    Object.fromEntries(g.states.map((s) => [leafName(s), wasm.read(leafName(s), "state")]));
  const statesAfterForward = readStates();
  writeStates();
  if (!g.outputs.has("loss"))
    return { wasm, outputs, statesAfterForward, statesAfterBackward: readStates(), grads: {} };
  wasm.call("backward");
  return {
    wasm,
    outputs,
    statesAfterForward,
    statesAfterBackward: readStates(),
    loss: wasm.read("loss", "output")[0]!,
    grads: Object.fromEntries(g.params.map((p) => [leafName(p), wasm.read(leafName(p), "grad")])),
  };
}

/**
 * The harness's "approx" tolerance for a model: L = its largest leaf or output, T = the largest
 * magnitude among the (rounded) feeds and `ref`.
 */
export function toleranceFor(mdl: Model, feeds: Feeds, ref: ArrayLike<number>): Tolerance {
  const g = mdl.graph;
  const length = Math.max(
    1,
    ...[...g.inputs, ...g.params, ...g.states, ...g.outputs.values()].map((n) => sizeOf(n.shape)),
  );
  const leaves = [
    ...Object.values(feeds.inputs),
    ...Object.values(feeds.params),
    ...Object.values(feeds.states),
  ];
  return approx(length, Math.max(1, maxAbs(ref), ...leaves.map(maxAbs)));
}

/**
 * The compiled scan model against the interpreter's evaluation `ref` of (typically) the unrolled
 * network on the same rounded feeds: outputs, next states, loss, gradients; backward leaves the
 * states as they were.
 */
export function expectCompiledMatches(
  run: CompiledRun,
  mdl: Model,
  feeds: Feeds,
  ref: Evaluation,
  what: string,
): void {
  const check = (got: ArrayLike<number>, r: NDArray, name: string) =>
    expectMatch(got, flat(r), toleranceFor(mdl, feeds, r.data), `${what}: ${name}`);
  for (const [name, value] of Object.entries(run.outputs))
    check(value, ref.outputs[name]!, `output '${name}'`);
  for (const [name, value] of Object.entries(run.statesAfterForward))
    check(value, ref.updates[name]!, `state '${name}' after forward`);
  for (const [name, value] of Object.entries(run.statesAfterBackward))
    expect(value, `${what}: backward must not advance state '${name}'`).toEqual(feeds.states[name]);
  if (run.loss !== undefined) check([run.loss], ref.outputs.loss!, "loss");
  for (const [name, value] of Object.entries(run.grads))
    check(value, ref.grads[name]!, `gradient of '${name}'`);
}
