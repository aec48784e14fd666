/**
 * Checking a caller's input value against the tensor it is meant for, before anything is written
 * to the module's memory: `check` returns a flat array-like that `TypedArray.set` copies in one go,
 * or throws a WasmgradRuntimeError that says what was expected and what was got.
 */
import { WasmgradRuntimeError } from "./errors.js";
import type { TensorInfo } from "./manifest.js";

/** The typed arrays accepted as input values (values are converted to the input's dtype). */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/** Nested arrays whose nesting matches the tensor's shape; the innermost level may be a typed array. */
export type NestedNumbers = readonly (number | NumericArray | NestedNumbers)[];

/**
 * A value for one input: a number (for a tensor of one element), a typed array or a flat plain
 * array in row-major order, or nested arrays of exactly the tensor's shape.
 */
export type InputValue = number | NumericArray | NestedNumbers;

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** `[2, 3]` */
export function showShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** What a tensor holds, for messages: `6 values (shape [2, 3], f32)`. */
export function describeTensor(t: TensorInfo, size: number): string {
  return `${size} value${size === 1 ? "" : "s"} (shape ${showShape(t.shape)}, ${t.dtype})`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * How many numbers an input value holds (a number 1, a typed or flat array its length, nested
 * arrays the product of their lengths), or undefined for a value that is none of these.
 */
export function countValues(value: unknown): number | undefined {
  if (typeof value === "number") return 1;
  if (ArrayBuffer.isView(value)) return (value as unknown as ArrayLike<number>).length;
  if (!Array.isArray(value)) return undefined;
  const first: unknown = value[0];
  if (Array.isArray(first) || ArrayBuffer.isView(first)) {
    const inner = countValues(first);
    return inner === undefined ? undefined : inner * value.length;
  }
  return value.length;
}

/** Stands for a hole of a sparse array (`[1, , 3]`, `new Array(6)`) in messages. */
const HOLE = Symbol("hole");

function showValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (v === HOLE) return "missing (a hole in a sparse array)";
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? v.slice(0, 20) + "..." : v);
  if (v === null || v === undefined || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return `a value of type ${typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v}`;
}

/** Flat index -> `[i, j]` in the tensor's shape, so messages point at the offending element. */
function indexIn(shape: readonly number[], flat: number): string {
  if (shape.length <= 1) return String(flat);
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] ?? 1;
    idx.unshift(flat % n);
    flat = Math.floor(flat / n);
  }
  return showShape(idx);
}

/**
 * Validates `value` for tensor `t` (role `role` in messages) and returns the flat values to copy.
 * Throws, naming model and tensor, when the value has the wrong size or nesting, holds something
 * other than numbers, holds a non-integer or out-of-range value for an i32 tensor (outside i32, or
 * for ids outside their table's rows), or holds
 * NaN / ±Infinity (or a number too large for f32) for an f32 tensor unless `allowNonFinite`.
 */
