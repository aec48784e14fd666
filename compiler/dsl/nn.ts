/**
 * Composite layers and losses, written entirely with primitives (through Tensor methods), so
 * they need no gradient or lowering rules of their own.
 */
import { WasmgradError } from "../errors.js";
import * as b from "../ir/build.js";
import { captureUserLocation } from "../ir/source.js";
import { shapeToString } from "../ir/shape.js";
import { windowGeometry } from "../ops/im2col.js";
import { axisOf } from "./axes.js";
import { Tensor, type TensorLike } from "./tensor.js";

function fail(op: string, detail: string): never {
  throw new WasmgradError(detail, { op, location: captureUserLocation() });
}

/** `cond ? a : c` elementwise (cond is a bool mask, e.g. `x.gt(0)`). */
export function where(cond: Tensor, a: TensorLike, c: TensorLike): Tensor {
  return cond.select(a, c);
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) fail("concat", "needs at least one tensor");
  return new Tensor(
    b.concat(
      xs.map((x) => x.node),
      axisOf("concat", xs[0]!.node, axis),
    ),
  );
}

/** Joins equally shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) fail("stack", "needs at least one tensor");
  const a = axisOf("stack", xs[0]!.node, axis, xs[0]!.rank + 1);
  return concat(
    xs.map((x) => x.reshape([...x.shape.slice(0, a), 1, ...x.shape.slice(a)])),
    a,
  );
}

/** f32 one-hot rows: out[..., k] = (ids[...] == k) for k < depth. */
export function oneHot(ids: Tensor, depth: number): Tensor {
  if (ids.dtype !== "i32") fail("oneHot", `ids must be i32, got ${ids.dtype}`);
  return new Tensor(b.oneHot(ids.node, depth));
}

// ---- activations as functions (same as the Tensor methods) ----
export const relu = (x: Tensor) => x.relu();
export const sigmoid = (x: Tensor) => x.sigmoid();
export const tanh = (x: Tensor) => x.tanh();
export const softmax = (x: Tensor, axis = -1) => x.softmax(axis);
export const logSoftmax = (x: Tensor, axis = -1) => x.logSoftmax(axis);
/**
 * log(1 + e^x), computed as max(x, 0) + log(1 + e^−|x|) so it never overflows. The max is
 * `maximum` (tie split 1/2 : 1/2), not relu (derivative 0 at 0): with abs'(0) = 0 the second term
 * contributes nothing at x = 0, so only the split gives the true derivative softplus'(0) = σ(0) = 1/2.
 */
export function softplus(x: Tensor): Tensor {
  return x.maximum(0).add(x.abs().neg().exp().add(1).log());
}

/**
 * log σ(x) = −softplus(−x), computed as min(x, 0) − log1p(e^−|x|) so it never overflows and stays
 * accurate where σ(x) is near 1 (log1p of a tiny e^−|x|): log σ(−100) = −100, log σ(100) ≈
 * −3.7e−44, neither −Infinity nor 0 from a rounded log(σ). As in softplus, `minimum` splits its
 * tie ½ : ½ and abs'(0) = 0, which gives the true derivative (log σ)'(0) = 1 − σ(0) = 1/2.
 */
export function logSigmoid(x: Tensor): Tensor {
  return x.minimum(0).sub(x.abs().neg().exp().log1p());
}

// ---- layers ----

/** x·W + b for x [..., in], W [in, out], b [out]. */
export function dense(x: Tensor, W: Tensor, bias?: Tensor): Tensor {
  const y = x.matmul(W);
  return bias ? y.add(bias) : y;
}

/**
 * 1-D convolution over time as in the CNN text classifier (seed 002): for x [batch, n, d] (or
 * [n, d]) and filters W [h, d, F], out[t, f] = Σ_{j<h, c<d} x[t+j, c] · W[j, c, f] (+ bias[f]),
 * t = 0 .. n−h ("valid" windows, stride 1). Lowered as im2col (h shifted slices concatenated on the
 * feature axis) followed by one matmul with W viewed as [h·d, F].
 */
export function conv1d(x: Tensor, W: Tensor, bias?: Tensor): Tensor {
  if (W.rank !== 3)
    fail("conv1d", `filters must be [window, channels, filters], got ${shapeToString(W.shape)}`);
  if (x.rank !== 2 && x.rank !== 3)
    fail(
      "conv1d",
      `input must be [time, channels] or [batch, time, channels], got ${shapeToString(x.shape)}`,
    );
  const [h, d, f] = W.shape as [number, number, number];
  const n = x.shape[x.rank - 2]!;
  if (x.shape[x.rank - 1] !== d) {
    fail(
      "conv1d",
      `input has ${x.shape[x.rank - 1]} channels but the filters expect ${d} (input ${shapeToString(x.shape)}, filters ${shapeToString(W.shape)})`,
    );
  }
  if (h > n) fail("conv1d", `window ${h} is longer than the sequence (${n} steps)`);
  const timeAxis = x.rank - 2;
  const windows = Array.from({ length: h }, (_, j) => x.slice(timeAxis, j, n - h + 1 + j));
  const columns = windows.length === 1 ? windows[0]! : concat(windows, -1);
  return dense(columns, W.reshape([h * d, f]), bias);
}

