// A tiny hand-built wasmgrad module, made with binaryen, so the runtime can be tested before the
// compiler's WebAssembly backend exists. It follows runtime/manifest.ts:
//
//   inputs   x: f32 [2, 3], y: f32 [2, 3] (target), k: i32 []
//   params   s: f32 [] (init 2), b: f32 [3] (init seed + 0.25 j)
//   forward  out = s * x + b (b broadcast over rows), twice_k = 2 k (i32)
//   backward out as above; loss = mean((out - y)^2); grads of s and b
//   train    backward, then SGD with momentum 0.9, lr 0.1: m = 0.9 m + g; p -= 0.1 m; step += 1
//   states   optim.step: i32 [], optim.s.m: f32 [], optim.b.m: f32 [3]
import binaryen from "binaryen";
import type { Manifest, TensorInfo } from "../../runtime/index.js";

export interface FakeOptions {
  /** Has a loss (backward, y, grads). Default true. */
  readonly loss?: boolean;
  /** Has an optimizer (train_step and its states). Default true; needs loss. */
  readonly optimizer?: boolean;
  /** Rewrites the manifest before it is embedded; returning undefined embeds no manifest. */
  readonly manifest?: (m: Record<string, unknown>) => unknown;
  /** The manifest section's raw bytes, instead of JSON. */
  readonly manifestBytes?: Uint8Array;
  /** The memory's export name (default "memory"); null exports no memory. */
  readonly memoryExport?: string | null;
  /** Adds an imported function `env.log`. */
  readonly withImport?: boolean;
}

const ROWS = 2;
const COLS = 3;
const N = ROWS * COLS;

// Byte offsets, 16-aligned as the contract requires.
const AT = {
  x: 0,
  y: 32,
  k: 64,
  out: 80,
  twice_k: 112,
  loss: 128,
  s: 144,
  b: 160,
  gs: 176,
  gb: 192,
  step: 208,
  ms: 224,
  mb: 240,
} as const;

export function fakeManifest(options: FakeOptions = {}): Manifest {
  const loss = options.loss !== false;
  const optimizer = loss && options.optimizer !== false;
  const t = (
    name: string,
    role: TensorInfo["role"],
    shape: number[],
    dtype: "f32" | "i32",
    offset: number,
  ) => ({
    name,
    role,
    shape,
    dtype,
    offset,
  });
  const tensors: TensorInfo[] = [
    t("x", "input", [ROWS, COLS], "f32", AT.x),
    ...(loss ? [t("y", "input", [ROWS, COLS], "f32", AT.y)] : []),
    t("k", "input", [], "i32", AT.k),
    t("s", "param", [], "f32", AT.s),
    t("b", "param", [COLS], "f32", AT.b),
    t("out", "output", [ROWS, COLS], "f32", AT.out),
    t("twice_k", "output", [], "i32", AT.twice_k),
  ];
  if (loss) {
    tensors.push(t("loss", "output", [], "f32", AT.loss));
    tensors.push(t("s", "grad", [], "f32", AT.gs), t("b", "grad", [COLS], "f32", AT.gb));
  }
  if (optimizer) {
    tensors.push(
      t("optim.step", "state", [], "i32", AT.step),
      t("optim.s.m", "state", [], "f32", AT.ms),
      t("optim.b.m", "state", [COLS], "f32", AT.mb),
    );
  }
  return {
    format: "wasmgrad",
    formatVersion: 1,
    compilerVersion: "0.0.0-test",
    model: "affine",
    options: {
      simd: false,
      optimizer: optimizer ? { kind: "sgd", lr: 0.1, momentum: 0.9 } : null,
      clipNorm: null,
    },
    memoryBytes: 65536,
    tensors,
    entries: {
      forward: { export: "forward", inputs: ["x", "k"], outputs: ["out", "twice_k"] },
      ...(loss ? { backward: { export: "backward", inputs: ["x", "y"], outputs: ["loss", "out"] } } : {}),
      ...(optimizer ? { train: { export: "train_step", inputs: ["x", "y"], outputs: ["loss"] } } : {}),
    },
  };
}

