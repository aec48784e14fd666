/**
 * The "repeated digits" tagging task (generated, no download): a sequence of LENGTH random digits
 * 0–9, and at every position the tag 1 if the same digit occurs anywhere else in the sequence, 0
 * if it occurs only there. For 3 1 4 1 5 9 2 6 5 3 the tags are 1 0 0 1 1 0 0 0 1 1.
 *
 * A tag needs both sides of its position: a left-to-right tagger knows at position t whether x_t
 * occurred before, but not whether it occurs again, so it can only guess that part. The best such
 * a tagger can do is computed exactly (`leftToRightBound`); a bi-directional RNN can do better.
 */
import { mulberry32 } from "../lib/random.js";

export const LENGTH = 10;
export const DIGITS = 10;

export interface Sequences {
  readonly count: number;
  /** Digits, [count, LENGTH] row-major. */
  readonly x: Int32Array;
  /** Tags, [count, LENGTH] row-major. */
  readonly y: Int32Array;
}

export function sequences(count: number, seed: number): Sequences {
  const rand = mulberry32(seed);
  const x = new Int32Array(count * LENGTH);
  const y = new Int32Array(count * LENGTH);
  for (let n = 0; n < count; n++) {
    const row = x.subarray(n * LENGTH, (n + 1) * LENGTH);
    for (let t = 0; t < LENGTH; t++) row[t] = Math.floor(rand() * DIGITS);
    for (let t = 0; t < LENGTH; t++) y[n * LENGTH + t] = row.filter((d) => d === row[t]).length > 1 ? 1 : 0;
  }
  return { count, x, y };
}

/**
 * The expected accuracy of the best left-to-right tagger at each position t (0-based), for uniform
 * random digits. If x_t occurred before, the tag is surely 1; otherwise the tag is 1 exactly when
 * x_t occurs among the LENGTH − 1 − t digits still to come, with probability p = 1 − 0.9^(LENGTH−1−t),
 * and the best guess is right with probability max(p, 1 − p).
 */
export function leftToRightBound(): number[] {
  const q = (DIGITS - 1) / DIGITS;
  return Array.from({ length: LENGTH }, (_, t) => {
    const before = 1 - q ** t;
    const after = 1 - q ** (LENGTH - 1 - t);
    return before + (1 - before) * Math.max(after, 1 - after);
  });
}
