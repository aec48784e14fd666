/**
 * The JavaScript module that a `?wasmgrad` import becomes: its default export is
 * `{ url, manifest, load(options?) }` (typed by client.d.ts), where `load` fetches the `.wasm`
 * from `url` and gives it to the runtime's `load` (a fetch Response is streamed and compiled
 * while it downloads when served as application/wasm).
 */
import type { Manifest } from "../../runtime/manifest.js";

export interface ModuleCode {
  /** The runtime's import specifier (runtime-path.ts). */
  readonly runtime: string;
  /** Statements that declare `wasmUrl` (a string), from the bundler's way of emitting the file. */
  readonly url: string;
  /** Imports the `url` statements need, if any. */
  readonly imports?: string;
  readonly manifest: Manifest;
}

export function moduleCode({ runtime, url, imports, manifest }: ModuleCode): string {
  return [
    `import { load as loadModule } from ${JSON.stringify(runtime)};`,
    ...(imports ? [imports] : []),
    url,
    `const manifest = JSON.parse(${JSON.stringify(JSON.stringify(manifest))});`,
    `export default {`,
    `  url: wasmUrl,`,
    `  manifest,`,
    `  load: (options) => loadModule(fetch(wasmUrl), options),`,
    `};`,
    ``,
  ].join("\n");
}
