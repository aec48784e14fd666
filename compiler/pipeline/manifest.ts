/**
 * Stage "manifest": what the module says about itself (runtime/manifest.ts), stored in its
 * custom section: format and compiler versions, the options, every tensor's name, role, dtype,
 * shape and offset, each entry's export, inputs and outputs, and the checks of ids and labels
 * (pipeline/ids.ts) the runtime makes before a call and compiled code as it runs.
 */
import { LOSS } from "../autodiff/grad.js";
import type { Model } from "../dsl/model.js";
import { leafName, topologicalOrder } from "../ir/graph.js";
import {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  type EntryInfo,
  type Manifest,
  type TrapSite,
} from "../../runtime/manifest.js";
import { VERSION } from "../version.js";
import type { MemoryPlans, PersistentLayout } from "../plan/module.js";
import { COMPILE_DEFAULTS, type CompileOptions } from "./options.js";
import type { ExtraForward } from "./batches.js";
import type { Target } from "../target.js";
import type { Node } from "../ir/node.js";

export function buildManifest(
  mdl: Model,
  options: CompileOptions,
  target: Target,
  layout: PersistentLayout,
  plans: MemoryPlans,
  memoryEnd: number,
  /** The checks compiled code makes as it runs (ModuleBuilder.traps). */
  traps: readonly TrapSite[],
  /** The forward entries at other dims (pipeline/batches.ts). */
  extras: readonly ExtraForward[] = [],
  /** Whether the module carries its relaxed-SIMD variant (RELAXED_SECTION). */
  relaxedVariant = false,
): Manifest {
  const g = mdl.graph;
  const entries: Record<string, EntryInfo> = {};
  const forwardAt: EntryInfo[] = [];
  for (const e of plans.entries) {
    const extra = extras.find((x) => x.key === e.key);
    const eg = extra?.model.graph ?? g;
    const reads = new Set(
      topologicalOrder(e.results.map((r) => r.node))
        .filter((n) => n.op === "input")
        .map(leafName),
    );
    const dims = extra?.dims ?? mdl.dims;
    const info: EntryInfo = {
      export: e.exportName,
      inputs: eg.inputs.map(leafName).filter((n) => reads.has(n)),
      outputs: e.name === "forward" ? [...eg.outputs.keys()].filter((n) => n !== LOSS) : [LOSS],
      mode: e.name === "forward" ? (options.forwardMode ?? COMPILE_DEFAULTS.forwardMode) : "train",
      ...(dims ? { dims: { ...dims } } : {}),
      ...(e.name === "forward" && eg.states.length ? { states: eg.states.map(leafName) } : {}),
      ...rowSparseOf(e.results),
    };
    if (extra) forwardAt.push(info);
    else entries[e.name] = info;
  }
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    compilerVersion: VERSION,
    model: mdl.name,
    options: {
      simd: target.simd,
      relaxedSimd: target.relaxedSimd,
      ...(relaxedVariant && { relaxedVariant: true }),
      optimizer: options.optimizer ?? null,
      clipNorm: options.clipNorm ?? null,
    },
    computedIds: layout.computedIds,
    traps: [...traps],
    memoryBytes: Math.max(1, Math.ceil(memoryEnd / 65536)) * 65536,
    tensors: [...layout.tensors],
    entries: {
      forward: entries.forward!,
      ...(entries.backward ? { backward: entries.backward } : {}),
      ...(entries.train ? { train: entries.train } : {}),
      ...(forwardAt.length ? { forwardAt } : {}),
    },
  };
}

/** `{ rowSparse }` for an entry that updates params by rows (passes/sparse.ts), else nothing. */
function rowSparseOf(results: readonly { readonly node: Node; readonly updates?: Node }[]): {
  rowSparse?: string[];
} {
  const names = results
    .filter((r) => r.updates?.op === "param" && r.node.op === "scatter_sub")
    .map((r) => leafName(r.updates!));
  return names.length ? { rowSparse: names } : {};
}
