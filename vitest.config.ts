import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import SummaryReporter from "./test/support/summary-reporter.js";

// The CLI's compile cache is on by default: in tests (and the CLI processes they start) it goes
// to a directory of this run, removed afterwards (test/support/cache-dir.ts), not node_modules.
process.env.WASMGRAD_CACHE_DIR = join(tmpdir(), `wasmgrad-test-cache-${process.pid}`);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // two cores: one worker each
    maxWorkers: 2,
    reporters: ["default", new SummaryReporter()],
    env: { WASMGRAD_CACHE_DIR: process.env.WASMGRAD_CACHE_DIR },
    globalSetup: ["test/support/cache-dir.ts"],
  },
});
