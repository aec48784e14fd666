/**
 * Plain JavaScript: straightforward loops over Float32Array, buffers allocated once, i-k-j loop
 * order for the matrix products, including the weight gradients xᵀ·dh and hᵀ·dl (the inner loop
 * runs over contiguous rows; dl · W2ᵀ is written as dot products of rows, its natural contiguous
 * form). Values are stored in
 * f32; JavaScript evaluates each expression in f64 before the store rounds it. This peer is also
 * the numerical reference the others are checked against.
 */
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
import { cloneParams, W6_PARAMS } from "../lib/data.js";

/** C[m×n] = A[m×k] · B[k×n] (C is overwritten). */
function matmul(a: F32, b: F32, c: F32, m: number, k: number, n: number): void {
  c.fill(0);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j]! += aip * b[bp + j]!;
    }
  }
}

/** out[m×n] = A[m×k] · B[k×n] + bias[n], optionally followed by ReLU. */
function dense(a: F32, w: F32, bias: F32, out: F32, m: number, k: number, n: number, relu: boolean): void {
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let j = 0; j < n; j++) out[oi + j] = bias[j]!;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      const wp = p * n;
      for (let j = 0; j < n; j++) out[oi + j]! += aip * w[wp + j]!;
    }
    if (relu) for (let j = 0; j < n; j++) if (!(out[oi + j]! > 0)) out[oi + j] = 0;
  }
}

/** Row-wise softmax in place. */
function softmaxRows(z: F32, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const o = i * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, z[o + j]!);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(z[o + j]! - max);
      z[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) z[o + j]! *= inv;
  }
}

/**
 * Mean softmax cross-entropy of `rows` rows of `classes` logits against the labels `y`, and its
 * gradient (p - onehot(y)) / rows written to `dl` (which may be `logits` itself: each element is
 * read before it is overwritten).
 */
function softmaxCrossEntropy(
  logits: Float32Array,
  y: Int32Array,
  rows: number,
  classes: number,
  dl: Float32Array,
): number {
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[o + j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[o + j]! - max);
    const lse = max + Math.log(sum);
    const label = y[i]!;
    loss += lse - logits[o + label]!;
    for (let j = 0; j < classes; j++) {
      dl[o + j] = (Math.exp(logits[o + j]! - lse) - (j === label ? 1 : 0)) / rows;
    }
  }
  return loss / rows;
}

/** A training runner over a copy of `initial`, which `step` updates in place and `reset` restores. */
function paramsRunner(initial: Params, step: (p: Params) => number): TrainRunner {
  let p = cloneParams(initial);
  return {
    reset: () => {
      p = cloneParams(initial);
    },
    step: () => step(p),
    params: (): Params => cloneParams(p),
  };
}

export function mlpTrain(d: W1Data): TrainRunner {
  const { batch: B, inDim: D, hidden: H, classes: C, lr, x, y } = d;
  const z = new Float32Array(B * H); // pre-activation, then h = relu(z)
  const logits = new Float32Array(B * C);
  const dl = new Float32Array(B * C);
  const dh = new Float32Array(B * H);
  const gW1 = new Float32Array(D * H);
  const gb1 = new Float32Array(H);
  const gW2 = new Float32Array(H * C);
  const gb2 = new Float32Array(C);

  function step(p: Params): number {
    const W1 = p.W1!;
    const b1 = p.b1!;
    const W2 = p.W2!;
    const b2 = p.b2!;
    // forward
    dense(x, W1, b1, z, B, D, H, true); // z now holds h = relu(x W1 + b1)
    dense(z, W2, b2, logits, B, H, C, false);
    // softmax cross-entropy (mean over the batch) and dlogits = (p - onehot(y)) / B
    const loss = softmaxCrossEntropy(logits, y, B, C, dl);
    // dW2 = hᵀ dl (i-k-j: row i of hᵀ is column i of h), db2 = Σ dl
    gW2.fill(0);
    for (let i = 0; i < H; i++) {
      const gi = i * C;
      for (let k = 0; k < B; k++) {
        const hki = z[k * H + i]!;
        const dk = k * C;
        for (let j = 0; j < C; j++) gW2[gi + j]! += hki * dl[dk + j]!;
      }
    }
    gb2.fill(0);
    for (let k = 0; k < B; k++) for (let j = 0; j < C; j++) gb2[j]! += dl[k * C + j]!;
    // dh = dl W2ᵀ, masked by relu'(z) (0 at z <= 0)
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < H; j++) {
        if (!(z[i * H + j]! > 0)) {
          dh[i * H + j] = 0;
          continue;
        }
        let s = 0;
        for (let c = 0; c < C; c++) s += dl[i * C + c]! * W2[j * C + c]!;
        dh[i * H + j] = s;
      }
    }
    // dW1 = xᵀ dh (i-k-j), db1 = Σ dh
    gW1.fill(0);
    for (let i = 0; i < D; i++) {
      const gi = i * H;
      for (let k = 0; k < B; k++) {
        const xki = x[k * D + i]!;
        const dk = k * H;
        for (let j = 0; j < H; j++) gW1[gi + j]! += xki * dh[dk + j]!;
      }
    }
    gb1.fill(0);
    for (let k = 0; k < B; k++) for (let j = 0; j < H; j++) gb1[j]! += dh[k * H + j]!;
    // SGD
    for (let i = 0; i < W1.length; i++) W1[i]! -= lr * gW1[i]!;
    for (let i = 0; i < b1.length; i++) b1[i]! -= lr * gb1[i]!;
    for (let i = 0; i < W2.length; i++) W2[i]! -= lr * gW2[i]!;
    for (let i = 0; i < b2.length; i++) b2[i]! -= lr * gb2[i]!;
    return loss;
  }

  return paramsRunner(d.params, step);
}

