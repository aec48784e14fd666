/**
 * Shared machinery of the WebAssembly differential tests (test/wasm): a compiled module is
 * instantiated on its own with `WebAssembly.instantiate` (nothing from runtime/), tensors are read
 * and written at the byte offsets its manifest publishes, and results are compared with the
 * float64 reference interpreter run on the very same f32-rounded values.
 *
 * Tolerances (used by every file here):
 *
 *  - "exact": the wasm value equals the f32 rounding of the reference bit for bit (NaN = NaN,
 *    ±Infinity equal). Movement ops (reshape, transpose, broadcast, slice, pad, concat, gather),
 *    select, compare, cast, iota, sign, abs, neg and random_uniform copy or map f32 values without
 *    arithmetic rounding. add, sub, mul, div and sqrt of f32 operands are correctly rounded in
 *    WebAssembly, and their float64 results rounded once more to f32 give the same value (double
 *    rounding is innocuous for these operations since 53 ≥ 2·24 + 2), so they are exact too.
 *  - "ulp": |wasm − ref| ≤ 2e-6·|ref| (≈ 16 ulp): a few correctly rounded steps.
 *  - "approx": |wasm − ref| ≤ atol + rtol·|ref| with rtol = 1e-4 and atol = 1e-5·√L·T, where L is
 *    the longest reduction involved and T bounds the magnitude of its terms: a sum of L f32 terms
 *    carries a rounding error that grows like √L·u·max|term| for random signs and orders
 *    (u = 6e-8), and the backend sums in another order than the interpreter (SIMD lanes, register
 *    tiles). 1e-5 is about 170 u: it covers the ~2e-7 relative error of the hand-written f32
 *    exp/log/tanh/sigmoid kernels and the few roundings a composite (softmax, losses) chains, while
 *    a wrong index, a missing term or a wrong panel shows up as an error of the order of a whole
 *    term (≥ 1e-2·T).
 *
 * Whatever the mode, NaN, infinite and beyond-f32 references are compared by the edge rules of
 * test/support/agree.ts: NaN matches NaN, an overflow matches ±Infinity (or the f32 max) of its
 * sign, and gradients that the reference cannot give as finite f32 must be non-finite too. A
 * result whose float64 computation passed through a value beyond f32's range may be non-finite
 * in the module (test/support/f32-range.ts).
 */
import {
  compile,
  gradGraph,
  graphNodes,
  interpret,
  leafName,
  type CompileOptions,
  type CompiledModel,
  type Graph,
  type Model,
  type NDArray,
  type Node,
} from "../../compiler/index.js";
import type { FusionAttrs } from "../../compiler/ops/fusion.js";
import { agrees, F32_MAX, type AgreeOptions } from "../support/agree.js";
import { overflowsInF32, showsOverflow } from "../support/f32-range.js";

export type TensorInfo = CompiledModel["manifest"]["tensors"][number];
export type Role = TensorInfo["role"];
export type EntryName = "forward" | "backward" | "train_step" | "init" | "reset_state";

/** One instantiated module, with typed access to its tensors through the manifest. */
export class WasmModel {
  private constructor(
    readonly compiled: CompiledModel,
    readonly instance: WebAssembly.Instance,
  ) {}

  static async create(compiled: CompiledModel): Promise<WasmModel> {
    const { instance } = await WebAssembly.instantiate(compiled.wasm as Uint8Array<ArrayBuffer>);
    return new WasmModel(compiled, instance);
  }

  get manifest(): CompiledModel["manifest"] {
    return this.compiled.manifest;
  }

  get memory(): WebAssembly.Memory {
    return this.instance.exports.memory as WebAssembly.Memory;
  }

  has(name: string, role: Role): boolean {
    return this.manifest.tensors.some((t) => t.name === name && t.role === role);
  }

  tensor(name: string, role: Role): TensorInfo {
    const t = this.manifest.tensors.find((x) => x.name === name && x.role === role);
    if (!t) throw new Error(`the manifest has no ${role} named '${name}'`);
    return t;
  }

