/**
 * The memory of a whole module, as the pipeline's layout and plan stages decide it and the
 * backend lowers it (compiler/pipeline/layout.ts, plan.ts; compiler/wasm/entries.ts, init.ts):
 * the persistent part (named tensors, constants) and the plans of every entry and loop step.
 */
import type { Node } from "../ir/node.js";
import type { TensorInfo } from "../../runtime/manifest.js";
import type { Buffer } from "./layout.js";
import type { EntryPlan, PlanResult } from "./plan.js";

/** Bytes placed in memory when the module is instantiated. */
export interface DataSegment {
  readonly offset: number;
  /**
   * Encodes the bytes. Called when the module is built, once the plan is known to fit in memory:
   * a constant of gigabytes must not be materialized for a model that is then rejected.
   */
  readonly encode: () => Uint8Array;
}

/**
 * A constant holding one value in each of `count` elements: the module's start function writes
 * it (compiler/wasm/start.ts) instead of a data segment of 4 bytes per element.
 */
export interface DataFill {
  readonly offset: number;
  readonly count: number;
  readonly value: number;
  readonly dtype: "f32" | "i32";
}

/** The persistent part of memory, after the kernels' static data (compiler/pipeline/layout.ts). */
export interface PersistentLayout {
  /** Every named tensor, as the manifest lists it. */
  readonly tensors: readonly TensorInfo[];
  /** Slots of the inputs, params and states (the model's and the optimizer's). */
  readonly leaves: ReadonlyMap<Node, Buffer>;
  readonly outputs: ReadonlyMap<string, Buffer>;
  readonly grads: ReadonlyMap<string, Buffer>;
  /** The outputs of each forward entry at other dims, by its key (pipeline/batches.ts). */
  readonly extraOutputs: ReadonlyMap<string, ReadonlyMap<string, Buffer>>;
  /** The buffer of every constant the entries and their loop steps read. */
  readonly constants: ReadonlyMap<Node, Buffer>;
  /** For params initialised from constant arrays: where those values are. */
  readonly initValues: ReadonlyMap<Node, Buffer>;
  readonly segments: readonly DataSegment[];
  /** Large filled constants, written when the module starts. */
  readonly fills: readonly DataFill[];
  /** The first byte after the persistent part: where the arena starts. */
  readonly end: number;
  /**
   * Whether some ids or labels are computed inside the module (Manifest.computedIds). Found with
   * the inputs' id ranges by one trace of the model (compiler/pipeline/ids.ts), kept here so that
   * the manifest does not trace the model again.
   */
  readonly computedIds: boolean;
}

/** A scan's step as an optimized graph of its own (compiler/pipeline/optimize.ts). */
export interface StepGraph {
  /** Argument leaves: carries, sequence rows, loop-invariants. */
  readonly args: readonly Node[];
  /** The next carries, then the per-step outputs. */
  readonly results: readonly Node[];
  /** Every node the results need, in a topological order. */
  readonly order: readonly Node[];
}

/**
 * Where a step's values live, relative to the scan kernel's scratch block:
 *
 *   [carry-in buffers][row buffers of the sequences][result buffers][the step's own arena]
 */
export interface StepLayout {
  /** Carry-in buffers, then one row buffer per sequence. */
  readonly staging: readonly Buffer[];
  readonly resultSlots: readonly Buffer[];
  /** Start of the step's arena in the block. */
  readonly arenaStart: number;
  readonly plan: EntryPlan<Buffer>;
  /** The whole block: what the scan kernel reserves as scratch. */
  readonly bytes: number;
}

/** The entry points a module exports, by their name in manifests and reports. */
export type EntryName = "forward" | "backward" | "train";

export interface PlannedEntry {
  /** What the entry computes (a forward entry at other dims is a "forward" too). */
  readonly name: EntryName;
  /** Unique among the module's entries: the name, or for a forward at other dims its export. */
  readonly key: string;
  /** The exported function. */
  readonly exportName: string;
  /** Values to compute, each with the persistent slot it must end up in (updates name their leaf). */
  readonly results: readonly PlanResult<Buffer>[];
  readonly plan: EntryPlan<Buffer>;
}

export interface MemoryPlans {
  readonly entries: readonly PlannedEntry[];
  readonly steps: ReadonlyMap<Node, StepLayout>;
}

/** The memory plan of one entry point, with its slots as buffers of the module's memory. */
export interface MemoryPlan extends EntryPlan<Buffer> {
  /** The entry's exported function. */
  readonly export: string;
  /** Byte address of the arena in memory: a buffer's address is arenaStart + its offset. */
  readonly arenaStart: number;
}

/**
 * The first byte after everything the module's memory holds: the persistent part, then the
 * largest entry's arena (every entry's arena starts where the persistent part ends: they run one
 * at a time).
 */
export function memoryEnd(layout: PersistentLayout, plans: MemoryPlans): number {
  return layout.end + Math.max(0, ...plans.entries.map((e) => e.plan.arenaBytes));
}
