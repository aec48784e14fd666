/**
 * Describing a compiled module for people: `inspect model.wasm`'s report, and the parts of it
 * that `compile`'s and `train`'s summaries share (options, training, tensor counts).
 */
import { textTable as table } from "../inspect/table.js";
import type { EntryInfo, Manifest, TensorInfo } from "../../runtime/index.js";
import type { ReadModule } from "./wasm-file.js";

/** `adam(lr=0.05, beta1=0.9, ...)` for the compiler's plain-data descriptions; JSON otherwise. */
export function describePlain(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "none";
  if (typeof value === "object" && !Array.isArray(value)) {
    const { kind, ...rest } = value as Record<string, unknown>;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${describePlain(v)}`);
    return typeof kind === "string" ? `${kind}(${fields.join(", ")})` : `{${fields.join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** "simd", "no simd", "simd + relaxed simd" or (relaxedSimd "auto") "simd + a relaxed-simd variant ...". */
export function simdText(m: Manifest): string {
  if (m.options.relaxedVariant) return "simd + a relaxed-simd variant picked at load";
  return m.options.relaxedSimd ? "simd + relaxed simd" : m.options.simd ? "simd" : "no simd";
}

/** The module's export names; "(this engine cannot compile it)" where it lacks a feature (relaxed SIMD). */
export function moduleExports(wasm: Uint8Array<ArrayBuffer>): string[] {
  try {
    return WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name);
  } catch {
    return ["(this engine cannot compile the module: it lacks relaxed SIMD)"];
  }
}

/** The training step a module holds: its optimizer and clipping, or why it has none. */
export function describeTraining(m: Manifest): string {
  if (!m.entries.backward) return "no loss: forward only";
  if (!m.entries.train) return "no optimizer: forward and backward (compile with --optimizer to train)";
  const clip = m.options.clipNorm === null ? "" : `, clip-norm ${m.options.clipNorm}`;
  const rows = m.entries.train.rowSparse;
  const sparse = rows?.length ? `, row-sparse updates of ${rows.join(", ")}` : "";
  return `${describePlain(m.options.optimizer)}${clip}${sparse}`;
}

const tensorBytes = (t: TensorInfo) => t.shape.reduce((n, d) => n * d, 1) * 4;

/** `21 (2 inputs, 4 params, 10 states, 2 outputs, 4 grads; 1024 bytes)` */
export function describeTensorCounts(tensors: readonly TensorInfo[]): string {
  const counts = new Map<string, number>();
  for (const t of tensors) counts.set(t.role, (counts.get(t.role) ?? 0) + 1);
  const parts = [...counts].map(([role, n]) => `${n} ${role}${n === 1 ? "" : "s"}`);
  const bytes = tensors.reduce((n, t) => n + tensorBytes(t), 0);
  return `${tensors.length} (${parts.join(", ")}; ${bytes} bytes)`;
}

/** The report `wasmgrad inspect model.wasm` prints. */
export function describeModule(read: ReadModule): string {
  const m = read.manifest;
  const exports = WebAssembly.Module.exports(read.module).map((e) =>
    e.kind === "function" ? e.name : `${e.name} (${e.kind})`,
  );
  const dims = (e: EntryInfo) =>
    e.dims
      ? ` at ${Object.entries(e.dims)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`
      : "";
  const entries = [
    ...(["forward", "backward", "train"] as const).flatMap((key) => m.entries[key] ?? []),
    ...(m.entries.forwardAt ?? []),
  ].map(
    (e) =>
      `${e.export}(${e.inputs.join(", ")}) -> ${e.outputs.join(", ") || "nothing"}${dims(e)}` +
      (e.rowSparse?.length ? ` (updates ${e.rowSparse.join(", ")} by rows)` : ""),
  );
  const options = [
    simdText(m),
    `optimizer ${describePlain(m.options.optimizer)}`,
    `clip-norm ${m.options.clipNorm ?? "none"}`,
  ];
  const rows = m.tensors.map((t) => [
    t.role,
    t.entry ? `${t.name} (${t.entry})` : t.name,
    t.dtype,
    `[${t.shape.join(",")}]`,
    String(t.offset),
    String(tensorBytes(t)),
  ]);
  return [
    `module    ${read.displayPath} (${read.bytes.length} bytes)`,
    `model     ${m.model}`,
    `compiler  wasmgrad ${m.compilerVersion} (manifest format ${m.formatVersion})`,
    `options   ${options.join(", ")}`,
    `exports   ${exports.join(", ")}`,
    `entries   ${entries.join("\n          ")}`,
    `memory    ${m.memoryBytes} bytes (${m.memoryBytes / 65536} × 64 KiB)`,
    ``,
    ...table(["role", "name", "dtype", "shape", "offset", "bytes"], rows, new Set([4, 5])),
    `tensors: ${describeTensorCounts(m.tensors)}`,
    ``,
  ].join("\n");
}
