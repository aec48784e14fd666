// The memory plan on every example (examples/xor, iris, spirals: the training and the inference
// modules, with the optimizers and sizes the examples use), every fixture model that compiles
// (test/fixtures/*.model.ts, with SGD when it has a loss) and the W1 benchmark model (batch 32,
// 784-128 ReLU-10, softmax cross-entropy, SGD):
//  - every entry's plan passes the independent check and its arena is within 10% of the lower
//    bound (the most bytes live at one step); the numbers are printed as a table;
//  - on W1 the SGD updates of W1, b1, W2, b2 are written into the params' own slots (no copy at
//    the end), and compiled training still follows the float64 reference trainer; so does the
//    spirals example's Adam training, whose schedule comes from the memory-first strategy.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  compile,
  fromValues,
  leafName,
  model,
  nn,
  optim,
  referenceTrainer,
  schedule,
  type CompileOptions,
  type CompiledModel,
  type Model,
  type NDArray,
  type Optimizer,
} from "../../compiler/index.js";
import { loadIris } from "../../examples/iris/data.js";
import { logisticRegression, softmaxClassifier } from "../../examples/iris/model.js";
import { spiralNet } from "../../examples/spirals/model.js";
import xor from "../../examples/xor/model.js";
import { approx, expectMatch, maxAbs, randomValues, WasmModel } from "../wasm/harness.js";
import { expectSoundPlans } from "./check.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");

/** The W1 benchmark model (bench/impl/wasmgrad.ts). */
export const w1 = model("bench_w1_mlp_train", (m) => {
  const x = m.input("x", [32, 784]);
  const y = m.input("y", [32], "i32");
  const W1 = m.param("W1", [784, 128]);
  const b1 = m.param("b1", [128]);
  const W2 = m.param("W2", [128, 10]);
  const b2 = m.param("b2", [10]);
  const logits = x.matmul(W1).add(b1).relu().matmul(W2).add(b2);
  m.loss(nn.softmaxCrossEntropy(logits, y));
});

interface Case {
  readonly label: string;
  readonly model: Model;
  readonly options: CompileOptions;
}

const iris = loadIris(4);
const binary = (n: number) => iris[n === 0 ? "train" : "test"].y.filter((c) => c !== 0).length;

const CASES: Case[] = [
  { label: "xor (adam)", model: xor, options: { optimizer: optim.adam(0.05) } },
  {
    label: "iris logistic (sgd)",
    model: logisticRegression(binary(0)),
    options: { optimizer: optim.sgd(0.5) },
  },
  {
    label: "iris logistic, + test-size forward",
    model: logisticRegression(binary(0)),
    options: { optimizer: optim.sgd(0.5), batches: { forward: [binary(1)] } },
  },
  {
    label: "iris softmax (sgd)",
    model: softmaxClassifier(iris.train.y.length),
    options: { optimizer: optim.sgd(0.5) },
  },
  {
    label: "iris softmax, + test-size forward",
    model: softmaxClassifier(iris.train.y.length),
    options: { optimizer: optim.sgd(0.5), batches: { forward: [iris.test.y.length] } },
  },
  {
    label: "spirals (adam, schedule)",
    model: spiralNet(50, 3),
    options: { optimizer: optim.adam(schedule.exponential(0.01, 0.1)) },
  },
  {
    label: "spirals, + forward at 750",
    model: spiralNet(50, 3),
    options: { optimizer: optim.adam(0.01), batches: { forward: [750] } },
  },
  { label: "W1 (sgd)", model: w1, options: { optimizer: optim.sgd(0.1) } },
];

async function fixtureCases(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const file of readdirSync(fixtures)
    .filter((f) => f.endsWith(".model.ts"))
    .sort()) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(join(fixtures, file)).href)) as Record<string, unknown>;
    } catch {
      continue; // a fixture with a deliberate model error (see test/wasm/examples.test.ts)
    }
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "object" || value === null || !("graph" in value) || !("initializers" in value))
        continue;
      const mdl = value as Model;
      cases.push({
        label: `${file} (${name})`,
        model: mdl,
        options: mdl.graph.outputs.has("loss") ? { optimizer: optim.sgd(0.1) } : {},
      });
    }
  }
  return cases;
}

/** Every entry's plan (forward entries at other sizes too) and every scan step's. */
const plansOf = (c: CompiledModel) => [
  ...[c.plans.forward, c.plans.backward, c.plans.train].filter((p) => p !== undefined),
  ...Object.values(c.plans.forwardAt),
  ...c.plans.steps,
];

