/**
 * The contract between the harness (bench/run.ts, bench/lib/protocol.ts) and each implementation
 * (bench/impl/*).
 *
 * An implementation exposes small primitives (one training step, one inference call, one matmul);
 * the harness owns the protocol (lib/protocol.ts): check values from a fresh state, then warm-up
 * and timing; the check against the plain-JS reference happens in the harness process. The
 * native C peer runs the same protocol in its own program and hands back its check values and
 * timings (`External`).
 */

/** Typed arrays over ordinary (non-shared) buffers, as the peers' APIs expect. */
export type F32 = Float32Array<ArrayBuffer>;
export type I32 = Int32Array<ArrayBuffer>;

/** Named f32 tensors, row-major (parameters of a model). */
export type Params = Record<string, F32>;

/** W1: batch 32, 784 → 128 ReLU → 10, softmax cross-entropy (mean), SGD(0.1). */
export interface W1Data {
  readonly batch: number;
  readonly inDim: number;
  readonly hidden: number;
  readonly classes: number;
  readonly lr: number;
  /** [batch, inDim] */
  readonly x: F32;
  /** [batch], class ids in [0, classes) */
  readonly y: I32;
  /** Initial W1 [inDim, hidden], b1 [hidden], W2 [hidden, classes], b2 [classes]. */
  readonly params: Params;
}

/**
 * W2: Elman RNN trained with full backpropagation through time over the T steps.
 *   h_0 = 0; h_{t+1} = tanh(x_t·Wx + h_t·Wh + bh); logits_t = h_{t+1}·Wy + by;
 *   loss = mean over the T·B pairs (t, b) of softmax cross-entropy(logits_t[b], y_t[b]);
 * then one SGD step on Wx, Wh, bh, Wy, by with learning rate `lr`.
 */
export interface W2Data {
  /** T: unroll length. */
  readonly steps: number;
  /** B */
  readonly batch: number;
  /** D */
  readonly inDim: number;
  /** H (tanh) */
  readonly hidden: number;
  /** V (softmax per step) */
  readonly classes: number;
  readonly lr: number;
  /** [T, B, D], time-major: x_t = x[t·B·D .. (t+1)·B·D) */
  readonly x: F32;
  /** [T, B], class ids in [0, classes), time-major */
  readonly y: I32;
  /** Initial Wx [D, H], Wh [H, H], bh [H], Wy [H, V], by [V]. */
  readonly params: Params;
}

/** W3: batch 1, 64 → 64 ReLU → 64 ReLU → 10 softmax, one call from JS. */
export interface W3Data {
  readonly inDim: number;
  readonly hidden: number;
  readonly classes: number;
  /** Distinct input vectors [inDim], cycled through by the timing loop. */
  readonly inputs: readonly F32[];
  /** W1 [64, 64], b1 [64], W2 [64, 64], b2 [64], W3 [64, 10], b3 [10]. */
  readonly params: Params;
}

/** W4: C = A · B with A, B of shape [n, n]. */
export interface W4Data {
  readonly n: number;
  readonly a: F32;
  readonly b: F32;
}

/**
 * W6 lenet-train: LeNet-5 (with ReLU and max pooling, as it is written today) on MNIST-sized
 * images, PyTorch's layout (NCHW inputs, OIHW filters, x·W dense layers):
 *   x [B, 1, 28, 28] → conv 6 × 5×5, padding 2 → relu → max pool 2 → [B, 6, 14, 14]
 *     → conv 16 × 5×5 → relu → max pool 2 → [B, 16, 5, 5] → flatten (c, h, w) → 400
 *     → dense 120 relu → dense 84 relu → dense 10; softmax cross-entropy (mean), SGD(lr).
 */
export interface W6Data {
  readonly batch: number;
  /** Image side (28) and channels (1). */
  readonly size: number;
  readonly channels: number;
  readonly classes: number;
  readonly lr: number;
  /** [batch, channels, size, size] */
  readonly x: F32;
  /** [batch] class ids in [0, classes) */
  readonly y: I32;
  /** c1 [6, 1, 5, 5], c1b [6], c2 [16, 6, 5, 5], c2b [16], f1 [400, 120], f1b [120], f2 [120, 84],
   * f2b [84], f3 [84, 10], f3b [10]. */
  readonly params: Params;
}

