import { expect } from "vitest";
import { WasmgradRuntimeError } from "../../runtime/index.js";
import type { Net } from "../../runtime/index.js";

/** Runs `fn`, expects a WasmgradRuntimeError whose message matches, and returns it. */
export function expectRuntimeError(fn: () => unknown, message: string | RegExp): WasmgradRuntimeError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(WasmgradRuntimeError);
  const error = thrown as WasmgradRuntimeError;
  if (typeof message === "string") expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  return error;
}

/** Same, for a promise. */
export async function expectRejection(
  p: Promise<unknown>,
  message: string | RegExp,
): Promise<WasmgradRuntimeError> {
  let thrown: unknown;
  try {
    await p;
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(WasmgradRuntimeError);
  const error = thrown as WasmgradRuntimeError;
  if (typeof message === "string") expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  return error;
}

/** The first 512 bytes of memory, where the fake module keeps every tensor: a failed call must not change them. */
export function memorySnapshot(net: Net): Uint8Array {
  return new Uint8Array(net.memory.buffer.slice(0, 512));
}

export const X = [1, 2, 3, 4, 5, 6];
export const Y = [0.5, -1, 2, 0, 1.5, -2];
