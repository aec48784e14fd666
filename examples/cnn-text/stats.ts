/**
 * The small pure pieces of examples/cnn-text's evaluation: the significance test that says whether
 * the CNN's margin over the baseline on the test passages is beyond chance, the softmax average
 * of an ensemble, and the max-norm constraint on the output weights (Kim 2014 §2.1).
 */

/** How two classifiers' predictions on the same examples disagree about being right. */
export interface Disagreements {
  /** Examples the first classifier gets right and the second wrong. */
  readonly onlyFirst: number;
  /** Examples the second gets right and the first wrong. */
  readonly onlySecond: number;
}

/** Counts the discordant pairs of two prediction vectors against the labels. */
export function disagreements(
  first: ArrayLike<number>,
  second: ArrayLike<number>,
  labels: ArrayLike<number>,
): Disagreements {
  if (first.length !== labels.length || second.length !== labels.length)
    throw new Error(
      `disagreements: ${first.length} and ${second.length} predictions for ${labels.length} labels`,
    );
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < labels.length; i++) {
    const a = first[i] === labels[i];
    const b = second[i] === labels[i];
    if (a && !b) onlyFirst++;
    if (b && !a) onlySecond++;
  }
  return { onlyFirst, onlySecond };
}

/**
 * McNemar's exact test, two-sided: under the null hypothesis that both classifiers are equally
 * accurate, each of the n = b + c discordant examples is equally likely to favour either one, so
 * min(b, c) ~ Binomial(n, ½) and p = min(1, 2 · P[X ≤ min(b, c)]). Only the disagreements carry
 * information: the examples both get right or both get wrong cancel out. The binomial terms are
 * summed in log space so that n in the thousands does not underflow 2^−n.
 */
export function mcnemarExact(b: number, c: number): number {
  if (!(Number.isInteger(b) && Number.isInteger(c) && b >= 0 && c >= 0))
    throw new Error(`mcnemarExact takes two counts, got ${b} and ${c}`);
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) built up term by term: C(n, i) = C(n, i − 1) · (n − i + 1) / i
  let logChoose = 0;
  const logs: number[] = [];
  for (let i = 0; i <= k; i++) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    logs.push(logChoose - n * Math.LN2);
  }
  const top = Math.max(...logs);
  const tail = Math.exp(top) * logs.reduce((s, l) => s + Math.exp(l - top), 0);
  return Math.min(1, 2 * tail);
}

/** The element-wise mean of several equally long probability tables (an ensemble's softmax). */
export function averageProbabilities(tables: readonly Float32Array[]): Float32Array {
  if (tables.length === 0) throw new Error("averageProbabilities: no tables");
  const out = new Float32Array(tables[0]!.length);
  for (const t of tables) {
    if (t.length !== out.length) throw new Error("averageProbabilities: tables of different lengths");
    for (let i = 0; i < out.length; i++) out[i]! += t[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= tables.length;
  return out;
}

/**
 * Kim's max-norm constraint: rescales, in place, each class's weight vector (a column of the
 * row-major [features, classes] matrix U) whose L2 norm exceeds `limit` back to norm `limit`.
 * Applied after every update, it bounds the output layer instead of (or besides) an L2 penalty.
 */
export function clipColumnNorms(U: Float32Array, classes: number, limit: number): void {
  const rows = U.length / classes;
  for (let k = 0; k < classes; k++) {
    let sq = 0;
    for (let r = 0; r < rows; r++) sq += U[r * classes + k]! ** 2;
    const norm = Math.sqrt(sq);
    if (norm <= limit) continue;
    const scale = limit / norm;
    for (let r = 0; r < rows; r++) U[r * classes + k]! *= scale;
  }
}
