/**
 * The character-level corpus: the project's four seed documents (corpus/, see corpus/README.md),
 * concatenated in file order and normalised with Unicode NFKC, which folds the PDF extraction's
 * mathematical italic letters (𝑥, 𝑊) and ligatures (ﬁ) into plain letters. The last tenth is held
 * out as validation text. The alphabet is every character that occurs at least MIN_COUNT times in
 * the training part; the rest (stray symbols of the slide extraction) share one class, shown as
 * UNKNOWN. Plain text, no download, the same ids on every run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Characters rarer than this in the training text become UNKNOWN. */
export const MIN_COUNT = 10;
/** The shared class of the rare characters (U+FFFD, which the extracted text already uses). */
export const UNKNOWN = "\uFFFD";
/** The held-out tail of the text. */
export const VALIDATION_FRACTION = 0.1;

export interface Corpus {
  /** The source files, in order. */
  readonly files: readonly string[];
  /** The alphabet: id → character (UNKNOWN is one of them). */
  readonly chars: readonly string[];
  /** Character ids of the training text (the first 90%). */
  readonly train: Int32Array;
  /** Character ids of the validation text (the last 10%). */
  readonly validation: Int32Array;
  /** Characters folded into UNKNOWN, in both parts. */
  readonly unknownCount: number;
  /** Maps a string to ids (rare or unseen characters to UNKNOWN). */
  encode(text: string): Int32Array;
  /** Maps ids back to a string. */
  decode(ids: ArrayLike<number>): string;
}

export function loadCorpus(dir = fileURLToPath(new URL("./corpus", import.meta.url))): Corpus {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort();
  // Array.from splits by code point, so a character outside the BMP (𝑥 before NFKC) is one symbol
  const text = Array.from(
    files
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n")
      .normalize("NFKC"),
  );
  const split = Math.round(text.length * (1 - VALIDATION_FRACTION));
  const counts = new Map<string, number>();
  for (let i = 0; i < split; i++) counts.set(text[i]!, (counts.get(text[i]!) ?? 0) + 1);
  // most frequent first, ties in code point order: stable ids
  const chars = [...counts.entries()]
    .filter(([c, n]) => n >= MIN_COUNT && c !== UNKNOWN)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c]) => c);
  chars.push(UNKNOWN);
  const idOf = new Map(chars.map((c, i) => [c, i]));
  const unknownId = chars.length - 1;
  let unknownCount = 0;
  const encodeChars = (cs: readonly string[]) =>
    Int32Array.from(cs, (c) => {
      const id = idOf.get(c);
      if (id === undefined || id === unknownId) unknownCount++;
      return id ?? unknownId;
    });
  const train = encodeChars(text.slice(0, split));
  const validation = encodeChars(text.slice(split));
  return {
    files,
    chars,
    train,
    validation,
    unknownCount,
    encode: (s) => Int32Array.from(Array.from(s.normalize("NFKC")), (c) => idOf.get(c) ?? unknownId),
    decode: (ids) => Array.from(ids, (id) => chars[id]!).join(""),
  };
}

/**
 * Cross-entropy in nats per character of `text` under a smoothed n-gram model of `train`
 * (n = 1: character frequencies; n = 2: the next character given the previous one), with add-α
 * smoothing so that unseen pairs keep some probability. The baselines the RNN must beat.
 */
export function ngramCrossEntropy(train: Int32Array, text: Int32Array, vocab: number, n: 1 | 2, alpha = 0.1) {
  const contexts = n === 1 ? 1 : vocab;
  const counts = new Float64Array(contexts * vocab);
  const totals = new Float64Array(contexts);
  for (let i = n - 1; i < train.length; i++) {
    const ctx = n === 1 ? 0 : train[i - 1]!;
    counts[ctx * vocab + train[i]!]!++;
    totals[ctx]!++;
  }
  let nats = 0;
  for (let i = 1; i < text.length; i++) {
    const ctx = n === 1 ? 0 : text[i - 1]!;
    nats -= Math.log((counts[ctx * vocab + text[i]!]! + alpha) / (totals[ctx]! + alpha * vocab));
  }
  return nats / (text.length - 1);
}
