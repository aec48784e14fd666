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
import { fusionHead, programShape, type FusionAttrs } from "../ops/fusion.js";
import { normalizeAxis, stridesOf } from "../ir/shape.js";
import type { Buffer } from "./layout.js";
import type { LowerContext } from "./emit/context.js";
import { ELEMENTWISE } from "./emit/elementwise.js";
import { emitFusion } from "./emit/fusion.js";
import { emitGather, emitIota, emitScatterAdd } from "./emit/indexing.js";
import { broadcastStrides, contiguousStrides, emitMap, type Access, type MapOperand } from "./emit/map.js";
import { emitMatmul, matmulScratchBytes, type MatmulTuning } from "./emit/matmul.js";
import { emitReduce } from "./emit/reduce.js";
import { emitSoftmaxXent } from "./emit/softmax-xent.js";

export { ALIASING_OPS, NO_KERNEL_OPS };

/**
 * Whether `node`'s kernel reads operand `index` element by element: its outputs' element i is
 * computed from element i of that operand (after broadcasting) and nothing else reads the operand,
 * so the memory planner may let an output overwrite it (when it has the output's layout). True
 * for every operand of an elementwise op or loop fusion, and for the operands that only a head
 * fusion's epilogue reads (at the position of the element it stores): not a matmul's A and B,
 * which every tile reads, nor what a reduction's prologue reads, nor anything a softmax
 * cross-entropy kernel reads (emit/softmax-xent.ts).
 */
export function readsElementwise(node: Node, index: number): boolean {
  if (ALIASING_OPS.has(node.op)) return false;
  if (Object.hasOwn(ELEMENTWISE, node.op)) return true;
  if (node.op !== "fusion") return false;
  const attrs = node.attrs as unknown as FusionAttrs;
  const { head, prologue } = programShape(node.inputs, attrs);
  if (head === undefined) return true;
  // the softmax cross-entropy kernel writes its first output a row ahead of its epilogue's reads
  if (attrs.program[head]!.op === "softmax_xent_grad") return false;
  return attrs.program.every((instr, i) => !instr.args.includes(index) || (i !== head && !prologue[i]));
}

/**
 * The bytes of scratch `lowerNode` requests for `node` through `LowerContext.scratch`, known before
 * lowering so that the memory planner can place them; lowering must not ask for more. `tuning` must
 * be the LowerContext's `matmulTuning` (a matmul's scratch layout depends on it).
 */
export function kernelScratchBytes(node: Node, simd: boolean, tuning: MatmulTuning): number {
  let mm: { a: Node; b: Node; attrs: Record<string, unknown>; epilogue: boolean } | undefined;
  if (node.op === "matmul")
    mm = { a: node.inputs[0]!, b: node.inputs[1]!, attrs: node.attrs, epilogue: false };
  else if (node.op === "fusion") {
    const head = fusionHead(node.attrs as unknown as FusionAttrs);
    if (head?.instr.op === "matmul") {
      const [a, b] = head.instr.args;
      mm = { a: node.inputs[a!]!, b: node.inputs[b!]!, attrs: head.instr.attrs, epilogue: true };
    }
  }
  if (!mm) return 0;
  return matmulScratchBytes(
    mm.a.shape,
    mm.b.shape,
    mm.attrs.transA as boolean,
    mm.attrs.transB as boolean,
    simd,
    mm.epilogue,
    tuning,
  );
}

/** The extra results of each multi-output fusion among `nodes` (its fusion_output nodes, in order). */
export function extraOutputs(nodes: readonly Node[]): Map<Node, Node[]> {
  const extra = new Map<Node, Node[]>();
  for (const n of nodes) {
    if (n.op !== "fusion_output") continue;
    const f = n.inputs[0]!;
    const list = extra.get(f) ?? [];
    list[(n.attrs.index as number) - 1] = n;
    extra.set(f, list);
  }
  return extra;
}

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

/**
 * Emits the kernel of `node` reading `ins` and writing `out`; a multi-output fusion also writes its
 * extra results into `extraOuts` (the buffers of its fusion_output nodes, see extraOutputs;
 * undefined for one the entry does not compute).
 */
export function lowerNode(
  c: LowerContext,
  node: Node,
  ins: readonly Buffer[],
  out: Buffer,
  extraOuts: readonly (Buffer | undefined)[] = [],
): void {
  if (node.op === "fusion") {
    emitFusion(c, node, ins, [out, ...extraOuts], operand);
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
    case "softmax_xent":
      emitSoftmaxXent(c, { logits: ins[0]!, labels: ins[1]!, loss: out });
      return;
    case "softmax_xent_grad":
      emitSoftmaxXent(c, { logits: ins[0]!, labels: ins[1]!, grad: { outs: [out] } });
      return;
    case "gather":
      emitGather(c, ins[0]!, ins[1]!, out, !!node.attrs.fill);
      return;
    case "scatter_add":
      emitScatterAdd(c, ins[0]!, ins[1]!, out, !!node.attrs.drop);
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
  "softmax_xent",
  "softmax_xent_grad",
  "fusion",
  "scan", // a loop over its step's kernels: compiler/wasm/program.ts
  "fusion_output", // written by its fusion's kernel
]);
