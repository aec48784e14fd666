// BPTT compiled to a WebAssembly loop equals backprop through the unrolled network: every model of
// models.ts, compiled from its scan form at -O0 and -O2, with f32x4 SIMD and scalar code (all four
// combinations for the Elman, reverse Elman, LSTM and bi-directional RNNs; -O0 scalar and -O2 SIMD
// for the others), against the float64 interpreter run of the unrolled form on the same
// f32-rounded values (the harness's "approx" tolerance, see support.ts). Checked per module: the
// user outputs and the next states after forward, the loss and the gradient of every param after
// backward, and that backward left the states alone.
import { describe, it } from "vitest";
import { CASES, feedsOf, roundFeeds } from "./models.js";
import { evaluate, expectCompiledMatches, runCompiled } from "./support.js";

const CONFIGS = [
  { optLevel: 0, simd: true },
  { optLevel: 0, simd: false },
  { optLevel: 2, simd: true },
  { optLevel: 2, simd: false },
] as const;
/** The full matrix for the RNNs of the seeds; two diagonal corners for the others (time budget). */
const FULL = new Set(["elman", "lstm", "birnn"]);

describe("compiled BPTT = backprop through the unrolled network", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const mdl = c.build("scan");
      const feeds = roundFeeds(mdl, feedsOf(c, 4));
      const ref = evaluate(c.build("unrolled"), feeds);
      const configs = FULL.has(mdl.name) ? CONFIGS : [CONFIGS[1], CONFIGS[2]];
      for (const config of configs) {
        const run = await runCompiled(mdl, feeds, config);
        expectCompiledMatches(run, mdl, feeds, ref, `-O${config.optLevel} simd ${config.simd}`);
      }
    });
  }
});
