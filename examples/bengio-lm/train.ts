/**
 * Bengio et al. (2003)'s neural probabilistic language model on the Brown corpus, trained in
 * WebAssembly, against an interpolated Kneser-Ney trigram computed in the same run on the same
 * split (issue 16).
 *
 * Data (data.ts): Bengio's split of Brown (800,000 training words, 200,000 validation, 161,192
 * test), lower-cased, words seen 3 times or fewer in training merged into UNK: 13,189 words. The
 * parts form one stream, so contexts run over the boundaries and every validation and test word
 * is predicted, by both models, from the words before it.
 *
 * Model (model.ts): n = 5 (four context words), a shared embedding table, a tanh hidden layer, and
 * an output layer chosen by `--output`:
 * - `classes` (the default): a class-factored softmax, p(w | ctx) = p(class(w) | ctx) ·
 *   p(w | class(w), ctx), 115 classes of 115 words by frequency rank (Goodman 2001; Mikolov et
 *   al. 2011): about 230 output units a word instead of 13,189, some 12,000 words/s here;
 * - `hsm`: the hierarchical softmax over the Huffman tree of the training counts (seed 001), the
 *   fastest (about 25,000 words/s) but a worse model: its tree groups words by frequency alone,
 *   and it plateaus near 190 test perplexity where the class softmax reaches about 168 (measured
 *   with the same settings, 6 and 10 epochs);
 * - `softmax`: the paper's full softmax, about 1,000 words/s here (13 minutes an epoch).
 * `--direct` adds the paper's direct input-to-output connections (about half the speed; with the
 * Huffman tree it gained about 2% after two epochs). Modern choices, all stated in the report:
 * - Adam, its learning rate decayed exponentially from LEARNING_RATE to a tenth of it over the
 *   planned epochs (the paper used SGD with a 1/t decay and weight decay);
 * - dropout on the hidden layer (keep 0.5) and on the concatenated context embeddings (keep 0.8):
 *   without the second and with keep 0.7, the Huffman-tree model overfit after two epochs;
 * - a hidden layer larger than the paper's (256 units, m = 64; the paper's best had h = 100);
 * - minibatches of 256 examples drawn without replacement in a seeded order each epoch (the
 *   last partial batch of an epoch is skipped; the order changes every epoch);
 * - early stopping on validation perplexity: the reported neural and mixture numbers are those
 *   of the epoch with the lowest validation perplexity (its params are kept).
 * The defaults train 10 epochs, about 12 minutes on this 2-core machine (the module runs on one
 * thread), well within the issue's hour.
 *
 * Evaluation: a forward entry at a batch of EVAL_BATCH (compile's `batches`) outputs log p of each
 * example's next word; the last partial batch is padded with word 0 and its padded rows are not
 * read. Perplexity = exp(−mean log p) over every word of the part. The mixture (the paper's
 * interpolation with the trigram) is p = λ p_nn + (1 − λ) p_kn per word, λ chosen on the
 * validation part from a grid of step 0.05, then applied to the test part.
 *
 * Options: --quick (a 5% prefix of the corpus in the same proportions, a small model, a few
 * epochs: seconds; used by the tests), --epochs N, --minutes N (stop training after N minutes,
 * at an epoch's end), --output classes|hsm|softmax, --direct, --hidden N, --embed N, --keep P,
 * --input-keep P, --batch N, --lr X, --seed N. Writes out/bengio-lm-loss.svg (perplexity per epoch) and out/bengio-lm.txt.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim, schedule } from "../../compiler/index.js";
import { formatDuration, terminalProgress } from "../../compiler/cli/progress.js";
import { huffmanTree } from "../lib/huffman.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { lineChart } from "../lib/svg.js";
import { build, formatBytes } from "../lib/wasm.js";
import { loadBrownLm, MAX_RARE_COUNT } from "./data.js";
import { kneserNeyTrigram, perplexity, streamProbabilities } from "./kneser-ney.js";
import { bengioLm, classShape, classTables, pathTables, type OutputLayer } from "./model.js";
import { numberOption } from "../lib/options.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    epochs: { type: "string" },
    minutes: { type: "string" },
    output: { type: "string", default: "classes" },
    direct: { type: "boolean", default: false },
    hidden: { type: "string" },
    embed: { type: "string" },
    keep: { type: "string" },
    "input-keep": { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    seed: { type: "string", default: "1" },
  },
});

const QUICK = args.quick;
const SCALE = QUICK ? 0.05 : 1;
const CONTEXT = 4; // n − 1: the paper's n = 5
const EPOCHS = numberOption(args, "epochs", QUICK ? 4 : 10, true, (v) => v > 0);
const MINUTES = numberOption(args, "minutes", QUICK ? 5 : 60, false, (v) => v > 0);
const HIDDEN = numberOption(args, "hidden", QUICK ? 64 : 256, true, (v) => v > 0);
const EMBED = numberOption(args, "embed", QUICK ? 32 : 64, true, (v) => v > 0);
const KEEP = numberOption(args, "keep", QUICK ? 0.8 : 0.5, false, (v) => v > 0 && v <= 1);
const INPUT_KEEP = numberOption(args, "input-keep", QUICK ? 1 : 0.8, false, (v) => v > 0 && v <= 1);
const BATCH = numberOption(args, "batch", QUICK ? 128 : 256, true, (v) => v > 0);
const LEARNING_RATE = numberOption(args, "lr", 0.002, false, (v) => v > 0);
const SEED = numberOption(args, "seed", 1, true, (v) => v >= 0);
const OUTPUT = args.output as OutputLayer;
if (OUTPUT !== "hsm" && OUTPUT !== "classes" && OUTPUT !== "softmax")
  throw new Error(`--output takes hsm, classes or softmax, got ${args.output}`);
const DIRECT = args.direct;
const EVAL_BATCH = 2048;
const LAMBDAS = Array.from({ length: 21 }, (_, k) => k / 20);

// ---- data and the n-gram baselines --------------------------------------------------------------
const data = loadBrownLm(SCALE);
const V = data.vocab.words.length;
const { ids } = data;
const part = (range: readonly [number, number]) => range[1] - range[0];
console.log(
  `Brown corpus${QUICK ? ` (--quick: the first ${SCALE * 100}% in the same proportions)` : ""}: ` +
    `${part(data.train)} training, ${part(data.valid)} validation, ${part(data.test)} test words; ` +
    `vocabulary ${V} (words seen more than ${MAX_RARE_COUNT} times in training, + <unk> for ${data.vocab.counts[0]} rarer tokens)`,
);

const kn = kneserNeyTrigram(ids.subarray(...data.train), V);
const knValid = streamProbabilities(kn, ids, ...data.valid);
const knTest = streamProbabilities(kn, ids, ...data.test);
const knValidPpl = perplexity(knValid);
const knTestPpl = perplexity(knTest);
const unigramOf = (range: readonly [number, number]) => {
  const p = new Float64Array(part(range));
  const n = part(data.train);
  for (let i = range[0]; i < range[1]; i++) p[i - range[0]] = data.vocab.counts[ids[i]!]! / n;
  return p;
};
const unigramValidPpl = perplexity(unigramOf(data.valid));
const unigramTestPpl = perplexity(unigramOf(data.test));
const [D1, D2, D3] = kn.discounts.map((d) => d[0].toFixed(3));
console.log(
  `interpolated Kneser-Ney trigram (discounts D1 ${D1}, D2 ${D2}, D3 ${D3}): valid ppl ${knValidPpl.toFixed(1)}  test ppl ${knTestPpl.toFixed(1)}`,
);
console.log(
  `unigram (training counts): valid ppl ${unigramValidPpl.toFixed(1)}  test ppl ${unigramTestPpl.toFixed(1)}`,
);

// ---- the module ---------------------------------------------------------------------------------
const tree = OUTPUT === "hsm" ? huffmanTree(data.vocab.counts) : undefined;
const paths = tree ? pathTables(tree) : undefined;
const classes = OUTPUT === "classes" ? classTables(V) : undefined;
const trainPositions = part(data.train) - CONTEXT; // examples: positions CONTEXT … end of train
const stepsPerEpoch = Math.floor(trainPositions / BATCH);
if (stepsPerEpoch < 1)
  throw new Error(`--batch ${BATCH} is larger than the ${trainPositions} training examples`);
const lmModel = bengioLm({
  vocab: V,
  context: CONTEXT,
  embed: EMBED,
  hidden: HIDDEN,
  output: OUTPUT,
  direct: DIRECT,
  keep: KEEP,
  inputKeep: INPUT_KEEP,
  batch: BATCH,
  pathLength: paths?.length,
});
const trainer = await build(lmModel, {
  optimizer: optim.adam(schedule.exponential(LEARNING_RATE, Math.log(10) / (EPOCHS * stepsPerEpoch))),
  batches: { forward: [EVAL_BATCH] },
});
const { net } = trainer;
const evaluator = net.at(EVAL_BATCH);
for (const entry of [net, evaluator]) {
  if (paths) {
    entry.inputs.pathNodes!.set(paths.nodes);
    entry.inputs.pathSigns!.set(paths.signs);
  }
  if (classes) {
    entry.inputs.wordClass!.set(classes.wordClass);
    entry.inputs.wordSlot!.set(classes.wordSlot);
    entry.inputs.padBias!.set(classes.padBias);
  }
}
const outputText =
  OUTPUT === "hsm"
    ? `hierarchical softmax over the Huffman tree (codes up to ${paths!.length} long)`
    : OUTPUT === "classes"
      ? `class-factored softmax (${classShape(V).join(" classes × ")} words, by frequency rank)`
      : `full softmax over ${V} words`;
const modelText =
  `n = ${CONTEXT + 1} (${CONTEXT} context words), m = ${EMBED}, ${HIDDEN} tanh hidden units` +
  `${KEEP < 1 ? ` (dropout, keep ${KEEP})` : ""}${INPUT_KEEP < 1 ? `, dropout on the context embeddings (keep ${INPUT_KEEP})` : ""}, ${outputText}${DIRECT ? ", direct connections" : ""}`;
const trainingText = `Adam(${LEARNING_RATE} → ${+(LEARNING_RATE / 10).toPrecision(3)} over ${EPOCHS} epochs), minibatches of ${BATCH}`;
console.log(`neural LM: ${modelText}`);
console.log(
  `  ${trainingText}; one module ${formatBytes(trainer.wasm.byteLength)}, compiled in ${trainer.compileMs.toFixed(0)} ms; ` +
    `evaluation entry (${evaluator.export}) at batch ${EVAL_BATCH}`,
);

// ---- evaluation ---------------------------------------------------------------------------------
/** log p(w_i | w_{i−4..i−1}) for every i in the range, from the evaluation entry. */
function neuralLogProbs(range: readonly [number, number]): Float64Array {
  const [from, to] = range;
  const out = new Float64Array(to - from);
  const context = evaluator.inputs.context!;
  const next = evaluator.inputs.next!;
  const logp = evaluator.outputs.logp!;
  for (let start = from; start < to; start += EVAL_BATCH) {
    const count = Math.min(EVAL_BATCH, to - start);
    for (let b = 0; b < EVAL_BATCH; b++) {
      const i = start + b;
      const real = b < count; // the rows past the end are padding, not read below
      for (let k = 0; k < CONTEXT; k++) context[b * CONTEXT + k] = real ? ids[i - CONTEXT + k]! : 0;
      next[b] = real ? ids[i]! : 0;
    }
    evaluator.forward();
    for (let b = 0; b < count; b++) out[start - from + b] = logp[b]!;
  }
  return out;
}
const pplOfLog = (logp: Float64Array) => Math.exp(-logp.reduce((s, v) => s + v, 0) / logp.length);
/** Perplexity of λ p_nn + (1 − λ) p_kn. */
function mixturePpl(logp: Float64Array, knProbs: Float64Array, lambda: number): number {
  let sum = 0;
  for (let i = 0; i < logp.length; i++)
    sum += Math.log(lambda * Math.exp(logp[i]!) + (1 - lambda) * knProbs[i]!);
  return Math.exp(-sum / logp.length);
}

