// The edge example (examples/edge/) under workerd, Cloudflare's open-source Workers runtime:
// build.ts compiles the model and writes the worker, workerd's config and the built runtime into
// a temp dir; workerd serves it on 127.0.0.1, and the test talks to the worker over HTTP. The
// worker imports the model as a WebAssembly module (workerd compiles it when it loads the
// worker) and keeps one Net per isolate, so training requests accumulate in its weights; run-time
// compilation from bytes is refused by workerd and explained by the runtime.
//
// workerd is installed into .hosts/ by scripts/install-test-hosts.mjs (npm test runs it first); a
// missing binary fails the test, nothing is skipped.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEdge } from "../../examples/edge/build.js";
import { BATCH, CLASSES } from "../../examples/edge/model.js";
import { load } from "../../runtime/index.js";
import { buildPackage, repoRoot } from "./support.js";

const WORKERD = join(repoRoot, ".hosts/node_modules/.bin/workerd");
const STEPS = 200;
/** The mean cross-entropy of the batch after STEPS Adam steps must be below this (it starts at ~0.7). */
const TRAINED_LOSS = 0.01;

let dir = "";
let url = "";
let workerd: ChildProcess | undefined;
let exited: Promise<void> = Promise.resolve();
let log = "";

/** A port that was free a moment ago, on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls `url` until the worker answers, failing early when workerd exits. */
async function waitUntilAnswers(deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (workerd?.exitCode !== null || workerd.signalCode !== null) {
      throw new Error(
        `workerd exited (${workerd?.exitCode ?? workerd?.signalCode}) before answering:\n${log}`,
      );
    }
    try {
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`workerd did not answer on ${url} in ${deadlineMs} ms:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A request to the worker and its JSON answer; anything but `status` is an error with workerd's log. */
async function call<T>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(
      `${method} ${path}: HTTP ${response.status}, expected ${status}: ${text}\nworkerd:\n${log}`,
    );
  }
  return JSON.parse(text) as T;
}

interface Weights {
  readonly steps: number;
  readonly checksum: number;
  readonly relaxedSimd: boolean;
}

const predict = async (x: readonly number[]) =>
  (await call<{ probs: number[] }>("POST", "/predict", { x })).probs;

async function stopWorkerd(): Promise<void> {
  if (!workerd || workerd.exitCode !== null || workerd.signalCode !== null) return;
  workerd.kill("SIGTERM");
  const killed = await Promise.race([
    exited.then(() => true),
    new Promise((r) => setTimeout(r, 5000, false)),
  ]);
  if (!killed) {
    workerd.kill("SIGKILL");
    await exited;
  }
}

/** What went wrong before the tests (workerd missing, the build, workerd not answering). */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    if (!existsSync(WORKERD)) {
      throw new Error(
        `workerd is not installed (${WORKERD} is missing): run node scripts/install-test-hosts.mjs ` +
          `(npm test runs it first)`,
      );
    }
    await buildPackage(); // build.ts copies the built runtime from dist/runtime/
    dir = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-e2e-workerd-")));
    const built = await buildEdge(dir);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const child = spawn(WORKERD, ["serve", built.config, "--socket-addr", `http=127.0.0.1:${port}`], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    workerd = child;
    exited = new Promise((r) => child.once("exit", () => r()));
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    child.once("error", (e) => (log += `spawn error: ${e.message}\n`));
    await waitUntilAnswers(20_000);
  } catch (e) {
    // kept for every test to fail with: vitest would report a failed beforeAll's tests as skipped
    setupError = e instanceof Error ? e : new Error(String(e));
    await stopWorkerd();
  }
}, 180_000);

/** A test that needs the served worker: it fails with the setup's error when there is none. */
function served(name: string, fn: () => Promise<void>) {
  it(name, async () => {
    if (setupError) throw setupError;
    await fn();
  });
}

afterAll(async () => {
  await stopWorkerd();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the edge example under workerd", () => {
  let before: Weights | undefined;
  const losses: number[] = [];

  served("predicts the probabilities of the 2 classes, summing to 1", async () => {
    const probs = await predict([0.3, -0.2]);
    expect(probs).toHaveLength(CLASSES);
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    before = await call<Weights>("GET", "/weights");
    expect(before.steps).toBe(0);
  });

  served("runs the baseline SIMD code: the relaxed variant cannot be compiled at run time", async () => {
    expect((await call<Weights>("GET", "/weights")).relaxedSimd).toBe(false);
  });

  served(
    `${STEPS} training requests lower the loss below ${TRAINED_LOSS}: the weights stay in the isolate`,
    async () => {
      for (let i = 0; i < STEPS; i++)
        losses.push((await call<{ loss: number }>("POST", "/train", BATCH)).loss);
      expect(losses[0]!).toBeGreaterThan(0.5);
      expect(losses[STEPS - 1]!).toBeLessThan(TRAINED_LOSS);
      const after = await call<Weights>("GET", "/weights");
      expect(after.steps).toBe(STEPS);
      expect(after.checksum).not.toBe(before!.checksum);
    },
  );

  served("trains as Node does, bit for bit (the same module, the baseline variant)", async () => {
    const net = await load(readFileSync(join(dir, "model.wasm")), { relaxedSimd: false });
    net.init(0); // as the worker does
    const node = Array.from({ length: STEPS }, () => net.train(BATCH).loss);
    expect(losses).toEqual(node);
  });

  served("classifies the training points after training", async () => {
    for (const [i, x] of BATCH.x.entries()) {
      const probs = await predict(x);
      expect(probs[BATCH.y[i]!], `point ${JSON.stringify(x)}`).toBeGreaterThan(0.9);
    }
  });

  served("rejects a bad batch with the runtime's message (HTTP 400), leaving the weights alone", async () => {
    const bad = { x: BATCH.x, y: BATCH.y.map((c, i) => (i === 7 ? 2 : c)) };
    const { error } = await call<{ error: string }>("POST", "/train", bad, 400);
    expect(error).toMatch(/input "y": element 7 is 2, outside the 2 classes/);
    expect((await call<Weights>("GET", "/weights")).steps).toBe(STEPS);
  });

  served(
    "load(bytes) is refused by workerd, and the runtime says to import the .wasm as a module",
    async () => {
      const r = await call<{ loaded: boolean; error: string }>("GET", "/load-bytes");
      expect(r.loaded).toBe(false);
      expect(r.error).toMatch(/disallowed by embedder/);
      expect(r.error).toContain("load: this host does not compile WebAssembly at run time");
      expect(r.error).toContain("Import the .wasm as a module in the worker");
      expect(r.error).toContain("CompiledWasm");
    },
  );
});
