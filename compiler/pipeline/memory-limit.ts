/**
 * The last step of stage "plan": a wasm32 memory holds at most 4 GiB (65,536 pages of 64 KiB). A
 * model whose persistent tensors and largest arena need more is rejected here with a
 * WasmgradError that says how many bytes it needs and which tensors are the largest, at the
 * user's line of the largest one. (Without it, the module was lowered and optimized, and then
 * Binaryen's validator refused its memory.) The check reads shapes and offsets only: nothing has
 * allocated a tensor's bytes yet (the layout encodes its data segments when the module is built).
 */
import { formatLocation, WasmgradError } from "../errors.js";
import { leafName } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { typeToString } from "../ir/shape.js";
import { byteSize, type Buffer } from "../plan/layout.js";
import { memoryEnd, type MemoryPlans, type PersistentLayout } from "../plan/module.js";
import { fusionKind } from "../passes/pipeline.js";
import type { OptimizedEntries } from "./optimize.js";

/** The most bytes a wasm32 memory holds: 65,536 pages of 64 KiB. */
export const WASM32_MEMORY_BYTES = 65536 * 65536;

/** How many of the largest tensors the error names. */
const LISTED = 4;

/** A tensor that takes memory: what it is (role and name, or the kernel that makes it), its node, its bytes. */
interface Holder {
  readonly label: string;
  readonly node: Node;
  readonly bytes: number;
}

/** Raises unless the module's memory fits in wasm32's 4 GiB. */
export function checkMemoryLimit(opt: OptimizedEntries, layout: PersistentLayout, plans: MemoryPlans): void {
  const needed = memoryEnd(layout, plans);
  if (needed <= WASM32_MEMORY_BYTES) return;
  const largest = holders(opt, layout, plans)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, LISTED);
  const arena = Math.max(0, ...plans.entries.map((e) => e.plan.arenaBytes));
  const widest = plans.entries.find((e) => e.plan.arenaBytes === arena);
  const intermediates =
    widest && arena > 0 ? ` and ${bytes(arena)} for the intermediates of ${widest.exportName}` : "";
  throw new WasmgradError(
    `the model needs ${bytes(needed)} of memory, more than the 4 GiB ` +
      `(${grouped(WASM32_MEMORY_BYTES)} bytes: 65,536 pages of 64 KiB) a wasm32 module can address: ` +
      `${bytes(layout.end)} for the persistent tensors (inputs, params, states, outputs, gradients, ` +
      `constants)${intermediates}. The largest tensors: ${largest.map(describe).join("; ")}`,
    { op: "compile", location: largest[0]?.node.src },
  );
}

/** The persistent tensors, then each entry's intermediates and kernel scratch (each node once). */
function holders(opt: OptimizedEntries, layout: PersistentLayout, plans: MemoryPlans): Holder[] {
  const list: Holder[] = [];
  const slot = (what: string, node: Node, b: Buffer) =>
    list.push({ label: `${what} ${typeToString(node)}`, node, bytes: byteSize(b.shape) });
  const params = new Map(
    [...layout.leaves.keys()].filter((l) => l.op === "param").map((p) => [leafName(p), p]),
  );
  for (const [leaf, b] of layout.leaves) slot(`${leaf.op} '${leafName(leaf)}'`, leaf, b);
  for (const [name, b] of layout.outputs) {
    const node = opt.graphs.forward.outputs.get(name) ?? opt.graphs.backward?.outputs.get(name);
    if (node) slot(`output '${name}'`, node, b);
  }
  for (const x of opt.graphs.extras) {
    for (const [name, b] of layout.extraOutputs.get(x.key) ?? []) {
      const node = x.graph.outputs.get(name);
      if (node) slot(`output '${name}' of ${x.key}`, node, b);
    }
  }
  for (const [name, b] of layout.grads) {
    const param = params.get(name);
    if (param) slot(`gradient of '${name}'`, param, b);
  }
  for (const [node, b] of layout.constants) slot("constant", node, b);
  for (const [param, b] of layout.initValues) slot(`initial values of '${leafName(param)}'`, param, b);
  const seen = new Set<Node>();
  for (const e of plans.entries) {
    for (const b of e.plan.buffers) {
      const node = b.nodes[0]!;
      if (seen.has(node)) continue;
      seen.add(node);
      const kernel = node.op === "fusion" ? `a fused ${fusionKind(node)}` : `a ${node.op}`;
      const label =
        b.kind === "value"
          ? `intermediate ${typeToString(node)} (${kernel}, in ${e.exportName})`
          : `scratch of ${kernel} (in ${e.exportName})`;
      list.push({ label, node, bytes: b.bytes });
    }
  }
  return list;
}

/** `param 'W' f32[70000,20000]: 5,600,000,000 bytes (5.22 GiB), model.ts:4:13`. */
function describe(h: Holder): string {
  return `${h.label}: ${bytes(h.bytes)}${h.node.src ? `, ${formatLocation(h.node.src)}` : ""}`;
}

/** 5600000000 -> "5,600,000,000". */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** 5600000000 -> "5,600,000,000 bytes (5.22 GiB)". */
const bytes = (n: number): string =>
  n >= 2 ** 30 ? `${grouped(n)} bytes (${(n / 2 ** 30).toFixed(2)} GiB)` : `${grouped(n)} bytes`;
