/**
 * `wasmgrad run model.wasm --input x=x.json [--entry forward|backward|train] [--steps n]`: loads a
 * compiled module with the runtime (`wasmgrad/runtime`), exactly as an application would, runs
 * one entry (or --steps training steps) and prints the results as JSON. With --save-weights, the
 * path is checked before anything runs, and the weights are written after the JSON is printed.
 * Weights files named `*.safetensors` are read and written as safetensors.
 */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { load, type Manifest, type Net } from "../../../runtime/index.js";
import { CliError } from "../errors.js";
import { checkSeedOrWeights, initNet, weightsFile } from "../init-net.js";
import { checkEntryInputs, readInputSpecs, type EntryName } from "../input-files.js";
import { formatJson, nest } from "../json.js";
import { collect, positiveInteger, seed32 } from "../options.js";
import { checkWritable, writeAfterResults } from "../output.js";
import { readModuleFile, type ReadModule } from "../wasm-file.js";

export type { EntryName } from "../input-files.js";

export interface RunCliOptions {
  /** `name=file.json` or `file.json` specs (none when undefined). */
  readonly input?: readonly string[];
  readonly entry: EntryName;
  readonly seed?: number;
  readonly weights?: string;
  readonly saveWeights?: string;
  readonly steps?: number;
}

/** Adds `wasmgrad run` to the program. */
export function registerRun(program: Command): void {
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
      collect,
    )
    .addOption(
      new Option(
        "--entry <entry>",
        "what to run: the forward pass, the loss and gradients, or training steps",
      )
        .choices(["forward", "backward", "train"])
        .default("forward"),
    )
    .option("--seed <n>", "seed for the params' initializers (default 0)", seed32("--seed"))
    .option(
      "--weights <file>",
      "load params (and states) from a weights file (safetensors if named *.safetensors) instead of initializing",
    )
    .option(
      "--steps <n>",
      "training steps to take with --entry train (default 1); prints every loss",
      positiveInteger("--steps"),
    )
    .option(
      "--save-weights <file>",
      "afterwards, save the params and states to a weights file (safetensors if named *.safetensors)",
    )
    .action(async (file: string, opts: RunCliOptions) => {
      await runCommand(file, opts, (text) => process.stdout.write(text));
    });
}

/**
 * Runs one entry of a compiled module (or `--steps` train steps), gives `print` the JSON, then
 * saves the weights if asked: a failure to write them loses no results.
 */
export async function runCommand(
  file: string,
  opts: RunCliOptions,
  print: (text: string) => void,
): Promise<void> {
  if (opts.steps !== undefined && opts.entry !== "train") {
    throw new CliError(`--steps counts training steps: use it with --entry train`);
  }
  checkSeedOrWeights(opts);
  const cwd = process.cwd();
  const save = opts.saveWeights === undefined ? undefined : `--save-weights '${opts.saveWeights}'`;
  if (save !== undefined) checkWritable(resolve(cwd, opts.saveWeights!), save);
  const given = readInputSpecs(opts.input ?? [], cwd);
  const read = await readModuleFile(file, cwd);
  const m = read.manifest;
  const net: Net = await load(read.module);
  if (!m.entries[opts.entry]) throw new CliError(missingEntryMessage(read, opts.entry));
  checkEntryInputs(m, opts.entry, given);
  const inputs = Object.fromEntries(given) as Record<string, never>;
  initNet(net, opts, cwd);
  const result = runEntry(net, m, opts, inputs);
  print(formatJson({ model: m.model, entry: opts.entry, ...result }) + "\n");
  if (save !== undefined) {
    const path = resolve(cwd, opts.saveWeights!);
    writeAfterResults(path, weightsFile(net, path, true), save);
  }
}

/** Why a module lacks `entry` (backward: no loss; train: no optimizer). */
function missingEntryMessage(read: ReadModule, entry: EntryName): string {
  return entry === "backward"
    ? `model '${read.manifest.model}' has no loss, so ${read.displayPath} has no backward entry; use --entry forward`
    : `${read.displayPath} was compiled without an optimizer, so it has no train entry; ` +
        `recompile with --optimizer, or use --entry backward`;
}

/** Runs the entry and returns what to print besides the model and entry names. */
function runEntry(
  net: Net,
  m: Manifest,
  opts: RunCliOptions,
  inputs: Record<string, never>,
): Record<string, unknown> {
  switch (opts.entry) {
    case "forward":
      return { outputs: shaped(m, net.run(inputs), "output") };
    case "backward": {
      const g = net.grad(inputs);
      return { loss: g.loss, grads: shaped(m, g.grads, "grad") };
    }
    case "train": {
      const steps = opts.steps ?? 1;
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) losses.push(net.train(inputs).loss);
      const forwardInputs = Object.fromEntries(m.entries.forward.inputs.map((n) => [n, inputs[n]]));
      return {
        steps,
        losses,
        loss: losses[losses.length - 1],
        outputs: shaped(m, net.run(forwardInputs as Record<string, never>), "output"),
      };
    }
  }
}

/** Flat outputs or grads by name as nested arrays of their tensors' shapes. */
function shaped(
  m: Manifest,
  arrays: Readonly<Record<string, Float32Array | Int32Array>>,
  role: "output" | "grad",
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(arrays).map(([name, values]) => {
      const t = m.tensors.find((x) => x.role === role && x.name === name)!;
      return [name, nest(values, t.shape)];
    }),
  );
}
