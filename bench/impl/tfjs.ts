/**
 * TensorFlow.js (tfjs-core 4.x) with the WebAssembly backend (XNNPACK, SIMD) or the pure-JS CPU
 * backend. Idiomatic use: variables + `tf.train.sgd(lr).minimize(f, true, vars)` (which runs
 * `tf.variableGrads` and the update inside `tf.tidy`), `tf.losses.softmaxCrossEntropy` on one-hot
 * labels, and the loss read back with `dataSync()` so every step is complete when it returns.
 *
 * In Node the wasm backend loads `tfjs-backend-wasm-simd.wasm` from node_modules. It is
 * single-threaded there: tfjs disables its threaded build under Node (WASM_HAS_MULTITHREAD_SUPPORT
 * is false when IS_NODE), and `setup` records the thread count XNNPACK reports.
 *
 * `@tensorflow/tfjs-core`'s Node bundle registers no gradient functions (they live in ES-module
 * files that Node cannot load from that CommonJS package); importing the `@tensorflow/tfjs` union
 * package registers them on the same tfjs-core instance, exactly as an application using tfjs
 * would get them.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs"; // registers the gradient functions (see above)
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
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
import { W6_PARAMS, w6Shapes } from "../lib/data.js";

type Backend = "wasm" | "cpu";

async function use(backend: Backend): Promise<void> {
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tf.setBackend('${backend}') failed`);
  }
  await tf.ready();
}

function copy(t: tf.Tensor): F32 {
  return new Float32Array(t.dataSync() as Float32Array); // dataSync may alias backend memory
}

/** One `optimizer.minimize` step; returns the loss, read back (so the step is complete). */
function minimizeStep(opt: tf.Optimizer, lossFn: () => tf.Scalar, varList: tf.Variable[]): number {
  const loss = opt.minimize(lossFn, true, varList)!;
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}

async function mlpTrain(backend: Backend, d: W1Data): Promise<TrainRunner> {
  await use(backend);
  const x = tf.tensor2d(d.x, [d.batch, d.inDim]);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.y, "int32"), d.classes), "float32"));
  const shapes: Record<string, number[]> = {
    W1: [d.inDim, d.hidden],
    b1: [d.hidden],
    W2: [d.hidden, d.classes],
    b2: [d.classes],
  };
  const vars: Record<string, tf.Variable> = {};
  for (const [k, shape] of Object.entries(shapes)) {
    const init = tf.tensor(d.params[k]!, shape);
    vars[k] = tf.variable(init);
    init.dispose();
  }
  const { W1, b1, W2, b2 } = vars as Record<"W1" | "b1" | "W2" | "b2", tf.Variable>;
  const varList = [W1, b1, W2, b2];
  const opt = tf.train.sgd(d.lr);
  const lossFn = (): tf.Scalar => {
    const h = tf.relu(tf.add(tf.matMul(x, W1), b1));
    const logits = tf.add(tf.matMul(h, W2), b2);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar; // mean over the batch
  };
  return {
    reset() {
      tf.tidy(() => {
        for (const [k, v] of Object.entries(vars)) v.assign(tf.tensor(d.params[k]!, shapes[k]));
      });
    },
    step: () => minimizeStep(opt, lossFn, varList),
    params(): Params {
      const out: Params = {};
      for (const [k, v] of Object.entries(vars)) out[k] = copy(v);
      return out;
    },
    dispose() {
      tf.dispose([x, labels, ...varList]);
      opt.dispose();
    },
  };
}

/**
 * W2 as a TensorFlow.js user writes a hand-rolled RNN: the time loop in JavaScript inside the loss
 * function (h = tanh(x_t·Wx + h·Wh + bh), as tfjs-layers' SimpleRNNCell computes it), the hidden
 * states of all steps concatenated for one output layer and one `tf.losses.softmaxCrossEntropy`
 * (mean over the T·B rows, like a Dense layer after an RNN with returnSequences), and
 * `optimizer.minimize` to differentiate through the loop (BPTT) and apply SGD.
 */
