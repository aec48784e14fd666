/**
 * `compile`'s arguments, checked before any work: a value that is not a model, an optimizer that
 * was not made by `optim.*` or whose settings would destroy the weights, clipNorm without an
 * optimizer, an unknown forward mode, optimization level or pass name, a flag that is not a
 * boolean. Each is an
 * error naming the option and the value, instead of a TypeError deep inside or a silent no-op.
 */
import { isModel, type Model } from "../dsl/model.js";
import { WasmgradError } from "../errors.js";
import { checkClipNorm, checkOptimizer, show } from "../optim/validate.js";
import { MODES, type Mode } from "../ops/mode.js";
import { PASSES } from "../passes/pipeline.js";
import type { CompileOptions } from "./options.js";

const fail = (detail: string): never => {
  throw new WasmgradError(detail, { op: "compile" });
};

const FLAGS = ["simd", "optimize", "wat"] as const;
const KNOWN = new Set<string>([
  "optimizer",
  "clipNorm",
  "forwardMode",
  "batches",
  "relaxedSimd",
  "optLevel",
  "passes",
  ...FLAGS,
]);

export function checkCompileArgs(mdl: unknown, options: unknown): { mdl: Model; options: CompileOptions } {
  if (!isModel(mdl)) fail(`expected a model made by model(name, m => ...), got ${show(mdl)}`);
  if (typeof options !== "object" || options === null || Array.isArray(options))
    fail(`options must be an object such as { optimizer: optim.adam(0.001) }, got ${show(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!KNOWN.has(key)) fail(`unknown option '${key}' (known: ${[...KNOWN].join(", ")})`);
  if (o.optimizer !== undefined) checkOptimizer("compile", o.optimizer);
  checkClipNorm("compile", o.clipNorm, o.optimizer !== undefined);
  if (o.forwardMode !== undefined && !MODES.includes(o.forwardMode as Mode))
    fail(`forwardMode must be ${MODES.map((m) => `"${m}"`).join(" or ")}, got ${show(o.forwardMode)}`);
  if (o.optLevel !== undefined && o.optLevel !== 0 && o.optLevel !== 2)
    fail(`optLevel must be 0 (no passes) or 2 (the default), got ${show(o.optLevel)}`);
  if (o.passes !== undefined) {
    const names = PASSES.map((p) => p.name);
    if (!Array.isArray(o.passes))
      fail(`passes must be a list of pass names (${names.join(", ")}), got ${show(o.passes)}`);
    for (const p of o.passes as unknown[])
      if (!names.includes(p as string))
        fail(`unknown pass ${show(p)} in passes (known: ${names.join(", ")})`);
  }
  if (o.relaxedSimd !== undefined && typeof o.relaxedSimd !== "boolean" && o.relaxedSimd !== "auto")
    fail(`relaxedSimd must be true, false or "auto", got ${show(o.relaxedSimd)}`);
  for (const flag of FLAGS)
    if (o[flag] !== undefined && typeof o[flag] !== "boolean")
      fail(`${flag} must be true or false, got ${show(o[flag])}`);
  return { mdl: mdl as Model, options: o as CompileOptions };
}
