/**
 * A bi-directional RNN sequence tagger against a left-to-right one, on a task that needs the
 * context on both sides: tag each digit of a random 10-digit sequence with whether the same digit
 * occurs anywhere else in the sequence (data.ts). Both taggers are compiled to WebAssembly and
 * trained the same way (Adam, gradient clipping, the same data and minibatches); each is then
 * scored on held-out sequences, per position, against the best accuracy any left-to-right tagger
 * can reach (computed exactly). Writes the loss curves to out/bidirectional-loss.svg.
 *
 * Options: --steps N training steps per tagger (default 3000).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim, schedule } from "../../compiler/index.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { lineChart } from "../lib/svg.js";
import { argmax, build, formatBytes } from "../lib/wasm.js";
import { DIGITS, LENGTH, leftToRightBound, sequences, type Sequences } from "./data.js";
import { HIDDEN, tagger, type Direction } from "./model.js";

const { values: args } = parseArgs({ options: { steps: { type: "string", default: "3000" } } });
const STEPS = Number(args.steps);
if (!(Number.isInteger(STEPS) && STEPS > 0))
  throw new Error(`--steps takes a whole number, got ${args.steps}`);

const TRAIN = 20_000;
const TEST = 2_000;
const BATCH = 100; // divides TRAIN
const LEARNING_RATE = 0.01; // decayed exponentially to a tenth of this by the last step
const CLIP_NORM = 5;
const PROGRESS_EVERY = Math.max(1, Math.round(STEPS / 6));
const CURVE_EVERY = Math.max(1, Math.round(STEPS / 100));

const train = sequences(TRAIN, 1);
const test = sequences(TEST, 2);
const bound = leftToRightBound();
const boundMean = bound.reduce((s, v) => s + v, 0) / LENGTH;
const ones = test.y.reduce((s, v) => s + v, 0) / test.y.length;
console.log(
  `repeated digits: tag each of ${LENGTH} random digits 0-${DIGITS - 1} with whether it occurs elsewhere in the ` +
    `sequence; ${TRAIN} training sequences (seed 1), ${TEST} test sequences (seed 2), ${(ones * 100).toFixed(1)}% of test tags are 1`,
);
console.log(
  `the best possible left-to-right tagger: ${(boundMean * 100).toFixed(1)}% expected accuracy ` +
    `(always answering 1: ${(ones * 100).toFixed(1)}%)`,
);

/** Copies sequences `ids` into time-major [T, B] views. */
function fill(x: Int32Array, y: Int32Array | undefined, data: Sequences, ids: ArrayLike<number>): void {
  const batch = ids.length;
  for (let b = 0; b < batch; b++) {
    const n = ids[b]!;
    for (let t = 0; t < LENGTH; t++) {
      x[t * batch + b] = data.x[n * LENGTH + t]!;
      if (y) y[t * batch + b] = data.y[n * LENGTH + t]!;
    }
  }
}

interface Result {
  readonly direction: Direction;
  readonly curve: number[];
  readonly accuracy: number;
  readonly perPosition: number[];
  readonly testLoss: number;
  readonly tags: Int32Array; // predicted test tags, [TEST, LENGTH]
  readonly ms: number;
}

