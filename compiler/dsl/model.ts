/**
 * `model(name, m => { ... })`: traces a model definition into a Graph. Leaves are declared with
 * m.input / m.param, results with m.output / m.loss; every op is shape-checked as it is built.
 */
import { WasmgradError, formatLocation } from "../errors.js";
import { constant } from "../ir/build.js";
import { leafName, type Graph } from "../ir/graph.js";
import { Context, type Node } from "../ir/node.js";
import { OPS } from "../ops/index.js";
import { captureUserLocation } from "../ir/source.js";
import { shapeToString, type DType, type Shape } from "../ir/shape.js";
import { vjp } from "../autodiff/vjp.js";
import { LOSS } from "../autodiff/grad.js";
import { fromValues, type NDArray } from "../ir/ndarray.js";
import { finalCarry, makeScan, stacked } from "../ops/scan-body.js";
import { checkInitializer, defaultInitializer, realise, type Initializer } from "./init.js";
import { Tensor } from "./tensor.js";

export interface Model {
  readonly name: string;
  /** The forward graph: outputs (and `loss` when declared). */
  readonly graph: Graph;
  /** How each param is initialised, by name. */
  readonly initializers: ReadonlyMap<string, Initializer>;
  /**
   * The sizes the model was traced at, when it was defined over them:
   * `model("mlp", (m, { batch }) => ..., { batch: 32 })` (compiler/dsl/dims.ts).
   */
  readonly dims?: Dims;
  /** Traces the same definition at other sizes (dims.ts `atDims`); present with `dims`. */
  readonly retrace?: (dims: Dims) => Model;
}

/** Named sizes a model is defined over (the batch size, a sequence length): positive integers. */
export type Dims = Readonly<Record<string, number>>;

/**
 * True for a value that has the shape of a Model (made by `model(...)`, from any copy of the
 * wasmgrad modules): a name, initializers, and a graph with every section.
 */
export function isModel(value: unknown): value is Model {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { name?: unknown; graph?: unknown; initializers?: unknown };
  if (typeof v.name !== "string" || !(v.initializers instanceof Map)) return false;
  const g = v.graph as Record<string, unknown> | null | undefined;
  return (
    typeof g === "object" &&
    g !== null &&
    ["inputs", "params", "states"].every((k) => Array.isArray(g[k])) &&
    ["outputs", "grads", "updates"].every((k) => g[k] instanceof Map)
  );
}

export class ModelBuilder {
  readonly ctx: Context;
  private readonly leaves = new Map<string, Node>();
  private readonly inits = new Map<string, Initializer>();
  private readonly outputs = new Map<string, Node>();
  private readonly stateUpdates = new Map<string, Node>();

  constructor(readonly name: string) {
    this.ctx = new Context(name, OPS);
  }

  private declare(kind: "input" | "param" | "state", name: string, shape: Shape, dtype: DType): Tensor {
    const previous = this.leaves.get(name);
    if (previous) {
      throw new WasmgradError(
        `model '${this.name}' already has ${previous.op === "input" ? "an" : "a"} ${previous.op} named '${name}' (declared at ${formatLocation(previous.src)})`,
        { op: kind, location: captureUserLocation() },
      );
    }
    const node = this.ctx.node(kind, [], { name, shape: [...shape], dtype });
    this.leaves.set(name, node);
    return new Tensor(node);
  }

  /** A value supplied at every call: data, labels, ids (i32), a dropout seed (i32 scalar). */
  input(name: string, shape: Shape, dtype: DType = "f32"): Tensor {
    return this.declare("input", name, shape, dtype);
  }

  /** A trainable f32 parameter. Default init: Xavier for matrices, zeros otherwise. */
  param(name: string, shape: Shape, initializer?: Initializer): Tensor {
    const t = this.declare("param", name, shape, "f32");
    const chosen = initializer ?? defaultInitializer(shape);
    checkInitializer(chosen, t.node.shape, name, t.node.src);
    this.inits.set(name, chosen);
    return t;
  }

  /**
   * A value carried by the runtime from one call to the next (the hidden state between truncated
   * BPTT windows). Within a call it is an input treated as a constant: gradients do not flow
   * into it (seed 001: "ĥ_t is considered a constant input"). Give its next value with
   * `m.setState`; forward and train_step store that value when they finish (backward, a pure
   * gradient query, does not). It starts at zeros, and `reset_state()` / `net.resetState()`
   * zeros it again (at a document boundary, say) without touching params or optimizer moments.
   */
  state(name: string, shape: Shape): Tensor {
    return this.declare("state", name, shape, "f32");
  }

