// Property-based gradient checks for every differentiable primitive and composite.
//
// Each property draws small random shapes (dims 1..4, ranks 0..3 where the op allows them,
// including broadcasting operand pairs) and random values, builds a model whose loss is
// sum(op(...) · R) with R a fixed random f32 input (so every output element matters), and runs
// gradcheck with ε = 1e-5 on every param and f32 input (checkInputs: true, R included).
//
// Tolerance: gradcheck's worst error (relative, floored at 1e-3; see compiler/gradcheck.ts) must be
// below 1e-6. A correct rule on a smooth function scores around 1e-9 here, so 1e-6 leaves room
// for rounding in the centered difference without hiding a wrong rule (which scores ≳ 1e-2).
//
// Kinks and domains: centered differences are only meaningful where the function is smooth
// within ε, so the generators keep values away from non-differentiable points by at least 1e-2:
// relu/leakyRelu/abs/l1/softplus/logSigmoid at 0, softSign at 0 (where f'' jumps, so the centered
// difference is only first-order accurate), hardTanh at ±1, the hinge at its margin, the condition of select.
// Ties of maximum/minimum, reduce_max, maxPool1d and maxOverTime are excluded by drawing all the
// values of a case as distinct multiples of 2e-3 (so any two differ by > 1e-3). Domain limits:
// log, sqrt and non-integer or negative powers get inputs in [0.5, 3]; denominators of div have
// |b| in [0.5, 2]. The conventions at the kinks themselves are tested exactly in kinks.test.ts.
import fc from "fast-check";
import { axesOf, broadcastsTo, permutationOf } from "../support/arbitraries.js";
import { runs } from "../support/runs.js";
import { describe, expect, it } from "vitest";
import { formatGradcheck, gradcheck, model, nn, Tensor, type ModelBuilder } from "../../compiler/index.js";
import * as b from "../../compiler/ir/build.js";

const EPS = 1e-5;
const TOLERANCE = 1e-6;
const RUNS = runs({ test: 25, fuzz: 75 });

// ---- harness -------------------------------------------------------------------------------

interface Leaf {
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly dtype?: "f32" | "i32";
  /** Default: f32 leaves alternate param, input, param, ...; i32 leaves are inputs. */
  readonly kind?: "param" | "input";
}

interface GradCase {
  readonly leaves: readonly Leaf[];
  readonly build: (xs: Tensor[], m: ModelBuilder) => Tensor;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);

/** Deterministic values in ±[0.5, 1] for the weights R (mulberry32). */
function weights(n: number, seed: number): number[] {
  let s = seed | 0;
  return Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) | 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    const u = ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    return u < 0.5 ? -(0.5 + u) : u;
  });
}

function checkGradients({ leaves, build }: GradCase, seed: number): void {
  let outSize = 1;
  const kinds = leaves.map((l, i) =>
    l.dtype === "i32" ? "input" : (l.kind ?? (i % 2 === 0 ? "param" : "input")),
  );
  const mdl = model("gradient", (m) => {
    const xs = leaves.map((l, i) =>
      kinds[i] === "param" ? m.param(`x${i}`, l.shape) : m.input(`x${i}`, l.shape, l.dtype ?? "f32"),
    );
    const y = build(xs, m);
    expect(y.dtype).toBe("f32");
    outSize = y.size;
    m.loss(y.mul(m.input("R", y.shape)).sum());
  });
  const inputs: Record<string, number[]> = { R: weights(outSize, seed) };
  const params: Record<string, number[]> = {};
  leaves.forEach((l, i) => ((kinds[i] === "param" ? params : inputs)[`x${i}`] = [...l.values]));
  const report = gradcheck(mdl, { inputs, params, eps: EPS, tolerance: TOLERANCE, checkInputs: true });
  // every f32 leaf and R were checked
  expect(report.entries.length).toBe(leaves.filter((l) => l.dtype !== "i32").length + 1);
  expect(report.maxError, formatGradcheck(report)).toBeLessThan(TOLERANCE);
}

