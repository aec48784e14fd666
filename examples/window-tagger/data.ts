/**
 * The data of the window tagger: Brown's words with their coarse tags (tagset.ts), split by file,
 * encoded as windows of word ids and spelling features, and the most-frequent-tag baseline.
 *
 * - Split: every 10th file of the catalogue (ca10, ca20, …, the files at positions 9, 19, … of
 *   cats.txt) is held out for test, the other nine in ten train: 50 test files spread over all
 *   15 genres, and every test word comes from a document the model never saw.
 * - Vocabulary (loadTagger): every word (lower-cased, as examples/lib/brown.ts reads them) of the
 *   training files, VOCAB_MIN_COUNT = 1; a held-out word never seen in training is UNK (id 0),
 *   whose vector is trained by word dropout (dropProbabilities). (With the words seen twice or
 *   more, `--min-count 2`, 4.9% of the held-out tokens are UNK instead of 3.5%, and the model
 *   loses 0.03 points.) Two padding symbols, <s> and </s>, stand for the positions before and
 *   after a sentence, so that every word has a full window of 2 · half + 1 (5 by default) and
 *   windows never cross a sentence boundary.
 * - Spelling features (SPELLING): the last 1, 2, 3 and 4 letters, the first 3 letters and a
 *   shape class (shapeOf: digits, hyphen, period, apostrophe, punctuation) of each word, each
 *   key seen at least twice in training keeping its own id (others share one "rare" id; padding
 *   has its own), so that an unknown word still says "-s", "-ly", "-ing", "un-", "1,000".
 * - Letters (optional, `letters` > 0): each word's letters for a character-level convolution
 *   (letterIds), an alternative to the fixed affixes.
 * - Case feature: examples/lib/brown.ts lower-cases the words, so the
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

/** Words on each side of the centre word by default: a window of 5. */
export const HALF = 2;
export const WINDOW = 2 * HALF + 1;
/** Keys (words, suffixes) seen this many times in training or more keep their own id, by default. */
export const MIN_COUNT = 2;
/** The tagger's vocabulary keeps every training word: <unk> is learned by word dropout instead. */
export const VOCAB_MIN_COUNT = 1;
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
export function suffixOf(word: string, length = SUFFIX_LENGTH): string {
  return word.slice(-length);
}

/**
 * The shape class of a (lower-cased) word, for what its letters cannot say of an unknown word:
 * "num" digits with at most , . / : - between them ("1,000", "1/2", "3.5"), "digit" a digit and
 * letters ("1960's", "b-52"), "hyphen" letters joined by a hyphen ("well-known"), "dot" letters with
 * a period ("u.s.", "mr."), "apos" an apostrophe ("o'clock"), "punct" no letter or digit, "word"
 * the others.
 */
export function shapeOf(word: string): string {
  const digit = /\d/.test(word);
  const letter = /\p{L}/u.test(word);
  if (digit && /^[\d,./:-]+$/.test(word)) return "num";
  if (digit) return "digit";
  if (!letter) return "punct";
  if (word.includes("-")) return "hyphen";
  if (word.includes(".")) return "dot";
  if (word.includes("'")) return "apos";
  return "word";
}

/** A spelling feature: a key read off each word, and its own small embedding in the model. */
export interface SpellingFeature {
  readonly name: string;
  readonly key: (word: string) => string;
}

/**
 * The spelling features: the last 1 to 4 letters (an unknown word still says "-s", "-ly",
 * "-ing", "-tion"), the first 3 letters ("un-", "dis-") and the shape class.
 */
export const SPELLING: readonly SpellingFeature[] = [
  ...[1, 2, 3, 4].map((n) => ({ name: `suffix${n}`, key: (w: string) => suffixOf(w, n) })),
  { name: "prefix3", key: (w: string) => w.slice(0, 3) },
  { name: "shape", key: shapeOf },
];

/** Ids of the keys seen at least twice: rare 0, padding 1, then by falling count. */
export function featureIds(trainWords: readonly string[], f: SpellingFeature): Map<string, number> {
  return wordIds(trainWords.map(f.key), 2); // UNK, <s>, </s> double as rare and padding
}

