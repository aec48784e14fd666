/**
 * wasmgrad: each workload is written in the DSL, compiled with
 * `compile(model, { optimizer: optim.sgd(lr), simd: true })` (no optimizer for the inference and
 * matmul models) to one SIMD WebAssembly module and loaded with the runtime's `load(wasm)`. Calls
 * go straight to the raw exports through the zero-copy views: write `net.inputs.x`, call
 * `net.trainStep()` / `net.forward()`, read `net.outputs.*`. Single-threaded.
 *
 * The compiler and the runtime are imported dynamically, and the adapter only relies on the small
 * structural API below, so the harness keeps working (and skips these rows with a note) while
 * `compile` or `runtime/index.ts` are missing or broken.
 *
 * Loading the code generator takes seconds (binaryen: `compile` loads it on its first call;
 * importCompiler loads it up front, so that no reported compile time includes it), so the harness
 * process compiles every benchmark model once in `setup` and hands the modules to the measuring
 * child processes through a temporary directory (WASMGRAD_BENCH_MODULES); a child then only imports
 * the runtime. A model that fails to compile fails only its own workload.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Model, ModelBuilder, Optimizer, Tensor } from "../../compiler/index.js";
import { makeW1Data, makeW2Data, makeW3Data, makeW6Data, W6_PARAMS, w6Shapes } from "../lib/data.js";
import { RELAXED_SIMD_FLAG } from "../lib/machine.js";
import type {
  Impl,
  InferRunner,
  MatmulRunner,
  Params,
  TrainRunner,
  W1Data,
  W2Data,
  W3Data,
  W4Data,
  W6Data,
} from "../lib/types.js";

interface PlanLike {
  readonly schedule?: readonly unknown[];
  readonly arenaBytes: number;
  readonly naiveBytes: number;
  readonly lowerBoundBytes: number;
}

interface CompiledLike {
  readonly wasm: Uint8Array;
  readonly manifest: { readonly memoryBytes?: number };
  readonly plans?: { readonly forward?: PlanLike; readonly backward?: PlanLike; readonly train?: PlanLike };
}

export interface CompilerApi {
  model(name: string, build: (m: ModelBuilder) => void): Model;
  nn: {
    softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor;
    conv2d(x: Tensor, W: Tensor, bias?: Tensor, options?: { padding?: number }): Tensor;
    maxPool2d(x: Tensor, window: number): Tensor;
  };
  optim: { sgd(lr: number): Optimizer };
  compile?: (
    m: Model,
    options: {
      optimizer?: Optimizer;
      simd?: boolean;
      relaxedSimd?: boolean;
      optimize?: boolean;
      optLevel?: OptLevel;
      passes?: readonly string[];
    },
  ) => CompiledLike | Promise<CompiledLike>;
}

type View = Float32Array | Int32Array;

/** Graph optimization level: -O2 (the default) or -O0 (no passes, every node its own kernel). */
export type OptLevel = 0 | 2;

/**
 * The compiler configurations measured, one row each, so that the report can give the speedup of
 * each pass group: -O0 (no passes) → the rewrite passes only (simplify, fold, cse; every remaining
 * node its own kernel) → the whole -O2 pipeline (plus fuse).
 */
export interface Variant {
  readonly id: string;
  readonly level: OptLevel;
  /** At -O2: only these passes. */
  readonly passes?: readonly string[];
  /** compile(..., { relaxedSimd: true }): fused multiply-adds; its processes get RELAXED_SIMD_FLAG. */
  readonly relaxedSimd?: boolean;
  /** compile(..., { optimize: true }): binaryen's -O3 over the module (off by default). */
  readonly optimize?: boolean;
  /** Part of the module cache key. */
  readonly key: string;
}
export const VARIANTS: readonly Variant[] = [
  { id: "wasmgrad", level: 2, key: "O2" },
  { id: "wasmgrad-nofuse", level: 2, passes: ["hoist", "simplify", "fold", "cse"], key: "O2-nofuse" },
  { id: "wasmgrad-O0", level: 0, key: "O0" },
  { id: "wasmgrad-relaxed", level: 2, relaxedSimd: true, key: "O2-relaxed" },
  { id: "wasmgrad-binaryen-O3", level: 2, optimize: true, key: "O2-binaryen-O3" },
];

