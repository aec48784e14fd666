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

/**
 * The relaxed-SIMD setting a compile uses: as given, else "auto" (both variants in one file)
 * for a SIMD module and false for a scalar one.
 */
export function relaxedSimdOf(options: Pick<CompileOptions, "simd" | "relaxedSimd">): boolean | "auto" {
  return options.relaxedSimd ?? (options.simd === false ? false : "auto");
}

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
   * Relaxed SIMD, whose `f32x4.relaxed_madd` (a fused multiply-add on hardware with FMA) the
   * matmul inner loops use.
   *
   * "auto" (the default for a SIMD module): both in one artifact. The module is the baseline SIMD
   * module, and it carries the relaxed module's bytes in a custom section (RELAXED_SECTION) that
   * the runtime's `load` instantiates instead where the engine validates relaxed SIMD (Chromium,
   * Deno, Bun, workerd, Node 22+; not Node 20 without `--experimental-wasm-relaxed-simd`). Results
   * then differ in the last bits between engines that pick different variants (a fused
   * multiply-add rounds once, the baseline twice): for training that must reproduce bit for bit
   * across machines, load with `{ relaxedSimd: false }` (pins the baseline of the same file) or
   * compile with `relaxedSimd: false`. The file grows by the relaxed variant (W1: 23.8 KB to
   * 47.1 KB, 6.5 to 7.4 KB gzipped); a model without a matmul has no variant to carry.
   *
   * true: the relaxed module only, which needs an engine with relaxed SIMD, and whose results may
   * differ in the last bits from one machine to another (the engine may or may not fuse).
   * false: the baseline only.
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
