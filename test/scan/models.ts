/**
 * The recurrent models of the scan tests (issue 5), each written once and built two ways:
 *
 *  - "scan": the recurrence is one `m.scan` (compiled to a loop, differentiated by a reverse scan);
 *  - "unrolled": the same step function called T times in a JavaScript loop on row t of every
 *    sequence (`X.index(0, t)`), its per-step outputs stacked with `nn.stack`. This is seed 001
 *    §2.1.1's "giant feedforward network": every parameter appears T times and ordinary
 *    backpropagation through the unrolled graph is the oracle for BPTT.
 *
 * Both builds declare the same leaves (inputs, params with the same initializers, states) and the
 * same outputs, so one set of feeds drives both and their results compare name by name.
 *
 * Shapes are small on purpose: every model here compiles in well under a second.
 */
import {
  init,
  initParams,
  model,
  nn,
  type Model,
  type ModelBuilder,
  type NDArray,
  type Tensor,
} from "../../compiler/index.js";
import { randomValues } from "../wasm/harness.js";

export type Mode = "scan" | "unrolled";
export const MODES: readonly Mode[] = ["scan", "unrolled"];

export interface RecurSpec {
  readonly init: readonly Tensor[];
  readonly xs?: readonly Tensor[];
  readonly reverse?: boolean;
  readonly length?: number;
}
export type Step = (carry: Tensor[], rows: Tensor[]) => { carry: readonly Tensor[]; ys?: readonly Tensor[] };

/**
 * `m.scan(spec, step)`, or the same recurrence unrolled into T copies of the step. The unrolled
 * form visits t = 0 .. T-1 (T-1 .. 0 when reversed), feeds each step row t of every sequence, and
 * stacks the per-step outputs indexed by t, which is what the scan is documented to compute.
 */
export function recur(
  m: ModelBuilder,
  mode: Mode,
  spec: RecurSpec,
  step: Step,
): { carry: Tensor[]; ys: Tensor[] } {
  if (mode === "scan") return m.scan(spec, step);
  const xs = spec.xs ?? [];
  const T = spec.length ?? xs[0]!.shape[0]!;
  let carry = [...spec.init];
  const ysAt: (readonly Tensor[])[] = [];
  for (let s = 0; s < T; s++) {
    const t = spec.reverse ? T - 1 - s : s;
    const out = step(
      carry,
      xs.map((x) => x.index(0, t)),
    );
    carry = [...out.carry];
    ysAt[t] = out.ys ?? [];
  }
  const ny = ysAt[0]!.length;
  return {
    carry,
    ys: Array.from({ length: ny }, (_, j) =>
      nn.stack(
        ysAt.map((ys) => ys[j]!),
        0,
      ),
    ),
  };
}

// ---- feeds -----------------------------------------------------------------------------------

/** Values for a model's leaves, as flat arrays. */
export interface Feeds {
  readonly inputs: Record<string, number[]>;
  readonly params: Record<string, number[]>;
  readonly states: Record<string, number[]>;
}

export const flat = (a: NDArray): number[] => Array.from(a.data);

/** The params of `initParams(mdl, seed)` as flat arrays. */
export function paramsOf(mdl: Model, seed: number): Record<string, number[]> {
  return Object.fromEntries(Object.entries(initParams(mdl, seed)).map(([k, v]) => [k, flat(v)]));
}

/** i32 ids in [0, n). */
export function ids(count: number, seed: number, n: number): number[] {
  return randomValues(count, seed, 0, n).map((v) => Math.min(n - 1, Math.floor(v)));
}

/** The same feeds with every f32 value rounded to f32 (what a compiled module holds). */
export function roundFeeds(mdl: Model, feeds: Feeds): Feeds {
  const i32 = new Set(mdl.graph.inputs.filter((l) => l.dtype === "i32").map((l) => l.attrs.name as string));
  const round = (r: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, i32.has(k) ? [...v] : v.map(Math.fround)]));
  return { inputs: round(feeds.inputs), params: round(feeds.params), states: round(feeds.states) };
}

// ---- the cases -------------------------------------------------------------------------------

export interface Case {
  readonly name: string;
  readonly build: (mode: Mode) => Model;
  /** Inputs and states (params come from the model's initializers, see `feedsOf`). */
  readonly data: (seed: number) => Pick<Feeds, "inputs" | "states">;
}

