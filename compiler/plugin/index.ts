/**
 * wasmgrad's bundler plugin, one implementation for Vite, Rollup, Rolldown, esbuild, webpack
 * and Rspack (unplugin): `import mlp from "./mlp.model.ts?wasmgrad"` compiles the model file at
 * build time and gives `{ url, manifest, load(options?) }`, where `await mlp.load()` is the
 * runtime's Net. Types: client.d.ts.
 *
 *   // vite.config.ts
 *   import wasmgrad from "wasmgrad/plugin";
 *   export default { plugins: [wasmgrad({ compile: { simd: true } })] };
 *
 * The wiring only; the parts are ids.ts (the query), compile-model.ts (loading and compiling,
 * with the compile cache), emit.ts, esbuild-assets.ts and dev-server.ts (how each bundler gets
 * the .wasm), module-code.ts (the generated module) and errors.ts (compile errors with the model
 * file's line, for the bundler's overlay).
 */
import { createUnplugin, type UnpluginInstance } from "unplugin";
import { modelCompiler } from "./compile-model.js";
import { DevAssets } from "./dev-server.js";
import { fixedUrl, inlineUrl, rollupAsset, webpackAsset, type Emitted } from "./emit.js";
import { EsbuildAssets } from "./esbuild-assets.js";
import { bundlerError } from "./errors.js";
import { ID_FILTER, modelFileOf, resolveModelId } from "./ids.js";
import { moduleCode } from "./module-code.js";
import type { WasmgradPluginOptions } from "./options.js";
import { checkRuntime, RUNTIME_ENTRY } from "./runtime-path.js";

export type { WasmgradPluginOptions } from "./options.js";

export const wasmgrad: UnpluginInstance<WasmgradPluginOptions | undefined, false> = createUnplugin<
  WasmgradPluginOptions | undefined,
  false
>((options = {}, meta) => {
  const compiler = modelCompiler(options);
  const dev = new DevAssets();
  const esbuildAssets = new EsbuildAssets();
  let viteServe = false;
  let viteBase = "/";

  return {
    name: "wasmgrad",
    enforce: "pre",
    buildStart() {
      checkRuntime();
    },
    resolveId: {
      filter: { id: ID_FILTER },
      handler: (id, importer) => resolveModelId(id, importer),
    },
    load: {
      filter: { id: ID_FILTER },
      async handler(id) {
        const file = modelFileOf(id);
        let compiled;
        try {
          compiled = await compiler.compile(file);
        } catch (e) {
          for (const f of compiler.filesOf(file)) this.addWatchFile(f);
          this.error(bundlerError(e, id)); // throws in Vite, Rollup and Rolldown
          if (meta.framework === "esbuild") return ""; // esbuild fails the build with the error
          throw e instanceof Error ? e : new Error(String(e));
        }
        for (const f of compiler.filesOf(file)) this.addWatchFile(f);
        for (const note of compiled.cache?.notes ?? []) this.warn(`wasmgrad: ${note}`);

        const { wasm, manifest } = compiled;
        const name = manifest.model;
        let emitted: Emitted;
        switch (meta.framework) {
          case "vite":
            emitted = viteServe
              ? fixedUrl(dev.add(file, name, wasm, viteBase))
              : rollupAsset(this, name, file, wasm);
            break;
          case "rollup":
          case "rolldown":
            emitted = rollupAsset(this, name, file, wasm);
            break;
          case "esbuild":
            emitted = esbuildAssets.add(file, name, wasm);
            break;
          case "webpack":
          case "rspack":
            emitted = webpackAsset(this, name, wasm);
            break;
          default:
            emitted = inlineUrl(wasm);
        }
        return { code: moduleCode({ runtime: RUNTIME_ENTRY, manifest, ...emitted }), map: null };
      },
    },
    vite: {
      configResolved(config) {
        viteServe = config.command === "serve";
        viteBase = config.base;
      },
      configureServer(server) {
        server.middlewares.use(dev.middleware);
      },
    },
    esbuild: {
      onResolveFilter: ID_FILTER,
      onLoadFilter: ID_FILTER,
      loader: "js",
      setup: esbuildAssets.setup,
    },
  };
});

/** The Vite plugin: `plugins: [wasmgrad()]` in vite.config.ts. */
export default wasmgrad.vite;
