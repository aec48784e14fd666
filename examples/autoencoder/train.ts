/**
 * The 8-3-8 auto-associative network of the slides (seed 002), trained in WebAssembly with Adam
 * on the eight one-hot patterns until the output reproduces every input after rounding (each
 * output to 0 or 1), then as long again. Prints the learned hidden code of each input as the slides' table does
 * (values near 0 or 1, as the slides': mostly, with a few in between, which the decoder also
 * tells apart), each code rounded to bits, the reconstruction, how far apart the codes are, and writes
 * out/autoencoder-loss.svg. A run that does not get there by MAX_STEPS (sigmoid
 * units can settle in a plateau) is restarted from the next seed, and every attempt is reported.
 * Options: --seed N (the first seed, default 0).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { optim } from "../../compiler/index.js";
import { lineChart } from "../lib/svg.js";
import { build, formatBytes } from "../lib/wasm.js";
import autoencoder, { HIDDEN, PATTERNS, X } from "./model.js";

const { values: args } = parseArgs({ options: { seed: { type: "string", default: "0" } } });
const FIRST_SEED = Number(args.seed);
if (!Number.isInteger(FIRST_SEED) || FIRST_SEED < 0)
  throw new Error(`--seed takes a whole number, got ${args.seed}`);

const LEARNING_RATE = 0.05;
const MAX_STEPS = 5000;
const CHECK_EVERY = 100;
const ATTEMPTS = 5;

const { net, wasm, compileMs } = await build(autoencoder, { optimizer: optim.adam(LEARNING_RATE) });
console.log(`compiled the 8-3-8 auto-encoder: ${formatBytes(wasm.byteLength)} in ${compileMs.toFixed(0)} ms`);

const x = new Float32Array(X.flat());
const bits = (v: ArrayLike<number>) => Array.from(v, (u) => (u >= 0.5 ? 1 : 0));
/** The hidden code of each pattern rounded to bits, as a set of strings ("101"). */
const codeBits = (code: Float32Array) =>
  new Set(
    Array.from({ length: PATTERNS }, (_, i) => bits(code.subarray(i * HIDDEN, (i + 1) * HIDDEN)).join("")),
  );
/** Whether every output rounds to its input. */
const exact = (out: ArrayLike<number>) => bits(out).every((b, i) => b === x[i]);

let curve: number[] = [];
let seed = FIRST_SEED;
let trainedAt: number | undefined;
for (; seed < FIRST_SEED + ATTEMPTS && trainedAt === undefined; seed++) {
  net.init(seed);
  curve = [];
  for (let step = 1; step <= MAX_STEPS; step++) {
    curve.push(net.train({ x }).loss);
    if (step % CHECK_EVERY !== 0 || !exact(net.run({ x }).out!)) continue;
    // keep going as long again past the first exact step, so that the codes settle
    trainedAt ??= step;
    if (step >= 2 * trainedAt) break;
  }
  console.log(
    `  seed ${seed}: loss ${curve.at(-1)!.toFixed(5)} after ${curve.length} steps` +
      (trainedAt === undefined
        ? " without exact reconstruction; restarting"
        : `, exact from step ${trainedAt}`),
  );
}
if (trainedAt === undefined) {
  console.error(`autoencoder: no seed out of ${ATTEMPTS} reconstructed every pattern`);
  process.exit(1);
}

const { code, out } = net.run({ x });
console.log(
  `\nthe learned hidden code (as the slides' table):\n  INPUT            HIDDEN              BITS  OUTPUT (rounded)`,
);
const codes: string[] = [];
for (let i = 0; i < PATTERNS; i++) {
  const h = Array.from(code!.subarray(i * HIDDEN, (i + 1) * HIDDEN));
  const o = out!.subarray(i * PATTERNS, (i + 1) * PATTERNS);
  codes.push(bits(h).join(""));
  console.log(
    `  ${X[i]!.join(" ")}  ${h.map((v) => v.toFixed(2).padStart(5)).join(" ")}   ${bits(h).join("")}   ${bits(o).join(" ")}`,
  );
}
// how far apart the codes are: the smallest max-norm distance between two patterns' codes
let closest = Infinity;
for (let i = 0; i < PATTERNS; i++)
  for (let j = 0; j < i; j++) {
    let d = 0;
    for (let u = 0; u < HIDDEN; u++)
      d = Math.max(d, Math.abs(code![i * HIDDEN + u]! - code![j * HIDDEN + u]!));
    closest = Math.min(closest, d);
  }
const nearCorner = Array.from(code!).filter((v) => v < 0.1 || v > 0.9).length;
console.log(
  `\nreconstruction: ${exact(out!) ? "exact" : "NOT exact"} after rounding; final loss ${curve.at(-1)!.toExponential(3)}`,
);
console.log(
  `codes: the closest two differ by ${closest.toFixed(2)} in some unit; ${nearCorner} of ${PATTERNS * HIDDEN} ` +
    `values are within 0.1 of 0 or 1; ${new Set(codes).size} distinct codes after rounding each value to a bit`,
);

mkdirSync("out", { recursive: true });
writeFileSync(
  "out/autoencoder-loss.svg",
  lineChart([{ name: `reconstruction error (seed ${seed - 1})`, values: curve }], {
    title: `8-3-8 auto-encoder, Adam(${LEARNING_RATE}), WebAssembly`,
    xLabel: "step",
    yLabel: "mean squared error per pattern",
    logY: true,
  }),
);
console.log("wrote out/autoencoder-loss.svg");
