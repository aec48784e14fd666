/**
 * The `wasmgrad` program: every command (one file each in commands/), the options common to all,
 * and how failures are reported. main.ts loads it for everything but `--version`.
 */
import { Command, CommanderError } from "commander";
import { registerCompile } from "./commands/compile.js";
import { registerGradcheck } from "./commands/gradcheck.js";
import { registerInspect } from "./commands/inspect.js";
import { registerRun } from "./commands/run.js";
import { registerTrain } from "./commands/train.js";
import { errorLine, EXIT_ERROR } from "./errors.js";
import { MODEL_FILE_HELP } from "./load-model.js";
import { packageVersion } from "./package-version.js";
import { compileBinaryenOnDemand } from "../wasm/binaryen/preference.js";

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
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  // one command, at most one compile, then exit: binaryen's functions compile as they are called
  compileBinaryenOnDemand();
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