function property<T>(arb: fc.Arbitrary<T>, toCase: (v: T) => GradCase): void {
  fc.assert(
    fc.property(arb, fc.integer(), (v, seed) => checkGradients(toCase(v), seed)),
    RUNS.parameters,
  );
}

// ---- generators ------------------------------------------------------------------------------

const dim = fc.integer({ min: 1, max: 4 });
const shapeOf = (minRank = 0, maxRank = 3) => fc.array(dim, { minLength: minRank, maxLength: maxRank });

type Values = (n: number) => fc.Arbitrary<number[]>;
const arrayOf =
  (value: fc.Arbitrary<number>): Values =>
  (n) =>
    fc.array(value, { minLength: n, maxLength: n });

/** Values in [lo, hi] at least `gap` away from every point of `kinks`. */
const away = (kinks: readonly number[], lo = -2, hi = 2, gap = 1e-2): Values =>
  arrayOf(
    fc.double({ min: lo, max: hi, noNaN: true }).filter((v) => kinks.every((k) => Math.abs(v - k) > gap)),
  );
const smooth = (lo = -2, hi = 2): Values => arrayOf(fc.double({ min: lo, max: hi, noNaN: true }));
const positive: Values = smooth(0.5, 3);
const denominators: Values = arrayOf(
  fc.tuple(fc.double({ min: 0.5, max: 2, noNaN: true }), fc.boolean()).map(([v, s]) => (s ? -v : v)),
);
/** n distinct multiples of 2e-3 in [-2, 2]: no two within 1e-3 of each other. */
const distinct: Values = (n) =>
  fc
    .uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: n, maxLength: n })
    .map((a) => a.map((v) => v / 500));

/** A leaf of the given shape with values from `values`. */
const leafOf = (shape: readonly number[], values: Values = smooth()): fc.Arbitrary<Leaf> =>
  values(sizeOf(shape)).map((v) => ({ shape, values: v }));

/** Several leaves whose values are all distinct from each other (for max/min ties). */
const distinctLeaves = (shapes: readonly (readonly number[])[]): fc.Arbitrary<Leaf[]> =>
  distinct(shapes.reduce((n, s) => n + sizeOf(s), 0)).map((all) => {
    let offset = 0;
    return shapes.map((shape) => {
      const values = all.slice(offset, offset + sizeOf(shape));
      offset += values.length;
      return { shape, values };
    });
  });

/** Two or three shapes that broadcast together (to a random shape of rank 0..3). */
const broadcastPair = shapeOf().chain((out) => fc.tuple(broadcastsTo(out), broadcastsTo(out)));
const broadcastTriple = shapeOf().chain((out) =>
  fc.tuple(broadcastsTo(out), broadcastsTo(out), broadcastsTo(out)),
);

