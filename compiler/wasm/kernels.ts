/**
 * Locates build/kernels.wasm, the AssemblyScript kernels compiled by `npm run build:kernels`
 * (run by `npm ci` through `prepare`). Found beside the sources (compiler/wasm -> ../../build) and
 * beside the built package (dist/compiler/wasm -> ../../../build).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WasmgradError } from "../errors.js";

let cached: Uint8Array | undefined;

export function loadKernels(): Uint8Array {
  if (cached) return cached;
  for (const relative of ["../../build/kernels.wasm", "../../../build/kernels.wasm"]) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) {
      cached = new Uint8Array(readFileSync(path));
      return cached;
    }
  }
  throw new WasmgradError("build/kernels.wasm is missing: run `npm run build:kernels` (npm ci does it)");
}
