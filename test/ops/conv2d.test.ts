// nn.conv2d, nn.maxPool2d and nn.avgPool2d (composites over pad, slice, concat, transpose and
// matmul): against a direct float64 loop written here in PyTorch's semantics (cross-correlation,
// [N, C, H, W] inputs, [O, C, k, l] filters, zero padding), with odd sizes, strides and padding;
// their gradients (input, filters, bias) against centered differences; compiled modules against
// the interpreter; and the errors for bad shapes and settings.
import { describe, expect, it } from "vitest";
import {
  compile,
  gradcheck,
  gradGraph,
  interpret,
  model,
  nn,
  WasmgradError,
  type Model,
} from "../../compiler/index.js";
import { load } from "../../runtime/index.js";
import { randomValues } from "../wasm/harness.js";

type Conv = {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  k: number;
  l: number;
  stride: [number, number];
  padding: [number, number];
};

const CASES: Conv[] = [
  { N: 2, C: 3, H: 7, W: 5, O: 4, k: 3, l: 3, stride: [1, 1], padding: [0, 0] },
  { N: 1, C: 2, H: 9, W: 8, O: 3, k: 3, l: 2, stride: [2, 3], padding: [1, 2] },
  { N: 2, C: 1, H: 5, W: 5, O: 2, k: 5, l: 5, stride: [1, 1], padding: [2, 2] },
  { N: 3, C: 2, H: 6, W: 7, O: 1, k: 1, l: 1, stride: [2, 2], padding: [0, 1] },
];

const outSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/** conv2d by its definition, in float64: the test's independent oracle. */
function directConv(c: Conv, x: number[], w: number[], bias: number[]): number[] {
  const [oh, ow] = [
    outSize(c.H, c.k, c.stride[0], c.padding[0]),
    outSize(c.W, c.l, c.stride[1], c.padding[1]),
  ];
  const out: number[] = [];
  for (let n = 0; n < c.N; n++)
    for (let o = 0; o < c.O; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let s = bias[o]!;
          for (let ch = 0; ch < c.C; ch++)
            for (let i = 0; i < c.k; i++)
              for (let j = 0; j < c.l; j++) {
                const [r, q] = [y * c.stride[0] + i - c.padding[0], z * c.stride[1] + j - c.padding[1]];
                if (r < 0 || r >= c.H || q < 0 || q >= c.W) continue;
                s += x[((n * c.C + ch) * c.H + r) * c.W + q]! * w[((o * c.C + ch) * c.k + i) * c.l + j]!;
              }
          out.push(s);
        }
  return out;
}

/** Pooling by its definition, in float64. */
function directPool(
  x: number[],
  [N, C, H, W]: number[],
  [k, l]: [number, number],
  [sh, sw]: [number, number],
  max: boolean,
): number[] {
  const [oh, ow] = [Math.floor((H! - k) / sh) + 1, Math.floor((W! - l) / sw) + 1];
  const out: number[] = [];
  for (let n = 0; n < N!; n++)
    for (let ch = 0; ch < C!; ch++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          const vals: number[] = [];
          for (let i = 0; i < k; i++)
            for (let j = 0; j < l; j++) vals.push(x[((n * C! + ch) * H! + y * sh + i) * W! + z * sw + j]!);
          out.push(max ? Math.max(...vals) : vals.reduce((a, v) => a + v, 0) / vals.length);
        }
  return out;
}

function convModel(c: Conv): Model {
  return model("conv2d", (m) => {
    const x = m.param("x", [c.N, c.C, c.H, c.W]); // a param, so that gradcheck checks d/dx too
    const w = m.param("w", [c.O, c.C, c.k, c.l]);
    const bias = m.param("bias", [c.O]);
    const y = nn.conv2d(x, w, bias, { stride: c.stride, padding: c.padding });
    m.output("y", y);
    // a fixed random weighting of the outputs, so every output's gradient differs
    const r = m.constant(
      randomValues(
        y.shape.reduce((a, d) => a * d, 1),
        7,
      ),
      y.shape,
    );
    m.loss(y.mul(r).sum());
  });
}

const closeTo = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol);
};