// ---- training -----------------------------------------------------------------------------------
net.init(SEED);
const context = net.inputs.context!;
const next = net.inputs.next!;
const seedInput = net.inputs.seed;
const lossView = net.outputs.loss!;
const order = Array.from({ length: trainPositions }, (_, k) => data.train[0] + CONTEXT + k);
const rand = mulberry32(SEED + 1000);
interface EpochResult {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validPpl: number;
  readonly testPpl: number;
  readonly wordsPerSecond: number;
}
const epochs: EpochResult[] = [];
let best: { epoch: number; validPpl: number; params: Map<string, Float32Array> } | undefined;
let trainingMs = 0;
let evalMs = 0;
let step = 0;
const deadline = performance.now() + MINUTES * 60_000;
const bar = terminalProgress({ total: EPOCHS * stepsPerEpoch, unit: "batches" });
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  shuffle(order, rand);
  const started = performance.now();
  let lossSum = 0;
  for (let s = 0; s < stepsPerEpoch; s++) {
    for (let b = 0; b < BATCH; b++) {
      const i = order[s * BATCH + b]!;
      for (let k = 0; k < CONTEXT; k++) context[b * CONTEXT + k] = ids[i - CONTEXT + k]!;
      next[b] = ids[i]!;
    }
    if (seedInput) seedInput[0] = step;
    net.trainStep();
    step++;
    lossSum += lossView[0]!;
    if (s % 64 === 63) bar.update(step, `epoch ${epoch}, train loss ${(lossSum / (s + 1)).toFixed(3)}`);
  }
  const epochMs = performance.now() - started;
  trainingMs += epochMs;
  const evalStarted = performance.now();
  const validPpl = pplOfLog(neuralLogProbs(data.valid));
  const testPpl = pplOfLog(neuralLogProbs(data.test));
  evalMs += performance.now() - evalStarted;
  const result: EpochResult = {
    epoch,
    trainLoss: lossSum / stepsPerEpoch,
    validPpl,
    testPpl,
    wordsPerSecond: (stepsPerEpoch * BATCH * 1000) / epochMs,
  };
  epochs.push(result);
  if (!best || validPpl < best.validPpl) {
    const params = new Map(
      Object.entries(net.params).map(([k, v]) => [k, Float32Array.from(v as Float32Array)]),
    );
    best = { epoch, validPpl, params };
  }
  bar.log(
    `epoch ${String(epoch).padStart(2)}  train loss ${result.trainLoss.toFixed(3)}  valid ppl ${validPpl.toFixed(1)}  ` +
      `test ppl ${testPpl.toFixed(1)}  words/s ${result.wordsPerSecond.toFixed(0)}`,
  );
  if (performance.now() > deadline && epoch < EPOCHS) {
    bar.log(`  stopping after epoch ${epoch}: the --minutes ${MINUTES} budget is spent`);
    break;
  }
}
bar.finish();

