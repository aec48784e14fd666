/**
 * The entry of the CLI's bundle, dist/compiler/cli/bundle.js (`npm run build:cli`, part of
 * `npm run build`): the program and the compiler's public API in one file, which Node loads
 * three to four times faster than the 200 files it is made of (45 vs 160 ms for the compiler
 * alone, mostly resolving and reading files one by one). main.ts runs the program from it when it
 * is current, and a model file's import of the compiler's entry is given the same bundle
 * (load-model.ts), so that the model and the CLI share one copy.
 *
 * It sits beside the other files of dist/compiler/cli/ so that every path the compiler derives
 * from `import.meta.url` (the kernels, the package root, the compiler's own stack frames) is the
 * same as in the file it was bundled from, each three levels below the package root.
 */
export * from "../index.js";
export { main } from "./program.js";
