/**
 * The lowering of every op with a kernel, registered per op (as JAX's `register_lowering`): how
 * its kernel function writes the result from the operands' buffers. Elementwise ops register the
 * scalar and f32x4 forms of one element (emit/elementwise.ts), which both their own strided-map
 * kernel and every fused loop that contains them use.
 *
 * Why here and not in each op's file (as ARCHITECTURE.md suggests): lowering needs binaryen, a
 * large module that a program which only builds, prints or interprets models should not load.
 * test/ops/registry.test.ts checks that every op with a kernel has its lowering.
 */
import type { Node } from "../ir/node.js";
import type { OpName } from "../ir/op.js";
import { normalizeAxis, stridesOf } from "../ir/shape.js";
import type { LowerContext } from "./emit/context.js";
import { ELEMENTWISE, type ElementwiseLowering } from "./emit/elementwise.js";
import { emitFusion } from "./emit/fusion.js";
import { emitGather, emitIota, emitScatterAdd, emitScatterSub, idCheckOf } from "./emit/indexing.js";
import { broadcastStrides, contiguousStrides, emitMap, type Access, type MapOperand } from "./emit/map.js";
import { emitMatmul } from "./emit/matmul.js";
import { emitReduce } from "./emit/reduce.js";
import { checkedLabels, emitSoftmaxXent } from "./emit/softmax-xent.js";
import type { Buffer } from "../plan/layout.js";
import { windowGeometry, type Col2imAttrs, type Im2colAttrs } from "../ops/im2col.js";
import type { FnBuilder } from "./module.js";

/**
 * Emits the kernel of `node` reading `ins` and writing `out`; a multi-output fusion also writes its
 * extra results into `extraOuts` (undefined for one the entry does not compute).
 */
export type KernelLowering = (
  c: LowerContext,
  node: Node,
  ins: readonly Buffer[],
  out: Buffer,
  extraOuts: readonly (Buffer | undefined)[],
) => void;

export interface Lowering {
  readonly kernel: KernelLowering;
  /** An elementwise op's element, for the fused loops that inline it. */
  readonly elementwise?: ElementwiseLowering;
}

/** A scan is lowered by compiler/wasm/program.ts: a time loop around its step's own kernels. */
export const LOOP = "loop";

const contiguous = (b: Buffer): Access => ({
  base: b.offset,
  strides: contiguousStrides(b.shape),
  dtype: b.dtype,
});

/**
 * How a kernel reads an operand over `outShape`: constants holding one value everywhere (a scalar,
 * or a splat such as the mean's 1/N folded to [N, 1]) are immediates in the loop instead of
 * memory reads; anything else is a strided access.
 */
export function operand(input: Node, buffer: Buffer, outShape: readonly number[]): MapOperand {
  if (input.op === "const" && "value" in input.attrs) {
    return { immediate: input.attrs.value as number, dtype: input.dtype };
  }
  return { base: buffer.offset, strides: broadcastStrides(buffer.shape, outShape), dtype: buffer.dtype };
}

const copy = {
  scalar: (_f: unknown, [v]: readonly number[]) => v!,
  vector: (_f: unknown, [v]: readonly number[]) => v!,
};

/** An elementwise op's kernel: a strided map over the result, operands read with broadcasting. */
function elementwise(ew: ElementwiseLowering): Lowering {
  return {
    elementwise: ew,
    kernel: (c, node, ins, out) => {
      const ops = node.inputs.map((input, k) => operand(input, ins[k]!, out.shape));
      emitMap(
        c.f,
        out.shape,
        contiguous(out),
        ops,
        {
          scalar: (_f, v, flat) => ew.scalar(c, v, node, flat),
          ...(ew.vector ? { vector: (_f, v, flat) => ew.vector!(c, v, node, flat) } : {}),
        },
        c.target.simd,
      );
    },
  };
}

const transpose: KernelLowering = (c, node, [x], out) => {
  const perm = node.attrs.perm as number[];
  const inStrides = stridesOf(x!.shape);
  const src: Access = { base: x!.offset, strides: perm.map((p) => inStrides[p]!), dtype: x!.dtype };
  emitMap(c.f, out.shape, contiguous(out), [src], copy, c.target.simd);
};

const slice: KernelLowering = (c, node, [x], out) => {
  const { start, step } = node.attrs as { start: number[]; step: number[] };
  const inStrides = stridesOf(x!.shape);
  const base = x!.offset + 4 * start.reduce((s, v, i) => s + v * inStrides[i]!, 0);
  const src: Access = { base, strides: inStrides.map((s, i) => s * step[i]!), dtype: x!.dtype };
  emitMap(c.f, out.shape, contiguous(out), [src], copy, c.target.simd);
};

/** Fills the result with the padding value, then copies the operand to its strided place in it. */
const pad: KernelLowering = (c, node, [x], out) => {
  const { lo, interior, value } = node.attrs as { lo: number[]; interior: number[]; value: number };
  const outStrides = stridesOf(out.shape);
  if (value === 0 && !Object.is(value, -0))
    c.f.emit(c.f.memfill(c.f.c32(out.offset), c.f.c32(0), c.f.c32(out.shape.reduce((a, d) => a * d, 1) * 4)));
  else
    emitMap(c.f, out.shape, contiguous(out), [{ immediate: value, dtype: out.dtype }], copy, c.target.simd);
  const dst: Access = {
    base: out.offset + 4 * lo.reduce((s, v, i) => s + v * outStrides[i]!, 0),
    strides: outStrides.map((s, i) => s * (interior[i]! + 1)),
    dtype: out.dtype,
  };
  emitMap(c.f, x!.shape, dst, [contiguous(x!)], copy, c.target.simd);
};