interface NetLike {
  readonly params: Readonly<Record<string, View>>;
  readonly inputs: Readonly<Record<string, View>>;
  readonly outputs: Readonly<Record<string, View>>;
  init(seed?: number): void;
  forward(): void;
  trainStep(): void;
}

interface RuntimeApi {
  load(wasm: Uint8Array): Promise<NetLike> | NetLike;
}

/** A benchmark model: a cache key that encodes every dimension, and how to build it. */
export interface Spec {
  readonly key: string;
  readonly build: (api: CompilerApi) => { model: Model; optimizer?: Optimizer };
}

type CacheIndex = Record<string, { ok: true; file: string; notes: string[] } | { ok: false; error: string }>;

const CACHE_ENV = "WASMGRAD_BENCH_MODULES";
let compiler: CompilerApi | undefined;
let runtime: RuntimeApi | undefined;
let cacheDir: string | undefined;
let ownsCache = false;

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 2)
    .join(" ");
}

// ---- the models ----------------------------------------------------------------------------------

export function w1Spec(d: Pick<W1Data, "batch" | "inDim" | "hidden" | "classes" | "lr">): Spec {
  const { batch: B, inDim: D, hidden: H, classes: C, lr } = d;
  return {
    key: `w1-mlp-train-${B}x${D}x${H}x${C}-sgd${lr}`,
    build: (api) => ({
      model: api.model("bench_w1_mlp_train", (m) => {
        const x = m.input("x", [B, D]);
        const y = m.input("y", [B], "i32");
        const W1 = m.param("W1", [D, H]);
        const b1 = m.param("b1", [H]);
        const W2 = m.param("W2", [H, C]);
        const b2 = m.param("b2", [C]);
        const logits = x.matmul(W1).add(b1).relu().matmul(W2).add(b2);
        m.loss(api.nn.softmaxCrossEntropy(logits, y)); // mean over the batch
      }),
      optimizer: api.optim.sgd(lr),
    }),
  };
}

export function w2Spec(d: Pick<W2Data, "steps" | "batch" | "inDim" | "hidden" | "classes" | "lr">): Spec {
  const { steps: T, batch: B, inDim: D, hidden: H, classes: V, lr } = d;
  return {
    key: `w2-rnn-bptt-${T}x${B}x${D}x${H}x${V}-sgd${lr}`,
    build: (api) => ({
      model: api.model("bench_w2_rnn_bptt", (m) => {
        const x = m.input("x", [T, B, D]);
        const y = m.input("y", [T, B], "i32");
        const Wx = m.param("Wx", [D, H]);
        const Wh = m.param("Wh", [H, H]);
        const bh = m.param("bh", [H]);
        const Wy = m.param("Wy", [H, V]);
        const by = m.param("by", [V]);
        // h_0 = 0 at every step (no state carried between calls); full BPTT over the T steps.
        // Written as the recurrence reads: the compiler hoists x_t·Wx out of the loop.
        const { ys } = m.scan({ init: [m.constant(0, [B, H])], xs: [x] }, ([h], [xt]) => {
          const next = xt!.matmul(Wx).add(h!.matmul(Wh)).add(bh).tanh();
          return { carry: [next], ys: [next] };
        });
        const logits = ys[0]!.matmul(Wy).add(by); // [T, B, V]
        m.loss(api.nn.softmaxCrossEntropy(logits.reshape([T * B, V]), y.reshape([T * B]))); // mean over T·B
      }),
      optimizer: api.optim.sgd(lr),
    }),
  };
}

export function w3Spec(d: Pick<W3Data, "inDim" | "hidden" | "classes">): Spec {
  const { inDim: I, hidden: H, classes: C } = d;
  return {
    key: `w3-mlp-infer-${I}x${H}x${H}x${C}`,
    build: (api) => ({
      model: api.model("bench_w3_mlp_infer", (m) => {
        const x = m.input("x", [1, I]);
        const W1 = m.param("W1", [I, H]);
        const b1 = m.param("b1", [H]);
        const W2 = m.param("W2", [H, H]);
        const b2 = m.param("b2", [H]);
        const W3 = m.param("W3", [H, C]);
        const b3 = m.param("b3", [C]);
        const h1 = x.matmul(W1).add(b1).relu();
        const h2 = h1.matmul(W2).add(b2).relu();
        m.output("probs", h2.matmul(W3).add(b3).softmax());
      }),
    }),
  };
}

