/**
 * `wasmgrad inspect model.ts --memory [--optimizer adam] [-o plan.svg]`: compiles the model and
 * describes each entry's memory plan (a table; an SVG picture with -o). Registered as a mode of
 * `inspect` (commands/inspect.ts), since it inspects what compile would do.
 */
import { textTable as table } from "../../inspect/table.js";
import { describePlan, planToSvg, type NamedPlan } from "../../plan/report.js";
import { compileModel, namedPlans } from "../compile-model.js";
import { describePlain } from "../describe-module.js";
import { CliError } from "../errors.js";
import { loadModel } from "../load-model.js";
import { optimizerFor, type OptimizerName } from "../optimizers.js";

export interface MemoryCliOptions {
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
}

/**
 * `wasmgrad inspect model.ts --memory`: compiles the model (default options; with --optimizer,
 * train_step too) and returns each entry's memory plan as text, and as an SVG picture.
 */
export async function memoryCommand(
  file: string,
  opts: MemoryCliOptions,
): Promise<{ readonly text: string; readonly svg: string }> {
  if (opts.optimizer === undefined && opts.lr !== undefined) {
    throw new CliError("--lr sets the optimizer's learning rate: add --optimizer");
  }
  const loaded = await loadModel(file);
  const { model } = loaded;
  const optimizer = optimizerFor(model, opts, "planned");
  const { compiled } = await compileModel(model, { ...(optimizer && { optimizer }) });
  const plans = namedPlans(compiled);
  const arenaStart = compiled.plans.forward.arenaStart;
  const text = [
    `memory plan of model '${model.name}' (${loaded.displayPath}), optimizer ${describePlain(optimizer ?? null)}`,
    `  memory ${compiled.manifest.memoryBytes} bytes: persistent tensors below byte ${arenaStart}, then ` +
      `the arena, shared by the entries (they run one at a time)`,
    `  naive: every intermediate its own bytes; lower bound: the most bytes live at one step`,
    ...(compiled.plans.steps.length
      ? [
          `  a scan step (<entry>_<id>_scan_step) has its own arena inside its scan kernel's scratch, ` +
            `after the step's carry, row and result buffers`,
        ]
      : []),
    ``,
    ...planSizesTable(plans).map((l) => `  ${l}`),
    ``,
    ...plans.map(describePlan),
  ].join("\n");
  return { text, svg: planToSvg(plans, `memory plan of ${model.name}`) };
}

/** One row per entry or scan step: kernels, arena, naive and lower-bound bytes, arena/bound. */
function planSizesTable(plans: readonly NamedPlan[]): string[] {
  const rows = plans.map(({ name, plan }) => [
    name,
    String(plan.steps),
    String(plan.arenaBytes),
    String(plan.naiveBytes),
    String(plan.lowerBoundBytes),
    plan.lowerBoundBytes > 0 ? (plan.arenaBytes / plan.lowerBoundBytes).toFixed(2) : "-",
  ]);
  return table(
    ["entry or scan step", "kernels", "arena", "naive", "lower bound", "arena/bound"],
    rows,
    new Set([1, 2, 3, 4, 5]),
  );
}