  private view(t: TensorInfo): Float32Array | Int32Array {
    const n = t.shape.reduce((a, d) => a * d, 1);
    return t.dtype === "f32"
      ? new Float32Array(this.memory.buffer, t.offset, n)
      : new Int32Array(this.memory.buffer, t.offset, n);
  }

  write(name: string, role: Role, values: ArrayLike<number>): void {
    const v = this.view(this.tensor(name, role));
    if (values.length !== v.length)
      throw new Error(`${role} '${name}' holds ${v.length} values, got ${values.length}`);
    v.set(values);
  }

  /** A copy of the tensor's current values. */
  read(name: string, role: Role): number[] {
    return Array.from(this.view(this.tensor(name, role)));
  }

  call(entry: EntryName, ...args: number[]): void {
    const fn = this.instance.exports[entry];
    if (typeof fn !== "function") throw new Error(`the module exports no function '${entry}'`);
    (fn as (...a: number[]) => void)(...args);
  }
}

export async function instantiate(mdl: Model, options: CompileOptions = {}): Promise<WasmModel> {
  return WasmModel.create(await compile(mdl, options));
}

// ---- values ----------------------------------------------------------------------------------

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);
export const f32 = (values: readonly number[]): number[] => values.map(Math.fround);
/** The largest magnitude f32 can hold among `values` (an overflow gives no scale to the others' tolerance). */
export const maxAbs = (values: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (v > m && v <= F32_MAX) m = v;
  }
  return m;
};

/** Deterministic values (mulberry32), uniform in [lo, hi). */
export function randomValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed | 0;
  return Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) | 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return lo + (hi - lo) * (((r ^ (r >>> 14)) >>> 0) / 4294967296);
  });
}

// ---- comparison ------------------------------------------------------------------------------

export type Tolerance =
  { readonly kind: "exact" } | { readonly kind: "close"; readonly rtol: number; readonly atol: number };

export const EXACT: Tolerance = { kind: "exact" };
export const ULP: Tolerance = { kind: "close", rtol: 2e-6, atol: 0 };
export const RTOL = 1e-4;
export const ATOL_PER_TERM = 1e-5;

/** The "approx" tolerance for reductions of up to `length` terms of magnitude up to `magnitude`. */
export function approx(length: number, magnitude: number): Tolerance {
  return { kind: "close", rtol: RTOL, atol: ATOL_PER_TERM * Math.sqrt(Math.max(1, length)) * magnitude };
}

/**
 * Describes the elements of `got` that miss `ref` (at most 8), or returns undefined. f32 elements
 * follow the edge rules of agree.ts (`edges`: a value or a gradient, overflow allowed); i32
 * elements must be equal.
 */
export function mismatches(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: Tolerance,
  what: string,
  dtype: "f32" | "i32" = "f32",
  edges: AgreeOptions = {},
): string | undefined {
  if (got.length !== ref.length) return `${what}: ${got.length} values, expected ${ref.length}`;
  const bound = (r: number) => (tol.kind === "exact" ? 0 : tol.atol + tol.rtol * Math.abs(r));
  const close = (g: number, r: number) =>
    tol.kind === "exact" ? g === Math.fround(r) : Math.abs(g - r) <= bound(r);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!;
    const ok = dtype === "f32" ? agrees(g, ref[i]!, close, edges) : g === ref[i]!;
    if (!ok) {
      count++;
      if (bad.length < 8)
        bad.push(
          `[${i}] got ${g}, expected ${ref[i]}` +
            (tol.kind === "exact" ? " (exactly, as f32)" : ` ± ${bound(ref[i]!).toExponential(2)}`),
        );
    }
  }
  return count ? `${what}: ${count} of ${ref.length} values differ:\n  ${bad.join("\n  ")}` : undefined;
}

export function expectMatch(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: Tolerance,
  what: string,
  dtype: "f32" | "i32" = "f32",
  edges: AgreeOptions = {},
): void {
  const m = mismatches(got, ref, tol, what, dtype, edges);
  if (m) throw new Error(m);
}

// ---- the differential check ------------------------------------------------------------------