/** W6: LeNet-5 in PyTorch's layout, written as one would in the DSL (nn.conv2d, nn.maxPool2d). */
export function w6Spec(d: Pick<W6Data, "batch" | "size" | "channels" | "classes" | "lr">): Spec {
  const { batch: B, size: S, channels: C, classes: K, lr } = d;
  return {
    key: `w6-lenet-train-${B}x${C}x${S}x${S}x${K}-sgd${lr}`,
    build: (api) => ({
      model: api.model("bench_w6_lenet_train", (m) => {
        const x = m.input("x", [B, C, S, S]);
        const y = m.input("y", [B], "i32");
        const shapes = w6Shapes(d);
        const { c1, c1b, c2, c2b, f1, f1b, f2, f2b, f3, f3b } = Object.fromEntries(
          W6_PARAMS.map((k) => [k, m.param(k, shapes[k])]),
        ) as Record<(typeof W6_PARAMS)[number], Tensor>;
        const h1 = api.nn.maxPool2d(api.nn.conv2d(x, c1, c1b, { padding: 2 }).relu(), 2);
        const h2 = api.nn.maxPool2d(api.nn.conv2d(h1, c2, c2b).relu(), 2);
        const h3 = h2.reshape([B, 400]).matmul(f1).add(f1b).relu();
        const h4 = h3.matmul(f2).add(f2b).relu();
        const logits = h4.matmul(f3).add(f3b);
        m.loss(api.nn.softmaxCrossEntropy(logits, y)); // mean over the batch
      }),
      optimizer: api.optim.sgd(lr),
    }),
  };
}

export function w4Spec(n: number): Spec {
  return {
    key: `w4-matmul-${n}`,
    build: (api) => ({
      model: api.model(`bench_w4_matmul_${n}`, (m) => {
        const a = m.input("a", [n, n]);
        const b = m.input("b", [n, n]);
        m.output("c", a.matmul(b));
      }),
    }),
  };
}

// ---- compiling and loading -----------------------------------------------------------------------

async function importCompiler(): Promise<CompilerApi> {
  if (!compiler) {
    const api = (await import(new URL("../../compiler/index.js", import.meta.url).href)) as CompilerApi;
    // `compile` loads binaryen on its first call: load it here, as compile does (the same module
    // instance), outside the compile times reported below
    const { loadCodegen } = (await import(
      new URL("../../compiler/wasm/binaryen/instance.js", import.meta.url).href
    )) as { loadCodegen(): Promise<unknown> };
    await loadCodegen();
    compiler = api;
  }
  return compiler;
}

const keyFor = (spec: Spec, v: Variant) => `${spec.key}-${v.key}`;

async function compileSpec(spec: Spec, v: Variant): Promise<{ wasm: Uint8Array; notes: string[] }> {
  const api = await importCompiler();
  if (typeof api.compile !== "function") throw new Error("compiler/index.ts does not export compile()");
  const t0 = performance.now();
  const { model, optimizer } = spec.build(api);
  const compiled = await api.compile(model, {
    ...(optimizer ? { optimizer } : {}),
    simd: true,
    ...(v.relaxedSimd ? { relaxedSimd: true } : {}),
    ...(v.optimize ? { optimize: true } : {}),
    optLevel: v.level,
    ...(v.passes ? { passes: v.passes } : {}),
  });
  const ms = performance.now() - t0;
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const memory = compiled.manifest.memoryBytes;
  // the memory plan of the entry the workload times: arena / naive / lower bound (issue 4's numbers)
  const plan = optimizer ? compiled.plans?.train : compiled.plans?.forward;
  const planNote = plan
    ? (plan.schedule ? `; ${plan.schedule.length} kernels` : "") +
      `; arena ${kib(plan.arenaBytes)} (naive ${kib(plan.naiveBytes)}, lower bound ${kib(plan.lowerBoundBytes)})`
    : "";
  return {
    wasm: compiled.wasm,
    notes: [
      `compiled in ${ms.toFixed(0)} ms; module ${kib(compiled.wasm.byteLength)}` +
        (memory ? `, memory ${kib(memory)}` : "") +
        planNote,
    ],
  };
}

