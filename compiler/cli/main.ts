#!/usr/bin/env node
/**
 * The `wasmgrad` command line:
 *
 *   wasmgrad inspect model.ts [--grad] [--dot] [-o file]     print the graph (text or Graphviz)
 *   wasmgrad inspect model.ts --memory [-o plan.svg]         each entry's memory plan (+ SVG)
 *   wasmgrad gradcheck model.ts [--inputs x.json] [--seed n]  analytic vs numeric gradients
 *   wasmgrad compile model.ts [-o m.wasm] [--optimizer adam]  compile to WebAssembly (+ --emit ...)
 *   wasmgrad inspect model.wasm                               a compiled module's manifest
 *   wasmgrad run model.wasm --input x=x.json [--entry train]  run it with the runtime, print JSON
 *
 * Failures print one line, `wasmgrad: <message>`, on stderr and exit with status 2 (1 is kept
 * for "gradcheck ran and the gradients disagree"); `--verbose` adds the stack trace.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { gradGraph } from "../autodiff/grad.js";
import { describeFusions, formatPassReport, optimizeGraph } from "../passes/pipeline.js";
import { formatGradcheck, gradcheck } from "../gradcheck.js";
import { graphToDot } from "../inspect/dot.js";
import { printGraph, relativePath } from "../inspect/text.js";
import { leafName } from "../ir/graph.js";
import { CliError, loadModel, readInputsFile } from "./load-model.js";
import {
  compileCommand,
  describeModule,
  EMIT_KINDS,
  looksLikeWasm,
  memoryCommand,
  OPTIMIZERS,
  parseEmitList,
  readModuleFile,
  runCommand,
  type CompileCliOptions,
  type EmitKind,
  type OptimizerName,
  type RunCliOptions,
} from "./module-commands.js";

/** Exit status for errors (usage, loading, model errors); gradcheck failures exit with 1. */
const EXIT_ERROR = 2;

const MODEL_FILE_HELP = `
Model files:
  A model file is a TypeScript or JavaScript ES module that default-exports a model, and may
  export example values for its inputs (used by gradcheck when --inputs is not given):

    import { model } from "wasmgrad";
    export default model("mlp", (m) => {
      const x = m.input("x", [4, 3]);
      const W = m.param("W", [3, 2]);
      m.loss(x.matmul(W).tanh().sum());
    });
    export const inputs = { x: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 1, 0]] };

  TypeScript is compiled on the fly (tsx). Keep the file an ES module (a package with
  "type": "module", or the .mts extension) so errors can name its lines.`;

function parseNumber(what: string, check: (n: number) => boolean, expected: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || !check(n)) {
      throw new InvalidArgumentError(`${what} must be ${expected}, got '${text}'.`);
    }
    return n;
  };
}

