/**
 * `wasmgrad train model.ts --input xy.json --steps 500 [--save-weights w.bin]`: compiles the model
 * with its training step in this process (as `compile --optimizer` would), loads it with the
 * runtime, initializes it (--seed, or --weights), takes --steps training steps on the same
 * inputs, and saves the params. Progress goes to stderr: on a terminal a bar with the rate, the
 * time left and the loss, redrawn in place; elsewhere (a pipe, a file, CI) or with --every, a plain
 * line every --every steps. A summary with the first and last loss goes to stdout.
 *
 * The weights file holds the params only (not the optimizer's moments), so it loads into any
 * module compiled from the model: `wasmgrad run model.wasm --weights w.bin` with or without
 * --optimizer. (`run --entry train --save-weights` keeps the states, to continue a run exactly.)
 * A file named `*.safetensors` is written (and --weights read) as safetensors, for PyTorch & co.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { leafName } from "../../ir/graph.js";
import { load, type Net } from "../../../runtime/index.js";
import { addCacheOptions, cacheDirFor, describeCache, type CacheCliOptions } from "../cache-options.js";
import { compileModel, preloadCompiler } from "../compile-model.js";
import { describeTraining, simdText } from "../describe-module.js";
import { CliError } from "../errors.js";
import { checkSeedOrWeights, initNet, weightsFile, type InitCliOptions } from "../init-net.js";
import { checkEntryInputs, readInputSpecs } from "../input-files.js";
import { loadModel, MODEL_FILE_HELP, type LoadedModel } from "../load-model.js";
import { hasLoss, makeOptimizer, optimizerOption, type OptimizerName } from "../optimizers.js";
import { progress as progressBar } from "../progress.js";
import { collect, positiveInteger, positiveNumber, seed32 } from "../options.js";
import { checkWritable, writeAfterResults } from "../output.js";
import { looksLikeWasm } from "../wasm-file.js";

export interface TrainCliOptions extends InitCliOptions, CacheCliOptions {
  /** `name=file.json` or `file.json` specs; undefined: the model file's `inputs` export. */
  readonly input?: readonly string[];
  readonly steps: number;
  /** Print progress every this many steps (default: defaultProgressInterval(steps)). */
  readonly every?: number;
  readonly optimizer: OptimizerName;
  readonly lr?: number;
  readonly clipNorm?: number;
  readonly simd: boolean;
  readonly saveWeights?: string;
}

/** Adds `wasmgrad train` to the program. */
export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .description(
      "compile a model with its training step, train it on the given inputs for --steps steps " +
        "(progress on stderr), print the first and last loss, and save the weights",
    )
    .argument("<model>", "model file (default-exports a model with a loss; may export `inputs`)")
    .option(
      "--input <name=file.json>",
      "an input's value as JSON (nested arrays or a number); repeat for each input, or give one " +
        "file holding an object of values by name (default: the model file's `inputs` export)",
      collect,
    )
    .requiredOption(
      "--steps <n>",
      "training steps to take, each on all the inputs (required)",
      positiveInteger("--steps"),
    )
    .option(
      "--every <k>",
      "print the step, loss and steps/s every k steps and after the last (default: steps/10, rounded up)",
      positiveInteger("--every"),
    )
    .addOption(optimizerOption("the optimizer of the training step").default("adam"))
    .option(
      "--lr <rate>",
      "learning rate (default 0.001 for adam; 0.1 for the others)",
      positiveNumber("--lr"),
    )
    .option("--clip-norm <c>", "clip the gradients to this global norm", positiveNumber("--clip-norm"))
    .option("--no-simd", "compile scalar code (for hosts without WebAssembly SIMD)")
    .option("--seed <n>", "seed for the params' initializers (default 0)", seed32("--seed"))
    .option(
      "--weights <file>",
      "start from the params (and states) of a weights file (safetensors if named *.safetensors) " +
        "instead of initializing",
    )
    .option(
      "--save-weights <file>",
      "afterwards, save the trained params to a weights file (safetensors if named *.safetensors)",
    );
  addCacheOptions(command);
  command.addHelpText("after", MODEL_FILE_HELP).action(async (file: string, opts: TrainCliOptions) => {
    const report =
      process.stderr.isTTY && opts.every === undefined
        ? barReporter(opts.steps)
        : lineReporter(opts, (line) => process.stderr.write(`${line}\n`));
    await trainCommand(file, opts, report, (text) => process.stdout.write(text));
  });
}

/** What the training loop tells about its progress: each step's loss, then the end. */
export interface StepReporter {
  step(step: number, loss: number): void;
  finish(): void;
}

/** A bar redrawn in place on the terminal (stderr), with the rate, the time left and the loss. */
function barReporter(steps: number): StepReporter {
  const bar = progressBar({ total: steps, unit: "steps", interactive: true });
  let lastLoss = NaN;
  return {
    step(step, loss) {
      lastLoss = loss;
      bar.update(step, `loss ${formatLoss(loss)}`);
    },
    finish() {
      bar.finish(`loss ${formatLoss(lastLoss)}`);
    },
  };
}

/**
 * Plain lines for logs: the step, the loss and the steps/s since the previous line, every
 * opts.every steps (default about ten lines) and after the last.
 */