/** C[k×n] = A[m×k]ᵀ · B[m×n] (C is overwritten): i-k-j, the inner loop over a row of B. */
function matmulTN(a: F32, b: F32, c: F32, m: number, k: number, n: number): void {
  c.fill(0);
  for (let i = 0; i < k; i++) {
    const ci = i * n;
    for (let r = 0; r < m; r++) {
      const ari = a[r * k + i]!;
      const br = r * n;
      for (let j = 0; j < n; j++) c[ci + j]! += ari * b[br + j]!;
    }
  }
}

/** out[n×m] = A[m×n]ᵀ. */
function transpose(a: F32, out: F32, m: number, n: number): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j]!;
}

/** sum[n] = Σ over the m rows of A[m×n]. */
function sumRows(a: F32, sum: F32, m: number, n: number): void {
  sum.fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sum[j]! += a[i * n + j]!;
}

/**
 * W2: Elman RNN with full BPTT. The recurrence runs step by step; the output layer, the loss and
 * the weight gradients, which do not depend on the order of the steps, run once over the T·B
 * rows of all steps (hidden states of every step are kept). The backward recurrence multiplies by
 * transposed copies of Wh and Wy (made each step, after the forward pass) so that every product is
 * an i-k-j loop over contiguous rows.
 */
export function rnnTrain(d: W2Data): TrainRunner {
  const { steps: T, batch: B, inDim: D, hidden: H, classes: V, lr, x, y } = d;
  const TB = T * B;
  const BH = B * H;
  const hs = new Float32Array((T + 1) * BH); // h_0 (zeros), h_1, ..., h_T
  const hsOut = hs.subarray(BH); // h_1 .. h_T: [T·B, H]
  const logits = new Float32Array(TB * V); // logits, then dlogits
  const da = new Float32Array(TB * H); // dL/d(pre-activation) of every step
  const dh = new Float32Array(BH); // dL/dh_{t+1} of the current step
  const WhT = new Float32Array(H * H);
  const WyT = new Float32Array(V * H);
  const gWx = new Float32Array(D * H);
  const gWh = new Float32Array(H * H);
  const gbh = new Float32Array(H);
  const gWy = new Float32Array(H * V);
  const gby = new Float32Array(V);

  function step(p: Params): number {
    const { Wx, Wh, bh, Wy, by } = p as Record<"Wx" | "Wh" | "bh" | "Wy" | "by", F32>;
    // forward: h_{t+1} = tanh(x_t Wx + h_t Wh + bh)
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const o = (t + 1) * BH + b * H; // row b of h_{t+1}
        const hp = t * BH + b * H; // row b of h_t
        const xr = (t * B + b) * D; // row b of x_t
        for (let j = 0; j < H; j++) hs[o + j] = bh[j]!;
        for (let k = 0; k < D; k++) {
          const xk = x[xr + k]!;
          const wk = k * H;
          for (let j = 0; j < H; j++) hs[o + j]! += xk * Wx[wk + j]!;
        }
        for (let k = 0; k < H; k++) {
          const hk = hs[hp + k]!;
          const wk = k * H;
          for (let j = 0; j < H; j++) hs[o + j]! += hk * Wh[wk + j]!;
        }
        for (let j = 0; j < H; j++) hs[o + j] = Math.tanh(hs[o + j]!);
      }
    }
    // output layer over all steps, softmax cross-entropy (mean over T·B), dlogits in place
    dense(hsOut, Wy, by, logits, TB, H, V, false);
    const loss = softmaxCrossEntropy(logits, y, TB, V, logits);
    const dl = logits;
    // backward through time: dh_{t+1} = dl_t Wyᵀ + da_{t+1} Whᵀ; da_t = dh_{t+1} (1 - h_{t+1}²)
    transpose(Wy, WyT, H, V);
    transpose(Wh, WhT, H, H);
    for (let t = T - 1; t >= 0; t--) {
      for (let b = 0; b < B; b++) {
        const o = b * H;
        const row = t * B + b;
        dh.fill(0, o, o + H);
        if (t < T - 1) {
          const an = (row + B) * H; // row b of da_{t+1}
          for (let k = 0; k < H; k++) {
            const ak = da[an + k]!;
            const wk = k * H;
            for (let j = 0; j < H; j++) dh[o + j]! += ak * WhT[wk + j]!;
          }
        }
        const lr0 = row * V;
        for (let c = 0; c < V; c++) {
          const lc = dl[lr0 + c]!;
          const wc = c * H;
          for (let j = 0; j < H; j++) dh[o + j]! += lc * WyT[wc + j]!;
        }
        const ar = row * H;
        const hr = (t + 1) * BH + o;
        for (let j = 0; j < H; j++) {
          const h = hs[hr + j]!;
          da[ar + j] = dh[o + j]! * (1 - h * h);
        }
      }
    }
    // weight gradients over all T·B rows
    matmulTN(hsOut, dl, gWy, TB, H, V);
    sumRows(dl, gby, TB, V);
    matmulTN(x, da, gWx, TB, D, H);
    matmulTN(hs, da, gWh, TB, H, H); // rows of h_0 .. h_{T-1} pair with da_0 .. da_{T-1}
    sumRows(da, gbh, TB, H);
    // SGD
    for (let i = 0; i < Wx.length; i++) Wx[i]! -= lr * gWx[i]!;
    for (let i = 0; i < Wh.length; i++) Wh[i]! -= lr * gWh[i]!;
    for (let i = 0; i < bh.length; i++) bh[i]! -= lr * gbh[i]!;
    for (let i = 0; i < Wy.length; i++) Wy[i]! -= lr * gWy[i]!;
    for (let i = 0; i < by.length; i++) by[i]! -= lr * gby[i]!;
    return loss;
  }

  return paramsRunner(d.params, step);
}

