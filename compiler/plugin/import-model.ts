/**
 * Imports a model file at build time with tsx's `tsImport`, in a fresh namespace each time, so
 * that an edited file (and what it imports) is evaluated again, and records the files it imports
 * for the bundler to watch. The CLI's loadModel (compiler/cli/load-model.ts) is not used: it
 * returns the model and `inputs` only, and the plugin needs the `compileOptions` export and the
 * list of imported files too.
 *
 * Like the CLI, it recognises a model by its shape (isModel), never `instanceof`: the model file
 * imports its own copy of wasmgrad ("wasmgrad", i.e. dist/compiler), not the plugin's modules.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { describeValue, isPlainObject } from "../cli/json.js";
import { isModel, type Model } from "../dsl/model.js";
import type { CompileOptions } from "../pipeline/options.js";

export interface ImportedModel {
  readonly model: Model;
  /** The file's `compileOptions` export, if any. */
  readonly compileOptions: CompileOptions | undefined;
  /** The model file and the files it imports, outside node_modules and wasmgrad itself. */
  readonly files: readonly string[];
}

/** wasmgrad's own files (its sources and dist/), which are not the user's to watch. */
const PACKAGE_ROOT = fileURLToPath(
  new URL(/\/dist\/compiler\//.test(import.meta.url) ? "../../../" : "../../", import.meta.url),
);
const OWN = [`${PACKAGE_ROOT}compiler/`, `${PACKAGE_ROOT}runtime/`, `${PACKAGE_ROOT}dist/`];

function userFile(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = fileURLToPath(url.replace(/[?#].*$/, ""));
  if (path.includes("/node_modules/") || OWN.some((dir) => path.startsWith(dir))) return undefined;
  return path;
}

/**
 * Imports `file` and returns its model and compile options. `onFile` hears of each user file
 * imported as it is, so that the files of a model that fails to load are known too (to watch
 * them: the save that fixes the error must trigger a rebuild).
 */
export async function importModel(
  file: string,
  onFile: (path: string) => void = () => {},
): Promise<ImportedModel> {
  const files = new Set<string>([file]);
  onFile(file);
  const mod = (await tsImport(pathToFileURL(file).href, {
    parentURL: import.meta.url,
    onImport: (url) => {
      const path = userFile(url);
      if (path !== undefined && !files.has(path)) {
        files.add(path);
        onFile(path);
      }
    },
  })) as Record<string, unknown>;

  // a .ts file compiled as CommonJS (a package without "type": "module") has its exports one level down
  const exports =
    !isModel(mod.default) && isPlainObject(mod.default) && isModel(mod.default.default) ? mod.default : mod;
  const candidate = exports.default;
  if (!isModel(candidate)) {
    const got =
      candidate === undefined ? "has no default export" : `default-exports ${describeValue(candidate)}`;
    throw new Error(`${file} ${got}; a model file must \`export default model("name", (m) => { ... })\``);
  }
  const options = exports.compileOptions;
  if (options !== undefined && !isPlainObject(options))
    throw new Error(
      `the 'compileOptions' export of ${file} must be an object such as { optimizer: optim.adam(0.01) }, got ${describeValue(options)}`,
    );
  return { model: candidate, compileOptions: options as CompileOptions | undefined, files: [...files] };
}