export type Check = "exact" | "ulp" | "approx";

export interface DiffOptions {
  /** How the user outputs are compared (default "approx"). */
  readonly forward?: Check;
  /** How the loss and the gradients are compared (default "approx"). */
  readonly grads?: Check;
  /** L of the "approx" tolerance; default: the size of the largest leaf or output. */
  readonly length?: number;
  /**
   * T of the "approx" tolerance. Default, per compared array: the largest |value| among the leaves
   * (params and inputs, R included) and in that reference array, at least 1.
   */
  readonly magnitude?: number;
  /**
   * Graph optimization level (default 0: every primitive is its own kernel, so each kernel is
   * tested as written; the optimizer's own agreement is tested in test/passes).
   */
  readonly optLevel?: 0 | 2;
  /**
   * The forward entry's mode (compile's `forwardMode`, default "eval"), which the reference
   * forward pass is interpreted in too; the gradients are always of training mode.
   */
  readonly forwardMode?: "train" | "eval";
}

export interface Feeds {
  readonly inputs: Readonly<Record<string, readonly number[]>>;
  readonly params: Readonly<Record<string, readonly number[]>>;
}

export interface DiffResult {
  readonly wasm: WasmModel;
  /** Ops of the graphs that were compiled and compared (forward, and backward when present). */
  readonly ops: Set<string>;
}

function toleranceFor(check: Check, length: number, magnitude: number): Tolerance {
  return check === "exact" ? EXACT : check === "ulp" ? ULP : approx(length, magnitude);
}

const values = (a: NDArray): number[] => Array.from(a.data);

/**
 * Compiles `mdl`, writes the (f32-rounded) feeds, runs `forward` and, when the model has a loss,
 * `backward`, and compares every user output, the loss and the gradient of every param with the
 * interpreter (`interpret` of the model's graph in the forward entry's mode, and of `gradGraph`
 * in training mode). Both entries are then run
 * once more and must reproduce their first results bit for bit (a call must not disturb anything
 * a later call reads: constants, params, inputs).
 */
