/**
 * Child process for tests that need engine flags (relaxed SIMD under Node 20): loads a wasmgrad
 * module with the runtime, trains it and prints JSON { relaxed, losses, params } on stdout.
 *
 *   node [flags] --import tsx test/support/train-module.mts <module.wasm> <inputs.json> <steps> <seed>
 *
 * inputs.json maps each input name to its flat values.
 */
import { readFileSync } from "node:fs";
import { load, supportsRelaxedSimd } from "../../runtime/index.js";

const [wasmFile, inputsFile, steps, seed] = process.argv.slice(2) as [string, string, string, string];
const net = await load(readFileSync(wasmFile));
net.init(Number(seed));
const inputs = JSON.parse(readFileSync(inputsFile, "utf8")) as Record<string, number[]>;
const losses: number[] = [];
for (let s = 0; s < Number(steps); s++) losses.push(net.train(inputs as never).loss);
const params = Object.fromEntries(
  Object.entries(net.params).map(([k, v]) => [k, Array.from(v as Float32Array)]),
);
console.log(JSON.stringify({ relaxed: supportsRelaxedSimd(), losses, params }));
