/**
 * The demo's training loop, in a Web Worker so that the page never freezes: it loads the module
 * the bundler plugin compiled, trains on minibatches of the spirals, and every STEPS_PER_UPDATE
 * steps posts the mean loss and the predicted class of every cell of the picture (the module's
 * forward entry at GRID × GRID, which reads the weights as they train). Training runs in slices
 * of about 20 ms, so that a "stop" message is seen at once.
 */
import spirals from "./spirals.model.ts?wasmgrad";
import { spirals as makeSpirals } from "../spirals/data.js";
import { mulberry32, shuffle } from "../lib/random.js";
import { BATCH, EXTENT, GRID, PER_ARM, STEPS_PER_UPDATE } from "./config.js";

export interface Update {
  readonly kind: "update";
  readonly step: number;
  /** Mean training loss over the steps since the last update. */
  readonly loss: number;
  /** GRID × GRID class ids, row-major from the top-left cell. */
  readonly labels: Int32Array;
  readonly stepsPerSecond: number;
  readonly relaxedSimd: boolean;
}

export type FromWorker =
  | { readonly kind: "ready"; readonly model: string; readonly url: string; readonly relaxedSimd: boolean }
  | Update
  | { readonly kind: "error"; readonly message: string };

export type ToWorker = { readonly kind: "start"; readonly maxSteps: number } | { readonly kind: "stop" };

const post = (message: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(message, transfer);

async function main(): Promise<void> {
  const net = await spirals.load();
  net.init(0);
  const data = makeSpirals(PER_ARM, 1);
  const relaxedSimd = net.manifest.options.relaxedSimd === true;
  post({ kind: "ready", model: net.manifest.model, url: spirals.url, relaxedSimd });

  // the grid's cell centres, written once into the picture entry's input view
  const picture = net.at(GRID * GRID);
  const cells = picture.inputs.x!;
  const [xMin, xMax, yMin, yMax] = EXTENT;
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      cells[2 * (r * GRID + c)] = xMin + ((c + 0.5) * (xMax - xMin)) / GRID;
      cells[2 * (r * GRID + c) + 1] = yMax - ((r + 0.5) * (yMax - yMin)) / GRID;
    }
  }
  const classify = (): Int32Array => {
    picture.forward();
    const logits = picture.outputs.logits!;
    const k = logits.length / (GRID * GRID);
    const labels = new Int32Array(GRID * GRID);
    for (let i = 0; i < labels.length; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
      labels[i] = best;
    }
    return labels;
  };

  const x = net.inputs.x!;
  const y = net.inputs.y!;
  const loss = net.outputs.loss!;
  const order = Array.from({ length: data.y.length }, (_, i) => i);
  const rand = mulberry32(7);
  let step = 0;
  let batchStart = order.length;
  let maxSteps = 0;
  let running = false;
  let sum = 0;
  let since = 0;
  let updateStarted = performance.now();

  const slice = () => {
    if (!running) return;
    const deadline = performance.now() + 20;
    while (running && step < maxSteps && performance.now() < deadline) {
      if (batchStart + BATCH > order.length) {
        shuffle(order, rand);
        batchStart = 0;
      }
      for (let b = 0; b < BATCH; b++) {
        const i = order[batchStart + b]!;
        x[2 * b] = data.x[i]![0]!;
        x[2 * b + 1] = data.x[i]![1]!;
        y[b] = data.y[i]!;
      }
      batchStart += BATCH;
      net.trainStep();
      sum += loss[0]!;
      since++;
      step++;
      if (step % STEPS_PER_UPDATE === 0 || step === maxSteps) {
        const now = performance.now();
        const labels = classify();
        post(
          {
            kind: "update",
            step,
            loss: sum / since,
            labels,
            stepsPerSecond: (since * 1000) / (now - updateStarted),
            relaxedSimd,
          },
          [labels.buffer],
        );
        sum = 0;
        since = 0;
        updateStarted = performance.now();
      }
    }
    if (step >= maxSteps) running = false;
    else setTimeout(slice, 0);
  };

  self.onmessage = (event: MessageEvent<ToWorker>) => {
    if (event.data.kind === "stop") running = false;
    else {
      maxSteps = step + event.data.maxSteps;
      if (!running) {
        running = true;
        updateStarted = performance.now();
        setTimeout(slice, 0);
      }
    }
  };
}

main().catch((e: unknown) => post({ kind: "error", message: e instanceof Error ? e.message : String(e) }));
