/**
 * The models whose compile time the compile section measures, built against the compiler module
 * the probe imported (bench/compile/probe.ts), so that building them loads nothing new:
 *
 *   - w1, w2: the throughput workloads' own training modules (`w1Spec`, `w2Spec` of
 *     bench/impl/wasmgrad.ts, on the sizes of bench/lib/data.ts), compiled as the bench does;
 *   - char-rnn: the training module of examples/char-rnn/train.ts, with the sizes and options it
 *     really uses (V from the corpus, H = 128, T = 32, B = 32, Adam on an exponential schedule,
 *     gradients clipped to norm 1);
 *   - chain(N): N mul+add pairs on an [8] vector (2N + 3 nodes), forward only;
 *   - unrolled(T): an Elman RNN unrolled by hand over T steps in JavaScript (no `scan`), trained
 *     with SGD: the graph grows linearly with T.
 *
 * Each builder returns a fresh model and its compile options, so that a repeated compile in one
 * process starts from the user's side again.
 */
import type * as Wasmgrad from "../../compiler/index.js";
import { makeW1Data, makeW2Data } from "../lib/data.js";
import { unrolledRnn } from "../lib/unrolled-rnn.js";
import { w1Spec, w2Spec, type CompilerApi, type Spec } from "../impl/wasmgrad.js";

export type Api = typeof Wasmgrad;

export interface Built {
  readonly model: Wasmgrad.Model;
  readonly options: Wasmgrad.CompileOptions;
}

export type Builder = () => Built;

export const NAMED_MODELS = ["w1", "w2", "char-rnn"] as const;
export type NamedModel = (typeof NAMED_MODELS)[number];

export const SERIES = ["chain", "unrolled"] as const;
export type Series = (typeof SERIES)[number];

// examples/char-rnn/train.ts: HIDDEN, UNROLL, BATCH, LEARNING_RATE, CLIP_NORM, and STEPS (the
// decay horizon of the schedule: the default --steps)
const CHAR_RNN = { hidden: 128, steps: 32, batch: 32, lr: 0.006, clipNorm: 1, trainSteps: 4000 };

function fromSpec(api: Api, spec: Spec): Builder {
  return () => {
    const { model, optimizer } = spec.build(api as unknown as CompilerApi);
    return { model, options: { ...(optimizer ? { optimizer } : {}), simd: true, optLevel: 2 } };
  };
}

/** The builder of a named model; set-up that is not compiling (reading the corpus) happens here. */
export async function namedModel(api: Api, id: NamedModel): Promise<Builder> {
  switch (id) {
    case "w1":
      return fromSpec(api, w1Spec(makeW1Data()));
    case "w2":
      return fromSpec(api, w2Spec(makeW2Data()));
    case "char-rnn": {
      const { loadCorpus } = await import("../../examples/char-rnn/corpus.js");
      const { charRnn } = await import("../../examples/char-rnn/model.js");
      const vocab = loadCorpus().chars.length;
      const c = CHAR_RNN;
      return () => ({
        model: charRnn({ vocab, hidden: c.hidden, steps: c.steps, batch: c.batch }),
        options: {
          optimizer: api.optim.adam(api.schedule.exponential(c.lr, Math.log(10) / c.trainSteps)),
          clipNorm: c.clipNorm,
          simd: true,
        },
      });
    }
  }
}

/** A description of the named model for the report. */
export const MODEL_TEXT: Record<NamedModel, { short: string; long: string }> = {
  w1: { short: "W1", long: "the W1 training module: 784-128-10 MLP, batch 32, SGD 0.1" },
  w2: { short: "W2", long: "the W2 training module: Elman RNN (scan), T 32, B 16, 64-128-64, SGD 0.1" },
  "char-rnn": {
    short: "char-rnn",
    long: `the char-rnn training module of examples/char-rnn/train.ts: V from the corpus, H ${CHAR_RNN.hidden}, T ${CHAR_RNN.steps}, B ${CHAR_RNN.batch}, Adam, clip norm ${CHAR_RNN.clipNorm}`,
  },
};

function chain(api: Api, n: number): Built {
  const model = api.model("chain", (m) => {
    let x = m.input("x", [8]);
    const a = m.param("a", [8]);
    for (let i = 0; i < n; i++) x = x.mul(a).add(1);
    m.output("y", x);
  });
  return { model, options: { simd: true } };
}

function unrolled(api: Api, steps: number): Built {
  const model = unrolledRnn(api, { steps, batch: 4, inDim: 8, hidden: 16, classes: 8 });
  return { model, options: { simd: true, optimizer: api.optim.sgd(0.1) } };
}

/** A point of a scaling series: `size` is N (mul+add pairs) or T (unrolled steps). */
export function seriesModel(api: Api, series: Series, size: number): Built {
  return series === "chain" ? chain(api, size) : unrolled(api, size);
}