/** The positions i of an output axis whose input position i + k − pad falls inside [0, n). */
function validRange(k: number, pad: number, n: number, out: number): [number, number] {
  return [Math.max(0, pad - k), Math.min(out, n + pad - k)];
}

/**
 * out[b, o, i, j] = bias[o] + Σ_c Σ_ki Σ_kj x[b, c, i + ki − pad, j + kj − pad] · w[o, c, ki, kj]
 * (zero outside the image; stride 1), then ReLU. Shapes: x [B, C, H, W], w [O, C, k, k],
 * out [B, O, Ho, Wo] with Ho = H + 2·pad − k + 1.
 */
function conv2dRelu(
  x: F32,
  w: F32,
  bias: F32,
  out: F32,
  dims: { B: number; C: number; H: number; W: number; O: number; k: number; pad: number },
): void {
  const { B, C, H, W, O, k, pad } = dims;
  const Ho = H + 2 * pad - k + 1;
  const Wo = W + 2 * pad - k + 1;
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const ob = (b * O + o) * Ho * Wo;
      out.fill(bias[o]!, ob, ob + Ho * Wo);
      for (let c = 0; c < C; c++) {
        const xb = (b * C + c) * H * W;
        for (let ki = 0; ki < k; ki++) {
          const [i0, i1] = validRange(ki, pad, H, Ho);
          for (let kj = 0; kj < k; kj++) {
            const [j0, j1] = validRange(kj, pad, W, Wo);
            const wv = w[((o * C + c) * k + ki) * k + kj]!;
            for (let i = i0; i < i1; i++) {
              const orow = ob + i * Wo;
              const xrow = xb + (i + ki - pad) * W + kj - pad;
              for (let j = j0; j < j1; j++) out[orow + j]! += wv * x[xrow + j]!;
            }
          }
        }
      }
      for (let i = ob; i < ob + Ho * Wo; i++) if (!(out[i]! > 0)) out[i] = 0;
    }
  }
}

