// Golden snapshots of the optimized IR of every example's training step, so a change in what the
// optimizer does shows up in review. Update them with `npm run test:update-golden`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { graphNodes, optim, printGraph, trainGraph, type Model } from "../../compiler/index.js";
import { optimizeGraph, formatPassReport } from "../../compiler/passes/pipeline.js";
import xor from "../../examples/xor/model.js";
import { logisticRegression, softmaxClassifier } from "../../examples/iris/model.js";
import { spiralNet } from "../../examples/spirals/model.js";
import classifier from "../fixtures/classifier.model.js";
import mlp from "../fixtures/mlp.model.js";
import rnn from "../fixtures/rnn.model.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const dir = fileURLToPath(new URL("./golden/", import.meta.url));
const update = process.env.UPDATE_GOLDEN === "1";

const examples: [string, Model][] = [
  ["xor", xor],
  ["iris-logistic", logisticRegression(80)],
  ["iris-softmax", softmaxClassifier(120)],
  ["spirals", spiralNet(50, 3)],
  ["classifier", classifier],
  ["mlp", mlp],
  ["rnn", rnn],
];

describe("optimized IR of the examples (golden)", () => {
  for (const [name, mdl] of examples) {
    it(name, () => {
      const { graph } = trainGraph(mdl, optim.sgd(0.1));
      const { graph: optimized, report } = optimizeGraph(graph, { check: true });
      const text = [
        `# ${name}: training step with SGD, after the -O2 pipeline`,
        `# nodes: ${graphNodes(graph).length} -> ${graphNodes(optimized).length}`,
        formatPassReport(report).replace(/^/gm, "# "),
        printGraph(optimized, { cwd: repoRoot }),
      ].join("\n");
      const file = `${dir}${name}.txt`;
      if (update || !existsSync(file)) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, text);
        if (!update) throw new Error(`wrote the missing golden file ${file}; review and commit it`);
      }
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }
});