const reduction = fc.constantFrom("mean" as const, "sum" as const, "none" as const);
const ids = (shape: readonly number[], rows: number) =>
  fc
    .array(fc.integer({ min: 0, max: rows - 1 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((values): Leaf => ({ shape, values, dtype: "i32" }));

// ---- primitives ------------------------------------------------------------------------------

describe("gradients of primitives match centered differences", () => {
  const binaries = {
    add: (x: Tensor, y: Tensor) => x.add(y),
    sub: (x: Tensor, y: Tensor) => x.sub(y),
    mul: (x: Tensor, y: Tensor) => x.mul(y),
  };
  for (const [name, f] of Object.entries(binaries)) {
    it(`${name} (broadcasting operands)`, () =>
      property(
        broadcastPair.chain(([s, t]) => fc.tuple(leafOf(s), leafOf(t))),
        (leaves) => ({ leaves, build: ([x, y]) => f(x!, y!) }),
      ));
  }

  it("div (broadcasting, denominators away from 0)", () =>
    property(
      broadcastPair.chain(([s, t]) => fc.tuple(leafOf(s), leafOf(t, denominators))),
      (leaves) => ({ leaves, build: ([x, y]) => x!.div(y!) }),
    ));

  for (const name of ["maximum", "minimum"] as const) {
    it(`${name} (broadcasting, no ties)`, () =>
      property(
        broadcastPair.chain(([s, t]) => distinctLeaves([s, t])),
        (leaves) => ({ leaves, build: ([x, y]) => x![name](y!) }),
      ));
  }

  const unaries: [string, (x: Tensor) => Tensor, Values][] = [
    ["neg", (x) => x.neg(), smooth()],
    ["exp", (x) => x.exp(), smooth()],
    ["log", (x) => x.log(), positive],
    ["log1p", (x) => x.log1p(), positive],
    ["sqrt", (x) => x.sqrt(), positive],
    ["abs (away from 0)", (x) => x.abs(), away([0])],
    ["tanh", (x) => x.tanh(), smooth(-3, 3)],
    ["sigmoid", (x) => x.sigmoid(), smooth(-4, 4)],
    ["cast f32 -> f32", (x) => x.cast("f32"), smooth()],
  ];
  for (const [name, f, values] of unaries) {
    it(name, () =>
      property(
        shapeOf().chain((s) => leafOf(s, values)),
        (leaf) => ({ leaves: [leaf], build: ([x]) => f(x!) }),
      ),
    );
  }

  it("pow (exponents 2, 3, 0.5, -1, 1, -2, 1.5, 0; negative bases for integer exponents 2 and 3)", () =>
    property(
      fc.constantFrom(2, 3, 0.5, -1, 1, -2, 1.5, 0).chain((c) =>
        fc.tuple(
          fc.constant(c),
          shapeOf().chain((s) => leafOf(s, c === 2 || c === 3 ? smooth() : positive)),
        ),
      ),
      ([c, leaf]) => ({ leaves: [leaf], build: ([x]) => x!.pow(c) }),
    ));

  it("select (condition, both branches broadcast)", () =>
    property(
      broadcastTriple.chain(([c, s, t]) => fc.tuple(leafOf(c, away([0])), leafOf(s), leafOf(t))),
      (leaves) => ({ leaves, build: ([c, x, y]) => c!.gt(0).select(x!, y!) }),
    ));

  it("reduce_sum (any axes, keepdims)", () =>
    property(
      shapeOf().chain((s) => fc.tuple(leafOf(s), axesOf(s.length), fc.boolean())),
      ([leaf, axes, keep]) => ({ leaves: [leaf], build: ([x]) => x!.sum(axes, keep) }),
    ));

  it("reduce_max (any axes, keepdims, no ties)", () =>
    property(
      shapeOf().chain((s) => fc.tuple(distinctLeaves([s]), axesOf(s.length), fc.boolean())),
      ([leaves, axes, keep]) => ({ leaves, build: ([x]) => x!.max(axes, keep) }),
    ));

  it("reshape", () =>
    property(
      shapeOf().chain((s) =>
        fc.tuple(leafOf(s), fc.constantFrom("flat", "reversed", "expanded", "inferred")),
      ),
      ([leaf, how]) => ({
        leaves: [leaf],
        build: ([x]) => {
          const s = leaf.shape;
          const target =
            how === "flat"
              ? [sizeOf(s)]
              : how === "reversed"
                ? [...s].reverse()
                : how === "expanded"
                  ? [1, ...s, 1]
                  : [-1, ...s.slice(1)];
          return x!.reshape(s.length === 0 && how === "inferred" ? [] : target);
        },
      }),
    ));

  it("transpose (any permutation)", () =>
    property(
      shapeOf().chain((s) => fc.tuple(leafOf(s), permutationOf(s.length))),
      ([leaf, perm]) => ({ leaves: [leaf], build: ([x]) => x!.transpose(perm) }),
    ));

  it("broadcast", () =>
    property(
      shapeOf().chain((out) =>
        fc.tuple(
          fc.constant(out),
          broadcastsTo(out).chain((s) => leafOf(s)),
        ),
      ),
      ([out, leaf]) => ({ leaves: [leaf], build: ([x]) => x!.broadcastTo(out) }),
    ));

  it("slice (strided, every axis)", () =>
    property(
      shapeOf().chain((s) =>
        fc.tuple(
          leafOf(s),
          fc.tuple(
            ...s.map((d) =>
              fc
                .tuple(fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 1, max: 3 }))
                .chain(([start, step]) =>
                  fc.tuple(fc.constant(start), fc.integer({ min: start + 1, max: d }), fc.constant(step)),
                ),
            ),
          ),
        ),
      ),
      ([leaf, bounds]) => ({
        leaves: [leaf],
        build: ([x]) =>
          new Tensor(
            b.slice(
              x!.node,
              bounds.map((a) => a[0]),
              bounds.map((a) => a[1]),
              bounds.map((a) => a[2]),
            ),
          ),
      }),
    ));

  it("pad (lo, hi and interior)", () =>
    property(
      shapeOf().chain((s) =>
        fc.tuple(
          leafOf(s),
          fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2)), { minLength: s.length, maxLength: s.length }),
          fc.double({ min: -1, max: 1, noNaN: true }),
        ),
      ),
      ([leaf, widths, value]) => ({
        leaves: [leaf],
        build: ([x]) =>
          new Tensor(
            b.pad(
              x!.node,
              widths.map((w) => w[0]),
              widths.map((w) => w[1]),
              widths.map((w) => w[2]),
              value,
            ),
          ),
      }),
    ));

  it("concat (1 to 3 operands, any axis)", () =>
    property(
      shapeOf(1, 3).chain((s) =>
        fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
          fc.tuple(
            fc.constant(axis),
            fc.array(
              dim.chain((d) => leafOf(s.map((n, i) => (i === axis ? d : n)))),
              { minLength: 1, maxLength: 3 },
            ),
          ),
        ),
      ),
      ([axis, leaves]) => ({
        leaves,
        build: (xs) =>
          new Tensor(
            b.concat(
              xs.map((x) => x.node),
              axis,
            ),
          ),
      }),
    ));

  it("matmul (all four transpose combinations, batch axes broadcast)", () =>
    property(
      fc
        .tuple(
          shapeOf(0, 2).chain((batch) => fc.tuple(broadcastsTo(batch), broadcastsTo(batch))),
          fc.tuple(dim, dim, dim),
          fc.boolean(),
          fc.boolean(),
        )
        .chain(([[ba, bb], [m, k, n], ta, tb]) =>
          fc.tuple(
            leafOf([...ba, ...(ta ? [k, m] : [m, k])]),
            leafOf([...bb, ...(tb ? [n, k] : [k, n])]),
            fc.constant([ta, tb] as const),
          ),
        ),
      ([a, c, [ta, tb]]) => ({
        leaves: [a, c],
        build: ([x, y]) => new Tensor(b.matmul(x!.node, y!.node, ta, tb)),
      }),
    ));

  it("gather (repeated ids, any id and row ranks)", () =>
    property(
      fc
        .tuple(dim, shapeOf(0, 2), shapeOf(0, 2))
        .chain(([rows, rest, idShape]) => fc.tuple(leafOf([rows, ...rest]), ids(idShape, rows))),
      (leaves) => ({ leaves, build: ([table, id]) => table!.gather(id!) }),
    ));

  it("scatter_add (repeated ids)", () =>
    property(
      fc
        .tuple(dim, shapeOf(0, 2), shapeOf(0, 2))
        .chain(([rows, rest, idShape]) =>
          fc.tuple(fc.constant(rows), ids(idShape, rows), leafOf([...idShape, ...rest])),
        ),
      ([rows, id, updates]) => ({
        leaves: [id, updates],
        build: ([i, u]) => new Tensor(b.scatterAdd(i!.node, u!.node, rows)),
      }),
    ));
});

