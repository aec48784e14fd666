/**
 * How the `.wasm` reaches the output, per bundler. Each gives the statements that declare
 * `wasmUrl` in the generated module (module-code.ts).
 *
 * - Rollup, Rolldown and `vite build`: a hashed asset (`this.emitFile({ type: "asset" })`), whose
 *   URL the bundler writes in place of `import.meta.ROLLUP_FILE_URL_<ref>`, honouring Vite's
 *   `base`, `build.assetsDir` and `experimental.renderBuiltUrl`.
 * - `vite` (dev server): served from memory (dev-server.ts).
 * - esbuild: see esbuild-assets.ts (esbuild's own `file` loader).
 * - webpack and Rspack: `this.emitFile` (unplugin's adapter calls `compilation.emitAsset`) with a
 *   hashed name, addressed from `__webpack_public_path__`, which they set for their `output.publicPath`.
 * - Any other host unplugin supports: the bytes inline, as a data: URL.
 */
import type { UnpluginBuildContext } from "unplugin";
import { assetName, safeName } from "./hash.js";

export interface Emitted {
  /** Statements that declare `const wasmUrl`. */
  readonly url: string;
  /** Import declarations they need. */
  readonly imports?: string;
}

type EmitAsset = (asset: {
  type: "asset";
  name?: string;
  fileName?: string;
  originalFileName?: string;
  source: Uint8Array;
}) => string;

/** Rollup, Rolldown, `vite build`: an asset named `<model>.wasm`, hashed by the bundler. */
export function rollupAsset(
  ctx: UnpluginBuildContext,
  name: string,
  modelFile: string,
  wasm: Uint8Array,
): Emitted {
  // the rollup plugin context's emitFile returns the reference id (unplugin types it as void)
  const ref = (ctx.emitFile as unknown as EmitAsset)({
    type: "asset",
    name: `${safeName(name)}.wasm`,
    originalFileName: modelFile,
    source: wasm,
  });
  return { url: `const wasmUrl = import.meta.ROLLUP_FILE_URL_${ref};` };
}

/** webpack and Rspack: a hashed asset at the root of the output, under the public path. */
export function webpackAsset(ctx: UnpluginBuildContext, name: string, wasm: Uint8Array): Emitted {
  const fileName = assetName(name, wasm);
  ctx.emitFile({ type: "asset", fileName, source: wasm });
  return { url: `const wasmUrl = __webpack_public_path__ + ${JSON.stringify(fileName)};` };
}

/** A fixed URL (Vite's dev server). */
export function fixedUrl(url: string): Emitted {
  return { url: `const wasmUrl = ${JSON.stringify(url)};` };
}

/** The bytes in the module itself. */
export function inlineUrl(wasm: Uint8Array): Emitted {
  const base64 = Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength).toString("base64");
  return { url: `const wasmUrl = "data:application/wasm;base64,${base64}";` };
}
