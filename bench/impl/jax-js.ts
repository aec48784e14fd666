/**
 * jax-js (`@jax-js/jax`) on its WebAssembly device. The whole training step (value-and-grad and
 * the SGD update) is one `jit`-compiled function, as one would write it in JAX:
 *
 *   step = jit((params, x, y) => { [loss, g] = valueAndGrad(lossFn)(params, x, y);
 *                                  return [loss, params - lr * g]; })
 *
 * jax-js arrays are reference counted and every call takes ownership of its arguments, so inputs
 * that are used again are passed as `.ref`. jax-js is lazy: `dataSync()` realises the result (and
 * consumes that reference). In W4 the timed loop waits with `blockUntilReady()` (async, no copy of
 * C); the other workloads read their results with `dataSync()` like the other peers.
 *
 * Threads: jax-js only starts its worker pool when `SharedArrayBuffer` and a global `Worker` exist;
 * Node has no global `Worker`, so it runs single-threaded here (recorded by `setup`). Its code
 * generator emits 128-bit SIMD and uses relaxed-SIMD fused multiply-add only where the engine
 * validates it (recorded too).
 */
import { defaultDevice, init, jit, lax, nn, numpy as np, valueAndGrad } from "@jax-js/jax";
import { W6_PARAMS, w6Shapes } from "../lib/data.js";
import { packageVersion, RELAXED_SIMD_FLAG } from "../lib/machine.js";
import type {
  F32,
  Impl,
  InferRunner,
  MatmulRunner,
  Params,
  TrainRunner,
  W1Data,
  W2Data,
  W3Data,
  W4Data,
  W6Data,
} from "../lib/types.js";

type Arr = np.Array;
type MlpParams = { W1: Arr; b1: Arr; W2: Arr; b2: Arr };
type RnnParams = { Wx: Arr; Wh: Arr; bh: Arr; Wy: Arr; by: Arr };
const RNN_PARAMS = ["Wx", "Wh", "bh", "Wy", "by"] as const;

// The relaxed-SIMD f32x4.relaxed_madd probe jax-js itself uses.
const RELAXED_MADD_PROBE = "0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b";

