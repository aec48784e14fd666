/**
 * `load(bytes)`: compile a wasmgrad module (engine.ts), read its manifest (read-manifest.ts),
 * instantiate it and wrap it in a Net (net.ts) whose calls are synchronous. Loading is the one
 * asynchronous step; after it, a call is a few typed-array copies around one exported
 * WebAssembly function.
 */
import { compileModule, pickVariant } from "./engine.js";
import { WasmgradRuntimeError } from "./errors.js";
import { createNet } from "./net.js";
import { readManifest } from "./read-manifest.js";
import type { AnyModel, LoadOptions, ModelTypes, Net, WasmSource } from "./types.js";

/**
 * Compiles and instantiates a wasmgrad module. Accepts the bytes, a compiled
 * `WebAssembly.Module`, or a `fetch()` response (or its promise), which is compiled while it
 * downloads when served as `application/wasm`.
 */
export async function load<T extends ModelTypes = AnyModel>(
  source: WasmSource,
  options: LoadOptions = {},
): Promise<Net<T>> {
  const module = await pickVariant(await compileModule(await source), options.relaxedSimd);
  const manifest = readManifest(module);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length) {
    const names = imports.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new WasmgradRuntimeError(`load: the module imports ${names}; a wasmgrad module imports nothing`, {
      model: manifest.model,
    });
  }
  const instance = await WebAssembly.instantiate(module, {});
  return createNet(manifest, instance, options) as unknown as Net<T>;
}
