// runtime/engine.ts on its own: how a failed compile is explained, on an engine with relaxed SIMD
// and on one without (WebAssembly.validate of the probe decides, so it is mocked both ways).
import { afterEach, describe, expect, it, vi } from "vitest";
import { compileModule } from "../../runtime/engine.js";
import { supportsRelaxedSimd } from "../../runtime/index.js";
import { expectRejection } from "./support.js";

// Not WebAssembly, but holding what a relaxed module's manifest says.
const relaxedBytes = new TextEncoder().encode('not wasm {"options":{"relaxedSimd":true}}');
const plainBytes = new TextEncoder().encode('not wasm {"options":{"relaxedSimd":false}}');
const stream = (bytes: Uint8Array) =>
  new Response(bytes.slice(), { headers: { "content-type": "application/wasm" } });

function engineHasRelaxedSimd(has: boolean): void {
  vi.spyOn(WebAssembly, "validate").mockReturnValue(has);
  expect(supportsRelaxedSimd()).toBe(has);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("compileModule explains a failed compile", () => {
  it("without relaxed SIMD: says a relaxed module needs it, from bytes; hints at it when streamed", async () => {
    engineHasRelaxedSimd(false);
    await expectRejection(
      compileModule(relaxedBytes),
      /^load: this engine cannot compile the module \(.+\)\. It has no relaxed SIMD, which a module compiled with relaxedSimd \(--relaxed-simd\) needs: use Chrome 114\+/,
    );
    const plain = await expectRejection(compileModule(plainBytes), /^load: not a valid WebAssembly module: /);
    expect(plain.message).not.toMatch(/relaxed/i);
    await expectRejection(
      compileModule(stream(relaxedBytes)),
      /^load: not a valid WebAssembly module: .+ \(if it was compiled with relaxedSimd: this engine has no relaxed SIMD; use Chrome 114\+/,
    );
  });

  it("with relaxed SIMD: the plain message, without a hint", async () => {
    engineHasRelaxedSimd(true);
    for (const source of [relaxedBytes, stream(relaxedBytes)]) {
      const e = await expectRejection(compileModule(source), /^load: not a valid WebAssembly module: /);
      expect(e.message).not.toMatch(/relaxed/i);
      expect(e.cause).toBeInstanceOf(WebAssembly.CompileError);
    }
  });
});
