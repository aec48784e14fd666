/**
 * `atDims(model, { batch: 1 })`: the same model traced at other sizes. A model defined over dims
 * (`model(name, (m, { batch }) => ..., { batch: 32 })`) can be traced again with some of them
 * changed; the compiler does so for the entries of `compile`'s `batches` option, which share the
 * params of the model (so a param's shape must not depend on the dims; checked here).
 *
 * A retrace is kept per model and dims, so that asking twice gives the same Model (the compile
 * cache hashes each model once).
 */
import { WasmgradError } from "../errors.js";
import { leafName } from "../ir/graph.js";
import { shapeToString } from "../ir/shape.js";
import type { Dims, Model } from "./model.js";

const retraces = new WeakMap<Model, Map<string, Model>>();

/** `{ batch: 1, steps: 1 }` as the text of errors and reports. */
export function showDims(dims: Dims): string {
  return `{ ${Object.entries(dims)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")} }`;
}

/** `mdl` traced with `changes` applied to its dims (`mdl` itself when nothing changes). */
export function atDims(mdl: Model, changes: Partial<Dims>): Model {
  const fail = (detail: string): never => {
    throw new WasmgradError(`model '${mdl.name}': ${detail}`, { op: "compile" });
  };
  const { dims, retrace } = mdl;
  if (dims === undefined || retrace === undefined) {
    return fail(
      `it is not defined over dims, so it has one size only; define it as ` +
        `model(name, (m, { batch }) => ..., { batch: 32 }) to compile it at other sizes`,
    );
  }
  for (const [key, value] of Object.entries(changes)) {
    if (!Object.hasOwn(dims, key)) fail(`it has no dim '${key}' (its dims: ${showDims(dims)})`);
    if (!Number.isInteger(value) || (value as number) < 1)
      fail(`dim '${key}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  const merged: Dims = Object.freeze({ ...dims, ...changes } as Dims);
  if (Object.keys(dims).every((k) => merged[k] === dims[k])) return mdl;
  const key = JSON.stringify(merged);
  let byDims = retraces.get(mdl);
  if (!byDims) retraces.set(mdl, (byDims = new Map()));
  let traced = byDims.get(key);
  if (!traced) {
    traced = retrace(merged);
    checkSharedParams(mdl, traced, fail);
    byDims.set(key, traced);
  }
  return traced;
}

/** The retrace declares the same params, in the same order, of the same shapes. */
function checkSharedParams(mdl: Model, traced: Model, fail: (detail: string) => never): void {
  const at = `${showDims(mdl.dims!)}`;
  const other = `${showDims(traced.dims!)}`;
  const names = (m: Model) => m.graph.params.map(leafName).join(", ");
  if (names(mdl) !== names(traced)) {
    fail(
      `its params are ${names(mdl)} at ${at} but ${names(traced)} at ${other}: every size must ` +
        `declare the same params, which the entries share`,
    );
  }
  mdl.graph.params.forEach((p, k) => {
    const q = traced.graph.params[k]!;
    if (shapeToString(p.shape) !== shapeToString(q.shape)) {
      fail(
        `param '${leafName(p)}' has shape ${shapeToString(p.shape)} at ${at} but ${shapeToString(q.shape)} ` +
          `at ${other}: a param is shared by every entry, so its shape must not depend on the dims`,
      );
    }
  });
}