function poolWindows(x: Tensor, window: number, stride: number, axis: number, op: string): Tensor {
  const a = axisOf(op, x.node, axis);
  const n = x.shape[a]!;
  if (!(Number.isInteger(window) && window >= 1 && window <= n))
    fail(op, `window ${window} must be between 1 and the axis length ${n}`);
  if (!(Number.isInteger(stride) && stride >= 1))
    fail(op, `stride must be a positive integer, got ${stride}`);
  const count = Math.floor((n - window) / stride) + 1;
  // windows[j] holds element j of every window; stacked on a new trailing axis
  const parts = Array.from({ length: window }, (_, j) => x.slice(a, j, j + (count - 1) * stride + 1, stride));
  return stack(parts, a + 1);
}

/** Max over sliding windows along `axis` (default: the time axis of [batch, time, channels]). */
export function maxPool1d(x: Tensor, window: number, stride = window, axis = -2): Tensor {
  const a = axisOf("maxPool1d", x.node, axis);
  return poolWindows(x, window, stride, a, "maxPool1d").max(a + 1);
}

export function avgPool1d(x: Tensor, window: number, stride = window, axis = -2): Tensor {
  const a = axisOf("avgPool1d", x.node, axis);
  return poolWindows(x, window, stride, a, "avgPool1d").mean(a + 1);
}

/** A size per spatial axis: one number for both, or [height, width]. */
export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** Step between windows, per spatial axis (default 1). */
  readonly stride?: Pair;
  /** Zeros added on each side, per spatial axis (default 0). */
  readonly padding?: Pair;
}