describe("memory plans of the examples, the fixtures and W1", () => {
  it("are sound, and each entry's arena is within 10% of its lower bound", async () => {
    const rows: string[] = [];
    let steps = 0;
    for (const { label, model: mdl, options } of [...CASES, ...(await fixtureCases())]) {
      const compiled = await compile(mdl, options);
      expectSoundPlans(compiled);
      steps += compiled.plans.steps.length;
      for (const plan of plansOf(compiled)) {
        rows.push(
          [
            label.padEnd(34),
            plan.export.padEnd(20),
            String(plan.arenaBytes).padStart(8),
            String(plan.naiveBytes).padStart(9),
            String(plan.lowerBoundBytes).padStart(8),
            (plan.lowerBoundBytes ? plan.arenaBytes / plan.lowerBoundBytes : 1).toFixed(3).padStart(7),
            plan.strategy.padStart(8),
            String(compiled.manifest.memoryBytes).padStart(9),
          ].join(" "),
        );
        expect(plan.arenaBytes, `${label} ${plan.export}`).toBeLessThanOrEqual(1.1 * plan.lowerBoundBytes);
      }
    }
    // the recurrent fixture's forward and training steps (and its gradient's reverse scan)
    expect(steps).toBeGreaterThanOrEqual(3);
    console.log(
      [
        "model                              entry (or scan step) arena     naive    bound   ratio strategy    memory",
        ...rows,
      ].join("\n"),
    );
  });
});

/** `steps` train_step calls against the float64 reference trainer (loss each step, params at the end). */
async function trainAgainstReference(
  mdl: Model,
  optimizer: Optimizer,
  feeds: (k: number) => Record<string, number[]>,
  steps: number,
): Promise<CompiledModel> {
  const compiled = await compile(mdl, { optimizer });
  const net = await WasmModel.create(compiled);
  net.call("init", 3);
  const start: Record<string, NDArray> = Object.fromEntries(
    mdl.graph.params.map((p) => [leafName(p), fromValues(p.shape, "f32", net.read(leafName(p), "param"))]),
  );
  const ref = referenceTrainer(mdl, optimizer, { params: start });
  const width = Math.max(...mdl.graph.params.map((p) => p.shape.reduce((a, d) => a * d, 1)));
  for (let k = 0; k < steps; k++) {
    const inputs = feeds(k);
    for (const [name, v] of Object.entries(inputs)) net.write(name, "input", v);
    net.call("train_step");
    const want = ref.step(inputs);
    expectMatch(
      net.read("loss", "output"),
      [want],
      { kind: "close", rtol: 1e-5, atol: 1e-6 },
      `loss, step ${k + 1}`,
    );
  }
  for (const p of mdl.graph.params) {
    const name = leafName(p);
    const want = ref.params[name]!.data;
    expectMatch(
      net.read(name, "param"),
      want,
      approx(width, Math.max(1, maxAbs(want))),
      `${name} after ${steps} steps`,
    );
  }
  return compiled;
}

describe("in-place updates", () => {
  it("W1 with SGD: every param is updated in its own slot, and training follows the reference", async () => {
    const compiled = await trainAgainstReference(
      w1,
      optim.sgd(0.1),
      (k) => ({
        x: randomValues(32 * 784, 10 + k, 0, 1),
        y: Array.from({ length: 32 }, (_, i) => (i * 7 + k) % 10),
      }),
      3,
    );
    const train = compiled.plans.train!;
    const inPlace = train.updatesInPlace.map((u) => leafName(u.leaf));
    expect(inPlace).toEqual(expect.arrayContaining(["W1", "b1", "W2", "b2", "optim.step"]));
    const updates = new Set(compiled.graphs.train!.updates.values());
    expect(train.copies.filter((c) => updates.has(c.node))).toEqual([]);
    expect(compiled.plans.backward!.copies).toEqual([]);
  });

  it("spirals with Adam (memory-first schedule): updates in place, training follows the reference", async () => {
    const mdl = spiralNet(50, 3);
    const compiled = await trainAgainstReference(
      mdl,
      optim.adam(schedule.exponential(0.01, 0.1)),
      (k) => ({
        x: randomValues(100, 20 + k, -1, 1),
        y: Array.from({ length: 50 }, (_, i) => (i + k) % 3),
      }),
      4,
    );
    const train = compiled.plans.train!;
    // params, both moments of each, and the step counter
    expect(train.updatesInPlace).toHaveLength(6 * 3 + 1);
    expect(train.strategy).toBe("memory");
  });
});
