// Types of the demo's bundler imports: `*.model.ts?wasmgrad` (the plugin's loader) and the
// pictures the Vite config renders at build time.
/// <reference path="../../compiler/plugin/client.d.ts" />

declare module "virtual:wasmgrad-pictures" {
  /** The model's forward graph, as SVG. */
  export const graph: string;
  /** The training step's memory plan, as SVG. */
  export const plan: string;
}