/** The module for a spec: from the harness's cache when there is one, else compiled here. */
async function moduleFor(spec: Spec, v: Variant): Promise<{ wasm: Uint8Array; notes: string[] }> {
  if (cacheDir) {
    const index = JSON.parse(readFileSync(join(cacheDir, "index.json"), "utf8")) as CacheIndex;
    const entry = index[keyFor(spec, v)];
    if (entry && !entry.ok) throw new Error(`compile failed: ${entry.error}`);
    if (entry) return { wasm: new Uint8Array(readFileSync(join(cacheDir, entry.file))), notes: entry.notes };
  }
  return compileSpec(spec, v);
}

async function load(spec: Spec, v: Variant): Promise<{ net: NetLike; notes: string[] }> {
  const { wasm, notes } = await moduleFor(spec, v);
  const t0 = performance.now();
  const net = await runtime!.load(wasm);
  return { net, notes: [`${notes.join("; ")}; loaded in ${(performance.now() - t0).toFixed(1)} ms`] };
}

function view(
  net: NetLike,
  section: "params" | "inputs" | "outputs",
  name: string,
  dtype: "f32" | "i32",
): View {
  const v = net[section][name];
  const ok = dtype === "f32" ? v instanceof Float32Array : v instanceof Int32Array;
  if (!ok) throw new Error(`wasmgrad: net.${section}.${name} is missing or not ${dtype}`);
  return v!;
}

// ---- the runners ---------------------------------------------------------------------------------

/**
 * A training workload's runner: the data written once, `reset` = init(0) and the shared initial
 * params, `step` = one train_step returning the loss computed before the update.
 */
async function trainRunner(
  spec: Spec,
  v: Variant,
  d: { readonly x: Float32Array; readonly y: Int32Array; readonly params: Params },
  names: readonly string[],
): Promise<TrainRunner & { notes: string[] }> {
  const { net, notes } = await load(spec, v);
  view(net, "inputs", "x", "f32").set(d.x);
  view(net, "inputs", "y", "i32").set(d.y);
  const params = names.map((k) => view(net, "params", k, "f32"));
  const loss = view(net, "outputs", "loss", "f32");
  return {
    notes,
    reset() {
      net.init(0); // zeroes the states; the params are then overwritten with the shared ones
      names.forEach((k, i) => params[i]!.set(d.params[k]!));
    },
    step() {
      net.trainStep();
      return loss[0]!;
    },
    params(): Params {
      const out: Params = {};
      names.forEach((k, i) => (out[k] = Float32Array.from(params[i]!)));
      return out;
    },
  };
}

const mlpTrain = (d: W1Data, v: Variant) => trainRunner(w1Spec(d), v, d, ["W1", "b1", "W2", "b2"]);
const rnnTrain = (d: W2Data, v: Variant) => trainRunner(w2Spec(d), v, d, ["Wx", "Wh", "bh", "Wy", "by"]);
const lenetTrain = (d: W6Data, v: Variant) => trainRunner(w6Spec(d), v, d, W6_PARAMS);

async function mlpInfer(d: W3Data, v: Variant): Promise<InferRunner & { notes: string[] }> {
  const { net, notes } = await load(w3Spec(d), v);
  net.init(0);
  for (const k of Object.keys(d.params)) view(net, "params", k, "f32").set(d.params[k]!);
  const x = view(net, "inputs", "x", "f32") as Float32Array;
  const probs = view(net, "outputs", "probs", "f32") as Float32Array;
  return {
    notes,
    infer(input: Float32Array, out: Float32Array): void {
      x.set(input);
      net.forward();
      out.set(probs);
    },
  };
}

async function matmulRunner(d: W4Data, v: Variant): Promise<MatmulRunner & { notes: string[] }> {
  const { net, notes } = await load(w4Spec(d.n), v);
  net.init(0);
  view(net, "inputs", "a", "f32").set(d.a);
  view(net, "inputs", "b", "f32").set(d.b);
  const c = view(net, "outputs", "c", "f32") as Float32Array;
  return {
    notes,
    run: () => net.forward(),
    result: () => Float32Array.from(c),
  };
}

