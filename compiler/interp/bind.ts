/**
 * Checks user-supplied values against a graph's leaves: unknown or missing names, shapes and
 * dtypes are reported with the leaf's name and the line that declared it.
 */
import { WasmgradError } from "../errors.js";
import { leafName } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { shapeToString, sizeOf, typeToString } from "../ir/shape.js";
import { flatten, fromValues, type NDArray, type TensorData } from "../ir/ndarray.js";

export type Feed = TensorData | NDArray;

function isNDArray(v: unknown): v is NDArray {
  return typeof v === "object" && v !== null && "shape" in v && "dtype" in v && "data" in v;
}

/** Converts one user value into an NDArray of the leaf's type, or explains why it cannot. */
export function coerce(leaf: Node, value: Feed, modelName: string): NDArray {
  const what = `${leaf.op} '${leafName(leaf)}' of model '${modelName}' (${typeToString(leaf)})`;
  const fail = (detail: string) => new WasmgradError(`${what}: ${detail}`, { location: leaf.src });
  let values: ArrayLike<number>;
  if (isNDArray(value)) {
    if (shapeToString(value.shape) !== shapeToString(leaf.shape)) {
      throw fail(`got a tensor of shape ${shapeToString(value.shape)}`);
    }
    if (value.dtype !== leaf.dtype) throw fail(`got a tensor of dtype ${value.dtype}`);
    values = value.data;
  } else if (
    ArrayBuffer.isView(value) ||
    (Array.isArray(value) && value.every((v) => typeof v === "number"))
  ) {
    // a flat array fills the tensor in row-major order
    values = value as ArrayLike<number>;
    if (values.length !== sizeOf(leaf.shape)) {
      throw fail(`got ${values.length} values, expected ${sizeOf(leaf.shape)}`);
    }
  } else {
    let flat: { shape: number[]; values: number[] };
    try {
      flat = flatten(value as TensorData);
    } catch (e) {
      throw fail(e instanceof Error ? e.message : String(e));
    }
    if (shapeToString(flat.shape) !== shapeToString(leaf.shape)) {
      throw fail(`got nested arrays of shape ${shapeToString(flat.shape)}`);
    }
    values = flat.values;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== "number") throw fail(`element ${i} is not a number`);
    if (leaf.dtype === "i32" && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
      throw fail(`element ${i} is ${v}, not a 32-bit integer`);
    }
  }
  return fromValues(leaf.shape, leaf.dtype, values);
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
