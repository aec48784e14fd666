/**
 * Loads and compiles one model file for the bundler: imports it (import-model.ts), merges the
 * compile options (options.ts) and compiles through the compile cache (compiler/cache), whose
 * hits load neither the stages nor binaryen.
 *
 * The last result of each file is kept in memory with the modification times of the files it
 * was built from: a bundler that loads the module again with none of them changed (an esbuild
 * rebuild, a second importer) gets it without importing the model again, and concurrent loads
 * of one file share one compile. A failure is compiled again on the next load.
 */
import { statSync } from "node:fs";
import type { Manifest } from "../../runtime/manifest.js";
import type { CacheOutcome } from "../cache/compile-cached.js";
import { importModel } from "./import-model.js";
import { cacheDirFor, mergeCompileOptions, type WasmgradPluginOptions } from "./options.js";

export interface CompiledModelFile {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly manifest: Manifest;
  /** The compile cache's outcome, undefined without the cache. */
  readonly cache: CacheOutcome | undefined;
}

export interface ModelCompiler {
  /** Compiles the model file `file` (absolute), or gives the last result when nothing changed. */
  compile(file: string): Promise<CompiledModelFile>;
  /** The model file and the files it imported at its last load, even one that failed: to watch. */
  filesOf(file: string): readonly string[];
}

const mtime = (file: string): number => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

interface Memo {
  /** The modification time of each file the model was built from, when it was read. */
  readonly stamps: Map<string, number>;
  /** Undefined after a failure. */
  readonly result: Promise<CompiledModelFile> | undefined;
}

/** A compiler of model files with its memo (one per plugin instance). */
export function modelCompiler(options: WasmgradPluginOptions): ModelCompiler {
  const memo = new Map<string, Memo>();
  const fresh = (m: Memo) => [...m.stamps].every(([f, t]) => mtime(f) === t);
  return {
    compile(file) {
      const last = memo.get(file);
      if (last?.result && fresh(last)) return last.result;
      const stamps = new Map<string, number>();
      const result = compileFile(file, options, (f) => stamps.set(f, mtime(f)));
      memo.set(file, { stamps, result });
      // a failure is not kept: it may come from outside the files read (a file not there yet)
      result.catch(() => memo.get(file)?.result === result && memo.set(file, { stamps, result: undefined }));
      return result;
    },
    filesOf: (file) => [...(memo.get(file)?.stamps.keys() ?? [file])],
  };
}

async function compileFile(
  file: string,
  options: WasmgradPluginOptions,
  onFile: (path: string) => void,
): Promise<CompiledModelFile> {
  const imported = await importModel(file, onFile);
  const compileOptions = mergeCompileOptions(options.compile, imported.compileOptions);
  const cacheDir = cacheDirFor(options, file);
  if (cacheDir === undefined) {
    const { compile } = await import("../pipeline/compile.js");
    const { wasm, manifest } = await compile(imported.model, compileOptions);
    return { wasm, manifest, cache: undefined };
  }
  const { compileCached } = await import("../cache/compile-cached.js");
  const { wasm, manifest, cache } = await compileCached(imported.model, compileOptions, { dir: cacheDir });
  return { wasm, manifest, cache };
}
