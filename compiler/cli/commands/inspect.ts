/**
 * `wasmgrad inspect`:
 *
 *   inspect model.ts [--grad] [--dot] [--opt] [-o file]   the graph (text or Graphviz)
 *   inspect model.ts --memory [--optimizer adam] [-o plan.svg]   memory plans (commands/memory.ts)
 *   inspect model.wasm                                     a compiled module's manifest
 */
import type { Command } from "commander";
import { gradGraph } from "../../autodiff/grad.js";
import { graphToDot } from "../../inspect/dot.js";
import { printGraph } from "../../inspect/text.js";
import { describeFusions, formatPassReport, optimizeGraph } from "../../passes/pipeline.js";
import { addCacheOptions, type CacheCliOptions } from "../cache-options.js";
import { describeModule } from "../describe-module.js";
import { CliError } from "../errors.js";
import { loadModel, MODEL_FILE_HELP } from "../load-model.js";
import { optimizerOption, type OptimizerName } from "../optimizers.js";
import { positiveNumber } from "../options.js";
import { emit } from "../output.js";
import { looksLikeWasm, readModuleFile } from "../wasm-file.js";
import { memoryCommand } from "./memory.js";

export interface InspectOptions extends CacheCliOptions {
  readonly grad?: boolean;
  readonly dot?: boolean;
  readonly opt?: boolean;
  readonly memory?: boolean;
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
  readonly output?: string;
}

/** Adds `wasmgrad inspect` to the program. */
export function registerInspect(program: Command): void {
  const command = program
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
    .addOption(optimizerOption("with --memory: include the train_step of this optimizer"))
    .option("--lr <rate>", "with --memory --optimizer: the learning rate", positiveNumber("--lr"))
    .option("-o, --output <file>", "write to a file instead of stdout (with --memory: the SVG picture)");
  addCacheOptions(command, "with --memory: compile");
  command
    .addHelpText("after", MODEL_FILE_HELP)
    .action((file: string, opts: InspectOptions) => inspectCommand(file, opts));
}

/** Checks the flags against the kind of file, then prints the graph, the memory plans or the manifest. */
export async function inspectCommand(file: string, opts: InspectOptions): Promise<void> {
  if (!opts.memory && (opts.optimizer !== undefined || opts.lr !== undefined)) {
    throw new CliError(
      `${opts.optimizer !== undefined ? "--optimizer" : "--lr"} applies to the memory plan: add --memory`,
    );
  }
  if (!opts.memory && (opts.cache === false || opts.cacheDir !== undefined)) {
    throw new CliError(
      `${opts.cache === false ? "--no-cache" : "--cache-dir"} applies to the compile of --memory: add --memory`,
    );
  }
  const graphFlags = [opts.grad && "--grad", opts.dot && "--dot"].filter(Boolean);
  if (looksLikeWasm(file)) {
    if (graphFlags.length) {
      throw new CliError(
        `${graphFlags.join(" and ")} print${graphFlags.length === 1 ? "s" : ""} a model file's graph; ` +
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
  } else if (opts.memory) {
    if (graphFlags.length) throw new CliError(`--memory cannot be combined with ${graphFlags.join(" and ")}`);
    const { text, svg } = await memoryCommand(file, opts);
    process.stdout.write(text);
    if (opts.output !== undefined) emit(svg, opts.output);
  } else {
    await inspectGraph(file, opts);
  }
}

/** `inspect model.ts [--grad] [--opt] [--dot]`: the forward or gradient graph, optionally optimized. */
async function inspectGraph(file: string, opts: InspectOptions): Promise<void> {
  const { model } = await loadModel(file);
  // the model's node table (every node of a model shares it)
  const ctx = [...model.graph.inputs, ...model.graph.params, ...model.graph.outputs.values()][0]?.ctx;
  const sharedByTrace = ctx?.sharedRequests ?? 0;
  const graph = opts.grad ? gradGraph(model.graph) : model.graph;
  const sharedByGrad = (ctx?.sharedRequests ?? 0) - sharedByTrace;
  if (!opts.opt) {
    emit(opts.dot ? graphToDot(graph) : printGraph(graph), opts.output);
    return;
  }
  const { graph: optimized, report } = optimizeGraph(graph);
  if (opts.dot) {
    emit(graphToDot(optimized), opts.output);
    return;
  }
  const fusions = describeFusions(optimized);
  const header =
    `passes (-O2) on the ${opts.grad ? "gradient" : "forward"} graph of '${model.name}':\n` +
    `cse by hash-consing, as the graph was built: ${sharedByTrace} duplicate nodes removed while tracing` +
    (opts.grad ? `, ${sharedByGrad} while differentiating` : "") +
    "\n" +
    `${formatPassReport(report)}\n` +
    (fusions ? `fused kernels:\n${fusions}\n` : "") +
    "\n";
  emit(header + printGraph(optimized), opts.output);
}
