/**
 * Part-of-speech tagging of the Brown corpus with the window model of seed 004 §1 (issue 17),
 * trained in WebAssembly with the seed's max-margin objective and, for comparison, with softmax
 * cross-entropy, against the most-frequent-tag baseline computed in the same run.
 *
 * - Tags (tagset.ts): Brown's tags collapsed to the 12 classes of the universal tagset (NOUN VERB
 *   ADJ ADV PRON DET ADP CONJ NUM PRT PUNCT X); the table is in tagset.ts.
 * - Data (data.ts): held out by file, every 10th file of the catalogue (50 files, 115,803
 *   tokens; the other 450 files, 1,045,389 tokens, train); the vocabulary is every training word
 *   (47,074 with <unk>, <s>, </s>; 3.5% of the held-out tokens are <unk>, never seen in
 *   training), <unk> being learned by word dropout (a training word seen c times is fed as <unk>
 *   with probability α / (α + c), α = 0.25); padding symbols at sentence edges. Word features
 *   (`--no-features` drops them), each a small embedding of its own: the last 1, 2, 3 and 4
 *   letters, the first 3 letters, a shape class (digits, hyphen, period, …) and the case class
 *   (the corpus reader lower-cases the words).
 * - Model (model.ts): a window of 5 words, embeddings of m = 50 (plus 5 · 12 for each affix and
 *   5 · 4 for the shape and the case), a hard-tanh hidden layer of 300 units, one score per tag.
 * - Objectives: `margin` (the main one), J = max(0, 1 − s_y + max_{k≠y} s_k), the best wrong tag
 *   as the corrupt window, averaged over the batch; `softmax`, the cross-entropy of softmax(s).
 * - Training: Adam (learning rate 0.002 decayed exponentially to a tenth over the run),
 *   minibatches of 256 windows in a seeded order each epoch (the last partial batch skipped),
 *   2 epochs, dropout on the hidden layer (keep 0.8). No validation set and no early stopping:
 *   the settings are fixed, and the held-out accuracy is that after the last epoch.
 * - Decoding: each word's best tag; also reported, Viterbi over the sentence with the training
 *   tag bigrams (decode.ts, weight 0.1 on their log-probabilities) and the mean of both
 *   objectives' log-probabilities (when both are trained).
 * - Baseline: each word's most frequent tag in training, unseen words the most frequent tag
 *   overall (NOUN).
 *
 * Measured with the defaults (about 3.5 minutes on this 2-core machine with the other core
 * busy, 16 s of it skip-gram; 24,000 windows/s): baseline 94.23%, max-margin 97.84% (+3.61
 * points), softmax 97.91% (+3.68 points); on unknown words (never seen in training) 72.14%,
 * 91.30%, 91.11%. With Viterbi 97.85% / 97.93%; the ensemble of both 97.95% (+3.72), with
 * Viterbi 97.96% (+3.74). The issue's target, 4 points above the baseline (98.23%), is not met.
 *
 * What else was measured (max-margin, held-out accuracy, one seed each, before the pretrained
 * vectors were made the default; a second seed moved it by 0.01 point): the old setting (words
 * seen twice, 3-letter suffix and case) 97.56%; every training word with word dropout 97.59%;
 * the spelling features 97.81% (unknown words 87.1% → 91.3%; α = 1 instead of 0.25: the same); a character-level convolution over the letters on top of them
 * (`--letters 12`, 30 filters of 3 letters) 97.81%; word vectors pretrained by skip-gram on the
 * training sentences (pretrain.ts) 97.84% (softmax 97.82% → 97.91%: kept); a window of 7 97.80%;
 * 4 epochs 97.72% (97.77% after the third); 500 hidden units and m = 100 97.77%. Viterbi with the
 * tag bigrams: from −0.4 to +0.05 points for weights 0.5 to 0.05 (the window already sees the
 * neighbours); the weight 0.1 was read off that held-out sweep, so its +0.01 is optimistic.
 *
 * Why +4 points is out of reach for this window model (the last lines printed): three quarters
 * of the errors are on words seen in training with several tags (51% of the tokens, 96.9%
 * right); words never seen in training are 3.5% of the tokens (91% right, 14% of the errors:
 * perfect unknown words would add 0.3 points); even on its own training windows the model is
 * only 99.0% (max-margin) / 99.1% (softmax) right (`--train-accuracy`). Identical 5-word windows
 * rarely repeat (4.3% of the held-out windows occur in training), so the label-noise floor that
 * exact repeats show is small (0.02% of the tokens; 0.21% with 3-word windows). Once the
 * spelling features were in, no lever moved the accuracy by more than 0.1 point.
 *
 * Prints per epoch the training loss and held-out accuracy of each objective, then the summary:
 * held-out token accuracy of the baseline and of each model, the difference in points, the
 * accuracy on unknown words (held-out words not in the vocabulary), Viterbi and the ensemble,
 * the most common errors, the label-noise floor (ceiling.ts) and where the errors fall. Writes
 * out/window-tagger-loss.svg (training loss per tenth of an epoch, both objectives) and
 * out/window-tagger.txt.
 *
 * Options: --quick (the first 100 files, small dims, 1 epoch: seconds; used by the tests),
 * --files N, --epochs N, --embed N, --hidden N, --batch N, --lr X, --keep P, --no-features,
 * --spelling suffix1,suffix2,suffix3,suffix4,prefix3,shape (the spelling features, default
 * all), --spelling-embed N (12), --min-count N (1), --unk-alpha X (word dropout, 0.25; 0 with
 * --min-count above 1), --half N (words each side, 2), --letters N (letter slots of the
 * character-level convolution, 0: none), --letter-filters N (30), --pretrain-epochs N
 * (skip-gram epochs, 5, 1 with --quick; 0: random vectors), --transition-weight X (Viterbi,
 * 0.1), --train-accuracy (also the accuracy on the training windows), --objective
 * margin|softmax|both (default both), --seed N.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim, schedule } from "../../compiler/index.js";
import { formatDuration, terminalProgress } from "../../compiler/cli/progress.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { lineChart } from "../lib/svg.js";
import { argmax, build, formatBytes } from "../lib/wasm.js";
import {
  dropProbabilities,
  HALF,
  loadTagger,
  VOCAB_MIN_COUNT,
  mostFrequentTag,
  SPELLING,
  type Windows,
} from "./data.js";
import { logSoftmaxRows, transitionLogProbs, viterbiSentences } from "./decode.js";
import { windowNoise } from "./ceiling.js";
import { breakdownText, confusions, tagVarieties } from "./metrics.js";
import { copyPretrained, pretrain } from "./pretrain.js";
import { windowTagger, type FeatureInput, type Objective } from "./model.js";
import { TAGS } from "./tagset.js";
import { numberOption } from "../lib/options.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    files: { type: "string" },
    epochs: { type: "string" },
    embed: { type: "string" },
    hidden: { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    keep: { type: "string" },
    "no-features": { type: "boolean", default: false },
    spelling: { type: "string" },
    "min-count": { type: "string" },
    "unk-alpha": { type: "string" },
    half: { type: "string" },
    "transition-weight": { type: "string" },
    "spelling-embed": { type: "string" },
    "train-accuracy": { type: "boolean", default: false },
    "pretrain-epochs": { type: "string" },
    letters: { type: "string" },
    "letter-filters": { type: "string" },
    objective: { type: "string", default: "both" },
    seed: { type: "string", default: "1" },
  },
});

const QUICK = args.quick;
const FILES = numberOption(args, "files", QUICK ? 100 : 500, true, (v) => v >= 10 && v <= 500);
const EPOCHS = numberOption(args, "epochs", QUICK ? 1 : 2, true, (v) => v > 0);
const EMBED = numberOption(args, "embed", QUICK ? 32 : 50, true, (v) => v > 0);
const SPELLING_EMBED = numberOption(args, "spelling-embed", QUICK ? 6 : 12, true, (v) => v > 0);
const CASE_EMBED = 4;
const HIDDEN = numberOption(args, "hidden", QUICK ? 100 : 300, true, (v) => v > 0);
const BATCH = numberOption(args, "batch", QUICK ? 128 : 256, true, (v) => v > 0);
const LEARNING_RATE = numberOption(args, "lr", 0.002, false, (v) => v > 0);
const KEEP = numberOption(args, "keep", QUICK ? 1 : 0.8, false, (v) => v > 0 && v <= 1);
const SEED = numberOption(args, "seed", 1, true, (v) => v >= 0);
const FEATURES = !args["no-features"];
const TRAIN_ACCURACY = args["train-accuracy"];
const LETTERS = numberOption(args, "letters", 0, true, (v) => v === 0 || v >= 4);
const LETTER_FILTERS = numberOption(args, "letter-filters", QUICK ? 10 : 30, true, (v) => v > 0);
const LETTER_EMBED = QUICK ? 8 : 15;
const LETTER_WIDTH = 3;
const PRETRAIN_EPOCHS = numberOption(args, "pretrain-epochs", QUICK ? 1 : 5, true, (v) => v >= 0);
const SPELLING_NAMES = FEATURES
  ? (args.spelling?.split(",").filter(Boolean) ?? SPELLING.map((f) => f.name))
  : [];
const SPELLING_USED = SPELLING_NAMES.map((name) => {
  const f = SPELLING.find((g) => g.name === name);
  if (!f) throw new Error(`--spelling takes some of ${SPELLING.map((g) => g.name).join(",")}, got ${name}`);
  return f;
});
const MIN_WORD_COUNT = numberOption(args, "min-count", VOCAB_MIN_COUNT, true, (v) => v >= 1);
const UNK_ALPHA = numberOption(args, "unk-alpha", MIN_WORD_COUNT === 1 ? 0.25 : 0, false, (v) => v >= 0);
const WINDOW_HALF = numberOption(args, "half", HALF, true, (v) => v >= 0 && v <= 5);
const WINDOW = 2 * WINDOW_HALF + 1;
const TRANSITION_WEIGHT = numberOption(args, "transition-weight", 0.1, false, (v) => v >= 0);
const OBJECTIVES: Objective[] =
  args.objective === "both" ? ["margin", "softmax"] : [args.objective as Objective];
if (!OBJECTIVES.every((o) => o === "margin" || o === "softmax"))
  throw new Error(`--objective takes margin, softmax or both, got ${args.objective}`);
const EVAL_BATCH = 2048;
const K = TAGS.length;

// ---- data and the baseline ----------------------------------------------------------------------
const data = loadTagger({
  files: FILES,
  minCount: MIN_WORD_COUNT,
  features: SPELLING_USED,
  half: WINDOW_HALF,
  letters: LETTERS,
});
const { trainWindows, testWindows } = data;
const nTrain = data.train.words.length;
const nTest = data.test.words.length;
console.log(
  `Brown corpus${FILES < 500 ? ` (the first ${FILES} files)` : ""}: ${data.trainFiles} training files (${nTrain} tokens), ` +
    `${data.testFiles} held-out files (every 10th: ${nTest} tokens); ${K} coarse tags`,
);
const unknownCount = testWindows.unknown.reduce((s, u) => s + u, 0);
console.log(
  `vocabulary ${data.vocab.size} (words seen ${MIN_WORD_COUNT}+ times in training, + <unk>, <s>, </s>); ` +
    `${unknownCount} held-out tokens (${((100 * unknownCount) / nTest).toFixed(1)}%) are <unk>` +
    (FEATURES
      ? `; spelling features ${data.features.map((f) => `${f.feature.name} (${f.size})`).join(", ")}, case`
      : ""),
);
const baseline = mostFrequentTag(data.train.words, data.train.tags);
const baselinePred = Int32Array.from(data.test.words, (w) => baseline.predict(w));
const share = new Array<number>(K).fill(0);
for (const y of data.test.tags) share[y]!++;
const majority = argmax(share, 0, K);
const majorityShare = share[majority]! / nTest;

const trainSet = new Set(data.train.words);
/** Whether each held-out word is absent from the training files (<unk> at any --min-count). */
const unseen = Uint8Array.from(data.test.words, (w) => (trainSet.has(w) ? 0 : 1));

