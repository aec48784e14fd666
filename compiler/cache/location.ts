/**
 * Where the compile cache lives by default: under the project of the model file, as babel,
 * eslint and vite keep theirs, so that deleting node_modules (or the project) deletes it too and
 * two projects never share one.
 *
 *   <package root>/node_modules/.cache/wasmgrad   the nearest directory above the model file with
 *                                                 a package.json, when it has a node_modules
 *   <package root>/.wasmgrad-cache                when it has none (node_modules is not created)
 *   <model file's directory>/.wasmgrad-cache      when no package.json is above the model file
 *
 * The CLI's --cache-dir and the environment variable WASMGRAD_CACHE_DIR (CACHE_DIR_ENV) override
 * it (compiler/cli/cache-options.ts).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const CACHE_DIR_ENV = "WASMGRAD_CACHE_DIR";

/** The default cache directory for compiling the model file `modelPath` (see the file comment). */
export function defaultCacheDir(modelPath: string): string {
  const start = dirname(resolve(modelPath));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) {
      const modules = join(dir, "node_modules");
      return existsSync(modules) ? join(modules, ".cache", "wasmgrad") : join(dir, ".wasmgrad-cache");
    }
    if (dirname(dir) === dir) return join(start, ".wasmgrad-cache");
  }
}