export function feedsOf(c: Case, seed = 1): Feeds {
  return { ...c.data(seed), params: paramsOf(c.build("scan"), seed) };
}

export const T = 5;
export const B = 2;
export const D = 3;
export const H = 4;
export const V = 3;

/**
 * Seed 001 §2.1: h_t = tanh(x_t W1 + h_{t-1} V1 + b), y_t = softmax(h_t W2), the cross-entropy
 * of every step, with h_0 a carried state. Row-vector convention (x_t is a row of the batch).
 */
export function elman(
  mode: Mode,
  options: { reverse?: boolean; T?: number; name?: string; hidden?: "state" | "input" } = {},
): Model {
  const steps = options.T ?? T;
  return model(options.name ?? "elman", (m) => {
    const X = m.input("x", [steps, B, D]);
    const Y = m.input("y", [steps, B], "i32");
    const W1 = m.param("W1", [D, H]);
    const V1 = m.param("V1", [H, H], init.normal(0.6));
    const b = m.param("b", [H], init.uniform(-0.5, 0.5));
    const W2 = m.param("W2", [H, V]);
    const h0 = options.hidden === "input" ? m.input("h0", [B, H]) : m.state("h", [B, H]);
    const r = recur(m, mode, { init: [h0], xs: [X], reverse: options.reverse }, ([h], [x]) => {
      const next = x!.matmul(W1).add(h!.matmul(V1)).add(b).tanh();
      return { carry: [next], ys: [next] };
    });
    m.output("hs", r.ys[0]!);
    m.loss(nn.softmaxCrossEntropy(r.ys[0]!.matmul(W2), Y));
    if (options.hidden !== "input") m.setState(h0, r.carry[0]!);
  });
}

export function elmanData(
  seed: number,
  steps = T,
  hidden: "state" | "input" = "state",
): { inputs: { x: number[]; y: number[]; [name: string]: number[] }; states: Record<string, number[]> } {
  const h = randomValues(B * H, seed + 3, -0.5, 0.5);
  const inputs = { x: randomValues(steps * B * D, seed, -1.5, 1.5), y: ids(steps * B, seed + 1, V) };
  return hidden === "input" ? { inputs: { ...inputs, h0: h }, states: {} } : { inputs, states: { h } };
}

const ELMAN: Case = {
  name: "Elman RNN (seed 001 §2.1)",
  build: (mode) => elman(mode),
  data: (s) => elmanData(s),
};
const ELMAN_REVERSE: Case = {
  name: "Elman RNN, reverse scan",
  build: (mode) => elman(mode, { reverse: true }),
  data: (s) => elmanData(s),
};

/**
 * Several carries: an LSTM cell (h and c, both carried states) and a third carry accumulating
 * ‖h_t‖² per example. Per-step outputs: h_t (also a carry) and h_t ⊙ c_t (not a carry). The loss
 * reads the per-step outputs and every final carry, so each carry gets a cotangent from the end.
 */
export function lstm(mode: Mode): Model {
  return model("lstm", (m) => {
    const X = m.input("x", [T, B, D]);
    const Y = m.input("y", [T, B], "i32");
    const W = m.param("W", [D + H, 4 * H], init.normal(0.5));
    const b = m.param("b", [4 * H], init.uniform(-0.3, 0.3));
    const Wy = m.param("Wy", [H, V]);
    const h0 = m.state("h", [B, H]);
    const c0 = m.state("c", [B, H]);
    const a0 = m.constant(0, [B, 1]);
    const r = recur(m, mode, { init: [h0, c0, a0], xs: [X] }, ([h, c, a], [x]) => {
      const z = nn.concat([x!, h!], 1).matmul(W).add(b);
      const i = z.slice(1, 0, H).sigmoid();
      const f = z.slice(1, H, 2 * H).sigmoid();
      const o = z.slice(1, 2 * H, 3 * H).sigmoid();
      const g = z.slice(1, 3 * H, 4 * H).tanh();
      const c2 = f.mul(c!).add(i.mul(g));
      const h2 = o.mul(c2.tanh());
      const a2 = a!.add(h2.square().sum(-1, true));
      return { carry: [h2, c2, a2], ys: [h2, h2.mul(c2)] };
    });
    const [hT, cT, aT] = r.carry;
    m.output("hs", r.ys[0]!);
    m.output("hc", r.ys[1]!);
    m.loss(
      nn
        .softmaxCrossEntropy(r.ys[0]!.matmul(Wy), Y)
        .add(r.ys[1]!.mean().mul(0.5))
        .add(aT!.mean().mul(0.1))
        .add(cT!.square().mean()),
    );
    m.setState(h0, hT!);
    m.setState(c0, cT!);
  });
}

