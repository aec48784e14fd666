/**
 * Trains XOR from random initialisation with Adam and the float64 reference interpreter, prints
 * progress and the learned truth table, writes a loss curve, and checks the textbook's exact
 * weights. A 2-2-1 ReLU network has dead-unit minima that some initialisations fall into; a run
 * whose loss stalls is restarted from the next seed, and every attempt is reported.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { interpret, optim, referenceTrainer, toNested } from "../../compiler/index.js";
import { lineChart } from "../lib/svg.js";
import xor, { inputs, X, Y } from "./model.js";

const STEPS = 600;
const TARGET_LOSS = 0.02;
const MAX_ATTEMPTS = 10;

let curve: number[] = [];
let trained: ReturnType<typeof referenceTrainer> | undefined;
const started = performance.now();
for (let seed = 0; seed < MAX_ATTEMPTS && !trained; seed++) {
  const trainer = referenceTrainer(xor, optim.adam(0.05), { seed });
  curve = [];
  for (let step = 1; step <= STEPS; step++) {
    const loss = trainer.step(inputs);
    curve.push(loss);
    if (step % 150 === 0)
      console.log(`  seed ${seed}  step ${String(step).padStart(4)}  loss ${loss.toFixed(5)}`);
  }
  const final = curve[curve.length - 1]!;
  if (final < TARGET_LOSS) trained = trainer;
  else console.log(`  seed ${seed} stalled at loss ${final.toFixed(4)} (a dead-ReLU minimum); restarting`);
}
if (!trained) {
  console.error(`xor: no initialisation out of ${MAX_ATTEMPTS} reached loss ${TARGET_LOSS}`);
  process.exit(1);
}

const p = toNested(trained.run(inputs).p!) as number[];
const accuracy = p.filter((v, i) => (v > 0.5 ? 1 : 0) === Y[i]).length / Y.length;
console.log("\nlearned truth table (x1 x2 -> p(y=1)):");
X.forEach(([a, b], i) => console.log(`  ${a} ${b} -> ${p[i]!.toFixed(4)}  (target ${Y[i]})`));
console.log(
  `accuracy ${(accuracy * 100).toFixed(0)}%, final loss ${curve[curve.length - 1]!.toExponential(3)}`,
);
console.log(`training time ${((performance.now() - started) / 1000).toFixed(2)} s (reference interpreter)`);

// The chapter's hand-set weights (seed 003, Fig. 6.6): h = relu(x W + c), y = h w.
const exact = interpret(xor.graph, {
  inputs,
  params: { W1: [1, 1, 1, 1], b1: [0, -1], W2: [1, -2], b2: [0] },
});
const logits = (toNested(exact.outputs.p!) as number[]).map((q) => Math.log(q / (1 - q)));
console.log(
  `the chapter's exact weights give y = ${logits.map((v) => Math.round(v * 1e9) / 1e9).join(", ")}`,
);

mkdirSync("out", { recursive: true });
writeFileSync(
  "out/xor-loss.svg",
  lineChart([{ name: "training loss", values: curve }], {
    title: "XOR 2-2-1 ReLU, Adam(0.05), reference interpreter",
    xLabel: "step",
    yLabel: "binary cross-entropy",
    logY: true,
  }),
);
console.log("loss curve written to out/xor-loss.svg");
if (accuracy < 1) process.exit(1);