export function check(
  value: unknown,
  t: TensorInfo,
  size: number,
  allowNonFinite: boolean,
  model: string,
  role: string,
): ArrayLike<number> {
  const fail = (detail: string): never => {
    throw new WasmgradRuntimeError(detail, { model, role, tensor: t.name });
  };
  // The description is built only on failure: check() is on the hot path of every run().
  const bad = (got: string): never => fail(`expected ${describeTensor(t, size)}${got}`);
  let flat: ArrayLike<unknown>;
  if (typeof value === "number") {
    if (size !== 1) bad(", got a single number");
    flat = [value];
  } else if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array) {
      return bad(`, got ${showValue(value)}`);
    }
    flat = value as unknown as ArrayLike<number>;
    if (flat.length !== size) bad(`, got ${flat.length}`);
  } else if (Array.isArray(value)) {
    // nested when the first element is a row (a hole or a non-number is reported as an element)
    if (t.shape.length >= 2 && (Array.isArray(value[0]) || ArrayBuffer.isView(value[0]))) {
      flat = flatten(value, t.shape, bad);
    } else {
      flat = value;
      if (value.length !== size) bad(`, got ${value.length}`);
    }
  } else {
    return bad(`, got ${showValue(value)}`);
  }

  // typed arrays of the tensor's own type take a tight loop (the hot path of training steps fed
  // from reused buffers); on a failure, the general loop below finds and reports the element
  if (value instanceof Float32Array && t.dtype === "f32" && (allowNonFinite || allFinite(value)))
    return value;
  if (value instanceof Int32Array && t.dtype !== "f32" && idsInRange(value, t)) return value;
  const f32 = t.dtype === "f32";
  const sparse = Array.isArray(flat);
  for (let i = 0; i < size; i++) {
    const v = sparse && !(i in flat) ? HOLE : flat[i];
    if (typeof v !== "number") {
      fail(`element ${indexIn(t.shape, i)} is ${showValue(v)}, expected a number (${t.dtype})`);
    } else if (f32) {
      // Math.fround: 1e39 is finite as a double but becomes Infinity when stored as f32.
      if (!allowNonFinite && !Number.isFinite(Math.fround(v))) {
        fail(
          `element ${indexIn(t.shape, i)} is ${v}${Number.isFinite(v) ? " (Infinity in f32)" : ""}; ` +
            `non-finite inputs are rejected (load with { allowNonFinite: true } to accept them)`,
        );
      }
    } else if (!Number.isInteger(v) || v < I32_MIN || v > I32_MAX) {
      fail(`element ${indexIn(t.shape, i)} is ${v}, expected an integer in i32 range (dtype i32)`);
    } else if (t.idRows !== undefined && (v < 0 || v >= t.idRows) && v !== t.idIgnore) {
      fail(`element ${indexIn(t.shape, i)} is ${v}, outside ${rangeOf(t)}`);
    }
  }
  return flat as ArrayLike<number>;
}

/** Whether every element is finite (x − x is NaN exactly for NaN and ±Infinity). */
function allFinite(a: Float32Array): boolean {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i]! - a[i]!;
  return acc === 0;
}

/** Whether every id lies in [0, idRows) or is idIgnore (always true without idRows). */
function idsInRange(a: Int32Array, t: TensorInfo): boolean {
  if (t.idRows === undefined) return true;
  const rows = t.idRows;
  const ignore = t.idIgnore;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    // unsigned: a negative id is huge
    if (v >>> 0 >= rows && v !== ignore) return false;
  }
  return true;
}

/** What the values of an input with `idRows` must be, for messages. */
export function rangeOf({
  idRows,
  idIgnore,
  idUse,
}: Pick<TensorInfo, "idRows" | "idIgnore" | "idUse">): string {
  const ignored = idIgnore === undefined ? "" : ` or the ignored label ${idIgnore}`;
  return idUse === "classes"
    ? `the ${idRows} classes [0, ${idRows}) of the softmaxCrossEntropy it labels${ignored}`
    : `the ${idRows} rows of the table it indexes${ignored}`;
}

/** Nested arrays -> flat row-major array, checking every level's length against the shape. */
function flatten(
  value: readonly unknown[],
  shape: readonly number[],
  bad: (got: string) => never,
): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, dim: number, path: number[]): void => {
    const want = shape[dim] ?? 0;
    const at = path.length ? ` at ${showShape(path)}` : "";
    const isArray = Array.isArray(v);
    const isLeafArray = dim === shape.length - 1 && ArrayBuffer.isView(v) && !(v instanceof DataView);
    if (!isArray && !isLeafArray) {
      bad(` as nested arrays; got ${showValue(v)}${at}, expected an array of ${want}`);
    }
    const arr = v as ArrayLike<unknown>;
    if (arr.length !== want) {
      bad(`; nested array${at} has length ${arr.length}, expected ${want}`);
    }
    if (dim === shape.length - 1) {
      for (let i = 0; i < arr.length; i++) out.push(i in arr ? arr[i] : HOLE);
    } else {
      for (let i = 0; i < arr.length; i++) walk(i in arr ? arr[i] : HOLE, dim + 1, [...path, i]);
    }
  };
  walk(value, 0, []);
  return out;
}