/** Ids of the suffixes seen at least twice: rare 0, padding 1, then by falling count. */
export function suffixIds(trainWords: readonly string[]): Map<string, number> {
  return featureIds(trainWords, SPELLING[SUFFIX_LENGTH - 1]!);
}

/**
 * The windows of a word stream: `ids` holds each sentence with `half` padding symbols on each side,
 * and `centres[i]` is the index in `ids` of the i-th word, so its window is
 * ids[centres[i] − half … centres[i] + half]. Each spelling feature has an array parallel to `ids`.
 */
export interface Windows {
  readonly ids: Int32Array;
  /** One array parallel to `ids` per spelling feature (the `features` given to `windows`). */
  readonly features: readonly Int32Array[];
  /** Case classes (0 at padding, and everywhere when the words came without their case). */
  readonly cases: Int32Array;
  readonly centres: Int32Array;
  readonly tags: Int32Array;
  /** Whether each word is out of the vocabulary (UNK). */
  readonly unknown: Uint8Array;
  /** With `letters`: `letterLength` letter ids per entry of `ids` (letterIds; padding all 0). */
  readonly letters?: Int32Array;
  readonly letterLength: number;
}

/** The letters of the words for the character-level convolution (letterIds). */
export interface LetterOptions {
  readonly vocab: ReadonlyMap<string, number>;
  readonly length: number;
}

/**
 * The letters of each word for the character-level convolution (Santos and Zadrozny 2014):
 * "^word$" in `length` slots, the word's letters as ids of `letters` (0 padding, 1 a letter
 * not in `letters`), padded with 0 at the end; a longer word keeps its first and last letters
 * (length / 2 each), where its prefix and suffix are.
 */
export function letterIds(word: string, letters: ReadonlyMap<string, number>, length: number): Int32Array {
  let chars = ["^", ...word, "$"];
  if (chars.length > length)
    chars = [...chars.slice(0, length >> 1), ...chars.slice(chars.length - (length - (length >> 1)))];
  const out = new Int32Array(length);
  chars.forEach((c, i) => (out[i] = letters.get(c) ?? 1));
  return out;
}

/** Ids of the characters of the training words seen at least twice, and of "^" and "$": from 2. */
export function letterVocabulary(trainWords: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of trainWords) for (const c of w) counts.set(c, (counts.get(c) ?? 0) + 1);
  const kept = [...counts]
    .filter(([c, n]) => n >= 2 && c !== "^" && c !== "$")
    .map(([c]) => c)
    .sort();
  return new Map(["^", "$", ...kept].map((c, i) => [c, i + 2]));
}

/** A spelling feature and the ids of its keys (featureIds). */
export interface FeatureVocab {
  readonly feature: SpellingFeature;
  readonly ids: ReadonlyMap<string, number>;
}

/**
 * The windows of `data`; `spelling` lists the spelling features (or is the 3-letter suffix ids
 * alone, suffixIds).
 */
