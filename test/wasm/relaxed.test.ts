// compile({ relaxedSimd: true }): fused multiply-adds in the matmul kernels. Node 20 runs such a
// module only with --experimental-wasm-relaxed-simd, so training runs in a child process with that
// flag, against the same model compiled without relaxed SIMD (itself checked against the float64
// reference elsewhere); this process checks the clear error of an engine without the feature.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile, model, nn, optim } from "../../compiler/index.js";
import { load, supportsRelaxedSimd } from "../../runtime/index.js";
import { RELAXED_SECTION } from "../../runtime/manifest.js";
import { repoRoot } from "../support/cli.js";

const [B, D, H, C] = [12, 20, 16, 5];
const mlp = model("relaxed_mlp", (m) => {
  const x = m.input("x", [B, D]);
  const y = m.input("y", [B], "i32");
  const h = x
    .matmul(m.param("W1", [D, H]))
    .add(m.param("b1", [H]))
    .relu();
  m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("W2", [H, C])).add(m.param("b2", [C])), y));
});
const options = { optimizer: optim.sgd(0.1), simd: true } as const;
const inputs = {
  x: Array.from({ length: B * D }, (_, i) => Math.sin(i * 0.37) * 2),
  y: Array.from({ length: B }, (_, i) => (i * 3) % C),
};
const STEPS = 5;
const SEED = 7;