async function rnnTrain(backend: Backend, d: W2Data): Promise<TrainRunner> {
  await use(backend);
  const { steps: T, batch: B, inDim: D, hidden: H, classes: V } = d;
  // the inputs of every step, kept as T tensors [B, D]
  const xs = tf.tidy(() => tf.unstack(tf.tensor3d(d.x, [T, B, D])));
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.y, "int32"), V), "float32")); // [T·B, V]
  const h0 = tf.zeros([B, H]);
  const shapes: Record<string, number[]> = { Wx: [D, H], Wh: [H, H], bh: [H], Wy: [H, V], by: [V] };
  const vars: Record<string, tf.Variable> = {};
  for (const [k, shape] of Object.entries(shapes)) {
    const init = tf.tensor(d.params[k]!, shape);
    vars[k] = tf.variable(init);
    init.dispose();
  }
  const { Wx, Wh, bh, Wy, by } = vars as Record<"Wx" | "Wh" | "bh" | "Wy" | "by", tf.Variable>;
  const varList = [Wx, Wh, bh, Wy, by];
  const opt = tf.train.sgd(d.lr);
  const lossFn = (): tf.Scalar => {
    let h: tf.Tensor = h0;
    const hs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      h = tf.tanh(tf.add(tf.add(tf.matMul(xs[t]!, Wx), tf.matMul(h, Wh)), bh));
      hs.push(h);
    }
    const logits = tf.add(tf.matMul(tf.concat(hs, 0), Wy), by); // [T·B, V]
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar; // mean over the T·B rows
  };
  return {
    reset() {
      tf.tidy(() => {
        for (const [k, v] of Object.entries(vars)) v.assign(tf.tensor(d.params[k]!, shapes[k]));
      });
    },
    step: () => minimizeStep(opt, lossFn, varList),
    params(): Params {
      const out: Params = {};
      for (const [k, v] of Object.entries(vars)) out[k] = copy(v);
      return out;
    },
    dispose() {
      tf.dispose([...xs, labels, h0, ...varList]);
      opt.dispose();
    },
  };
}

async function mlpInfer(backend: Backend, d: W3Data): Promise<InferRunner> {
  await use(backend);
  const p = d.params;
  const W1 = tf.tensor2d(p.W1!, [d.inDim, d.hidden]);
  const b1 = tf.tensor1d(p.b1!);
  const W2 = tf.tensor2d(p.W2!, [d.hidden, d.hidden]);
  const b2 = tf.tensor1d(p.b2!);
  const W3 = tf.tensor2d(p.W3!, [d.hidden, d.classes]);
  const b3 = tf.tensor1d(p.b3!);
  const inDim = d.inDim;
  return {
    infer(input: F32, out: F32): void {
      const probs = tf.tidy(() => {
        const x = tf.tensor2d(input, [1, inDim]);
        const h1 = tf.relu(tf.add(tf.matMul(x, W1), b1));
        const h2 = tf.relu(tf.add(tf.matMul(h1, W2), b2));
        return tf.softmax(tf.add(tf.matMul(h2, W3), b3));
      });
      out.set(probs.dataSync() as Float32Array);
      probs.dispose();
    },
    dispose() {
      tf.dispose([W1, b1, W2, b2, W3, b3]);
    },
  };
}

async function matmulRunner(backend: Backend, d: W4Data): Promise<MatmulRunner> {
  await use(backend);
  const a = tf.tensor2d(d.a, [d.n, d.n]);
  const b = tf.tensor2d(d.b, [d.n, d.n]);
  let c: tf.Tensor | undefined;
  return {
    // Both backends execute kernels eagerly and synchronously: C is complete when matMul returns.
    run() {
      c?.dispose();
      c = tf.matMul(a, b);
    },
    result() {
      if (!c) c = tf.matMul(a, b);
      return copy(c);
    },
    dispose() {
      tf.dispose([a, b]);
      c?.dispose();
    },
  };
}

