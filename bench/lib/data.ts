/**
 * Seeded benchmark data. Everything is generated once per run and the same typed arrays are handed
 * to every implementation (the native peer gets them through a binary file).
 */
import type { F32, Params, W1Data, W2Data, W3Data, W4Data, W6Data } from "./types.js";

/** mulberry32: a small, well-mixed 32-bit PRNG. Returns floats in [0, 1) with 24-bit resolution
 * (exact in f32). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    return (t >>> 8) / 16777216;
  };
}

function uniform(rand: () => number, size: number, lo: number, hi: number): F32 {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/** Xavier/Glorot uniform init for a [fanIn, fanOut] matrix. */
function xavier(rand: () => number, fanIn: number, fanOut: number): F32 {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(rand, fanIn * fanOut, -a, a);
}

export const SEED = 20240611;

export function makeW1Data(seed = SEED): W1Data {
  const rand = prng(seed ^ 0x0001);
  const batch = 32;
  const inDim = 784;
  const hidden = 128;
  const classes = 10;
  const x = uniform(rand, batch * inDim, 0, 1); // pixel-like intensities
  const y = new Int32Array(batch);
  for (let i = 0; i < batch; i++) y[i] = Math.floor(rand() * classes);
  const params: Params = {
    W1: xavier(rand, inDim, hidden),
    b1: uniform(rand, hidden, -0.1, 0.1),
    W2: xavier(rand, hidden, classes),
    b2: uniform(rand, classes, -0.1, 0.1),
  };
  return { batch, inDim, hidden, classes, lr: 0.1, x, y, params };
}

/**
 * W2 rnn-bptt: Elman RNN, T = 32 steps, B = 16, D = 64 → H = 128 (tanh) → V = 64 (softmax per
 * step), SGD lr 0.1 (as W1).
 * - x [T, B, D] (time-major), dense, uniform in [-1, 1];
 * - y [T, B] i32, uniform in [0, V) (the initial loss is 4.3786, a little above ln 64 ≈ 4.16);
 * - Wx [D, H], Wh [H, H], Wy [H, V]: Xavier/Glorot uniform, U(±√(6 / (fanIn + fanOut))), drawn in
 *   that order after x and y; bh [H] and by [V] are zero.
 */
export function makeW2Data(seed = SEED): W2Data {
  const rand = prng(seed ^ 0x0002);
  const steps = 32;
  const batch = 16;
  const inDim = 64;
  const hidden = 128;
  const classes = 64;
  const x = uniform(rand, steps * batch * inDim, -1, 1);
  const y = new Int32Array(steps * batch);
  for (let i = 0; i < y.length; i++) y[i] = Math.floor(rand() * classes);
  const params: Params = {
    Wx: xavier(rand, inDim, hidden),
    Wh: xavier(rand, hidden, hidden),
    bh: new Float32Array(hidden),
    Wy: xavier(rand, hidden, classes),
    by: new Float32Array(classes),
  };
  return { steps, batch, inDim, hidden, classes, lr: 0.1, x, y, params };
}

export const W3_INPUTS = 16;

export function makeW3Data(seed = SEED): W3Data {
  const rand = prng(seed ^ 0x0003);
  const inDim = 64;
  const hidden = 64;
  const classes = 10;
  const inputs: F32[] = [];
  for (let i = 0; i < W3_INPUTS; i++) inputs.push(uniform(rand, inDim, -1, 1));
  const params: Params = {
    W1: xavier(rand, inDim, hidden),
    b1: uniform(rand, hidden, -0.1, 0.1),
    W2: xavier(rand, hidden, hidden),
    b2: uniform(rand, hidden, -0.1, 0.1),
    W3: xavier(rand, hidden, classes),
    b3: uniform(rand, classes, -0.1, 0.1),
  };
  return { inDim, hidden, classes, inputs, params };
}

export function makeW4Data(n: number, seed = SEED): W4Data {
  const rand = prng(seed ^ (0x0400 + n));
  return { n, a: uniform(rand, n * n, -1, 1), b: uniform(rand, n * n, -1, 1) };
}

/**
 * W6 lenet-train: x uniform in [0, 1] (pixel-like), y uniform in [0, 10); every weight Xavier/Glorot
 * uniform with PyTorch's fans for a convolution (fan in C·k·k, fan out O·k·k), biases U(±0.1);
 * drawn in the order of W6Data.params.
 */
export function makeW6Data(seed = SEED): W6Data {
  const rand = prng(seed ^ 0x0006);
  const batch = 32;
  const size = 28;
  const channels = 1;
  const classes = 10;
  const x = uniform(rand, batch * channels * size * size, 0, 1);
  const y = new Int32Array(batch);
  for (let i = 0; i < batch; i++) y[i] = Math.floor(rand() * classes);
  const conv = (o: number, c: number, k: number) => {
    const a = Math.sqrt(6 / (c * k * k + o * k * k));
    return uniform(rand, o * c * k * k, -a, a);
  };
  const bias = (n: number) => uniform(rand, n, -0.1, 0.1);
  const params: Params = {
    c1: conv(6, channels, 5),
    c1b: bias(6),
    c2: conv(16, 6, 5),
    c2b: bias(16),
    f1: xavier(rand, 400, 120),
    f1b: bias(120),
    f2: xavier(rand, 120, 84),
    f2b: bias(84),
    f3: xavier(rand, 84, classes),
    f3b: bias(classes),
  };
  return { batch, size, channels, classes, lr: 0.1, x, y, params };
}

/** The parameter names of W6, in the order of W6Data.params. */
export const W6_PARAMS = ["c1", "c1b", "c2", "c2b", "f1", "f1b", "f2", "f2b", "f3", "f3b"] as const;

/** W6's parameter shapes in PyTorch's layout (filters [O, C, k, k], dense weights [in, out]). */
export function w6Shapes(
  d: Pick<W6Data, "channels" | "classes">,
): Record<(typeof W6_PARAMS)[number], number[]> {
  const { channels: C, classes: K } = d;
  return {
    c1: [6, C, 5, 5],
    c1b: [6],
    c2: [16, 6, 5, 5],
    c2b: [16],
    f1: [400, 120],
    f1b: [120],
    f2: [120, 84],
    f2b: [84],
    f3: [84, K],
    f3b: [K],
  };
}

/** Deep copy of a parameter set. */
export function cloneParams(p: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(p)) out[k] = v.slice();
  return out;
}
