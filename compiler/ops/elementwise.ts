/**
 * Shared machinery for elementwise primitives (`defUnary`, `defBinary`): dtype checks, NumPy
 * broadcasting in the shape rule and in the reference evaluation, the elementwise traits and
 * batching rule. Each primitive still lives in its own file with its own math, VJP and traits.
 */
import { OpError } from "../errors.js";
import { allocate, broadcastIndex, type NDArray } from "../ir/ndarray.js";
import type { Node } from "../ir/node.js";
import { defineOp, type NoAttrs, type OpDef, type OpTraits } from "../ir/op.js";
import { batchElementwise } from "./batching.js";
import { broadcastShapes, type DType, type TensorType } from "../ir/shape.js";

export const FLOAT: readonly DType[] = ["f32"];
export const NUMERIC: readonly DType[] = ["f32", "i32"];

export function checkDType(t: TensorType, allowed: readonly DType[], role = "operand"): void {
  if (!allowed.includes(t.dtype)) {
    throw new OpError(`${role} has dtype ${t.dtype}; expected ${allowed.join(" or ")}`);
  }
}

/** Wraps an i32 result to 32 bits, as WebAssembly integer arithmetic does. */
function store(dtype: DType, v: number): number {
  return dtype === "f32" ? v : v | 0;
}

interface UnarySpec<N extends string> {
  readonly name: N;
  readonly dtypes: readonly DType[];
  /** Scalar semantics in float64 (or on int32 values for i32). */
  readonly fn: (x: number) => number;
  readonly vjp?: (node: Node, ct: Node) => readonly (Node | null)[];
  /** Besides `elementwise` (always set): `cheap`, ... */
  readonly traits?: OpTraits<NoAttrs>;
}

export function defUnary<N extends string>(spec: UnarySpec<N>): OpDef<NoAttrs, N> {
  return defineOp<NoAttrs, N>({
    name: spec.name,
    arity: 1,
    traits: { ...spec.traits, elementwise: true },
    batch: batchElementwise,
    infer([x]) {
      checkDType(x!, spec.dtypes);
      return x!;
    },
    evaluate([x], _attrs, out) {
      const r = allocate(out.shape, out.dtype);
      for (let i = 0; i < r.data.length; i++) r.data[i] = store(out.dtype, spec.fn(x!.data[i]!));
      return r;
    },
    ...(spec.vjp ? { vjp: spec.vjp } : {}),
  });
}

interface BinarySpec<N extends string> {
  readonly name: N;
  readonly dtypes: readonly DType[];
  readonly fn: (a: number, b: number) => number;
  /** i32 semantics when they differ from `fn` followed by wrapping to 32 bits. */
  readonly intFn?: (a: number, b: number) => number;
  readonly vjp?: (node: Node, ct: Node) => readonly (Node | null)[];
  /** Besides `elementwise` (always set): `commutative`, `cheap`, ... */
  readonly traits?: OpTraits<NoAttrs>;
}

/** Checks that two operands share a dtype from `allowed` and returns their broadcast type. */
export function inferBinary(a: TensorType, b: TensorType, allowed: readonly DType[]): TensorType {
  if (a.dtype !== b.dtype) {
    throw new OpError(`dtype mismatch: ${a.dtype} and ${b.dtype} (cast one operand explicitly)`);
  }
  checkDType(a, allowed);
  return { shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype };
}

/** Applies `fn` elementwise over broadcast operands into a new array of type `out`. */
export function mapBroadcast(
  inputs: readonly NDArray[],
  out: TensorType,
  fn: (...values: number[]) => number,
): NDArray {
  const r = allocate(out.shape, out.dtype);
  const maps = inputs.map((x) => broadcastIndex(x.shape, out.shape));
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < r.data.length; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = inputs[k]!.data[maps[k]![i]!]!;
    r.data[i] = store(out.dtype, fn(...args));
  }
  return r;
}

export function defBinary<N extends string>(spec: BinarySpec<N>): OpDef<NoAttrs, N> {
  return defineOp<NoAttrs, N>({
    name: spec.name,
    arity: 2,
    traits: { ...spec.traits, elementwise: true },
    batch: batchElementwise,
    infer: ([a, b]) => inferBinary(a!, b!, spec.dtypes),
    evaluate: (inputs, _attrs, out) =>
      mapBroadcast(inputs, out, out.dtype === "i32" && spec.intFn ? spec.intFn : spec.fn),
    ...(spec.vjp ? { vjp: spec.vjp } : {}),
  });
}

/** VJP for piecewise-constant ops: no gradient reaches any operand. */
export const zeroGrad = (node: Node): readonly null[] => node.inputs.map(() => null);