/** [N, C, H, W] → [N, H, W, C] (PyTorch's layout to TensorFlow's). */
function nchwToNhwc(a: F32, N: number, C: number, H: number, W: number): F32 {
  const out = new Float32Array(a.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H * W; i++) out[(n * H * W + i) * C + c] = a[(n * C + c) * H * W + i]!;
  return out;
}

/** Filters [O, C, k, k] → [k, k, C, O] (`inverse`: back). */
function oihwToHwio(a: F32, O: number, C: number, k: number, inverse = false): F32 {
  const out = new Float32Array(a.length);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++)
      for (let t = 0; t < k * k; t++) {
        const oihw = (o * C + c) * k * k + t;
        const hwio = (t * C + c) * O + o;
        if (inverse) out[oihw] = a[hwio]!;
        else out[hwio] = a[oihw]!;
      }
  return out;
}

/** The rows of the first dense layer [C·H·W, n] in the order an NHWC flatten produces, (h, w, c)
 * instead of (c, h, w) (`inverse`: back). */
function flattenRowsToHwc(a: F32, C: number, HW: number, n: number, inverse = false): F32 {
  const out = new Float32Array(a.length);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < HW; i++) {
      const chw = (c * HW + i) * n;
      const hwc = (i * C + c) * n;
      if (inverse) out.set(a.subarray(hwc, hwc + n), chw);
      else out.set(a.subarray(chw, chw + n), hwc);
    }
  return out;
}

/**
 * W6 as a TensorFlow.js user writes LeNet-5: NHWC images, HWIO filters, `tf.conv2d`,
 * `tf.maxPool`, and `optimizer.minimize`. The data and parameters are converted from PyTorch's
 * layout once, outside the timing, and back for the check.
 *
 * On the wasm backend `tf.conv2d` cannot be trained: tfjs-backend-wasm 4.22 registers Conv2D and
 * Conv2DBackpropInput but no Conv2DBackpropFilter kernel, so `minimize` throws "Kernel
 * 'Conv2DBackpropFilter' not registered for backend 'wasm'". There the convolutions are written
 * as `tf.conv3d` over a depth of 1, the same arithmetic, whose three kernels (Conv3D,
 * Conv3DBackpropInputV2, Conv3DBackpropFilterV2) the wasm backend has.
 */
