// Parameter initialisation, bit-for-bit with `realise` in compiler/dsl/init.ts after rounding to
// f32: each value is computed in f64 exactly as realise computes it, then demoted to f32 and stored
// at ptr + 4 i (ptr a byte offset into linear memory, n an element count).
// Source of the hash: compiler/ir/random.ts (mix32 = Wellons' lowbias32, randomBits, uniform24).
// fill_normal's log and cos are fdlibm's, as in V8's Math.log / Math.cos (fdlibm.ts): no tables.
import { ieee754_cos, ieee754_log } from "./fdlibm";

function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/** uniform24(seed, salt, index) of compiler/ir/random.ts: 24 random bits as a double in [0, 1). */
function uniform24(seed: u32, salt: u32, index: u32): f64 {
  const bits = mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ salt) ^ index);
  return <f64>(bits >>> 8) / 16777216.0;
}

/** ptr[i] = value for i < n (init.zeros / init.ones / a scalar init.constant). */
export function fill_const(ptr: usize, n: i32, value: f64): void {
  const v = <f32>value;
  const v4 = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(ptr + ((<usize>i) << 2), v4);
  for (; i < n; i++) store<f32>(ptr + ((<usize>i) << 2), v);
}

/** init.uniform(low, high): low + (high - low) u_i. */
export function fill_uniform(ptr: usize, n: i32, seed: i32, stream: i32, low: f64, high: f64): void {
  const width = high - low;
  for (let i = 0; i < n; i++) {
    store<f32>(ptr + ((<usize>i) << 2), <f32>(low + width * uniform24(seed, stream, i)));
  }
}

/** init.xavier: limit (2 u_i - 1), the caller passing limit = gain sqrt(6 / (fan_in + fan_out)). */
export function fill_xavier(ptr: usize, n: i32, seed: i32, stream: i32, limit: f64): void {
  for (let i = 0; i < n; i++) {
    store<f32>(ptr + ((<usize>i) << 2), <f32>(limit * (2.0 * uniform24(seed, stream, i) - 1.0)));
  }
}

/**
 * init.normal(std, mean), Box-Muller on u_{2i} and u_{2i+1}:
 * mean + std sqrt(-2 log(1 - u_{2i})) cos(2 pi u_{2i+1}).
 */
export function fill_normal(ptr: usize, n: i32, seed: i32, stream: i32, mean: f64, std: f64): void {
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2.0 * ieee754_log(1.0 - uniform24(seed, stream, 2 * i)));
    const c = ieee754_cos(2.0 * Math.PI * uniform24(seed, stream, 2 * i + 1));
    store<f32>(ptr + ((<usize>i) << 2), <f32>(mean + std * r * c));
  }
}
