/**
 * Sentence-level decoding for the window tagger: the window model scores each word's tags on its
 * own, so two neighbours may get tags that rarely follow each other ("DET VERB"). Viterbi finds
 * the tag sequence that maximises the sum of the words' tag log-probabilities plus `weight` times
 * the log-probabilities of the tag bigrams, estimated on the training tags (add-one smoothing, a
 * start state before each sentence). With weight 0 it is the argmax of each word.
 */

/** log P(tag | previous tag): a (K + 1) × K table, row K the sentence start. Add-one smoothed. */
export function transitionLogProbs(
  tags: ArrayLike<number>,
  sentenceStarts: readonly number[],
  K: number,
): Float64Array {
  const counts = new Float64Array((K + 1) * K).fill(1);
  let s = 0;
  for (let i = 0; i < tags.length; i++) {
    const starts = s < sentenceStarts.length && sentenceStarts[s] === i;
    if (starts) s++;
    const prev = starts ? K : tags[i - 1]!;
    counts[prev * K + tags[i]!]!++;
  }
  for (let p = 0; p <= K; p++) {
    let total = 0;
    for (let k = 0; k < K; k++) total += counts[p * K + k]!;
    for (let k = 0; k < K; k++) counts[p * K + k] = Math.log(counts[p * K + k]! / total);
  }
  return counts;
}

/** Replaces each row of K scores (logits) by its log-softmax, in place; returns `scores`. */
export function logSoftmaxRows<T extends Float32Array | Float64Array>(scores: T, K: number): T {
  for (let at = 0; at < scores.length; at += K) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, scores[at + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(scores[at + k]! - max);
    const log = max + Math.log(sum);
    for (let k = 0; k < K; k++) scores[at + k] = scores[at + k]! - log;
  }
  return scores;
}

/**
 * The best tag sequence of one sentence of n words: `emission[i · K + k]` is word i's score for
 * tag k (a log-probability), `transition` as from transitionLogProbs. Maximises
 * Σ_i emission(i, t_i) + weight · Σ_i transition(t_{i−1}, t_i), t_{−1} the start state.
 */
export function viterbi(
  emission: ArrayLike<number>,
  n: number,
  K: number,
  transition: ArrayLike<number>,
  weight: number,
): Int32Array {
  const out = new Int32Array(n);
  if (n === 0) return out;
  let best = new Float64Array(K);
  let next = new Float64Array(K);
  const back = new Int32Array(n * K);
  for (let k = 0; k < K; k++) best[k] = emission[k]! + weight * transition[K * K + k]!;
  for (let i = 1; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let arg = 0;
      let top = -Infinity;
      for (let p = 0; p < K; p++) {
        const v = best[p]! + weight * transition[p * K + k]!;
        if (v > top) [top, arg] = [v, p];
      }
      next[k] = top + emission[i * K + k]!;
      back[i * K + k] = arg;
    }
    [best, next] = [next, best];
  }
  let arg = 0;
  for (let k = 1; k < K; k++) if (best[k]! > best[arg]!) arg = k;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = arg;
    arg = back[i * K + arg]!;
  }
  return out;
}

/** Viterbi over every sentence of a stream (`sentenceStarts` as in TaggedWords). */
export function viterbiSentences(
  emission: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  sentenceStarts: readonly number[],
  n: number,
  K: number,
  transition: ArrayLike<number>,
  weight: number,
): Int32Array {
  const out = new Int32Array(n);
  for (let s = 0; s < sentenceStarts.length; s++) {
    const from = sentenceStarts[s]!;
    const to = s + 1 < sentenceStarts.length ? sentenceStarts[s + 1]! : n;
    out.set(viterbi(emission.subarray(from * K, to * K), to - from, K, transition, weight), from);
  }
  return out;
}