// ---- the best epoch, the mixture ----------------------------------------------------------------
for (const [name, values] of best!.params) (net.params as Record<string, Float32Array>)[name]!.set(values);
const nnValid = neuralLogProbs(data.valid);
const nnTest = neuralLogProbs(data.test);
const nnValidPpl = pplOfLog(nnValid);
const nnTestPpl = pplOfLog(nnTest);
const fits = LAMBDAS.map((lambda) => ({ lambda, ppl: mixturePpl(nnValid, knValid, lambda) }));
const chosen = fits.reduce((a, b) => (b.ppl < a.ppl ? b : a));
const mixTestPpl = mixturePpl(nnTest, knTest, chosen.lambda);
/** "12.3% below the trigram" (or "above", for a model worse than the trigram on test). */
const below = (ppl: number) => {
  const percent = 100 * (1 - ppl / knTestPpl);
  return `${Math.abs(percent).toFixed(1)}% ${percent >= 0 ? "below" : "above"} the trigram`;
};
const words = stepsPerEpoch * BATCH * epochs.length;
const summary = [
  `interpolated Kneser-Ney trigram: valid ppl ${knValidPpl.toFixed(1)}  test ppl ${knTestPpl.toFixed(1)}`,
  `unigram: valid ppl ${unigramValidPpl.toFixed(1)}  test ppl ${unigramTestPpl.toFixed(1)}`,
  `neural LM (epoch ${best!.epoch}, the best on validation): valid ppl ${nnValidPpl.toFixed(1)}  test ppl ${nnTestPpl.toFixed(1)}  ` +
    `(${below(nnTestPpl)})`,
  `mixture λ ${chosen.lambda.toFixed(2)} neural + ${(1 - chosen.lambda).toFixed(2)} trigram (λ chosen on validation): ` +
    `valid ppl ${chosen.ppl.toFixed(1)}  test ppl ${mixTestPpl.toFixed(1)}  (${below(mixTestPpl)})`,
  `training: ${epochs.length} epochs, ${words} words in ${formatDuration(trainingMs / 1000)}, ` +
    `words/s ${((words * 1000) / trainingMs).toFixed(0)} (WebAssembly, one thread); evaluation ${formatDuration(evalMs / 1000)}`,
];
console.log("");
for (const line of summary) console.log(line);

