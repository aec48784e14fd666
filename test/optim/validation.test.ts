// Settings that would destroy the weights, and arguments of the wrong kind, are errors that name
// the setting and the value (issue 12): in the optimizer and schedule constructors, in compile and
// trainGraph (for hand-made objects), and where a param or an output is declared.
import { describe, expect, it } from "vitest";
import {
  compile,
  init,
  model,
  optim,
  referenceTrainer,
  schedule,
  trainGraph,
  WasmgradError,
  type Optimizer,
} from "../../compiler/index.js";
import { rejects } from "../support/rejects.js";

const tiny = () =>
  model("tiny", (m) => {
    const x = m.input("x", [2, 3]);
    const W = m.param("W", [3, 1]);
    m.loss(x.matmul(W).sum());
  });

describe("optimizer and schedule constructors check their settings", () => {
  it("reject a learning rate that is not a finite number ≥ 0 or a schedule", () => {
    rejects(() => optim.sgd(NaN), /^optim\.sgd: the learning rate must be a finite number ≥ 0, got NaN$/);
    rejects(() => optim.sgd(Infinity), /optim\.sgd: the learning rate .* got Infinity/);
    rejects(() => optim.adam(-0.001), /optim\.adam: the learning rate .* got -0\.001/);
    rejects(() => optim.sgd("0.1" as unknown as number), /a number or a schedule .* got "0\.1"/);
    rejects(() => optim.sgd({ lr: 0.1 } as unknown as number), /a number or a schedule .* got \{"lr":0\.1\}/);
  });

  it("reject momentum, β1, β2 and decay outside [0, 1) and a negative or non-finite ε", () => {
    rejects(() => optim.momentum(0.1, 1), /optim\.momentum: mu must be a finite number ≥ 0 and < 1, got 1$/);
    rejects(() => optim.momentum(0.1, -0.5), /mu .* got -0\.5/);
    rejects(() => optim.adam(0.001, { beta1: 1 }), /optim\.adam: beta1 must be .* < 1, got 1/);
    rejects(() => optim.adam(0.001, { beta2: -0.1 }), /beta2 .* got -0\.1/);
    rejects(
      () => optim.adam(0.001, { eps: -1e-8 }),
      /optim\.adam: eps must be a finite number ≥ 0, got -1e-8/,
    );
    rejects(() => optim.adagrad(0.1, NaN), /optim\.adagrad: eps .* got NaN/);
    rejects(() => optim.rmsprop(0.01, 1.5), /optim\.rmsprop: decay .* got 1\.5/);
    rejects(
      () => optim.adam(0.001, { biasCorrection: "yes" as unknown as boolean }),
      /biasCorrection must be true or false/,
    );
    rejects(() => optim.adam(0.001, "fast" as unknown as object), /optim\.adam: options must be an object/);
  });

  it("reject schedules with bad settings", () => {
    rejects(() => schedule.step(0.1, 0.5, 0), /schedule\.step: every must be an integer ≥ 1, got 0/);
    rejects(() => schedule.inverse(0.1, 0), /schedule\.inverse: tau must be a finite number > 0, got 0/);
    rejects(() => schedule.exponential(0.1, NaN), /schedule\.exponential: k .* got NaN/);
    rejects(() => optim.sgd({ kind: "cosine", lr: 0.1 } as never), /unknown schedule kind "cosine"/);
  });

  it("accept the boundaries that are valid", () => {
    expect(optim.sgd(0).kind).toBe("sgd");
    expect(optim.momentum(0.1, 0)).toEqual({ kind: "momentum", lr: 0.1, mu: 0 });
    expect(optim.adam(0.001, { beta1: 0, eps: 0 }).kind).toBe("adam");
    expect(optim.sgd(schedule.step(0.1, 0.5, 100)).kind).toBe("sgd");
    expect(optim.rmsprop(0.01).kind).toBe("rmsprop");
  });
});

