/**
 * im2col and col2im: the windows of a 2-D image batch as columns, and back. The primitives under
 * nn.conv2d and the 2-D pooling layers (compiler/dsl/nn.ts), promoted from a composite for speed
 * and size (ARCHITECTURE.md: "promote a composite only for numerical stability or speed"): as k·l
 * strided slices, a concat and a transpose, LeNet's training step ran about 270 kernels in a
 * 240 KiB module; as one im2col per layer (and one col2im in the backward pass) it is one pass
 * over the columns each way.
 *
 *   %5 = im2col kernel=[k,l] stride=[sh,sw] %x     x f32[N, C, H, W]  ->  f32[N, C·k·l, oh·ow]
 *          out[n, (c, i, j), (y, x)] = x[n, c, y·sh + i, x·sw + j]
 *          oh = ⌊(H − k)/sh⌋ + 1, ow = ⌊(W − l)/sw⌋ + 1 (no padding: pad the image first)
 *   %9 = col2im image=[C,H,W] kernel=[k,l] stride=[sh,sw] %g   f32[N, C·k·l, oh·ow] -> f32[N, C, H, W]
 *          out[n, c, h, w] = Σ of g[n, (c, i, j), (y, x)] over the windows with y·sh + i = h,
 *          x·sw + j = w, summed tap by tap: (i, j) = (0, 0), (0, 1), …; 0 where no window reads
 *
 * The column of a window is ordered (c, i, j), as W[o] of a PyTorch filter bank [O, C, k, l]
 * flattens, so conv2d is W.reshape([O, C·k·l]) · im2col(x): out[n] = [O, oh·ow], already NCHW.
 * col2im is im2col's transpose (its VJP), and im2col is col2im's: both are linear, so gradients of
 * any order close over the pair.
 */
import { OpError } from "../errors.js";
import { col2im as col2imNode, im2col as im2colNode, reshape } from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { defineOp, type BatchRule, type OpDef } from "../ir/op.js";
import { shapeToString } from "../ir/shape.js";
import { allocate, type NDArray } from "../ir/ndarray.js";

export type Im2colAttrs = { kernel: [number, number]; stride: [number, number] };
export type Col2imAttrs = Im2colAttrs & { image: [number, number, number] };

function checkPair(name: string, p: readonly number[]): void {
  if (p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new OpError(`${name} must be two positive integers, got [${p.join(", ")}]`);
  }
}

/** The output size of windows of `k` at `stride` over `n` positions (0 when none fits). */
const windowsAlong = (n: number, k: number, stride: number) => (n < k ? 0 : Math.floor((n - k) / stride) + 1);

/**
 * The geometry shared by both ops (and their kernels), checked: image [C, H, W], kernel [k, l],
 * stride [sh, sw], windows [oh, ow].
 */
export function windowGeometry(image: readonly number[], { kernel, stride }: Im2colAttrs) {
  checkPair("kernel", kernel);
  checkPair("stride", stride);
  const [C, H, W] = image as [number, number, number];
  const [k, l] = kernel;
  const oh = windowsAlong(H, k, stride[0]);
  const ow = windowsAlong(W, l, stride[1]);
  if (oh === 0 || ow === 0) {
    throw new OpError(`a ${k}×${l} window does not fit in the ${H}×${W} image`);
  }
  return { C, H, W, k, l, sh: stride[0], sw: stride[1], oh, ow };
}

type Geometry = ReturnType<typeof windowGeometry>;

/**
 * Visits every (column element, image element) pair: `f(colIndex, imageIndex)` for each image n,
 * tap (i, j) in order, channel c and window (y, x).
 */
