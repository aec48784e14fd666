/**
 * The symbolic tensor handle users build models with. Each method adds a node to the model's
 * graph at once, checking shapes and dtypes, so a mistake is reported at the line that made it.
 * Methods that are not primitives (relu, softmax, mean, ...) are composites: they emit primitives
 * and need no gradient or lowering of their own.
 */
import { WasmgradError } from "../errors.js";
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { sizeOf, type DType, type Shape } from "../ir/shape.js";
import { axesOf, axisOf } from "./axes.js";

export type TensorLike = Tensor | number;

const nodeOf = (x: TensorLike): Node | number => (typeof x === "number" ? x : x.node);

export class Tensor {
  constructor(readonly node: Node) {}

  get shape(): Shape {
    return this.node.shape;
  }
  get dtype(): DType {
    return this.node.dtype;
  }
  get rank(): number {
    return this.node.shape.length;
  }
  get size(): number {
    return sizeOf(this.node.shape);
  }
  toString(): string {
    return `Tensor(${this.node.toString()})`;
  }

  // ---- arithmetic (NumPy broadcasting) ----
  add(o: TensorLike): Tensor {
    return new Tensor(b.add(this.node, nodeOf(o)));
  }
  sub(o: TensorLike): Tensor {
    return new Tensor(b.sub(this.node, nodeOf(o)));
  }
  mul(o: TensorLike): Tensor {
    return new Tensor(b.mul(this.node, nodeOf(o)));
  }
  div(o: TensorLike): Tensor {
    return new Tensor(b.div(this.node, nodeOf(o)));
  }
  /** this ** exponent, for a constant exponent. */
  pow(exponent: number): Tensor {
    return new Tensor(b.pow(this.node, exponent));
  }
  maximum(o: TensorLike): Tensor {
    return new Tensor(b.maximum(this.node, nodeOf(o)));
  }
  minimum(o: TensorLike): Tensor {
    return new Tensor(b.minimum(this.node, nodeOf(o)));
  }
  neg(): Tensor {
    return new Tensor(b.neg(this.node));
  }
  exp(): Tensor {
    return new Tensor(b.exp(this.node));
  }
  log(): Tensor {
    return new Tensor(b.log(this.node));
  }
  /** ln(1 + x), accurate where x is small. */
  log1p(): Tensor {
    return new Tensor(b.log1p(this.node));
  }
  sqrt(): Tensor {
    return new Tensor(b.sqrt(this.node));
  }
  square(): Tensor {
    return new Tensor(b.mul(this.node, this.node));
  }
  abs(): Tensor {
    return new Tensor(b.abs(this.node));
  }
  /** -1, 0 or 1; zero gradient. */
  sign(): Tensor {
    return new Tensor(b.sign(this.node));
  }
  /** 1 where x > 0, else 0 (the Heaviside step with step(0) = 0); zero gradient. */
  step(): Tensor {
    return new Tensor(b.cast(b.compare(this.node, 0, "gt"), "f32"));
  }

  // ---- comparisons: bool masks ----
  lt(o: TensorLike): Tensor {
    return new Tensor(b.compare(this.node, nodeOf(o), "lt"));
  }
  le(o: TensorLike): Tensor {
    return new Tensor(b.compare(this.node, nodeOf(o), "le"));
  }
  gt(o: TensorLike): Tensor {
    return new Tensor(b.compare(this.node, nodeOf(o), "gt"));
  }
  ge(o: TensorLike): Tensor {
    return new Tensor(b.compare(this.node, nodeOf(o), "ge"));
  }
  eq(o: TensorLike): Tensor {
    return new Tensor(b.compare(this.node, nodeOf(o), "eq"));
  }
  ne(o: TensorLike): Tensor {
    return new Tensor(b.compare(this.node, nodeOf(o), "ne"));
  }
  /** For a bool mask: `this ? a : b` elementwise. */
  select(a: TensorLike, otherwise: TensorLike): Tensor {
    return new Tensor(b.select(this.node, nodeOf(a), nodeOf(otherwise)));
  }

  // ---- activations (seed 004 §2.4; conventions at kinks follow the seed) ----
  sigmoid(): Tensor {
    return new Tensor(b.sigmoid(this.node));
  }
  tanh(): Tensor {
    return new Tensor(b.tanh(this.node));
  }
  /** max(x, 0); derivative 1 for x > 0 and 0 otherwise (so relu'(0) = 0). */
  relu(): Tensor {
    return new Tensor(b.select(b.compare(this.node, 0, "gt"), this.node, 0));
  }
  /** max(x, k·x) for 0 < k < 1; derivative 1 for x > 0 and k otherwise. */
  leakyRelu(k = 0.01): Tensor {
    return new Tensor(b.select(b.compare(this.node, 0, "gt"), this.node, b.mul(this.node, k)));
  }
  /** Clamp to [-1, 1]; derivative 1 on the closed interval [-1, 1] and 0 outside. */
  hardTanh(): Tensor {
    const x = this.node;
    return new Tensor(b.select(b.compare(x, -1, "lt"), -1, b.select(b.compare(x, 1, "gt"), 1, x)));
  }
  /** x / (1 + |x|); derivative 1 / (1 + |x|)². (Seed 004 prints sgn(z)/(1+z)², a typo.) */
  softSign(): Tensor {
    return new Tensor(b.div(this.node, b.add(b.abs(this.node), 1)));
  }

