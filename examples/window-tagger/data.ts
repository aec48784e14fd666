/**
 * The data of the window tagger: Brown's words with their coarse tags (tagset.ts), split by file,
 * encoded as windows of word ids, and the most-frequent-tag baseline.
 *
 * - Split: every 10th file of the catalogue (ca10, ca20, …, the files at positions 9, 19, … of
 *   cats.txt) is held out for test, the other nine in ten train: 50 test files spread over all
 *   15 genres, and every test word comes from a document the model never saw.
 * - Vocabulary: the words (lower-cased, as examples/lib/brown.ts reads them) seen at least twice in
 *   the training files; the others are UNK (id 0). Two padding symbols, <s> and </s>, stand for
 *   the positions before and after a sentence, so that every word has a full window of
 *   2 · HALF + 1 = 5 and windows never cross a sentence boundary.
 * - Suffix feature (optional, `suffixes` > 0): the last SUFFIX_LENGTH letters of each word, seen
 *   at least twice as a suffix in training (others share one "rare suffix" id; padding has its
 *   own), so that an unknown word still says "-ly", "-ing", "-ed".
 * - Case feature (optional, with the suffixes): examples/lib/brown.ts lower-cases the words, so the
 *   case of each token is read again from the corpus files (same tokenization): 1 no capital,
 *   2 capitalized ("Fulton", only the first letter), 3 all capitals ("FBI", 2+ letters), 4 a
 *   capital elsewhere ("McDonald"); 0 is padding.
 * - Baseline: each word's most frequent training tag (ties: the tag earlier in TAGS), a word
 *   never seen in training gets the most frequent tag overall (NOUN). Computed on the training
 *   tokens' raw words, before UNK merging, so a word seen once still has its tag.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brownDir, readBrown, wordStream, type BrownFile } from "../lib/brown.js";
import { coarseTag, tagId, TAGS } from "./tagset.js";

/** Words on each side of the centre word: a window of 5. */
export const HALF = 2;
export const WINDOW = 2 * HALF + 1;
/** Words seen this many times in training or more keep their own id. */
export const MIN_COUNT = 2;
export const SUFFIX_LENGTH = 3;
export const UNK = "<unk>";
export const START = "<s>";
export const END = "</s>";

export interface TaggedWords {
  readonly words: readonly string[];
  /** The case class of each word (caseClass), when read with the case. */
  readonly cases?: Uint8Array;
  /** Coarse tag ids (TAGS). */
  readonly tags: Int32Array;
  readonly sentenceStarts: readonly number[];
}

/**
 * 1 no capital ("the", "1/2"), 2 capitalized: the first letter only ("Fulton", "A", "'Tis"),
 * 3 all capitals, 2 letters or more ("FBI", "U.S."), 4 a capital elsewhere ("McDonald").
 */
export function caseClass(token: string): number {
  if (token === token.toLowerCase()) return 1;
  const letters = token.replace(/[^\p{L}]/gu, "");
  if (letters.length >= 2 && letters === letters.toUpperCase()) return 3;
  const rest = letters.slice(1);
  return letters[0] !== letters[0]!.toLowerCase() && rest === rest.toLowerCase() ? 2 : 4;
}

/** The case class of every token of the files, read from the corpus files as brown.ts reads them. */
export function fileCases(files: readonly BrownFile[], dir = brownDir()): Uint8Array {
  const out: number[] = [];
  for (const f of files) {
    const start = out.length;
    for (const line of readFileSync(join(dir, f.id), "utf8").split("\n")) {
      for (const token of line.trim().split(/\s+/).filter(Boolean))
        out.push(caseClass(token.slice(0, token.lastIndexOf("/"))));
    }
    const words = f.sentences.reduce((n, s) => n + s.words.length, 0);
    if (out.length - start !== words)
      throw new Error(`${f.id}: ${out.length - start} tokens with their case, ${words} words`);
  }
  return Uint8Array.from(out);
}

/** The coarse-tagged word stream of some files (with their case classes when `cases` is given). */
export function taggedWords(files: readonly BrownFile[], cases?: Uint8Array): TaggedWords {
  const s = wordStream(files);
  if (cases && cases.length !== s.words.length) throw new Error("taggedWords: one case class a word");
  return {
    words: s.words,
    ...(cases ? { cases } : {}),
    tags: Int32Array.from(s.tags, (t) => tagId(coarseTag(t))),
    sentenceStarts: s.sentenceStarts,
  };
}

/** Every 10th file (positions 9, 19, … of the catalogue) is held out. */
export function splitFiles(files: readonly BrownFile[]): { train: BrownFile[]; test: BrownFile[] } {
  return {
    train: files.filter((_, i) => i % 10 !== 9),
    test: files.filter((_, i) => i % 10 === 9),
  };
}

