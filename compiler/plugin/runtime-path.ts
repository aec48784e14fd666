/**
 * Where the generated modules import the runtime from: the absolute path of the built runtime
 * of this copy of wasmgrad (dist/runtime/index.js), not the bare specifier "wasmgrad/runtime".
 *
 * - It always resolves: from an app that depends on wasmgrad, from this repository's fixtures
 *   (where "wasmgrad/runtime" would need the bundler to support a package importing itself), and
 *   under pnpm, whose real paths are what the bundlers resolve to, so an app's own
 *   `import "wasmgrad/runtime"` and the generated import end up as the same file and the runtime
 *   is bundled once.
 * - The runtime that loads a module is the one shipped with the compiler that compiled it, so
 *   their manifest formats always agree.
 * - It is plain JavaScript, which every bundler takes without a TypeScript step.
 *
 * This file runs either from the TypeScript sources (compiler/plugin/, in this repository's
 * tests) or from the built package (dist/compiler/plugin/); both find <package root>/dist/runtime.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const fromDist = /\/dist\/compiler\/plugin\/[^/]+$/.test(import.meta.url);

/** The built runtime's entry, with forward slashes (an import specifier on every platform). */
export const RUNTIME_ENTRY = fileURLToPath(
  new URL(fromDist ? "../../runtime/index.js" : "../../dist/runtime/index.js", import.meta.url),
).replaceAll("\\", "/");

/** Throws when the built runtime is missing (a checkout that was never built). */
export function checkRuntime(): void {
  if (!existsSync(RUNTIME_ENTRY))
    throw new Error(
      `wasmgrad: the built runtime ${RUNTIME_ENTRY} is missing; run \`npm run build\` in wasmgrad`,
    );
}
