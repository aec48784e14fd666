/**
 * Lowers one node to the statements of its kernel function, given the buffers of its operands
 * and its result.
 *
 * Why here and not in each op's file (as ARCHITECTURE.md suggests): lowering needs binaryen, a
 * large module that the interpreter-only path (and a browser that only interprets) should not
 * load. So the op files hold shape, evaluation and VJP rules, and this file holds the lowering of
 * every primitive, keyed by op name; a test checks that no primitive is missing.
 */
import { ALIASING_OPS, NO_KERNEL_OPS } from "../ir/kernels.js";
import type { Node } from "../ir/node.js";
import { normalizeAxis, stridesOf } from "../ir/shape.js";
import type { Buffer } from "./layout.js";
import type { LowerContext } from "./emit/context.js";
import { ELEMENTWISE } from "./emit/elementwise.js";
import { emitFusion } from "./emit/fusion.js";
import { emitGather, emitIota, emitScatterAdd } from "./emit/indexing.js";
import { broadcastStrides, contiguousStrides, emitMap, type Access, type MapOperand } from "./emit/map.js";
import { emitMatmul, matmulScratchBytes } from "./emit/matmul.js";
import { emitReduce } from "./emit/reduce.js";

export { ALIASING_OPS, NO_KERNEL_OPS };

/**
 * Elementwise kernels: strided maps whose element i reads only element i of each operand (after
 * broadcasting), so the memory planner may let the output overwrite an operand of the same layout.
 * A `fusion` is one such map over its whole program.
 */
export function isElementwiseKernel(node: Node): boolean {
  return (Object.hasOwn(ELEMENTWISE, node.op) || node.op === "fusion") && !ALIASING_OPS.has(node.op);
}

/**
 * The bytes of scratch `lowerNode` requests for `node` through `LowerContext.scratch`, known before
 * lowering so that the memory planner can place them; lowering must not ask for more.
 */
export function kernelScratchBytes(node: Node, simd: boolean): number {
  if (node.op !== "matmul") return 0;
  const [a, b] = node.inputs;
  return matmulScratchBytes(
    a!.shape,
    b!.shape,
    node.attrs.transA as boolean,
    node.attrs.transB as boolean,
    simd,
  );
}

const contiguous = (b: Buffer): Access => ({
  base: b.offset,
  strides: contiguousStrides(b.shape),
  dtype: b.dtype,
});

/**
 * Scalar constants are folded into the loop as immediates instead of being read from memory.
 * `scalarConst` returns the value of a rank-0 `const` node, if it is one.
 */
export function operand(input: Node, buffer: Buffer, outShape: readonly number[]): MapOperand {
  if (input.op === "const" && input.shape.length === 0 && "value" in input.attrs) {
    return { immediate: input.attrs.value as number, dtype: input.dtype };
  }
  return { base: buffer.offset, strides: broadcastStrides(buffer.shape, outShape), dtype: buffer.dtype };
}

export function lowerNode(c: LowerContext, node: Node, ins: readonly Buffer[], out: Buffer): void {
  if (node.op === "fusion") {
    emitFusion(
      c,
      node,
      node.inputs.map((input, k) => operand(input, ins[k]!, out.shape)),
      out,
    );
    return;
  }
  const ew = ELEMENTWISE[node.op];
  if (ew) {
    const ops = node.inputs.map((input, k) => operand(input, ins[k]!, out.shape));
    emitMap(
      c.f,
      out.shape,
      contiguous(out),
      ops,
      {
        scalar: (f, v, flat) => ew.scalar(c, v, node, flat),
        ...(ew.vector ? { vector: (f, v, flat) => ew.vector!(c, v, node, flat) } : {}),
      },
      c.simd,
    );
    return;
  }
  const [x] = ins;
  switch (node.op) {
    case "reduce_sum":
    case "reduce_max":
      emitReduce(c, node.op === "reduce_sum" ? "sum" : "max", x!, out, node.attrs.axes as number[]);
      return;
    case "matmul":
      emitMatmul(c, ins[0]!, ins[1]!, out, node.attrs.transA as boolean, node.attrs.transB as boolean);
      return;
    case "transpose": {
      const perm = node.attrs.perm as number[];
      const inStrides = stridesOf(x!.shape);
      const src: Access = { base: x!.offset, strides: perm.map((p) => inStrides[p]!), dtype: x!.dtype };
      emitMap(c.f, out.shape, contiguous(out), [src], copy, c.simd);
      return;
    }
    case "slice": {
      const { start, step } = node.attrs as { start: number[]; step: number[] };
      const inStrides = stridesOf(x!.shape);
      const base = x!.offset + 4 * start.reduce((s, v, i) => s + v * inStrides[i]!, 0);
      const src: Access = { base, strides: inStrides.map((s, i) => s * step[i]!), dtype: x!.dtype };
      emitMap(c.f, out.shape, contiguous(out), [src], copy, c.simd);
      return;
    }
    case "pad": {
      const { lo, interior, value } = node.attrs as { lo: number[]; interior: number[]; value: number };
      const outStrides = stridesOf(out.shape);
      if (value === 0 && !Object.is(value, -0))
        c.f.emit(
          c.f.memfill(c.f.c32(out.offset), c.f.c32(0), c.f.c32(out.shape.reduce((a, d) => a * d, 1) * 4)),
        );
      else emitMap(c.f, out.shape, contiguous(out), [{ immediate: value, dtype: out.dtype }], copy, c.simd);
      const dst: Access = {
        base: out.offset + 4 * lo.reduce((s, v, i) => s + v * outStrides[i]!, 0),
        strides: outStrides.map((s, i) => s * (interior[i]! + 1)),
        dtype: out.dtype,
      };
      emitMap(c.f, x!.shape, dst, [contiguous(x!)], copy, c.simd);
      return;
    }
    case "concat": {
      const axis = normalizeAxis(node.attrs.axis as number, out.shape.length);
      const outStrides = stridesOf(out.shape);
      let at = 0;
      for (const part of ins) {
        const dst: Access = {
          base: out.offset + 4 * at * outStrides[axis]!,
          strides: outStrides,
          dtype: out.dtype,
        };
        emitMap(c.f, part.shape, dst, [contiguous(part)], copy, c.simd);
        at += part.shape[axis]!;
      }
      return;
    }
    case "gather":
      emitGather(c, ins[0]!, ins[1]!, out);
      return;
    case "scatter_add":
      emitScatterAdd(c, ins[0]!, ins[1]!, out);
      return;
    case "iota":
      emitIota(c, out, normalizeAxis(node.attrs.axis as number, out.shape.length));
      return;
  }
  throw new Error(`internal: no lowering for op '${node.op}'`);
}

const copy = {
  scalar: (_f: unknown, [v]: readonly number[]) => v!,
  vector: (_f: unknown, [v]: readonly number[]) => v!,
};

/** Every op the backend can compile (for the completeness test). */
export const LOWERED_OPS = new Set([
  ...Object.keys(ELEMENTWISE),
  ...ALIASING_OPS,
  ...NO_KERNEL_OPS,
  "reduce_sum",
  "reduce_max",
  "matmul",
  "transpose",
  "slice",
  "pad",
  "concat",
  "gather",
  "scatter_add",
  "iota",
  "fusion",
  "scan", // a loop over its step's kernels: compiler/wasm/program.ts
]);
