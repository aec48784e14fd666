/**
 * Loads a user's model file for the CLI. A model file is an ES module (TypeScript or JavaScript)
 * that `export default`s a Model built with `model(...)`, and may export `inputs`: example values
 * for the model's inputs (a Record from input name to nested arrays or numbers), which
 * `wasmgrad gradcheck` and `wasmgrad train` use when no inputs file is given.
 *
 * TypeScript is compiled on the fly with tsx's programmatic API, so the `wasmgrad` bin runs from
 * plain node. tsImport loads the file (and what it imports) under its own namespace, which means
 * the model may have been built by another copy of the wasmgrad modules than the one running the
 * CLI: models and errors are therefore recognised by their shape and `name`, never `instanceof`.
 * (The graph functions only read nodes, and new nodes are made by the node's own Context, so
 * graphs from another copy work with this copy's functions.)
 *
 * Packages in node_modules are loaded by Node itself, shared with the CLI's own graph and not
 * passed through tsx (see MODULE_HOOKS): tsx rewrites every dynamic `import(` of an ES
 * module it loads, with a source map, which takes seconds for binaryen's 15 MB, and the compiler
 * imports binaryen. For the same reason a model file inside this repository (the examples, the
 * test fixtures) that imports the compiler's sources (`../../compiler/index.js`) gets the copy the
 * CLI itself runs: the built file in dist/ when the CLI runs from dist/ and that file is not older
 * than its source, else the source file in the CLI's own module graph. Compiling the compiler's
 * 180 source files again with esbuild and evaluating a second copy took 1 to 2.5 s of every
 * `wasmgrad compile examples/xor/model.ts`.
 */
import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { register as registerNodeHooks } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register as registerTsxCjs } from "tsx/cjs/api";
import { register as registerTsxEsm, tsImport } from "tsx/esm/api";
import { isModel, type Model } from "../dsl/model.js";
import type { Feed } from "../interp/bind.js";
import { relativePath } from "../inspect/text.js";
import { CliError } from "./errors.js";
import { describeValue, isPlainObject } from "./json.js";

/** The model file convention, for the help of the commands that take a model file. */
export const MODEL_FILE_HELP = `
Model files:
  A model file is a TypeScript or JavaScript ES module that default-exports a model, and may
  export example values for its inputs (used by gradcheck when --inputs is not given):

    import { model } from "wasmgrad";
    export default model("mlp", (m) => {
      const x = m.input("x", [4, 3]);
      const W = m.param("W", [3, 2]);
      m.loss(x.matmul(W).tanh().sum());
    });
    export const inputs = { x: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 1, 0]] };

  TypeScript is compiled on the fly (tsx). Keep the file an ES module (a package with
  "type": "module", or the .mts extension) so errors can name its lines.`;

export interface LoadedModel {
  readonly model: Model;
  /** The module's `inputs` export, if any. */
  readonly inputs: Readonly<Record<string, Feed>> | undefined;
  /** Absolute path of the model file. */
  readonly path: string;
  /** The path as shown to the user (relative to the working directory when below it). */
  readonly displayPath: string;
}

/**
 * Module hooks (run in Node's hooks thread, so plain JavaScript): a URL in node_modules loses
 * tsx's namespace query, and an ES module there is read as it is, short-circuiting the hooks
 * registered before (tsx's). A file of the compiler's own sources becomes the CLI's own copy
 * (`own`, see the file comment; the compiler's entry becomes the CLI's bundle when it runs from
 * one, see OWN_COPY), and the relative imports among the CLI's built files skip tsx's
 * resolver (each was a synchronous round trip from the main thread: 0.2 s of a compile). Everything else goes on to tsx, except that with `esmTypeScript`
 * a TypeScript file outside node_modules is loaded as an ES module even in a CommonJS package.
 */