describe("every optimizer takes (lr, options) (issue 12)", () => {
  /** The descriptions are equal, key order included (the manifest stores them as JSON). */
  const same = (a: Optimizer, b: Optimizer) => {
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  };

  it("the options form makes the description the deprecated positional form made", () => {
    same(optim.momentum(0.1, { mu: 0.5 }), optim.momentum(0.1, 0.5));
    same(optim.momentum(0.1, {}), optim.momentum(0.1));
    same(optim.adagrad(0.1, { eps: 1e-6 }), optim.adagrad(0.1, 1e-6));
    same(optim.rmsprop(0.01, { decay: 0.9, eps: 1e-6 }), optim.rmsprop(0.01, 0.9, 1e-6));
    same(optim.rmsprop(0.01, { decay: 0.9 }), optim.rmsprop(0.01, 0.9));
    same(optim.rmsprop(0.01, { eps: 1e-6 }), { kind: "rmsprop", lr: 0.01, decay: 0.99, eps: 1e-6 });
    same(optim.sgd(0.1, {}), optim.sgd(0.1));
    const lr = schedule.inverse(0.1, 10);
    same(optim.momentum(lr, { mu: 0.8 }), { kind: "momentum", lr, mu: 0.8 });
    // undefined takes the default, as a key left out does
    same(optim.adam(0.01, { beta1: undefined, eps: 1e-6 }), optim.adam(0.01, { eps: 1e-6 }));
  });

  it("and trains the same way", () => {
    const pairs: [Optimizer, Optimizer][] = [
      [optim.momentum(0.05, { mu: 0.7 }), optim.momentum(0.05, 0.7)],
      [optim.adagrad(0.05, { eps: 1e-4 }), optim.adagrad(0.05, 1e-4)],
      [optim.rmsprop(0.05, { decay: 0.8, eps: 1e-4 }), optim.rmsprop(0.05, 0.8, 1e-4)],
    ];
    const inputs = { x: [1, 2, 3, -1, 0.5, 2] };
    for (const [options, positional] of pairs) {
      const a = referenceTrainer(tiny(), options, { seed: 1 });
      const b = referenceTrainer(tiny(), positional, { seed: 1 });
      for (let i = 0; i < 3; i++) expect(a.step(inputs)).toBe(b.step(inputs));
      expect([...a.params.W!.data]).toEqual([...b.params.W!.data]);
    }
  });

  it("checks every setting given as an option, as it does the positional ones", () => {
    rejects(
      () => optim.momentum(0.1, { mu: 1 }),
      /^optim\.momentum: mu must be a finite number ≥ 0 and < 1, got 1$/,
    );
    rejects(() => optim.momentum(0.1, { mu: null as unknown as number }), /optim\.momentum: mu .* got null/);
    rejects(() => optim.adagrad(0.1, { eps: NaN }), /^optim\.adagrad: eps .* got NaN$/);
    rejects(() => optim.rmsprop(0.01, { decay: 1.5 }), /^optim\.rmsprop: decay .* got 1\.5$/);
    rejects(() => optim.rmsprop(0.01, { eps: -1 }), /^optim\.rmsprop: eps .* got -1$/);
    rejects(() => optim.rmsprop(0.01, 0.9, -1), /^optim\.rmsprop: eps .* got -1$/);
    rejects(() => optim.momentum(NaN, { mu: 0.9 }), /optim\.momentum: the learning rate .* got NaN/);
  });

  it("rejects an unknown option, naming the key and the optimizer", () => {
    rejects(
      // @ts-expect-error: beta is not an option of adam (beta1, beta2)
      () => optim.adam(0.1, { beta: 0.9 }),
      /^optim\.adam: unknown option 'beta' \(known: beta1, beta2, eps, biasCorrection\)$/,
    );
    rejects(
      // @ts-expect-error: momentum's setting is mu
      () => optim.momentum(0.1, { momentum: 0.9 }),
      /^optim\.momentum: unknown option 'momentum' \(known: mu\)$/,
    );
    rejects(
      // @ts-expect-error: rmsprop's ρ is decay
      () => optim.rmsprop(0.01, { rho: 0.9 }),
      /^optim\.rmsprop: unknown option 'rho' \(known: decay, eps\)$/,
    );
    // @ts-expect-error: the key is eps
    rejects(() => optim.adagrad(0.1, { epsilon: 1e-8 }), /optim\.adagrad: unknown option 'epsilon'/);
    rejects(
      // @ts-expect-error: sgd has no settings
      () => optim.sgd(0.1, { momentum: 0.9 }),
      /^optim\.sgd: unknown option 'momentum' \(optim\.sgd takes no options\)$/,
    );
  });

  it("rejects arguments of the wrong shape", () => {
    rejects(
      () => optim.adam(0.1, 0.9 as never),
      /^optim\.adam: options must be an object such as \{ beta1: 0\.9, /,
    );
    rejects(
      () => optim.sgd(0.1, 0.9 as never),
      /^optim\.sgd: options must be an object such as \{\}, got 0\.9$/,
    );
    rejects(
      () => optim.momentum(0.1, "0.9" as never),
      /optim\.momentum: options must be an object .* got "0\.9"/,
    );
    rejects(
      () => optim.momentum(0.1, null as never),
      /optim\.momentum: options must be an object .* got null/,
    );
    rejects(() => optim.momentum(0.1, [0.9] as never), /options must be an object .* got \[0\.9\]/);
    rejects(
      // @ts-expect-error: eps goes into the options object
      () => optim.rmsprop(0.01, { decay: 0.9 }, 1e-6),
      /^optim\.rmsprop: takes the learning rate and one options object, got 2 arguments after the learning rate$/,
    );
    rejects(
      // @ts-expect-error: the positional form took one setting
      () => optim.momentum(0.1, 0.9, 0.5),
      /^optim\.momentum: takes at most 1 setting after the learning rate \(mu\), got 2; prefer optim\.momentum\(lr, \{ mu: 0\.9 \}\)$/,
    );
  });
});

describe("compile and trainGraph check what they are given", () => {
  const bad = async (options: unknown, ...patterns: RegExp[]) => {
    const error = await compile(tiny(), options as object).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WasmgradError);
    for (const p of patterns) expect((error as Error).message).toMatch(p);
  };

  it("rejects what is not a model, an optimizer not made by optim.*, and settings out of range", async () => {
    // a model-like object without the graph's states, grads and updates (it was 'g.states is not iterable')
    const fake = {
      name: "fake",
      initializers: new Map(),
      graph: { inputs: [], params: [], outputs: new Map() },
    };
    for (const m of [null, {}, "mlp", fake]) {
      const e = await compile(m as never).catch((err: unknown) => err);
      expect((e as Error).message).toMatch(
        /^compile: expected a model made by model\(name, m => \.\.\.\), got /,
      );
    }
    await bad({ optimizer: "adam" }, /^compile: optimizer must be made by optim\.sgd, .* got "adam"$/);
    await bad({ optimizer: {} }, /optimizer must be made by optim\./);
    await bad({ optimizer: { kind: "sgd", lr: NaN } }, /compile: optim\.sgd: the learning rate .* got NaN/);
    await bad(
      { optimizer: optim.sgd(0.1), clipNorm: "1" },
      /compile: clipNorm must be a finite number > 0, got "1"/,
    );
    await bad({ optimizer: optim.sgd(0.1), clipNorm: 0 }, /clipNorm .* got 0/);
    await bad(
      { clipNorm: 1 },
      /clipNorm 1 clips the gradient of the training step: give an optimizer as well/,
    );
    await bad({ optLevel: 1 }, /optLevel must be 0 \(no passes\) or 2 \(the default\), got 1/);
    await bad({ optLevel: 3 }, /got 3/);
    await bad(
      { passes: ["bogus"] },
      /unknown pass "bogus" in passes \(known: hoist, simplify, sparse, fold, cse, fuse\)/,
    );
    await bad({ passes: "fuse" }, /passes must be a list of pass names/);
    await bad({ simd: "yes" }, /simd must be true or false, got "yes"/);
    await bad({ optimiser: optim.sgd(0.1) }, /unknown option 'optimiser'/);
    await bad(null, /options must be an object/);
  });

  it("trainGraph rejects a hand-made optimizer with bad settings and a clipNorm ≤ 0", () => {
    const broken = {
      kind: "adam",
      lr: 0.001,
      beta1: 0.9,
      beta2: 1,
      eps: 1e-8,
      biasCorrection: true,
    } as Optimizer;
    rejects(() => trainGraph(tiny(), broken), /^trainGraph: optim\.adam: beta2 .* got 1$/);
    rejects(() => trainGraph(tiny(), optim.sgd(0.1), { clipNorm: -1 }), /trainGraph: clipNorm .* got -1/);
  });
});

describe("declarations are checked where they are written", () => {
  it("init.constant with the wrong number of values is an error at the param's line", () => {
    rejects(
      () => model("m", (m) => m.param("W", [2, 3], init.constant([1, 2, 3]))),
      /validation\.test\.ts:\d+:\d+: param: init\.constant for param 'W' has 3 values; the shape \[2,3\] needs 6/,
    );
    // nested values of the right count are fine
    const nested = init.constant([
      [1, 2],
      [3, 4],
    ]);
    expect(() => model("m", (m) => m.output("y", m.param("W", [2, 2], nested).exp()))).not.toThrow();
  });

  it("an output cannot be named __proto__ (the runtime's objects are keyed by output name)", () => {
    rejects(
      () => model("m", (m) => m.output("__proto__", m.input("x", [2]).exp())),
      /validation\.test\.ts:\d+:\d+: output: "__proto__" cannot name an output/,
    );
  });
});
