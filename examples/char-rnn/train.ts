/**
 * A character-level Elman RNN language model trained with truncated backpropagation through time
 * on the seed documents (corpus/), in WebAssembly.
 *
 * Truncated BPTT (seed 001 §2.1.1): the training text is cut into BATCH parallel streams, and each
 * training step reads the next UNROLL characters of every stream. The step unrolls the RNN over
 * those characters from the hidden state the previous window ended in (the model state `h`, a
 * constant input: gradients stop at the window boundary), backpropagates the mean cross-entropy
 * of all UNROLL × BATCH next-character predictions, clips the gradient by its global norm
 * (seed 002) and applies Adam; the module stores the window's last hidden state for the next step.
 * (With the threshold at 1, about 2% of the steps are clipped, most of them in the first hundred.)
 * Seed 001 advances its window one character at a time; here consecutive windows do not overlap,
 * the usual way (each character is predicted once per epoch, with 1..UNROLL steps of gradient).
 * At the start of each epoch the state is reset and the windows shift by a few characters.
 *
 * One module holds every entry (compile's `batches`), all reading the same params: REPORTS times
 * during training its evaluation entry (another window size) reads the held-out last 10% of the
 * text and reports the per-character cross-entropy in nats and bits, against unigram and bigram
 * baselines. At the end its batch-1 sampling entry, with its own hidden state, is primed with a
 * prompt and generates text one character at a time, with temperature, from JS.
 *
 * Options: --steps N (default 4000), --sample N characters per sample (default 400).
 * Writes out/char-rnn-loss.svg (the curves) and out/char-rnn.txt (the report and the samples).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim, schedule } from "../../compiler/index.js";
import { terminalProgress } from "../../compiler/cli/progress.js";
import { mulberry32 } from "../lib/random.js";
import { lineChart } from "../lib/svg.js";
import { build, formatBytes } from "../lib/wasm.js";
import { loadCorpus, MIN_COUNT, ngramCrossEntropy } from "./corpus.js";
import { charRnn } from "./model.js";

const { values: args } = parseArgs({
  options: { steps: { type: "string", default: "4000" }, sample: { type: "string", default: "400" } },
});
const STEPS = Number(args.steps);
const SAMPLE_LENGTH = Number(args.sample);
if (!(Number.isInteger(STEPS) && STEPS > 0 && Number.isInteger(SAMPLE_LENGTH) && SAMPLE_LENGTH >= 0)) {
  throw new Error(`--steps and --sample take whole numbers, got ${args.steps} and ${args.sample}`);
}

const HIDDEN = 128;
const UNROLL = 32; // T: characters per stream per training step (the truncation length)
const BATCH = 32; // B: parallel streams of the training text
const EVAL_UNROLL = 64;
const EVAL_BATCH = 16;
const LEARNING_RATE = 0.006; // decayed exponentially to a tenth of this by the last step
const CLIP_NORM = 1; // of the gradient of the mean loss
const REPORTS = Math.min(20, STEPS); // progress lines, evenly spaced
const SEED = 1;
const PROMPT = "Recurrent neural networks ";
const TEMPERATURES = [0.5, 1];
const LN2 = Math.LN2;

const corpus = loadCorpus();
const V = corpus.chars.length;
const unigram = ngramCrossEntropy(corpus.train, corpus.validation, V, 1);
const bigram = ngramCrossEntropy(corpus.train, corpus.validation, V, 2);
console.log(
  `corpus: ${corpus.files.length} seed documents, ${corpus.train.length + corpus.validation.length} characters ` +
    `(NFKC), ${V} classes (${V - 1} characters seen at least ${MIN_COUNT} times + 1 for the ${corpus.unknownCount} rarer ones); ` +
    `training ${corpus.train.length}, validation (last 10%) ${corpus.validation.length}`,
);
console.log(
  `baselines on the validation text: unigram ${unigram.toFixed(3)} nats = ${(unigram / LN2).toFixed(3)} bits/char, ` +
    `bigram ${bigram.toFixed(3)} nats = ${(bigram / LN2).toFixed(3)} bits/char`,
);

const EVAL = { steps: EVAL_UNROLL, batch: EVAL_BATCH };
const SAMPLING = { steps: 1, batch: 1 };
const trainer = await build(charRnn({ vocab: V, hidden: HIDDEN, steps: UNROLL, batch: BATCH }), {
  optimizer: optim.adam(schedule.exponential(LEARNING_RATE, Math.log(10) / STEPS)),
  clipNorm: CLIP_NORM,
  batches: { forward: [EVAL, SAMPLING] },
});
const evaluator = trainer.net.at(EVAL);
const sampler = trainer.net.at(SAMPLING);
console.log(
  `model: Elman RNN ${V}-${HIDDEN}-${V} (tanh), truncated BPTT over ${UNROLL} characters × ${BATCH} streams, ` +
    `Adam(${LEARNING_RATE} → ${+(LEARNING_RATE / 10).toPrecision(3)}), gradients clipped to global norm ${CLIP_NORM} (‖g‖ below: before clipping), ${STEPS} steps`,
);
console.log(
  `  one module: ${formatBytes(trainer.wasm.byteLength)}, compiled in ${trainer.compileMs.toFixed(0)} ms; ` +
    `train_step at ${UNROLL}×${BATCH}, evaluation (${evaluator.export}) at ${EVAL_UNROLL}×${EVAL_BATCH}, ` +
    `sampling (${sampler.export}) at 1×1`,
);

// ---- validation ---------------------------------------------------------------------------------
/**
 * Mean cross-entropy (nats) of predicting each validation character from the ones before it. The
 * text is cut into EVAL_BATCH streams read EVAL_UNROLL characters at a time, carrying the hidden
 * state from one window to the next; the tail of the last window is padding, not counted.
 */