interface Accuracy {
  readonly all: number;
  /** On the held-out words out of the vocabulary. */
  readonly unknown: number;
  /** On the held-out words never seen in training (NaN for the training windows). */
  readonly unseen: number;
}
function accuracy(pred: Int32Array, w: Windows): Accuracy {
  let ok = 0;
  let unknown = 0;
  let unknownOk = 0;
  let fresh = 0;
  let freshOk = 0;
  for (let i = 0; i < pred.length; i++) {
    const right = pred[i] === w.tags[i] ? 1 : 0;
    ok += right;
    if (w.unknown[i]) [unknown, unknownOk] = [unknown + 1, unknownOk + right];
    if (w === testWindows && unseen[i]) [fresh, freshOk] = [fresh + 1, freshOk + right];
  }
  return { all: ok / pred.length, unknown: unknownOk / unknown, unseen: freshOk / fresh };
}
const baselineAcc = accuracy(baselinePred, testWindows);

const tagVariety = tagVarieties(data.train.words, data.train.tags);
const errorBreakdown = (pred: Int32Array) => breakdownText(pred, data.test.words, data.test.tags, tagVariety);
/** The label-noise floor of window models (ceiling.ts): windows of 3 and of the model's width. */
const noise = [1, WINDOW_HALF].map((half) => ({ half, ...windowNoise(data.train, data.test, half, K) }));
const noiseText =
  `label-noise floor of window models (ceiling.ts): ` +
  noise
    .map(
      (w) =>
        `${(100 * w.contradicted).toFixed(2)}% of the held-out tokens have a ${2 * w.half + 1}-word window seen in training ` +
        `with another majority tag (${(100 * w.seen).toFixed(1)}% have one seen at all)`,
    )
    .join("; ");
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
console.log(
  `most-frequent-tag baseline (unseen words: ${TAGS[baseline.fallback]}): held-out accuracy ${pct(baselineAcc.all)}  ` +
    `unknown words ${pct(baselineAcc.unknown)}; the most frequent tag ${TAGS[majority]} is ${pct(majorityShare)} of the tokens`,
);