/** The module's bytes. */
export function fakeModule(options: FakeOptions = {}): Uint8Array<ArrayBuffer> {
  const loss = options.loss !== false;
  const optimizer = loss && options.optimizer !== false;
  const m = new binaryen.Module();
  m.setMemory(1, 1, options.memoryExport === undefined ? "memory" : options.memoryExport);
  const none = binaryen.none;
  const addr = (a: number) => m.i32.const(a);
  const ld = (a: number) => m.f32.load(0, 4, addr(a));
  const st = (a: number, v: number) => m.f32.store(0, 4, addr(a), v);
  const f = (v: number) => m.f32.const(v);
  const sum = (xs: number[]) => xs.reduce((acc, v) => m.f32.add(acc, v));
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  // out[i] = s * x[i] + b[i % COLS]
  const computeOut = range(N).map((i) =>
    st(AT.out + 4 * i, m.f32.add(m.f32.mul(ld(AT.s), ld(AT.x + 4 * i)), ld(AT.b + 4 * (i % COLS)))),
  );
  m.addFunction(
    "forward",
    none,
    none,
    [],
    m.block(null, [
      ...computeOut,
      m.i32.store(0, 4, addr(AT.twice_k), m.i32.mul(m.i32.load(0, 4, addr(AT.k)), m.i32.const(2))),
    ]),
  );

  const resets = [
    m.i32.store(0, 4, addr(AT.step), m.i32.const(0)),
    st(AT.ms, f(0)),
    ...range(COLS).map((j) => st(AT.mb + 4 * j, f(0))),
  ];
  m.addFunction("reset_state", none, none, [], m.block(null, optimizer ? resets : [m.nop()]));
  // init(seed): s = 2, b[j] = seed + 0.25 j, states zeroed
  m.addFunction(
    "init",
    binaryen.createType([binaryen.i32]),
    none,
    [],
    m.block(null, [
      st(AT.s, f(2)),
      ...range(COLS).map((j) =>
        st(AT.b + 4 * j, m.f32.add(m.f32.convert_s.i32(m.local.get(0, binaryen.i32)), f(0.25 * j))),
      ),
      m.call("reset_state", [], none),
    ]),
  );

  if (loss) {
    // d_i = (out_i - y_i): loss = sum d^2 / N, grad b_j = 2/N sum_rows d, grad s = 2/N sum d x
    const d = (i: number) => m.f32.sub(ld(AT.out + 4 * i), ld(AT.y + 4 * i));
    m.addFunction(
      "backward",
      none,
      none,
      [],
      m.block(null, [
        ...computeOut,
        st(AT.loss, m.f32.div(sum(range(N).map((i) => m.f32.mul(d(i), d(i)))), f(N))),
        st(AT.gs, m.f32.mul(f(2 / N), sum(range(N).map((i) => m.f32.mul(d(i), ld(AT.x + 4 * i)))))),
        ...range(COLS).map((j) =>
          st(AT.gb + 4 * j, m.f32.mul(f(2 / N), sum(range(ROWS).map((r) => d(r * COLS + j))))),
        ),
      ]),
    );
  }
  if (optimizer) {
    const sgd = (p: number, g: number, mom: number) => [
      st(mom, m.f32.add(m.f32.mul(f(0.9), ld(mom)), ld(g))),
      st(p, m.f32.sub(ld(p), m.f32.mul(f(0.1), ld(mom)))),
    ];
    m.addFunction(
      "train_step",
      none,
      none,
      [],
      m.block(null, [
        m.call("backward", [], none),
        ...sgd(AT.s, AT.gs, AT.ms),
        ...range(COLS).flatMap((j) => sgd(AT.b + 4 * j, AT.gb + 4 * j, AT.mb + 4 * j)),
        m.i32.store(0, 4, addr(AT.step), m.i32.add(m.i32.load(0, 4, addr(AT.step)), m.i32.const(1))),
      ]),
    );
  }
  if (options.withImport) {
    m.addFunctionImport("log", "env", "log", binaryen.createType([binaryen.i32]), none);
  }
  const exported = [
    "forward",
    "init",
    "reset_state",
    ...(loss ? ["backward"] : []),
    ...(optimizer ? ["train_step"] : []),
  ];
  for (const name of exported) m.addFunctionExport(name, name);

  let section = options.manifestBytes;
  if (section === undefined) {
    const base = fakeManifest(options) as unknown as Record<string, unknown>;
    const json = options.manifest ? options.manifest(structuredClone(base)) : base;
    if (json !== undefined) section = new TextEncoder().encode(JSON.stringify(json));
  }
  if (section !== undefined) m.addCustomSection("wasmgrad.manifest", section);
  if (!m.validate()) throw new Error("fake module does not validate");
  const bytes = new Uint8Array(m.emitBinary()); // a copy, over a plain ArrayBuffer
  m.dispose();
  return bytes;
}

/** The module's arithmetic in float64, for expected values. */
export function reference(s: number, b: readonly number[], x: readonly number[], y: readonly number[]) {
  const out = x.map((xi, i) => s * xi + (b[i % COLS] as number));
  const d = out.map((o, i) => o - (y[i] as number));
  const loss = d.reduce((a, v) => a + v * v, 0) / N;
  const gs = (2 / N) * d.reduce((a, v, i) => a + v * (x[i] as number), 0);
  const gb = [0, 1, 2].map((j) => (2 / N) * (d[j] as number) + (2 / N) * (d[j + COLS] as number));
  return { out, loss, gs, gb };
}