  // ---- reductions (axes default to all; negative axes count from the end) ----
  sum(axes?: number | readonly number[], keepdims = false): Tensor {
    return new Tensor(b.sum(this.node, axesOf("sum", this.node, axes), keepdims));
  }
  mean(axes?: number | readonly number[], keepdims = false): Tensor {
    const ax = axesOf("mean", this.node, axes);
    const count = ax.reduce((n, a) => n * this.shape[a]!, 1);
    return new Tensor(b.div(b.sum(this.node, ax, keepdims), count));
  }
  max(axes?: number | readonly number[], keepdims = false): Tensor {
    return new Tensor(b.max(this.node, axesOf("max", this.node, axes), keepdims));
  }
  /** log Σ exp(x), computed as m + log Σ exp(x − m) with m = max(x) held constant. */
  logsumexp(axes?: number | readonly number[], keepdims = false): Tensor {
    const ax = axesOf("logsumexp", this.node, axes);
    const m = b.stopGradient(b.max(this.node, ax, true));
    const lse = b.add(b.log(b.sum(b.exp(b.sub(this.node, m)), ax, true)), m);
    return new Tensor(
      keepdims
        ? lse
        : b.reshape(
            lse,
            this.shape.filter((_, i) => !ax.includes(i)),
          ),
    );
  }
  /** exp(x − logsumexp(x)) along `axis`: numerically stable for any logits. */
  softmax(axis = -1): Tensor {
    return this.logSoftmax(axisOf("softmax", this.node, axis)).exp();
  }
  /** x − logsumexp(x) along `axis`. */
  logSoftmax(axis = -1): Tensor {
    return this.sub(this.logsumexp(axisOf("logSoftmax", this.node, axis), true));
  }

  // ---- linear algebra ----
  /**
   * Matrix product over the last two axes with batch axes broadcast (NumPy `matmul`); a rank-1
   * operand is treated as a row (left) or column (right) vector and that axis is dropped.
   */
  matmul(o: Tensor): Tensor {
    const a = this.rank === 1 ? b.reshape(this.node, [1, this.shape[0]!]) : this.node;
    const c = o.rank === 1 ? b.reshape(o.node, [o.shape[0]!, 1]) : o.node;
    let r = b.matmul(a, c);
    if (this.rank === 1 || o.rank === 1) {
      const keep = r.shape.filter(
        (_, i) =>
          !((this.rank === 1 && i === r.shape.length - 2) || (o.rank === 1 && i === r.shape.length - 1)),
      );
      r = b.reshape(r, keep);
    }
    return new Tensor(r);
  }
  /** Outer product of two vectors: [m] ⊗ [n] → [m, n]. */
  outer(o: Tensor): Tensor {
    if (this.rank !== 1 || o.rank !== 1) {
      throw new WasmgradError(`outer expects two vectors, got ranks ${this.rank} and ${o.rank}`, {
        op: "outer",
        location: this.node.src,
      });
    }
    return this.reshape([this.shape[0]!, 1]).mul(o.reshape([1, o.shape[0]!]));
  }

  // ---- movement ----
  /** New shape with the same elements; one entry may be -1 (inferred). */
  reshape(shape: readonly number[]): Tensor {
    const known = shape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const inferred = shape.map((d) => (d === -1 ? (known === 0 ? 0 : this.size / known) : d));
    if (shape.filter((d) => d === -1).length > 1 || !inferred.every(Number.isInteger)) {
      // let the primitive's shape rule report the mismatch with the op name and the line
      return new Tensor(b.reshape(this.node, shape));
    }
    return new Tensor(b.reshape(this.node, inferred));
  }
  /** Permutes axes; by default reverses them. */
  transpose(perm?: readonly number[]): Tensor {
    const p = perm
      ? perm.map((a) => axisOf("transpose", this.node, a))
      : this.shape.map((_, i) => this.rank - 1 - i);
    return new Tensor(b.transpose(this.node, p));
  }
  /** Swaps the last two axes (matrix transpose). */
  get T(): Tensor {
    const p = this.shape.map((_, i) => i);
    if (this.rank >= 2) [p[this.rank - 2], p[this.rank - 1]] = [p[this.rank - 1]!, p[this.rank - 2]!];
    return new Tensor(b.transpose(this.node, p));
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return new Tensor(b.broadcastTo(this.node, shape));
  }
  /** Elements start, start+step, ... below stop along one axis (negative start/stop count from the end). */
  slice(axis: number, start: number, stop?: number, step = 1): Tensor {
    const a = axisOf("slice", this.node, axis);
    const dim = this.shape[a]!;
    const resolve = (v: number) => (v < 0 ? v + dim : v);
    const starts = this.shape.map((_, i) => (i === a ? resolve(start) : 0));
    const stops = this.shape.map((d, i) => (i === a ? resolve(stop ?? dim) : d));
    const steps = this.shape.map((_, i) => (i === a ? step : 1));
    return new Tensor(b.slice(this.node, starts, stops, steps));
  }
  /** The sub-tensor at `index` along `axis`, with that axis removed. */
  index(axis: number, index: number): Tensor {
    const a = axisOf("index", this.node, axis);
    const i = index < 0 ? index + this.shape[a]! : index;
    return this.slice(a, i, i + 1).reshape(this.shape.filter((_, k) => k !== a));
  }
  /** Rows of this table (axis 0) picked by i32 `ids`: the embedding lookup. */
  gather(ids: Tensor): Tensor {
    return new Tensor(b.gather(this.node, ids.node));
  }
  cast(dtype: DType): Tensor {
    return new Tensor(b.cast(this.node, dtype));
  }
  /** The same value, treated as a constant by differentiation. */
  stopGradient(): Tensor {
    return new Tensor(b.stopGradient(this.node));
  }
}
