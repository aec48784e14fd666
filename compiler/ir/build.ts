/**
 * Functional constructors for every primitive: the single way nodes are made. The DSL's fluent
 * tensor methods, the composites in nn and every VJP rule are written with these, so a gradient
 * is an ordinary graph.
 *
 * A JavaScript number used as an operand becomes a scalar constant of the other operand's dtype
 * (like JAX's weakly typed Python scalars); it broadcasts like any rank-0 tensor.
 */
import { WasmgradError } from "../errors.js";
import type { Context, Node } from "./node.js";
import type { OpName } from "./op.js";
import type { DType, Shape } from "./shape.js";
import type { SoftmaxXentAttrs } from "../ops/softmax_xent.js";

export type Operand = Node | number;
export type CompareOp = "lt" | "le" | "gt" | "ge" | "eq" | "ne";

function contextOf(operands: readonly Operand[]): Context {
  for (const x of operands) if (typeof x !== "number") return x.ctx;
  throw new WasmgradError("at least one operand must be a tensor, not a plain number");
}

function dtypeOf(operands: readonly Operand[]): DType {
  for (const x of operands) if (typeof x !== "number") return x.dtype === "bool" ? "f32" : x.dtype;
  return "f32";
}

/** Turns numbers into scalar constants matching the dtype of the tensor operands (f32 if none). */
function lift(operands: readonly Operand[], ctx: Context = contextOf(operands)): Node[] {
  const dtype = dtypeOf(operands);
  return operands.map((x) => (typeof x === "number" ? constant(ctx, x, [], dtype) : x));
}

function binary(op: OpName, a: Operand, b: Operand): Node {
  const [x, y] = lift([a, b]);
  return x!.ctx.node(op, [x!, y!]);
}

// ---- leaves and constants ----------------------------------------------------------------

/** A tensor filled with `value`, or holding `values` (row-major) when an array is given. */
export function constant(
  ctx: Context,
  value: number | readonly number[],
  shape: Shape = [],
  dtype: DType = "f32",
): Node {
  return typeof value === "number"
    ? ctx.node("const", [], { value, shape: [...shape], dtype })
    : ctx.node("const", [], { values: [...value], shape: [...shape], dtype });
}

export function scalarLike(like: Node, value: number): Node {
  return constant(like.ctx, value, [], like.dtype === "bool" ? "f32" : like.dtype);
}

export function zerosLike(like: Node): Node {
  return broadcastTo(scalarLike(like, 0), like.shape);
}

/** True in training, false in evaluation: fixed per entry when compiled (compiler/ops/mode.ts). */
export function training(ctx: Context): Node {
  return ctx.node("mode", []);
}

/** i32 tensor whose elements are their own index along `axis`. */
export function iota(ctx: Context, shape: Shape, axis: number): Node {
  return ctx.node("iota", [], { shape: [...shape], axis });
}

/**
 * Uniform f32 values in [0, 1) from a counter-based hash of (seed, salt, element index): the
 * interpreter and compiled code produce identical bits, and no state is hidden in the graph.
 */
export function randomUniform(seed: Node, shape: Shape, salt: number): Node {
  return seed.ctx.node("random_uniform", [seed], { shape: [...shape], salt });
}

// ---- elementwise -------------------------------------------------------------------------

export const add = (a: Operand, b: Operand): Node => binary("add", a, b);
export const sub = (a: Operand, b: Operand): Node => binary("sub", a, b);
export const mul = (a: Operand, b: Operand): Node => binary("mul", a, b);
export const div = (a: Operand, b: Operand): Node => binary("div", a, b);
export const maximum = (a: Operand, b: Operand): Node => binary("maximum", a, b);
export const minimum = (a: Operand, b: Operand): Node => binary("minimum", a, b);

export function compare(a: Operand, b: Operand, cmp: CompareOp): Node {
  const [x, y] = lift([a, b]);
  return x!.ctx.node("compare", [x!, y!], { cmp });
}

export const neg = (x: Node): Node => x.ctx.node("neg", [x]);
export const exp = (x: Node): Node => x.ctx.node("exp", [x]);
export const log = (x: Node): Node => x.ctx.node("log", [x]);
/** ln(1 + x), accurate for small |x|. */
export const log1p = (x: Node): Node => x.ctx.node("log1p", [x]);
export const sqrt = (x: Node): Node => x.ctx.node("sqrt", [x]);
export const abs = (x: Node): Node => x.ctx.node("abs", [x]);
export const sign = (x: Node): Node => x.ctx.node("sign", [x]);
export const tanh = (x: Node): Node => x.ctx.node("tanh", [x]);
export const sigmoid = (x: Node): Node => x.ctx.node("sigmoid", [x]);
/** x ** exponent for a constant exponent. */
export const pow = (x: Node, exponent: number): Node => x.ctx.node("pow", [x], { exponent });
export const cast = (x: Node, dtype: DType): Node => x.ctx.node("cast", [x], { dtype });
/** Identity whose gradient is zero: the value is treated as a constant by autodiff. */
export const stopGradient = (x: Node): Node => x.ctx.node("stop_gradient", [x]);

/** Elementwise `cond ? a : b` with broadcasting; `cond` must be bool. */
export function select(cond: Node, a: Operand, b: Operand): Node {
  const [x, y] = lift([a, b], cond.ctx);
  return cond.ctx.node("select", [cond, x!, y!]);
}

// ---- reductions --------------------------------------------------------------------------

