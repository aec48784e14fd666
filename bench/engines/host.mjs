// The engines section's measurement, written to run unchanged under Node, Deno, Bun and in a page
// (as test/e2e/train-host.mjs does). It imports nothing but the built runtime and fetches the
// case list, the modules, the weights and the inputs over HTTP from the harness's server on
// 127.0.0.1. The shapes it reads and prints are bench/engines/types.ts's CaseList and HostResult.
//
//   node bench/engines/host.mjs <cases.json url>
//   deno run --allow-net=127.0.0.1 bench/engines/host.mjs <cases.json url>
//   bun bench/engines/host.mjs <cases.json url>
//   in a page: (await import("/bench/engines/host.mjs")).benchRun(casesUrl)
//
// For every case it loads the module twice, `load(bytes)` (the variant this engine picks) and
// `load(bytes, { relaxedSimd: false })` (the baseline pinned), and times both, interleaved repeat
// by repeat so that a slow phase of the machine lands on both. It prints one JSON line.
import { load, supportsRelaxedSimd } from "../../dist/runtime/index.js";

const ARRAYS = { f32: Float32Array, i32: Int32Array };

/** The JavaScript engine running this script. */
export function engine() {
  const g = globalThis;
  if (g.Deno) return `deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8})`;
  if (g.Bun) return `bun ${g.Bun.version} (JavaScriptCore)`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node} (V8 ${g.process.versions.v8})`;
  const chrome = /(?:HeadlessChrome|Chrome)\/([\d.]+)/.exec(g.navigator?.userAgent ?? "");
  return chrome ? `chromium ${chrome[1]} (V8)` : (g.navigator?.userAgent ?? "unknown");
}

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** A case's files, fetched once and shared by both variants. */
async function fetchCase(c, base) {
  const url = (file) => new URL(file, base).href;
  const inputs = {};
  for (const [name, input] of Object.entries(c.inputs)) {
    inputs[name] = new ARRAYS[input.dtype]((await bytes(url(input.file))).buffer);
  }
  return {
    wasm: await bytes(url(c.wasm)),
    weights: c.weights ? await bytes(url(c.weights)) : undefined,
    inputs,
  };
}

/**
 * One loaded variant: `run(n)` does n iterations, `reset()` restores the initial weights (train
 * cases; a no-op otherwise), `check()` the check values from the initial weights.
 */
async function runner(c, files, options) {
  const net = await load(files.wasm, options);
  const reset = () => files.weights && net.loadWeights(files.weights);
  reset();
  const out = net.outputs[c.output];
  if (!out) throw new Error(`${c.id}: the module has no output '${c.output}'`);
  const relaxedSimd = net.manifest.options.relaxedSimd === true;

  if (c.kind === "infer") {
    const [name] = Object.keys(c.inputs);
    const x = net.inputs[name];
    const all = files.inputs[name];
    const vectors = Array.from({ length: c.rows }, (_, r) => all.subarray(r * x.length, (r + 1) * x.length));
    const mask = c.rows - 1;
    const copy = new Float32Array(out.length);
    let i = 0;
    const call = () => {
      x.set(vectors[i++ & mask]);
      net.forward();
      copy.set(out);
    };
    return {
      relaxedSimd,
      reset: () => {},
      run: (n) => {
        for (let k = 0; k < n; k++) call();
      },
      check: () => {
        i = 0;
        call();
        return Array.from(copy);
      },
    };
  }

  for (const [name, values] of Object.entries(files.inputs)) net.inputs[name].set(values);
  if (c.kind === "train") {
    let sink = 0;
    return {
      relaxedSimd,
      reset,
      run: (n) => {
        for (let k = 0; k < n; k++) {
          net.trainStep();
          sink += out[0]; // the loss read back, as the throughput section does
        }
        return sink;
      },
      check: () => {
        const losses = [];
        for (let k = 0; k < 3; k++) {
          net.trainStep();
          losses.push(out[0]);
        }
        reset();
        return losses;
      },
    };
  }
  const stride = Math.max(1, Math.floor(out.length / 16));
  return {
    relaxedSimd,
    reset: () => {},
    run: (n) => {
      for (let k = 0; k < n; k++) net.forward();
    },
    check: () => {
      net.forward();
      return Array.from({ length: 16 }, (_, k) => out[k * stride]);
    },
  };
}

/** Batches of 1, 2, 4, ... until `warmupMs` have passed; returns the last batch's time per iteration. */
function warmUp(r, warmupMs) {
  const start = performance.now();
  let done = 0;
  for (let batch = 1; ; batch *= 2) {
    const t0 = performance.now();
    r.run(batch);
    const t1 = performance.now();
    done += batch;
    if (t1 - start >= warmupMs && done >= 2) return (t1 - t0) / batch;
  }
}

async function measureCase(c, files, plan) {
  const variants = [await runner(c, files, {}), await runner(c, files, { relaxedSimd: false })];
  const checks = variants.map((r) => r.check());
  const iterations = variants.map((r) => {
    const perIter = warmUp(r, plan.warmupMs);
    return Math.max(1, Math.ceil(plan.targetMs / Math.max(perIter, 1e-6)));
  });
  const times = [[], []];
  for (let rep = 0; rep < plan.repeats; rep++) {
    // alternate which variant goes first, so that neither always follows the other
    for (const v of rep % 2 ? [1, 0] : [0, 1]) {
      const r = variants[v];
      r.reset();
      const t0 = performance.now();
      r.run(iterations[v]);
      times[v].push((performance.now() - t0) / iterations[v]);
    }
  }
  const result = (v) => ({
    relaxedSimd: variants[v].relaxedSimd,
    iterationsPerRepeat: iterations[v],
    perIterMs: times[v],
    check: checks[v],
  });
  return { id: c.id, picked: result(0), baseline: result(1) };
}

export async function benchRun(casesUrl) {
  const list = await fetch(casesUrl).then((r) => {
    if (!r.ok) throw new Error(`GET ${casesUrl}: HTTP ${r.status}`);
    return r.json();
  });
  // every file first: a keep-alive connection left idle through a long timing loop may be closed
  // by the server, and the next fetch would fail
  const files = await Promise.all(
    list.cases.map((c) =>
      fetchCase(c, casesUrl).catch((e) => (e instanceof Error ? e : new Error(String(e)))),
    ),
  );
  const cases = [];
  for (const [k, c] of list.cases.entries()) {
    try {
      if (files[k] instanceof Error) throw files[k];
      cases.push(await measureCase(c, files[k], list.plan));
    } catch (e) {
      cases.push({ id: c.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { engine: engine(), relaxedSimdAvailable: supportsRelaxedSimd(), cases };
}

// Run from a command line (Node, Deno, Bun); in a page the caller calls benchRun itself.
const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process?.argv?.slice(2);
if (args && args.length > 0) console.log(JSON.stringify(await benchRun(args[0])));