/**
 * The gradients of conv2dRelu from dz = dL/d(pre-activation) [B, O, Ho, Wo]: gw and gb
 * (overwritten) and, unless `dx` is null, dL/dx (overwritten).
 */
function conv2dBackward(
  x: F32,
  w: F32,
  dz: F32,
  gw: F32,
  gb: F32,
  dx: F32 | null,
  dims: { B: number; C: number; H: number; W: number; O: number; k: number; pad: number },
): void {
  const { B, C, H, W, O, k, pad } = dims;
  const Ho = H + 2 * pad - k + 1;
  const Wo = W + 2 * pad - k + 1;
  gw.fill(0);
  gb.fill(0);
  dx?.fill(0);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const ob = (b * O + o) * Ho * Wo;
      for (let i = ob; i < ob + Ho * Wo; i++) gb[o]! += dz[i]!;
      for (let c = 0; c < C; c++) {
        const xb = (b * C + c) * H * W;
        for (let ki = 0; ki < k; ki++) {
          const [i0, i1] = validRange(ki, pad, H, Ho);
          for (let kj = 0; kj < k; kj++) {
            const [j0, j1] = validRange(kj, pad, W, Wo);
            const wi = ((o * C + c) * k + ki) * k + kj;
            const wv = w[wi]!;
            let g = 0;
            for (let i = i0; i < i1; i++) {
              const orow = ob + i * Wo;
              const xrow = xb + (i + ki - pad) * W + kj - pad;
              for (let j = j0; j < j1; j++) {
                g += dz[orow + j]! * x[xrow + j]!;
                if (dx) dx[xrow + j]! += dz[orow + j]! * wv;
              }
            }
            gw[wi]! += g;
          }
        }
      }
    }
  }
}

/** 2×2 max pooling, stride 2, of a [BC, H, W] stack; `arg` records where each max came from (the
 * first of tied maxima, as PyTorch and TensorFlow route the gradient). */
function maxPool2(a: F32, out: F32, arg: Int32Array, BC: number, H: number, W: number): void {
  const Ho = H >> 1;
  const Wo = W >> 1;
  for (let p = 0; p < BC; p++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        let best = -Infinity;
        let at = 0;
        for (let di = 0; di < 2; di++) {
          for (let dj = 0; dj < 2; dj++) {
            const idx = (p * H + 2 * i + di) * W + 2 * j + dj;
            if (a[idx]! > best) {
              best = a[idx]!;
              at = idx;
            }
          }
        }
        const o = (p * Ho + i) * Wo + j;
        out[o] = best;
        arg[o] = at;
      }
    }
  }
}

/** dz = dL/d(pre-activation) of a ReLU layer whose pooled outputs have gradient `dout`: routed to
 * the max of each window, then masked by relu'(z) (0 where the activation `a` is 0). */
function maxPool2ReluBackward(dout: F32, arg: Int32Array, a: F32, dz: F32): void {
  dz.fill(0);
  for (let o = 0; o < dout.length; o++) dz[arg[o]!]! += dout[o]!;
  for (let i = 0; i < dz.length; i++) if (!(a[i]! > 0)) dz[i] = 0;
}

/** da[m×k] = dz[m×n] · W[k×n]ᵀ (dot products of contiguous rows), masked by relu'(a) if `relu`. */
function denseInputGrad(
  dz: F32,
  w: F32,
  a: F32,
  da: F32,
  m: number,
  k: number,
  n: number,
  relu: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      if (relu && !(a[i * k + p]! > 0)) {
        da[i * k + p] = 0;
        continue;
      }
      let s = 0;
      for (let j = 0; j < n; j++) s += dz[i * n + j]! * w[p * n + j]!;
      da[i * k + p] = s;
    }
  }
}

/**
 * W6: LeNet-5 with direct loops: the convolutions as sums over (channel, tap) of shifted rows, the
 * pooling with the position of each max kept for the backward pass, the dense layers as in W1.
 */