/** Ids of the words seen at least `minCount` times: UNK 0, <s> 1, </s> 2, then by falling count. */
export function wordIds(trainWords: readonly string[], minCount = MIN_COUNT): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of trainWords) counts.set(w, (counts.get(w) ?? 0) + 1);
  const kept = [...counts].filter(([, c]) => c >= minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return new Map([UNK, START, END, ...kept.map(([w]) => w)].map((w, i) => [w, i]));
}

/** The suffix of a word for the suffix feature. */
export function suffixOf(word: string): string {
  return word.slice(-SUFFIX_LENGTH);
}

/** Ids of the suffixes seen at least twice: rare 0, padding 1, then by falling count. */
export function suffixIds(trainWords: readonly string[]): Map<string, number> {
  return wordIds(trainWords.map(suffixOf), 2); // UNK, <s>, </s> double as rare and padding
}

/**
 * The windows of a word stream: `ids` holds each sentence with HALF padding symbols on each side,
 * and `centres[i]` is the index in `ids` of the i-th word, so its window is
 * ids[centres[i] − HALF … centres[i] + HALF].
 */
export interface Windows {
  readonly ids: Int32Array;
  readonly suffixes: Int32Array;
  /** Case classes (0 at padding, and everywhere when the words came without their case). */
  readonly cases: Int32Array;
  readonly centres: Int32Array;
  readonly tags: Int32Array;
  /** Whether each word is out of the vocabulary (UNK). */
  readonly unknown: Uint8Array;
}

export function windows(
  data: TaggedWords,
  vocab: ReadonlyMap<string, number>,
  suffixVocab: ReadonlyMap<string, number>,
): Windows {
  const n = data.words.length;
  const sentences = data.sentenceStarts.length;
  const total = n + 2 * HALF * sentences;
  const ids = new Int32Array(total);
  const suffixes = new Int32Array(total);
  const cases = new Int32Array(total);
  const centres = new Int32Array(n);
  const unknown = new Uint8Array(n);
  let at = 0;
  for (let s = 0; s < sentences; s++) {
    const from = data.sentenceStarts[s]!;
    const to = s + 1 < sentences ? data.sentenceStarts[s + 1]! : n;
    for (let k = 0; k < HALF; k++) {
      ids[at] = vocab.get(START)!;
      suffixes[at++] = suffixVocab.get(START)!;
    }
    for (let i = from; i < to; i++) {
      const w = data.words[i]!;
      const id = vocab.get(w) ?? 0;
      unknown[i] = id === 0 ? 1 : 0;
      centres[i] = at;
      cases[at] = data.cases?.[i] ?? 0;
      ids[at] = id;
      suffixes[at++] = suffixVocab.get(suffixOf(w)) ?? 0;
    }
    for (let k = 0; k < HALF; k++) {
      ids[at] = vocab.get(END)!;
      suffixes[at++] = suffixVocab.get(END)!;
    }
  }
  return { ids, suffixes, cases, centres, tags: data.tags, unknown };
}

/** The most-frequent-tag baseline, fitted on training words and tags. */
export interface Baseline {
  /** The predicted tag id of a word. */
  predict(word: string): number;
  /** The most frequent tag overall (for unseen words). */
  readonly fallback: number;
}

export function mostFrequentTag(words: readonly string[], tags: ArrayLike<number>): Baseline {
  const K = TAGS.length;
  const counts = new Map<string, Int32Array>();
  const overall = new Int32Array(K);
  for (let i = 0; i < words.length; i++) {
    let c = counts.get(words[i]!);
    if (!c) counts.set(words[i]!, (c = new Int32Array(K)));
    c[tags[i]!]!++;
    overall[tags[i]!]!++;
  }
  const best = (c: Int32Array) => c.reduce((b, v, k) => (v > c[b]! ? k : b), 0);
  const fallback = best(overall);
  const table = new Map([...counts].map(([w, c]) => [w, best(c)]));
  return { predict: (w) => table.get(w) ?? fallback, fallback };
}

export interface TaggerData {
  readonly train: TaggedWords;
  readonly test: TaggedWords;
  readonly trainFiles: number;
  readonly testFiles: number;
  readonly vocab: Map<string, number>;
  readonly suffixVocab: Map<string, number>;
  readonly trainWindows: Windows;
  readonly testWindows: Windows;
}

/** Reads Brown (or its first `files` files), splits it and encodes both parts. */
export function loadTagger(files?: number): TaggerData {
  const all = readBrown(files === undefined ? {} : { limit: files });
  const split = splitFiles(all);
  const train = taggedWords(split.train, fileCases(split.train));
  const test = taggedWords(split.test, fileCases(split.test));
  const vocab = wordIds(train.words);
  const suffixVocab = suffixIds(train.words);
  return {
    train,
    test,
    trainFiles: split.train.length,
    testFiles: split.test.length,
    vocab,
    suffixVocab,
    trainWindows: windows(train, vocab, suffixVocab),
    testWindows: windows(test, vocab, suffixVocab),
  };
}