/** wasmgrad in one configuration ("wasmgrad" is -O2, the default; see VARIANTS). */
function wasmgradImpl(v: Variant): Impl {
  return {
    id: v.id,
    ...(v.relaxedSimd ? { execArgv: [RELAXED_SIMD_FLAG] } : {}),
    async setup() {
      const inherited = process.env[CACHE_ENV];
      if (!inherited) {
        try {
          await importCompiler();
        } catch (e) {
          return { notes: [], skip: `cannot import compiler/index.ts (${message(e)})` };
        }
        if (typeof compiler!.compile !== "function") {
          return { notes: [], skip: "compiler/index.ts does not export compile() yet" };
        }
      }
      try {
        runtime = (await import(new URL("../../runtime/index.js", import.meta.url).href)) as RuntimeApi;
      } catch (e) {
        const missing =
          (e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && message(e).includes("runtime/index");
        return {
          notes: [],
          skip: missing
            ? "runtime/index.ts does not exist yet"
            : `cannot import runtime/index.ts (${message(e)})`,
        };
      }
      if (typeof runtime.load !== "function")
        return { notes: [], skip: "runtime/index.ts does not export load()" };
      const notes = [
        `compile(model, { optimizer: optim.sgd(lr), simd: true${v.relaxedSimd ? ", relaxedSimd: true" : ""}${v.optimize ? ", optimize: true" : ""}, optLevel: ${v.level}${v.passes ? `, passes: [${v.passes.join(", ")}]` : ""} }) + load(wasm); raw exports, zero-copy views` +
          (v.relaxedSimd ? `; measured with node ${RELAXED_SIMD_FLAG}` : ""),
      ];
      if (inherited) {
        cacheDir = inherited;
        return { notes };
      }
      // The harness process: compile every benchmark model once for the child processes.
      cacheDir = mkdtempSync(join(tmpdir(), "wasmgrad-bench-modules-"));
      ownsCache = true;
      const index: CacheIndex = {};
      const specs = [
        w1Spec(makeW1Data()),
        w2Spec(makeW2Data()),
        w3Spec(makeW3Data()),
        w4Spec(256),
        w4Spec(512),
        w6Spec(makeW6Data()),
      ];
      // every variant at once, so that one cache serves all the wasmgrad rows
      for (const spec of specs) {
        for (const l of VARIANTS) {
          const key = keyFor(spec, l);
          try {
            const { wasm, notes } = await compileSpec(spec, l);
            writeFileSync(join(cacheDir, `${key}.wasm`), wasm);
            index[key] = { ok: true, file: `${key}.wasm`, notes };
          } catch (e) {
            index[key] = { ok: false, error: message(e) };
          }
        }
      }
      writeFileSync(join(cacheDir, "index.json"), JSON.stringify(index));
      // issue 5: the time loop is one copy of the step, so the module barely grows with T
      try {
        const sizes: string[] = [];
        for (const T of [8, 32, 128]) {
          const spec = w2Spec({ ...makeW2Data(), steps: T });
          const { model, optimizer } = spec.build(compiler!);
          const options = {
            optimizer,
            simd: true,
            ...(v.relaxedSimd ? { relaxedSimd: true } : {}),
            ...(v.optimize ? { optimize: true } : {}),
            optLevel: v.level,
            ...(v.passes ? { passes: v.passes } : {}),
          };
          sizes.push(`T=${T}: ${(await compiler!.compile!(model, options)).wasm.byteLength} B`);
        }
        notes.push(`W2 module size by unroll length (${v.id}): ${sizes.join(", ")}`);
      } catch (e) {
        notes.push(`W2 module sizes by T: failed (${message(e)})`);
      }
      process.env[CACHE_ENV] = cacheDir;
      const failed = Object.entries(index).filter(([, v]) => !v.ok);
      if (failed.length) notes.push(`models that failed to compile: ${failed.map(([k]) => k).join(", ")}`);
      return { notes };
    },
    w1: (d: W1Data) => mlpTrain(d, v),
    w2: (d: W2Data) => rnnTrain(d, v),
    w3: (d: W3Data) => mlpInfer(d, v),
    w4: (d: W4Data) => matmulRunner(d, v),
    w6: (d: W6Data) => lenetTrain(d, v),
    async teardown() {
      if (ownsCache && cacheDir) {
        rmSync(cacheDir, { recursive: true, force: true });
        delete process.env[CACHE_ENV];
      }
      cacheDir = undefined;
      ownsCache = false;
    },
  };
}

export const [wasmgrad, wasmgradNoFuse, wasmgradO0, wasmgradRelaxed, wasmgradBinaryenO3] = VARIANTS.map(
  wasmgradImpl,
) as [Impl, Impl, Impl, Impl, Impl];