/** A training-step runner (W1, W2, W6). */
export interface TrainRunner {
  /** Restores the initial parameters (not timed). */
  reset(): void;
  /** One complete, synchronous step (forward + backward + update); returns the loss. */
  step(): number;
  /** A copy of the current parameters. */
  params(): Params;
  /** Per-workload details for the report (e.g. compile time). */
  readonly notes?: readonly string[];
  dispose?(): void;
}

/** An inference runner (W3): writes `x`, runs the network, reads the probabilities into `out`. */
export interface InferRunner {
  infer(x: F32, out: F32): void;
  readonly notes?: readonly string[];
  dispose?(): void;
}

/** A matmul runner (W4). Exactly one of `run` / `runAsync` is set. */
export interface MatmulRunner {
  /** Computes C = A·B; when it returns, C is complete in the implementation's memory. */
  run?(): void;
  /** For lazy runtimes that can only wait asynchronously without copying C out. */
  runAsync?(): Promise<void>;
  /** A copy of C. */
  result(): F32;
  readonly notes?: readonly string[];
  dispose?(): void;
}

export interface TimingPlan {
  /** Minimum warm-up time before calibration, in ms. */
  readonly warmupMs: number;
  /** Each repeat runs enough iterations to take at least this long, in ms. */
  readonly targetMs: number;
  readonly repeats: number;
}

/** Per-iteration times of each repeat, in ms. */
export interface Measurement {
  readonly perIterMs: readonly number[];
  readonly iterationsPerRepeat: number;
  readonly warmupIterations: number;
  /** Process CPU time / wall time over the repeats (about 1 when the CPU was not contended;
   * can exceed 1 when background threads such as V8's compiler or GC ran). */
  readonly cpuShare?: number;
}

/** Check values of the training protocol (W1, W2, W6): losses of steps 1..3 and the parameters after
 * step 1. */
export interface TrainCheck {
  readonly losses: readonly number[];
  readonly paramsAfter1: Params;
}
export type W1Check = TrainCheck;
export type W2Check = TrainCheck;

/** A peer measured out of process (native C): check values and timings from one run. */
export interface External<C> {
  readonly kind: "external";
  readonly check: C;
  readonly measurement: Measurement;
}

export type W1Prepared = TrainRunner | External<W1Check>;
export type W2Prepared = TrainRunner | External<W2Check>;
export type W3Prepared = InferRunner | External<F32[]>;
export type W4Prepared = MatmulRunner | External<F32>;
export type W6Prepared = TrainRunner | External<TrainCheck>;

export interface SetupResult {
  /** Lines describing how the peer is configured (backend, SIMD, threads, versions). */
  readonly notes: readonly string[];
  /** When set, the peer is skipped with this reason (printed, not an error). */
  readonly skip?: string;
}

export interface Impl {
  /** Short id used in tables and on the command line, e.g. "tfjs-wasm". */
  readonly id: string;
  /** Node flags its measuring process needs (e.g. to enable a WebAssembly feature). */
  readonly execArgv?: readonly string[];
  /** One-time set-up: load backends, compile, detect features. */
  setup(plan: TimingPlan): Promise<SetupResult>;
  w1?(data: W1Data, plan: TimingPlan): Promise<W1Prepared>;
  /** Optional: a peer without it is listed as "not implemented" for W2 (see bench/README.md). */
  w2?(data: W2Data, plan: TimingPlan): Promise<W2Prepared>;
  w3?(data: W3Data, plan: TimingPlan): Promise<W3Prepared>;
  w4?(data: W4Data, plan: TimingPlan): Promise<W4Prepared>;
  w6?(data: W6Data, plan: TimingPlan): Promise<W6Prepared>;
  teardown?(): Promise<void>;
}

export function isExternal<C>(p: object): p is External<C> {
  return (p as { kind?: unknown }).kind === "external";
}
