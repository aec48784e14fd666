/** What `compile` takes and returns (compiler/pipeline/compile.ts). */
import type { Mode } from "../ops/mode.js";
import type { Manifest } from "../../runtime/manifest.js";
import type { Graph } from "../ir/graph.js";
import type { Optimizer } from "../optim/optimizers.js";
import type { OptLevel, PassReport } from "../passes/pipeline.js";
import type { EntryName, MemoryPlan } from "../plan/module.js";
import type { StepPlan } from "../wasm/program.js";
import type { StageName } from "./compile.js";
import type { BatchesOption } from "./batches.js";

/** What `compile` does when an option is not given (the cache's key fills them in too). */
export const COMPILE_DEFAULTS = { optimize: false, optLevel: 2, forwardMode: "eval" } as const;

export interface CompileOptions {
  /** Bakes a train_step into the module (needs a loss). */
  readonly optimizer?: Optimizer;
  /** Clip gradients by global norm in train_step. */
  readonly clipNorm?: number;
  /**
   * The mode of the forward entry (default "eval": dropout is the identity, as after PyTorch's
   * `model.eval()`); "train" keeps training behaviour, e.g. for Monte-Carlo dropout. backward and
   * train_step always run in training mode (compiler/pipeline/modes.ts).
   */
  readonly forwardMode?: Mode;
  /**
   * For a model defined over dims (`model(name, (m, { batch }) => ..., { batch: 32 })`): the
   * sizes of the entries. `train` (default: the model's dims) is the size of backward, train_step
   * and forward; each size in `forward` adds a forward entry of its own in the same module,
   * exported as `forward_batch_1` and so on, which reads the same params and has its own inputs,
   * outputs and states. A number is a batch size; dims such as `{ batch: 1, steps: 1 }` set
   * others too. The runtime picks the entry from the inputs' sizes (pipeline/batches.ts).
   */
  readonly batches?: BatchesOption;
  /** f32x4 SIMD (default true); false emits a scalar module for hosts without SIMD. */
  readonly simd?: boolean;
  /**
   * Relaxed SIMD (default false; needs `simd`): matmul inner loops use `f32x4.relaxed_madd`, a
   * fused multiply-add on hardware with FMA (W1 trains 13% faster). The module then needs an
   * engine with relaxed SIMD (Chrome 114+, Node 21+; Node 20 with
   * `--experimental-wasm-relaxed-simd`), and its results may differ in the last bits from one
   * machine to another, as the engine may or may not fuse the multiply and the add.
   *
   * "auto": both in one artifact. The module is the baseline SIMD module, and it carries the
   * relaxed module's bytes in a custom section (RELAXED_SECTION) that the runtime's `load`
   * instantiates instead where the engine validates relaxed SIMD (Chromium, Deno, Bun, workerd;
   * not Node 20). Results may then differ in the last bits between engines; pin `false` for
   * training that must reproduce bit for bit across machines. The file is about twice the size
   * and the compile runs the backend stages twice.
   */
  readonly relaxedSimd?: boolean | "auto";
  /**
   * Also run binaryen's -O3 pipeline over the finished module (default false). The graph
   * optimizer has already fused, scheduled and vectorized the kernels, and the engines' optimizing
   * tiers (V8's TurboFan, SpiderMonkey's Ion) do the rest, so modules run about as fast without it
   * (W1 and W4 the same, the recurrent W2 and char-rnn about 5% slower; README "Compile speed")
   * while it adds 0.3 to 2 s to every compile. Modules of models with tanh, exp or sigmoid are
   * larger with it (the vector math is inlined), those without smaller.
   */
  readonly optimize?: boolean;
  /** Graph optimization level: 0 (no passes, every node its own kernel) or 2 (default). */
  readonly optLevel?: OptLevel;
  /**
   * At -O2, run only these passes (by name, e.g. without "fuse"), to measure what each brings.
   * They apply to every entry and to the step of every loop alike.
   */
  readonly passes?: readonly string[];
  /** Also return the WebAssembly text (costly for large modules). */
  readonly wat?: boolean;
}

export interface CompiledModel {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly manifest: Manifest;
  /** The graphs each entry point computes. */
  readonly graphs: {
    readonly forward: Graph;
    readonly backward?: Graph;
    readonly train?: Graph;
    /** The graph of each forward entry at other dims, by its export (`forward_batch_1`). */
    readonly forwardAt: Readonly<Record<string, Graph>>;
  };
  /**
   * The memory plan of each entry: schedule, buffer offsets and lifetimes, and the arena size
   * against the naive size and the lower bound (see compiler/plan).
   */
  readonly plans: {
    readonly forward: MemoryPlan;
    readonly backward?: MemoryPlan;
    readonly train?: MemoryPlan;
    /** The plan of each forward entry at other dims, by its export (`forward_batch_1`). */
    readonly forwardAt: Readonly<Record<string, MemoryPlan>>;
    /** The plan of every scan step (see StepPlan), nested ones too. */
    readonly steps: readonly StepPlan[];
  };
  /** What the optimization passes did to each entry's graph (empty at -O0). */
  readonly passReports: Partial<Record<EntryName, readonly PassReport[]>>;
  /** The WebAssembly text of the module, when requested. */
  readonly wat?: string;
  /**
   * Milliseconds spent in each stage of compiler/pipeline/compile.ts (STAGES), and in `load`:
   * importing the code generator, which only the first compile in a process pays (binaryen).
   */
  readonly timings: Readonly<Partial<Record<StageName | "load", number>>>;
}

export type { EntryName, MemoryPlan };