const scratch = mkdtempSync(join(tmpdir(), "wasmgrad-relaxed-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Trained {
  readonly relaxed: boolean;
  readonly loaded: boolean;
  readonly losses: number[];
  readonly params: Record<string, number[]>;
}

/** Trains `wasm` in a child process started with `flags`. */
function trainInChild(wasm: Uint8Array, flags: readonly string[], loadOptions?: object): Promise<Trained> {
  const wasmFile = join(scratch, `m${Math.random().toString(36).slice(2)}.wasm`);
  const inputsFile = `${wasmFile}.json`;
  writeFileSync(wasmFile, wasm);
  writeFileSync(inputsFile, JSON.stringify(inputs));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        ...flags,
        "--import",
        "tsx",
        "test/support/train-module.mts",
        wasmFile,
        inputsFile,
        String(STEPS),
        String(SEED),
        ...(loadOptions ? [JSON.stringify(loadOptions)] : []),
      ],
      { cwd: repoRoot, encoding: "utf8", timeout: 100_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

const relaxed = await compile(mlp, { ...options, relaxedSimd: true, wat: true });
const plain = await compile(mlp, { ...options, relaxedSimd: false, wat: true });
const auto = await compile(mlp, { ...options, relaxedSimd: "auto" });

describe("relaxedSimd", () => {
  it("uses f32x4.relaxed_madd in the matmul kernels, and says so in the manifest", () => {
    expect(relaxed.wat).toMatch(/f32x4\.relaxed_madd/);
    expect(plain.wat).not.toMatch(/relaxed_madd/);
    expect(relaxed.manifest.options.relaxedSimd).toBe(true);
    expect(plain.manifest.options.relaxedSimd).toBe(false);
  });

  it("trains like the module without it, up to rounding (in a child with the engine flag)", async () => {
    const flag = "--experimental-wasm-relaxed-simd";
    const [fused, unfused] = await Promise.all([
      trainInChild(relaxed.wasm, [flag]),
      trainInChild(plain.wasm, []),
    ]);
    expect(fused.relaxed).toBe(true);
    expect(fused.losses).toHaveLength(STEPS);
    fused.losses.forEach((l, s) =>
      expect(Math.abs(l - unfused.losses[s]!)).toBeLessThan(1e-5 * Math.abs(unfused.losses[s]!) + 1e-6),
    );
    expect(fused.losses[STEPS - 1]).toBeLessThan(fused.losses[0]!);
    for (const [name, values] of Object.entries(unfused.params)) {
      const scale = Math.max(...values.map(Math.abs));
      const worst = Math.max(...values.map((v, i) => Math.abs(v - fused.params[name]![i]!)));
      expect(worst, name).toBeLessThan(1e-5 * scale);
    }
  }, 120_000);

  it("an engine without relaxed SIMD gets an error that says what to do", async () => {
    if (supportsRelaxedSimd()) {
      // an engine with the feature (Node 21+) simply loads it
      await expect(load(relaxed.wasm)).resolves.toBeDefined();
      return;
    }
    await expect(load(relaxed.wasm)).rejects.toThrow(
      /cannot compile the module .*no relaxed SIMD.*relaxedSimd \(--relaxed-simd\).*Chrome 114\+ or Node 21\+.*or compile the model without relaxedSimd/,
    );
    // streamed, the bytes are not kept: the plain message with a hint
    await expect(
      load(new Response(relaxed.wasm, { headers: { "content-type": "application/wasm" } })),
    ).rejects.toThrow(
      /^load: not a valid WebAssembly module: .*\(if it was compiled with relaxedSimd: this engine has no relaxed SIMD; use Chrome 114\+/,
    );
    // a broken module that does not ask for relaxed SIMD keeps the plain message
    await expect(load(plain.wasm.slice(0, 40))).rejects.toThrow(/^load: not a valid WebAssembly module/);
  });

  it("needs simd", async () => {
    await expect(compile(mlp, { ...options, simd: false, relaxedSimd: true })).rejects.toThrow(
      /relaxedSimd needs simd \(model 'relaxed_mlp' was compiled with simd: false\)/,
    );
  });
});

describe('relaxedSimd: "auto" (one artifact, the variant chosen at load)', () => {
  const flag = "--experimental-wasm-relaxed-simd";

  it("is the baseline module carrying the relaxed module, whole, in a custom section", () => {
    const [section, ...more] = WebAssembly.Module.customSections(
      new WebAssembly.Module(auto.wasm),
      RELAXED_SECTION,
    );
    expect(more).toEqual([]);
    expect(Buffer.from(section!).equals(Buffer.from(relaxed.wasm))).toBe(true);
    expect(auto.manifest.options).toMatchObject({ relaxedSimd: false, relaxedVariant: true });
    expect(plain.manifest.options.relaxedVariant).toBeUndefined();
    expect(auto.wasm.byteLength).toBeGreaterThan(plain.wasm.byteLength + relaxed.wasm.byteLength);
  });

  it("is what a SIMD compile makes by default; a scalar module or one without a matmul carries none", async () => {
    const byDefault = await compile(mlp, options);
    expect(Buffer.from(byDefault.wasm).equals(Buffer.from(auto.wasm))).toBe(true);
    const noVariant = (c: { wasm: Uint8Array<ArrayBuffer>; manifest: typeof auto.manifest }) => {
      expect(c.manifest.options.relaxedVariant).toBeUndefined();
      expect(WebAssembly.Module.customSections(new WebAssembly.Module(c.wasm), RELAXED_SECTION)).toEqual([]);
    };
    noVariant(await compile(mlp, { ...options, simd: false }));
    const elementwise = model("elementwise", (m) => m.output("y", m.input("x", [8]).tanh()));
    noVariant(await compile(elementwise, { relaxedSimd: "auto" }));
  });

  it("derives the relaxed variant from the baseline; with binaryen's -O3 it is compiled on its own", async () => {
    const optimized = await compile(mlp, { ...options, relaxedSimd: "auto", optimize: true });
    const [section] = WebAssembly.Module.customSections(
      new WebAssembly.Module(optimized.wasm),
      RELAXED_SECTION,
    );
    const alone = await compile(mlp, { ...options, relaxedSimd: true, optimize: true });
    expect(Buffer.from(section!).equals(Buffer.from(alone.wasm))).toBe(true);
    // the baseline of "auto" is the plain module's code: the same bytes before the custom sections
    expect(auto.wat).toBeUndefined();
    // (the text shows the sections binaryen wrote: the derived module's are appended after it)
    const code = (text: string) => text.replace(/^ *;; custom section .*\n/gm, "");
    const plainText = (await compile(mlp, { ...options, relaxedSimd: false, wat: true })).wat!;
    const autoText = (await compile(mlp, { ...options, relaxedSimd: "auto", wat: true })).wat!;
    expect(plainText).toMatch(/;; custom section "wasmgrad\.manifest"/);
    expect(code(autoText)).toBe(code(plainText));
  });

  it("loads the baseline where the engine has no relaxed SIMD: the same bits as the plain module", async () => {
    const [got, expected] = await Promise.all([trainInChild(auto.wasm, []), trainInChild(plain.wasm, [])]);
    expect(got.relaxed).toBe(false);
    expect(got.loaded).toBe(false);
    expect(got.losses).toEqual(expected.losses);
    expect(got.params).toEqual(expected.params);
  }, 120_000);

  it("loads the relaxed variant where the engine has it, and the baseline when load pins it", async () => {
    const [got, pinned, fused, unfused] = await Promise.all([
      trainInChild(auto.wasm, [flag]),
      trainInChild(auto.wasm, [flag], { relaxedSimd: false }),
      trainInChild(relaxed.wasm, [flag]),
      trainInChild(plain.wasm, [flag]),
    ]);
    expect(got).toMatchObject({ relaxed: true, loaded: true });
    expect(got.losses).toEqual(fused.losses);
    expect(got.params).toEqual(fused.params);
    expect(pinned).toMatchObject({ relaxed: true, loaded: false });
    expect(pinned.losses).toEqual(unfused.losses);
    expect(pinned.params).toEqual(unfused.params);
  }, 120_000);

  it('rejects a value that is neither a boolean nor "auto", naming the option', async () => {
    await expect(compile(mlp, { ...options, relaxedSimd: "fast" as never })).rejects.toThrow(
      /relaxedSimd must be true, false or "auto", got "fast"/,
    );
    await expect(compile(mlp, { relaxedSimd: "auto", simd: false })).rejects.toThrow(
      /relaxedSimd needs simd/,
    );
  });
});
