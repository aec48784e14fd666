/**
 * The one place where the CLI calls the compiler's `compile` (compile, inspect --memory, train),
 * so that a change to how it is called (options, or becoming async) is made here only.
 */
import type { Model } from "../dsl/model.js";
import type { NamedPlan } from "../plan/report.js";
import type { CompiledModel, CompileOptions } from "../pipeline/compile.js";

/** Compiles `model`; `seconds` is the compilation's time, without loading the compiler. */
export async function compileModel(
  model: Model,
  options: CompileOptions,
): Promise<{ readonly compiled: CompiledModel; readonly seconds: number }> {
  // imported here so that the other commands do not load binaryen and the kernels
  const { compile } = await import("../pipeline/compile.js");
  const started = performance.now();
  const compiled = await compile(model, options);
  return { compiled, seconds: (performance.now() - started) / 1000 };
}

/** Each entry's memory plan under the name of its exported function, then each scan step's. */
export function namedPlans(compiled: CompiledModel): NamedPlan[] {
  const { forward, backward, train, steps } = compiled.plans;
  return [forward, backward, train, ...steps].flatMap((p) => (p ? [{ name: p.export, plan: p }] : []));
}
