/**
 * An MLP (2 → 64 ReLU → 64 ReLU → 3) learns a synthetic 3-arm spiral in WebAssembly with Adam and
 * minibatches. Each step writes one minibatch into the module's live input views and calls the
 * raw `trainStep()`. The same module has a forward entry at the size of a chunk of a grid, which
 * reads the weights as they train (no copy) and classifies the plane, drawn with the data in
 * out/spirals-boundary.svg; the loss curves go to out/spirals-loss.svg.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { optim, schedule } from "../../compiler/index.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { decisionRegions, lineChart } from "../lib/svg.js";
import { argmax, build, formatBytes } from "../lib/wasm.js";
import { ARMS, spirals, type Points } from "./data.js";
import { HIDDEN, spiralNet } from "./model.js";

const EPOCHS = 200;
const PER_ARM = 200;
const BATCH = 50; // divides the 600 training points: 12 steps per epoch
const LEARNING_RATE = 0.01; // decayed exponentially to a tenth of this by the last step
const PROGRESS_EVERY = Math.max(1, Math.round(EPOCHS / 8));
const GRID = 150; // GRID × GRID cells over the plot
const CHUNK = GRID * 5; // the inference entry classifies five grid rows per call
const EXTENT = [-1.15, 1.15, -1.15, 1.15] as const;

const train = spirals(PER_ARM, 1);
const STEPS = EPOCHS * (train.y.length / BATCH);
const DECAY = Math.log(10) / STEPS; // α(t) = α0 · e^(−DECAY · t)
const test = spirals(PER_ARM / 2, 2);
const n = train.y.length;
console.log(
  `3-arm spiral: ${n} training points (data seed 1), ${test.y.length} test points (seed 2); ` +
    `MLP 2-${HIDDEN}-${HIDDEN}-${ARMS} ReLU, Adam(${LEARNING_RATE} decaying to ${LEARNING_RATE / 10}), ` +
    `batch ${BATCH}, ${EPOCHS} epochs`,
);

// one module: train_step at batch BATCH, and forward at BATCH and at CHUNK
const trainer = await build(spiralNet(BATCH, ARMS), {
  optimizer: optim.adam(schedule.exponential(LEARNING_RATE, DECAY)),
  batches: { forward: [CHUNK] },
});
const infer = trainer.net.at(CHUNK);
console.log(
  `compiled: one module ${formatBytes(trainer.wasm.byteLength)} in ${trainer.compileMs.toFixed(0)} ms ` +
    `(train_step at batch ${BATCH}; forward at ${BATCH} and at ${CHUNK}, ${infer.export})`,
);

/** Logits for any number of points, CHUNK at a time (the last chunk padded with zeros). */
function logitsOf(points: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(points.length * ARMS);
  const x = infer.inputs.x!;
  for (let start = 0; start < points.length; start += CHUNK) {
    const count = Math.min(CHUNK, points.length - start);
    x.fill(0);
    for (let i = 0; i < count; i++) x.set(points[start + i]!, 2 * i);
    infer.forward();
    out.set(infer.outputs.logits!.subarray(0, count * ARMS), start * ARMS);
  }
  return out;
}

/** Accuracy and mean cross-entropy of the current weights on a data set. */
function evaluate(data: Points): { accuracy: number; loss: number } {
  const logits = logitsOf(data.x);
  let correct = 0;
  let loss = 0;
  data.y.forEach((label, i) => {
    const row = logits.subarray(i * ARMS, (i + 1) * ARMS);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    loss += logSum - row[label]!;
    if (argmax(row, 0, ARMS) === label) correct++;
  });
  return { accuracy: correct / data.y.length, loss: loss / data.y.length };
}

const { net } = trainer;
net.init(0);
const xView = net.inputs.x!;
const yView = net.inputs.y!;
const lossView = net.outputs.loss!;
const order = Array.from({ length: n }, (_, i) => i);
const rand = mulberry32(7); // minibatch order
const trainCurve: number[] = [];
const testCurve: number[] = [];
let trainingMs = 0;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  shuffle(order, rand);
  let sum = 0;
  const started = performance.now();
  for (let start = 0; start < n; start += BATCH) {
    for (let i = 0; i < BATCH; i++) {
      const id = order[start + i]!;
      xView.set(train.x[id]!, 2 * i);
      yView[i] = train.y[id]!;
    }
    net.trainStep();
    sum += lossView[0]!;
  }
  trainingMs += performance.now() - started;
  trainCurve.push(sum / (n / BATCH));
  const held = evaluate(test);
  testCurve.push(held.loss);
  if (epoch % PROGRESS_EVERY === 0 || epoch === EPOCHS) {
    console.log(
      `  epoch ${String(epoch).padStart(4)}  train loss ${trainCurve[epoch - 1]!.toFixed(4)}  ` +
        `train accuracy ${(evaluate(train).accuracy * 100).toFixed(1)}%  test accuracy ${(held.accuracy * 100).toFixed(1)}%`,
    );
  }
}

const final = { train: evaluate(train), test: evaluate(test) };
console.log(
  `spirals: train accuracy ${(final.train.accuracy * 100).toFixed(1)}%, ` +
    `test accuracy ${(final.test.accuracy * 100).toFixed(1)}%, final train loss ${final.train.loss.toFixed(4)}, ` +
    `test loss ${final.test.loss.toFixed(4)}`,
);
console.log(
  `training: ${STEPS} steps in ${(trainingMs / 1000).toFixed(2)} s, ` +
    `${((trainingMs / STEPS) * 1000).toFixed(1)} µs per step (batch ${BATCH}, WebAssembly)`,
);

// ---- pictures ----------------------------------------------------------------------------------
const [xMin, xMax, yMin, yMax] = EXTENT;
const cells: number[][] = [];
for (let r = 0; r < GRID; r++) {
  for (let c = 0; c < GRID; c++) {
    cells.push([
      xMin + ((c + 0.5) * (xMax - xMin)) / GRID,
      yMax - ((r + 0.5) * (yMax - yMin)) / GRID, // row 0 at the top
    ]);
  }
}
const gridLogits = logitsOf(cells);
const labels = cells.map((_, i) => argmax(gridLogits, i * ARMS, ARMS));
mkdirSync("out", { recursive: true });
writeFileSync(
  "out/spirals-boundary.svg",
  decisionRegions(
    { extent: EXTENT, rows: GRID, cols: GRID, labels },
    train.x.map(([x, y], i) => ({ x: x!, y: y!, label: train.y[i]! })),
    {
      title: `3-arm spiral: MLP 2-${HIDDEN}-${HIDDEN}-3 decision regions (train accuracy ${(final.train.accuracy * 100).toFixed(1)}%)`,
      classNames: Array.from({ length: ARMS }, (_, k) => `arm ${k}`),
    },
  ),
);
writeFileSync(
  "out/spirals-loss.svg",
  lineChart(
    [
      { name: "train (mean over the epoch's batches)", values: trainCurve },
      { name: "test (after the epoch)", values: testCurve },
    ],
    {
      title: `3-arm spiral, MLP 2-${HIDDEN}-${HIDDEN}-3, Adam(${LEARNING_RATE} → ${LEARNING_RATE / 10}), batch ${BATCH}`,
      xLabel: "epoch",
      yLabel: "cross-entropy",
      logY: true,
    },
  ),
);
console.log(
  `decision regions (${GRID}×${GRID} grid, ${(GRID * GRID) / CHUNK} forward calls of ${CHUNK}) written to ` +
    `out/spirals-boundary.svg; loss curves to out/spirals-loss.svg`,
);