const LSTM: Case = {
  name: "LSTM cell: three carries, two of them states, a per-step output that is not a carry",
  build: lstm,
  data: (seed) => ({
    inputs: { x: randomValues(T * B * D, seed, -1, 1), y: ids(T * B, seed + 1, V) },
    states: { h: randomValues(B * H, seed + 2, -0.5, 0.5), c: randomValues(B * H, seed + 3, -1, 1) },
  }),
};

const VOCAB = 6;
const E = 3;

/**
 * A step reading three sequences: i32 token ids (an embedding gather inside the step), f32
 * features, and i32 targets (a per-step cross-entropy computed inside the step, returned as a
 * per-step output and summed after the loop).
 */
export function tagger(mode: Mode): Model {
  return model("tagger", (m) => {
    const tokens = m.input("tokens", [T, B], "i32");
    const feats = m.input("feats", [T, B, D]);
    const targets = m.input("targets", [T, B], "i32");
    const table = m.param("E", [VOCAB, E], init.normal(0.8));
    const We = m.param("We", [E, H]);
    const Wf = m.param("Wf", [D, H]);
    const Wh = m.param("Wh", [H, H], init.normal(0.5));
    const Wy = m.param("Wy", [H, V]);
    const h0 = m.state("h", [B, H]);
    const r = recur(m, mode, { init: [h0], xs: [tokens, feats, targets] }, ([h], [tok, f, tgt]) => {
      const e = table.gather(tok!);
      const h2 = e.matmul(We).add(f!.matmul(Wf)).add(h!.matmul(Wh)).tanh();
      const loss = nn.softmaxCrossEntropy(h2.matmul(Wy), tgt!, { reduction: "none" });
      return { carry: [h2], ys: [loss, h2] };
    });
    m.output("perStep", r.ys[0]!);
    m.loss(r.ys[0]!.mean());
    m.setState(h0, r.carry[0]!);
  });
}

const TAGGER: Case = {
  name: "three sequences per step: i32 ids (embedding gather), f32 features, i32 targets",
  build: tagger,
  data: (seed) => ({
    inputs: {
      tokens: ids(T * B, seed, VOCAB),
      feats: randomValues(T * B * D, seed + 1, -1, 1),
      targets: ids(T * B, seed + 2, V),
    },
    states: { h: randomValues(B * H, seed + 3, -0.5, 0.5) },
  }),
};

const C = 2;

/**
 * Loop-invariant values: the input projection X·Wx of every step computed before the loop (a
 * [T, B, H] sequence), a symmetric recurrence matrix and a context bias computed from params and
 * an input outside the step, and an invariant written inside the step (Wsym·0.1 + Wh, which the
 * tracer hoists) that depends on an outer invariant used directly as well. Their gradients must
 * reach the params and the context input exactly once.
 */
export function invariants(mode: Mode): Model {
  return model("invariants", (m) => {
    const X = m.input("x", [T, B, D]);
    const ctx = m.input("ctx", [B, C]);
    const target = m.input("target", [B, H]);
    const Wx = m.param("Wx", [D, H]);
    const Wh = m.param("Wh", [H, H], init.normal(0.5));
    const Wc = m.param("Wc", [C, H]);
    const b = m.param("b", [H], init.uniform(-0.3, 0.3));
    const XW = X.matmul(Wx);
    const Wsym = Wh.add(Wh.T).mul(0.5);
    const bias = ctx.matmul(Wc).add(b).tanh();
    const h0 = m.constant(0, [B, H]);
    const r = recur(m, mode, { init: [h0], xs: [XW] }, ([h], [xw]) => {
      const U = Wsym.mul(0.1).add(Wh); // no loop variable: hoisted out of the loop
      const h2 = xw!.add(h!.matmul(Wsym)).add(h!.matmul(U)).add(bias).tanh();
      return { carry: [h2], ys: [h2.sum(-1)] };
    });
    m.output("sums", r.ys[0]!);
    m.loss(nn.squaredLoss(r.carry[0]!, target).add(r.ys[0]!.square().mean().mul(0.1)));
  });
}

