/**
 * The data of the CNN text classifier (issue 17): Brown passages labelled by genre, held out by
 * file. Every choice is made here so that the CNN and the baseline see exactly the same examples.
 *
 * - Task. `binary` (train.ts's default; its header says why): the classic split of the Brown
 *   corpus into informative prose (categories A–J: news, editorial, reviews, religion, hobbies,
 *   lore, belles lettres, government, learned; 374 files) and imaginative prose (K–R: fiction,
 *   mystery, science fiction, adventure, romance, humor; 126 files). `categories`: the 15 genres
 *   of cats.txt.
 * - Chunks. Each file's words (lower-cased, in order, across sentence boundaries) are cut into
 *   passages of CHUNK = 100 words; a file's last, shorter passage is kept, padded with PAD, when
 *   it holds at least CHUNK / 2 words, and dropped otherwise. Every passage of a file has the
 *   file's label.
 * - Held out by file, so that no test passage shares a file with a training passage: within each
 *   genre, in catalogue order, file i goes to test when i mod 5 = 4, to validation when
 *   i mod 10 = 2, and to training otherwise (about 70 / 10 / 20 % of the files, every genre in
 *   every part; science fiction, the smallest with 6 files, has 4 / 1 / 1).
 * - Vocabulary: the words seen at least twice in the training passages (`buildVocabulary` with
 *   maxRareCount 1), id 0 is UNK (every other word), and PAD = V, one id past the vocabulary, for
 *   the padding of a short last passage.
 * - `--quick` keeps the first `chunksPerFile` passages of every file (the same files, genres and
 *   split, a quarter or less of the words).
 */
import { buildVocabulary, readBrown, type BrownFile, type Vocabulary } from "../lib/brown.js";

export const CHUNK = 100;

export type Task = "categories" | "binary";

/** The 15 genres of cats.txt in the order of their letters (A news … R humor). */
export const CATEGORIES = [
  "news",
  "editorial",
  "reviews",
  "religion",
  "hobbies",
  "lore",
  "belles_lettres",
  "government",
  "learned",
  "fiction",
  "mystery",
  "science_fiction",
  "adventure",
  "romance",
  "humor",
] as const;

/** Categories A–J are informative prose, K–R imaginative (the corpus manual's two groups). */
export const INFORMATIVE = new Set<string>(CATEGORIES.slice(0, 9));

export function classNames(task: Task): readonly string[] {
  return task === "binary" ? ["informative", "imaginative"] : CATEGORIES;
}

/** The class id of a file's category under `task`. */
export function classOf(task: Task, category: string): number {
  const k = CATEGORIES.indexOf(category as (typeof CATEGORIES)[number]);
  if (k < 0) throw new Error(`unknown Brown category '${category}'`);
  return task === "binary" ? (INFORMATIVE.has(category) ? 0 : 1) : k;
}

export type Part = "train" | "valid" | "test";

/** The part of the i-th file (0-based, catalogue order) of its genre. */
export function partOf(indexInCategory: number): Part {
  if (indexInCategory % 5 === 4) return "test";
  if (indexInCategory % 10 === 2) return "valid";
  return "train";
}

/** A file's words cut into passages of `chunk` words (a last passage of ≥ chunk / 2 words kept). */
export function chunkWords(words: readonly string[], chunk = CHUNK): string[][] {
  const out: string[][] = [];
  for (let start = 0; start < words.length; start += chunk) {
    const piece = words.slice(start, start + chunk);
    if (piece.length === chunk || 2 * piece.length >= chunk) out.push(piece);
  }
  return out;
}

export interface Passages {
  /** n · CHUNK word ids, row-major, PAD after a short passage's words. */
  readonly tokens: Int32Array;
  /** Class id of each passage. */
  readonly labels: Int32Array;
  /** The Brown file each passage comes from. */
  readonly files: readonly string[];
  readonly count: number;
}

export interface TextData {
  readonly task: Task;
  readonly classes: readonly string[];
  readonly vocab: Vocabulary;
  /** V: the vocabulary's size (UNK included); PAD is id V. */
  readonly V: number;
  readonly pad: number;
  readonly train: Passages;
  readonly valid: Passages;
  readonly test: Passages;
  /** Files in each part. */
  readonly fileCounts: Readonly<Record<Part, number>>;
}

function fileWords(file: BrownFile): string[] {
  return file.sentences.flatMap((s) => s.words);
}

/** Reads Brown and builds the passages, the split and the vocabulary (see the header). */
export function loadBrownPassages(
  task: Task,
  options: { chunksPerFile?: number; files?: readonly BrownFile[] } = {},
): TextData {
  const files = options.files ?? readBrown();
  const seen = new Map<string, number>();
  const raw: Record<Part, { words: string[][]; labels: number[]; files: string[] }> = {
    train: { words: [], labels: [], files: [] },
    valid: { words: [], labels: [], files: [] },
    test: { words: [], labels: [], files: [] },
  };
  const fileCounts: Record<Part, number> = { train: 0, valid: 0, test: 0 };
  for (const file of files) {
    const i = seen.get(file.category) ?? 0;
    seen.set(file.category, i + 1);
    const part = partOf(i);
    fileCounts[part]++;
    let chunks = chunkWords(fileWords(file));
    if (options.chunksPerFile !== undefined) chunks = chunks.slice(0, options.chunksPerFile);
    for (const c of chunks) {
      raw[part].words.push(c);
      raw[part].labels.push(classOf(task, file.category));
      raw[part].files.push(file.id);
    }
  }
  const vocab = buildVocabulary(raw.train.words.flat(), 1);
  const V = vocab.words.length;
  const encode = (p: (typeof raw)[Part]): Passages => {
    const tokens = new Int32Array(p.words.length * CHUNK).fill(V);
    p.words.forEach((ws, n) => ws.forEach((w, t) => (tokens[n * CHUNK + t] = vocab.ids.get(w) ?? 0)));
    return { tokens, labels: Int32Array.from(p.labels), files: p.files, count: p.words.length };
  };
  return {
    task,
    classes: classNames(task),
    vocab,
    V,
    pad: V,
    train: encode(raw.train),
    valid: encode(raw.valid),
    test: encode(raw.test),
    fileCounts,
  };
}

export type Features = "log-counts" | "counts";

/**
 * The baseline's bag-of-words features of passages: one row of V per passage, the count c of each
 * word id in it (`counts`) or log(1 + c) (`log-counts`, the default: it damps the function words
 * that every passage repeats); PAD (any id ≥ V) is not counted. Writes rows [from, from + n) of
 * `tokens` (each `chunk` ids) into `out` (n · V floats, zeroed first).
 */
export function bagOfWords(
  tokens: ArrayLike<number>,
  from: number,
  n: number,
  V: number,
  features: Features,
  out: Float32Array,
  chunk = CHUNK,
): Float32Array {
  out.fill(0, 0, n * V);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < chunk; t++) {
      const id = tokens[(from + r) * chunk + t]!;
      if (id >= 0 && id < V) out[r * V + id]!++;
    }
  }
  if (features === "log-counts") for (let i = 0; i < n * V; i++) out[i] = Math.log1p(out[i]!);
  return out;
}
