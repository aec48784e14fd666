/** Compile a model to WebAssembly and load it with the runtime, timing the compile (examples only). */
import { compile, type CompileOptions, type Model } from "../../compiler/index.js";
import { load, type Net } from "../../runtime/index.js";

export interface Built {
  readonly net: Net;
  /** The module's bytes (what you would ship, e.g. as `model.wasm`). */
  readonly wasm: Uint8Array;
  /**
   * Milliseconds spent in `compile` (graph building, lowering, binaryen's optimizer; the first
   * call also loads binaryen).
   */
  readonly compileMs: number;
}

export async function build(mdl: Model, options: CompileOptions = {}): Promise<Built> {
  const started = performance.now();
  const { wasm } = await compile(mdl, options);
  const compileMs = performance.now() - started;
  return { net: await load(wasm), wasm, compileMs };
}

/** 10 870 bytes (10.6 KiB) */
export function formatBytes(n: number): string {
  return `${n.toLocaleString("en-US").replace(/,/g, " ")} bytes (${(n / 1024).toFixed(1)} KiB)`;
}

/** The index of the largest of `k` scores starting at `offset` (ties: the first). */
export function argmax(scores: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (scores[offset + j]! > scores[offset + best]!) best = j;
  return best;
}
