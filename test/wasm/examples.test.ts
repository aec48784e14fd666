// The shipped example (examples/xor/model.ts) and every fixture model that compiles
// (test/fixtures/*.model.ts, every exported Model, default or named) are compiled with and without
// SIMD; init(seed) must reproduce initParams, the manifest's layout must keep its contract (16-byte
// aligned, disjoint tensors inside the memory), and forward/backward must match the interpreter
// (tolerances: see harness.ts).
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, initParams, leafName, WasmgradError, type Model } from "../../compiler/index.js";
import xor, { inputs as xorInputs } from "../../examples/xor/model.js";
import {
  checkAgainstInterpreter,
  expectMatch,
  randomValues,
  sizeOf,
  WasmModel,
  type Feeds,
} from "./harness.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");

function isModel(v: unknown): v is Model {
  return typeof v === "object" && v !== null && "graph" in v && "initializers" in v && "name" in v;
}

interface Example {
  readonly label: string;
  readonly model: Model;
  readonly inputs?: Record<string, unknown>;
}

/** Every Model exported by a fixture file that loads; files that fail to load are listed apart. */
async function loadFixtures(): Promise<{ examples: Example[]; failed: string[] }> {
  const examples: Example[] = [];
  const failed: string[] = [];
  for (const file of readdirSync(fixtures)
    .filter((f) => f.endsWith(".model.ts"))
    .sort()) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(join(fixtures, file)).href)) as Record<string, unknown>;
    } catch (e) {
      // a fixture with a deliberate model error (bad-shape) cannot be loaded, let alone compiled
      expect(e, file).toBeInstanceOf(WasmgradError);
      failed.push(file);
      continue;
    }
    for (const [name, value] of Object.entries(mod)) {
      if (isModel(value))
        examples.push({
          label: `${file} (${name})`,
          model: value,
          inputs: mod.inputs as Record<string, unknown> | undefined,
        });
    }
  }
  return { examples, failed };
}

/** Flat values of the example inputs, or random values (f32) / zeros (i32) when there are none. */
function feedsOf(ex: Example, seed: number): Feeds {
  const inputs: Record<string, number[]> = {};
  for (const leaf of ex.model.graph.inputs) {
    const name = leafName(leaf);
    const given = ex.inputs?.[name];
    inputs[name] =
      given !== undefined
        ? ((given as unknown[]).flat(Infinity as 1) as number[])
        : leaf.dtype === "f32"
          ? randomValues(sizeOf(leaf.shape), seed, -1, 1)
          : new Array<number>(sizeOf(leaf.shape)).fill(0);
  }
  const init = initParams(ex.model, seed);
  const params = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, Array.from(v.data)]));
  return { inputs, params };
}

function checkLayout(wasm: WasmModel): void {
  const { tensors, memoryBytes } = wasm.manifest;
  expect(memoryBytes % 65536).toBe(0);
  expect(wasm.memory.buffer.byteLength).toBe(memoryBytes);
  const spans = tensors.map((t) => ({ t, end: t.offset + Math.max(4, sizeOf(t.shape) * 4) }));
  for (const { t, end } of spans) {
    expect(t.offset % 16, `${t.role} ${t.name}`).toBe(0);
    expect(end, `${t.role} ${t.name}`).toBeLessThanOrEqual(memoryBytes);
  }
  spans.sort((a, b) => a.t.offset - b.t.offset);
  for (let i = 1; i < spans.length; i++)
    expect(
      spans[i]!.t.offset,
      `${spans[i]!.t.role} ${spans[i]!.t.name} overlaps its predecessor`,
    ).toBeGreaterThanOrEqual(spans[i - 1]!.end);
}

async function checkExample(ex: Example, simd: boolean): Promise<void> {
  const seed = 3;
  const wasm = await WasmModel.create(await compile(ex.model, { simd }));
  checkLayout(wasm);
  wasm.call("init", seed);
  const init = initParams(ex.model, seed);
  for (const p of ex.model.graph.params) {
    const name = leafName(p);
    expectMatch(
      wasm.read(name, "param"),
      init[name]!.data,
      { kind: "exact" },
      `${ex.label}: init of '${name}'`,
    );
  }
  await checkAgainstInterpreter(ex.model, feedsOf(ex, seed), simd);
}

describe("examples compile and match the interpreter", () => {
  for (const simd of [true, false]) {
    it(`examples/xor/model.ts (simd ${simd})`, () =>
      checkExample({ label: "xor", model: xor, inputs: xorInputs }, simd));

    it(`the fixture models that compile (simd ${simd})`, async () => {
      const { examples, failed } = await loadFixtures();
      // other fixtures may come and go; these are known to exist
      expect(failed).toContain("bad-shape.model.ts");
      expect(examples.map((e) => e.label)).toEqual(
        expect.arrayContaining(["mlp.model.ts (default)", "no-default.model.ts (tiny)"]),
      );
      for (const ex of examples) await checkExample(ex, simd);
    });
  }
});