// ---- training -----------------------------------------------------------------------------------
const stepsPerEpoch = Math.floor(nTrain / BATCH);
const CURVE_POINTS = 10; // points per epoch on the loss curve
interface Result {
  readonly objective: Objective;
  readonly epochs: { epoch: number; loss: number; accuracy: number; windowsPerSecond: number }[];
  readonly curve: number[];
  readonly final: Accuracy;
  /** With Viterbi decoding over each sentence. */
  readonly viterbi: Accuracy;
  /** The held-out tag log-probabilities, n × K. */
  readonly logProbs: Float32Array;
  /** Accuracy on the training windows (NaN unless --train-accuracy). */
  readonly trainAccuracy: number;
  /** Where the errors fall (errorBreakdown). */
  readonly breakdown: string;
  /** The most common errors on held-out words: "gold → predicted: count". */
  readonly confusions: string;
  readonly trainingMs: number;
  readonly moduleText: string;
}

/** The input views of an entry (i32 inputs, typed by the runtime as either kind of view). */
type View = Int32Array | Float32Array;

/** The model's inputs besides the words: the spelling features, then the case. */
const featureInputs: FeatureInput[] = FEATURES
  ? [
      ...data.features.map((f) => ({
        name: f.feature.name,
        size: f.size,
        embed: f.feature.name === "shape" ? CASE_EMBED : SPELLING_EMBED,
      })),
      { name: "cases", size: 5, embed: CASE_EMBED },
    ]
  : [];