const concat: KernelLowering = (c, node, ins, out) => {
  const axis = normalizeAxis(node.attrs.axis as number, out.shape.length);
  const outStrides = stridesOf(out.shape);
  let at = 0;
  for (const part of ins) {
    const dst: Access = {
      base: out.offset + 4 * at * outStrides[axis]!,
      strides: outStrides,
      dtype: out.dtype,
    };
    emitMap(c.f, part.shape, dst, [contiguous(part)], copy, c.target.simd);
    at += part.shape[axis]!;
  }
};

/**
 * im2col: one strided map over [N, C, k, l, oh, ow], the columns written in order and the image
 * read at x[n, c, y·sh + i, x·sw + j] (vectorized along x when sw = 1).
 */
/** The image at `base` walked as [N, C, k, l, oh, ow]: element x[n, c, y·sh + i, x·sw + j]. */
function imageWindows(base: number, { C, H, W, sh, sw }: ReturnType<typeof windowGeometry>): Access {
  return { base, strides: [C * H * W, H * W, W, 1, sh * W, sw], dtype: "f32" };
}

const im2col: KernelLowering = (c, node, [x], out) => {
  const [N, C, H, W] = x!.shape as [number, number, number, number];
  const g = windowGeometry([C, H, W], node.attrs as unknown as Im2colAttrs);
  const shape = [N, C, g.k, g.l, g.oh, g.ow];
  const src = imageWindows(x!.offset, g);
  const dst: Access = { base: out.offset, strides: contiguousStrides(shape), dtype: "f32" };
  emitMap(c.f, shape, dst, [src], copy, c.target.simd);
};

const accumulate = {
  scalar: (f: FnBuilder, [a, b]: readonly number[]) => f.f32.add(a!, b!),
  vector: (f: FnBuilder, [a, b]: readonly number[]) => f.f32x4.add(a!, b!),
};

/**
 * col2im: zeroes the images, then one strided map over [N, C, k, l, oh, ow] adds each column
 * element into the image position it was read from. Taps of one window overlap, but the map runs
 * its iterations in order, so each position sums its parts tap by tap as the op's definition does;
 * within one tap no two windows share a position, so the 4 lanes of a vector never collide.
 */
const col2im: KernelLowering = (c, node, [columns], out) => {
  const [N, C, H, W] = out.shape as [number, number, number, number];
  const g = windowGeometry([C, H, W], node.attrs as unknown as Col2imAttrs);
  const shape = [N, C, g.k, g.l, g.oh, g.ow];
  c.f.emit(c.f.memfill(c.f.c32(out.offset), c.f.c32(0), c.f.c32(N * C * H * W * 4)));
  const dst = imageWindows(out.offset, g);
  const cols: Access = { base: columns!.offset, strides: contiguousStrides(shape), dtype: "f32" };
  emitMap(c.f, shape, dst, [dst, cols], accumulate, c.target.simd);
};

const kernel = (k: KernelLowering): Lowering => ({ kernel: k });

const ELEMENTWISE_LOWERINGS = Object.fromEntries(
  Object.entries(ELEMENTWISE).map(([op, ew]) => [op, elementwise(ew)]),
) as { readonly [K in OpName]?: Lowering };

/** The registry: by op name, its lowering (ops without a kernel have none). */
export const LOWERINGS: { readonly [K in OpName]?: Lowering | typeof LOOP } = {
  ...ELEMENTWISE_LOWERINGS,
  reduce_sum: kernel((c, node, [x], out) => emitReduce(c, "sum", x!, out, node.attrs.axes as number[])),
  reduce_max: kernel((c, node, [x], out) => emitReduce(c, "max", x!, out, node.attrs.axes as number[])),
  matmul: kernel((c, node, [a, b], out) =>
    emitMatmul(c, a!, b!, out, node.attrs.transA as boolean, node.attrs.transB as boolean),
  ),
  transpose: kernel(transpose),
  slice: kernel(slice),
  pad: kernel(pad),
  concat: kernel(concat),
  softmax_xent: kernel((c, node, [logits, labels], loss) =>
    emitSoftmaxXent(c, { logits: logits!, labels: labels!, loss, checked: checkedLabels(node, node.attrs) }),
  ),
  softmax_xent_grad: kernel((c, node, [logits, labels], out) =>
    emitSoftmaxXent(c, {
      logits: logits!,
      labels: labels!,
      grad: { outs: [out] },
      checked: checkedLabels(node, node.attrs),
    }),
  ),
  im2col: kernel(im2col),
  col2im: kernel(col2im),
  gather: kernel((c, node, [table, ids], out) =>
    emitGather(c, table!, ids!, out, node.attrs.fill ? undefined : idCheckOf(c, node, table!.shape[0]!)),
  ),
  scatter_add: kernel((c, node, [ids, updates], out) =>
    emitScatterAdd(c, ids!, updates!, out, node.attrs.drop ? undefined : idCheckOf(c, node, out.shape[0]!)),
  ),
  scatter_sub: kernel((c, node, ins, out) =>
    emitScatterSub(c, ins, out, node.attrs.drop ? undefined : idCheckOf(c, node, ins[0]!.shape[0]!)),
  ),
  iota: kernel((c, node, _ins, out) =>
    emitIota(c, out, normalizeAxis(node.attrs.axis as number, out.shape.length)),
  ),
  fusion: kernel((c, node, ins, out, extraOuts) => emitFusion(c, node, ins, [out, ...extraOuts], operand)),
  scan: LOOP,
};

/** The lowering of `op`'s kernel; raises for an op without one (a compiler bug). */
export function loweringOf(op: OpName): Lowering {
  const l = LOWERINGS[op];
  if (l === undefined || l === LOOP) throw new Error(`internal: no kernel lowering for op '${op}'`);
  return l;
}
