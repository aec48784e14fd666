/**
 * wasmgrad/runtime: load a compiled model (`.wasm`) and call it, in browsers, Node, Deno, Bun and
 * edge workers. No dependencies, no Node built-ins, no side effects at import time.
 *
 *   import { load } from "wasmgrad/runtime";
 *   const net = await load(fetch("xor.wasm"));
 *   net.init(42);
 *   for (let i = 0; i < 1000; i++) net.train({ x, y });
 *   const { probs } = net.run({ x });
 */
export { load } from "./load.js";
export { readManifest } from "./read-manifest.js";
export { supportsRelaxedSimd } from "./engine.js";
export type {
  AnyModel,
  ArrayFor,
  ForwardHandle,
  GradResult,
  InputValues,
  LoadOptions,
  LoadWeightsOptions,
  ModelTypes,
  Net,
  Outputs,
  ResponseLike,
  SaveWeightsOptions,
  Tensors,
  WasmSource,
} from "./types.js";
export { WasmgradRuntimeError } from "./errors.js";
export type { RuntimeErrorContext } from "./errors.js";
export type { InputValue, NestedNumbers, NumericArray } from "./values.js";
export { WEIGHTS_FORMAT_VERSION, WEIGHTS_MAGIC } from "./weights.js";
export type { WeightsHeader, WeightsTensor } from "./weights.js";
export { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, MANIFEST_SECTION } from "./manifest.js";
export type { DType, EntryInfo, Manifest, TensorInfo, TensorRole } from "./manifest.js";
