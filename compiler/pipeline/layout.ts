/**
 * Stage "layout": the persistent part of the module's memory (plan/layout.ts). After the
 * kernels' static data, in this order: every input, param and state (the model's, then the
 * optimizer's), every output and gradient slot, then the data segments: every constant an entry
 * or a loop step reads, and the values of params initialised from constant arrays. A constant
 * holding one value everywhere needs no bytes in the module when that value is 0 (memory starts
 * zeroed and nothing writes a constant), and more than SMALLEST_WRITTEN_FILL elements of
 * another value are written by the module's start function instead of stored. The arena of
 * intermediates starts where this ends, so no intermediate can overwrite them. The manifest
 * publishes each tensor's offset.
 */
import { LOSS } from "../autodiff/grad.js";
import type { Model } from "../dsl/model.js";
import { leafName, topologicalOrder } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import { Region, storedDType, type Buffer } from "../plan/layout.js";
import type { DataFill, DataSegment, PersistentLayout } from "../plan/module.js";
import { storedValue } from "../ops/uniform.js";
import { idSources, type IdRange } from "./ids.js";
import type { TensorInfo, TensorRole } from "../../runtime/manifest.js";
import { entryNames, entryRoots } from "./entries.js";
import type { OptimizedEntries } from "./optimize.js";

/** Fills of more elements than this are written by a loop (about as many bytes as 16 elements of data). */
const SMALLEST_WRITTEN_FILL = 16;

function encode(dtype: "f32" | "i32", values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(Math.max(values.length, 1) * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) =>
    dtype === "f32" ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true),
  );
  return bytes;
}

/** Every node the entries compute, the steps of their loops too (recursively), in a fixed order. */
export function nodesOf(opt: OptimizedEntries, roots: readonly Node[]): Node[] {
  const out: Node[] = [];
  for (const n of topologicalOrder(roots)) {
    out.push(n);
    if (n.op === "scan") out.push(...nodesOf(opt, opt.steps.get(n)!.results));
  }
  return out;
}

/** The manifest's description of the range an input's ids or labels must lie in. */
function idFields({ rows, ignore, use }: IdRange): Pick<TensorInfo, "idRows" | "idIgnore" | "idUse"> {
  return {
    idRows: rows,
    ...(ignore === undefined ? {} : { idIgnore: ignore }),
    ...(use === "classes" ? { idUse: use } : {}),
  };
}

/** `start`: the first byte after the kernels' static data. */
export function layoutMemory(mdl: Model, opt: OptimizedEntries, start: number): PersistentLayout {
  const g = mdl.graph;
  const region = new Region(start);
  const tensors: TensorInfo[] = [];
  const { inputs: primaryIds, computed: computedIdsOf } = idSources(g);
  const ids = new Map(primaryIds);
  // `entry`: the forward entry at other dims that owns the tensor (TensorInfo.entry)
  const slot = (name: string, role: TensorRole, n: Node, entry?: string): Buffer => {
    const b = region.allocate(n.shape, storedDType(n.dtype));
    const range = role === "input" ? ids.get(n) : undefined;
    tensors.push({
      name,
      role,
      shape: [...n.shape],
      dtype: storedDType(b.dtype),
      offset: b.offset,
      ...(range ? idFields(range) : {}),
      ...(entry === undefined ? {} : { entry }),
    });
    return b;
  };
  const leaves = new Map<Node, Buffer>();
  for (const n of g.inputs) leaves.set(n, slot(leafName(n), "input", n));
  for (const n of g.params) leaves.set(n, slot(leafName(n), "param", n));
  // the model's own states (recurrent state), then the optimizer's
  for (const n of opt.graphs.train?.states ?? g.states) leaves.set(n, slot(leafName(n), "state", n));
  const outputs = new Map<string, Buffer>();
  for (const [name, n] of g.outputs) outputs.set(name, slot(name, "output", n));
  const grads = new Map<string, Buffer>();
  if (opt.graphs.backward) for (const p of g.params) grads.set(leafName(p), slot(leafName(p), "grad", p));
  // a forward entry at other dims reads the same params, and has its own inputs, states and outputs
  const extraOutputs = new Map<string, Map<string, Buffer>>();
  let computedIds = computedIdsOf;
  for (const x of opt.graphs.extras) {
    const xg = x.model.graph;
    const xIds = idSources(xg);
    computedIds ||= xIds.computed;
    for (const [n, range] of xIds.inputs) ids.set(n, range);
    // only what its forward reads: the labels of the loss, say, are the main entries' alone
    const reads = new Set(topologicalOrder(entryRoots("forward", x.graph)).filter((n) => n.op === "input"));
    for (const n of xg.inputs) if (reads.has(n)) leaves.set(n, slot(leafName(n), "input", n, x.key));
    xg.params.forEach((p, k) => leaves.set(p, leaves.get(g.params[k]!)!));
    for (const n of xg.states) leaves.set(n, slot(leafName(n), "state", n, x.key));
    const outs = new Map<string, Buffer>();
    for (const [name, n] of xg.outputs) if (name !== LOSS) outs.set(name, slot(name, "output", n, x.key));
    extraOutputs.set(x.key, outs);
  }

  const segments: DataSegment[] = [];
  // the bytes are encoded when the module is built, once its memory is known to fit (DataSegment)
  const data = (shape: readonly number[], dtype: "f32" | "i32", values: readonly number[]): Buffer => {
    const b = region.allocate(shape, dtype);
    segments.push({ offset: b.offset, encode: () => encode(dtype, values) });
    return b;
  };
  const fills: DataFill[] = [];
  const filled = (shape: readonly number[], dtype: "f32" | "i32", value: number): Buffer => {
    if (Object.is(value, 0)) return region.allocate(shape, dtype); // memory starts zeroed
    const count = sizeOf(shape);
    if (count <= SMALLEST_WRITTEN_FILL) return data(shape, dtype, new Array<number>(count).fill(value));
    const b = region.allocate(shape, dtype);
    fills.push({ offset: b.offset, count, value, dtype });
    return b;
  };
  const constants = new Map<Node, Buffer>();
  const entryGraphs = [
    ...entryNames(opt.graphs).map((name) => entryRoots(name, opt.graphs[name]!)),
    ...opt.graphs.extras.map((x) => entryRoots("forward", x.graph)),
  ];
  for (const roots of entryGraphs) {
    for (const n of nodesOf(opt, roots)) {
      if (n.op !== "const" || constants.has(n)) continue;
      const dtype = storedDType(n.dtype);
      const b =
        "values" in n.attrs
          ? data(n.shape, dtype, n.attrs.values as number[])
          : filled(n.shape, dtype, storedValue(n.attrs.value as number, n.dtype));
      constants.set(n, b);
    }
  }
  const initValues = new Map<Node, Buffer>();
  for (const p of g.params) {
    const initializer = mdl.initializers.get(leafName(p))!;
    if (initializer.kind === "constant" && typeof initializer.values !== "number") {
      initValues.set(p, data(p.shape, "f32", initializer.values));
    }
  }
  return {
    tensors,
    leaves,
    outputs,
    grads,
    extraOutputs,
    constants,
    initValues,
    segments,
    fills,
    end: region.end,
    computedIds,
  };
}
