/**
 * compile(model): one self-contained WebAssembly module per model, through a list of named
 * stages, each a function from the previous stages' results to its own:
 *
 *   entries   the graph of each entry point: forward, backward (autodiff), train (optimizer),
 *             and forward at the other sizes of `batches` (batches.ts)
 *   optimize  the pass pipeline over every entry and every loop step, with the same options
 *   layout    persistent tensors at fixed offsets, constants as data segments
 *   plan      per entry and per loop step: a kernel schedule and an arena offset for every value;
 *             a module that would need more than wasm32's 4 GiB of memory stops here
 *   lower     one kernel function per scheduled node, one exported function per entry
 *   init      init(seed) and reset_state()
 *   manifest  the module's description of itself, in a custom section
 *   emit      unused kernels removed (with `optimize`, binaryen's -O3 pipeline), validation
 *
 * Only `lower`, `init` and `emit` need the code generator (binaryen, compiler/wasm/module.ts);
 * the stages before it are plain functions of graphs that tests call alone. `compile` is
 * asynchronous because it loads the code generator on its first call (binaryen is 15 MB of
 * JavaScript with a top-level await, so it cannot be loaded lazily from a synchronous function):
 * a program that builds, prints, interprets or gradchecks models never loads it
 * (test/ir/no-binaryen.test.ts).
 */
import type { Model } from "../dsl/model.js";
import { MANIFEST_SECTION, RELAXED_SECTION, type Manifest } from "../../runtime/manifest.js";
import { checkCompileArgs } from "./check-options.js";
import { resolveBatches } from "./batches.js";
import { buildEntries } from "./entries.js";
import { layoutMemory } from "./layout.js";
import { buildManifest } from "./manifest.js";
import { optimizeEntries } from "./optimize.js";
import { COMPILE_DEFAULTS, relaxedSimdOf, type CompiledModel, type CompileOptions } from "./options.js";
import { planMemory } from "./plan.js";
import { memoryEnd } from "../plan/module.js";
import { targetOf, type Target } from "../target.js";
import { loadCodegen } from "../wasm/binaryen/instance.js";

export type { CompiledModel, CompileOptions, MemoryPlan } from "./options.js";

/** The stages, in order (see the file comment). */
export const STAGES = ["entries", "optimize", "layout", "plan", "lower", "init", "manifest", "emit"] as const;
export type StageName = (typeof STAGES)[number];

/** The stages that need binaryen, loaded on the first compile (binaryen itself: loadCodegen). */
const backend = () => import("../wasm/backend.js");

/** Compiles `mdl` to one self-contained WebAssembly module (see the stages above). */
export async function compile(model: Model, compileOptions: CompileOptions = {}): Promise<CompiledModel> {
  const timer = stageTimer();
  const { mdl: given, options } = checkCompileArgs(model, compileOptions);
  // the model at the main entries' dims, and the forward entries at other dims (batches.ts)
  const { primary: mdl, extras } = resolveBatches(given, options.batches);
  // binaryen's binary compiles off the main thread while the graph stages run (awaited below)
  const codegen = loadCodegen();
  codegen.catch(() => undefined);
  // "auto" (the default with simd): the baseline module, carrying the relaxed one in a custom
  // section (options.ts)
  const relaxed = relaxedSimdOf(options);
  const auto = relaxed === "auto";
  const target = targetOf({ ...options, relaxedSimd: relaxed === true }, mdl.name);
  if (auto) targetOf({ ...options, relaxedSimd: true }, mdl.name); // raises without simd
  const entries = timer.time("entries", () => buildEntries(mdl, options, extras));
  const optimized = timer.time("optimize", () =>
    optimizeEntries(entries, {
      level: options.optLevel ?? COMPILE_DEFAULTS.optLevel,
      ...(options.passes ? { passes: options.passes } : {}),
    }),
  );
  const loadStarted = performance.now();
  const backendStages = await backend();
  await codegen;
  timer.record("load", loadStarted);
  // with binaryen's -O3 the relaxed variant is a compile of its own; without, it is derived from
  // the baseline module (ModuleBuilder.emitRelaxedVariant)
  const optimize = options.optimize ?? COMPILE_DEFAULTS.optimize;
  const build = (t: Target, variant: Variant) =>
    buildModule(backendStages, timer, mdl, options, optimized, t, variant);
  const built =
    auto && optimize
      ? build(target, { embed: build({ ...target, relaxedSimd: true }, { single: true }).wasm })
      : build(target, auto ? { derive: true } : { single: true });
  const { forward, backward, train } = optimized.graphs;
  return {
    wasm: built.wasm,
    manifest: built.manifest,
    graphs: {
      forward,
      ...(backward ? { backward } : {}),
      ...(train ? { train } : {}),
      forwardAt: Object.fromEntries(optimized.graphs.extras.map((x) => [x.key, x.graph])),
    },
    plans: built.plans,
    passReports: optimized.passReports,
    ...(built.wat !== undefined ? { wat: built.wat } : {}),
    timings: timer.timings,
  };
}

