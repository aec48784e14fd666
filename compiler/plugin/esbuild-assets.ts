/**
 * esbuild: the generated module imports its `.wasm` from a virtual module that this plugin's
 * esbuild hooks give esbuild's own `file` loader. unplugin's `emitFile` for esbuild only writes
 * the bytes into `outdir` under the name given (no hash, nothing with `write: false`, no entry in
 * the metafile, and no reference the code could use); the file loader instead hashes the file
 * (`assetNames`, default `[name]-[hash]`), writes it with the other outputs (or returns it in
 * `outputFiles`), lists it in the metafile and gives the module its path relative to the output
 * file (or under `publicPath`), which `new URL(path, import.meta.url)` turns into its URL.
 * Formats other than ESM have no `import.meta`: the URL is resolved against the script's own
 * `document.currentScript.src`, read when the bundle runs (its top level is synchronous).
 */
import type { PluginBuild } from "esbuild";
import { safeName } from "./hash.js";
import type { Emitted } from "./emit.js";

const SCHEME = "wasmgrad-wasm:";
const NAMESPACE = "wasmgrad-wasm";

export class EsbuildAssets {
  /** The latest bytes of each model file. */
  private readonly bytes = new Map<string, Uint8Array>();
  private esm = true;

  /** Registers the virtual modules' hooks (unplugin's `esbuild.setup`). */
  readonly setup = (build: PluginBuild): void => {
    this.esm = build.initialOptions.format === "esm";
    build.onResolve({ filter: /^wasmgrad-wasm:/ }, (args) => {
      const [modelFile, name] = JSON.parse(args.path.slice(SCHEME.length)) as [string, string];
      // a path of its own per model file; its base name gives the output's [name]
      return { path: `${modelFile}/${safeName(name)}.wasm`, namespace: NAMESPACE, pluginData: modelFile };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
      const contents = this.bytes.get(args.pluginData as string);
      if (contents === undefined)
        return { errors: [{ text: `wasmgrad: no module was compiled for ${args.path}` }] };
      return { contents, loader: "file" };
    });
  };

  /** Keeps `wasm` for the virtual module of `modelFile`; returns the code that imports it. */
  add(modelFile: string, name: string, wasm: Uint8Array): Emitted {
    this.bytes.set(modelFile, wasm);
    const specifier = SCHEME + JSON.stringify([modelFile, name]);
    const base = this.esm
      ? "import.meta.url"
      : "globalThis.document?.currentScript?.src ?? globalThis.location?.href";
    return {
      imports: `import wasmFile from ${JSON.stringify(specifier)};`,
      url: `const wasmUrl = new URL(wasmFile, ${base}).href;`,
    };
  }
}