function emit(text: string, output: string | undefined): void {
  if (output === undefined) process.stdout.write(text);
  else {
    try {
      writeFileSync(output, text);
    } catch (e) {
      throw new CliError(`cannot write '${output}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

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

interface InspectOptions {
  readonly grad?: boolean;
  readonly dot?: boolean;
  readonly opt?: boolean;
  readonly memory?: boolean;
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
  readonly output?: string;
}

interface GradcheckCliOptions {
  readonly inputs?: string;
  readonly seed: number;
  readonly eps?: number;
  readonly tolerance?: number;
  readonly maxElements?: number;
  readonly checkInputs?: boolean;
}

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

  program
    .command("inspect")
    .description(
      "print the forward graph of a model file, or its gradient graph with --grad, or the memory " +
        "plan of each compiled entry with --memory; for a compiled .wasm, print its manifest " +
        "(options, exports, memory, tensors)",
    )
    .argument("<model>", "model file (default-exports a model), or a .wasm compiled by wasmgrad")
    .option("--grad", "print the gradient graph: the forward graph plus d loss / d each param")
    .option("--dot", "print Graphviz DOT instead of text (render with: dot -Tsvg)")
    .option(
      "--opt",
      "run the -O2 passes first: print each pass's node and kernel counts and the rules that fired, " +
        "the ops each fused kernel runs, then the optimized graph (with --dot: the optimized graph as DOT)",
    )
    .option(
      "--memory",
      "compile the model (default options) and print each entry's memory plan: arena, naive and " +
        "lower-bound sizes and a table of buffers; with -o, also write a picture of buffer " +
        "lifetimes against offsets as SVG",
    )
    .addOption(
      new Option("--optimizer <name>", "with --memory: include the train_step of this optimizer").choices(
        OPTIMIZERS,
      ),
    )
    .option(
      "--lr <rate>",
      "with --memory --optimizer: the learning rate",
      parseNumber("--lr", (n) => n > 0, "a positive number"),
    )
    .option("-o, --output <file>", "write to a file instead of stdout (with --memory: the SVG picture)")
    .addHelpText("after", MODEL_FILE_HELP)
    .action(async (file: string, opts: InspectOptions) => {
      if (!opts.memory && (opts.optimizer !== undefined || opts.lr !== undefined)) {
        throw new CliError(
          `${opts.optimizer !== undefined ? "--optimizer" : "--lr"} applies to the memory plan: add --memory`,
        );
      }
      if (looksLikeWasm(file)) {
        const flags = [opts.grad && "--grad", opts.dot && "--dot"].filter(Boolean);
        if (flags.length) {
          throw new CliError(
            `${flags.join(" and ")} print${flags.length === 1 ? "s" : ""} a model file's graph; ` +
              `'${file}' is a compiled module (compile with --emit dot,ir for its graphs)`,
          );
        }
        if (opts.memory) {
          throw new CliError(
            `--memory plans a model file's compilation; '${file}' is a compiled module ` +
              `(inspect the model file, or compile it with --emit plan)`,
          );
        }
        emit(describeModule(await readModuleFile(file)), opts.output);
        return;
      }
      if (opts.memory) {
        const flags = [opts.grad && "--grad", opts.dot && "--dot"].filter(Boolean);
        if (flags.length) throw new CliError(`--memory cannot be combined with ${flags.join(" and ")}`);
        const { text, svg } = await memoryCommand(file, opts);
        process.stdout.write(text);
        if (opts.output !== undefined) emit(svg, opts.output);
        return;
      }
      const { model } = await loadModel(file);
      // the model's node table (every node of a model shares it)
      const ctx = [...model.graph.inputs, ...model.graph.params, ...model.graph.outputs.values()][0]?.ctx;
      const sharedByTrace = ctx?.sharedRequests ?? 0;
      const graph = opts.grad ? gradGraph(model.graph) : model.graph;
      const sharedByGrad = (ctx?.sharedRequests ?? 0) - sharedByTrace;
      if (opts.opt) {
        const { graph: optimized, report } = optimizeGraph(graph);
        const fusions = describeFusions(optimized);
        const header =
          `passes (-O2) on the ${opts.grad ? "gradient" : "forward"} graph of '${model.name}':\n` +
          `cse by hash-consing, as the graph was built: ${sharedByTrace} duplicate nodes removed while tracing` +
          (opts.grad ? `, ${sharedByGrad} while differentiating` : "") +
          "\n" +
          `${formatPassReport(report)}\n` +
          (fusions ? `fused kernels:\n${fusions}\n` : "") +
          "\n";
        emit(opts.dot ? graphToDot(optimized) : header + printGraph(optimized), opts.output);
        return;
      }
      emit(opts.dot ? graphToDot(graph) : printGraph(graph), opts.output);
    });

  program
    .command("compile")
    .description(
      "compile a model to one self-contained WebAssembly module (forward, backward and, with " +
        "--optimizer, train_step), and print a summary",
    )
    .argument("<model>", "model file (default-exports a model)")
    .option("-o, --output <file>", "the .wasm to write (default: <model name>.wasm next to the model file)")
    .addOption(
      new Option("--optimizer <name>", "bake a training step with this optimizer into the module").choices(
        OPTIMIZERS,
      ),
    )
    .option(
      "--lr <rate>",
      "learning rate (default 0.1; 0.001 for adam)",
      parseNumber("--lr", (n) => n > 0, "a positive number"),
    )
    .option(
      "--clip-norm <c>",
      "clip the gradients to this global norm in the training step",
      parseNumber("--clip-norm", (n) => n > 0, "a positive number"),
    )
    .option("--no-simd", "emit scalar code (for hosts without WebAssembly SIMD)")
    .option(
      "--relaxed-simd",
      "fused multiply-adds (relaxed SIMD) in matmuls: faster where supported (Chrome 114+, Node 21+), " +
        "results may differ in the last bits between machines",
    )
    .option("--no-optimize", "skip binaryen's optimizer (faster compile, larger module)")
    .option(
      "--emit <kinds>",
      `also write <out>.wat, <out>.dot (forward and gradient graphs), <out>.d.ts (types for the ` +
        `runtime's load<...>), <out>.ir.txt (the entries' graphs) and <out>.plan.svg (the ` +
        `entries' memory plans); a comma-separated list of ` +
        `${EMIT_KINDS.join(", ")}`,
      (text: string, previous: EmitKind[] | undefined) => {
        try {
          return parseEmitList(text, previous);
        } catch (e) {
          throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
        }
      },
    )
    .addHelpText("after", MODEL_FILE_HELP)
    .action(async (file: string, opts: CompileCliOptions) => {
      process.stdout.write(await compileCommand(file, opts));
    });

  program
    .command("run")
    .description(
      "load a compiled .wasm with the runtime, initialize it (--seed) or load --weights, " +
        "run one entry and print its outputs (and loss) as JSON",
    )
    .argument("<module>", "a .wasm compiled by wasmgrad")
    .option(
      "--input <name=file.json>",
      "an input's value as JSON (nested arrays or a number); repeat for each input, or give " +
        "one file holding an object of values by name",
      (spec: string, previous: string[] | undefined) => [...(previous ?? []), spec],
    )
    .addOption(
      new Option(
        "--entry <entry>",
        "what to run: the forward pass, the loss and gradients, or training steps",
      )
        .choices(["forward", "backward", "train"])
        .default("forward"),
    )
    .option(
      "--seed <n>",
      "seed for the params' initializers (default 0)",
      parseNumber(
        "--seed",
        (n) => Number.isInteger(n) && n >= -0x80000000 && n <= 0xffffffff,
        "a 32-bit integer",
      ),
    )
    .option("--weights <file>", "load params (and states) from a weights file instead of initializing")
    .option(
      "--steps <n>",
      "training steps to take with --entry train (default 1); prints every loss",
      parseNumber("--steps", (n) => Number.isInteger(n) && n > 0, "a positive integer"),
    )
    .option("--save-weights <file>", "afterwards, save the params and states to a weights file")
    .action(async (file: string, opts: RunCliOptions) => {
      process.stdout.write(await runCommand(file, opts));
    });

  program
    .command("gradcheck")
    .description(
      "compare the symbolic gradients of the model's loss with centered differences " +
        "(exit status 1 when they disagree)",
    )
    .argument("<model>", "model file (default-exports a model; may export `inputs`)")
    .option(
      "--inputs <file.json>",
      "input values as JSON: { name: nested arrays, ... } (default: the module's `inputs` export)",
    )
    .option(
      "--seed <n>",
      "seed for the parameters' initializers",
      parseNumber("--seed", Number.isInteger, "an integer"),
      0,
    )
    .option(
      "--eps <e>",
      "perturbation ε (default 1e-5)",
      parseNumber("--eps", (n) => n > 0, "a positive number"),
    )
    .option(
      "--tolerance <t>",
      "worst acceptable error (default 1e-6)",
      parseNumber("--tolerance", (n) => n >= 0, "a non-negative number"),
    )
    .option(
      "--max-elements <n>",
      "elements checked per tensor, sampled deterministically (default 100)",
      parseNumber("--max-elements", (n) => Number.isInteger(n) && n > 0, "a positive integer"),
    )
    .option("--check-inputs", "also check d loss / d each f32 input")
    .addHelpText("after", MODEL_FILE_HELP)
    .action(async (file: string, opts: GradcheckCliOptions) => {
      const loaded = await loadModel(file);
      const { model } = loaded;
      const inputs = opts.inputs !== undefined ? readInputsFile(opts.inputs) : loaded.inputs;
      const names = model.graph.inputs.map(leafName);
      if (inputs === undefined && names.length > 0) {
        throw new CliError(
          `model '${model.name}' has inputs (${names.join(", ")}) but no values for them: ` +
            `pass --inputs file.json or export \`inputs\` from ${loaded.displayPath}`,
        );
      }
      const report = gradcheck(model, {
        inputs: inputs ?? {},
        seed: opts.seed,
        ...(opts.eps !== undefined && { eps: opts.eps }),
        ...(opts.tolerance !== undefined && { tolerance: opts.tolerance }),
        ...(opts.maxElements !== undefined && { maxElements: opts.maxElements }),
        ...(opts.checkInputs && { checkInputs: true }),
      });
      const source = opts.inputs !== undefined ? opts.inputs : `the \`inputs\` export`;
      process.stdout.write(
        `gradcheck ${model.name} (${loaded.displayPath}), seed ${opts.seed}, inputs from ${names.length ? source : "(none)"}\n`,
      );
      process.stdout.write(formatGradcheck(report) + "\n");
      if (!report.ok) process.exitCode = 1;
    });

  return program;
}

/** One line for the user: wasmgrad errors with their location made relative to the cwd. */
function errorLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const w = e as Error & {
    location?: { file: string; line: number; column: number };
    op?: string;
    detail?: string;
  };
  let message = e.message;
  if (e.name === "WasmgradError" && w.detail !== undefined) {
    const where = w.location
      ? `${relativePath(w.location.file, process.cwd())}:${w.location.line}:${w.location.column}`
      : undefined;
    message = [where, w.op, w.detail].filter((p) => p !== undefined).join(": ");
  } else if (e.name !== "WasmgradError" && e.name !== "CliError" && e.name !== "WasmgradRuntimeError") {
    message = `internal error: ${e.name}: ${e.message} (run with --verbose for the stack trace)`;
  }
  return message.replaceAll(/\s*\n\s*/g, " ");
}

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