const MODULE_HOOKS = String.raw`
import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
let esmTypeScript = false;
let own = null;
export function initialize(data) {
  esmTypeScript = data?.esmTypeScript === true;
  own = data?.own ?? null;
}
const mtime = (url) => statSync(fileURLToPath(url)).mtimeMs;
function ownCopy(url) {
  if (!own || !url.startsWith(own.root)) return undefined;
  const rel = url.slice(own.root.length);
  if (!/^(compiler|runtime)\//.test(rel)) return undefined;
  if (!own.fromDist) return url;
  const built = own.root + "dist/" + rel.replace(/\.ts$/, ".js");
  try {
    return mtime(built) >= mtime(url) ? built : undefined;
  } catch {
    return undefined;
  }
}
// the compiler's entry (its source, or its built file, also what the package name resolves to)
// is the CLI's bundle when the CLI runs from it and the bundle is not older than the entry
function bundledEntry(url) {
  if (!own?.bundle || !url.startsWith(own.root)) return undefined;
  const rel = url.slice(own.root.length);
  if (rel !== "compiler/index.ts" && rel !== "dist/compiler/index.js") return undefined;
  try {
    return mtime(own.bundle) >= mtime(url) ? own.bundle : undefined;
  } catch {
    return undefined;
  }
}
const inNodeModules = (url) => url.startsWith("file:") && url.includes("/node_modules/");
const types = new Map();
function packageType(dir) {
  if (types.has(dir)) return types.get(dir);
  let type;
  try {
    type = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).type === "module" ? "module" : "commonjs";
  } catch {
    type = dirname(dir) === dir ? "commonjs" : packageType(dirname(dir));
  }
  types.set(dir, type);
  return type;
}
export async function resolve(specifier, context, nextResolve) {
  // a relative import between the CLI's own built files: already a full path with its extension
  const parent = context.parentURL;
  if (own?.fromDist && parent?.startsWith(own.root + "dist/") && /^\.\.?\//.test(specifier)) {
    return { url: new URL(specifier, parent).href, format: "module", shortCircuit: true };
  }
  const result = await nextResolve(specifier, context);
  const q = result.url.indexOf("?");
  const path = q >= 0 ? result.url.slice(0, q) : result.url;
  const entry = bundledEntry(path);
  if (entry) return { url: entry, format: "module", shortCircuit: true };
  if (inNodeModules(result.url)) return q >= 0 ? { ...result, url: path } : result;
  const shared = ownCopy(path);
  if (shared) return { url: shared, format: "module", shortCircuit: true };
  if (esmTypeScript && result.format === "commonjs" && /\.tsx?$/.test(path)) return { ...result, format: "module" };
  return result;
}
export async function load(url, context, nextLoad) {
  if (inNodeModules(url) && !url.includes("?") && /\.m?js$/.test(url)) {
    const path = fileURLToPath(url);
    if (path.endsWith(".mjs") || packageType(dirname(path)) === "module") {
      return { format: "module", source: await readFile(path), shortCircuit: true };
    }
  }
  return nextLoad(url, context);
}
`;

/**
 * Where the CLI's own modules are: the package root (a file: URL ending in "/"), whether they
 * run from dist/ (the built package) or from the sources (`tsx compiler/cli/main.ts`), and the
 * bundle's URL when they run from dist/compiler/cli/bundle.js (bundle-entry.ts), which a model's
 * import of the compiler's entry then gets too.
 */
const OWN_COPY = (() => {
  const fromDist = /\/dist\/compiler\/cli\/[^/]+$/.test(import.meta.url);
  const bundle = import.meta.url.endsWith("/dist/compiler/cli/bundle.js") ? import.meta.url : null;
  return { root: new URL(fromDist ? "../../../" : "../../", import.meta.url).href, fromDist, bundle };
})();

/**
 * What tsx's tsImport does (a fresh namespace for its CommonJS and ESM hooks, then an import in
 * it), with MODULE_HOOKS registered after tsx's, so that they run first.
 */
async function importInNamespace(url: string, esmTypeScript: boolean): Promise<unknown> {
  const namespace = randomUUID();
  registerTsxCjs({ namespace });
  const esm = registerTsxEsm({ namespace });
  registerNodeHooks(`data:text/javascript,${encodeURIComponent(MODULE_HOOKS)}`, {
    parentURL: import.meta.url,
    data: { esmTypeScript, own: OWN_COPY },
  });
  return esm.import(url, import.meta.url);
}

/**
 * Imports a model file. A TypeScript file in a CommonJS package is compiled as CommonJS, and so is
 * what it imports; when that fails because an ES module with top-level await (binaryen, under the
 * compiler) cannot be required, the file is loaded again as an ES module.
 */
async function importModelFile(url: string): Promise<unknown> {
  if (/\.c[jt]s$/.test(url) || typeof registerNodeHooks !== "function") return tsImport(url, import.meta.url);
  try {
    return await importInNamespace(url, false);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    const tla = e instanceof Error && /top-level await/i.test(e.message);
    if (code !== "ERR_REQUIRE_ASYNC_MODULE" && !tla) throw e;
    return importInNamespace(url, true);
  }
}

