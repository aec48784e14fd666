/**
 * One word2vec training run end to end, shared by the example (train.ts) and the benchmark
 * (bench/word2vec/): the Brown corpus as word2vec.c reads it (corpus.ts), the Huffman tree
 * (examples/lib/huffman.ts), the compiled step (model.ts, SGD at rate 1: alpha is in the loss) and
 * the loop that feeds it (trainer.ts).
 */
import { optim } from "../../compiler/index.js";
import { readBrown, type BrownFile } from "../lib/brown.js";
import { huffmanTree } from "../lib/huffman.js";
import { build } from "../lib/wasm.js";
import {
  brownLines,
  encodeSentences,
  typeTags,
  w2vVocabulary,
  type Sentences,
  type W2vVocabulary,
} from "./corpus.js";
import { cbow, skipGram } from "./model.js";
import {
  flattenPaths,
  START_ALPHA,
  train,
  type Architecture,
  type StepReport,
  type TrainStats,
} from "./trainer.js";

export interface Corpus {
  readonly files: readonly BrownFile[];
  readonly lines: readonly (readonly string[])[];
  readonly vocab: W2vVocabulary;
  readonly sentences: Sentences;
  /** Each vocabulary word's most frequent coarse tag ("" for "</s>"). */
  readonly tags: readonly string[];
}

/** The first `files` files of Brown (all 500 by default), with word2vec.c's vocabulary at `minCount`. */
export function loadCorpus(options: { files?: number; minCount?: number } = {}): Corpus {
  const files = readBrown(options.files === undefined ? {} : { limit: options.files });
  const lines = brownLines(files);
  const vocab = w2vVocabulary(lines, options.minCount ?? 5);
  return { files, lines, vocab, sentences: encodeSentences(lines, vocab), tags: typeTags(files, vocab) };
}

export interface RunOptions {
  readonly architecture: Architecture;
  /** 0: hierarchical softmax; k: negative sampling with k negatives. */
  readonly negative?: number;
  readonly dim?: number;
  readonly window?: number;
  readonly epochs?: number;
  /** Items per step K (default 1024). */
  readonly items?: number;
  readonly startAlpha?: number;
  readonly seed?: number;
}

export interface RunResult {
  /** syn0, V × dim, row = vocabulary id (a copy). */
  readonly vectors: Float32Array;
  readonly dim: number;
  readonly stats: TrainStats;
  readonly compileMs: number;
  readonly wasmBytes: number;
  /** Words processed per second of the training loop ("</s>" counted, as word2vec.c counts). */
  readonly wordsPerSecond: number;
}

export const DEFAULTS = { negative: 0, dim: 100, window: 5, epochs: 1, items: 1024, seed: 1 } as const;

/** CBOW window slots per step: a window has about 10 items (its centre word's path). */
export const cbowSlots = (items: number) => Math.max(1, Math.floor(items / 4));

export async function runWord2vec(
  corpus: Corpus,
  options: RunOptions,
  onStep?: (r: StepReport) => void,
): Promise<RunResult> {
  const o = { ...DEFAULTS, ...options };
  const V = corpus.vocab.words.length;
  const size = {
    vocab: V,
    dim: o.dim,
    items: o.items,
    output: o.negative > 0 ? ("negative" as const) : ("hs" as const),
  };
  const mdl =
    o.architecture === "cbow"
      ? cbow({ ...size, slots: cbowSlots(o.items), contexts: 2 * o.window })
      : skipGram(size);
  const built = await build(mdl, { optimizer: optim.sgd(1) });
  const { net } = built;
  net.init(o.seed);
  const tree = huffmanTree(corpus.vocab.counts);
  const stats = train(
    net,
    corpus.vocab,
    corpus.sentences,
    flattenPaths(tree),
    {
      architecture: o.architecture,
      negative: o.negative,
      window: o.window,
      epochs: o.epochs,
      startAlpha: o.startAlpha ?? START_ALPHA[o.architecture],
      seed: o.seed,
    },
    onStep,
  );
  return {
    vectors: new Float32Array(net.params.syn0!),
    dim: o.dim,
    stats,
    compileMs: built.compileMs,
    wasmBytes: built.wasm.byteLength,
    wordsPerSecond: (stats.words / stats.ms) * 1000,
  };
}

/** word2vec.c's `-binary 0` format: "V D", then "word x1 … xD" per line. */
export function textVectors(words: readonly string[], vectors: Float32Array, dim: number): string {
  const lines = [`${words.length} ${dim}`];
  words.forEach((w, i) => {
    const row = Array.from(vectors.subarray(i * dim, (i + 1) * dim), (x) => x.toFixed(6));
    lines.push(`${w} ${row.join(" ")}`);
  });
  return lines.join("\n") + "\n";
}
