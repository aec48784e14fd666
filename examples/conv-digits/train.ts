/**
 * A LeNet-sized convolutional network (model.ts) trained in WebAssembly on the generated 16×16
 * digit images of data.ts: TRAIN images (seed 1) for training, TEST images drawn apart (seed 2)
 * for testing, minibatches of BATCH in a seeded order, Adam. Prints the test loss and accuracy
 * after each epoch, the per-digit accuracy and the time per step; writes out/conv-digits-loss.svg
 * and out/conv-digits-filters.svg (the learned first-layer 5×5 filters, grey levels from the most
 * negative weight to the most positive) with a few of the images beside them.
 * Options: --epochs N (default 4), --quick (fewer images, 2 epochs: seconds, for the tests).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim } from "../../compiler/index.js";
import { terminalProgress } from "../../compiler/cli/progress.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { lineChart } from "../lib/svg.js";
import { argmax, build, formatBytes } from "../lib/wasm.js";
import { CLASSES, digitSet, SIZE } from "./data.js";
import { FILTERS1, lenet } from "./model.js";

const { values: args } = parseArgs({
  options: { epochs: { type: "string" }, quick: { type: "boolean", default: false } },
});
const QUICK = args.quick;
const EPOCHS = Number(args.epochs ?? (QUICK ? 2 : 4));
if (!Number.isInteger(EPOCHS) || EPOCHS < 1)
  throw new Error(`--epochs takes a whole number, got ${args.epochs}`);
const TRAIN = QUICK ? 2000 : 8000;
const TEST = QUICK ? 500 : 2000;
const BATCH = 32;
const EVAL_BATCH = 250; // divides TEST
const LEARNING_RATE = 0.002;
const PIXELS = SIZE * SIZE;

const train = digitSet(TRAIN, 1);
const test = digitSet(TEST, 2);
const built = await build(lenet(BATCH), {
  optimizer: optim.adam(LEARNING_RATE),
  batches: { forward: [EVAL_BATCH] },
});
const { net } = built;
console.log(
  `compiled the LeNet-sized network: ${formatBytes(built.wasm.byteLength)} in ${built.compileMs.toFixed(0)} ms; ` +
    `${TRAIN} training and ${TEST} test images of ${SIZE}×${SIZE}`,
);
net.init(0);

/** Test loss (mean cross-entropy) and accuracy, and the per-digit accuracy. */
function evaluate(): { loss: number; accuracy: number; perDigit: number[] } {
  const evalNet = net.at(EVAL_BATCH);
  let [loss, correct] = [0, 0];
  const right = new Array<number>(CLASSES).fill(0);
  for (let s = 0; s < TEST; s += EVAL_BATCH) {
    const logits = evalNet.run({ x: test.images.subarray(s * PIXELS, (s + EVAL_BATCH) * PIXELS) })
      .logits as Float32Array;
    for (let i = 0; i < EVAL_BATCH; i++) {
      const y = test.labels[s + i]!;
      const row = logits.subarray(i * CLASSES, (i + 1) * CLASSES);
      const max = Math.max(...row);
      const lse = max + Math.log(Array.from(row).reduce((a, v) => a + Math.exp(v - max), 0));
      loss += lse - row[y]!;
      if (argmax(row, 0, CLASSES) === y) {
        correct++;
        right[y]!++;
      }
    }
  }
  return { loss: loss / TEST, accuracy: correct / TEST, perDigit: right.map((r) => r / (TEST / CLASSES)) };
}

const rand = mulberry32(3);
const order = Array.from({ length: TRAIN }, (_, i) => i);
const x = new Float32Array(BATCH * PIXELS);
const y = new Int32Array(BATCH);
const steps = Math.floor(TRAIN / BATCH);
const trainCurve: number[] = [];
const testCurve: number[] = [];
let trainMs = 0;
let result = evaluate();
console.log(
  `untrained: test loss ${result.loss.toFixed(3)}, accuracy ${(result.accuracy * 100).toFixed(1)}%`,
);
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  shuffle(order, rand);
  const bar = terminalProgress({ total: steps, unit: "steps" });
  let sum = 0;
  const started = performance.now();
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < BATCH; i++) {
      const k = order[s * BATCH + i]!;
      x.set(train.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
      y[i] = train.labels[k]!;
    }
    const loss = net.train({ x, y }).loss;
    sum += loss;
    bar.update(s + 1, `loss ${loss.toFixed(3)}`);
  }
  bar.finish();
  trainMs += performance.now() - started;
  result = evaluate();
  trainCurve.push(sum / steps);
  testCurve.push(result.loss);
  console.log(
    `  epoch ${epoch}  train loss ${(sum / steps).toFixed(4)}  test loss ${result.loss.toFixed(4)}  ` +
      `test accuracy ${(result.accuracy * 100).toFixed(1)}%`,
  );
}
console.log(
  `conv-digits: test accuracy ${(result.accuracy * 100).toFixed(1)}% (chance 10%); per digit ` +
    result.perDigit.map((a, d) => `${d}: ${(a * 100).toFixed(0)}%`).join(", "),
);
console.log(
  `training: ${EPOCHS * steps} steps of ${BATCH} in ${(trainMs / 1000).toFixed(1)} s, ` +
    `${((trainMs / (EPOCHS * steps)) * 1000).toFixed(0)} µs per step`,
);

mkdirSync("out", { recursive: true });
writeFileSync(
  "out/conv-digits-loss.svg",
  lineChart(
    [
      { name: "train loss (epoch mean)", values: trainCurve },
      { name: "test loss", values: testCurve },
    ],
    {
      title: "LeNet-sized CNN on 16×16 digits, WebAssembly",
      xLabel: "epoch",
      yLabel: "cross-entropy",
      x: { start: 1 },
    },
  ),
);
writeFileSync("out/conv-digits-filters.svg", filtersSvg(net.params.w1 as Float32Array, train.images));
console.log("wrote out/conv-digits-loss.svg and out/conv-digits-filters.svg");

/** The first layer's filters (5×5 each) as grey squares, and the first ten images beside them. */
function filtersSvg(w: Float32Array, images: Float32Array): string {
  const cell = 12;
  const parts: string[] = [];
  const grid = (
    values: ArrayLike<number>,
    n: number,
    x0: number,
    y0: number,
    lo: number,
    hi: number,
    px: number,
  ) => {
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        const v = Math.round((255 * (values[r * n + c]! - lo)) / (hi - lo || 1));
        parts.push(
          `<rect x="${x0 + c * px}" y="${y0 + r * px}" width="${px}" height="${px}" fill="rgb(${v},${v},${v})"/>`,
        );
      }
  };
  const lo = Math.min(...w);
  const hi = Math.max(...w);
  for (let f = 0; f < FILTERS1; f++)
    grid(w.subarray(f * 25, (f + 1) * 25), 5, 20 + f * (5 * cell + 16), 40, lo, hi, cell);
  for (let i = 0; i < 10; i++)
    grid(images.subarray(i * PIXELS, (i + 1) * PIXELS), SIZE, 20 + i * (SIZE * 4 + 8), 140, 0, 1, 4);
  const width = 20 + 10 * (SIZE * 4 + 8);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="220" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    `<text x="20" y="24" font-size="13">first-layer filters (5×5, black = ${lo.toFixed(2)}, white = ${hi.toFixed(2)})</text>\n` +
    `<text x="20" y="132" font-size="13">training images (16×16, generated)</text>\n` +
    parts.join("\n") +
    "\n</svg>\n"
  );
}
