/**
 * Gradient check (seed 004 §2.1): compares the analytic gradients of the model's loss, computed by
 * the symbolic gradient graph, with centered differences (J(θ+ε) − J(θ−ε)) / 2ε, both evaluated
 * by the float64 interpreter.
 *
 * Error measure, per element: |analytic − numeric| / max(|analytic|, |numeric|, 1e-3). It is the
 * relative error, except that gradients smaller than 1e-3 are compared absolutely against 1e-3,
 * where a relative error would only measure rounding noise. With ε = 1e-5 (the seed's h) the
 * truncation error is O(ε²) and the rounding error about 1e-16·|J|/ε, so a correct gradient of a
 * smooth loss scores around 1e-9. A parameter that sits within ε of a kink (relu at 0, a max
 * tie) legitimately disagrees: such points are a property of the data, not a bug.
 */
import { gradGraph, LOSS } from "./autodiff/grad.js";
import { initParams, type Model } from "./dsl/model.js";
import { WasmgradError } from "./errors.js";
import { leafName } from "./ir/graph.js";
import { mix32 } from "./ir/random.js";
import { coerce, type Feed } from "./interp/bind.js";
import { interpret } from "./interp/interpret.js";
import { allocate, type NDArray } from "./ir/ndarray.js";

export interface GradcheckOptions {
  /** Values for every model input. */
  readonly inputs?: Readonly<Record<string, Feed>>;
  /** Parameter values; default: the model's initializers realised with `seed`. */
  readonly params?: Readonly<Record<string, Feed>>;
  readonly seed?: number;
  /** Perturbation ε (default 1e-5). */
  readonly eps?: number;
  /** At most this many elements are checked per tensor, sampled deterministically (default 100). */
  readonly maxElements?: number;
  /** Worst acceptable error for `ok` (default 1e-6). */
  readonly tolerance?: number;
  /** Also check d loss / d each f32 input. */
  readonly checkInputs?: boolean;
  /** Values of the model's states (m.state), constants within the call; default zeros. */
  readonly states?: Readonly<Record<string, Feed>>;
}

export interface GradcheckEntry {
  readonly name: string;
  readonly kind: "param" | "input";
  /** Elements checked and elements in the tensor. */
  readonly checked: number;
  readonly size: number;
  readonly maxError: number;
  /** The element with the worst error. */
  readonly worst: { readonly index: number; readonly analytic: number; readonly numeric: number };
}

export interface GradcheckReport {
  readonly ok: boolean;
  readonly tolerance: number;
  readonly maxError: number;
  readonly entries: readonly GradcheckEntry[];
}

export function gradcheckError(analytic: number, numeric: number): number {
  if (analytic === numeric) return 0; // also covers two equal infinities
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-3);
}

/** Which element indices to check: all of them, or a deterministic sample of `max`. */
function sampleIndices(size: number, max: number, stream: number): number[] {
  if (size <= max) return Array.from({ length: size }, (_, i) => i);
  const chosen = new Set<number>();
  for (let k = 0; chosen.size < max; k++) chosen.add(mix32(stream * 7919 + k) % size);
  return [...chosen].sort((a, b) => a - b);
}

export function gradcheck(mdl: Model, options: GradcheckOptions = {}): GradcheckReport {
  const g = mdl.graph;
  if (!g.outputs.has(LOSS)) {
    throw new WasmgradError(`model '${mdl.name}' declares no loss (m.loss(...)); gradcheck needs one`);
  }
  const eps = options.eps ?? 1e-5;
  const tolerance = options.tolerance ?? 1e-6;
  const maxElements = options.maxElements ?? 100;
  const params: Record<string, NDArray> = {};
  const initial = initParams(mdl, options.seed ?? 0);
  for (const p of g.params) {
    const name = leafName(p);
    const given = options.params?.[name];
    params[name] = given === undefined ? initial[name]! : coerce(p, given, mdl.name);
  }
  const inputs: Record<string, NDArray> = {};
  const inputFeeds = options.inputs ?? {};
  for (const leaf of g.inputs) {
    const name = leafName(leaf);
    if (inputFeeds[name] === undefined) {
      throw new WasmgradError(`gradcheck: no value given for input '${name}' of model '${mdl.name}'`);
    }
    inputs[name] = coerce(leaf, inputFeeds[name]!, mdl.name);
  }
  const states: Record<string, NDArray> = {};
  for (const leaf of g.states) {
    const given = options.states?.[leafName(leaf)];
    states[leafName(leaf)] =
      given === undefined ? allocate(leaf.shape, "f32") : coerce(leaf, given, mdl.name);
  }
  const checked = [
    ...g.params.map((p) => ({ leaf: p, kind: "param" as const, values: params })),
    ...(options.checkInputs ? g.inputs.filter((i) => i.dtype === "f32") : []).map((i) => ({
      leaf: i,
      kind: "input" as const,
      values: inputs,
    })),
  ];
  const analytic = interpret(gradGraph(g, { wrt: checked.map((c) => leafName(c.leaf)) }), {
    inputs,
    params,
    states,
  }).grads;
  const lossAt = () => interpret(g, { inputs, params, states }).outputs[LOSS]!.data[0]!;

  const entries = checked.map(({ leaf, kind, values }, stream): GradcheckEntry => {
    const name = leafName(leaf);
    const data = values[name]!.data as Float64Array;
    let worst = { index: -1, analytic: 0, numeric: 0 };
    let maxError = 0;
    const indices = sampleIndices(data.length, maxElements, stream);
    for (const i of indices) {
      const saved = data[i]!;
      data[i] = saved + eps;
      const plus = lossAt();
      data[i] = saved - eps;
      const minus = lossAt();
      data[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[name]!.data[i]!;
      const err = gradcheckError(a, numeric);
      if (err > maxError || worst.index < 0 || Number.isNaN(err)) {
        maxError = Number.isNaN(err) ? Infinity : Math.max(maxError, err);
        worst = { index: i, analytic: a, numeric };
      }
    }
    return { name, kind, checked: indices.length, size: data.length, maxError, worst };
  });
  const maxError = Math.max(0, ...entries.map((e) => e.maxError));
  return { ok: maxError <= tolerance, tolerance, maxError, entries };
}

/** A table of the report, one line per checked tensor. */
export function formatGradcheck(report: GradcheckReport): string {
  const lines = report.entries.map((e) => {
    const w = e.worst;
    return `${e.kind.padEnd(5)} ${e.name.padEnd(16)} checked ${String(e.checked).padStart(5)}/${String(e.size).padEnd(6)} max error ${e.maxError.toExponential(2)}  (element ${w.index}: analytic ${w.analytic.toPrecision(8)}, numeric ${w.numeric.toPrecision(8)})`;
  });
  lines.push(
    `${report.ok ? "OK" : "FAILED"}: worst error ${report.maxError.toExponential(2)} (tolerance ${report.tolerance.toExponential(0)})`,
  );
  return lines.join("\n");
}