function validationLoss(): number {
  const net = evaluator;
  net.resetState();
  const text = corpus.validation;
  const n = text.length - 1; // predictions
  const perStream = Math.ceil(n / EVAL_BATCH);
  const x = net.inputs.x!;
  const y = net.inputs.y!;
  const nll = net.outputs.nll!;
  let sum = 0;
  for (let start = 0; start < perStream; start += EVAL_UNROLL) {
    for (let t = 0; t < EVAL_UNROLL; t++) {
      for (let b = 0; b < EVAL_BATCH; b++) {
        const i = b * perStream + start + t;
        const ok = start + t < perStream && i < n;
        x[t * EVAL_BATCH + b] = ok ? text[i]! : 0;
        y[t * EVAL_BATCH + b] = ok ? text[i + 1]! : 0;
      }
    }
    net.forward();
    for (let t = 0; t < EVAL_UNROLL; t++) {
      for (let b = 0; b < EVAL_BATCH; b++) {
        const i = b * perStream + start + t;
        if (start + t < perStream && i < n) sum += nll[t * EVAL_BATCH + b]!;
      }
    }
  }
  return sum / n;
}

// ---- training -----------------------------------------------------------------------------------
const { net } = trainer;
net.init(SEED);
const text = corpus.train;
const streamLength = Math.floor((text.length - 1) / BATCH);
const x = net.inputs.x!;
const y = net.inputs.y!;
const lossView = net.outputs.loss!;
const reportAt = new Set(Array.from({ length: REPORTS }, (_, k) => Math.round(((k + 1) * STEPS) / REPORTS)));
const steps: number[] = [0];
const trainCurve: number[] = [NaN]; // mean training loss since the previous report, bits/char
const validationCurve: number[] = []; // bits/char
let epoch = 0;
let windowIndex = 0;
let windows = 0; // in this epoch
let offset = 0;
let sinceEval = 0;
let trainingMs = 0;
let evalMs = 0;
/** The global norm of this window's gradient, before clipping. */
function gradientNorm(): number {
  net.backward();
  let sum = 0;
  for (const g of Object.values(net.grads)) for (const v of g) sum += v * v;
  return Math.sqrt(sum);
}
const initial = validationLoss();
validationCurve.push(initial / LN2);
console.log(
  `  step     0  validation ${initial.toFixed(3)} nats = ${(initial / LN2).toFixed(3)} bits/char (untrained)`,
);
const bar = terminalProgress({ total: STEPS }); // a bar on a terminal, between the report lines
for (let step = 1; step <= STEPS; step++) {
  if (windowIndex === windows) {
    // a new epoch: zero the hidden state, and shift the windows so that they cut elsewhere
    epoch++;
    net.resetState(net.dims!); // the training entry's state only (the others reset their own)
    offset = (epoch * 7) % UNROLL;
    windows = Math.floor((streamLength - offset) / UNROLL);
    windowIndex = 0;
  }
  const started = performance.now();
  for (let t = 0; t < UNROLL; t++) {
    for (let b = 0; b < BATCH; b++) {
      const i = b * streamLength + offset + windowIndex * UNROLL + t;
      x[t * BATCH + b] = text[i]!;
      y[t * BATCH + b] = text[i + 1]!;
    }
  }
  const reporting = reportAt.has(step);
  // at a report, first the gradient alone (backward() leaves the state and weights as they are)
  const norm = reporting ? gradientNorm() : 0;
  net.trainStep(); // forward, BPTT, clipping and Adam; then h ← the window's last hidden state
  trainingMs += performance.now() - started;
  windowIndex++;
  sinceEval += lossView[0]!;
  if (reporting) {
    const evalStarted = performance.now();
    const validation = validationLoss();
    evalMs += performance.now() - evalStarted;
    const stepsSince = step - steps[steps.length - 1]!;
    const train = sinceEval / stepsSince;
    sinceEval = 0;
    steps.push(step);
    trainCurve.push(train / LN2);
    validationCurve.push(validation / LN2);
    bar.log(
      `  step ${String(step).padStart(5)}  epoch ${String(epoch).padStart(2)}  ` +
        `train ${(train / LN2).toFixed(3)} bits/char  ‖g‖ ${norm.toFixed(2).padStart(5)}  ` +
        `validation ${validation.toFixed(3)} nats = ${(validation / LN2).toFixed(3)} bits/char`,
    );
  }
  bar.update(step, `epoch ${epoch}`);
}
bar.finish();
const final = validationCurve[validationCurve.length - 1]!;
const best = Math.min(...validationCurve);
console.log(
  `char-rnn: validation cross-entropy ${(final * LN2).toFixed(3)} nats = ${final.toFixed(3)} bits/char after ${STEPS} steps ` +
    `(best ${best.toFixed(3)}); unigram baseline ${(unigram / LN2).toFixed(3)} bits/char, bigram ${(bigram / LN2).toFixed(3)}`,
);
const chars = STEPS * UNROLL * BATCH;
console.log(
  `training: ${STEPS} steps (${chars} characters, ${(chars / text.length).toFixed(1)} epochs) in ` +
    `${(trainingMs / 1000).toFixed(1)} s, ${(trainingMs / STEPS).toFixed(2)} ms per step ` +
    `(${UNROLL}×${BATCH} characters, WebAssembly); validation passes ${(evalMs / 1000).toFixed(1)} s`,
);