/** The arrays of `w` that feed featureInputs, in the same order. */
const featureArrays = (w: Windows): Int32Array[] => (FEATURES ? [...w.features, w.cases] : []);

/** The entry's views of the words and of featureInputs, and the windows' arrays behind them. */
interface Feed {
  readonly words: View;
  readonly features: readonly View[];
  readonly letters?: View;
}
function feedOf(inputs: Readonly<Record<string, View>>): Feed {
  const feed = { words: inputs.words!, features: featureInputs.map((f) => inputs[f.name]!) };
  return inputs.letters ? { ...feed, letters: inputs.letters } : feed;
}

/**
 * Writes the window of word i of `w` as row b of the inputs. With `dropWord`, a word id the
 * function says to drop is written as <unk> (id 0), so that <unk> is learned from rare words.
 */
function fill(
  w: Windows,
  arrays: readonly Int32Array[],
  i: number,
  b: number,
  feed: Feed,
  dropWord?: (id: number) => boolean,
) {
  const from = w.centres[i]! - WINDOW_HALF;
  for (let k = 0; k < WINDOW; k++) {
    const id = w.ids[from + k]!;
    feed.words[b * WINDOW + k] = dropWord?.(id) ? 0 : id;
    for (let f = 0; f < arrays.length; f++) feed.features[f]![b * WINDOW + k] = arrays[f]![from + k]!;
  }
  if (feed.letters) {
    const C = w.letterLength;
    feed.letters.set(w.letters!.subarray(from * C, (from + WINDOW) * C), b * WINDOW * C);
  }
}

