/**
 * The plugin's options, and the compile options of one model file.
 *
 * Precedence of the compile options, lowest first (merged key by key, not deeply):
 *   1. the compiler's defaults;
 *   2. the plugin's `compile` option (`wasmgrad({ compile: { simd: false } })`), for every model;
 *   3. the model file's named export `compileOptions`, for that model only.
 * A model file says what its model needs (its optimizer, clipNorm); the plugin's options set what
 * every model of the app shares, and a model file may still override them.
 */
import { CACHE_DIR_ENV, defaultCacheDir } from "../cache/location.js";
import type { CompileOptions } from "../pipeline/options.js";

export interface WasmgradPluginOptions {
  /** Compile options for every model; a model file's `compileOptions` override them key by key. */
  readonly compile?: CompileOptions;
  /**
   * The compile cache's directory, or false to compile without it. Default: $WASMGRAD_CACHE_DIR,
   * else node_modules/.cache/wasmgrad of the model file's package (compiler/cache/location.ts).
   */
  readonly cacheDir?: string | false;
}

/** The cache directory for a model file, or undefined without the cache. */
export function cacheDirFor(options: WasmgradPluginOptions, modelFile: string): string | undefined {
  if (options.cacheDir === false) return undefined;
  return options.cacheDir ?? (process.env[CACHE_DIR_ENV] || defaultCacheDir(modelFile));
}

/** The compile options of one model: the plugin's, then the model file's (see the file comment). */
export function mergeCompileOptions(
  plugin: CompileOptions | undefined,
  file: CompileOptions | undefined,
): CompileOptions {
  return { ...plugin, ...file };
}
