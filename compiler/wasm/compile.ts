/**
 * compile(model): one self-contained WebAssembly module per model.
 *
 *  1. graphs: forward (user outputs), backward (loss and grads), train (loss, grads, updates)
 *  2. layout: persistent tensors at fixed offsets, one scratch arena shared by the entries
 *  3. per entry, a memory plan (compiler/plan): a schedule of its kernels, and an offset in the
 *     arena for every intermediate, shared by values whose lifetimes do not overlap; results are
 *     written into their slots (param updates too, when every other reader of the param runs
 *     first), the rest is copied there at the end
 *  4. one kernel function per node of each entry, lowered by lower.ts, called in schedule order
 *     by the entry's exported function
 *  5. init(seed) (params from their initializers, every state zeroed) and reset_state() (the
 *     model's recurrent states zeroed); the manifest in a custom section
 *  6. binaryen's optimizer (which also inlines the merged AssemblyScript kernels), validation
 */
import { gradGraph, LOSS } from "../autodiff/grad.js";
import type { Model } from "../dsl/model.js";
import { xavierLimit } from "../dsl/init.js";
import { WasmgradError } from "../errors.js";
import { leafName, topologicalOrder, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import type { Optimizer } from "../optim/optimizers.js";
import { trainGraph } from "../optim/train.js";
import { optimizeGraph, type OptLevel, type PassReport } from "../passes/pipeline.js";
import {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  MANIFEST_SECTION,
  type EntryInfo,
  type Manifest,
  type TensorInfo,
  type TensorRole,
} from "../../runtime/manifest.js";
import { VERSION } from "../version.js";
import { planEntry, type EntryPlan, type PlanResult, type Target } from "../plan/plan.js";
import { idRowsOfInputs } from "./ids.js";
import { loadKernels } from "./kernels.js";
import { Region, reservedBytes, type Buffer } from "../plan/layout.js";
import type { Expr, FnBuilder } from "./module.js";
import { ProgramLowering, type StepPlan } from "./program.js";

export interface CompileOptions {
  /** Bakes a train_step into the module (needs a loss). */
  readonly optimizer?: Optimizer;
  /** Clip gradients by global norm in train_step. */
  readonly clipNorm?: number;
  /** f32x4 SIMD (default true); false emits a scalar module for hosts without SIMD. */
  readonly simd?: boolean;
  /**
   * Relaxed SIMD (default false; needs `simd`): matmul inner loops use `f32x4.relaxed_madd`, a
   * fused multiply-add on hardware with FMA (W1 trains 13% faster). The module then needs an
   * engine with relaxed SIMD (Chrome 114+, Node 21+; Node 20 with
   * `--experimental-wasm-relaxed-simd`), and its results may differ in the last bits from one
   * machine to another, as the engine may or may not fuse the multiply and the add.
   */
  readonly relaxedSimd?: boolean;
  /** Run binaryen's optimizer (default true). */
  readonly optimize?: boolean;
  /** Graph optimization level: 0 (no passes, every node its own kernel) or 2 (default). */
  readonly optLevel?: OptLevel;
  /** At -O2, run only these passes (by name, e.g. without "fuse"), to measure what each brings. */
  readonly passes?: readonly string[];
  /** Also return the WebAssembly text (costly for large modules). */
  readonly wat?: boolean;
}

/** The memory plan of one entry point, with its slots as buffers of the module's memory. */
export interface MemoryPlan extends EntryPlan<Buffer> {
  /** The entry's exported function. */
  readonly export: string;
  /** Byte address of the arena in memory: a buffer's address is arenaStart + its offset. */
  readonly arenaStart: number;
}

export interface CompiledModel {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly manifest: Manifest;
  /** The graphs each entry point computes. */
  readonly graphs: { readonly forward: Graph; readonly backward?: Graph; readonly train?: Graph };
  /**
   * The memory plan of each entry: schedule, buffer offsets and lifetimes, and the arena size
   * against the naive size and the lower bound (see compiler/plan).
   */
  readonly plans: {
    readonly forward: MemoryPlan;
    readonly backward?: MemoryPlan;
    readonly train?: MemoryPlan;
    /** The plan of every scan step (see StepPlan), nested ones too. */
    readonly steps: readonly StepPlan[];
  };
  /** What the optimization passes did to each entry's graph (empty at -O0). */
  readonly passReports: Partial<Record<"forward" | "backward" | "train", readonly PassReport[]>>;
  /** The WebAssembly text of the module, when requested. */
  readonly wat?: string;
}

interface Entry {
  readonly name: "forward" | "backward" | "train";
  readonly exportName: string;
  /** Values to compute, each with the persistent slot it must end up in (updates name their leaf). */
  readonly results: readonly PlanResult<Buffer>[];
}

/** Stores `value` (as f32) into n elements at `offset`: a scalar loop, valid with or without SIMD. */
function fillLoop(f: FnBuilder, offset: number, n: number, value: number): Expr {
  const i = f.local("i32");
  return f.forLoop(i, f.c32(0), f.c32(n), 1, () =>
    f.f32.store(0, 4, f.i32.add(f.c32(offset), f.i32.shl(f.get(i), f.c32(2))), f.cf32(value)),
  );
}

function dtypeOf(n: Node): "f32" | "i32" {
  return n.dtype === "f32" ? "f32" : "i32";
}

/**
 * Compiles `mdl` to one self-contained WebAssembly module. Asynchronous because the code generator
 * (binaryen, 15 MB of JavaScript with a top-level await) is loaded on the first call only: a
 * program that builds, prints, interprets or gradchecks models never loads it.
 */
export async function compile(mdl: Model, options: CompileOptions = {}): Promise<CompiledModel> {
  const { ModuleBuilder } = await import("./module.js");
  const simd = options.simd ?? true;
  const relaxedSimd = options.relaxedSimd ?? false;
  if (relaxedSimd && !simd) {
    throw new WasmgradError(
      `compile: relaxedSimd needs simd (model '${mdl.name}' was compiled with simd: false)`,
    );
  }
  const g = mdl.graph;
  const hasLoss = g.outputs.has(LOSS);
  if (options.optimizer && !hasLoss) {
    throw new WasmgradError(`model '${mdl.name}' has no loss, so it cannot be compiled with an optimizer`);
  }
  const userOutputs = new Map([...g.outputs].filter(([name]) => name !== LOSS));
  // each entry's graph goes through the optimization pipeline (-O0: none) before scheduling
  const passReports: Partial<Record<"forward" | "backward" | "train", PassReport[]>> = {};
  const optimized = (entry: "forward" | "backward" | "train", graph: Graph): Graph => {
    const { graph: result, report } = optimizeGraph(graph, {
      level: options.optLevel ?? 2,
      ...(options.passes ? { passes: options.passes } : {}),
    });
    passReports[entry] = report;
    return result;
  };
  const forward: Graph = optimized("forward", { ...g, outputs: userOutputs });
  const backward = hasLoss ? optimized("backward", { ...gradGraph(g), updates: new Map() }) : undefined;
  const trained =
    hasLoss && options.optimizer
      ? trainGraph(mdl, options.optimizer, { clipNorm: options.clipNorm })
      : undefined;
  const train = trained ? { ...trained, graph: optimized("train", trained.graph) } : undefined;

  const mb = new ModuleBuilder(loadKernels(), simd, relaxedSimd);
  try {
    // ---- persistent layout --------------------------------------------------------------
    const persistent = new Region(mb.reservedBytes);
    const tensors: TensorInfo[] = [];
    const idRows = idRowsOfInputs(g);
    const slot = (name: string, role: TensorRole, n: { shape: readonly number[]; dtype: string }): Buffer => {
      const b = persistent.allocate(n.shape, n.dtype === "f32" ? "f32" : "i32");
      const rows = role === "input" ? idRows.get(n as Node) : undefined;
      tensors.push({
        name,
        role,
        shape: [...n.shape],
        dtype: b.dtype === "f32" ? "f32" : "i32",
        offset: b.offset,
        ...(rows !== undefined ? { idRows: rows } : {}),
      });
      return b;
    };
    const leafBuffers = new Map<Node, Buffer>();
    for (const n of g.inputs) leafBuffers.set(n, slot(leafName(n), "input", n));
    for (const n of g.params) leafBuffers.set(n, slot(leafName(n), "param", n));
    // the model's own states (recurrent state), then the optimizer's
    const states = train?.graph.states ?? g.states;
    for (const n of states) leafBuffers.set(n, slot(leafName(n), "state", n));
    const outputSlots = new Map<string, Buffer>();
    for (const [name, n] of g.outputs) outputSlots.set(name, slot(name, "output", n));
    const gradSlots = new Map<string, Buffer>();
    if (backward) for (const p of g.params) gradSlots.set(leafName(p), slot(leafName(p), "grad", p));

    /** A persistent buffer holding `values` from instantiation on (a data segment). */
    const dataBuffer = (
      shape: readonly number[],
      dtype: "f32" | "i32",
      values: readonly number[],
    ): Buffer => {
      const b = persistent.allocate(shape, dtype);
      const bytes = new Uint8Array(Math.max(values.length, 1) * 4);
      const view = new DataView(bytes.buffer);
      values.forEach((v, i) =>
        dtype === "f32" ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true),
      );
      mb.addData(b.offset, bytes);
      return b;
    };
    const constBuffers = new Map<Node, Buffer>();
    const constBuffer = (n: Node): Buffer => {
      let b = constBuffers.get(n);
      if (!b) {
        const values =
          "values" in n.attrs
            ? (n.attrs.values as number[])
            : new Array<number>(sizeOf(n.shape)).fill(n.attrs.value as number);
        b = dataBuffer(n.shape, dtypeOf(n), values);
        constBuffers.set(n, b);
      }
      return b;
    };

    // ---- entries ----------------------------------------------------------------------------
    const entries: Entry[] = [];
    const results = (m: ReadonlyMap<string, Node>, slots: ReadonlyMap<string, Buffer>) =>
      [...m].map(([name, node]) => ({ node, slot: slots.get(name)! }));
    /** Updates of params and states, each written into its leaf's slot. */
    const updates = (gr: Graph) =>
      [...gr.updates].map(([name, node]) => {
        const leaf = [...gr.params, ...gr.states].find((l) => leafName(l) === name)!;
        return { node, slot: leafBuffers.get(leaf)!, updates: leaf };
      });
    // forward also advances the model's states; backward (a pure query) does not
    entries.push({
      name: "forward",
      exportName: "forward",
      results: [...results(forward.outputs, outputSlots), ...updates(forward)],
    });
    if (backward) {
      entries.push({
        name: "backward",
        exportName: "backward",
        results: [
          { node: backward.outputs.get(LOSS)!, slot: outputSlots.get(LOSS)! },
          ...results(backward.grads, gradSlots),
        ],
      });
    }
    if (train) {
      const t = train.graph;
      entries.push({
        name: "train",
        exportName: "train_step",
        results: [
          { node: t.outputs.get(LOSS)!, slot: outputSlots.get(LOSS)! },
          ...results(t.grads, gradSlots),
          // an update overwrites its param or state only after every other reader has run (plan/)
          ...updates(t),
        ],
      });
    }

    // Every constant (those of scan steps too) and every init source lives in the persistent
    // region: allocate them all before the scratch region starts, so no intermediate can
    // overwrite them.
    const lowering = new ProgramLowering(mb, simd, options.optLevel ?? 2);
    const orders = new Map(entries.map((e) => [e, topologicalOrder(e.results.map((r) => r.node))]));
    for (const e of entries) {
      for (const node of lowering.nodesOf(e.results.map((r) => r.node)))
        if (node.op === "const") constBuffer(node);
    }
    const initSources = new Map<Node, Buffer>();
    for (const p of g.params) {
      const initializer = mdl.initializers.get(leafName(p))!;
      if (initializer.kind === "constant" && typeof initializer.values !== "number") {
        initSources.set(p, dataBuffer(p.shape, "f32", initializer.values));
      }
    }

    let memoryEnd = persistent.end;
    const scratchStart = persistent.end;
    const entryInfo: Record<string, EntryInfo> = {};
    const plans: Partial<Record<Entry["name"], MemoryPlan>> = {};
    for (const entry of entries) {
      // the schedule and an offset in the arena (at scratchStart) for every intermediate
      const plan = planEntry(entry.results, lowering.target);
      const order = orders.get(entry)!;
      const { calls, buffers } = lowering.lowerSchedule(
        entry.name,
        plan,
        order,
        leafBuffers,
        scratchStart,
        constBuffer,
      );
      const main = mb.fn(`entry_${entry.name}`);
      main.emit(...calls.map((n) => main.call(n, [], "none")));
      main.emit(...lowering.copies(main, plan, buffers));
      main.finish("none", entry.exportName);
      memoryEnd = Math.max(memoryEnd, scratchStart + plan.arenaBytes);
      plans[entry.name] = { ...plan, export: entry.exportName, arenaStart: scratchStart };
      const reads = new Set(order.filter((n) => n.op === "input").map(leafName));
      entryInfo[entry.name] = {
        export: entry.exportName,
        inputs: g.inputs.map(leafName).filter((n) => reads.has(n)),
        outputs: entry.name === "forward" ? [...userOutputs.keys()] : [LOSS],
      };
    }

    // ---- init(seed) and reset_state() --------------------------------------------------------
    const zeroStates = (f: FnBuilder, which: readonly Node[] = states): Expr[] =>
      which.map((s) => f.memfill(f.c32(leafBuffers.get(s)!.offset), f.c32(0), f.c32(sizeOf(s.shape) * 4)));
    const init = mb.fn("init", ["i32"]);
    g.params.forEach((p, stream) => {
      const name = leafName(p);
      const b = leafBuffers.get(p)!;
      const n = sizeOf(p.shape);
      const seed = () => init.get(init.param(0));
      const initializer = mdl.initializers.get(name)!;
      const ptr = init.c32(b.offset);
      /** Calls an AssemblyScript fill kernel: (ptr, n, seed, stream, ...f64 parameters). */
      const seededFill = (kernel: string, ...parameters: number[]) =>
        init.emit(
          init.call(
            mb.kernel(kernel),
            [ptr, init.c32(n), seed(), init.c32(stream), ...parameters.map((v) => init.cf64(v))],
            "none",
          ),
        );
      switch (initializer.kind) {
        case "zeros":
          init.emit(init.memfill(ptr, init.c32(0), init.c32(n * 4)));
          break;
        case "ones":
          init.emit(fillLoop(init, b.offset, n, 1));
          break;
        case "constant": {
          const v = initializer.values;
          if (typeof v === "number") init.emit(fillLoop(init, b.offset, n, v));
          else init.emit(init.memcpy(ptr, init.c32(initSources.get(p)!.offset), init.c32(n * 4)));
          break;
        }
        case "uniform":
          seededFill("fill_uniform", initializer.low, initializer.high);
          break;
        case "normal":
          seededFill("fill_normal", initializer.mean, initializer.std);
          break;
        case "xavier":
          seededFill("fill_xavier", xavierLimit(p.shape, initializer.gain));
          break;
      }
    });
    init.emit(...zeroStates(init));
    init.finish("none", "init");
    const reset = mb.fn("reset_state");
    // the model's recurrent states only: params and optimizer moments are left alone
    reset.emit(...zeroStates(reset, g.states));
    reset.finish("none", "reset_state");

    // ---- manifest and binary -------------------------------------------------------------------
    memoryEnd = Math.max(memoryEnd, persistent.end);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_FORMAT_VERSION,
      compilerVersion: VERSION,
      model: mdl.name,
      options: {
        simd,
        relaxedSimd,
        optimizer: options.optimizer ?? null,
        clipNorm: options.clipNorm ?? null,
      },
      memoryBytes: Math.max(1, Math.ceil(memoryEnd / 65536)) * 65536,
      tensors,
      entries: {
        forward: entryInfo.forward!,
        ...(entryInfo.backward ? { backward: entryInfo.backward } : {}),
        ...(entryInfo.train ? { train: entryInfo.train } : {}),
      },
    };
    mb.addCustomSection(MANIFEST_SECTION, new TextEncoder().encode(JSON.stringify(manifest)));
    const { binary, text } = mb.emit(manifest.memoryBytes, { optimize: options.optimize ?? true });
    return {
      wasm: new Uint8Array(binary), // a copy owning a plain ArrayBuffer, as WebAssembly.* expect
      manifest,
      graphs: { forward, ...(backward ? { backward } : {}), ...(train ? { train: train.graph } : {}) },
      plans: {
        forward: plans.forward!,
        ...(plans.backward ? { backward: plans.backward } : {}),
        ...(plans.train ? { train: plans.train } : {}),
        steps: lowering.stepPlans,
      },
      passReports,
      ...(options.wat ? { wat: text() } : {}),
    };
  } finally {
    mb.dispose();
  }
}
