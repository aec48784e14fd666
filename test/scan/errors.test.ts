// Mistakes in recurrent models are reported where they are made: each WasmgradError names what was
// wrong (the carry, the sequence, the state, their types) and the line of this file that made the
// mistake. Lines are found by the marker comments at the end of the offending lines.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { model, WasmgradError, type ModelBuilder } from "../../compiler/index.js";

const FILE = fileURLToPath(import.meta.url);
const SOURCE = readFileSync(FILE, "utf8").split("\n");
/** The 1-based line holding `// @marker`. */
function lineOf(marker: string): number {
  const i = SOURCE.findIndex((l) => l.trimEnd().endsWith(`// @${marker}`));
  if (i < 0) throw new Error(`no line marked @${marker}`);
  return i + 1;
}

/** The error `build` raises, checked to be a WasmgradError located at the marked line. */
function errorOf(build: (m: ModelBuilder) => void, op: string, marker: string): WasmgradError {
  let error: unknown;
  try {
    model("bad", build);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WasmgradError);
  const e = error as WasmgradError;
  expect(e.op, e.message).toBe(op);
  expect(e.location?.file, e.message).toBe(FILE);
  expect(e.location?.line, e.message).toBe(lineOf(marker));
  // the message itself starts with file:line:column, so it is useful printed alone
  expect(e.message.startsWith(`${FILE}:${lineOf(marker)}:`), e.message).toBe(true);
  return e;
}

describe("errors of scan, state and setState", () => {
  it("a carry that changes shape in the step", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [2, 3]);
        const X = m.input("x", [4, 2, 3]);
        const r = m.scan({ init: [h], xs: [X] }, ([c], [x]) => {
          const next = c!.add(x!).sum(0); // @shape
          return { carry: [next] };
        });
        m.output("o", r.carry[0]!);
      },
      "scan",
      "shape",
    );
    expect(e.detail).toBe(
      "carry 0 enters the step as f32[2,3] but leaves it as f32[3]; a carry keeps its type",
    );
  });

  it("a carry that changes dtype in the step (the second carry)", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const r = m.scan({ init: [h, h], length: 2 }, ([a, b]) => ({
          carry: [a!, b!.gt(0)], // @dtype
        }));
        m.output("o", r.carry[0]!);
      },
      "scan",
      "dtype",
    );
    expect(e.detail).toMatch(/^carry 1 enters the step as f32\[3\] but leaves it as bool\[3\]/);
  });

  it("a carry that broadcasts to a larger shape", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const X = m.input("x", [4, 2, 3]);
        const r = m.scan({ init: [h], xs: [X] }, ([c], [x]) => ({ carry: [c!.add(x!)] })); // @broadcast
        m.output("o", r.carry[0]!);
      },
      "scan",
      "broadcast",
    );
    expect(e.detail).toMatch(/carry 0 enters the step as f32\[3\] but leaves it as f32\[2,3\]/);
  });

  it("sequences of different lengths", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const X = m.input("x", [4, 3]);
        const Z = m.input("z", [5, 3]); // @lengths
        const r = m.scan({ init: [h], xs: [X, Z] }, ([c], [x, z]) => ({ carry: [c!.add(x!).add(z!)] }));
        m.output("o", r.carry[0]!);
      },
      "scan",
      "lengths",
    );
    expect(e.detail).toBe("sequence 1 has shape [5,3]; every sequence needs 4 rows on axis 0");
  });

  it("a sequence that disagrees with an explicit length", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const X = m.input("x", [4, 3]); // @explicit
        const r = m.scan({ init: [h], xs: [X], length: 5 }, ([c], [x]) => ({ carry: [c!.add(x!)] }));
        m.output("o", r.carry[0]!);
      },
      "scan",
      "explicit",
    );
    expect(e.detail).toBe("sequence 0 has shape [4,3]; every sequence needs 5 rows on axis 0");
  });

  it("an i32 carry", () => {
    const e = errorOf(
      (m) => {
        const counter = m.input("counter", [3], "i32");
        const r = m.scan({ init: [counter], length: 3 }, ([c]) => ({ carry: [c!] })); // @i32
        m.output("o", r.carry[0]!.cast("f32"));
      },
      "scan",
      "i32",
    );
    expect(e.detail).toMatch(/must be f32/);
    expect(e.detail).toMatch(/i32\[3\]/);
  });

  it("an i32 per-step output", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const tokens = m.input("tokens", [4, 3], "i32");
        const r = m.scan({ init: [h], xs: [tokens] }, ([c], [t]) => ({ carry: [c!], ys: [t!.add(1)] })); // @ys
        m.output("o", r.ys[0]!.cast("f32"));
      },
      "scan",
      "ys",
    );
    expect(e.detail).toMatch(/must be f32, got i32\[3\]/);
  });

  it("a state that is never given a next value", () => {
    const e = errorOf(
      (m) => {
        const h = m.state("h", [2, 3]); // @never
        m.output("o", h.mul(2));
      },
      "state",
      "never",
    );
    expect(e.detail).toBe("state 'h' of model 'bad' is never given a next value: call m.setState(...)");
  });

  it("setState with a value of another shape", () => {
    const e = errorOf(
      (m) => {
        const h = m.state("h", [2, 3]);
        m.output("o", h.mul(2));
        m.setState(h, h.sum(0)); // @setshape
      },
      "setState",
      "setshape",
    );
    expect(e.detail).toBe("the next value of state 'h' has type f32[3]; the state is f32[2,3]");
  });

  it("setState on a tensor that is not a state, and twice on one state", () => {
    const notState = errorOf(
      (m) => {
        const h = m.input("h", [2, 3]);
        m.output("o", h.mul(2));
        m.setState(h, h.mul(2)); // @notstate
      },
      "setState",
      "notstate",
    );
    expect(notState.detail).toMatch(/setState needs a tensor made by m\.state\(\.\.\.\), got a(n)? input/);
    const twice = errorOf(
      (m) => {
        const h = m.state("h", [2, 3]);
        m.output("o", h.mul(2));
        m.setState(h, h.mul(2));
        m.setState(h, h.mul(3)); // @twice
      },
      "setState",
      "twice",
    );
    expect(twice.detail).toBe("state 'h' already has a next value");
  });

  it("a length that is not positive", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const r = m.scan({ init: [h], length: 0 }, ([c]) => ({ carry: [c!] })); // @zero
        m.output("o", r.carry[0]!);
      },
      "scan",
      "zero",
    );
    expect(e.detail).toMatch(/length 0 must be a positive integer/);
  });
});

