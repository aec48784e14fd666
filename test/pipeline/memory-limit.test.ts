// A model whose memory would pass wasm32's 4 GiB (65,536 pages of 64 KiB) is rejected at the end of
// the plan stage with a WasmgradError naming the bytes it needs, its largest tensors and the
// user's line of the largest, instead of "internal: the generated module does not validate" from
// Binaryen after the module was lowered and optimized. Nothing is allocated for the tensors first:
// a constant of 5.6 GB is refused without its bytes being encoded.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, model, optim, WasmgradError, type Model } from "../../compiler/index.js";
import { buildEntries } from "../../compiler/pipeline/entries.js";
import { layoutMemory } from "../../compiler/pipeline/layout.js";
import { WASM32_MEMORY_BYTES } from "../../compiler/pipeline/memory-limit.js";
import { optimizeEntries } from "../../compiler/pipeline/optimize.js";
import { planMemory } from "../../compiler/pipeline/plan.js";
import { targetOf } from "../../compiler/target.js";

const thisFile = fileURLToPath(import.meta.url);
const lines = readFileSync(thisFile, "utf8").split("\n");
/** "/.../memory-limit.test.ts:LINE:" of the line ending in the comment `// marker`. */
function at(marker: string): string {
  const i = lines.findIndex((l) => l.endsWith(`// ${marker}`));
  if (i < 0) throw new Error(`no marker ${marker}`);
  return `${thisFile}:${i + 1}:`;
}
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function compileError(mdl: Model, options: Parameters<typeof compile>[1] = {}): Promise<WasmgradError> {
  try {
    await compile(mdl, options);
  } catch (e) {
    expect(e).toBeInstanceOf(WasmgradError);
    return e as WasmgradError;
  }
  throw new Error("expected a WasmgradError, but the model compiled");
}

describe("a model over wasm32's 4 GiB of memory", () => {
  it("a param of 5.6 GB: the bytes needed, the limit, the largest tensors, the param's line", async () => {
    const mdl = model("huge-param", (m) => {
      const x = m.input("x", [1, 70000]);
      const W = m.param("W", [70000, 20000]); // huge param
      m.output("y", x.matmul(W));
    });
    const e = await compileError(mdl);
    expect(e.op).toBe("compile");
    expect(e.message.startsWith(at("huge param"))).toBe(true);
    expect(e.message).toContain("needs 5,600,360,000 bytes (5.22 GiB) of memory");
    expect(e.message).toContain("4 GiB (4,294,967,296 bytes: 65,536 pages of 64 KiB)");
    // the largest first, with role, name, type, bytes and line
    expect(e.message).toMatch(
      new RegExp(
        `The largest tensors: param 'W' f32\\[70000,20000\\]: 5,600,000,000 bytes \\(5\\.22 GiB\\), [^;]*${escaped(at("huge param"))}`,
      ),
    );
    expect(e.message).toContain("input 'x' f32[1,70000]: 280,000 bytes");
  });

  it("an input of 5.6 GB", async () => {
    const mdl = model("huge-input", (m) => {
      m.output("y", m.input("x", [70000, 20000]).sum()); // huge input
    });
    const e = await compileError(mdl);
    expect(e.message.startsWith(at("huge input"))).toBe(true);
    expect(e.message).toContain("input 'x' f32[70000,20000]: 5,600,000,000 bytes");
  });

  it("params that fit, with their gradient and Adam's two moments that do not", async () => {
    const mdl = model("adam", (m) => {
      const W = m.param("W", [10000, 30000]); // 1.2 GB param
      m.loss(m.input("x", [8, 10000]).matmul(W).sum());
    });
    expect(() => buildEntries(mdl, {})).not.toThrow();
    const e = await compileError(mdl, { optimizer: optim.adam(0.01) });
    expect(e.message.startsWith(at("1.2 GB param"))).toBe(true);
    for (const t of ["param 'W'", "state 'optim.W.m'", "state 'optim.W.v'", "gradient of 'W'"])
      expect(e.message).toContain(`${t} f32[10000,30000]: 1,200,000,000 bytes`);
  });

  it("an intermediate of 4.8 GB, named by the kernel and the entry that make it", async () => {
    const mdl = model("outer", (m) => {
      const outer = m.input("x", [40000, 1]).matmul(m.input("y", [1, 30000])); // huge product
      m.output("z", outer.exp().sum());
    });
    const e = await compileError(mdl);
    expect(e.message.startsWith(at("huge product"))).toBe(true);
    expect(e.message).toContain("for the intermediates of forward");
    expect(e.message).toContain("intermediate f32[40000,30000] (a matmul, in forward): 4,800,000,000 bytes");
  });

  it("a constant of 5.6 GB is refused before its bytes are made", async () => {
    const mdl = model("huge-constant", (m) => {
      const x = m.input("x", [20000]);
      m.output("y", m.constant(0.5, [70000, 20000]).mul(x).sum(0)); // huge constant
    });
    const rss = process.memoryUsage().rss;
    const e = await compileError(mdl);
    expect(e.message).toContain("constant f32[70000,20000]: 5,600,000,000 bytes");
    // encoding it would take 5.6 GB as bytes, and more as the array of its values
    expect(process.memoryUsage().rss - rss).toBeLessThan(1e9);
  });

  it("exactly 4 GiB fits, 16 bytes more do not (planned without Binaryen)", () => {
    // x: n floats from byte 1024, then the 16-byte slot of y = sum(x), which the sum writes directly
    const end = (n: number) => {
      const mdl = model("edge", (m) => m.output("y", m.input("x", [n]).sum()));
      const opt = optimizeEntries(buildEntries(mdl, {}), { level: 2 });
      const layout = layoutMemory(mdl, opt, 1024);
      return () => planMemory(opt, layout, targetOf({}, mdl.name));
    };
    const n = (WASM32_MEMORY_BYTES - 1024 - 16) / 4;
    expect(end(n)().entries[0]!.plan.arenaBytes).toBe(0);
    expect(end(n + 4)).toThrow(/needs 4,294,967,312 bytes \(4\.00 GiB\) of memory/);
  });
});
