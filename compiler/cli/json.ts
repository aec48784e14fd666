/** JSON values: printing them (`run`'s output), tensors as nested arrays, and naming their kind. */

/** JSON with objects indented and arrays on one line. */
export function formatJson(value: unknown, indent = ""): string {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const inner = indent + "  ";
    const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
    return `{\n${body.join(",\n")}\n${indent}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => formatJson(v, indent)).join(", ")}]`;
  return JSON.stringify(value);
}

/** A flat typed array as nested arrays of `shape` (a number for a scalar); NaN and ±Infinity as strings. */
export function nest(values: Float32Array | Int32Array, shape: readonly number[]): unknown {
  const num = (v: number) => (Number.isFinite(v) ? v : String(v));
  const build = (offset: number, axis: number): unknown => {
    if (axis === shape.length) return num(values[offset]!);
    const n = shape[axis]!;
    const stride = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
    return Array.from({ length: n }, (_, i) => build(offset + i * stride, axis + 1));
  };
  return build(0, 0);
}

/** True for `{ ... }` (an object literal or JSON object), not an array, a class instance or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** "null", "an array", "an object", "a number", ...: what the user gave instead. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