export function sum(x: Node, axes: readonly number[], keepdims = false): Node {
  return x.ctx.node("reduce_sum", [x], { axes: [...axes], keepdims });
}

export function max(x: Node, axes: readonly number[], keepdims = false): Node {
  return x.ctx.node("reduce_max", [x], { axes: [...axes], keepdims });
}

// ---- movement ----------------------------------------------------------------------------

export function reshape(x: Node, shape: Shape): Node {
  return x.ctx.node("reshape", [x], { shape: [...shape] });
}

export function transpose(x: Node, perm: readonly number[]): Node {
  return x.ctx.node("transpose", [x], { perm: [...perm] });
}

export function broadcastTo(x: Node, shape: Shape): Node {
  return x.ctx.node("broadcast", [x], { shape: [...shape] });
}

/** Elements start[i], start[i]+step[i], ... below stop[i] on every axis (full-rank lists). */
export function slice(
  x: Node,
  start: readonly number[],
  stop: readonly number[],
  step: readonly number[] = start.map(() => 1),
): Node {
  return x.ctx.node("slice", [x], { start: [...start], stop: [...stop], step: [...step] });
}

/** XLA-style pad: `lo`/`hi` elements at the ends and `interior` between neighbours, per axis. */
export function pad(
  x: Node,
  lo: readonly number[],
  hi: readonly number[],
  interior: readonly number[] = lo.map(() => 0),
  value = 0,
): Node {
  return x.ctx.node("pad", [x], { lo: [...lo], hi: [...hi], interior: [...interior], value });
}

export function concat(xs: readonly Node[], axis: number): Node {
  if (xs.length === 0) throw new WasmgradError("concat needs at least one tensor", { op: "concat" });
  return xs[0]!.ctx.node("concat", xs, { axis });
}

// ---- linear algebra and indexing ---------------------------------------------------------

/** Batched matrix product of the last two axes, optionally transposing either operand. */
export function matmul(a: Node, b: Node, transA = false, transB = false): Node {
  return a.ctx.node("matmul", [a, b], { transA, transB });
}

/**
 * Rows of `table` (axis 0) picked by i32 `ids`: shape ids.shape ++ table.shape[1:]. With `fill`,
 * an id outside the table reads zeros (otherwise it is an error).
 */
export function gather(table: Node, ids: Node, fill = false): Node {
  return table.ctx.node("gather", [table, ids], fill ? { fill } : {});
}

/**
 * The transpose of gather: a [rows, ...] tensor where row r sums the updates whose id is r. With
 * `drop`, updates of ids outside [0, rows) are dropped (otherwise they are an error).
 */
export function scatterAdd(ids: Node, updates: Node, rows: number, drop = false): Node {
  return ids.ctx.node("scatter_add", [ids, updates], drop ? { rows, drop } : { rows });
}

/**
 * base − α · scatter_add(ids, u, rows(base)) with u = updates (or scale[i] · updates[i] with a
 * per-id `scale`), computed on the rows in `ids` only (the compiler's row-sparse SGD update,
 * passes/sparse.ts). α is an f32 scalar.
 */
export function scatterSub(
  base: Node,
  ids: Node,
  updates: Node,
  alpha: Node,
  options: { scale?: Node; drop?: boolean } = {},
): Node {
  const operands = [base, ids, updates, alpha, ...(options.scale ? [options.scale] : [])];
  return base.ctx.node("scatter_sub", operands, options.drop ? { drop: true } : {});
}

/**
 * The k×l windows at `stride` of an image batch x [N, C, H, W] as columns [N, C·k·l, oh·ow]
 * (ops/im2col.ts); pad the image first for padding.
 */
export function im2col(x: Node, kernel: [number, number], stride: [number, number]): Node {
  return x.ctx.node("im2col", [x], { kernel, stride });
}

/** im2col's transpose: columns [N, C·k·l, oh·ow] summed back into images [N, ...image]. */
export function col2im(
  g: Node,
  image: [number, number, number],
  kernel: [number, number],
  stride: [number, number],
): Node {
  return g.ctx.node("col2im", [g], { image, kernel, stride });
}

/** f32 one-hot rows: out[..., k] = (ids[...] == k) for k < depth (all zeros for an id outside). */
export function oneHot(ids: Node, depth: number): Node {
  return cast(compare(reshape(ids, [...ids.shape, 1]), iota(ids.ctx, [depth], 0), "eq"), "f32");
}

// ---- losses ------------------------------------------------------------------------------

/** Softmax cross-entropy of each row of `logits` [..., C] with i32 `labels` [...] (ops/softmax_xent.ts). */
export function softmaxXent(logits: Node, labels: Node, attrs: SoftmaxXentAttrs = {}): Node {
  return logits.ctx.node("softmax_xent", [logits, labels], ignoreAttr(attrs));
}

/** softmax(logits) − onehot(labels) per row: the gradient of softmaxXent's rows (ops/softmax_xent.ts). */
export function softmaxXentGrad(logits: Node, labels: Node, attrs: SoftmaxXentAttrs = {}): Node {
  return logits.ctx.node("softmax_xent_grad", [logits, labels], ignoreAttr(attrs));
}

/** The attribute only when set, so that a loss without an ignored label prints and hashes as before. */
const ignoreAttr = ({ ignore }: SoftmaxXentAttrs): SoftmaxXentAttrs =>
  ignore === undefined ? {} : { ignore };
