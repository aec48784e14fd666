/**
 * word2vec's training loop around the compiled step (model.ts): walks the sentences as word2vec.c's
 * TrainModelThread does and packs the items it would update, in its order, into the K slots of the
 * step's input views, one trainStep() whenever they are full.
 *
 * Decisions:
 * - Window sampling as word2vec.c: for each centre word a reduced window b ∈ [0, window) drawn at
 *   random (here from mulberry32, word2vec.c uses its own LCG), the contexts at offsets 1 … window − b
 *   on each side, within the sentence (corpus.ts: a line, cut at 1000 words).
 * - Skip-gram: for each (centre, context) pair, hierarchical softmax gives one item per node of
 *   the centre word's path (input row: the context word; label 1 − code bit); negative sampling
 *   gives the centre word (label 1) and `negative` draws from the unigram^0.75 table (label 0;
 *   a draw of "</s>" becomes a uniform word, a draw of the centre word is dropped, as word2vec.c).
 *   A pair's items may be split between two steps.
 * - CBOW: one window slot per centre word with at least one context word (word2vec.c's `if (cw)`),
 *   its items (the same per-centre list) pointing at that slot; a window's items are never split:
 *   the step is sent early when they do not fit, the rest of its items masked out.
 * - The learning rate: alpha = start · max(1e-4, 1 − done / (epochs · trainWords + 1)), with `done`
 *   the words processed before the step's last centre word ("</s>" counted, as word2vec.c; it
 *   updates alpha every 10,000 words, here every step). Start 0.025 for skip-gram, 0.05 for CBOW.
 * - The mask is kept equal to 1 on [0, filled) and 0 after: only the change is written at a flush.
 */
import type { Net } from "../../runtime/index.js";
import type { HuffmanTree } from "../lib/huffman.js";
import { mulberry32 } from "../lib/random.js";
import type { Sentences, W2vVocabulary } from "./corpus.js";

export type Architecture = "skipgram" | "cbow";

export interface TrainOptions {
  readonly architecture: Architecture;
  /** 0: hierarchical softmax; k > 0: negative sampling with k negatives. */
  readonly negative: number;
  readonly window: number;
  readonly epochs: number;
  readonly startAlpha: number;
  readonly seed: number;
}

/** The default starting learning rates of word2vec.c. */
export const START_ALPHA: Readonly<Record<Architecture, number>> = { skipgram: 0.025, cbow: 0.05 };

export interface StepReport {
  /** Steps taken so far. */
  readonly step: number;
  /** Words processed so far ("</s>" counted), of `total`. */
  readonly words: number;
  readonly total: number;
  readonly alpha: number;
  /** The step's loss divided by alpha: Σ −log σ(±z) over its items (HS: those with |z| < 6). */
  readonly loss: number;
  /** Items in the step. */
  readonly items: number;
}

export interface TrainStats {
  readonly steps: number;
  readonly items: number;
  readonly words: number;
  /** Wall time of the loop: packing items in JS and the compiled steps. */
  readonly ms: number;
}

/** The paths of every word flattened: the nodes and labels (1 − code) of word w are at [start[w], start[w + 1]). */
export interface FlatPaths {
  readonly start: Int32Array;
  readonly nodes: Int32Array;
  readonly labels: Float32Array;
}

export function flattenPaths(tree: HuffmanTree): FlatPaths {
  const start = new Int32Array(tree.leaves + 1);
  for (let w = 0; w < tree.leaves; w++) start[w + 1] = start[w]! + tree.points[w]!.length;
  const nodes = new Int32Array(start[tree.leaves]!);
  const labels = new Float32Array(start[tree.leaves]!);
  for (let w = 0; w < tree.leaves; w++) {
    nodes.set(tree.points[w]!, start[w]!);
    tree.codes[w]!.forEach((bit, j) => (labels[start[w]! + j] = 1 - bit));
  }
  return { start, nodes, labels };
}

/** word2vec.c's InitUnigramTable: word w fills a share count^0.75 / Σ count^0.75 of the table. */
export function unigramTable(counts: readonly number[], size = 1_000_000): Int32Array {
  const table = new Int32Array(size);
  const total = counts.reduce((s, c) => s + c ** 0.75, 0);
  let w = 0;
  let cumulative = counts[0]! ** 0.75 / total;
  for (let a = 0; a < size; a++) {
    table[a] = w;
    if (a / size > cumulative && w < counts.length - 1) cumulative += counts[++w]! ** 0.75 / total;
  }
  return table;
}

/**
 * Trains `net` (compiled from model.ts with `optim.sgd(1)`, initialised) for `options.epochs` over
 * `sentences`. `onStep` sees every step (cheap: it is called in the loop).
 */
