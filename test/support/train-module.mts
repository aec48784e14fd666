/**
 * Child process for tests that need engine flags (relaxed SIMD under Node 20): loads a wasmgrad
 * module with the runtime, trains it and prints JSON { relaxed, loaded, losses, params } on stdout:
 * `relaxed`, whether the engine has relaxed SIMD; `loaded`, whether the module loaded uses it.
 *
 *   node [flags] --import tsx test/support/train-module.mts <module.wasm> <inputs.json> <steps> <seed> [load options JSON]
 *
 * inputs.json maps each input name to its flat values.
 */
import { readFileSync } from "node:fs";
import { load, supportsRelaxedSimd } from "../../runtime/index.js";

const [wasmFile, inputsFile, steps, seed, loadOptions] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const net = await load(readFileSync(wasmFile), loadOptions ? JSON.parse(loadOptions) : {});
net.init(Number(seed));
const inputs = JSON.parse(readFileSync(inputsFile, "utf8")) as Record<string, number[]>;
const losses: number[] = [];
for (let s = 0; s < Number(steps); s++) losses.push(net.train(inputs as never).loss);
const params = Object.fromEntries(
  Object.entries(net.params).map(([k, v]) => [k, Array.from(v as Float32Array)]),
);
const loaded = net.manifest.options.relaxedSimd === true;
console.log(JSON.stringify({ relaxed: supportsRelaxedSimd(), loaded, losses, params }));
