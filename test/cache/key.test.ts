// The cache key (compiler/cache/key.ts): equal for the same model and options, traced again, and
// for options that compile the same module; different for any change that could change the
// module, its manifest or what is stored with it. (compile-cached.test.ts checks that such a
// change is served a fresh module, not the stale entry.)
import { describe, expect, it } from "vitest";
import { optim, schedule } from "../../compiler/index.js";
import { canonical, Uncacheable } from "../../compiler/cache/canonical.js";
import { cacheKey, canonicalOptions } from "../../compiler/cache/key.js";
import { PASSES } from "../../compiler/passes/pipeline.js";
import type { CompileOptions } from "../../compiler/pipeline/options.js";
import { tinyElsewhere, tinyModel } from "./models.js";

const FP = "f".repeat(64);
const key = (options: CompileOptions = {}, mdl = tinyModel(), fingerprint = FP) =>
  cacheKey(mdl, options, fingerprint);

describe("the key of a model", () => {
  it("is the same when the model is traced again", () => {
    expect(key()).toBe(key());
    expect(key({}, tinyModel({ hidden: 4 }))).toBe(key());
  });

  it("stays the key of the model as traced after a compile added nodes to its context", () => {
    const mdl = tinyModel();
    const before = key({}, mdl);
    // what compile's stages do to the context: new nodes (here, a gradient's)
    mdl.graph.outputs.get("loss")!.ctx.node("neg", [mdl.graph.outputs.get("loss")!]);
    expect(key({}, mdl)).toBe(before);
  });

  it.each<[string, () => ReturnType<typeof tinyModel>]>([
    ["a shape", () => tinyModel({ hidden: 5 })],
    ["an op", () => tinyModel({ activation: "relu" })],
    ["a constant's value", () => tinyModel({ scale: 2.5 })],
    ["an initializer", () => tinyModel({ init: "ones" })],
    ["a source line", tinyElsewhere],
    ["a node nothing uses", () => tinyModel({ dead: true })],
  ])("changes with %s", (_, variant) => {
    expect(key({}, variant())).not.toBe(key());
  });

  it("tells 0 from -0 in a constant", () => {
    expect(key({}, tinyModel({ scale: -0 }))).not.toBe(key({}, tinyModel({ scale: 0 })));
  });

  it("changes with the compiler's fingerprint", () => {
    expect(key({}, tinyModel(), "e".repeat(64))).not.toBe(key());
  });
});

describe("the key of the options", () => {
  const adam = { optimizer: optim.adam(0.01) };

  it.each<[string, CompileOptions, CompileOptions]>([
    ["simd's default", {}, { simd: true }],
    ["relaxedSimd's default", {}, { relaxedSimd: "auto" }],
    ["relaxedSimd's default without simd", { simd: false }, { simd: false, relaxedSimd: false }],
    ["binaryen's optimizer's default", {}, { optimize: false }],
    ["optLevel's default", {}, { optLevel: 2 }],
    ["forwardMode's default", {}, { forwardMode: "eval" }],
    ["every pass named, in any order", {}, { passes: [...PASSES.map((p) => p.name)].reverse() }],
    ["passes at -O0 (none run)", { optLevel: 0 }, { optLevel: 0, passes: ["cse"] }],
    ["wat (an extra output, not another module)", {}, { wat: true }],
    ["a pass named twice", { passes: ["cse"] }, { passes: ["cse", "cse"] }],
  ])("is shared by options that compile the same module: %s", (_, a, b) => {
    expect(canonicalOptions(a)).toBe(canonicalOptions(b));
    expect(key(a)).toBe(key(b));
  });

  it.each<[string, CompileOptions, CompileOptions]>([
    ["the optimizer", {}, adam],
    ["the learning rate", adam, { optimizer: optim.adam(0.02) }],
    ["an optimizer setting", adam, { optimizer: optim.adam(0.01, { beta2: 0.99 }) }],
    [
      "a number for the rate against a constant schedule",
      adam,
      { optimizer: optim.adam(schedule.constant(0.01)) },
    ],
    [
      "a schedule's setting",
      { optimizer: optim.sgd(schedule.exponential(0.1, 0.01)) },
      { optimizer: optim.sgd(schedule.exponential(0.1, 0.02)) },
    ],
    ["the optimizer's kind", { optimizer: optim.sgd(0.01) }, { optimizer: optim.momentum(0.01) }],
    ["clipNorm", adam, { ...adam, clipNorm: 1 }],
    ["clipNorm's value", { ...adam, clipNorm: 1 }, { ...adam, clipNorm: 2 }],
    ["forwardMode", {}, { forwardMode: "train" }],
    ["simd", {}, { simd: false }],
    ["relaxedSimd", {}, { relaxedSimd: true }],
    ["relaxedSimd pinned to the baseline", {}, { relaxedSimd: false }],
    ["binaryen's optimizer", {}, { optimize: true }],
    ["optLevel", {}, { optLevel: 0 }],
    ["passes", {}, { passes: ["simplify", "fold", "cse"] }],
    ["one pass more", { passes: ["cse"] }, { passes: ["cse", "fold"] }],
  ])("changes with %s", (_, a, b) => {
    expect(key(a)).not.toBe(key(b));
  });
});

describe("canonical text", () => {
  it("sorts keys and keeps -0, NaN and the infinities apart", () => {
    expect(canonical({ b: 1, a: [2, "x"] }, "v")).toBe(canonical({ a: [2, "x"], b: 1 }, "v"));
    const words = [0, -0, NaN, Infinity, -Infinity, null, "0"].map((v) => canonical(v, "v"));
    expect(new Set(words).size).toBe(words.length);
  });

  it.each<[string, unknown]>([
    ["a function", { lr: () => 0.1 }],
    ["a Map", new Map()],
    ["a typed array", new Float32Array(2)],
    ["an accessor", Object.defineProperty({}, "lr", { get: () => 0.1, enumerable: true })],
    [
      "a cycle",
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
  ])("refuses %s (not plain data: the compile is not cached)", (_, value) => {
    expect(() => canonical(value, "options.optimizer")).toThrow(Uncacheable);
  });
});
