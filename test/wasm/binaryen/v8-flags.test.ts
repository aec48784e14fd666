// compiler/wasm/binaryen/v8-flags.ts: the tiering flags are set for binaryen's module only where
// V8's defaults are known, and never when the process was started with a tiering flag of its own.
import { afterEach, describe, expect, it } from "vitest";
import { binaryenTiering } from "../../../compiler/wasm/binaryen/v8-flags.js";

const execArgv = [...process.execArgv];
const nodeOptions = process.env.NODE_OPTIONS;

afterEach(() => {
  process.execArgv.splice(0, process.execArgv.length, ...execArgv);
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = nodeOptions;
});

const verifiedV8 = Number.parseInt(process.versions.v8, 10) === 11;

describe("binaryenTiering", () => {
  it.each([
    ["--liftoff-only", "execArgv"],
    ["--wasm-tiering-budget=100", "execArgv"],
    ["--no-wasm-lazy-compilation", "NODE_OPTIONS"],
    ["--wasm_dynamic_tiering", "NODE_OPTIONS"],
  ])("leaves V8 alone when the process was started with %s (in %s)", (flag, where) => {
    if (where === "execArgv") process.execArgv.push(flag);
    else process.env.NODE_OPTIONS = `${nodeOptions ?? ""} ${flag}`;
    expect(binaryenTiering(true)).toBeUndefined();
    expect(binaryenTiering(false)).toBeUndefined();
  });

  it(`sets the flags and gives back the function that restores them ${verifiedV8 ? "(V8 11: defaults known)" : "only on V8 11 (defaults known): not on this V8"}`, () => {
    const restore = binaryenTiering(true);
    if (verifiedV8) {
      expect(restore).toBeTypeOf("function");
      restore!();
    } else {
      expect(restore).toBeUndefined();
    }
  });
});
