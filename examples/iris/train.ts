/**
 * Two linear classifiers of the iris flowers, trained in WebAssembly with full-batch gradient
 * descent (SGD on the whole training set):
 *
 *  1. logistic regression, versicolor (−1) vs virginica (+1): the two species that overlap, so
 *     the harder of the binary tasks (setosa is linearly separable from the rest);
 *  2. a softmax classifier of all three species.
 *
 * The data are split with a fixed seed and standardised with the training set's statistics.
 * Each model is one module: train_step and forward at the training set's size, and a forward
 * entry at the test set's size that reads the trained params (no copy). Prints train and test
 * accuracy and the final loss, and writes both loss curves to out/iris-loss.svg.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { optim } from "../../compiler/index.js";
import { lineChart } from "../lib/svg.js";
import { argmax, build, formatBytes } from "../lib/wasm.js";
import { FEATURES, loadIris, SPECIES } from "./data.js";
import { logisticRegression, softmaxClassifier } from "./model.js";

const SPLIT_SEED = 4;
const STEPS = 1000;
const LEARNING_RATE = 0.5;
const PROGRESS_EVERY = 200;

const data = loadIris(SPLIT_SEED);
console.log(
  `iris: ${data.train.y.length + data.test.y.length} flowers, ${data.train.y.length} train / ` +
    `${data.test.y.length} test (stratified, split seed ${SPLIT_SEED}); features standardised with ` +
    `the training set's mean and std:`,
);
FEATURES.forEach((f, j) =>
  console.log(`  ${f.padEnd(13)} mean ${data.mean[j]!.toFixed(3)} cm, std ${data.std[j]!.toFixed(3)} cm`),
);
const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}% (${k}/${n})`;
const flat = (rows: number[][]) => new Float32Array(rows.flat());

// ---- 1. logistic regression: versicolor vs virginica --------------------------------------------
const binary = (split: typeof data.train) => {
  const ids = split.y.flatMap((c, i) => (c === 0 ? [] : [i]));
  return { x: flat(ids.map((i) => split.x[i]!)), y: ids.map((i) => (split.y[i] === 2 ? 1 : -1)) };
};
const [binTrain, binTest] = [binary(data.train), binary(data.test)];
const logisticCorrect = (scores: ArrayLike<number>, y: readonly number[]) =>
  y.filter((label, i) => (scores[i]! > 0 ? 1 : -1) === label).length;

console.log(
  `\n1. logistic regression, versicolor (-1) vs virginica (+1): ${binTrain.y.length} train / ` +
    `${binTest.y.length} test, SGD(${LEARNING_RATE}), full batch`,
);
const logistic = await build(logisticRegression(binTrain.y.length), {
  optimizer: optim.sgd(LEARNING_RATE),
  batches: { forward: [binTest.y.length] },
});
console.log(`  compiled: ${formatBytes(logistic.wasm.byteLength)} in ${logistic.compileMs.toFixed(0)} ms`);
logistic.net.init(0);
const logisticInputs = { x: binTrain.x, y: new Float32Array(binTrain.y) };
const logisticCurve: number[] = [];
let started = performance.now();
for (let step = 1; step <= STEPS; step++) {
  logisticCurve.push(logistic.net.train(logisticInputs).loss);
  if (step % PROGRESS_EVERY === 0) {
    const scores = logistic.net.run({ x: binTrain.x }).score!;
    console.log(
      `  step ${String(step).padStart(4)}  loss ${logisticCurve[step - 1]!.toFixed(5)}  ` +
        `train accuracy ${pct(logisticCorrect(scores, binTrain.y), binTrain.y.length)}`,
    );
  }
}
let ms = performance.now() - started;
const logisticTrainAcc = logisticCorrect(logistic.net.run({ x: binTrain.x }).score!, binTrain.y);
const logisticLoss = logistic.net.grad(logisticInputs).loss; // the loss at the final weights
// run() takes the forward entry whose size is the test set's
const logisticTestAcc = logisticCorrect(logistic.net.run({ x: binTest.x }).score!, binTest.y);
const w = [...logistic.net.params.w!].map((v) => v.toFixed(2)).join(", ");
console.log(`  learned w = [${w}] (${FEATURES.join(", ")}), b = ${logistic.net.params.b![0]!.toFixed(2)}`);
console.log(
  `  logistic regression: train accuracy ${pct(logisticTrainAcc, binTrain.y.length)}, ` +
    `test accuracy ${pct(logisticTestAcc, binTest.y.length)}, final loss ${logisticLoss.toFixed(4)}, ` +
    `${((ms / STEPS) * 1000).toFixed(1)} µs per step`,
);

// ---- 2. softmax classifier: all three species ---------------------------------------------------
const [train, test] = [
  { x: flat(data.train.x), y: new Int32Array(data.train.y) },
  { x: flat(data.test.x), y: new Int32Array(data.test.y) },
];
const softmaxCorrect = (probs: ArrayLike<number>, y: ArrayLike<number>) => {
  let correct = 0;
  for (let i = 0; i < y.length; i++)
    if (argmax(probs, i * SPECIES.length, SPECIES.length) === y[i]) correct++;
  return correct;
};

console.log(
  `\n2. softmax classifier, ${SPECIES.join(" / ")}: ${train.y.length} train / ${test.y.length} test, ` +
    `SGD(${LEARNING_RATE}), full batch`,
);
const softmax = await build(softmaxClassifier(train.y.length), {
  optimizer: optim.sgd(LEARNING_RATE),
  batches: { forward: [test.y.length] },
});
console.log(`  compiled: ${formatBytes(softmax.wasm.byteLength)} in ${softmax.compileMs.toFixed(0)} ms`);
softmax.net.init(0);
const softmaxCurve: number[] = [];
started = performance.now();
for (let step = 1; step <= STEPS; step++) {
  softmaxCurve.push(softmax.net.train(train).loss);
  if (step % PROGRESS_EVERY === 0) {
    const probs = softmax.net.run({ x: train.x }).probs!;
    console.log(
      `  step ${String(step).padStart(4)}  loss ${softmaxCurve[step - 1]!.toFixed(5)}  ` +
        `train accuracy ${pct(softmaxCorrect(probs, train.y), train.y.length)}`,
    );
  }
}
ms = performance.now() - started;
const softmaxTrainAcc = softmaxCorrect(softmax.net.run({ x: train.x }).probs!, train.y);
const softmaxLoss = softmax.net.grad(train).loss;
const testProbs = softmax.net.run({ x: test.x }).probs!;
const softmaxTestAcc = softmaxCorrect(testProbs, test.y);
const confusion = SPECIES.map(() => SPECIES.map(() => 0));
test.y.forEach((c, i) => confusion[c]![argmax(testProbs, i * SPECIES.length, SPECIES.length)]!++);
console.log("  test confusion matrix (rows: true species, columns: predicted):");
SPECIES.forEach((s, k) =>
  console.log(`    ${s.padEnd(10)} ${confusion[k]!.map((n) => String(n).padStart(3)).join("")}`),
);
console.log(
  `  softmax classifier: train accuracy ${pct(softmaxTrainAcc, train.y.length)}, ` +
    `test accuracy ${pct(softmaxTestAcc, test.y.length)}, final loss ${softmaxLoss.toFixed(4)}, ` +
    `${((ms / STEPS) * 1000).toFixed(1)} µs per step`,
);

mkdirSync("out", { recursive: true });
writeFileSync(
  "out/iris-loss.svg",
  lineChart(
    [
      { name: "logistic (versicolor vs virginica)", values: logisticCurve },
      { name: "softmax (3 species)", values: softmaxCurve },
    ],
    {
      title: `Iris: full-batch SGD(${LEARNING_RATE}) in WebAssembly`,
      xLabel: "step",
      yLabel: "training loss",
      logY: true,
    },
  ),
);
console.log("\nloss curves written to out/iris-loss.svg");
