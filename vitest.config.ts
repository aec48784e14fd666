import { defineConfig } from "vitest/config";
import SummaryReporter from "./test/support/summary-reporter.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // two cores: one worker each
    maxWorkers: 2,
    reporters: ["default", new SummaryReporter()],
  },
});
