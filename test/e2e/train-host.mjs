// One training run of a compiled wasmgrad module, written to run unchanged under Node, Deno, Bun
// and in a browser. It imports nothing but the built runtime, and fetches the module and its
// inputs over HTTP (from the test's server on 127.0.0.1), as an application would.
//
//   node test/e2e/train-host.mjs <wasm url> <inputs url> <seed> <steps> [baseline]
//   deno run --allow-net=127.0.0.1 test/e2e/train-host.mjs ...      (same arguments)
//   bun test/e2e/train-host.mjs ...
//   in a page: (await import("/test/e2e/train-host.mjs")).trainRun({ wasmUrl, inputsUrl, seed, steps, baseline })
//
// `baseline` loads a module that carries a relaxed-SIMD variant with its baseline variant pinned
// (`load(..., { relaxedSimd: false })`), as training that must reproduce across engines does.
//
// It prints one JSON line: the loss of every step, the forward outputs after training, and the
// exact bits of the losses, outputs, params and states, so that hosts can be compared bit for bit.
import { load } from "../../dist/runtime/index.js";

/** The bytes of a typed array as hex (little-endian, as WebAssembly's memory holds them). */
function hex(array) {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let text = "";
  for (const b of bytes) text += b.toString(16).padStart(2, "0");
  return text;
}

function mapValues(object, fn) {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}

/** The JavaScript engine running this script. */
export function engine() {
  const g = globalThis;
  if (g.Deno) return `deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8})`;
  if (g.Bun) return `bun ${g.Bun.version} (JavaScriptCore)`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node} (V8 ${g.process.versions.v8})`;
  return g.navigator?.userAgent ?? "unknown";
}

export async function trainRun({ wasmUrl, inputsUrl, seed, steps, baseline = false }) {
  const [net, inputs] = await Promise.all([
    load(fetch(wasmUrl), baseline ? { relaxedSimd: false } : {}),
    fetch(inputsUrl).then((r) => {
      if (!r.ok) throw new Error(`GET ${inputsUrl}: HTTP ${r.status}`);
      return r.json();
    }),
  ]);
  net.init(seed);
  const losses = [];
  for (let i = 0; i < steps; i++) losses.push(net.train(inputs).loss);
  const forwardInputs = {};
  for (const name of net.manifest.entries.forward.inputs) forwardInputs[name] = inputs[name];
  const outputs = net.run(forwardInputs);
  return {
    engine: engine(),
    model: net.manifest.model,
    simd: net.manifest.options.simd,
    // the variant loaded: a module compiled with relaxedSimd "auto" carries two
    relaxedSimd: net.manifest.options.relaxedSimd === true,
    losses,
    outputs: mapValues(outputs, (a) => Array.from(a)),
    bits: {
      losses: hex(Float32Array.from(losses)),
      outputs: mapValues(outputs, hex),
      params: mapValues(net.params, hex),
      states: mapValues(net.states, hex),
      weights: hex(net.saveWeights({ states: true })),
    },
  };
}

// Run from a command line (Node, Deno, Bun); in a browser the page calls trainRun itself.
const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process?.argv?.slice(2);
if (args && args.length > 0) {
  const [wasmUrl, inputsUrl, seed, steps, pin] = args;
  const baseline = pin === "baseline";
  const result = await trainRun({ wasmUrl, inputsUrl, seed: Number(seed), steps: Number(steps), baseline });
  console.log(JSON.stringify(result));
}