function relaxedMaddSupported(): boolean {
  const bytes = new Uint8Array(RELAXED_MADD_PROBE.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(RELAXED_MADD_PROBE.slice(2 * i, 2 * i + 2), 16);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

function f32(a: Arr): F32 {
  return new Float32Array(a.dataSync() as Float32Array); // consumes the reference
}

type ParamArrays<K extends string> = Record<K, Arr>;

/**
 * The training runner of W1, W2 and W6: the params are a record of arrays named `names`, and one
 * `jit` runs the whole SGD step, `[loss, params] = step(params, x, y)` (it consumes the old params;
 * the inputs, used again, are passed as `.ref`).
 */
function sgdRunner<K extends string>(
  names: readonly K[],
  initial: () => ParamArrays<K>,
  lossFn: (p: ParamArrays<K>, x: Arr, y: Arr) => Arr,
  lr: number,
  x: Arr,
  y: Arr,
): TrainRunner {
  type Tree = Record<string, Arr>; // jax-js's pytree types do not map a generic record
  const pick = (f: (k: K) => Arr): Tree => Object.fromEntries(names.map((k) => [k, f(k)]));
  const loss = lossFn as (p: Tree, x: Arr, y: Arr) => Arr;
  const trainStep = jit((p: Tree, x: Arr, y: Arr): [Arr, Tree] => {
    const [value, g] = valueAndGrad(loss)(
      pick((k) => p[k]!.ref),
      x,
      y,
    );
    return [value, pick((k) => p[k]!.sub(g[k]!.mul(lr)))];
  });
  let params = initial();
  const disposeParams = () => names.forEach((k) => params[k].dispose());
  return {
    reset() {
      disposeParams();
      params = initial();
    },
    step() {
      const [value, next] = trainStep(params, x.ref, y.ref); // consumes the old params
      params = next as ParamArrays<K>;
      return value.dataSync()[0]!;
    },
    params(): Params {
      return Object.fromEntries(names.map((k) => [k, f32(params[k].ref)]));
    },
    dispose() {
      disposeParams();
      x.dispose();
      y.dispose();
      trainStep.dispose();
    },
  };
}

function mlpTrain(d: W1Data): TrainRunner {
  const { batch: B, inDim: D, hidden: H, classes: C, lr } = d;
  const x = np.array(d.x, { shape: [B, D] });
  const y = np.array(d.y, { shape: [B], dtype: np.int32 });
  const initial = (): MlpParams => ({
    W1: np.array(d.params.W1!, { shape: [D, H] }),
    b1: np.array(d.params.b1!, { shape: [H] }),
    W2: np.array(d.params.W2!, { shape: [H, C] }),
    b2: np.array(d.params.b2!, { shape: [C] }),
  });
  const lossFn = (p: MlpParams, x: Arr, y: Arr): Arr => {
    const h = nn.relu(np.matmul(x, p.W1).add(p.b1));
    const logits = np.matmul(h, p.W2).add(p.b2);
    // softmax cross-entropy with integer labels, mean over the batch
    return nn
      .logSoftmax(logits, -1)
      .mul(nn.oneHot(y, C))
      .sum()
      .mul(-1 / B);
  };
  return sgdRunner(["W1", "b1", "W2", "b2"], initial, lossFn, lr, x, y);
}

/**
 * W2: jax-js has no loop construct (no `lax.scan` / `fori_loop`), so the loss function unrolls the
 * T steps in JavaScript while `jit` traces it: the whole step (forward over T steps, BPTT through
 * `valueAndGrad`, SGD) becomes one compiled program. As in JAX with `lax.scan`, the cell computes
 * h = tanh(x_t·Wx + h·Wh + bh) per step and the output layer and the loss run once over the
 * stacked hidden states [T·B, H].
 */
function rnnTrain(d: W2Data): TrainRunner {
  const { steps: T, batch: B, inDim: D, hidden: H, classes: V, lr } = d;
  const shapes: Record<(typeof RNN_PARAMS)[number], number[]> = {
    Wx: [D, H],
    Wh: [H, H],
    bh: [H],
    Wy: [H, V],
    by: [V],
  };
  const x = np.array(d.x, { shape: [T, B, D] });
  const y = np.array(d.y, { shape: [T * B], dtype: np.int32 });
  const initial = (): RnnParams => {
    const p = {} as RnnParams;
    for (const k of RNN_PARAMS) p[k] = np.array(d.params[k]!, { shape: shapes[k] });
    return p;
  };
  const lossFn = (p: RnnParams, x: Arr, y: Arr): Arr => {
    let h: Arr = np.zeros([B, H]);
    const hs: Arr[] = [];
    for (let t = 0; t < T; t++) {
      h = np.tanh(np.matmul(x.ref.slice(t), p.Wx.ref).add(np.matmul(h, p.Wh.ref)).add(p.bh.ref));
      hs.push(h.ref);
    }
    [h, x, p.Wx, p.Wh, p.bh].forEach((a) => a.dispose());
    const logits = np.matmul(np.concatenate(hs, 0), p.Wy).add(p.by); // [T·B, V]
    // softmax cross-entropy with integer labels, mean over the T·B rows
    return nn
      .logSoftmax(logits, -1)
      .mul(nn.oneHot(y, V))
      .sum()
      .mul(-1 / (T * B));
  };
  return sgdRunner(RNN_PARAMS, initial, lossFn, lr, x, y);
}

function mlpInfer(d: W3Data): InferRunner {
  const { inDim, hidden, classes } = d;
  const p = d.params;
  const W1 = np.array(p.W1!, { shape: [inDim, hidden] });
  const b1 = np.array(p.b1!, { shape: [hidden] });
  const W2 = np.array(p.W2!, { shape: [hidden, hidden] });
  const b2 = np.array(p.b2!, { shape: [hidden] });
  const W3 = np.array(p.W3!, { shape: [hidden, classes] });
  const b3 = np.array(p.b3!, { shape: [classes] });
  const forward = jit((W1: Arr, b1: Arr, W2: Arr, b2: Arr, W3: Arr, b3: Arr, x: Arr): Arr => {
    const h1 = nn.relu(np.matmul(x, W1).add(b1));
    const h2 = nn.relu(np.matmul(h1, W2).add(b2));
    return nn.softmax(np.matmul(h2, W3).add(b3), -1);
  });
  return {
    infer(input: F32, out: F32): void {
      const x = np.array(input, { shape: [1, inDim] });
      const probs = forward(W1.ref, b1.ref, W2.ref, b2.ref, W3.ref, b3.ref, x);
      out.set(probs.dataSync() as Float32Array);
    },
    dispose() {
      [W1, b1, W2, b2, W3, b3].forEach((a) => a.dispose());
      forward.dispose();
    },
  };
}

function matmulRunner(d: W4Data): MatmulRunner {
  const a = np.array(d.a, { shape: [d.n, d.n] });
  const b = np.array(d.b, { shape: [d.n, d.n] });
  const mm = jit((a: Arr, b: Arr): Arr => np.matmul(a, b));
  let c: Arr | undefined;
  return {
    async runAsync() {
      c?.dispose();
      c = mm(a.ref, b.ref);
      await c.blockUntilReady();
    },
    result() {
      c ??= mm(a.ref, b.ref);
      return f32(c.ref);
    },
    dispose() {
      c?.dispose();
      a.dispose();
      b.dispose();
      mm.dispose();
    },
  };
}

type LenetParams = Record<(typeof W6_PARAMS)[number], Arr>;

/**
 * W6: LeNet-5 as one would write it in JAX: `lax.conv` (NCHW inputs, OIHW filters: PyTorch's
 * layout is also lax.conv's default), max pooling as `lax.reduceWindow` with `np.max` over 2×2
 * windows of stride 2 (JAX's `nn.max_pool` is `lax.reduce_window` with `lax.max`), and the whole
 * step (value-and-grad and the SGD update) in one `jit`.
 */
function lenetTrain(d: W6Data): TrainRunner {
  const { batch: B, size: S, channels: C, classes: K, lr } = d;
  const shapes = w6Shapes(d);
  const x = np.array(d.x, { shape: [B, C, S, S] });
  const y = np.array(d.y, { shape: [B], dtype: np.int32 });
  const initial = (): LenetParams =>
    Object.fromEntries(
      W6_PARAMS.map((k) => [k, np.array(d.params[k]!, { shape: shapes[k] })]),
    ) as LenetParams;
  const pool = (a: Arr) => lax.reduceWindow(a, (w: Arr) => np.max(w), [2, 2], [2, 2]);
  const block = (a: Arr, w: Arr, b: Arr, padding: "SAME" | "VALID") =>
    pool(nn.relu(lax.conv(a, w, [1, 1], padding).add(b.reshape([-1, 1, 1]))));
  const lossFn = (p: LenetParams, x: Arr, y: Arr): Arr => {
    const a1 = block(x, p.c1, p.c1b, "SAME");
    const a2 = block(a1, p.c2, p.c2b, "VALID");
    const h1 = nn.relu(np.matmul(a2.reshape([B, 400]), p.f1).add(p.f1b));
    const h2 = nn.relu(np.matmul(h1, p.f2).add(p.f2b));
    const logits = np.matmul(h2, p.f3).add(p.f3b);
    return nn
      .logSoftmax(logits, -1)
      .mul(nn.oneHot(y, K))
      .sum()
      .mul(-1 / B);
  };
  return sgdRunner(W6_PARAMS, initial, lossFn, lr, x, y);
}

/** jax-js as is, and in a process with relaxed SIMD on (its code generator then fuses mul+add). */
function jaxImpl(relaxed: boolean): Impl {
  return {
    id: relaxed ? "jax-js-relaxed" : "jax-js",
    ...(relaxed ? { execArgv: [RELAXED_SIMD_FLAG] } : {}),
    async setup() {
      const devices = await init("wasm");
      if (!devices.includes("wasm"))
        return { notes: [], skip: `wasm device unavailable (got ${devices.join(", ")})` };
      defaultDevice("wasm");
      const workers =
        typeof SharedArrayBuffer !== "undefined" &&
        typeof (globalThis as { Worker?: unknown }).Worker !== "undefined";
      return {
        notes: [
          `@jax-js/jax ${packageVersion("@jax-js/jax")}, device 'wasm', jit over the whole step`,
          `SIMD 128-bit; relaxed-SIMD madd ${relaxed ? `on (measured with node ${RELAXED_SIMD_FLAG})` : relaxedMaddSupported() ? "available" : "not available in this engine (plain mul+add)"}; ` +
            (workers ? "worker pool enabled (multi-threaded)" : "single thread (no global Worker in Node)"),
        ],
      };
    },
    async w1(d: W1Data) {
      return mlpTrain(d);
    },
    async w2(d: W2Data) {
      return rnnTrain(d);
    },
    async w3(d: W3Data) {
      return mlpInfer(d);
    },
    async w4(d: W4Data) {
      return matmulRunner(d);
    },
    async w6(d: W6Data) {
      return lenetTrain(d);
    },
  };
}

export const jaxJs = jaxImpl(false);
export const jaxJsRelaxed = jaxImpl(true);
