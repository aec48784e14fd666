/**
 * `wasmgrad gradcheck model.ts [--inputs x.json] [--seed n]`: compares the symbolic gradients of
 * the loss with centered differences; exits with status 1 when they disagree.
 */
import type { Command } from "commander";
import { formatGradcheck, gradcheck } from "../../gradcheck.js";
import { leafName } from "../../ir/graph.js";
import { CliError } from "../errors.js";
import { readInputsFile } from "../input-files.js";
import { loadModel, MODEL_FILE_HELP } from "../load-model.js";
import { parseNumber, positiveInteger, positiveNumber } from "../options.js";

export interface GradcheckCliOptions {
  readonly inputs?: string;
  readonly seed: number;
  readonly eps?: number;
  readonly tolerance?: number;
  readonly maxElements?: number;
  readonly checkInputs?: boolean;
}

/** Adds `wasmgrad gradcheck` to the program. */
export function registerGradcheck(program: Command): void {
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
    .option("--eps <e>", "perturbation ε (default 1e-5)", positiveNumber("--eps"))
    .option(
      "--tolerance <t>",
      "worst acceptable error (default 1e-6)",
      parseNumber("--tolerance", (n) => n >= 0, "a non-negative number"),
    )
    .option(
      "--max-elements <n>",
      "elements checked per tensor, sampled deterministically (default 100)",
      positiveInteger("--max-elements"),
    )
    .option("--check-inputs", "also check d loss / d each f32 input")
    .addHelpText("after", MODEL_FILE_HELP)
    .action((file: string, opts: GradcheckCliOptions) => gradcheckCommand(file, opts));
}

/** Runs gradcheck and prints its report; sets the exit status to 1 when a gradient disagrees. */
export async function gradcheckCommand(file: string, opts: GradcheckCliOptions): Promise<void> {
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
}