function pairOf(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= min)) {
    fail(
      op,
      `${name} must be ${min === 0 ? "a non-negative" : "a positive"} integer or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p;
}

/** [N, C, H, W] (or [C, H, W], as a batch of one): the input of the 2-D layers, checked. */
function images(op: string, x: Tensor): { x4: Tensor; batched: boolean } {
  if (x.rank !== 3 && x.rank !== 4) {
    fail(
      op,
      `input must be [batch, channels, height, width] or [channels, height, width], got ${shapeToString(x.shape)}`,
    );
  }
  return { x4: x.rank === 4 ? x : x.reshape([1, ...x.shape]), batched: x.rank === 4 };
}

/**
 * The k×l windows at `stride` of a [N, C, H, W] image batch as columns [N, C, k·l, outH, outW]
 * (one im2col kernel; column (c, i, j) holds element (i, j) of every window of channel c).
 */
function windows2d(x: Tensor, [k, l]: [number, number], stride: [number, number], op: string): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (k > H || l > W) fail(op, `window ${k}×${l} is larger than the (padded) image ${H}×${W}`);
  const { oh, ow } = windowGeometry([C, H, W], { kernel: [k, l], stride });
  return new Tensor(b.im2col(x.node, [k, l], stride)).reshape([N, C, k * l, oh, ow]);
}

/**
 * 2-D convolution (seed 002, "Convolution in two dimension") in PyTorch's layout and semantics
 * (`torch.nn.functional.conv2d`, which is cross-correlation): x [N, C, H, W] (or [C, H, W]),
 * filters W [O, C, k, l], bias [O]; out[n, o, y, x] = Σ_{c, i, j} xp[n, c, y·sh + i, x·sw + j] ·
 * W[o, c, i, j] + bias[o], with xp the input zero-padded by `padding` on each side; out is
 * [N, O, ⌊(H + 2ph − k)/sh⌋ + 1, ⌊(W + 2pw − l)/sw⌋ + 1].
 *
 * A composite of the im2col primitive (ops/im2col.ts: the windows of the padded input as columns
 * [N, C·k·l, outH·outW], ordered (c, i, j) as W[o] flattens) and one matmul with W viewed as
 * [O, C·k·l], whose result [N, O, outH·outW] is already NCHW: the matmul runs the backend's tuned
 * kernel, and the gradients come from the matmul's and im2col's rules (the input's through col2im,
 * which sums the overlapping windows' parts back).
 */
export function conv2d(x: Tensor, W: Tensor, bias?: Tensor, options: Conv2dOptions = {}): Tensor {
  const op = "conv2d";
  if (W.rank !== 4)
    fail(op, `filters must be [out channels, in channels, height, width], got ${shapeToString(W.shape)}`);
  const { x4, batched } = images(op, x);
  const [O, C, k, l] = W.shape as [number, number, number, number];
  if (x4.shape[1] !== C) {
    fail(
      op,
      `input has ${x4.shape[1]} channels but the filters expect ${C} (input ${shapeToString(x.shape)}, filters ${shapeToString(W.shape)})`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) {
    fail(op, `bias must be [${O}] (one per output channel), got ${shapeToString(bias.shape)}`);
  }
  const stride = pairOf(op, "stride", options.stride ?? 1, 1);
  const [ph, pw] = pairOf(op, "padding", options.padding ?? 0, 0);
  const padded = ph || pw ? new Tensor(b.pad(x4.node, [0, 0, ph, pw], [0, 0, ph, pw])) : x4;
  const windows = windows2d(padded, [k, l], stride, op); // [N, C, k·l, outH, outW]
  const [N, , , outH, outW] = windows.shape as [number, number, number, number, number];
  const columns = windows.reshape([N, C * k * l, outH * outW]);
  let y = W.reshape([O, C * k * l])
    .matmul(columns)
    .reshape([N, O, outH, outW]);
  if (bias) y = y.add(bias.reshape([O, 1, 1]));
  return batched ? y : y.reshape(y.shape.slice(1));
}

function pool2d(
  op: string,
  x: Tensor,
  window: Pair,
  stride: Pair | undefined,
  reduce: "max" | "mean",
): Tensor {
  const { x4, batched } = images(op, x);
  const size = pairOf(op, "window", window, 1);
  const windows = windows2d(x4, size, pairOf(op, "stride", stride ?? window, 1), op);
  const y = reduce === "max" ? windows.max(2) : windows.mean(2);
  return batched ? y : y.reshape(y.shape.slice(1));
}

/**
 * 2-D max pooling over [k, l] windows at `stride` (default: the window, no overlap) of
 * [N, C, H, W] (or [C, H, W]), as `torch.nn.functional.max_pool2d` without padding. A composite:
 * the max over each window's column of im2col, whose gradient routes each output's cotangent to the
 * element that was the maximum (reduce_max's VJP splits it evenly among tied maxima, where PyTorch gives
 * it all to the first).
 */
export function maxPool2d(x: Tensor, window: Pair, stride?: Pair): Tensor {
  return pool2d("maxPool2d", x, window, stride, "max");
}

/** 2-D average pooling, as `torch.nn.functional.avg_pool2d` without padding. */
export function avgPool2d(x: Tensor, window: Pair, stride?: Pair): Tensor {
  return pool2d("avgPool2d", x, window, stride, "mean");
}

/** Max over the whole time axis (the CNN text classifier's pooling). */
export function maxOverTime(x: Tensor, axis = -2): Tensor {
  return x.max(axis);
}

/**
 * Inverted dropout: in training, keeps each element with probability `keep` and scales kept ones
 * by 1/keep, so the layer is the identity in expectation; in evaluation it is the identity (seed
 * 004 §2.3). Which one runs is the entry's mode (compiler/ops/mode.ts): `train_step` and
 * `backward` train, `forward` evaluates unless compiled with `forwardMode: "train"` (Monte-Carlo
 * dropout), and the interpreter trains unless given `mode: "eval"`. The mask comes from the
 * counter-based random primitive keyed by `seed` (an i32 scalar input, e.g. the step number), so
 * the interpreter and compiled code draw the same mask. `salt` separates dropout layers; by
 * default it is the id of x's node.
 */
export function dropout(x: Tensor, keep: number, seed: Tensor, salt = x.node.id): Tensor {
  if (!(keep > 0 && keep <= 1)) fail("dropout", `keep probability must be in (0, 1], got ${keep}`);
  if (keep === 1) return x;
  const u = new Tensor(b.randomUniform(seed.node, x.shape, salt));
  const dropped = x.mul(u.lt(keep).cast("f32")).div(keep);
  return new Tensor(b.select(b.training(x.node.ctx), dropped.node, x.node));
}

// ---- losses: a per-example value, then reduced ----

export type Reduction = "mean" | "sum" | "none";
export interface LossOptions {
  /** How per-example losses are combined: "mean" (default), "sum", or "none" (the vector). */
  readonly reduction?: Reduction;
}

function reduce(perExample: Tensor, options: LossOptions | undefined): Tensor {
  const r = options?.reduction ?? "mean";
  return r === "none" ? perExample : r === "sum" ? perExample.sum() : perExample.mean();
}

function sameShapes(op: string, a: Tensor, c: Tensor): void {
  if (shapeToString(a.shape) !== shapeToString(c.shape)) {
    fail(
      op,
      `prediction ${shapeToString(a.shape)} and target ${shapeToString(c.shape)} must have the same shape`,
    );
  }
}

/** ½‖y − ŷ‖² per example (over the last axis; a scalar prediction is one example). */
export function squaredLoss(pred: Tensor, target: Tensor, options?: LossOptions): Tensor {
  sameShapes("squaredLoss", pred, target);
  const sq = pred.sub(target).square().mul(0.5);
  return reduce(pred.rank === 0 ? sq : sq.sum(-1), options);
}

export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /**
   * A label that marks an example to ignore (PyTorch's `ignore_index`), such as −1 for padding:
   * its loss and gradient are 0, and "mean" divides by the examples not ignored. It must lie
   * outside [0, C), so that it cannot be mistaken for a class. Without it every label must be a
   * class: run(), grad() and train() reject any other label.
   */
  readonly ignoreIndex?: number;
}

/**
 * −log softmax(logits)[label] per example; logits [..., C], labels [...] i32 class ids in [0, C).
 * With `ignoreIndex`, examples labelled with it are ignored, and "mean" is the mean over the
 * examples not ignored, as in PyTorch and TensorFlow (0, not NaN, when every example is ignored,
 * so that a batch of padding does not turn the weights into NaN).
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options?: SoftmaxCrossEntropyOptions,
): Tensor {
  const op = "softmaxCrossEntropy";
  if (labels.dtype !== "i32") fail(op, `labels must be i32 class ids, got ${labels.dtype}`);
  if (shapeToString(logits.shape.slice(0, -1)) !== shapeToString(labels.shape)) {
    fail(
      op,
      `logits ${shapeToString(logits.shape)} need labels of shape ${shapeToString(logits.shape.slice(0, -1))}, got ${shapeToString(labels.shape)}`,
    );
  }
  const ignore = options?.ignoreIndex;
  const C = logits.shape[logits.shape.length - 1];
  if (ignore !== undefined && (!Number.isInteger(ignore) || (C !== undefined && ignore >= 0 && ignore < C))) {
    fail(
      op,
      `ignoreIndex must be an integer outside the classes [0, ${C}) of logits ${shapeToString(logits.shape)}, ` +
        `got ${String(ignore)} (relabel ignored examples with -1, say)`,
    );
  }
  // one primitive (ops/softmax_xent.ts), so that the loss and its gradient become one kernel
  const rows = new Tensor(b.softmaxXent(logits.node, labels.node, ignore === undefined ? {} : { ignore }));
  if (ignore === undefined || (options?.reduction ?? "mean") !== "mean") return reduce(rows, options);
  // the mean over the examples not ignored (their count, at least 1)
  const counted = labels.ne(ignore).cast("f32").sum().maximum(1);
  return rows.sum().div(counted);
}

/** Binary cross-entropy from logits z and targets y ∈ [0, 1]: softplus(z) − y·z, per element. */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options?: LossOptions): Tensor {
  sameShapes("binaryCrossEntropyWithLogits", logits, targets);
  return reduce(softplus(logits).sub(targets.mul(logits)), options);
}

/** Logistic loss log(1 + exp(−y·z)) for labels y ∈ {−1, +1} (seed 001 §1.1.2), per element. */
export function logisticLoss(scores: Tensor, labels: Tensor, options?: LossOptions): Tensor {
  sameShapes("logisticLoss", scores, labels);
  return reduce(softplus(labels.mul(scores).neg()), options);
}

/**
 * Max-margin (hinge) objective max(0, Δ + s_c − s) of seed 004 §1.4, with s the score of the true
 * window and s_c of the corrupt one; per element. Subgradient 0 at the kink (relu convention).
 */
export function hingeLoss(
  score: Tensor,
  corruptScore: Tensor,
  options?: LossOptions & { margin?: number },
): Tensor {
  sameShapes("hingeLoss", score, corruptScore);
  return reduce(
    corruptScore
      .sub(score)
      .add(options?.margin ?? 1)
      .relu(),
    options,
  );
}

/** Σ w² over all the given tensors (multiply by λ/2 for the usual weight-decay term). */
export function l2Penalty(...ws: readonly Tensor[]): Tensor {
  if (ws.length === 0) fail("l2Penalty", "needs at least one tensor");
  return ws.map((w) => w.square().sum()).reduce((a, c) => a.add(c));
}

/** Σ |w| over all the given tensors. */
export function l1Penalty(...ws: readonly Tensor[]): Tensor {
  if (ws.length === 0) fail("l1Penalty", "needs at least one tensor");
  return ws.map((w) => w.abs().sum()).reduce((a, c) => a.add(c));
}