async function run(direction: Direction): Promise<Result> {
  const trainer = await build(tagger(direction, BATCH), {
    optimizer: optim.adam(schedule.exponential(LEARNING_RATE, Math.log(10) / STEPS)),
    clipNorm: CLIP_NORM,
  });
  const scorer = await build(tagger(direction, TEST, false)); // forward only: logits
  const params = Object.values(trainer.net.params).reduce((s, p) => s + p.length, 0);
  const name = direction === "bi" ? "bi-directional" : "left-to-right";
  console.log(
    `\n${name} RNN (${direction === "bi" ? `2 × ${HIDDEN}` : 2 * HIDDEN} tanh units, ${params} parameters): ` +
      `training module ${formatBytes(trainer.wasm.byteLength)} compiled in ${trainer.compileMs.toFixed(0)} ms`,
  );
  const { net } = trainer;
  net.init(1);
  const x = net.inputs.x as Int32Array;
  const y = net.inputs.y as Int32Array;
  const loss = net.outputs.loss!;
  const order = Array.from({ length: TRAIN }, (_, i) => i);
  const rand = mulberry32(7); // the same minibatches for both taggers
  const curve: number[] = [];
  let sum = 0;
  let cursor = TRAIN;
  const started = performance.now();
  for (let step = 1; step <= STEPS; step++) {
    if (cursor === TRAIN) {
      shuffle(order, rand);
      cursor = 0;
    }
    fill(x, y, train, order.slice(cursor, cursor + BATCH));
    cursor += BATCH;
    net.trainStep();
    sum += loss[0]!;
    if (step % CURVE_EVERY === 0) {
      curve.push(sum / CURVE_EVERY);
      sum = 0;
    }
    if (step % PROGRESS_EVERY === 0 || step === STEPS) {
      console.log(`  step ${String(step).padStart(5)}  training loss ${loss[0]!.toFixed(4)}`);
    }
  }
  const ms = performance.now() - started;

  // score the held-out sequences in one forward call
  scorer.net.loadWeights(net.saveWeights());
  const all = Array.from({ length: TEST }, (_, i) => i);
  fill(scorer.net.inputs.x as Int32Array, undefined, test, all);
  scorer.net.forward();
  const logits = scorer.net.outputs.logits!;
  const tags = new Int32Array(TEST * LENGTH);
  const correct = new Array<number>(LENGTH).fill(0);
  let nll = 0;
  for (let n = 0; n < TEST; n++) {
    for (let t = 0; t < LENGTH; t++) {
      const at = (t * TEST + n) * 2;
      const tag = argmax(logits, at, 2);
      const truth = test.y[n * LENGTH + t]!;
      tags[n * LENGTH + t] = tag;
      if (tag === truth) correct[t]!++;
      // −log softmax(logits)[truth], stably
      const [a, b] = [logits[at]!, logits[at + 1]!];
      const max = Math.max(a, b);
      nll += max + Math.log(Math.exp(a - max) + Math.exp(b - max)) - (truth ? b : a);
    }
  }
  const perPosition = correct.map((c) => c / TEST);
  const accuracy = correct.reduce((s, c) => s + c, 0) / (TEST * LENGTH);
  const testLoss = nll / (TEST * LENGTH);
  console.log(
    `${name} RNN: test accuracy ${(accuracy * 100).toFixed(1)}%, test loss ${testLoss.toFixed(4)}; ` +
      `${STEPS} steps in ${(ms / 1000).toFixed(2)} s, ${((ms / STEPS) * 1000).toFixed(0)} µs per step (batch ${BATCH})`,
  );
  return { direction, curve, accuracy, perPosition, testLoss, tags, ms };
}

const uni = await run("uni");
const bi = await run("bi");

const pct = (v: number) => `${(v * 100).toFixed(1)}%`.padStart(7);
console.log(
  `\ntest accuracy by position   ${Array.from({ length: LENGTH }, (_, t) => String(t + 1).padStart(6)).join(" ")}`,
);
console.log(`  best left-to-right tagger ${bound.map(pct).join("")}`);
console.log(`  left-to-right RNN         ${uni.perPosition.map(pct).join("")}`);
console.log(`  bi-directional RNN        ${bi.perPosition.map(pct).join("")}`);

console.log(`\nfirst test sequences (digits / true tags / left-to-right RNN / bi-directional RNN):`);
for (let n = 0; n < 4; n++) {
  const row = (a: Int32Array) => Array.from(a.subarray(n * LENGTH, (n + 1) * LENGTH)).join(" ");
  console.log(`  ${row(test.x)}   ${row(test.y)}   ${row(uni.tags)}   ${row(bi.tags)}`);
}

console.log(
  `\nbidirectional: bi-directional RNN test accuracy ${(bi.accuracy * 100).toFixed(1)}%, ` +
    `left-to-right RNN test accuracy ${(uni.accuracy * 100).toFixed(1)}%, ` +
    `best possible left-to-right accuracy ${(boundMean * 100).toFixed(1)}%`,
);

mkdirSync("out", { recursive: true });
writeFileSync(
  "out/bidirectional-loss.svg",
  lineChart(
    [
      { name: `left-to-right RNN (test accuracy ${(uni.accuracy * 100).toFixed(1)}%)`, values: uni.curve },
      { name: `bi-directional RNN (test accuracy ${(bi.accuracy * 100).toFixed(1)}%)`, values: bi.curve },
    ],
    {
      title: `repeated digits: tagging with one direction vs both (Adam, batch ${BATCH})`,
      xLabel: "training step",
      yLabel: "training cross-entropy",
      logY: true,
      x: { start: CURVE_EVERY, step: CURVE_EVERY },
    },
  ),
);
console.log(`loss curves written to out/bidirectional-loss.svg`);
