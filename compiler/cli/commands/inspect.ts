/**
 * `wasmgrad inspect`:
 *
 *   inspect model.ts [--grad] [--dot] [--opt] [-o file]   the graph (text or Graphviz)
 *   inspect model.ts ... --svg graph.svg                   and the same graph drawn as SVG
 *   inspect model.ts --html report.html [--optimizer adam] an HTML report with every picture
 *   inspect model.ts --memory [--optimizer adam] [-o plan.svg]   memory plans (commands/memory.ts)
 *   inspect model.wasm                                     a compiled module's manifest
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { gradGraph } from "../../autodiff/grad.js";
import { trainGraph } from "../../optim/train.js";
import { graphToDot } from "../../inspect/dot.js";
import { compiledReport, htmlReport, type CompiledReport } from "../../inspect/report.js";
import { graphToSvg, loadGraphviz } from "../../inspect/svg.js";
import { printGraph } from "../../inspect/text.js";
import { describeFusions, formatPassReport, optimizeGraph } from "../../passes/pipeline.js";
import { addCacheOptions, cacheDirFor, describeCache, type CacheCliOptions } from "../cache-options.js";
import { compileModel, preloadCompiler, textArtifact } from "../compile-model.js";
import { describeModule, describePlain } from "../describe-module.js";
import { CliError, messageOf } from "../errors.js";
import { loadModel, MODEL_FILE_HELP } from "../load-model.js";
import { optimizerFor, optimizerOption, type OptimizerName } from "../optimizers.js";
import { positiveNumber } from "../options.js";
import { checkWritable, emit, writeOut } from "../output.js";
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
  /** Also write the graph (the one --dot would print) as an SVG picture to this file. */
  readonly svg?: string;
  /** Compile the model and write the HTML report to this file. */
  readonly html?: string;
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
    .option(
      "--svg <file>",
      "also write the graph (the one --dot would print: forward, --grad, --opt) as an SVG picture, " +
        "drawn in-process by Graphviz compiled to WebAssembly (no Graphviz install needed)",
    )
    .option(
      "--html <file>",
      "compile the model (default options) and write a self-contained HTML report: summary, forward " +
        "and gradient graphs, and each entry's optimized graph, fused kernels and memory plan",
    )
    .addOption(
      optimizerOption(
        "with --memory or --html: include the train_step of this optimizer; with --opt: optimize " +
          "the training step (gradients and updates; row-sparse SGD updates show as scatter_sub)",
      ),
    )
    .option(
      "--lr <rate>",
      "with --memory, --html or --opt, and --optimizer: the learning rate",
      positiveNumber("--lr"),
    )
    .option("-o, --output <file>", "write to a file instead of stdout (with --memory: the SVG picture)");
  addCacheOptions(command, "with --memory or --html: compile");
  command
    .addHelpText("after", MODEL_FILE_HELP)
    .action((file: string, opts: InspectOptions) => inspectCommand(file, opts));
}

/** Checks the flags against the kind of file, then prints the graph, the memory plans or the manifest. */
export async function inspectCommand(file: string, opts: InspectOptions): Promise<void> {
  const compiles = opts.memory || opts.html !== undefined;
  if (!compiles && !opts.opt && (opts.optimizer !== undefined || opts.lr !== undefined)) {
    throw new CliError(
      `${opts.optimizer !== undefined ? "--optimizer" : "--lr"} applies to the memory plan or the ` +
        `optimized training step: add --memory or --opt`,
    );
  }
  if (opts.opt && opts.optimizer !== undefined && opts.grad) {
    throw new CliError(
      "--grad and --optimizer pick different graphs (the gradient graph, the training step, " +
        "which holds the gradients): give one",
    );
  }
  // (memoryCommand checks --lr for itself)
  if (opts.optimizer === undefined && opts.lr !== undefined && !opts.memory) {
    throw new CliError("--lr sets the optimizer's learning rate: add --optimizer");
  }
  if (!compiles && (opts.cache === false || opts.cacheDir !== undefined)) {
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
    if (opts.svg !== undefined || opts.html !== undefined) {
      throw new CliError(
        `${opts.svg !== undefined ? "--svg draws a model file's graph" : "--html reports on a model file"}; ` +
          `'${file}' is a compiled module (inspect the model file, or compile it with --emit dot,plan)`,
      );
    }
    emit(describeModule(await readModuleFile(file)), opts.output);
  } else if (opts.html !== undefined) {
    const others = [
      opts.memory && "--memory",
      ...graphFlags,
      opts.opt && "--opt",
      opts.svg !== undefined && "--svg",
      opts.output !== undefined && "-o",
    ].filter(Boolean);
    if (others.length) {
      throw new CliError(
        `--html cannot be combined with ${others.join(" and ")} (the report has every graph; ` +
          `it is written to the file given to --html)`,
      );
    }
    process.stdout.write(await htmlCommand(file, opts.html, opts));
  } else if (opts.memory) {
    if (opts.svg !== undefined) graphFlags.push("--svg");
    if (graphFlags.length) throw new CliError(`--memory cannot be combined with ${graphFlags.join(" and ")}`);
    const { text, svg } = await memoryCommand(file, opts);
    process.stdout.write(text);
    if (opts.output !== undefined) emit(svg, opts.output);
  } else {
    await inspectGraph(file, opts);
  }
}

