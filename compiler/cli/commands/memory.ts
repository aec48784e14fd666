/**
 * `wasmgrad inspect model.ts --memory [--optimizer adam] [-o plan.svg]`: compiles the model and
 * describes each entry's memory plan (a table; an SVG picture with -o). Registered as a mode of
 * `inspect` (commands/inspect.ts), since it inspects what compile would do. Through the compile
 * cache unless --no-cache: the report and the picture are made from the plans, so both are
 * stored with the module as artifacts.
 */
import { textTable as table } from "../../inspect/table.js";
import { describePlan, planToSvg, type NamedPlan } from "../../plan/report.js";
import type { CompiledModel } from "../../pipeline/compile.js";
import { cacheDirFor, describeCache, type CacheCliOptions } from "../cache-options.js";
import { compileModel, preloadCompiler, namedPlans, textArtifact } from "../compile-model.js";
import { describePlain } from "../describe-module.js";
import { CliError } from "../errors.js";
import { loadModel } from "../load-model.js";
import { optimizerFor, type OptimizerName } from "../optimizers.js";

export interface MemoryCliOptions extends CacheCliOptions {
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
  await preloadCompiler();
  const loaded = await loadModel(file);
  const { model } = loaded;
  const optimizer = optimizerFor(model, opts, "planned");
  const { compiled } = await compileModel(
    model,
    { ...(optimizer && { optimizer }) },
    {
      cacheDir: cacheDirFor(opts, loaded.path),
      artifacts: { "memory.txt": planReport, "memory.svg": planPicture },
    },
  );
  const text = [
    `memory plan of model '${model.name}' (${loaded.displayPath}), optimizer ${describePlain(optimizer ?? null)}`,
    `  compile cache ${describeCache(compiled.cache)}`,
    textArtifact(compiled, "memory.txt"),
  ].join("\n");
  return { text, svg: textArtifact(compiled, "memory.svg") };
}

/** The report below the title: the memory, the sizes table, each plan's buffers. */
function planReport(compiled: CompiledModel): string {
  const plans = namedPlans(compiled);
  const arenaStart = compiled.plans.forward.arenaStart;
  return [
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
}

function planPicture(compiled: CompiledModel): string {
  return planToSvg(namedPlans(compiled), `memory plan of ${compiled.manifest.model}`);
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