export function windows(
  data: TaggedWords,
  vocab: ReadonlyMap<string, number>,
  spelling: readonly FeatureVocab[] | ReadonlyMap<string, number>,
  half = HALF,
  letterOptions?: LetterOptions,
): Windows {
  const features =
    spelling instanceof Map
      ? [{ feature: SPELLING[SUFFIX_LENGTH - 1]!, ids: spelling }]
      : (spelling as readonly FeatureVocab[]);
  const n = data.words.length;
  const sentences = data.sentenceStarts.length;
  const total = n + 2 * half * sentences;
  const ids = new Int32Array(total);
  const feats = features.map(() => new Int32Array(total));
  const cases = new Int32Array(total);
  const C = letterOptions?.length ?? 0;
  const letters = letterOptions ? new Int32Array(total * C) : undefined;
  const centres = new Int32Array(n);
  const unknown = new Uint8Array(n);
  let at = 0;
  const pad = (symbol: string) => {
    ids[at] = vocab.get(symbol)!;
    features.forEach((f, j) => (feats[j]![at] = f.ids.get(symbol)!));
    at++;
  };
  for (let s = 0; s < sentences; s++) {
    const from = data.sentenceStarts[s]!;
    const to = s + 1 < sentences ? data.sentenceStarts[s + 1]! : n;
    for (let k = 0; k < half; k++) pad(START);
    for (let i = from; i < to; i++) {
      const w = data.words[i]!;
      const id = vocab.get(w) ?? 0;
      unknown[i] = id === 0 ? 1 : 0;
      centres[i] = at;
      cases[at] = data.cases?.[i] ?? 0;
      features.forEach((f, j) => (feats[j]![at] = f.ids.get(f.feature.key(w)) ?? 0));
      if (letters) letters.set(letterIds(w, letterOptions!.vocab, C), at * C);
      ids[at++] = id;
    }
    for (let k = 0; k < half; k++) pad(END);
  }
  return {
    ids,
    features: feats,
    cases,
    centres,
    tags: data.tags,
    unknown,
    ...(letters ? { letters } : {}),
    letterLength: C,
  };
}

/**
 * Word dropout (Kiperwasser and Goldberg 2016): the probability that an occurrence of a word seen
 * c times in training is fed as <unk>, α / (α + c): mostly the rare words, so that the <unk>
 * vector is trained on words like the ones it will meet at test time (with MIN_COUNT 1 no
 * training word is <unk> otherwise). Ids with count 0 (<unk>, the padding) are never dropped.
 */
export function dropProbabilities(counts: ArrayLike<number>, alpha: number): Float64Array {
  return Float64Array.from(counts, (c) => (c > 0 ? alpha / (alpha + c) : 0));
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
  /** The training count of each word id (UNK's: 0, <s> and </s>: 0). */
  readonly counts: Int32Array;
  /** The spelling features used and the size of each one's key vocabulary. */
  readonly features: readonly { readonly feature: SpellingFeature; readonly size: number }[];
  readonly half: number;
  /** Letter ids of the character-level convolution (0: none). */
  readonly letters: number;
  readonly trainWindows: Windows;
  readonly testWindows: Windows;
}

export interface LoadOptions {
  /** The first `files` files of the catalogue (default all 500). */
  readonly files?: number;
  /** Words seen this many times in training or more keep their own id (default VOCAB_MIN_COUNT). */
  readonly minCount?: number;
  /** The spelling features (default SPELLING). */
  readonly features?: readonly SpellingFeature[];
  /** Words each side of the centre (default HALF). */
  readonly half?: number;
  /** Letter slots per word for the character-level convolution (default 0: none). */
  readonly letters?: number;
}

/** Reads Brown (or its first `files` files), splits it and encodes both parts. */
export function loadTagger(o: LoadOptions = {}): TaggerData {
  const all = readBrown(o.files === undefined ? {} : { limit: o.files });
  const split = splitFiles(all);
  const train = taggedWords(split.train, fileCases(split.train));
  const test = taggedWords(split.test, fileCases(split.test));
  const vocab = wordIds(train.words, o.minCount ?? VOCAB_MIN_COUNT);
  const counts = new Int32Array(vocab.size);
  for (const w of train.words) {
    const id = vocab.get(w);
    if (id !== undefined) counts[id]!++;
  }
  const features = (o.features ?? SPELLING).map((feature) => ({
    feature,
    ids: featureIds(train.words, feature),
  }));
  const half = o.half ?? HALF;
  const letters = o.letters ? { vocab: letterVocabulary(train.words), length: o.letters } : undefined;
  return {
    train,
    test,
    trainFiles: split.train.length,
    testFiles: split.test.length,
    vocab,
    counts,
    features: features.map((f) => ({ feature: f.feature, size: f.ids.size })),
    half,
    letters: letters ? letters.vocab.size + 2 : 0,
    trainWindows: windows(train, vocab, features, half, letters),
    testWindows: windows(test, vocab, features, half, letters),
  };
}
