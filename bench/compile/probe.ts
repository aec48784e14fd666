/**
 * Child process entry of the compile section (bench/compile/section.ts): one fresh process, one
 * measurement, timed inside the process with performance.now(); the result is one line
 * `@@probe {json}` on stdout (`{"error": "..."}` when it fails).
 *
 *   probe.ts model w1|w2|char-rnn   import the compiler, then binaryen; compile the model twenty
 *                                   times (fresh model each time: the first three and the median of
 *                                   the last ten are reported); load the first module and time
 *                                   its first training step and warm steps
 *   probe.ts series chain|unrolled SIZE
 *                                   import, then build and compile one scaling point once
 *   probe.ts peer IMPL W1|W2        import and set up the peer, make its runner, time its first
 *                                   training step and warm steps (bench/impl/*)
 *
 * It runs under the harness's tsx loader and imports the built package (dist/, see DIST), as a
 * user's program does; the package entry and the CLI are timed separately, as processes of their
 * own.
 */
import { makeW1Data, makeW2Data } from "../lib/data.js";
import { median } from "../lib/timing.js";
import type { Api, NamedModel, Series } from "./models.js";

export type ProbeResult = Readonly<Record<string, number>>;

/** Compiles of the same model per process; the median of the last STEADY_COMPILES is "steady". */
const COMPILES = 20;
const STEADY_COMPILES = 10;

/** Steps after the first, of which those from the third on are the warm steps. */
const WARM_STEPS = 8;

function since(t0: number): number {
  return performance.now() - t0;
}

function emit(result: ProbeResult | { error: string }): void {
  process.stdout.write(`\n@@probe ${JSON.stringify(result)}\n`);
}

/** The first step and the median of steps 3 .. WARM_STEPS + 1. */
async function firstAndWarm(step: () => unknown): Promise<{ firstStepMs: number; warmStepMs: number }> {
  let t0 = performance.now();
  await step();
  const firstStepMs = since(t0);
  const warm: number[] = [];
  for (let i = 0; i < WARM_STEPS; i++) {
    t0 = performance.now();
    await step();
    if (i >= 1) warm.push(since(t0));
  }
  return { firstStepMs, warmStepMs: median(warm) };
}

/**
 * The built package's modules (dist/, what `import("wasmgrad")` gives a user: plain JavaScript,
 * 10-20% faster to compile with than the sources through tsx's loader). The section warns when
 * dist/ is older than the sources.
 */
const DIST = "../../dist/";

async function importCompiler(): Promise<{ api: Api; importCompilerMs: number; importBinaryenMs: number }> {
  let t0 = performance.now();
  const api = (await import(`${DIST}compiler/index.js`)) as Api;
  const importCompilerMs = since(t0);
  // compile() loads binaryen on its first call: load it here, as compile does (split and cached,
  // compiler/wasm/binaryen/load.ts), so that no compile time includes it
  t0 = performance.now();
  const { loadCodegen } = (await import(`${DIST}compiler/wasm/binaryen/instance.js`)) as {
    loadCodegen(): Promise<unknown>;
  };
  await loadCodegen();
  return { api, importCompilerMs, importBinaryenMs: since(t0) };
}

async function probeModel(id: NamedModel): Promise<ProbeResult> {
  const { api, importCompilerMs, importBinaryenMs } = await importCompiler();
  const { namedModel } = await import("./models.js");
  const build = await namedModel(api, id);
  const out: Record<string, number> = { importCompilerMs, importBinaryenMs };
  let wasm: Uint8Array | undefined;
  const steady: number[] = [];
  for (let i = 1; i <= COMPILES; i++) {
    let t0 = performance.now();
    const { model, options } = build();
    if (i <= 3) out[`build${i}Ms`] = since(t0);
    t0 = performance.now();
    const compiled = await api.compile(model, options);
    const ms = since(t0);
    if (i <= 3) out[`compile${i}Ms`] = ms;
    if (i > COMPILES - STEADY_COMPILES) steady.push(ms);
    wasm ??= compiled.wasm;
  }
  out.compileSteadyMs = median(steady);
  out.wasmBytes = wasm!.byteLength;
  const { load } = (await import(`${DIST}runtime/index.js`)) as typeof import("../../runtime/index.js");
  const t0 = performance.now();
  const net = await load(wasm!);
  net.init(0);
  out.loadMs = since(t0);
  // inputs stay zero: the step's arithmetic does not depend on the values
  Object.assign(out, await firstAndWarm(() => net.trainStep()));
  return out;
}

async function probeSeries(series: Series, size: number): Promise<ProbeResult> {
  const { api } = await importCompiler();
  const { seriesModel } = await import("./models.js");
  let t0 = performance.now();
  const { model, options } = seriesModel(api, series, size);
  const buildMs = since(t0);
  const nodes = api.graphNodes(model.graph).length;
  t0 = performance.now();
  const compiled = await api.compile(model, options);
  const compileMs = since(t0);
  const kernels = (options.optimizer ? compiled.plans.train : compiled.plans.forward)?.schedule?.length;
  return {
    nodes,
    buildMs,
    compileMs,
    totalMs: buildMs + compileMs,
    wasmBytes: compiled.wasm.byteLength,
    ...(kernels !== undefined ? { kernels } : {}),
  };
}

async function probePeer(implId: string, workload: string): Promise<ProbeResult> {
  const { loadImpl } = await import("../lib/registry.js");
  let t0 = performance.now();
  const impl = await loadImpl(implId);
  const importMs = since(t0);
  // the plan only matters to out-of-process peers, which this probe does not run
  const plan = { warmupMs: 0, targetMs: 0, repeats: 1 };
  t0 = performance.now();
  const setup = await impl.setup(plan);
  const setupMs = since(t0);
  if (setup.skip) throw new Error(`skipped: ${setup.skip}`);
  t0 = performance.now();
  const prepared =
    workload === "W1" ? await impl.w1?.(makeW1Data(), plan) : await impl.w2?.(makeW2Data(), plan);
  if (!prepared || !("step" in prepared)) throw new Error(`${implId} has no in-process ${workload} runner`);
  prepared.reset();
  const createMs = since(t0);
  const steps = await firstAndWarm(() => prepared.step());
  prepared.dispose?.();
  await impl.teardown?.();
  return { importMs, setupMs, createMs, ...steps };
}

async function main(args: readonly string[]): Promise<ProbeResult> {
  const [kind, a, b] = args;
  if (kind === "model" && a) return probeModel(a as NamedModel);
  if (kind === "series" && a && b) return probeSeries(a as Series, Number(b));
  if (kind === "peer" && a && b) return probePeer(a, b);
  throw new Error(`usage: probe.ts model ID | series NAME SIZE | peer IMPL W1|W2 (got ${args.join(" ")})`);
}

try {
  emit(await main(process.argv.slice(2)));
  process.exit(0);
} catch (e) {
  emit({ error: e instanceof Error ? e.message.split("\n")[0]! : String(e) });
  process.exit(1);
}
