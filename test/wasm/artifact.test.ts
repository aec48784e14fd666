// Properties of the artifact itself: self-contained, fixed memory, the documented exports, a
// manifest, and a --no-simd module free of SIMD instructions.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, model, nn, optim, VERSION } from "../../compiler/index.js";
import { MANIFEST_SECTION } from "../../runtime/manifest.js";

const mlp = model("mlp", (m) => {
  const x = m.input("x", [6, 5]);
  const y = m.input("y", [6], "i32");
  const h = x
    .matmul(m.param("W1", [5, 7]))
    .add(m.param("b1", [7]))
    .tanh();
  const logits = h
    .matmul(m.param("W2", [7, 3]))
    .exp()
    .log();
  m.output("p", logits.softmax());
  m.loss(nn.softmaxCrossEntropy(logits, y).add(h.sigmoid().mean()));
});

const compiled = await compile(mlp, { optimizer: optim.adam(0.01) });

describe("the compiled artifact", () => {
  it("needs no imports and exports exactly the documented entry points and trap globals", () => {
    const mod = new WebAssembly.Module(compiled.wasm);
    expect(WebAssembly.Module.imports(mod)).toEqual([]);
    expect(
      WebAssembly.Module.exports(mod)
        .map((e) => e.name)
        .sort(),
    ).toEqual(
      [
        "backward",
        "forward",
        "init",
        "memory",
        "reset_state",
        "train_step",
        "trap_site",
        "trap_value",
      ].sort(),
    );
  });

  it("has a fixed-size memory that cannot grow", async () => {
    const { instance } = await WebAssembly.instantiate(compiled.wasm);
    const memory = instance.exports.memory as WebAssembly.Memory;
    expect(memory.buffer.byteLength).toBe(compiled.manifest.memoryBytes);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it("carries its manifest in a custom section, with the compiler's version", () => {
    const sections = WebAssembly.Module.customSections(
      new WebAssembly.Module(compiled.wasm),
      MANIFEST_SECTION,
    );
    expect(sections).toHaveLength(1);
    const manifest = JSON.parse(new TextDecoder().decode(sections[0]!));
    expect(manifest).toEqual(JSON.parse(JSON.stringify(compiled.manifest)));
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(manifest.compilerVersion).toBe(pkg.version);
    expect(VERSION).toBe(pkg.version);
    for (const t of compiled.manifest.tensors) {
      expect(t.offset % 16).toBe(0);
      expect(t.offset + 4 * t.shape.reduce((a, d) => a * d, 1)).toBeLessThanOrEqual(
        compiled.manifest.memoryBytes,
      );
    }
  });

  it("a --no-simd module contains no SIMD instruction, and the default one does", async () => {
    const scalar = await compile(mlp, { optimizer: optim.adam(0.01), simd: false, wat: true });
    expect(scalar.wat).not.toMatch(/v128|f32x4|i32x4/);
    expect((await compile(mlp, { simd: true, wat: true })).wat).toMatch(/f32x4\.mul/);
    expect(scalar.manifest.options.simd).toBe(false);
  });

  it("with optimize (binaryen -O3), inlines the f32x4 math helpers (exp, log, tanh, sigmoid) into the kernels that call them", async () => {
    // mlp uses all four; inlined everywhere, no function taking and returning one v128 remains
    const options = { optimizer: optim.adam(0.01), simd: true, wat: true } as const;
    const wat = (await compile(mlp, { ...options, optimize: true })).wat!;
    expect(wat).toMatch(/\(func \$\S+ \(param \$\d+ f32\) \(result f32\)/); // the scalar ones stay calls
    expect(wat).not.toMatch(/\(func \$\S+ \(param \$\d+ v128\) \(result v128\)/);
    // by default binaryen's optimizer does not run, and they stay functions the kernels call
    expect((await compile(mlp, options)).wat).toMatch(/\(func \$\S+ \(param \$\d+ v128\) \(result v128\)/);
  });

  it("persistent tensors do not overlap", () => {
    const spans = compiled.manifest.tensors
      .map((t) => [t.offset, t.offset + 4 * t.shape.reduce((a, d) => a * d, 1)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});
