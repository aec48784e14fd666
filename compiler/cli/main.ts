#!/usr/bin/env node
/**
 * The `wasmgrad` command line, one file per command in commands/:
 *
 *   wasmgrad inspect model.ts [--grad] [--dot] [-o file]     print the graph (text or Graphviz)
 *   wasmgrad inspect model.ts --memory [-o plan.svg]         each entry's memory plan (+ SVG)
 *   wasmgrad gradcheck model.ts [--inputs x.json] [--seed n]  analytic vs numeric gradients
 *   wasmgrad compile model.ts [-o m.wasm] [--optimizer adam]  compile to WebAssembly (+ --emit ...)
 *   wasmgrad inspect model.wasm                               a compiled module's manifest
 *   wasmgrad run model.wasm --input x=x.json [--entry train]  run it with the runtime, print JSON
 *   wasmgrad train model.ts --input xy.json --steps 500       compile, train, save the weights
 *
 * Failures print one line, `wasmgrad: <message>`, on stderr and exit with status 2 (1 is kept
 * for "gradcheck ran and the gradients disagree"); `--verbose` adds the stack trace.
 */
import { statSync } from "node:fs";
import { packageVersion } from "./package-version.js";

/**
 * The program's module: the bundle beside this file when it is at least as new as this file (both
 * are written by `npm run build`; bundle-entry.ts), else the program's own files (running from the
 * sources, or after a `tsc` build alone).
 */
function programUrl(): string {
  const bundle = new URL("./bundle.js", import.meta.url);
  try {
    if (statSync(bundle).mtimeMs >= statSync(new URL(import.meta.url)).mtimeMs) return bundle.href;
  } catch {
    // no bundle (the sources, or a build without it)
  }
  return new URL("./program.js", import.meta.url).href;
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // answered before the commands and the compiler are loaded (a third of a second)
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = (await import(programUrl())) as typeof import("./program.js");
  const code = await main();
  // tsImport keeps a loader thread alive, so leave explicitly once stdout has drained.
  process.stdout.write("", () => process.exit(code));
}