// ---- sampling -----------------------------------------------------------------------------------
/**
 * Feeds the prompt through the batch-1 entry one character at a time (its state `h` carries the
 * context from call to call), then draws each next character from softmax(logits / temperature)
 * and feeds it back.
 */
function sample(prompt: string, length: number, temperature: number, rand: () => number): string {
  const s = sampler;
  s.resetState();
  const xIn = s.inputs.x!;
  const logits = s.outputs.logits!;
  const ids = corpus.encode(prompt);
  for (const id of ids) {
    xIn[0] = id;
    s.forward();
  }
  const out: number[] = [];
  const p = new Float64Array(V);
  for (let k = 0; k < length; k++) {
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[j]! / temperature);
    let total = 0;
    for (let j = 0; j < V; j++) total += p[j] = Math.exp(logits[j]! / temperature - max);
    let r = rand() * total;
    let next = V - 1;
    for (let j = 0; j < V; j++) {
      r -= p[j]!;
      if (r < 0) {
        next = j;
        break;
      }
    }
    out.push(next);
    xIn[0] = next;
    s.forward();
  }
  return prompt + corpus.decode(out);
}

const samples = TEMPERATURES.map((temperature, k) => ({
  temperature,
  text: sample(PROMPT, SAMPLE_LENGTH, temperature, mulberry32(100 + k)),
}));
for (const { temperature, text } of samples) {
  console.log(`\nsample (temperature ${temperature}, primed with "${PROMPT.trim()}"):\n${text}`);
}

// ---- report and picture -------------------------------------------------------------------------
mkdirSync("out", { recursive: true });
const title = `char-rnn: Elman RNN ${V}-${HIDDEN}-${V}, truncated BPTT (T = ${UNROLL}, B = ${BATCH})`;
writeFileSync(
  "out/char-rnn-loss.svg",
  lineChart(
    [
      { name: "training (mean since the last point)", values: trainCurve },
      { name: "validation (the last 10% of the text)", values: validationCurve },
      { name: "bigram baseline (validation)", values: steps.map(() => bigram / LN2) },
      { name: "unigram baseline (validation)", values: steps.map(() => unigram / LN2) },
    ],
    {
      title,
      xLabel: "training step",
      yLabel: "cross-entropy (bits/char)",
      x: { start: 0, step: STEPS / REPORTS },
    },
  ),
);
writeFileSync(
  "out/char-rnn.txt",
  [
    `${title}, Adam(${LEARNING_RATE} → ${+(LEARNING_RATE / 10).toPrecision(3)}), gradients clipped to norm ${CLIP_NORM}, ${STEPS} steps`,
    `corpus: ${corpus.files.join(", ")} (${corpus.train.length} training, ${corpus.validation.length} validation characters, ${V} classes)`,
    `baselines (validation): unigram ${(unigram / LN2).toFixed(3)} bits/char, bigram ${(bigram / LN2).toFixed(3)} bits/char`,
    ``,
    `step   train bits/char   validation bits/char`,
    ...steps.map(
      (s, i) =>
        `${String(s).padStart(5)}   ${(i === 0 ? "-" : trainCurve[i]!.toFixed(3)).padStart(15)}   ${validationCurve[i]!.toFixed(3).padStart(20)}`,
    ),
    ``,
    ...samples.flatMap(({ temperature, text }) => [`sample, temperature ${temperature}:`, text, ``]),
  ].join("\n"),
);
console.log(`\nloss curves written to out/char-rnn-loss.svg; report and samples to out/char-rnn.txt`);
