/**
 * Parameter initializers. Each is plain data (so a compiled artifact can record it and a backend
 * can reproduce it) and is realised deterministically from a seed with the counter-based hash in
 * ir/random.ts: the same seed gives the same weights everywhere.
 */
import { WasmgradError, type SourceLocation } from "../errors.js";
import { sizeOf, type Shape } from "../ir/shape.js";
import { uniform24 } from "../ir/random.js";

export type Initializer =
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" }
  | { readonly kind: "constant"; readonly values: readonly number[] | number }
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  | { readonly kind: "normal"; readonly mean: number; readonly std: number }
  | { readonly kind: "xavier"; readonly gain: number };

export const init = {
  zeros: (): Initializer => ({ kind: "zeros" }),
  ones: (): Initializer => ({ kind: "ones" }),
  /** A fill value, or the parameter's values in row-major order (flat or nested). */
  constant: (values: number | readonly unknown[]): Initializer => ({
    kind: "constant",
    values: typeof values === "number" ? values : (values.flat(Infinity as 1) as number[]),
  }),
  uniform: (low = -0.05, high = 0.05): Initializer => ({ kind: "uniform", low, high }),
  normal: (std = 0.01, mean = 0): Initializer => ({ kind: "normal", mean, std }),
  /**
   * Xavier/Glorot uniform (seed 004 §2.6): U[−g·√(6/(fan_in+fan_out)), +g·√(6/(fan_in+fan_out))]
   * with fan_in = shape[-2] and fan_out = shape[-1] (weights are laid out [in, out], used as
   * x·W); a vector's fan_in = fan_out = its length.
   */
  xavier: (gain = 1): Initializer => ({ kind: "xavier", gain }),
};

/** Default when m.param gets no initializer: Xavier for matrices, zeros for vectors and scalars. */
export function defaultInitializer(shape: Shape): Initializer {
  return shape.length >= 2 ? init.xavier() : init.zeros();
}

function fans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

/** The half-width of the Xavier uniform range for a weight of this shape. */
export function xavierLimit(shape: Shape, gain: number): number {
  const [fanIn, fanOut] = fans(shape);
  return gain * Math.sqrt(6 / (fanIn + fanOut));
}

/** Realises an initializer. `stream` distinguishes parameters drawn from the same seed. */
/**
 * Rejects, where the param is declared, an initializer that cannot fill it: `init.constant` with
 * another number of values than the shape holds (the compiled `init` would pad or truncate).
 */
export function checkInitializer(
  initializer: Initializer,
  shape: Shape,
  name: string,
  location: SourceLocation | undefined,
): void {
  const v = initializer.kind === "constant" ? initializer.values : undefined;
  if (v === undefined || typeof v === "number") return;
  if (v.length !== sizeOf(shape)) {
    throw new WasmgradError(
      `init.constant for param '${name}' has ${v.length} values; the shape [${shape.join(",")}] needs ${sizeOf(shape)}`,
      { op: "param", location },
    );
  }
}

export function realise(
  initializer: Initializer,
  shape: Shape,
  seed: number,
  stream: number,
  name: string,
): Float64Array {
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  const u = (i: number) => uniform24(seed, stream, i);
  switch (initializer.kind) {
    case "zeros":
      break;
    case "ones":
      out.fill(1);
      break;
    case "constant": {
      const v = initializer.values;
      if (typeof v === "number") out.fill(v);
      else if (v.length !== n) {
        throw new WasmgradError(
          `init.constant for param '${name}' has ${v.length} values; the shape [${shape.join(",")}] needs ${n}`,
        );
      } else out.set(v);
      break;
    }
    case "uniform":
      for (let i = 0; i < n; i++) out[i] = initializer.low + (initializer.high - initializer.low) * u(i);
      break;
    case "normal":
      // Box-Muller on two independent uniforms per element; 1 − u keeps the log argument in (0, 1]
      for (let i = 0; i < n; i++) {
        const r = Math.sqrt(-2 * Math.log(1 - u(2 * i)));
        out[i] = initializer.mean + initializer.std * r * Math.cos(2 * Math.PI * u(2 * i + 1));
      }
      break;
    case "xavier": {
      const limit = xavierLimit(shape, initializer.gain);
      for (let i = 0; i < n; i++) out[i] = limit * (2 * u(i) - 1);
      break;
    }
  }
  return out;
}
