/**
 * Checks of optimizer settings, schedules and training options, so that a setting that would
 * destroy the weights (a NaN or negative learning rate, β outside [0, 1), ...) is an error naming
 * the setting and the bad value, not an all-NaN model one step later. The ranges follow PyTorch's
 * optimizers: learning rates and ε non-negative and finite; momentum, β1, β2 and RMSProp's decay in
 * [0, 1). The constructors in `optim` and `schedule` check their arguments at once, and `compile` /
 * `trainGraph` check whatever object they are given (it may have been written by hand).
 */
import { WasmgradError } from "../errors.js";
import type { LearningRate, Optimizer, Schedule } from "./types.js";

/** A short rendering of any value, for messages (`"0.1"` is shown as a string, not a number). */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const fail = (where: string, detail: string): never => {
  throw new WasmgradError(detail, { op: where });
};

/** A finite number with min ≤ x (min < x with `minOpen`), x < `below` when given, and an integer with `integer`. */
export function checkNumber(
  where: string,
  setting: string,
  value: unknown,
  range: {
    readonly min?: number;
    readonly minOpen?: boolean;
    readonly below?: number;
    readonly integer?: boolean;
  },
): number {
  const { min, minOpen, below, integer } = range;
  const expected = [
    integer ? "an integer" : "a finite number",
    min !== undefined ? `${minOpen ? ">" : "≥"} ${min}` : "",
    below !== undefined ? `and < ${below}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (min === undefined || (minOpen ? value > min : value >= min)) &&
    (below === undefined || value < below);
  if (!ok) fail(where, `${setting} must be ${expected}, got ${show(value)}`);
  return value as number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** A learning rate: a number ≥ 0, or a schedule whose settings are valid. */
export function checkLearningRate(where: string, lr: unknown): LearningRate {
  if (typeof lr === "number") return checkNumber(where, "the learning rate", lr, { min: 0 });
  if (!isObject(lr) || typeof lr.kind !== "string") {
    fail(
      where,
      `the learning rate must be a number or a schedule (schedule.exponential(...)), got ${show(lr)}`,
    );
  }
  return checkSchedule(where, lr as unknown as Schedule);
}

export function checkSchedule(where: string | undefined, s: Schedule): Schedule {
  const at = where ? `${where}: schedule.${s.kind}` : `schedule.${s.kind}`;
  switch (s.kind) {
    case "constant":
      checkNumber(at, "lr", s.lr, { min: 0 });
      break;
    case "exponential":
      checkNumber(at, "lr", s.lr, { min: 0 });
      checkNumber(at, "k", s.k, { min: 0 });
      break;
    case "inverse":
      checkNumber(at, "lr", s.lr, { min: 0 });
      checkNumber(at, "tau", s.tau, { min: 0, minOpen: true });
      break;
    case "step":
      checkNumber(at, "lr", s.lr, { min: 0 });
      checkNumber(at, "factor", s.factor, { min: 0, minOpen: true });
      checkNumber(at, "every", s.every, { min: 1, integer: true });
      break;
    default:
      fail(
        where ?? "schedule",
        `unknown schedule kind ${show((s as { kind: unknown }).kind)} (constant, exponential, inverse or step)`,
      );
  }
  return s;
}

const KINDS = ["sgd", "momentum", "adagrad", "rmsprop", "adam"] as const;

/** The optimizer, if every setting is valid; `where` names the caller in the message (none: its constructor). */
export function checkOptimizer(where: string | undefined, opt: unknown): Optimizer {
  if (!isObject(opt) || !KINDS.includes(opt.kind as (typeof KINDS)[number])) {
    fail(
      where ?? "optim",
      `optimizer must be made by optim.sgd, momentum, adagrad, rmsprop or adam (for example optim.adam(0.001)), got ${show(opt)}`,
    );
  }
  const o = opt as unknown as Optimizer;
  const at = where ? `${where}: optim.${o.kind}` : `optim.${o.kind}`;
  checkLearningRate(at, o.lr);
  const unit = { min: 0, below: 1 };
  switch (o.kind) {
    case "sgd":
      break;
    case "momentum":
      checkNumber(at, "mu", o.mu, unit);
      break;
    case "adagrad":
      checkNumber(at, "eps", o.eps, { min: 0 });
      break;
    case "rmsprop":
      checkNumber(at, "decay", o.decay, unit);
      checkNumber(at, "eps", o.eps, { min: 0 });
      break;
    case "adam":
      checkNumber(at, "beta1", o.beta1, unit);
      checkNumber(at, "beta2", o.beta2, unit);
      checkNumber(at, "eps", o.eps, { min: 0 });
      if (typeof o.biasCorrection !== "boolean")
        fail(at, `biasCorrection must be true or false, got ${show(o.biasCorrection)}`);
      break;
  }
  return o;
}

/** clipNorm: a finite number > 0, and only with an optimizer (it clips the training step's gradient). */
export function checkClipNorm(where: string, clipNorm: unknown, hasOptimizer: boolean): number | undefined {
  if (clipNorm === undefined) return undefined;
  checkNumber(where, "clipNorm", clipNorm, { min: 0, minOpen: true });
  if (!hasOptimizer)
    fail(
      where,
      `clipNorm ${show(clipNorm)} clips the gradient of the training step: give an optimizer as well`,
    );
  return clipNorm as number;
}