export function train(
  net: Net,
  vocab: W2vVocabulary,
  sentences: Sentences,
  paths: FlatPaths,
  options: TrainOptions,
  onStep?: (r: StepReport) => void,
): TrainStats {
  const cbow = options.architecture === "cbow";
  const { negative, window: W, epochs, startAlpha } = options;
  const rand = mulberry32(options.seed);
  const V = vocab.words.length;
  const table = negative > 0 ? unigramTable(vocab.counts) : new Int32Array(1);
  const tableSize = table.length;
  const total = vocab.trainWords * epochs;

  const views = net.inputs as Record<string, Float32Array | Int32Array>;
  const node = views.node as Int32Array;
  const label = views.label as Float32Array;
  const mask = views.mask as Float32Array;
  const alphaView = views.alpha as Float32Array;
  const input = views.input as Int32Array; // skip-gram
  const context = views.context as Int32Array; // CBOW
  const present = views.present as Float32Array;
  const inverse = views.inverse as Float32Array;
  const slot = views.slot as Int32Array;
  const K = node.length;
  const C = cbow ? context.length / inverse.length : 0;
  const P = cbow ? inverse.length : 0;
  const lossView = net.outputs.loss!;
  const { start: pathStart, nodes: pathNodes, labels: pathLabels } = paths;
  const perCentre = negative > 0 ? negative + 1 : 0;
  if (
    cbow &&
    Math.max(perCentre, ...Array.from({ length: V }, (_, w) => pathStart[w + 1]! - pathStart[w]!)) > K
  ) {
    throw new Error(`word2vec: a window's items do not fit in the ${K} items of a step`);
  }

  mask.fill(1);
  let masked = K; // mask is 1 on [0, masked), 0 after
  let n = 0; // items filled
  let p = 0; // CBOW window slots filled
  let steps = 0;
  let items = 0;
  let done = 0; // words processed, across epochs
  const flush = () => {
    if (n < masked) mask.fill(0, n, masked);
    else if (n > masked) mask.fill(1, masked, n);
    masked = n;
    const alpha = startAlpha * Math.max(1e-4, 1 - done / (total + 1));
    alphaView[0] = alpha;
    net.trainStep();
    steps++;
    items += n;
    onStep?.({ step: steps, words: done, total, alpha, loss: lossView[0]! / alpha, items: n });
    n = 0;
    p = 0;
  };
  /** A negative sample for `centre` (-1: dropped), as word2vec.c draws it. */
  const draw = (centre: number): number => {
    let target = table[(rand() * tableSize) | 0]!;
    if (target === 0) target = 1 + ((rand() * (V - 1)) | 0);
    return target === centre ? -1 : target;
  };

  const { ids, starts, wordsAfter } = sentences;
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const epochBase = epoch * vocab.trainWords;
    for (let s = 0; s + 1 < starts.length; s++) {
      const a = starts[s]!;
      const e = starts[s + 1]!;
      done = epochBase + (s > 0 ? wordsAfter[s - 1]! : 0);
      for (let i = a; i < e; i++, done++) {
        const centre = ids[i]!;
        const reach = W - ((rand() * W) | 0); // window − b
        const lo = Math.max(a, i - reach);
        const hi = Math.min(e - 1, i + reach);
        const ps = pathStart[centre]!;
        const pe = pathStart[centre + 1]!;
        if (!cbow) {
          for (let c = lo; c <= hi; c++) {
            if (c === i) continue;
            const ctx = ids[c]!;
            if (negative === 0) {
              for (let j = ps; j < pe; j++) {
                input[n] = ctx;
                node[n] = pathNodes[j]!;
                label[n] = pathLabels[j]!;
                if (++n === K) flush();
              }
            } else {
              for (let d = 0; d <= negative; d++) {
                const target = d === 0 ? centre : draw(centre);
                if (target < 0) continue;
                input[n] = ctx;
                node[n] = target;
                label[n] = d === 0 ? 1 : 0;
                if (++n === K) flush();
              }
            }
          }
        } else {
          const cw = hi - lo; // the centre is inside [lo, hi]
          if (cw === 0) continue;
          const need = negative === 0 ? pe - ps : perCentre;
          if (n + need > K || p === P) flush();
          const base = p * C;
          let q = 0;
          for (let c = lo; c <= hi; c++) {
            if (c === i) continue;
            context[base + q] = ids[c]!;
            present[base + q] = 1;
            q++;
          }
          for (; q < C; q++) {
            context[base + q] = 0;
            present[base + q] = 0;
          }
          inverse[p] = 1 / cw;
          if (negative === 0) {
            for (let j = ps; j < pe; j++) {
              slot[n] = p;
              node[n] = pathNodes[j]!;
              label[n] = pathLabels[j]!;
              n++;
            }
          } else {
            for (let d = 0; d <= negative; d++) {
              const target = d === 0 ? centre : draw(centre);
              if (target < 0) continue;
              slot[n] = p;
              node[n] = target;
              label[n] = d === 0 ? 1 : 0;
              n++;
            }
          }
          p++;
        }
      }
    }
  }
  done = total;
  if (n > 0) flush();
  return { steps, items, words: total, ms: performance.now() - started };
}
