/**
 * The `?wasmgrad` query: `import mlp from "./mlp.model.ts?wasmgrad"` asks for the compiled model,
 * not the model file's own code. Ids carry the query to the load hook, which compiles the file.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";

export const QUERY = "?wasmgrad";

/** Matches the ids the plugin resolves and loads (for the hooks' filters). */
export const ID_FILTER = /\?wasmgrad$/;

/** The model file of an id such as `/app/src/mlp.model.ts?wasmgrad`. */
export function modelFileOf(id: string): string {
  return id.slice(0, -QUERY.length);
}

/**
 * The absolute id of a relative `?wasmgrad` import, or of an absolute one naming a file, else
 * undefined: a bare one (a package, an alias) and a path that is no file (Vite's URLs from its
 * root, `/src/mlp.model.ts?wasmgrad`) are left to the bundler's own resolver.
 */
export function resolveModelId(id: string, importer: string | undefined): string | undefined {
  if (!ID_FILTER.test(id)) return undefined;
  const file = modelFileOf(id);
  if (isAbsolute(file)) return existsSync(file) ? id : undefined;
  if (!/^\.\.?\//.test(file)) return undefined;
  const base = importer ? dirname(importer.replace(/[?#].*$/, "")) : process.cwd();
  return resolve(base, file) + QUERY;
}
