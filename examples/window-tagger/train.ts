/**
 * Part-of-speech tagging of the Brown corpus with the window model of seed 004 §1 (issue 17),
 * trained in WebAssembly with the seed's max-margin objective and, for comparison, with softmax
 * cross-entropy, against the most-frequent-tag baseline computed in the same run.
 *
 * - Tags (tagset.ts): Brown's tags collapsed to the 12 classes of the universal tagset (NOUN VERB
 *   ADJ ADV PRON DET ADP CONJ NUM PRT PUNCT X); the table is in tagset.ts.
 * - Data (data.ts): held out by file, every 10th file of the catalogue (50 files, 115,803
 *   tokens; the other 450 files, 1,045,389 tokens, train); the vocabulary is the words seen twice
 *   or more in training (26,172 with <unk>, <s>, </s>; 4.9% of the held-out tokens are <unk>),
 *   with padding symbols at sentence edges. Two simple word features (`--no-features` drops
 *   them): the last 3 letters of each word and its case class (the corpus reader lower-cases
 *   the words), each a small embedding of its own.
 * - Model (model.ts): a window of 5 words, embeddings of m = 50 (plus 5 · 20 for the suffixes
 *   and 5 · 4 for the case), a hard-tanh hidden layer of 300 units, one score per tag.
 * - Objectives: `margin` (the main one), J = max(0, 1 − s_y + max_{k≠y} s_k), the best wrong tag
 *   as the corrupt window, averaged over the batch; `softmax`, the cross-entropy of softmax(s).
 * - Training: Adam (learning rate 0.002 decayed exponentially to a tenth over the run),
 *   minibatches of 256 windows in a seeded order each epoch (the last partial batch skipped),
 *   2 epochs, dropout on the hidden layer (keep 0.8). No validation set and no early stopping:
 *   the settings are fixed, and the held-out accuracy is that after the last epoch. (Measured:
 *   a third and fourth epoch, a larger model or more dropout change it by ±0.1 point.)
 * - Baseline: each word's most frequent tag in training, unseen words the most frequent tag
 *   overall (NOUN).
 *
 * Measured with the defaults (about 2 minutes on this 2-core machine, 30,000 windows/s):
 * baseline 94.23%, max-margin 97.59% (+3.37 points), softmax 97.61% (+3.39 points); on
 * unknown words 78.96%, 88.03%, 87.85%. The issue's target, 4 points above the baseline, is not
 * met: the baseline is already strong on 12 coarse tags, and what remains are mostly NOUN / ADJ /
 * VERB ambiguities (see the errors printed at the end).
 *
 * Prints per epoch the training loss and held-out accuracy of each objective, then the summary:
 * held-out token accuracy of the baseline and of each model, the difference in points, the
 * accuracy on unknown words (held-out words not in the vocabulary), and the most common errors.
 * Writes out/window-tagger-loss.svg (training loss per tenth of an epoch, both objectives) and
 * out/window-tagger.txt.
 *
 * Options: --quick (the first 100 files, small dims, 1 epoch: seconds; used by the tests),
 * --files N, --epochs N, --embed N, --hidden N, --batch N, --lr X, --keep P, --no-features,
 * --objective margin|softmax|both (default both), --seed N.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim, schedule } from "../../compiler/index.js";
import { formatDuration, terminalProgress } from "../../compiler/cli/progress.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { lineChart } from "../lib/svg.js";
import { argmax, build, formatBytes } from "../lib/wasm.js";
import { HALF, loadTagger, MIN_COUNT, mostFrequentTag, SUFFIX_LENGTH, WINDOW, type Windows } from "./data.js";
import { windowTagger, type Objective } from "./model.js";
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
    objective: { type: "string", default: "both" },
    seed: { type: "string", default: "1" },
  },
});

const QUICK = args.quick;
const FILES = numberOption(args, "files", QUICK ? 100 : 500, true, (v) => v >= 10 && v <= 500);
const EPOCHS = numberOption(args, "epochs", QUICK ? 1 : 2, true, (v) => v > 0);
const EMBED = numberOption(args, "embed", QUICK ? 32 : 50, true, (v) => v > 0);
const SUFFIX_EMBED = QUICK ? 10 : 20;
const CASE_EMBED = 4;
const HIDDEN = numberOption(args, "hidden", QUICK ? 100 : 300, true, (v) => v > 0);
const BATCH = numberOption(args, "batch", QUICK ? 128 : 256, true, (v) => v > 0);
const LEARNING_RATE = numberOption(args, "lr", 0.002, false, (v) => v > 0);
const KEEP = numberOption(args, "keep", QUICK ? 1 : 0.8, false, (v) => v > 0 && v <= 1);
const SEED = numberOption(args, "seed", 1, true, (v) => v >= 0);
const FEATURES = !args["no-features"];
const OBJECTIVES: Objective[] =
  args.objective === "both" ? ["margin", "softmax"] : [args.objective as Objective];
if (!OBJECTIVES.every((o) => o === "margin" || o === "softmax"))
  throw new Error(`--objective takes margin, softmax or both, got ${args.objective}`);
const EVAL_BATCH = 2048;
const K = TAGS.length;

// ---- data and the baseline ----------------------------------------------------------------------
const data = loadTagger(FILES);
const { trainWindows, testWindows } = data;
const nTrain = data.train.words.length;
const nTest = data.test.words.length;
console.log(
  `Brown corpus${FILES < 500 ? ` (the first ${FILES} files)` : ""}: ${data.trainFiles} training files (${nTrain} tokens), ` +
    `${data.testFiles} held-out files (every 10th: ${nTest} tokens); ${K} coarse tags`,
);
const unknownCount = testWindows.unknown.reduce((s, u) => s + u, 0);
console.log(
  `vocabulary ${data.vocab.size} (words seen ${MIN_COUNT}+ times in training, + <unk>, <s>, </s>); ` +
    `${unknownCount} held-out tokens (${((100 * unknownCount) / nTest).toFixed(1)}%) are <unk>` +
    (FEATURES ? `; ${data.suffixVocab.size} ${SUFFIX_LENGTH}-letter suffixes` : ""),
);
const baseline = mostFrequentTag(data.train.words, data.train.tags);
const baselinePred = Int32Array.from(data.test.words, (w) => baseline.predict(w));
const share = new Array<number>(K).fill(0);
for (const y of data.test.tags) share[y]!++;
const majority = argmax(share, 0, K);
const majorityShare = share[majority]! / nTest;

interface Accuracy {
  readonly all: number;
  readonly unknown: number;
}
function accuracy(pred: Int32Array, w: Windows): Accuracy {
  let ok = 0;
  let unkOk = 0;
  let unk = 0;
  for (let i = 0; i < pred.length; i++) {
    const right = pred[i] === w.tags[i] ? 1 : 0;
    ok += right;
    if (w.unknown[i]) {
      unk++;
      unkOk += right;
    }
  }
  return { all: ok / pred.length, unknown: unk > 0 ? unkOk / unk : NaN };
}
const baselineAcc = accuracy(baselinePred, testWindows);

/** The `top` most common (gold, predicted) pairs of the errors, with their share of the tokens. */
function confusions(pred: Int32Array, gold: Int32Array, top = 6): string {
  const counts = new Map<string, number>();
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === gold[i]) continue;
    const key = `${TAGS[gold[i]!]} → ${TAGS[pred[i]!]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, c]) => `${k} ${((100 * c) / pred.length).toFixed(2)}%`)
    .join(", ");
}
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
  /** The most common errors on held-out words: "gold → predicted: count". */
  readonly confusions: string;
  readonly trainingMs: number;
  readonly moduleText: string;
}

/** The input views of an entry (i32 inputs, typed by the runtime as either kind of view). */
type View = Int32Array | Float32Array;

/** Writes the window of word i of `w` as row b of the `words` (and `suffixes`) inputs. */
function fill(w: Windows, i: number, b: number, words: View, suffixes?: View, cases?: View) {
  const centre = w.centres[i]!;
  for (let k = 0; k < WINDOW; k++) {
    words[b * WINDOW + k] = w.ids[centre - HALF + k]!;
    if (suffixes) suffixes[b * WINDOW + k] = w.suffixes[centre - HALF + k]!;
    if (cases) cases[b * WINDOW + k] = w.cases[centre - HALF + k]!;
  }
}

async function train(objective: Objective): Promise<Result> {
  const mdl = windowTagger({
    vocab: data.vocab.size,
    window: WINDOW,
    embed: EMBED,
    suffixes: FEATURES ? data.suffixVocab.size : 0,
    suffixEmbed: SUFFIX_EMBED,
    caseEmbed: FEATURES ? CASE_EMBED : 0,
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

  function predict(w: Windows): Int32Array {
    const n = w.centres.length;
    const out = new Int32Array(n);
    const words = evaluator.inputs.words!;
    const suffixes = evaluator.inputs.suffixes;
    const cases = evaluator.inputs.cases;
    const scores = evaluator.outputs.scores!;
    for (let start = 0; start < n; start += EVAL_BATCH) {
      const count = Math.min(EVAL_BATCH, n - start);
      // rows past the end keep the previous batch's windows: computed, not read
      for (let b = 0; b < count; b++) fill(w, start + b, b, words, suffixes, cases);
      evaluator.forward();
      for (let b = 0; b < count; b++) out[start + b] = argmax(scores, b * K, K);
    }
    return out;
  }

  net.init(SEED);
  const words = net.inputs.words!;
  const suffixes = net.inputs.suffixes;
  const cases = net.inputs.cases;
  const tags = net.inputs.tags!;
  const seedInput = net.inputs.seed;
  const lossView = net.outputs.loss!;
  const order = Array.from({ length: nTrain }, (_, i) => i);
  const rand = mulberry32(SEED + 1000);
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
        fill(trainWindows, i, b, words, suffixes, cases);
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
    const acc = accuracy(predict(testWindows), testWindows);
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
  const pred = predict(testWindows);
  const final = accuracy(pred, testWindows);
  return {
    objective,
    epochs,
    curve,
    final,
    confusions: confusions(pred, testWindows.tags),
    trainingMs,
    moduleText,
  };
}

const modelText =
  `window of ${WINDOW} words, m = ${EMBED}${FEATURES ? ` + ${SUFFIX_LENGTH}-letter suffixes (${SUFFIX_EMBED}) + case (${CASE_EMBED})` : ""}, ` +
  `${HIDDEN} hard-tanh hidden units${KEEP < 1 ? ` (dropout, keep ${KEEP})` : ""}, ${K} tag scores`;
const trainingText = `Adam(${LEARNING_RATE} → ${+(LEARNING_RATE / 10).toPrecision(3)} over ${EPOCHS} epoch${EPOCHS > 1 ? "s" : ""}), minibatches of ${BATCH}`;
console.log(`window tagger: ${modelText}; ${trainingText}`);
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
  `training: ${results.map((r) => `${r.objective} ${formatDuration(r.trainingMs / 1000)}`).join(", ")} ` +
    `(${EPOCHS} epoch${EPOCHS > 1 ? "s" : ""} of ${stepsPerEpoch * BATCH} windows each; WebAssembly, one thread)`,
];
const errorsText = [
  `the most common errors (gold → predicted, share of all held-out tokens):`,
  `  baseline: ${confusions(baselinePred, testWindows.tags)}`,
  ...results.map((r) => `  ${r.objective}: ${r.confusions}`),
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
