/**
 * Concrete tensors for the float64 reference interpreter: f32 values are held in a Float64Array
 * (the interpreter is the high-precision oracle), i32 and bool (0/1) in an Int32Array.
 */
import { WasmgradError } from "../errors.js";
import { shapeToString, sizeOf, stridesOf, type DType, type Shape } from "./shape.js";

export interface NDArray {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: Float64Array | Int32Array;
}

/** Values a user may pass for a tensor: a flat or nested array of numbers, or a typed array. */
export type TensorData = number | ArrayLike<number> | readonly TensorData[];

export function allocate(shape: Shape, dtype: DType): NDArray {
  const n = sizeOf(shape);
  return { shape, dtype, data: dtype === "f32" ? new Float64Array(n) : new Int32Array(n) };
}

export function fromValues(shape: Shape, dtype: DType, values: ArrayLike<number>): NDArray {
  const a = allocate(shape, dtype);
  if (values.length !== a.data.length) {
    throw new WasmgradError(
      `${values.length} values do not fill a tensor of shape ${shapeToString(shape)} (${a.data.length} elements)`,
    );
  }
  a.data.set(values);
  return a;
}

export function scalarOf(value: number, dtype: DType = "f32"): NDArray {
  return fromValues([], dtype, [value]);
}

/** Flattens nested arrays, returning the nested shape. */
export function flatten(value: TensorData): { shape: number[]; values: number[] } {
  if (typeof value === "number") return { shape: [], values: [value] };
  const items = Array.from(value as ArrayLike<TensorData>);
  if (items.length === 0 || typeof items[0] === "number") {
    if (!items.every((v) => typeof v === "number")) throw new WasmgradError("ragged tensor data");
    return { shape: [items.length], values: items as number[] };
  }
  const parts = items.map(flatten);
  const inner = parts[0]!.shape;
  for (const p of parts) {
    if (shapeToString(p.shape) !== shapeToString(inner)) {
      throw new WasmgradError(
        `ragged tensor data: rows of shape ${shapeToString(inner)} and ${shapeToString(p.shape)}`,
      );
    }
  }
  return { shape: [items.length, ...inner], values: parts.flatMap((p) => p.values) };
}

/** Nested plain arrays (or a number for a scalar), for printing and for tests. */
export function toNested(a: NDArray): TensorData {
  const rec = (offset: number, dim: number): TensorData => {
    if (dim === a.shape.length) return a.data[offset]!;
    const stride = sizeOf(a.shape.slice(dim + 1));
    return Array.from({ length: a.shape[dim]! }, (_, i) => rec(offset + i * stride, dim + 1));
  };
  return rec(0, 0);
}

/**
 * For each flat index of `outShape`, the flat index of the element of an operand of `inShape`
 * that NumPy broadcasting reads there.
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const offset = rank - inShape.length;
  const inStrides = stridesOf(inShape);
  // stride of each output axis in the operand; 0 where the operand is broadcast
  const strides = outShape.map((_, j) => {
    const i = j - offset;
    return i < 0 || inShape[i] === 1 ? 0 : inStrides[i]!;
  });
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let k = 0; k < n; k++) {
    map[k] = src;
    for (let j = rank - 1; j >= 0; j--) {
      counter[j]!++;
      src += strides[j]!;
      if (counter[j]! < outShape[j]!) break;
      src -= strides[j]! * counter[j]!;
      counter[j] = 0;
    }
  }
  return map;
}

/** Calls `visit(flatIndex, multiIndex)` for every element of `shape`, in row-major order. */
export function forEachIndex(shape: Shape, visit: (flat: number, index: readonly number[]) => void): void {
  const n = sizeOf(shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    visit(k, index);
    for (let j = shape.length - 1; j >= 0; j--) {
      if (++index[j]! < shape[j]!) break;
      index[j] = 0;
    }
  }
}
