// `npm run fuzz`: the property tests only, with their fuzz counts (test/support/runs.ts), reported
// by test/support/fuzz-reporter.ts. The op properties are most of the work and live in one file,
// and vitest runs one file per worker, so that file runs as two projects, with and without SIMD,
// one on each core.
import { defineConfig } from "vitest/config";
import FuzzReporter from "./test/support/fuzz-reporter.js";

const OPS = "test/wasm/ops.test.ts";
const PROPERTIES = [
  "test/plan/compiled.test.ts",
  "test/passes/semantics.test.ts",
  "test/ops/gradients.test.ts",
  "test/ops/softmax-stability.test.ts",
  "test/plan/pack.test.ts",
];
const FUZZ = { WASMGRAD_FUZZ: "1" };

export default defineConfig({
  test: {
    // a property's time grows with its count; runs.ts stretches the tests' own time limits too
    testTimeout: 30 * 60_000,
    maxWorkers: 2,
    reporters: [new FuzzReporter()],
    projects: [
      { extends: true, test: { name: "ops simd", include: [OPS], env: { ...FUZZ, WASMGRAD_SIMD: "true" } } },
      {
        extends: true,
        test: { name: "ops scalar", include: [OPS], env: { ...FUZZ, WASMGRAD_SIMD: "false" } },
      },
      { extends: true, test: { name: "properties", include: PROPERTIES, env: FUZZ } },
    ],
  },
});
