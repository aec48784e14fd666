/**
 * The implementations, loaded on demand so that a child process only loads the peer it measures.
 * Order = report order.
 */
import type { Impl } from "./types.js";

export const IMPL_IDS = [
  "wasmgrad",
  "wasmgrad-nofuse",
  "wasmgrad-O0",
  "wasmgrad-relaxed",
  "wasmgrad-binaryen-O3",
  "tfjs-wasm",
  "tfjs-cpu",
  "jax-js",
  "jax-js-relaxed",
  "plain-js",
  "native-c",
] as const;
export type ImplId = (typeof IMPL_IDS)[number];

/** Peers that already run in their own process (their adapter spawns it) run in the parent. */
export const OUT_OF_PROCESS: ReadonlySet<string> = new Set(["native-c"]);

export async function loadImpl(id: string): Promise<Impl> {
  switch (id) {
    case "wasmgrad":
      return (await import("../impl/wasmgrad.js")).wasmgrad;
    case "wasmgrad-nofuse":
      return (await import("../impl/wasmgrad.js")).wasmgradNoFuse;
    case "wasmgrad-O0":
      return (await import("../impl/wasmgrad.js")).wasmgradO0;
    case "wasmgrad-relaxed":
      return (await import("../impl/wasmgrad.js")).wasmgradRelaxed;
    case "wasmgrad-binaryen-O3":
      return (await import("../impl/wasmgrad.js")).wasmgradBinaryenO3;
    case "tfjs-wasm":
      return (await import("../impl/tfjs.js")).tfjsWasm;
    case "tfjs-cpu":
      return (await import("../impl/tfjs.js")).tfjsCpu;
    case "jax-js":
      return (await import("../impl/jax-js.js")).jaxJs;
    case "jax-js-relaxed":
      return (await import("../impl/jax-js.js")).jaxJsRelaxed;
    case "plain-js":
      return (await import("../impl/plain-js.js")).plainJs;
    case "native-c":
      return (await import("../impl/native.js")).native;
    default:
      throw new Error(`unknown implementation '${id}'`);
  }
}
