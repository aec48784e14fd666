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
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerCompile } from "./commands/compile.js";
import { registerGradcheck } from "./commands/gradcheck.js";
import { registerInspect } from "./commands/inspect.js";
import { registerRun } from "./commands/run.js";
import { registerTrain } from "./commands/train.js";
import { errorLine, EXIT_ERROR } from "./errors.js";
import { MODEL_FILE_HELP } from "./load-model.js";

/** The package's version, from the package.json above this file (source tree or dist/). */
function packageVersion(): string {
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "wasmgrad" && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next
    }
  }
  return "unknown";
}

/** The program with every command; `--help` lists them in this order. */
function buildProgram(): Command {
  const program = new Command();
  program
    .name("wasmgrad")
    .description(
      "Compile, inspect, check and run wasmgrad models (symbolic computation graphs with gradients).",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--verbose", "print stack traces with errors")
    .addHelpText("after", MODEL_FILE_HELP)
    .configureOutput({
      // commander's own messages ("error: unknown option ...") get the same prefix as ours
      outputError: (text, write) =>
        write(`wasmgrad: ${text.replace(/^error: /, "").trimEnd()} (see wasmgrad --help)\n`),
    })
    .exitOverride();
  for (const register of [registerInspect, registerCompile, registerRun, registerTrain, registerGradcheck]) {
    register(program);
  }
  return program;
}

/** Runs the command line; resolves with the exit status. */
async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and --version "fail" with exit code 0; usage errors were already printed
      return e.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    process.stderr.write(`wasmgrad: ${errorLine(e)}\n`);
    if (program.opts<{ verbose?: boolean }>().verbose || argv.includes("--verbose")) {
      const stack = e instanceof Error ? (e.stack ?? String(e)) : String(e);
      const cause = e instanceof Error && e.cause instanceof Error ? `\ncaused by: ${e.cause.stack}` : "";
      process.stderr.write(`${stack}${cause}\n`);
    }
    return EXIT_ERROR;
  }
}

// tsImport keeps a loader thread alive, so leave explicitly once stdout has drained.
const code = await main();
process.stdout.write("", () => process.exit(code));
