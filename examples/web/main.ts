/**
 * The demo page: starts the training worker (worker.ts), draws the loss curve and the decision
 * regions from its updates with the examples' SVG charts (examples/lib/svg.ts), and shows the
 * model's graph and the training step's memory plan, which the Vite config renders at build time
 * with the compiler's own renderers (vite.config.ts, `virtual:wasmgrad-pictures`). The body's
 * data attributes carry the step and the loss, for the end-to-end test.
 */
import { graph, plan } from "virtual:wasmgrad-pictures";
import { ARMS, spirals } from "../spirals/data.js";
import { decisionRegions, lineChart } from "../lib/svg.js";
import { EXTENT, GRID, PER_ARM, STEPS_PER_UPDATE } from "./config.js";
import type { FromWorker, ToWorker } from "./worker.js";

const $ = (id: string) => document.getElementById(id)!;
$("graph").innerHTML = graph;
$("plan").innerHTML = plan;

const data = spirals(PER_ARM, 1);
const points = data.x.map(([x, y], i) => ({ x: x!, y: y!, label: data.y[i]! }));
const losses: number[] = [];
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (message: ToWorker) => worker.postMessage(message);
let variant = "";

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  if (m.kind === "error") {
    $("status").textContent = `error: ${m.message}`;
    document.body.dataset.error = m.message;
    return;
  }
  if (m.kind === "ready") {
    variant = m.relaxedSimd ? "relaxed SIMD" : "SIMD";
    $("status").textContent = `module ${m.url} loaded (${variant}); press Train`;
    document.body.dataset.ready = "true";
    return;
  }
  losses.push(m.loss);
  $("status").textContent =
    `step ${m.step}: loss ${m.loss.toFixed(4)}, ${m.stepsPerSecond.toFixed(0)} steps/s (${variant}, in a Web Worker)`;
  $("loss").innerHTML = lineChart([{ name: "training loss (mean since the last point)", values: losses }], {
    title: "cross-entropy",
    xLabel: "step",
    yLabel: "loss",
    logY: true,
    x: { start: STEPS_PER_UPDATE, step: STEPS_PER_UPDATE },
  });
  $("regions").innerHTML = decisionRegions(
    { extent: EXTENT, rows: GRID, cols: GRID, labels: m.labels },
    points,
    {
      title: `after ${m.step} steps`,
      classNames: Array.from({ length: ARMS }, (_, k) => `arm ${k}`),
    },
  );
  document.body.dataset.step = String(m.step);
  document.body.dataset.loss = String(m.loss);
};

$("start").addEventListener("click", () => send({ kind: "start", maxSteps: 1500 }));
$("stop").addEventListener("click", () => send({ kind: "stop" }));