  /** The value `state` holds after this call (see `state`). */
  setState(state: Tensor, next: Tensor): void {
    this.own(state, "setState");
    this.own(next, "setState");
    if (state.node.op !== "state") {
      throw new WasmgradError(`setState needs a tensor made by m.state(...), got a ${state.node.op}`, {
        op: "setState",
        location: captureUserLocation(),
      });
    }
    const name = leafName(state.node);
    if (shapeToString(next.shape) !== shapeToString(state.shape) || next.dtype !== state.dtype) {
      throw new WasmgradError(
        `the next value of state '${name}' has type ${next.dtype}${shapeToString(next.shape)}; the state is ${state.dtype}${shapeToString(state.shape)}`,
        { op: "setState", location: captureUserLocation() },
      );
    }
    if (this.stateUpdates.has(name)) {
      throw new WasmgradError(`state '${name}' already has a next value`, {
        op: "setState",
        location: captureUserLocation(),
      });
    }
    this.stateUpdates.set(name, next.node);
  }

  /**
   * A loop over the time axis (axis 0) of the sequences `xs`: `step(carry, rows)` receives the
   * carries and row t of every sequence and returns the next carries and any per-step outputs.
   * Returns the final carries and the per-step outputs stacked as [T, ...]. Tensors of the model
   * used inside `step` (params, values computed before the loop) are loop-invariant and shared by
   * every step; their gradients accumulate over all steps. `reverse` runs t = T-1 .. 0 (outputs
   * stay indexed by t), so a bi-directional RNN is two scans and a concat.
   *
   *   const { carry: [hT], ys: [H] } = m.scan({ init: [h0], xs: [X] }, ([h], [x]) => {
   *     const h2 = x.matmul(Wx).add(h.matmul(Wh)).add(b).tanh();
   *     return { carry: [h2], ys: [h2] };
   *   });
   */
  scan(
    spec: {
      readonly init: readonly Tensor[];
      readonly xs?: readonly Tensor[];
      readonly reverse?: boolean;
      /** The number of steps, when there is no sequence. */
      readonly length?: number;
    },
    step: (carry: Tensor[], rows: Tensor[]) => { carry: readonly Tensor[]; ys?: readonly Tensor[] },
  ): { carry: Tensor[]; ys: Tensor[] } {
    const inits = spec.init.map((t) => (this.own(t, "scan"), t.node));
    const xs = (spec.xs ?? []).map((t) => (this.own(t, "scan"), t.node));
    // a per-step output that is one of the next carries is read from the carry sequence
    let ysOf: ({ carry: number } | { y: number })[] = [];
    const node = makeScan(
      this.ctx,
      { inits, xs, reverse: spec.reverse, length: spec.length },
      (carries, rows) => {
        const out = step(
          carries.map((n) => new Tensor(n)),
          rows.map((n) => new Tensor(n)),
        );
        const next = out.carry.map((t) => (this.own(t, "scan"), t.node));
        const ys: Node[] = [];
        ysOf = (out.ys ?? []).map((t) => {
          this.own(t, "scan");
          const k = next.indexOf(t.node);
          return k >= 0 ? { carry: k } : { y: ys.push(t.node) - 1 };
        });
        return { carries: next, ys };
      },
    );
    return {
      carry: inits.map((_, k) => new Tensor(finalCarry(node, k))),
      ys: ysOf.map((r) => new Tensor(stacked(node, "carry" in r ? r.carry : inits.length + r.y))),
    };
  }

  /** A constant: a fill value of the given shape, or values in row-major order. */
  constant(value: number | readonly number[], shape: Shape = [], dtype: DType = "f32"): Tensor {
    return new Tensor(constant(this.ctx, value, shape, dtype));
  }

  /** Names a result. */
  output(name: string, t: Tensor): void {
    this.own(t, "output");
    if (name === LOSS) {
      throw new WasmgradError(`the output name '${LOSS}' is reserved for m.loss(...)`, {
        op: "output",
        location: captureUserLocation(),
      });
    }
    // the runtime returns outputs as plain objects keyed by name, where "__proto__" would set the
    // prototype instead (and load() refuses such a module)
    if (typeof name !== "string" || name === "" || name === "__proto__") {
      throw new WasmgradError(`${JSON.stringify(name)} cannot name an output`, {
        op: "output",
        location: captureUserLocation(),
      });
    }
    this.setOutput(name, t.node);
  }

  /** Declares the scalar training objective (also available as the output `loss`). */
  loss(t: Tensor): void {
    this.own(t, "loss");
    if (t.rank !== 0) {
      throw new WasmgradError(
        `the loss must be a scalar, got shape ${shapeToString(t.shape)}; reduce it with .sum() or .mean()`,
        { op: "loss", location: captureUserLocation() },
      );
    }
    if (t.dtype !== "f32") {
      throw new WasmgradError(`the loss must be f32, got ${t.dtype}`, {
        op: "loss",
        location: captureUserLocation(),
      });
    }
    this.setOutput(LOSS, t.node);
  }