/** Imports `file` (relative to `cwd`) and returns its default-exported model. */
export async function loadModel(file: string, cwd: string = process.cwd()): Promise<LoadedModel> {
  const path = resolve(cwd, file);
  const displayPath = relativePath(path, cwd);
  if (!existsSync(path)) throw new CliError(`cannot find model file '${file}' (no such file: ${path})`);
  if (statSync(path).isDirectory()) {
    throw new CliError(`'${file}' is a directory; give the path of a model file (e.g. model.ts)`);
  }

  // The compiler's modules, loaded before the hooks are: a model file that imports them (see
  // OWN_COPY) then finds them loaded, where resolving each of its ~180 files through the hooks
  // thread, one synchronous round trip each, took 0.2 to 0.4 s.
  await import("../index.js");
  const loading = importModelFile(pathToFileURL(path).href).catch((e: unknown) => {
    throw describeLoadError(e, displayPath);
  });
  const mod = (await unlessStalled(loading, displayPath)) as Record<string, unknown>;

  // A .ts file outside an ESM package is compiled as CommonJS: its exports arrive one level down.
  let exports: Record<string, unknown> = mod;
  if (!isModel(mod.default) && isPlainObject(mod.default) && isModel(mod.default.default)) {
    exports = mod.default;
  }

  const candidate = exports.default;
  if (!isModel(candidate)) {
    const named = Object.entries(exports)
      .filter(([key, value]) => key !== "default" && isModel(value))
      .map(([key]) => key);
    const hint = named.length ? ` (it exports models named ${named.join(", ")}; make one the default)` : "";
    const got =
      candidate === undefined
        ? "has no default export"
        : `default-exports ${typeof candidate === "function" ? "a function" : describeValue(candidate)}, not a model`;
    throw new CliError(
      `${displayPath} ${got}${hint}; a model file must \`export default model("name", (m) => { ... })\``,
    );
  }

  const inputs = exports.inputs;
  if (inputs !== undefined && !isPlainObject(inputs)) {
    throw new CliError(
      `the 'inputs' export of ${displayPath} must be an object mapping input names to values, got ${describeValue(inputs)}`,
    );
  }
  return { model: candidate, inputs: inputs as Record<string, Feed> | undefined, path, displayPath };
}

/**
 * `loading`, or a CliError if the event loop runs out of work while it is pending: then nothing
 * can settle it any more, as when the model file has a top-level await on a promise that is
 * never resolved (`await new Promise(() => {})`). Node would exit with status 13 and no message;
 * its `beforeExit` event comes first, only when no timer, I/O or other work is left, so a slow but
 * live await (a timer, a fetch) is left to finish.
 */
function unlessStalled<T>(loading: Promise<T>, displayPath: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stalled = () =>
      reject(
        new CliError(
          `${displayPath}: its top-level await never settled (it waits on a promise that is never ` +
            `resolved, in the file or in a module it imports)`,
        ),
      );
    process.once("beforeExit", stalled);
    loading.then(resolve, reject).finally(() => process.off("beforeExit", stalled));
  });
}

/** Turns an exception raised while importing the model file into a one-line CLI error. */
function describeLoadError(e: unknown, displayPath: string): unknown {
  if (!(e instanceof Error)) return new CliError(`loading ${displayPath} failed: ${String(e)}`);
  // wasmgrad's own errors already name the op, the shapes and the user's line
  if (e.name === "WasmgradError") return e;
  if (e.name === "TransformError") {
    // esbuild: "Transform failed with 1 error:\n/abs/file.ts:1:18: ERROR: Unexpected ';'"
    const details = e.message.split("\n").slice(1).filter(Boolean);
    return wrap(e, `cannot compile ${displayPath}: ${details.join("; ") || e.message}`);
  }
  const where = userFrame(e.stack ?? "");
  const firstLine = e.message.split("\n")[0] ?? "";
  return wrap(e, `loading ${displayPath} failed: ${e.name}: ${firstLine}${where ? ` (at ${where})` : ""}`);
}

/** A CliError that keeps the original error's stack for --verbose. */
function wrap(cause: Error, message: string): CliError {
  const err = new CliError(message);
  err.cause = cause;
  return err;
}

/** The first stack frame outside Node, node_modules and wasmgrad itself, as `file:line:col`. */
function userFrame(stack: string): string | undefined {
  const here = new URL("..", import.meta.url).pathname;
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? decodeURIComponent(m[1]!.slice(7)) : m[1]!;
    if (file.startsWith("node:") || file.includes("/node_modules/") || file.startsWith(here)) continue;
    if (!file.includes("/")) continue;
    return `${relativePath(file, process.cwd())}:${m[2]}:${m[3]}`;
  }
  return undefined;
}