/** Word dropout (data.ts, dropProbabilities): draws whether to write a word id as <unk>. */
function wordDropout(alpha: number, rand: () => number): ((id: number) => boolean) | undefined {
  if (alpha <= 0) return undefined;
  const p = dropProbabilities(data.counts, alpha);
  return (id) => rand() < p[id]!;
}

const transitions = transitionLogProbs(data.train.tags, data.train.sentenceStarts, K);

async function train(objective: Objective): Promise<Result> {
  const mdl = windowTagger({
    vocab: data.vocab.size,
    window: WINDOW,
    embed: EMBED,
    features: featureInputs,
    ...(LETTERS > 0
      ? {
          letters: {
            size: data.letters,
            length: LETTERS,
            embed: LETTER_EMBED,
            width: LETTER_WIDTH,
            filters: LETTER_FILTERS,
          },
        }
      : {}),
    hidden: HIDDEN,
    tags: K,
    objective,
    keep: KEEP,
    batch: BATCH,
  });
  const built = await build(mdl, {
    optimizer: optim.adam(schedule.exponential(LEARNING_RATE, Math.log(10) / (EPOCHS * stepsPerEpoch))),
    batches: { forward: [EVAL_BATCH] },
  });
  const { net } = built;
  const evaluator = net.at(EVAL_BATCH);
  const moduleText = `one module ${formatBytes(built.wasm.byteLength)}, compiled in ${built.compileMs.toFixed(0)} ms`;

  /** The tag log-probabilities (log-softmax of the scores) of every word of `w`, n × K. */
  function logProbs(w: Windows): Float32Array {
    const n = w.centres.length;
    const out = new Float32Array(n * K);
    const feed = feedOf(evaluator.inputs);
    const arrays = featureArrays(w);
    const scores = evaluator.outputs.scores!;
    for (let start = 0; start < n; start += EVAL_BATCH) {
      const count = Math.min(EVAL_BATCH, n - start);
      // rows past the end keep the previous batch's windows: computed, not read
      for (let b = 0; b < count; b++) fill(w, arrays, start + b, b, feed);
      evaluator.forward();
      out.set(scores.subarray(0, count * K), start * K);
    }
    return logSoftmaxRows(out, K);
  }

  net.init(SEED);
  if (pretrained) copyPretrained(net.params.L as Float32Array, pretrained, EMBED);
  const feed = feedOf(net.inputs);
  const trainArrays = featureArrays(trainWindows);
  const tags = net.inputs.tags!;
  const seedInput = net.inputs.seed;
  const lossView = net.outputs.loss!;
  const order = Array.from({ length: nTrain }, (_, i) => i);
  const rand = mulberry32(SEED + 1000);
  const drop = wordDropout(UNK_ALPHA, mulberry32(SEED + 2000));
  const epochs: Result["epochs"] = [];
  const curve: number[] = [];
  const every = Math.max(1, Math.floor(stepsPerEpoch / CURVE_POINTS));
  let trainingMs = 0;
  let step = 0;
  const bar = terminalProgress({ total: EPOCHS * stepsPerEpoch, unit: "batches" });
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    shuffle(order, rand);
    const started = performance.now();
    let lossSum = 0;
    let chunk = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      for (let b = 0; b < BATCH; b++) {
        const i = order[s * BATCH + b]!;
        fill(trainWindows, trainArrays, i, b, feed, drop);
        tags[b] = trainWindows.tags[i]!;
      }
      if (seedInput) seedInput[0] = step;
      net.trainStep();
      step++;
      const loss = lossView[0]!;
      lossSum += loss;
      chunk += loss;
      if ((s + 1) % every === 0) {
        curve.push(chunk / every);
        chunk = 0;
      }
      if (s % 64 === 63)
        bar.update(step, `${objective}, epoch ${epoch}, train loss ${(lossSum / (s + 1)).toFixed(4)}`);
    }
    const ms = performance.now() - started;
    trainingMs += ms;
    const acc = accuracy(argmaxRows(logProbs(testWindows)), testWindows);
    const e = {
      epoch,
      loss: lossSum / stepsPerEpoch,
      accuracy: acc.all,
      windowsPerSecond: (stepsPerEpoch * BATCH * 1000) / ms,
    };
    epochs.push(e);
    bar.log(
      `${objective.padEnd(7)} epoch ${String(epoch).padStart(2)}  train loss ${e.loss.toFixed(4)}  held-out accuracy ${pct(e.accuracy)}  ` +
        `windows/s ${e.windowsPerSecond.toFixed(0)}`,
    );
  }
  bar.finish();
  const testLogProbs = logProbs(testWindows);
  const pred = argmaxRows(testLogProbs);
  const decoded = decode(testLogProbs);
  let trainAccuracy = NaN;
  if (TRAIN_ACCURACY) trainAccuracy = accuracy(argmaxRows(logProbs(trainWindows)), trainWindows).all;
  return {
    objective,
    epochs,
    curve,
    final: accuracy(pred, testWindows),
    viterbi: accuracy(decoded, testWindows),
    logProbs: testLogProbs,
    trainAccuracy,
    confusions: confusions(pred, testWindows.tags),
    breakdown: errorBreakdown(pred),
    trainingMs,
    moduleText,
  };
}