/**
 * `inspect model.ts [--grad] [--opt] [--dot] [--svg file]`: the forward or gradient graph,
 * optionally optimized; with --svg, also that graph drawn as SVG (written after the text).
 */
async function inspectGraph(file: string, opts: InspectOptions): Promise<void> {
  const svgPath = opts.svg === undefined ? undefined : resolve(opts.svg);
  if (svgPath !== undefined) {
    checkWritable(svgPath, `--svg '${opts.svg}'`);
    startGraphviz();
  }
  const { model } = await loadModel(file);
  // the model's node table (every node of a model shares it)
  const ctx = [...model.graph.inputs, ...model.graph.params, ...model.graph.outputs.values()][0]?.ctx;
  const sharedByTrace = ctx?.sharedRequests ?? 0;
  // with --opt --optimizer: the training step (gradients and the optimizer's updates)
  const optimizer = opts.opt ? optimizerFor(model, opts, "trained") : undefined;
  const graph = optimizer
    ? trainGraph(model, optimizer).graph
    : opts.grad
      ? gradGraph(model.graph)
      : model.graph;
  const kind = optimizer ? `training-step (${describePlain(optimizer)})` : opts.grad ? "gradient" : "forward";
  const sharedByGrad = (ctx?.sharedRequests ?? 0) - sharedByTrace;
  // drawn before anything is written, so that a failure to draw leaves no output; the file after the text
  const picture = async (g: typeof graph) => (svgPath === undefined ? undefined : await draw(graphToDot(g)));
  const write = (text: string, svg: string | undefined) => {
    emit(text, opts.output);
    if (svgPath !== undefined) writeOut(svgPath, svg!);
  };
  if (!opts.opt) {
    write(opts.dot ? graphToDot(graph) : printGraph(graph), await picture(graph));
    return;
  }
  const { graph: optimized, report } = optimizeGraph(graph);
  const svg = await picture(optimized);
  if (opts.dot) {
    write(graphToDot(optimized), svg);
    return;
  }
  const fusions = describeFusions(optimized);
  const header =
    `passes (-O2) on the ${kind} graph of '${model.name}':\n` +
    `cse by hash-consing, as the graph was built: ${sharedByTrace} duplicate nodes removed while tracing` +
    (opts.grad || optimizer ? `, ${sharedByGrad} while differentiating` : "") +
    "\n" +
    `${formatPassReport(report)}\n` +
    (fusions ? `fused kernels:\n${fusions}\n` : "") +
    "\n";
  write(header + printGraph(optimized), svg);
}

/**
 * Starts loading Graphviz's WebAssembly (0.25 s) while the model loads, and before: imported
 * after a model file, the package would be resolved through the model loader's hooks thread. A
 * failure here is reported by draw, which tries again.
 */
function startGraphviz(): void {
  loadGraphviz().catch(() => undefined);
}

/** graphToSvg, with a failure to load or run Graphviz as one line saying so. */
async function draw(dot: string): Promise<string> {
  try {
    return await graphToSvg(dot);
  } catch (e) {
    throw new CliError(`cannot draw the graph with Graphviz (WebAssembly): ${messageOf(e)}`);
  }
}

/**
 * `wasmgrad inspect model.ts --html report.html [--optimizer adam]`: compiles the model (default
 * options; with --optimizer, train_step too), writes the report (compiler/inspect/report.ts) and
 * returns the summary to print. Through the compile cache unless --no-cache: what the report needs
 * of the compile (each entry's graph as DOT, fused kernels, plans) is stored with the module as
 * one JSON artifact, so a hit only draws the pictures.
 */
async function htmlCommand(file: string, html: string, opts: InspectOptions): Promise<string> {
  const cwd = process.cwd();
  const out = resolve(cwd, html);
  checkWritable(out, `--html '${html}'`);
  startGraphviz();
  await preloadCompiler();
  const loaded = await loadModel(file, cwd);
  const { model } = loaded;
  const optimizer = optimizerFor(model, opts, "compiled");
  // the DOT's tooltips show source paths relative to the working directory: the name says which
  const artifact = `html-report ${cwd}`;
  const { compiled } = await compileModel(
    model,
    { ...(optimizer && { optimizer }) },
    {
      cacheDir: cacheDirFor(opts, loaded.path, cwd),
      artifacts: { [artifact]: (c) => JSON.stringify(compiledReport(c, { cwd })) },
    },
  );
  const report = JSON.parse(textArtifact(compiled, artifact)) as CompiledReport;
  const compiledWith = `optimizer ${describePlain(optimizer ?? null)}`;
  const started = performance.now();
  let page: string;
  try {
    page = await htmlReport(model, report, { cwd, source: loaded.displayPath, compiledWith });
  } catch (e) {
    throw new CliError(`cannot draw the report's graphs with Graphviz (WebAssembly): ${messageOf(e)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  writeOut(out, page);
  const pictures = page.match(/<svg\b/g)?.length ?? 0;
  return [
    `report of model '${model.name}' (${loaded.displayPath}), ${compiledWith}`,
    `  compile cache ${describeCache(compiled.cache, cwd)}`,
    `  wrote    ${html}: ${pictures} pictures, ${page.length} bytes, drawn in ${seconds.toFixed(2)} s`,
    ``,
  ].join("\n");
}
