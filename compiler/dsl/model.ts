/**
 * `model(name, m => { ... })`: traces a model definition into a Graph. Leaves are declared with
 * m.input / m.param, results with m.output / m.loss; every op is shape-checked as it is built.
 */
import { WasmgradError, formatLocation } from "../errors.js";
import { constant } from "../ir/build.js";
import { leafName, type Graph } from "../ir/graph.js";
import { Context, type Node } from "../ir/node.js";
import { captureUserLocation } from "../ir/source.js";
import { shapeToString, type DType, type Shape } from "../ir/shape.js";
import { vjp } from "../autodiff/vjp.js";
import { LOSS } from "../autodiff/grad.js";
import { fromValues, type NDArray } from "../interp/ndarray.js";
import { defaultInitializer, realise, type Initializer } from "./init.js";
import { Tensor } from "./tensor.js";

export interface Model {
  readonly name: string;
  /** The forward graph: outputs (and `loss` when declared). */
  readonly graph: Graph;
  /** How each param is initialised, by name. */
  readonly initializers: ReadonlyMap<string, Initializer>;
}

export class ModelBuilder {
  readonly ctx: Context;
  private readonly leaves = new Map<string, Node>();
  private readonly inits = new Map<string, Initializer>();
  private readonly outputs = new Map<string, Node>();

  constructor(readonly name: string) {
    this.ctx = new Context(name);
  }

  private declare(kind: "input" | "param", name: string, shape: Shape, dtype: DType): Tensor {
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
    this.inits.set(name, initializer ?? defaultInitializer(shape));
    return t;
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
    const graph: Graph = {
      name: this.name,
      inputs: leaves.filter((l) => l.op === "input"),
      params: leaves.filter((l) => l.op === "param"),
      states: [],
      outputs: new Map(this.outputs),
      grads: new Map(),
      updates: new Map(),
    };
    return { name: this.name, graph, initializers: new Map(this.inits) };
  }
}

/** Defines a model by tracing `build`. */
export function model(name: string, build: (m: ModelBuilder) => void): Model {
  const m = new ModelBuilder(name);
  build(m);
  return m.finish();
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