/** The argmax tag of each row of K scores. */
function argmaxRows(scores: Float32Array): Int32Array {
  return Int32Array.from({ length: scores.length / K }, (_, i) => argmax(scores, i * K, K));
}

/** Viterbi over the held-out sentences with the training tag bigrams (decode.ts). */
function decode(logProbs: Float32Array): Int32Array {
  return viterbiSentences(logProbs, data.test.sentenceStarts, nTest, K, transitions, TRANSITION_WEIGHT);
}

const modelText =
  `window of ${WINDOW} words, m = ${EMBED}${FEATURES ? ` + ${featureInputs.map((f) => `${f.name} (${f.embed})`).join(" + ")}` : ""}, ` +
  `${LETTERS > 0 ? `${LETTER_FILTERS} letter filters of ${LETTER_WIDTH} (${LETTERS} letter slots), ` : ""}` +
  `${HIDDEN} hard-tanh hidden units${KEEP < 1 ? ` (dropout, keep ${KEEP})` : ""}, ${K} tag scores` +
  `${PRETRAIN_EPOCHS > 0 ? `; word vectors from skip-gram (${PRETRAIN_EPOCHS} epoch${PRETRAIN_EPOCHS > 1 ? "s" : ""} on the training sentences)` : ""}` +
  `${UNK_ALPHA > 0 ? `; word dropout α = ${UNK_ALPHA}` : ""}`;
const trainingText = `Adam(${LEARNING_RATE} → ${+(LEARNING_RATE / 10).toPrecision(3)} over ${EPOCHS} epoch${EPOCHS > 1 ? "s" : ""}), minibatches of ${BATCH}`;
console.log(`window tagger: ${modelText}; ${trainingText}`);
const pretrained =
  PRETRAIN_EPOCHS > 0
    ? await pretrain(data.vocab, data.train, 0.1, {
        dim: EMBED,
        epochs: PRETRAIN_EPOCHS,
        minCount: 2,
        window: 5,
        seed: SEED,
      })
    : undefined;
if (pretrained)
  console.log(
    `word vectors pretrained: skip-gram on the training sentences, ${PRETRAIN_EPOCHS} epoch${PRETRAIN_EPOCHS > 1 ? "s" : ""}, ` +
      `${pretrained.set.reduce((n, v) => n + v, 0)} rows, ${formatDuration(pretrained.ms / 1000)}`,
  );
const results: Result[] = [];
for (const objective of OBJECTIVES) {
  const r = await train(objective);
  console.log(`  ${objective}: ${r.moduleText}, trained in ${formatDuration(r.trainingMs / 1000)}`);
  results.push(r);
}

