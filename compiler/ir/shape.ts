/** Shapes, dtypes and the NumPy broadcasting rule shared by every stage of the compiler. */
import { OpError } from "../errors.js";

/** Element types. `bool` is what comparisons produce; it is stored as 0/1 in 32-bit slots. */
export type DType = "f32" | "i32" | "bool";
export const DTYPES: readonly DType[] = ["f32", "i32", "bool"];

export type Shape = readonly number[];

/** The type of a value in the graph: everything a shape rule needs to know about an operand. */
export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function typeToString(t: TensorType): string {
  return `${t.dtype}${shapeToString(t.shape)}`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function isValidShape(shape: unknown): shape is Shape {
  return Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && (d as number) >= 0);
}

export function checkShape(shape: unknown, what: string): Shape {
  if (!isValidShape(shape)) {
    throw new OpError(`${what} must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return Object.freeze([...shape]);
}

/** NumPy broadcasting: align from the right; each pair of dims must be equal or contain a 1. */
export function broadcastShapes(...shapes: Shape[]): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else {
        throw new OpError(
          `shapes ${shapes.map(shapeToString).join(" and ")} do not broadcast ` +
            `(axis ${j - rank} has sizes ${out[j]} and ${d})`,
        );
      }
    }
  }
  return out;
}

/** Resolves a possibly negative axis against a rank, rejecting out-of-range axes. */
export function normalizeAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new OpError(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, de-duplicated, non-negative axes; `undefined` means all axes. */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new OpError(`repeated axis in ${JSON.stringify(axes)}`);
  return out;
}

/** The shape of a reduction over `axes` of `shape`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): Shape {
  return keepdims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

/** Row-major element strides of `operand`, with 0 on axes where it is broadcast to `out`. */
export function broadcastStrides(operand: Shape, out: Shape): number[] {
  const offset = out.length - operand.length;
  const own: number[] = [];
  let s = 1;
  for (let i = operand.length - 1; i >= 0; i--) {
    own[i] = s;
    s *= operand[i]!;
  }
  return out.map((_, j) => {
    const i = j - offset;
    return i < 0 || operand[i] === 1 ? 0 : own[i]!;
  });
}