// ---- composites ------------------------------------------------------------------------------

describe("gradients of composites match centered differences", () => {
  const activations: [string, (x: Tensor, k: number) => Tensor, Values][] = [
    ["relu (away from 0)", (x) => x.relu(), away([0])],
    ["leakyRelu (away from 0)", (x, k) => x.leakyRelu(k), away([0])],
    ["hardTanh (away from ±1)", (x) => x.hardTanh(), away([-1, 1])],
    // softSign is C¹ but not C² at 0, where the centered difference is only first-order accurate
    ["softSign (away from 0)", (x) => x.softSign(), away([0])],
    ["softplus", (x) => nn.softplus(x), away([0], -4, 4)],
    ["logSigmoid", (x) => nn.logSigmoid(x), away([0], -4, 4)],
  ];
  for (const [name, f, values] of activations) {
    it(name, () =>
      property(
        fc.tuple(
          shapeOf().chain((s) => leafOf(s, values)),
          fc.double({ min: 0.01, max: 0.9, noNaN: true }),
        ),
        ([leaf, k]) => ({ leaves: [leaf], build: ([x]) => f(x!, k) }),
      ),
    );
  }

  it("mean (any axes, keepdims)", () =>
    property(
      shapeOf().chain((s) => fc.tuple(leafOf(s), axesOf(s.length), fc.boolean())),
      ([leaf, axes, keep]) => ({ leaves: [leaf], build: ([x]) => x!.mean(axes, keep) }),
    ));

  it("logsumexp (any non-empty axes, keepdims)", () =>
    property(
      shapeOf(1, 3).chain((s) =>
        fc.tuple(
          leafOf(s, smooth(-3, 3)),
          axesOf(s.length).filter((a) => a.length > 0),
          fc.boolean(),
        ),
      ),
      ([leaf, axes, keep]) => ({ leaves: [leaf], build: ([x]) => x!.logsumexp(axes, keep) }),
    ));

  for (const name of ["softmax", "logSoftmax"] as const) {
    it(`${name} (any axis)`, () =>
      property(
        shapeOf(1, 3).chain((s) =>
          fc.tuple(leafOf(s, smooth(-3, 3)), fc.integer({ min: -s.length, max: s.length - 1 })),
        ),
        ([leaf, axis]) => ({ leaves: [leaf], build: ([x]) => x![name](axis) }),
      ));
  }

  it("outer", () =>
    property(
      fc.tuple(
        dim.chain((n) => leafOf([n])),
        dim.chain((n) => leafOf([n])),
      ),
      (leaves) => ({
        leaves,
        build: ([x, y]) => x!.outer(y!),
      }),
    ));

  it("Tensor.matmul with vector operands", () =>
    property(
      fc
        .tuple(dim, dim, dim, fc.boolean(), fc.boolean(), shapeOf(0, 1))
        .chain(([m, k, n, av, bv, batch]) =>
          fc.tuple(leafOf(av ? [k] : [...batch, m, k]), leafOf(bv ? [k] : [k, n])),
        ),
      (leaves) => ({ leaves, build: ([x, y]) => x!.matmul(y!) }),
    ));

  it("stack (any new axis)", () =>
    property(
      shapeOf(0, 2).chain((s) =>
        fc.tuple(
          fc.array(leafOf(s), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: -(s.length + 1), max: s.length }),
        ),
      ),
      ([leaves, axis]) => ({ leaves, build: (xs) => nn.stack(xs, axis) }),
    ));

  it("index (any axis, negative indices too)", () =>
    property(
      shapeOf(1, 3).chain((s) =>
        fc
          .integer({ min: 0, max: s.length - 1 })
          .chain((axis) =>
            fc.tuple(leafOf(s), fc.constant(axis), fc.integer({ min: -s[axis]!, max: s[axis]! - 1 })),
          ),
      ),
      ([leaf, axis, i]) => ({ leaves: [leaf], build: ([x]) => x!.index(axis, i) }),
    ));

  it("oneHot-weighted sums", () =>
    property(
      fc
        .tuple(shapeOf(0, 2), dim)
        .chain(([s, depth]) => fc.tuple(leafOf([...s, depth]), ids(s, depth), fc.constant(depth))),
      ([x, id, depth]) => ({
        leaves: [x, id],
        build: ([t, i]) => t!.mul(nn.oneHot(i!, depth)).sum(-1),
      }),
    ));

  it("im2col and col2im (channels, kernel, stride)", () =>
    property(
      fc
        .tuple(fc.integer({ min: 1, max: 2 }), dim, dim, dim)
        .chain(([N, C, H, W]) =>
          fc.tuple(
            fc.constant([N, C, H, W] as const),
            fc.tuple(fc.integer({ min: 1, max: H }), fc.integer({ min: 1, max: W })),
            fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          ),
        )
        .chain(([[N, C, H, W], [k, l], [sh, sw]]) => {
          const P = (Math.floor((H - k) / sh) + 1) * (Math.floor((W - l) / sw) + 1);
          return fc.tuple(
            leafOf([N, C, H, W]),
            leafOf([N, C * k * l, P]),
            fc.constant({ image: [C, H, W] as [number, number, number], kernel: [k, l] as [number, number] }),
            fc.constant([sh, sw] as [number, number]),
          );
        }),
      ([x, g, { image, kernel }, stride]) => ({
        leaves: [x, g],
        // one loss through both ops, and through each op's result squared (non-linear downstream)
        build: ([a, c]) =>
          new Tensor(b.im2col(a!.node, kernel, stride))
            .square()
            .sum()
            .add(new Tensor(b.col2im(c!.node, image, kernel, stride)).square().sum()),
      }),
    ));

  it("conv1d (with and without batch axis and bias)", () =>
    property(
      fc
        .tuple(shapeOf(0, 1), dim, dim, fc.integer({ min: 1, max: 3 }), fc.boolean())
        .chain(([batch, n, d, f, withBias]) =>
          fc
            .integer({ min: 1, max: n })
            .chain((h) =>
              fc.tuple(
                leafOf([...batch, n, d]),
                leafOf([h, d, f]),
                withBias ? leafOf([f]).map((l) => [l]) : fc.constant([] as Leaf[]),
              ),
            ),
        ),
      ([x, w, bias]) => ({
        leaves: [x, w, ...bias],
        build: ([t, W, c]) => nn.conv1d(t!, W!, c),
      }),
    ));

  for (const pool of ["maxPool1d", "avgPool1d"] as const) {
    it(`${pool} (window, stride, with and without batch axis)`, () =>
      property(
        fc
          .tuple(shapeOf(0, 1), dim, dim)
          .chain(([batch, n, c]) =>
            fc.tuple(
              pool === "maxPool1d"
                ? distinctLeaves([[...batch, n, c]])
                : leafOf([...batch, n, c]).map((l) => [l]),
              fc.integer({ min: 1, max: n }),
              fc.integer({ min: 1, max: 3 }),
            ),
          ),
        ([leaves, window, stride]) => ({ leaves, build: ([x]) => nn[pool](x!, window, stride) }),
      ));
  }

  it("maxOverTime (no ties)", () =>
    property(
      shapeOf(2, 3).chain((s) => distinctLeaves([s])),
      (leaves) => ({
        leaves,
        build: ([x]) => nn.maxOverTime(x!),
      }),
    ));

  it("dropout (fixed seed input)", () =>
    property(
      fc.tuple(
        shapeOf().chain((s) => leafOf(s)),
        fc.integer(),
        fc.constantFrom(0.3, 0.5, 0.8, 1),
      ),
      ([leaf, seed, keep]) => ({
        leaves: [leaf, { shape: [], values: [seed], dtype: "i32" }],
        build: ([x, s]) => nn.dropout(x!, keep, s!, 3),
      }),
    ));

  it("dense and where", () =>
    property(
      fc
        .tuple(shapeOf(0, 1), dim, dim)
        .chain(([batch, i, o]) =>
          fc.tuple(leafOf([...batch, i]), leafOf([i, o]), leafOf([o]), leafOf([...batch, o], away([0]))),
        ),
      (leaves) => ({
        leaves,
        build: ([x, W, c, mask]) => nn.where(mask!.gt(0), nn.dense(x!, W!, c), nn.dense(x!, W!)),
      }),
    ));
});