describe("nn.conv2d", () => {
  CASES.forEach((c, t) => {
    const label = `${c.N}×${c.C}×${c.H}×${c.W} * ${c.O}×${c.C}×${c.k}×${c.l}, stride ${c.stride}, padding ${c.padding}`;
    const params = {
      x: randomValues(c.N * c.C * c.H * c.W, 10 + t),
      w: randomValues(c.O * c.C * c.k * c.l, 20 + t),
      bias: randomValues(c.O, 30 + t),
    };
    const mdl = convModel(c);

    it(`${label}: the interpreter gives the direct loop's values and shape`, () => {
      const y = interpret(mdl.graph, { params }).outputs.y!;
      const [oh, ow] = [
        outSize(c.H, c.k, c.stride[0], c.padding[0]),
        outSize(c.W, c.l, c.stride[1], c.padding[1]),
      ];
      expect(y.shape).toEqual([c.N, c.O, oh, ow]);
      closeTo(y.data, directConv(c, params.x, params.w, params.bias), 1e-12);
    });

    it(`${label}: gradients of input, filters and bias pass gradcheck`, () => {
      const report = gradcheck(mdl, { params, maxElements: 60 });
      expect(report.entries.map((e) => e.name)).toEqual(["x", "w", "bias"]);
      expect(report.maxError).toBeLessThan(1e-6);
    });

    it(`${label}: compiled (SIMD and scalar) agrees with the interpreter, forward and gradients`, async () => {
      const ref = interpret(mdl.graph, { params });
      const refGrads = interpret(gradGraph(mdl.graph), { params }).grads;
      for (const simd of [true, false]) {
        const net = await load((await compile(mdl, { simd })).wasm);
        for (const [name, v] of Object.entries(params)) net.params[name]!.set(v);
        closeTo(net.run({})["y"]!, ref.outputs.y!.data, 1e-5);
        const { grads } = net.grad({});
        for (const name of ["x", "w", "bias"]) closeTo(grads[name]!, refGrads[name]!.data, 1e-5);
      }
    });
  });

  it("names what is wrong: filter rank, channels, bias, stride, padding, a window larger than the image", () => {
    const x = (m: Parameters<Parameters<typeof model>[1]>[0]) => m.input("x", [1, 2, 5, 5]);
    const build = (f: (m: Parameters<Parameters<typeof model>[1]>[0]) => void) => () => model("bad", f);
    const cases: [() => unknown, RegExp][] = [
      [
        build((m) => nn.conv2d(x(m), m.param("w", [3, 2, 3]))),
        /filters must be \[out channels, in channels, height, width\], got \[3,2,3\]/,
      ],
      [
        build((m) => nn.conv2d(x(m), m.param("w", [3, 4, 3, 3]))),
        /input has 2 channels but the filters expect 4/,
      ],
      [build((m) => nn.conv2d(x(m), m.param("w", [3, 2, 3, 3]), m.param("b", [2]))), /bias must be \[3\]/],
      [
        build((m) => nn.conv2d(x(m), m.param("w", [3, 2, 3, 3]), undefined, { stride: 0 })),
        /stride must be a positive integer/,
      ],
      [
        build((m) => nn.conv2d(x(m), m.param("w", [3, 2, 3, 3]), undefined, { padding: [1, -1] })),
        /padding must be a non-negative integer/,
      ],
      [
        build((m) => nn.conv2d(x(m), m.param("w", [3, 2, 7, 3]))),
        /window 7×3 is larger than the \(padded\) image 5×5/,
      ],
      [
        build((m) => nn.conv2d(m.input("x", [5, 5]), m.param("w", [3, 2, 3, 3]))),
        /input must be \[batch, channels, height, width\]/,
      ],
      [build((m) => nn.maxPool2d(x(m), 6)), /window 6×6 is larger than the \(padded\) image 5×5/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(WasmgradError);
      expect(f).toThrow(message);
    }
  });
});

describe("nn.maxPool2d and nn.avgPool2d", () => {
  const shape = [2, 3, 7, 6];
  const xs = randomValues(
    shape.reduce((a, d) => a * d, 1),
    41,
  );
  const settings: [[number, number], [number, number]][] = [
    [
      [2, 2],
      [2, 2],
    ],
    [
      [3, 2],
      [2, 1],
    ],
    [
      [3, 3],
      [3, 3],
    ], // the last row and column are left out (7 = 2·3 + 1)
  ];
  for (const [window, stride] of settings) {
    for (const max of [true, false]) {
      const name = `${max ? "max" : "avg"} pool ${window.join("×")}, stride ${stride.join("×")}`;
      const mdl = model("pool", (m) => {
        const x = m.param("x", shape);
        const y = max ? nn.maxPool2d(x, window, stride) : nn.avgPool2d(x, window, stride);
        m.output("y", y);
        m.loss(
          y
            .mul(
              m.constant(
                randomValues(
                  y.shape.reduce((a, d) => a * d, 1),
                  5,
                ),
                y.shape,
              ),
            )
            .sum(),
        );
      });
      it(`${name}: the direct loop's values; gradcheck (the max routes to the maximum); compiled agrees`, async () => {
        const y = interpret(mdl.graph, { params: { x: xs } }).outputs.y!;
        closeTo(y.data, directPool(xs, shape, window, stride, max), 1e-12);
        // random values have no ties, so the max's gradient is one-hot per window
        expect(gradcheck(mdl, { params: { x: xs } }).maxError).toBeLessThan(1e-6);
        const net = await load((await compile(mdl)).wasm);
        net.params.x!.set(xs);
        closeTo(net.run({})["y"]!, y.data, 1e-6);
      });
    }
  }

  it("a tie splits the max's gradient evenly among the tied elements (PyTorch gives it to the first)", () => {
    const tie = model("tie", (m) => m.loss(nn.maxPool2d(m.param("x", [1, 1, 2, 4]), 2).sum()));
    // window 1 has a two-way tie at 5, window 2 a single maximum at 9
    const grads = interpret(gradGraph(tie.graph), { params: { x: [5, 1, 9, 2, 5, 0, 3, 4] } }).grads;
    expect([...grads.x!.data]).toEqual([0.5, 0, 1, 0, 0.5, 0, 0, 0]);
  });
});
