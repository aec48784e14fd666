/**
 * word2vec on the Brown corpus, in WebAssembly: skip-gram or CBOW, with the hierarchical softmax
 * over a Huffman tree of the counts (seed 001 §1.3.2) or negative sampling, trained as word2vec.c
 * trains them (reduced windows, linearly decayed learning rate, no subsampling; see corpus.ts,
 * model.ts, trainer.ts for how each of its details is matched).
 *
 * Prints the vocabulary, the loss per item over each tenth of training, the speed in words per
 * second (word2vec.c's measure), the nearest neighbours of a few frequent words, and the held-out
 * tag score of the vectors (evaluate.ts) against the majority-tag baseline. Writes
 * out/word2vec-pca.svg (the 300 most frequent words on the first two principal components) and,
 * with --save FILE, the vectors in word2vec.c's text format.
 *
 * Options: --model skipgram|cbow (default skipgram), --negative K (default 0: hierarchical
 * softmax), --dim (100), --window (5), --min-count (5), --epochs (1), --items (1024 per step),
 * --files N (the first N of Brown's 500), --seed, --save FILE, --quick (60 files, 50 dimensions,
 * 3 epochs: a few seconds).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { terminalProgress } from "../../compiler/cli/progress.js";
import { formatBytes } from "../lib/wasm.js";
import { nearest, normalizeRows, pca2, tagScore } from "./evaluate.js";
import { labelledScatter } from "./picture.js";
import { DEFAULTS, loadCorpus, runWord2vec, textVectors } from "./run.js";
import type { Architecture } from "./trainer.js";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: "skipgram" },
    negative: { type: "string" },
    dim: { type: "string" },
    window: { type: "string" },
    "min-count": { type: "string" },
    epochs: { type: "string" },
    items: { type: "string" },
    files: { type: "string" },
    seed: { type: "string" },
    save: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const whole = (name: string, value: string | undefined, fallback: number, min = 1): number => {
  const v = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name} takes a whole number ≥ ${min}, got ${value}`);
  return v;
};
if (args.model !== "skipgram" && args.model !== "cbow") {
  throw new Error(`--model is skipgram or cbow, got ${args.model}`);
}
const ARCH: Architecture = args.model;
const quick = args.quick;
const NEGATIVE = whole("negative", args.negative, DEFAULTS.negative, 0);
const DIM = whole("dim", args.dim, quick ? 50 : DEFAULTS.dim);
const WINDOW = whole("window", args.window, DEFAULTS.window);
const MIN_COUNT = whole("min-count", args["min-count"], 5);
const EPOCHS = whole("epochs", args.epochs, quick ? 3 : DEFAULTS.epochs);
const ITEMS = whole("items", args.items, DEFAULTS.items);
const FILES = whole("files", args.files, quick ? 60 : 500);
const SEED = whole("seed", args.seed, DEFAULTS.seed, 0);
const PROBES = ["the", "he", "said", "man", "time", "city", "good", "two"];
const PCA_WORDS = 300;
const REPORTS = 10;

const corpus = loadCorpus({ files: FILES, minCount: MIN_COUNT });
const { vocab, tags } = corpus;
const V = vocab.words.length;
console.log(
  `corpus: Brown, ${FILES} files, ${corpus.lines.length} sentences; vocabulary (min-count ${MIN_COUNT}): ${V} words with "</s>", ` +
    `${vocab.trainWords} training words per epoch ("</s>" counted, as word2vec.c)`,
);
const method = NEGATIVE > 0 ? `negative sampling (${NEGATIVE} negatives)` : "hierarchical softmax";
console.log(
  `model: ${ARCH === "cbow" ? "CBOW" : "skip-gram"} with ${method}, ${DIM} dimensions, window ${WINDOW}, ` +
    `${EPOCHS} epoch(s), ${ITEMS} items per step, SGD with alpha in the loss (linear decay)`,
);

const bar = terminalProgress({ total: 100, unit: "%" });
const buckets = Array.from({ length: REPORTS }, () => ({ loss: 0, items: 0, alpha: 0 }));
let reported = 0;
const result = await runWord2vec(
  corpus,
  {
    architecture: ARCH,
    negative: NEGATIVE,
    dim: DIM,
    window: WINDOW,
    epochs: EPOCHS,
    items: ITEMS,
    seed: SEED,
  },
  (r) => {
    const k = Math.min(REPORTS - 1, Math.floor((r.words / r.total) * REPORTS));
    const b = buckets[k]!;
    b.loss += r.loss;
    b.items += r.items;
    b.alpha = r.alpha;
    while (reported < k) {
      const done = buckets[reported]!;
      bar.log(
        `  ${String((reported + 1) * 10).padStart(3)}% of the words  alpha ${done.alpha.toFixed(5)}  ` +
          `loss ${(done.loss / done.items).toFixed(4)} per item`,
      );
      reported++;
    }
    if (r.step % 64 === 0) bar.update(Math.floor((r.words / r.total) * 100), `alpha ${r.alpha.toFixed(5)}`);
  },
);
bar.finish();
const last = buckets[REPORTS - 1]!;
console.log(
  `  100% of the words  alpha ${last.alpha.toFixed(5)}  loss ${(last.loss / last.items).toFixed(4)} per item`,
);
const first = buckets.find((b) => b.items > 0)!;
console.log(
  `loss per item (−log σ(±z), ${NEGATIVE > 0 ? "all items" : "items with |z| < 6"}): first tenth ${(first.loss / first.items).toFixed(4)}, ` +
    `last tenth ${(last.loss / last.items).toFixed(4)}`,
);
const { stats } = result;
console.log(
  `training: ${stats.words} words, ${stats.steps} steps, ${stats.items} items in ${(stats.ms / 1000).toFixed(2)} s: ` +
    `${Math.round(result.wordsPerSecond)} words/s, ${(stats.ms / stats.steps) * 1000 < 1e6 ? ((stats.ms / stats.steps) * 1000).toFixed(1) : "?"} µs per step ` +
    `(module ${formatBytes(result.wasmBytes)}, compiled in ${result.compileMs.toFixed(0)} ms)`,
);

// ---- what the vectors learned ----
const unit = normalizeRows(result.vectors, DIM);
const everyWord = Int32Array.from({ length: V - 1 }, (_, i) => i + 1); // not "</s>"
console.log(`nearest neighbours (cosine):`);
for (const w of PROBES) {
  const id = vocab.ids.get(w);
  if (id === undefined) continue;
  const near = nearest(unit, DIM, id, everyWord, 8);
  console.log(
    `  ${w.padEnd(5)} → ${near.map((n) => `${vocab.words[n.id]} ${n.cosine.toFixed(2)}`).join(", ")}`,
  );
}
const score = tagScore(result.vectors, DIM, tags);
console.log(
  `tag score: ${(score.accuracy * 100).toFixed(1)}% of ${score.heldOut} held-out word types get their most frequent Brown tag ` +
    `from the vote of their 5 nearest neighbours among ${score.searched} others; majority-tag baseline ('${score.majorityTag}') ` +
    `${(score.majority * 100).toFixed(1)}%`,
);

mkdirSync("out", { recursive: true });
const top = Array.from({ length: Math.min(PCA_WORDS, V - 1) }, (_, i) => i + 1);
const coords = pca2(result.vectors, DIM, top);
writeFileSync(
  "out/word2vec-pca.svg",
  labelledScatter(
    top.map((w, i) => ({ x: coords[i]![0], y: coords[i]![1], label: vocab.words[w]!, group: tags[w]! })),
    {
      title: `word2vec (${ARCH}, ${method}) on Brown: the ${top.length} most frequent words, 2-D PCA`,
      xLabel: "first principal component",
      yLabel: "second principal component",
    },
  ) + "\n",
);
console.log(`PCA picture of the ${top.length} most frequent words written to out/word2vec-pca.svg`);
if (args.save) {
  writeFileSync(args.save, textVectors(vocab.words, result.vectors, DIM));
  console.log(`vectors written to ${args.save} (word2vec.c's text format)`);
}
