/**
 * A floor under the error of any window tagger: a window model sees nothing but the window, so a
 * held-out word whose exact window (the same words, lower-cased, with the same padding at the
 * sentence edges) occurs in training with another tag more often than with its own is an error
 * for the best such model fitted on training. The share of those tokens is a lower bound on the
 * error from label noise and genuine ambiguity; it is small only because most windows of 5 words
 * are seen once, which is also why a window model must generalise from word vectors.
 */
import type { TaggedWords } from "./data.js";

/** The key of the window of each word of `t`: its 2 · half + 1 words, "<s>" / "</s>" past the sentence. */
export function windowKeys(t: TaggedWords, half: number): string[] {
  const n = t.words.length;
  const keys = new Array<string>(n);
  const starts = t.sentenceStarts;
  for (let s = 0; s < starts.length; s++) {
    const from = starts[s]!;
    const to = s + 1 < starts.length ? starts[s + 1]! : n;
    for (let i = from; i < to; i++) {
      const parts: string[] = [];
      for (let j = i - half; j <= i + half; j++)
        parts.push(j < from ? "<s>" : j >= to ? "</s>" : t.words[j]!);
      keys[i] = parts.join(" ");
    }
  }
  return keys;
}

export interface WindowNoise {
  /** The share of held-out tokens whose window occurs in training. */
  readonly seen: number;
  /** The share of held-out tokens whose window occurs in training with another majority tag. */
  readonly contradicted: number;
}

/** The held-out windows seen in training, and those whose training majority tag (ties: the lower id) is not theirs. */
export function windowNoise(train: TaggedWords, test: TaggedWords, half: number, tags: number): WindowNoise {
  const counts = new Map<string, Int32Array>();
  windowKeys(train, half).forEach((key, i) => {
    let c = counts.get(key);
    if (!c) counts.set(key, (c = new Int32Array(tags)));
    c[train.tags[i]!]!++;
  });
  let seen = 0;
  let contradicted = 0;
  windowKeys(test, half).forEach((key, i) => {
    const c = counts.get(key);
    if (!c) return;
    seen++;
    const majority = c.reduce((best, v, k) => (v > c[best]! ? k : best), 0);
    if (majority !== test.tags[i]) contradicted++;
  });
  const n = test.words.length;
  return { seen: seen / n, contradicted: contradicted / n };
}
