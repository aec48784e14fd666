/**
 * This process's binaryen.js: `binaryen` is set once `loadCodegen()` has loaded it (load.ts), which
 * `compile` awaits before its first use, so that importing the backend's modules does not load
 * it (the CLI imports them before it loads a model, and a cache hit never needs binaryen). A
 * program that compiles once and exits (the CLI) says so first, with `compileBinaryenOnDemand`.
 */
import type Binaryen from "binaryen";
import { loadBinaryen, type LoadedBinaryen } from "./load.js";
import { binaryenUpFront } from "./preference.js";

/** binaryen.js, once `loadCodegen()` has resolved (undefined before). */
export let binaryen: typeof Binaryen;

let loading: Promise<LoadedBinaryen> | undefined;

/** Loads binaryen.js on the first call; later calls get the same. A failed load is tried again. */
export function loadCodegen(): Promise<LoadedBinaryen> {
  loading ??= loadBinaryen({ upFront: binaryenUpFront() }).then(
    (loaded) => {
      binaryen = loaded.binaryen;
      return loaded;
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}
