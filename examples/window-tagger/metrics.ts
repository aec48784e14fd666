/**
 * Error analysis of a tagger's held-out predictions: the most common confusions, and where the
 * errors fall by how ambiguous each word was in training.
 */
import { TAGS } from "./tagset.js";

/** The `top` most common (gold, predicted) pairs of the errors, with their share of the tokens. */
export function confusions(pred: Int32Array, gold: Int32Array, top = 6): string {
  const counts = new Map<string, number>();
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === gold[i]) continue;
    const key = `${TAGS[gold[i]!]} → ${TAGS[pred[i]!]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, c]) => `${k} ${((100 * c) / pred.length).toFixed(2)}%`)
    .join(", ");
}

/** The number of distinct tags each training word was seen with. */
export function tagVarieties(words: readonly string[], tags: ArrayLike<number>): Map<string, number> {
  const variety = new Map<string, number>();
  const seen = new Set<string>();
  words.forEach((w, i) => {
    const key = `${w}\u0000${tags[i]}`;
    if (seen.has(key)) return;
    seen.add(key);
    variety.set(w, (variety.get(w) ?? 0) + 1);
  });
  return variety;
}

export const WORD_CLASSES = ["unseen in training", "seen with one tag", "seen with several tags"] as const;

/** Per class of WORD_CLASSES: the held-out tokens in it and the tagger's errors on them. */
export function errorsByClass(
  pred: ArrayLike<number>,
  words: readonly string[],
  gold: ArrayLike<number>,
  variety: ReadonlyMap<string, number>,
): { tokens: number[]; errors: number[] } {
  const tokens = [0, 0, 0];
  const errors = [0, 0, 0];
  words.forEach((w, i) => {
    const v = variety.get(w) ?? 0;
    const c = v === 0 ? 0 : v === 1 ? 1 : 2;
    tokens[c]!++;
    if (pred[i] !== gold[i]) errors[c]!++;
  });
  return { tokens, errors };
}

/** errorsByClass as a line: each class's share of the tokens, accuracy and share of all errors. */
export function breakdownText(
  pred: ArrayLike<number>,
  words: readonly string[],
  gold: ArrayLike<number>,
  variety: ReadonlyMap<string, number>,
): string {
  const { tokens, errors } = errorsByClass(pred, words, gold, variety);
  const all = errors.reduce((a, b) => a + b, 0);
  return WORD_CLASSES.map(
    (name, c) =>
      `${name} ${((100 * tokens[c]!) / words.length).toFixed(1)}% of the tokens, accuracy ${((100 * (tokens[c]! - errors[c]!)) / tokens[c]!).toFixed(2)}%, ` +
      `${((100 * errors[c]!) / all).toFixed(0)}% of the errors`,
  ).join("; ");
}