export function lenetTrain(d: W6Data): TrainRunner {
  const { batch: B, size: S, channels: C0, classes: K, lr, x, y } = d;
  const conv1 = { B, C: C0, H: S, W: S, O: 6, k: 5, pad: 2 }; // → [B, 6, 28, 28]
  const S1 = S / 2; // 14
  const conv2 = { B, C: 6, H: S1, W: S1, O: 16, k: 5, pad: 0 }; // → [B, 16, 10, 10]
  const S2 = S1 - 4; // 10
  const F = 16 * (S2 / 2) ** 2; // 400
  const a1 = new Float32Array(B * 6 * S * S);
  const p1 = new Float32Array(B * 6 * S1 * S1);
  const arg1 = new Int32Array(p1.length);
  const a2 = new Float32Array(B * 16 * S2 * S2);
  const p2 = new Float32Array(B * F); // [B, 16, 5, 5] = the flattened [B, 400]
  const arg2 = new Int32Array(p2.length);
  const h1 = new Float32Array(B * 120);
  const h2 = new Float32Array(B * 84);
  const logits = new Float32Array(B * K);
  const dl = new Float32Array(B * K);
  const dh2 = new Float32Array(B * 84);
  const dh1 = new Float32Array(B * 120);
  const dp2 = new Float32Array(p2.length);
  const dz2 = new Float32Array(a2.length);
  const dp1 = new Float32Array(p1.length);
  const dz1 = new Float32Array(a1.length);
  const g: Params = cloneParams(d.params);

  function step(p: Params): number {
    const P = p as Record<(typeof W6_PARAMS)[number], F32>;
    const G = g as Record<(typeof W6_PARAMS)[number], F32>;
    // forward
    conv2dRelu(x, P.c1, P.c1b, a1, conv1);
    maxPool2(a1, p1, arg1, B * 6, S, S);
    conv2dRelu(p1, P.c2, P.c2b, a2, conv2);
    maxPool2(a2, p2, arg2, B * 16, S2, S2);
    dense(p2, P.f1, P.f1b, h1, B, F, 120, true);
    dense(h1, P.f2, P.f2b, h2, B, 120, 84, true);
    dense(h2, P.f3, P.f3b, logits, B, 84, K, false);
    const loss = softmaxCrossEntropy(logits, y, B, K, dl);
    // backward
    matmulTN(h2, dl, G.f3, B, 84, K);
    sumRows(dl, G.f3b, B, K);
    denseInputGrad(dl, P.f3, h2, dh2, B, 84, K, true);
    matmulTN(h1, dh2, G.f2, B, 120, 84);
    sumRows(dh2, G.f2b, B, 84);
    denseInputGrad(dh2, P.f2, h1, dh1, B, 120, 84, true);
    matmulTN(p2, dh1, G.f1, B, F, 120);
    sumRows(dh1, G.f1b, B, 120);
    denseInputGrad(dh1, P.f1, p2, dp2, B, F, 120, false);
    maxPool2ReluBackward(dp2, arg2, a2, dz2);
    conv2dBackward(p1, P.c2, dz2, G.c2, G.c2b, dp1, conv2);
    maxPool2ReluBackward(dp1, arg1, a1, dz1);
    conv2dBackward(x, P.c1, dz1, G.c1, G.c1b, null, conv1);
    // SGD
    for (const k of W6_PARAMS) {
      const w = P[k];
      const gk = G[k];
      for (let i = 0; i < w.length; i++) w[i]! -= lr * gk[i]!;
    }
    return loss;
  }

  return paramsRunner(d.params, step);
}

export function mlpInfer(d: W3Data): InferRunner {
  const { inDim, hidden, classes } = d;
  const p = cloneParams(d.params);
  const W1 = p.W1!;
  const b1 = p.b1!;
  const W2 = p.W2!;
  const b2 = p.b2!;
  const W3 = p.W3!;
  const b3 = p.b3!;
  const x = new Float32Array(inDim);
  const h1 = new Float32Array(hidden);
  const h2 = new Float32Array(hidden);
  const z = new Float32Array(classes);
  return {
    infer(input: F32, out: F32): void {
      x.set(input);
      dense(x, W1, b1, h1, 1, inDim, hidden, true);
      dense(h1, W2, b2, h2, 1, hidden, hidden, true);
      dense(h2, W3, b3, z, 1, hidden, classes, false);
      softmaxRows(z, 1, classes);
      out.set(z);
    },
  };
}

export function matmulRunner(d: W4Data): MatmulRunner {
  const c = new Float32Array(d.n * d.n);
  return {
    run: () => matmul(d.a, d.b, c, d.n, d.n, d.n),
    result: () => c.slice(),
  };
}

export const plainJs: Impl = {
  id: "plain-js",
  async setup() {
    return { notes: ["plain JavaScript loops over Float32Array (i-k-j matmul), single thread"] };
  },
  async w1(data: W1Data) {
    return mlpTrain(data);
  },
  async w2(data: W2Data) {
    return rnnTrain(data);
  },
  async w3(data: W3Data) {
    return mlpInfer(data);
  },
  async w4(data: W4Data) {
    return matmulRunner(data);
  },
  async w6(data: W6Data) {
    return lenetTrain(data);
  },
};
