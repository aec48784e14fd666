/**
 * Checks user-supplied values against a graph's leaves: unknown or missing names, shapes and
 * dtypes are reported with the leaf's name and the line that declared it.
 */
import { WasmgradError } from "../errors.js";
import { leafName } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { shapeToString, sizeOf, typeToString } from "../ir/shape.js";
import { flatten, fromValues, type NDArray, type TensorData } from "../ir/ndarray.js";

/**
 * A value for a leaf, in either form: flat values in row-major order (a number, an array or a
 * typed array), nested arrays, or a tensor `{ shape, dtype, data }` such as `initParams` returns.
 */
export type Feed = TensorData | NDArray;

function isNDArray(v: unknown): v is NDArray {
  return typeof v === "object" && v !== null && "shape" in v && "dtype" in v && "data" in v;
}

const isArrayLike = (v: unknown): v is ArrayLike<unknown> => ArrayBuffer.isView(v) || Array.isArray(v);

const values = (n: number) => `${n} value${n === 1 ? "" : "s"}`;

/** Converts one user value into an NDArray of the leaf's type, or explains why it cannot. */
export function coerce(leaf: Node, value: Feed, modelName: string): NDArray {
  const what = `${leaf.op} '${leafName(leaf)}' of model '${modelName}' (${typeToString(leaf)})`;
  const fail = (detail: string) => new WasmgradError(`${what}: ${detail}`, { location: leaf.src });
  const size = sizeOf(leaf.shape);
  let elements: ArrayLike<number>;
  if (isNDArray(value)) {
    const { shape, dtype, data } = value as { shape: unknown; dtype: unknown; data: unknown };
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw fail(`got a tensor whose shape is not a list of sizes: ${JSON.stringify(shape)}`);
    }
    if (shapeToString(shape) !== shapeToString(leaf.shape)) {
      throw fail(
        `got a tensor of shape ${shapeToString(shape)} (${values(sizeOf(shape))}), ` +
          `expected ${shapeToString(leaf.shape)} (${values(size)})`,
      );
    }
    if (dtype !== leaf.dtype) throw fail(`got a tensor of dtype ${String(dtype)}`);
    if (!isArrayLike(data)) throw fail(`got a tensor whose data is not an array of numbers`);
    if (data.length !== size) {
      // the shape matches but the data does not fill it
      throw fail(
        `got a tensor of shape ${shapeToString(shape)} whose data holds ${values(data.length)}, expected ${size}`,
      );
    }
    elements = data as ArrayLike<number>;
  } else if (
    ArrayBuffer.isView(value) ||
    (Array.isArray(value) && value.every((v) => typeof v === "number"))
  ) {
    // a flat array fills the tensor in row-major order
    elements = value as ArrayLike<number>;
    if (elements.length !== size) throw fail(`got ${values(elements.length)}, expected ${size}`);
  } else if (typeof value === "object" && value !== null && !isArrayLike(value)) {
    // neither array-like nor a tensor: flatten would read it as an empty list
    throw fail(
      `expected numbers (flat or nested arrays, a typed array) or a tensor { shape, dtype, data }, ` +
        `got an object with keys ${JSON.stringify(Object.keys(value))}`,
    );
  } else {
    let flat: { shape: number[]; values: number[] };
    try {
      flat = flatten(value as TensorData);
    } catch (e) {
      throw fail(e instanceof Error ? e.message : String(e));
    }
    if (shapeToString(flat.shape) !== shapeToString(leaf.shape)) {
      throw fail(
        `got nested arrays of shape ${shapeToString(flat.shape)} (${values(flat.values.length)}), ` +
          `expected ${shapeToString(leaf.shape)} (${values(size)})`,
      );
    }
    elements = flat.values;
  }
  for (let i = 0; i < elements.length; i++) {
    const v = elements[i]!;
    if (typeof v !== "number") throw fail(`element ${i} is not a number`);
    if (leaf.dtype === "i32" && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
      throw fail(`element ${i} is ${v}, not a 32-bit integer`);
    }
  }
  return fromValues(leaf.shape, leaf.dtype, elements);
}

/** Binds named values to `leaves`, rejecting unknown names and (when required) missing ones. */
export function bindLeaves(
  leaves: readonly Node[],
  values: Readonly<Record<string, Feed>> | undefined,
  kind: string,
  modelName: string,
  required: boolean,
): Map<Node, NDArray> {
  const byName = new Map(leaves.map((l) => [leafName(l), l]));
  const bound = new Map<Node, NDArray>();
  for (const [name, value] of Object.entries(values ?? {})) {
    const leaf = byName.get(name);
    if (!leaf) {
      const known = [...byName.keys()];
      throw new WasmgradError(
        `model '${modelName}' has no ${kind} named '${name}'; its ${kind}s are: ${known.length ? known.join(", ") : "(none)"}`,
      );
    }
    bound.set(leaf, coerce(leaf, value, modelName));
  }
  if (required) {
    const missing = leaves.filter((l) => !bound.has(l)).map(leafName);
    if (missing.length) {
      throw new WasmgradError(`model '${modelName}': no value given for ${kind}(s) ${missing.join(", ")}`);
    }
  }
  return bound;
}
