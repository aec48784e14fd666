/**
 * The hash behind random_uniform and the parameter initializers. It uses only 32-bit integer
 * multiply, xor and shifts, so a WebAssembly lowering reproduces it exactly.
 *
 * mix32 is the "lowbias32" integer finalizer (Chris Wellons, hash-prospector), a bijection on 32
 * bits with low bias; three keyed rounds decorrelate nearby (seed, salt, index) triples.
 */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** 32 random bits for element `index` of the stream (seed, salt). */
export function randomBits(seed: number, salt: number, index: number): number {
  return mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ salt) ^ index);
}

/** A float in [0, 1) with 24 random bits: exact in f32. */
export function uniform24(seed: number, salt: number, index: number): number {
  return (randomBits(seed, salt, index) >>> 8) / 16777216;
}