export function lineReporter(
  opts: Pick<TrainCliOptions, "steps" | "every">,
  print: (line: string) => void,
  now: () => number = () => performance.now(),
): StepReporter {
  const every = opts.every ?? defaultProgressInterval(opts.steps);
  const width = String(opts.steps).length;
  let [since, sinceStep] = [now(), 0];
  return {
    step(step, loss) {
      if (step % every !== 0 && step !== opts.steps) return;
      const t = now();
      const rate = ((step - sinceStep) * 1000) / Math.max(t - since, 1e-3);
      print(
        `step ${String(step).padStart(width)}/${opts.steps}  loss ${formatLoss(loss)}  ${formatRate(rate)} steps/s`,
      );
      [since, sinceStep] = [t, step];
    },
    finish() {},
  };
}

/** About ten progress lines: every steps/10 steps, rounded up. */
export function defaultProgressInterval(steps: number): number {
  return Math.max(1, Math.ceil(steps / 10));
}

/**
 * Trains a model file as `wasmgrad train` does: checks everything that can be checked before the
 * slow work (options, --save-weights path, input files, the loss), compiles, trains, gives
 * `print` the summary, then saves (so that a failure to write the weights loses no results) and
 * prints where. Tells `report` each step's loss.
 */
export async function trainCommand(
  file: string,
  opts: TrainCliOptions,
  report: StepReporter,
  print: (text: string) => void,
): Promise<void> {
  checkSeedOrWeights(opts);
  if (looksLikeWasm(file)) {
    throw new CliError(
      `'${file}' is a compiled module; train takes a model file (to train a compiled module: ` +
        `wasmgrad run ${file} --entry train --steps ${opts.steps})`,
    );
  }
  const cwd = process.cwd();
  const savePath = opts.saveWeights === undefined ? undefined : resolve(cwd, opts.saveWeights);
  const save = `--save-weights '${opts.saveWeights}'`;
  if (savePath !== undefined) checkWritable(savePath, save);
  const given = readInputSpecs(opts.input ?? [], cwd);
  await preloadCompiler();
  const loaded = await loadModel(file, cwd);
  const { model } = loaded;
  if (!hasLoss(model)) {
    throw new CliError(
      `model '${model.name}' has no loss, so it cannot be trained: train needs m.loss(...) ` +
        `in ${loaded.displayPath}`,
    );
  }
  const inputs = trainingInputs(loaded, opts.input === undefined ? undefined : given);
  const cacheDir = cacheDirFor(opts, loaded.path, cwd);
  const { compiled, seconds } = await compileModel(
    model,
    {
      optimizer: makeOptimizer(opts.optimizer, opts.lr),
      ...(opts.clipNorm !== undefined && { clipNorm: opts.clipNorm }),
      simd: opts.simd,
    },
    { cacheDir },
  );
  const net = await load(compiled.wasm);
  checkEntryInputs(compiled.manifest, "train", inputs);
  initNet(net, opts, cwd);
  const run = trainSteps(net, Object.fromEntries(inputs), opts.steps, report);
  const m = compiled.manifest;
  print(
    [
      `trained model '${model.name}' (${loaded.displayPath}): ${opts.steps} steps in ` +
        `${run.seconds.toFixed(2)} s (${formatRate(opts.steps / run.seconds)} steps/s)`,
      `  train    ${describeTraining(m)}`,
      `  module   ${compiled.wasm.length} bytes (${simdText(m)}), compiled in ${seconds.toFixed(2)} s`,
      `  cache    ${describeCache(compiled.cache, cwd)}`,
      `  init     ${opts.weights !== undefined ? `weights ${opts.weights}` : `seed ${opts.seed ?? 0}`}`,
      `  loss     ${formatLoss(run.first)} at step 1, ${formatLoss(run.last)} at step ${opts.steps}`,
      ``,
    ].join("\n"),
  );
  if (savePath === undefined) return;
  writeAfterResults(savePath, weightsFile(net, savePath, false), save);
  print(`  wrote    ${opts.saveWeights}\n`);
}

/** The --input values, or else the model file's `inputs` export; an error when neither is given. */
function trainingInputs(loaded: LoadedModel, given: Map<string, unknown> | undefined): Map<string, unknown> {
  if (given !== undefined) return given;
  if (loaded.inputs !== undefined) return new Map(Object.entries(loaded.inputs));
  const names = loaded.model.graph.inputs.map(leafName);
  if (names.length > 0) {
    throw new CliError(
      `model '${loaded.model.name}' has inputs (${names.join(", ")}) but no values for them: ` +
        `pass --input file.json (or --input name=file.json for each) or export \`inputs\` from ${loaded.displayPath}`,
    );
  }
  return new Map();
}

/**
 * Takes `steps` training steps, telling `report` each step's loss. Stops with an error at a loss
 * that is not finite: the weights would be useless.
 */
function trainSteps(
  net: Net,
  inputs: Record<string, unknown>,
  steps: number,
  report: StepReporter,
): { readonly first: number; readonly last: number; readonly seconds: number } {
  const started = performance.now();
  let [first, last] = [NaN, NaN];
  for (let step = 1; step <= steps; step++) {
    last = net.train(inputs as Record<string, never>).loss;
    if (step === 1) first = last;
    if (!Number.isFinite(last)) {
      report.finish();
      throw new CliError(
        `the loss became ${last} at step ${step} (diverged: try a smaller --lr, or --clip-norm); weights not saved`,
      );
    }
    report.step(step, last);
  }
  report.finish();
  // at least a microsecond, so that steps/s stays finite
  return { first, last, seconds: Math.max((performance.now() - started) / 1000, 1e-6) };
}

/** A loss with 6 significant digits, without trailing zeros: 0.693147, 0.0017. */
export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? String(Number(loss.toPrecision(6))) : String(loss);
}

/** Steps per second: a whole number from 100 up, 3 significant digits below. */
function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toPrecision(3);
}