/**
 * What buildModule makes: one module (`single`), one carrying `embed` (the relaxed variant's bytes)
 * as RELAXED_SECTION, or one carrying the relaxed variant it derives from itself (`derive`).
 */
type Variant = { readonly single: true } | { readonly embed: Uint8Array } | { readonly derive: true };

/** The backend stages (layout through emit) for one target (see Variant). */
function buildModule(
  stages: Awaited<ReturnType<typeof backend>>,
  timer: StageTimer,
  mdl: Model,
  options: CompileOptions,
  optimized: ReturnType<typeof optimizeEntries>,
  target: Target,
  variant: Variant,
): Pick<CompiledModel, "wasm" | "manifest" | "plans" | "wat"> {
  const { ModuleBuilder, emitConstantFills, emitInit, loadKernels, lowerEntries } = stages;
  const mb = new ModuleBuilder(loadKernels(), target);
  try {
    const layout = timer.time("layout", () => layoutMemory(mdl, optimized, mb.reservedBytes));
    // raises if the model needs more than 4 GiB
    const memory = timer.time("plan", () => planMemory(optimized, layout, target));
    const lowered = timer.time("lower", () => {
      for (const s of layout.segments) mb.addData(s.offset, s.encode());
      emitConstantFills(mb, layout.fills);
      return lowerEntries(mb, target, optimized.steps, layout, memory);
    });
    timer.time("init", () => {
      const extraStates = optimized.graphs.extras.flatMap((x) => x.model.graph.states);
      const states = optimized.graphs.train?.states ?? mdl.graph.states;
      emitInit(mb, mdl, layout, [...states, ...extraStates], [...mdl.graph.states, ...extraStates]);
    });
    // a derived variant exists only where lowering fused a multiply-add (a model with a matmul)
    const derive = "derive" in variant && mb.hasMultiplyAdds;
    const manifestOf = (t: Target, relaxedVariant: boolean) =>
      buildManifest(
        mdl,
        options,
        t,
        layout,
        memory,
        memoryEnd(layout, memory),
        mb.traps,
        optimized.graphs.extras,
        relaxedVariant,
      );
    const manifest = timer.time("manifest", () => manifestOf(target, "embed" in variant || derive));
    const manifestBytes = (m: Manifest) => new TextEncoder().encode(JSON.stringify(m));
    // a derived variant needs the module without its manifest: both are appended after emit
    if (!derive) mb.addCustomSection(MANIFEST_SECTION, manifestBytes(manifest));
    if ("embed" in variant) mb.addCustomSection(RELAXED_SECTION, variant.embed);
    const { binary, text } = timer.time("emit", () =>
      mb.emit(manifest.memoryBytes, { optimize: options.optimize ?? COMPILE_DEFAULTS.optimize }),
    );
    // the text of this module, before a derived variant changes it
    const wat = options.wat ? text() : undefined;
    let wasm = new Uint8Array(binary); // a copy owning a plain ArrayBuffer, as WebAssembly.* expect
    if (derive) {
      wasm = timer.time("emit", () => {
        const relaxed = withCustomSection(
          mb.emitRelaxedVariant(),
          MANIFEST_SECTION,
          manifestBytes(manifestOf({ ...target, relaxedSimd: true }, false)),
        );
        return withCustomSection(
          withCustomSection(wasm, MANIFEST_SECTION, manifestBytes(manifest)),
          RELAXED_SECTION,
          relaxed,
        );
      });
    }
    return {
      wasm,
      manifest,
      plans: {
        ...lowered.plans,
        forward: lowered.plans.forward!,
        forwardAt: lowered.extraPlans,
        steps: lowered.steps,
      },
      ...(wat !== undefined ? { wat } : {}),
    };
  } finally {
    mb.dispose();
  }
}

/** `module` with a custom section `name` appended (custom sections may come anywhere). */
function withCustomSection(module: Uint8Array, name: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const nameBytes = new TextEncoder().encode(name);
  const content = [...leb128(nameBytes.length), ...nameBytes];
  const size = leb128(content.length + payload.length);
  const out = new Uint8Array(module.length + 1 + size.length + content.length + payload.length);
  out.set(module, 0);
  let at = module.length;
  out[at++] = 0; // custom section id
  out.set(size, at);
  at += size.length;
  out.set(content, at);
  out.set(payload, at + content.length);
  return out;
}

/** Unsigned LEB128, as WebAssembly encodes sizes. */
function leb128(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

type StageTimer = ReturnType<typeof stageTimer>;

/** Milliseconds spent in each stage, and in loading the code generator ("load"). */
function stageTimer() {
  const timings: Partial<Record<StageName | "load", number>> = {};
  /** Adds the time since `started` to `stage`. */
  const record = (stage: StageName | "load", started: number) => {
    timings[stage] = (timings[stage] ?? 0) + performance.now() - started;
  };
  return {
    timings,
    record,
    time<T>(stage: StageName, run: () => T): T {
      const started = performance.now();
      try {
        return run();
      } finally {
        record(stage, started);
      }
    },
  };
}
