/** fast-check generators of shapes and axes shared by the op suites (interpreter and wasm). */
import fc from "fast-check";

/** A shape that broadcasts to `out`: some leading axes dropped, some axes set to 1. */
export const broadcastsTo = (out: readonly number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

/** A subset of the axes of a tensor of this rank, in order. */
export const axesOf = (rank: number) => fc.subarray(Array.from({ length: rank }, (_, i) => i));

/** A permutation of the axes of a tensor of this rank. */
export const permutationOf = (rank: number) =>
  fc.shuffledSubarray(
    Array.from({ length: rank }, (_, i) => i),
    { minLength: rank, maxLength: rank },
  );
