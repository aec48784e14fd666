import { expect } from "vitest";
import { WasmgradError } from "../../compiler/index.js";

/** Runs `f`, expecting a WasmgradError whose message matches every pattern. */
export function rejects(f: () => unknown, ...patterns: RegExp[]): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${f.toString()} to throw`).toBeInstanceOf(WasmgradError);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
}
