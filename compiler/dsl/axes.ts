/**
 * Axis arguments of DSL methods, normalized (negative axes count from the end). An axis out of
 * range is a WasmgradError naming the method, the operand's type and the user's line, like the
 * errors of the ops' shape rules, instead of a bare OpError.
 */
import { OpError, WasmgradError } from "../errors.js";
import { captureUserLocation } from "../ir/source.js";
import { normalizeAxes, normalizeAxis, typeToString, type TensorType } from "../ir/shape.js";

function located<T>(op: string, operand: TensorType, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof OpError)) throw e;
    throw new WasmgradError(`${e.message} (operand: ${typeToString(operand)})`, {
      op,
      location: captureUserLocation(),
    });
  }
}

/** `axis` of `x` (of a result of rank `rank`, for methods that add an axis). */
export function axisOf(op: string, x: TensorType, axis: number, rank = x.shape.length): number {
  return located(op, x, () => normalizeAxis(axis, rank));
}

/** `axes` of `x`, sorted; undefined means every axis. */
export function axesOf(op: string, x: TensorType, axes: number | readonly number[] | undefined): number[] {
  return located(op, x, () => normalizeAxes(axes, x.shape.length));
}