export async function checkAgainstInterpreter(
  mdl: Model,
  feeds: Feeds,
  simd: boolean,
  options: DiffOptions = {},
): Promise<DiffResult> {
  // f32 leaves get exactly the values the module will hold; i32 leaves are left alone
  const g = mdl.graph;
  const f32Leaves = new Set([...g.inputs, ...g.params].filter((l) => l.dtype === "f32").map(leafName));
  const round = (feed: Readonly<Record<string, readonly number[]>>) =>
    Object.fromEntries(Object.entries(feed).map(([k, v]) => [k, f32Leaves.has(k) ? f32(v) : [...v]]));
  // the model's states (m.state) start at zeros, as in a freshly instantiated module
  const states = Object.fromEntries(
    g.states.map((s) => [leafName(s), new Array<number>(sizeOf(s.shape)).fill(0)]),
  );
  const rounded = { inputs: round(feeds.inputs), params: round(feeds.params), states };
  const forwardMode = options.forwardMode ?? "eval";
  const compiled = await compile(mdl, { simd, optLevel: options.optLevel ?? 0, forwardMode });
  const wasm = await WasmModel.create(compiled);
  for (const leaf of g.inputs) wasm.write(leafName(leaf), "input", rounded.inputs[leafName(leaf)]!);
  for (const leaf of g.params) wasm.write(leafName(leaf), "param", rounded.params[leafName(leaf)]!);

  const hasLoss = g.outputs.has("loss");
  const withGrads = hasLoss ? gradGraph(g) : g;
  const ref = interpret(g, { ...rounded, mode: forwardMode });
  const refGrads = hasLoss ? interpret(withGrads, { ...rounded, mode: "train" }).grads : {};
  // where the reference's own computation of a result left f32's range, the module may hold NaN
  // or ±Infinity in it: f32 overflowed where float64 did not (test/support/f32-range.ts)
  const overflowed = overflowsInF32(withGrads, rounded);
  // (asked only of results holding such values: it interprets the graph once more)
  const mayOverflow = (got: readonly number[], result: Node) => showsOverflow(got) && overflowed(result);
  const outputNames = [...g.outputs.keys()].filter((n) => n !== "loss");

  const length =
    options.length ??
    Math.max(1, ...[...g.inputs, ...g.params, ...g.outputs.values()].map((n) => sizeOf(n.shape)));
  const leafMagnitude = Math.max(
    1,
    ...Object.values(rounded.params).map(maxAbs),
    ...Object.values(rounded.inputs).map(maxAbs),
  );
  const magnitude = (reference: NDArray): number =>
    options.magnitude ?? Math.max(leafMagnitude, maxAbs(reference.data));
  const fwdTol = (r: NDArray) => toleranceFor(options.forward ?? "approx", length, magnitude(r));
  const gradTol = (r: NDArray) => toleranceFor(options.grads ?? "approx", length, magnitude(r));

  wasm.call("forward");
  const firstForward = outputNames.map((name) => wasm.read(name, "output"));
  // i32 and bool outputs have no rounding to allow for
  const isF32 = (name: string) => g.outputs.get(name)!.dtype === "f32";
  outputNames.forEach((name, k) =>
    expectMatch(
      firstForward[k]!,
      values(ref.outputs[name]!),
      isF32(name) ? fwdTol(ref.outputs[name]!) : EXACT,
      `output '${name}' (simd ${simd})`,
      isF32(name) ? "f32" : "i32",
      { mayOverflow: isF32(name) && mayOverflow(firstForward[k]!, g.outputs.get(name)!) },
    ),
  );
  // the ops compiled: every node's, and inside a fusion (at -O2) every instruction's
  const ops = new Set<string>();
  const collect = (graph: Graph) => {
    for (const n of graphNodes(graph)) {
      ops.add(n.op);
      if (n.op === "fusion") for (const i of (n.attrs as unknown as FusionAttrs).program) ops.add(i.op);
    }
  };
  collect(compiled.graphs.forward);
  if (!hasLoss) return { wasm, ops };

  collect(compiled.graphs.backward!);
  const paramNames = g.params.map(leafName);
  wasm.call("reset_state"); // backward reads the states forward started from
  wasm.call("backward");
  const loss = wasm.read("loss", "output");
  const grads = paramNames.map((name) => wasm.read(name, "grad"));
  // the loss sums size(y) products y·R (|R| ≤ 1 here): its own reduction length and terms
  const lossSize = Math.max(1, ...outputNames.map((n) => sizeOf(g.outputs.get(n)!.shape)));
  const lossTol = approx(
    length * lossSize,
    options.magnitude ?? Math.max(leafMagnitude, ...Object.values(ref.outputs).map((a) => maxAbs(a.data))),
  );
  expectMatch(loss, values(ref.outputs.loss!), lossTol, `loss (simd ${simd})`, "f32", {
    mayOverflow: mayOverflow(loss, g.outputs.get("loss")!),
  });
  paramNames.forEach((name, k) =>
    expectMatch(
      grads[k]!,
      values(refGrads[name]!),
      gradTol(refGrads[name]!),
      `gradient of '${name}' (simd ${simd})`,
      "f32",
      { quantity: "gradient", mayOverflow: mayOverflow(grads[k]!, withGrads.grads.get(name)!) },
    ),
  );

  // a second round reproduces the first exactly (from the same states: forward advanced them)
  wasm.call("reset_state");
  wasm.call("forward");
  outputNames.forEach((name, k) =>
    expectMatch(
      wasm.read(name, "output"),
      firstForward[k]!,
      EXACT,
      `output '${name}', second forward`,
      isF32(name) ? "f32" : "i32",
    ),
  );
  wasm.call("reset_state");
  wasm.call("backward");
  expectMatch(wasm.read("loss", "output"), loss, EXACT, "loss, second backward");
  paramNames.forEach((name, k) =>
    expectMatch(wasm.read(name, "grad"), grads[k]!, EXACT, `gradient of '${name}', second backward`),
  );
  return { wasm, ops };
}
