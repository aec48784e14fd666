/**
 * The Brown corpus as word2vec.c reads it, and its vocabulary as word2vec.c builds it.
 *
 * word2vec.c reads a text file of words separated by spaces, with a "</s>" word at every line end.
 * The benchmark writes that file from examples/lib/brown.ts (`corpusText`: lower-cased, one
 * sentence per line, tags removed), and this example reads the same sentences directly:
 * - Vocabulary (word2vec.c's LearnVocabFromTrainFile + SortVocab): vocab[0] = "</s>", counted once
 *   per line; then every word seen at least `minCount` times, by falling count (ties by spelling;
 *   word2vec.c's qsort leaves ties in no particular order). Rarer words are discarded, not mapped
 *   to an unknown word; `trainWords` is the sum of the kept counts, "</s>" included.
 * - Training stream (TrainModelThread): each line's in-vocabulary words form a sentence, cut after
 *   MAX_SENTENCE_LENGTH = 1000 words as word2vec.c does (the rest of the line is the next
 *   sentence); discarded words are skipped and not counted; each "</s>" counts as a word processed
 *   (word2vec.c counts it in word_count, for the learning rate and words/s) but is never a centre
 *   or context word. No subsampling (-sample 0).
 */
import type { BrownFile } from "../lib/brown.js";

export const SENTENCE_END = "</s>";
/** word2vec.c's MAX_SENTENCE_LENGTH. */
export const MAX_SENTENCE_LENGTH = 1000;

export interface W2vVocabulary {
  /** words[0] = "</s>", then the kept words by falling count. */
  readonly words: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
  readonly counts: readonly number[];
  /** Σ counts: the words one epoch processes, "</s>" included (word2vec.c's train_words). */
  readonly trainWords: number;
}

export interface Sentences {
  /** Every sentence's in-vocabulary ids, concatenated. */
  readonly ids: Int32Array;
  /** Sentence s is ids[starts[s], starts[s + 1]); starts has one entry more than there are sentences. */
  readonly starts: Int32Array;
  /**
   * words processed after sentence s (word2vec.c's word_count): its words, plus 1 for the "</s>"
   * that ended its line (a line cut at 1000 words counts its "</s>" with its last piece).
   */
  readonly wordsAfter: Float64Array;
}

/** The sentences of the files, as lines of lower-cased words. */
export function brownLines(files: readonly BrownFile[]): string[][] {
  return files.flatMap((f) => f.sentences.map((s) => [...s.words]));
}

/** word2vec.c's training file: one line per sentence, words separated by a space. */
export function corpusText(lines: readonly (readonly string[])[]): string {
  return lines.map((l) => l.join(" ")).join("\n") + "\n";
}

export function w2vVocabulary(lines: readonly (readonly string[])[], minCount: number): W2vVocabulary {
  const counts = new Map<string, number>();
  for (const line of lines) for (const w of line) counts.set(w, (counts.get(w) ?? 0) + 1);
  counts.delete(SENTENCE_END); // a literal "</s>" in the text would be the same word; Brown has none
  const kept = [...counts].filter(([, c]) => c >= minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const words = [SENTENCE_END, ...kept.map(([w]) => w)];
  const all = [lines.length, ...kept.map(([, c]) => c)];
  return {
    words,
    ids: new Map(words.map((w, i) => [w, i])),
    counts: all,
    trainWords: all.reduce((s, c) => s + c, 0),
  };
}

/** The training stream of `lines` over `vocab`, as word2vec.c reads it (header). */
export function encodeSentences(lines: readonly (readonly string[])[], vocab: W2vVocabulary): Sentences {
  const ids: number[] = [];
  const starts: number[] = [0];
  const wordsAfter: number[] = [];
  let done = 0;
  for (const line of lines) {
    const inVocab: number[] = [];
    for (const w of line) {
      const id = vocab.ids.get(w);
      if (id !== undefined) inVocab.push(id);
    }
    // pieces of at most 1000 words; an empty line is one empty sentence (its "</s>" still counts)
    for (let at = 0; at === 0 || at < inVocab.length; at += MAX_SENTENCE_LENGTH) {
      const piece = inVocab.slice(at, at + MAX_SENTENCE_LENGTH);
      for (const id of piece) ids.push(id);
      done += piece.length + (at + MAX_SENTENCE_LENGTH >= inVocab.length ? 1 : 0);
      starts.push(ids.length);
      wordsAfter.push(done);
    }
  }
  return {
    ids: Int32Array.from(ids),
    starts: Int32Array.from(starts),
    wordsAfter: Float64Array.from(wordsAfter),
  };
}

/**
 * The tag granularity of the quality score: a Brown tag up to its first '-' (dropping the
 * title, headline and cited-word flags -tl, -hl, -nc, and taking a foreign word "fw-nn" as "fw"),
 * kept whole where that would leave nothing ("--"). Possessives ("nn$") and contractions
 * ("ppss+md") stay their own tags.
 */
export function coarseTag(tag: string): string {
  const dash = tag.indexOf("-");
  return dash > 0 ? tag.slice(0, dash) : tag;
}

/** Each vocabulary word's most frequent coarse tag over the corpus (ties: the tag seen first); "</s>" gets "". */
export function typeTags(files: readonly BrownFile[], vocab: W2vVocabulary): string[] {
  const byWord = vocab.words.map(() => new Map<string, number>());
  for (const f of files) {
    for (const s of f.sentences) {
      s.words.forEach((w, i) => {
        const id = vocab.ids.get(w);
        if (id === undefined || id === 0) return;
        const t = coarseTag(s.tags[i]!);
        const m = byWord[id]!;
        m.set(t, (m.get(t) ?? 0) + 1);
      });
    }
  }
  return byWord.map((m) => {
    let best = "";
    let count = 0;
    for (const [t, c] of m) if (c > count) [best, count] = [t, c];
    return best;
  });
}