describe("gradients of the losses in nn match centered differences", () => {
  it("squaredLoss", () =>
    property(
      fc.tuple(
        shapeOf(0, 3).chain((s) => fc.tuple(leafOf(s), leafOf(s))),
        reduction,
      ),
      ([leaves, r]) => ({ leaves: [...leaves], build: ([p, y]) => nn.squaredLoss(p!, y!, { reduction: r }) }),
    ));

  it("softmaxCrossEntropy", () =>
    property(
      fc
        .tuple(shapeOf(0, 2), fc.integer({ min: 1, max: 4 }), reduction)
        .chain(([s, c, r]) => fc.tuple(leafOf([...s, c], smooth(-3, 3)), ids(s, c), fc.constant(r))),
      ([logits, labels, r]) => ({
        leaves: [logits, labels],
        build: ([z, y]) => nn.softmaxCrossEntropy(z!, y!, { reduction: r }),
      }),
    ));

  it("binaryCrossEntropyWithLogits", () =>
    property(
      fc.tuple(
        shapeOf().chain((s) => fc.tuple(leafOf(s, away([0], -4, 4)), leafOf(s, smooth(0, 1)))),
        reduction,
      ),
      ([leaves, r]) => ({
        leaves: [...leaves],
        build: ([z, y]) => nn.binaryCrossEntropyWithLogits(z!, y!, { reduction: r }),
      }),
    ));

  it("logisticLoss (labels ±1)", () =>
    property(
      fc.tuple(
        shapeOf().chain((s) =>
          fc.tuple(leafOf(s, away([0], -4, 4)), leafOf(s, arrayOf(fc.constantFrom(-1, 1)))),
        ),
        reduction,
      ),
      ([leaves, r]) => ({
        leaves: [...leaves],
        build: ([z, y]) => nn.logisticLoss(z!, y!, { reduction: r }),
      }),
    ));

  it("hingeLoss (away from the margin)", () =>
    property(
      fc.tuple(
        shapeOf().chain((s) => fc.tuple(leafOf(s), away([0])(sizeOf(s)))),
        fc.constantFrom(0.5, 1, 2),
        reduction,
      ),
      ([[score, gap], margin, r]) => ({
        // corrupt = score − margin + gap, so Δ + s_c − s = gap is never within 1e-2 of the kink
        leaves: [score, { shape: score.shape, values: score.values.map((v, i) => v - margin + gap[i]!) }],
        build: ([s, c]) => nn.hingeLoss(s!, c!, { reduction: r, margin }),
      }),
    ));

  it("l2Penalty (several tensors)", () =>
    property(
      fc.array(
        shapeOf().chain((s) => leafOf(s)),
        { minLength: 1, maxLength: 3 },
      ),
      (leaves) => ({
        leaves,
        build: (xs) => nn.l2Penalty(...xs),
      }),
    ));

  it("l1Penalty (several tensors, away from 0)", () =>
    property(
      fc.array(
        shapeOf().chain((s) => leafOf(s, away([0]))),
        { minLength: 1, maxLength: 3 },
      ),
      (leaves) => ({
        leaves,
        build: (xs) => nn.l1Penalty(...xs),
      }),
    ));
});