  /** Symbolic gradients d y / d x (y scalar), as tensors of this model: usable in further ops
   * (for instance to build Hessian-vector products). */
  grad(y: Tensor, xs: readonly Tensor[]): Tensor[] {
    this.own(y, "grad");
    xs.forEach((x) => this.own(x, "grad"));
    if (y.rank !== 0) {
      throw new WasmgradError(`grad needs a scalar to differentiate, got shape ${shapeToString(y.shape)}`, {
        op: "grad",
        location: captureUserLocation(),
      });
    }
    return vjp(
      y.node,
      xs.map((x) => x.node),
    ).map((n) => new Tensor(n));
  }

  private setOutput(name: string, node: Node): void {
    if (this.outputs.has(name)) {
      throw new WasmgradError(`model '${this.name}' already has an output named '${name}'`, {
        op: "output",
        location: captureUserLocation(),
      });
    }
    this.outputs.set(name, node);
  }

  private own(t: Tensor, op: string): void {
    if (!(t instanceof Tensor)) {
      throw new WasmgradError(`expected a Tensor, got ${typeof t}`, { op, location: captureUserLocation() });
    }
    if (t.node.ctx !== this.ctx) {
      throw new WasmgradError(
        `the tensor created at ${formatLocation(t.node.src)} belongs to model '${t.node.ctx.name}', not '${this.name}'`,
        { op, location: captureUserLocation() },
      );
    }
  }

  finish(): Model {
    if (this.outputs.size === 0) {
      throw new WasmgradError(`model '${this.name}' has no outputs: call m.output(...) or m.loss(...)`, {
        location: captureUserLocation(),
      });
    }
    const leaves = [...this.leaves.values()];
    const states = leaves.filter((l) => l.op === "state");
    for (const s of states) {
      if (!this.stateUpdates.has(leafName(s))) {
        throw new WasmgradError(
          `state '${leafName(s)}' of model '${this.name}' is never given a next value: call m.setState(...)`,
          { op: "state", location: s.src },
        );
      }
    }
    const graph: Graph = {
      name: this.name,
      inputs: leaves.filter((l) => l.op === "input"),
      params: leaves.filter((l) => l.op === "param"),
      states,
      outputs: new Map(this.outputs),
      grads: new Map(),
      updates: new Map(this.stateUpdates),
    };
    return { name: this.name, graph, initializers: new Map(this.inits) };
  }
}

/**
 * Defines a model by tracing `build`. With `dims` (named sizes such as `{ batch: 32 }`), `build`
 * receives them and the model can be compiled at other sizes too, one module serving them all:
 *
 *   const mlp = model("mlp", (m, { batch }) => { const x = m.input("x", [batch, 784]); ... }, { batch: 32 });
 *   compile(mlp, { optimizer, batches: { forward: [1, 8] } }); // trains at 32, serves 32, 1 and 8
 *
 * Params are shared by every size, so their shapes must not depend on the dims (checked).
 */
export function model(name: string, build: (m: ModelBuilder) => void): Model;
export function model<D extends Dims>(
  name: string,
  build: (m: ModelBuilder, dims: D) => void,
  dims: D,
): Model;
export function model<D extends Dims>(
  name: string,
  build: (m: ModelBuilder, dims: D) => void,
  dims?: D,
): Model {
  if (dims === undefined) return trace(name, (m) => build(m, undefined as unknown as D));
  checkDims(name, dims);
  const at = (d: Dims): Model => ({
    ...trace(name, (m) => build(m, Object.freeze({ ...d }) as D)),
    dims: Object.freeze({ ...d }),
    retrace: at,
  });
  return at(dims);
}

function trace(name: string, build: (m: ModelBuilder) => void): Model {
  const m = new ModelBuilder(name);
  build(m);
  return m.finish();
}

/** Dims are an object of positive integers whose names can name an export (`forward_batch_1`). */
export function checkDims(name: string, dims: unknown): asserts dims is Dims {
  const fail = (detail: string): never => {
    throw new WasmgradError(`model '${name}': ${detail}`, { op: "model", location: captureUserLocation() });
  };
  if (typeof dims !== "object" || dims === null || Array.isArray(dims))
    fail(`dims must be an object of named sizes such as { batch: 32 }, got ${String(dims)}`);
  const entries = Object.entries(dims as object);
  if (entries.length === 0) fail(`dims must name at least one size, such as { batch: 32 }`);
  for (const [key, value] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key))
      fail(`the dim name ${JSON.stringify(key)} must be letters and digits, starting with a letter`);
    if (!Number.isInteger(value) || (value as number) < 1)
      fail(`dim '${key}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/** Initial parameter values from the model's initializers and a seed. */
export function initParams(mdl: Model, seed = 0): Record<string, NDArray> {
  const out: Record<string, NDArray> = {};
  mdl.graph.params.forEach((p, stream) => {
    const name = leafName(p);
    out[name] = fromValues(p.shape, "f32", realise(mdl.initializers.get(name)!, p.shape, seed, stream, name));
  });
  return out;
}