// Found by these tests and fixed: errors that named the wrong thing or no place.
describe("errors of scan: the carry, the count and the sequence are named and located", () => {
  it("an i32 carry is named as a carry, with its index", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const counter = m.input("counter", [3], "i32");
        const r = m.scan({ init: [h, counter], length: 3 }, ([a, c]) => ({ carry: [a!, c!] })); // @i32carry
        m.output("o", r.carry[0]!);
      },
      "scan",
      "i32carry",
    );
    expect(e.detail).toMatch(/carry 1/);
  });

  it("a step returning the wrong number of carries is located", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const r = m.scan({ init: [h], length: 2 }, ([c]) => ({ carry: [c!, c!] })); // @count
        m.output("o", r.carry[0]!);
      },
      "scan",
      "count",
    );
    expect(e.detail).toBe("the step returned 2 carries; the scan has 1");
  });

  it("a scan with neither a sequence nor a length is located", () => {
    const e = errorOf(
      (m) => {
        const h = m.input("h", [3]);
        const r = m.scan({ init: [h] }, ([c]) => ({ carry: [c!] })); // @nolength
        m.output("o", r.carry[0]!);
      },
      "scan",
      "nolength",
    );
    expect(e.detail).toBe("scan needs a sequence to scan over, or an explicit length");
  });

  it("a scalar given as a sequence is reported as a sequence without a time axis", () => {
    let message = "";
    try {
      model("bad", (m) => {
        const h = m.input("h", [3]);
        const s = m.input("s", []);
        const r = m.scan({ init: [h], xs: [s] }, ([c], [x]) => ({ carry: [c!.add(x!)] }));
        m.output("o", r.carry[0]!);
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/sequence 0 has shape \[\]/);
  });
});