async function lenetTrain(backend: Backend, d: W6Data): Promise<TrainRunner> {
  await use(backend);
  const { batch: B, size: S, channels: C, classes: K } = d;
  const x = tf.tensor4d(nchwToNhwc(d.x, B, C, S, S), [B, S, S, C]);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.y, "int32"), K), "float32"));
  const toTf: Record<string, (a: F32) => F32> = {
    c1: (a) => oihwToHwio(a, 6, C, 5),
    c2: (a) => oihwToHwio(a, 16, 6, 5),
    f1: (a) => flattenRowsToHwc(a, 16, 25, 120),
  };
  const fromTf: Record<string, (a: F32) => F32> = {
    c1: (a) => oihwToHwio(a, 6, C, 5, true),
    c2: (a) => oihwToHwio(a, 16, 6, 5, true),
    f1: (a) => flattenRowsToHwc(a, 16, 25, 120, true),
  };
  // filters in TensorFlow's HWIO layout: [k, k, C, O]
  const shapes: Record<string, number[]> = Object.fromEntries(
    Object.entries(w6Shapes(d)).map(([k, s]) => [k, s.length === 4 ? [s[2]!, s[3]!, s[1]!, s[0]!] : s]),
  );
  const initial = (k: string) => tf.tensor((toTf[k] ?? ((a: F32) => a))(d.params[k]!), shapes[k]);
  const vars: Record<string, tf.Variable> = {};
  for (const k of W6_PARAMS) {
    const init = initial(k);
    vars[k] = tf.variable(init);
    init.dispose();
  }
  const v = vars as Record<(typeof W6_PARAMS)[number], tf.Variable>;
  const varList = W6_PARAMS.map((k) => vars[k]!);
  const opt = tf.train.sgd(d.lr);
  const conv = (input: tf.Tensor4D, filter: tf.Variable, pad: "same" | "valid"): tf.Tensor4D => {
    if (backend === "cpu") return tf.conv2d(input, filter as tf.Tensor4D, 1, pad);
    const [n, h, w, c] = input.shape;
    const [k, , , o] = filter.shape as number[];
    const out = tf.conv3d(
      input.reshape<tf.Tensor5D>([n, 1, h, w, c]),
      filter.reshape<tf.Tensor5D>([1, k!, k!, c, o!]),
      1,
      pad,
    );
    const [, , ho, wo] = out.shape;
    return out.reshape<tf.Tensor4D>([n, ho, wo, o!]);
  };
  const block = (input: tf.Tensor4D, filter: tf.Variable, bias: tf.Variable, pad: "same" | "valid") =>
    tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(conv(input, filter, pad), bias)), 2, 2, "valid");
  const lossFn = (): tf.Scalar => {
    const a1 = block(x, v.c1, v.c1b, "same");
    const a2 = block(a1, v.c2, v.c2b, "valid");
    const h1 = tf.relu(tf.add(tf.matMul(a2.reshape([B, 400]), v.f1), v.f1b));
    const h2 = tf.relu(tf.add(tf.matMul(h1, v.f2), v.f2b));
    const logits = tf.add(tf.matMul(h2, v.f3), v.f3b);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar; // mean over the batch
  };
  return {
    ...(backend === "wasm"
      ? {
          notes: [
            "convolutions as tf.conv3d over a depth of 1 (the wasm backend has no Conv2DBackpropFilter)",
          ],
        }
      : {}),
    reset() {
      tf.tidy(() => {
        for (const k of W6_PARAMS) vars[k]!.assign(initial(k));
      });
    },
    step: () => minimizeStep(opt, lossFn, varList),
    params(): Params {
      const out: Params = {};
      for (const k of W6_PARAMS) out[k] = (fromTf[k] ?? ((a: F32) => a))(copy(vars[k]!));
      return out;
    },
    dispose() {
      tf.dispose([x, labels, ...varList]);
      opt.dispose();
    },
  };
}

function tfjsImpl(backend: Backend): Impl {
  return {
    id: `tfjs-${backend}`,
    async setup() {
      tf.enableProdMode(); // only silences tfjs' console notices
      await use(backend);
      const notes = [`@tensorflow/tfjs-core ${tf.version_core}, backend '${tf.getBackend()}'`];
      if (backend === "wasm") {
        const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
        notes.push(
          `binary: ${simd ? (mt ? "tfjs-backend-wasm-threaded-simd.wasm" : "tfjs-backend-wasm-simd.wasm") : "tfjs-backend-wasm.wasm"}` +
            ` (SIMD ${simd ? "on" : "OFF"}, threads: ${mt ? "supported" : "not used under Node"}; XNNPACK threads = ${getThreadsCount()})`,
        );
      } else {
        notes.push("pure JavaScript kernels, single thread");
      }
      return { notes };
    },
    w1: (d: W1Data) => mlpTrain(backend, d),
    w2: (d: W2Data) => rnnTrain(backend, d),
    w3: (d: W3Data) => mlpInfer(backend, d),
    w4: (d: W4Data) => matmulRunner(backend, d),
    w6: (d: W6Data) => lenetTrain(backend, d),
    async teardown() {
      tf.disposeVariables();
    },
  };
}

export const tfjsWasm = tfjsImpl("wasm");
export const tfjsCpu = tfjsImpl("cpu");
