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

/** A training-step runner (W1). */
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

/** Check values of the W1 protocol: losses of steps 1..3 and the parameters after step 1. */
export interface W1Check {
  readonly losses: readonly number[];
  readonly paramsAfter1: Params;
}

/** A peer measured out of process (native C): check values and timings from one run. */
export interface External<C> {
  readonly kind: "external";
  readonly check: C;
  readonly measurement: Measurement;
}

export type W1Prepared = TrainRunner | External<W1Check>;
export type W3Prepared = InferRunner | External<F32[]>;
export type W4Prepared = MatmulRunner | External<F32>;

export interface SetupResult {
  /** Lines describing how the peer is configured (backend, SIMD, threads, versions). */
  readonly notes: readonly string[];
  /** When set, the peer is skipped with this reason (printed, not an error). */
  readonly skip?: string;
}

export interface Impl {
  /** Short id used in tables and on the command line, e.g. "tfjs-wasm". */
  readonly id: string;
  /** One-time set-up: load backends, compile, detect features. */
  setup(plan: TimingPlan): Promise<SetupResult>;
  w1?(data: W1Data, plan: TimingPlan): Promise<W1Prepared>;
  // W2 (rnn-bptt, truncated BPTT) is reserved: add `w2?(data: W2Data, plan): Promise<...>` here.
  w3?(data: W3Data, plan: TimingPlan): Promise<W3Prepared>;
  w4?(data: W4Data, plan: TimingPlan): Promise<W4Prepared>;
  teardown?(): Promise<void>;
}

export function isExternal<C>(p: object): p is External<C> {
  return (p as { kind?: unknown }).kind === "external";
}