// ---- report and picture -------------------------------------------------------------------------
mkdirSync("out", { recursive: true });
const title = `Bengio LM on Brown${QUICK ? " (--quick)" : ""}: perplexity per epoch`;
writeFileSync(
  "out/bengio-lm-loss.svg",
  lineChart(
    [
      {
        name: "neural LM, training (exp of the mean loss)",
        values: epochs.map((e) => Math.exp(e.trainLoss)),
      },
      { name: "neural LM, validation", values: epochs.map((e) => e.validPpl) },
      { name: "neural LM, test", values: epochs.map((e) => e.testPpl) },
      { name: "Kneser-Ney trigram, test", values: epochs.map(() => knTestPpl) },
      { name: "mixture (best epoch), test", values: epochs.map(() => mixTestPpl) },
    ],
    { title, xLabel: "epoch", yLabel: "perplexity" },
  ),
);
writeFileSync(
  "out/bengio-lm.txt",
  [
    title,
    `data: Brown, ${part(data.train)} / ${part(data.valid)} / ${part(data.test)} words, vocabulary ${V}`,
    `neural LM: ${modelText}`,
    `training: ${trainingText}, seed ${SEED}`,
    ``,
    `epoch   train loss   valid ppl   test ppl   words/s`,
    ...epochs.map(
      (e) =>
        `${String(e.epoch).padStart(5)}   ${e.trainLoss.toFixed(3).padStart(10)}   ${e.validPpl.toFixed(1).padStart(9)}   ` +
        `${e.testPpl.toFixed(1).padStart(8)}   ${e.wordsPerSecond.toFixed(0).padStart(7)}`,
    ),
    ``,
    ...summary,
    `mixture weights tried on validation: ${fits.map((f) => `${f.lambda.toFixed(2)}: ${f.ppl.toFixed(1)}`).join(", ")}`,
    ``,
  ].join("\n"),
);
console.log(`\nperplexity curves written to out/bengio-lm-loss.svg; report to out/bengio-lm.txt`);