const INVARIANTS: Case = {
  name: "loop-invariant values computed outside the step (and hoisted from inside it)",
  build: invariants,
  data: (seed) => ({
    inputs: {
      x: randomValues(T * B * D, seed, -1, 1),
      ctx: randomValues(B * C, seed + 1, -1, 1),
      target: randomValues(B * H, seed + 2, -0.8, 0.8),
    },
    states: {},
  }),
};

/**
 * No sequence, only a length: the carry evolves on its own from an initial carry computed from an
 * input (h_0 = tanh(x_0·Wx)), and is fitted to a target trajectory.
 */
export function autonomous(mode: Mode): Model {
  return model("autonomous", (m) => {
    const x0 = m.input("x0", [B, D]);
    const target = m.input("target", [T, B, H]);
    const Wx = m.param("Wx", [D, H]);
    const Wh = m.param("Wh", [H, H], init.normal(0.7));
    const b = m.param("b", [H], init.uniform(-0.3, 0.3));
    const h0 = x0.matmul(Wx).tanh();
    const r = recur(m, mode, { init: [h0], length: T }, ([h]) => {
      const h2 = h!.matmul(Wh).add(b).tanh();
      return { carry: [h2], ys: [h2] };
    });
    m.output("traj", r.ys[0]!);
    m.loss(nn.squaredLoss(r.ys[0]!, target));
  });
}

const AUTONOMOUS: Case = {
  name: "no sequence (length only), the initial carry computed from an input",
  build: autonomous,
  data: (seed) => ({
    inputs: { x0: randomValues(B * D, seed, -1, 1), target: randomValues(T * B * H, seed + 1, -0.8, 0.8) },
    states: {},
  }),
};

/**
 * Seed 002's bi-directional RNN: h_t = f(W_h h_{t-1} + W_i x_t) left to right, h'_t = f(W'_h
 * h'_{t+1} + W'_i x_t) right to left, y_t = softmax(W_o h_t + W'_o h'_t), written as two scans and
 * a concat: y_t = softmax([h_t; h'_t] W_o).
 */
export function bidirectional(mode: Mode): Model {
  return model("birnn", (m) => {
    const X = m.input("x", [T, B, D]);
    const Y = m.input("y", [T, B], "i32");
    const Wi = m.param("Wi", [D, H]);
    const Wh = m.param("Wh", [H, H], init.normal(0.6));
    const Wib = m.param("Wi_back", [D, H]);
    const Whb = m.param("Wh_back", [H, H], init.normal(0.6));
    const Wo = m.param("Wo", [2 * H, V]);
    const zero = m.constant(0, [B, H]);
    const cell = (Wx: Tensor, Wr: Tensor) => (h: Tensor[], x: Tensor[]) => {
      const next = x[0]!.matmul(Wx).add(h[0]!.matmul(Wr)).tanh();
      return { carry: [next], ys: [next] };
    };
    const fwd = recur(m, mode, { init: [zero], xs: [X] }, cell(Wi, Wh));
    const bwd = recur(m, mode, { init: [zero], xs: [X], reverse: true }, cell(Wib, Whb));
    const both = nn.concat([fwd.ys[0]!, bwd.ys[0]!], 2);
    m.output("states", both);
    m.loss(nn.softmaxCrossEntropy(both.matmul(Wo), Y));
  });
}

const BIDIRECTIONAL: Case = {
  name: "bi-directional RNN (seed 002): a forward and a reverse scan, concatenated",
  build: bidirectional,
  data: (seed) => ({
    inputs: { x: randomValues(T * B * D, seed, -1.5, 1.5), y: ids(T * B, seed + 1, V) },
    states: {},
  }),
};

export const CASES: readonly Case[] = [
  ELMAN,
  ELMAN_REVERSE,
  LSTM,
  TAGGER,
  INVARIANTS,
  AUTONOMOUS,
  BIDIRECTIONAL,
];
