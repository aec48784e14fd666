/**
 * Vite builds the demo with the wasmgrad plugin, which compiles spirals.model.ts at build time
 * (`import spirals from "./spirals.model.ts?wasmgrad"` in worker.ts) and emits the hashed .wasm.
 * A second, small plugin gives the page its pictures, rendered at build time with the compiler's
 * own renderers: the model's forward graph (Graphviz compiled to WebAssembly) and the memory plan
 * of the training step, as the virtual module `virtual:wasmgrad-pictures`.
 *
 * The config imports the compiler's TypeScript sources, so it is run by tsx (build.ts, dev.ts,
 * and the end-to-end test pass it to Vite's API with `configFile: false`) rather than loaded by
 * Vite's own config loader.
 */
import { defineConfig, type Plugin } from "vite";
import { compile, graphToDot, graphToSvg, planToSvg, type Model } from "../../compiler/index.js";
import wasmgrad from "../../compiler/plugin/index.js";

const PICTURES = "virtual:wasmgrad-pictures";

function pictures(): Plugin {
  return {
    name: "wasmgrad-demo-pictures",
    resolveId: (id) => (id === PICTURES ? `\0${PICTURES}` : undefined),
    async load(id) {
      if (id !== `\0${PICTURES}`) return undefined;
      const file = new URL("./spirals.model.ts", import.meta.url);
      this.addWatchFile(file.pathname);
      const { tsImport } = await import("tsx/esm/api");
      const mod = (await tsImport(file.href, import.meta.url)) as {
        default: Model;
        compileOptions: Parameters<typeof compile>[1];
      };
      const compiled = await compile(mod.default, mod.compileOptions);
      const graph = await graphToSvg(graphToDot(mod.default.graph));
      const plan = planToSvg(
        [{ name: "train_step", plan: compiled.plans.train! }],
        "memory plan of train_step",
      );
      return `export const graph = ${JSON.stringify(graph)};\nexport const plan = ${JSON.stringify(plan)};\n`;
    },
  };
}

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  base: "./", // relative asset URLs: the demo works from any directory it is served from
  plugins: [wasmgrad(), pictures()],
  worker: { format: "es", plugins: () => [wasmgrad()] },
  build: { target: "es2022" },
});