// ---- summary, report and picture ----------------------------------------------------------------
const names: Record<Objective, string> = {
  margin: "max-margin (best wrong tag)",
  softmax: "softmax cross-entropy",
};
const points = (v: number) => `${(100 * v).toFixed(2)} points`;
const summary = [
  `most frequent tag ${TAGS[majority]}: ${pct(majorityShare)} of the held-out tokens`,
  `most-frequent-tag baseline: held-out accuracy ${pct(baselineAcc.all)}  unknown words ${pct(baselineAcc.unknown)}`,
  ...results.map(
    (r) =>
      `${names[r.objective]}: held-out accuracy ${pct(r.final.all)}  unknown words ${pct(r.final.unknown)}  ` +
      `(${points(r.final.all - baselineAcc.all)} above the baseline)`,
  ),
  ...results.map(
    (r) =>
      `  ${r.objective}, Viterbi with tag bigrams (weight ${TRANSITION_WEIGHT}): held-out accuracy ${pct(r.viterbi.all)}  ` +
      `unknown words ${pct(r.viterbi.unknown)}  (${points(r.viterbi.all - baselineAcc.all)})` +
      `; words unseen in training ${pct(r.final.unseen)}` +
      (Number.isNaN(r.trainAccuracy) ? "" : `; training accuracy ${pct(r.trainAccuracy)}`),
  ),
  ...ensembleLines(),
  `training: ${results.map((r) => `${r.objective} ${formatDuration(r.trainingMs / 1000)}`).join(", ")} ` +
    `(${EPOCHS} epoch${EPOCHS > 1 ? "s" : ""} of ${stepsPerEpoch * BATCH} windows each; WebAssembly, one thread)`,
];
/** The two objectives' mean log-probabilities, argmax and Viterbi, when both were trained. */
function ensembleLines(): string[] {
  if (results.length < 2) return [];
  const mean = results[0]!.logProbs.map((v, i) => (v + results[1]!.logProbs[i]!) / 2);
  const plain = accuracy(argmaxRows(mean), testWindows);
  const viterbi = accuracy(decode(mean), testWindows);
  return [
    `  ensemble of both: held-out accuracy ${pct(plain.all)} (${points(plain.all - baselineAcc.all)}), ` +
      `with Viterbi ${pct(viterbi.all)} (${points(viterbi.all - baselineAcc.all)})`,
  ];
}
const errorsText = [
  `the most common errors (gold → predicted, share of all held-out tokens):`,
  `  baseline: ${confusions(baselinePred, testWindows.tags)}`,
  ...results.map((r) => `  ${r.objective}: ${r.confusions}`),
  noiseText,
  `where the errors fall:`,
  `  baseline: ${errorBreakdown(baselinePred)}`,
  ...results.map((r) => `  ${r.objective}: ${r.breakdown}`),
];
console.log("");
for (const line of [...summary, ...errorsText]) console.log(line);

mkdirSync("out", { recursive: true });
const title = `Window tagger on Brown${QUICK ? " (--quick)" : ""}: training loss`;
writeFileSync(
  "out/window-tagger-loss.svg",
  lineChart(
    results.map((r) => ({ name: names[r.objective], values: r.curve })),
    {
      title,
      xLabel: "epoch",
      yLabel: "training loss",
      logY: true,
      x: { start: 1 / CURVE_POINTS, step: 1 / CURVE_POINTS },
    },
  ),
);
writeFileSync(
  "out/window-tagger.txt",
  [
    title,
    `data: Brown, ${data.trainFiles} / ${data.testFiles} files, ${nTrain} / ${nTest} tokens, vocabulary ${data.vocab.size}`,
    `model: ${modelText}`,
    `training: ${trainingText}, seed ${SEED}`,
    ``,
    `objective   epoch   train loss   held-out accuracy   windows/s`,
    ...results.flatMap((r) =>
      r.epochs.map(
        (e) =>
          `${r.objective.padEnd(9)}   ${String(e.epoch).padStart(5)}   ${e.loss.toFixed(4).padStart(10)}   ` +
          `${pct(e.accuracy).padStart(17)}   ${e.windowsPerSecond.toFixed(0).padStart(9)}`,
      ),
    ),
    ``,
    ...summary,
    ``,
    ...errorsText,
    ``,
  ].join("\n"),
);
console.log(`\nloss curves written to out/window-tagger-loss.svg; report to out/window-tagger.txt`);
