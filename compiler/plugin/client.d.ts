/**
 * The types of `?wasmgrad` imports, for an app's TypeScript: add "wasmgrad/plugin/client" to
 * `compilerOptions.types` in its tsconfig (or `/// <reference types="wasmgrad/plugin/client" />`).
 *
 *   import mlp from "./mlp.model.ts?wasmgrad";
 *   const net = await mlp.load(); // the runtime's Net
 */
declare module "*?wasmgrad" {
  import type { LoadOptions, Manifest, Net } from "wasmgrad/runtime";

  const model: {
    /** The URL of the compiled `.wasm` (a hashed asset in builds). */
    readonly url: string;
    /** The module's manifest: its inputs, outputs, params and entries. */
    readonly manifest: Manifest;
    /** Fetches, compiles and instantiates the module: the runtime's `load(fetch(url), options)`. */
    load(options?: LoadOptions): Promise<Net>;
  };
  export default model;
}