function forEachTap(N: number, g: Geometry, f: (col: number, img: number) => void): void {
  const { C, H, W, k, l, sh, sw, oh, ow } = g;
  const P = oh * ow;
  for (let n = 0; n < N; n++)
    for (let i = 0; i < k; i++)
      for (let j = 0; j < l; j++)
        for (let c = 0; c < C; c++) {
          const row = ((n * C + c) * k + i) * l + j;
          for (let y = 0; y < oh; y++)
            for (let x = 0; x < ow; x++)
              f(row * P + y * ow + x, ((n * C + c) * H + y * sh + i) * W + x * sw + j);
        }
}

/**
 * Batching over time steps: the T steps' images are T·N images of one call, [T, N, ...] viewed as
 * [T·N, ...] and the result viewed back as [T, N, ...].
 */
const overImages = (make: (x: Node, n: Node) => Node): BatchRule => ({
  apply: (n, [x], T) => {
    const [, N, ...rest] = x!.node.shape;
    const r = make(reshape(x!.node, [T * N!, ...rest]), n);
    return reshape(r, [T, N!, ...r.shape.slice(1)]);
  },
});

export const im2col: OpDef<Im2colAttrs, "im2col"> = defineOp({
  name: "im2col",
  arity: 1,
  traits: { movement: true },
  batch: overImages((x, n) => {
    const { kernel, stride } = n.attrs as Im2colAttrs;
    return im2colNode(x, kernel, stride);
  }),
  infer([x], attrs) {
    if (x!.dtype !== "f32") throw new OpError(`the image must be f32, got ${x!.dtype}`);
    if (x!.shape.length !== 4) {
      throw new OpError(`the image must be [N, C, H, W], got ${shapeToString(x!.shape)}`);
    }
    const [N, ...image] = x!.shape as [number, number, number, number];
    const { C, k, l, oh, ow } = windowGeometry(image, attrs);
    return { shape: [N, C * k * l, oh * ow], dtype: "f32" };
  },
  evaluate([x], attrs, out) {
    const r = allocate(out.shape, "f32");
    forEachTap(
      x!.shape[0]!,
      windowGeometry(x!.shape.slice(1), attrs),
      (col, img) => (r.data[col] = x!.data[img]!),
    );
    return r;
  },
  vjp: (n, g) => {
    const { kernel, stride } = n.attrs as Im2colAttrs;
    const [, C, H, W] = n.inputs[0]!.shape as [number, number, number, number];
    return [col2imNode(g, [C, H, W], kernel, stride)];
  },
});

export const col2im: OpDef<Col2imAttrs, "col2im"> = defineOp({
  name: "col2im",
  arity: 1,
  traits: {},
  batch: overImages((g, n) => {
    const { image, kernel, stride } = n.attrs as Col2imAttrs;
    return col2imNode(g, image, kernel, stride);
  }),
  infer([g], attrs) {
    if (g!.dtype !== "f32") throw new OpError(`the columns must be f32, got ${g!.dtype}`);
    const { image } = attrs;
    if (image.length !== 3 || !image.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new OpError(`image must be [C, H, W] of positive integers, got [${image.join(", ")}]`);
    }
    const { C, H, W, k, l, oh, ow } = windowGeometry(image, attrs);
    const expected = [g!.shape[0]!, C * k * l, oh * ow];
    if (g!.shape.length !== 3 || shapeToString(g!.shape) !== shapeToString(expected)) {
      throw new OpError(
        `columns ${shapeToString(g!.shape)} do not match ${k}×${l} windows of a [${C}, ${H}, ${W}] image (expected [N, ${C * k * l}, ${oh * ow}])`,
      );
    }
    return { shape: [g!.shape[0]!, C, H, W], dtype: "f32" };
  },
  evaluate([g], attrs, out) {
    const r: NDArray = allocate(out.shape, "f32");
    forEachTap(
      g!.shape[0]!,
      windowGeometry(attrs.image, attrs),
      (col, img) => (r.data[img] = r.data[img]! + g!.data[col]!),
    );
    return r;
  },
  vjp: (n, g) => {
    const { kernel, stride } = n.attrs as Col2imAttrs;
    return [im2colNode(g, kernel, stride)];
  },
});
