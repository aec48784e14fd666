/**
 * The data of the Bengio LM example: the Brown corpus as one stream of word ids, cut as Bengio
 * et al. (2003) cut it (examples/lib/brown.ts `bengioSplit`: the first 800,000 words for
 * training, the next 200,000 for validation, the remaining 161,192 for test), with the
 * vocabulary of the training part (words seen 3 times or fewer merged into UNK, id 0: 13,189
 * words).
 *
 * The three parts stay one stream (`ids` = train, then valid, then test), so that a context runs
 * over the boundaries: the first words of the validation part are predicted from the last words
 * of the training part, as in a text read straight through. Every word of valid and test is
 * predicted (none is skipped for want of a context); in training, the first n − 1 words, which
 * have no full context, are only context.
 */
import {
  bengioSplit,
  buildVocabulary,
  encode,
  readBrown,
  wordStream,
  type Vocabulary,
} from "../lib/brown.js";

/** Words seen this many times or fewer in training merge into UNK (Bengio et al.). */
export const MAX_RARE_COUNT = 3;

export interface LmData {
  readonly vocab: Vocabulary;
  /** train, valid and test, one stream of ids. */
  readonly ids: Int32Array;
  /** [start, end) of each part in `ids`. */
  readonly train: readonly [number, number];
  readonly valid: readonly [number, number];
  readonly test: readonly [number, number];
}

/** Reads the corpus and cuts it; `scale` < 1 takes the same proportions of a prefix (quick runs). */
export function loadBrownLm(scale = 1): LmData {
  const { words } = wordStream(readBrown());
  const split = bengioSplit(words, scale);
  const vocab = buildVocabulary(split.train, MAX_RARE_COUNT);
  const all = [...split.train, ...split.valid, ...split.test];
  const a = split.train.length;
  const b = a + split.valid.length;
  return { vocab, ids: encode(vocab, all), train: [0, a], valid: [a, b], test: [b, all.length] };
}
