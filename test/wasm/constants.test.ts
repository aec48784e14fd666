// Filled constants that reach the module are not stored element by element: a zero fill needs no
// bytes (memory starts zeroed) and a large fill of another value is written by the module's start
// function, so a [1e6] fill costs a loop, not 4 MB of data segment.
import { describe, expect, it } from "vitest";
import { compile, interpret, model } from "../../compiler/index.js";
import { load } from "../../runtime/index.js";

const N = 1e6;

describe("filled constants in the module", () => {
  it("at -O0, a reduction reads large fills from memory that the start function wrote", async () => {
    const mdl = model("fills", (m) => {
      m.output("half", m.constant(0.5, [N]).sum());
      m.output("zero", m.constant(0, [N]).sum());
      m.output("ints", m.constant(7, [1000], "i32").sum());
      m.output("negzero", m.constant(-0, [100])); // copied from the constant's bytes
      m.output("small", m.constant(2.5, [3]).sum()); // a data segment, as before
    });
    const { wasm } = await compile(mdl, { optLevel: 0 });
    expect(wasm.length).toBeLessThan(8192);
    const out = (await load(wasm)).run({});
    expect(out.half![0]).toBe(5e5);
    expect(out.zero![0]).toBe(0);
    expect(out.ints![0]).toBe(7000);
    expect(Array.from(out.negzero!).every((v) => Object.is(v, -0))).toBe(true);
    expect(out.small![0]).toBe(7.5);
    expect(interpret(mdl.graph, {}).outputs.half!.data[0]).toBe(5e5);
  });

  it("at -O2, a large fill read as an immediate adds no data either", async () => {
    const mdl = model("immediate", (m) => m.output("y", m.constant(0.5, [N]).add(m.input("x", [N]))));
    const { wasm } = await compile(mdl);
    expect(wasm.length).toBeLessThan(8192);
    const x = new Float32Array(N).map((_, i) => i % 7);
    const y = (await load(wasm)).run({ x }).y!;
    expect([y[0], y[6], y[N - 1]]).toEqual([0.5, 6.5, ((N - 1) % 7) + 0.5]);
  });

  it("a module without large fills has no start function", async () => {
    const { wasm } = await compile(model("none", (m) => m.output("y", m.input("x", [4]).mul(2))));
    // the start section has id 8
    expect(sectionIds(wasm)).not.toContain(8);
    const { wasm: filled } = await compile(
      model("some", (m) => m.output("y", m.constant(3, [100]))),
      {
        optLevel: 0,
      },
    );
    expect(sectionIds(filled)).toContain(8);
  });
});

/** The ids of a module's sections, in order. */
function sectionIds(wasm: Uint8Array): number[] {
  const ids: number[] = [];
  let p = 8; // magic and version
  const leb = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = wasm[p++]!;
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return v;
    }
  };
  while (p < wasm.length) {
    ids.push(wasm[p++]!);
    const size = leb();
    p += size;
  }
  return ids;
}
