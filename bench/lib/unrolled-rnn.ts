/**
 * An Elman RNN unrolled by hand over `steps` steps in JavaScript (no `scan`), with a softmax
 * cross-entropy loss at every step averaged over the steps: the graph grows linearly with the
 * steps. The compile section's scaling series (bench/compile/models.ts) and the large-graph test
 * (test/wasm/large-graphs.test.ts) build it at their own sizes; `api` is the compiler's package
 * entry (the sources or dist/).
 */
import type * as Wasmgrad from "../../compiler/index.js";

export interface UnrolledSizes {
  readonly steps: number;
  readonly batch: number;
  readonly inDim: number;
  readonly hidden: number;
  readonly classes: number;
}

export function unrolledRnn(api: typeof Wasmgrad, s: UnrolledSizes): Wasmgrad.Model {
  const { steps, batch: B, inDim: D, hidden: H, classes: V } = s;
  return api.model("unrolled", (m) => {
    const x = m.input("x", [steps, B, D]);
    const y = m.input("y", [steps, B], "i32");
    const Wx = m.param("Wx", [D, H]);
    const Wh = m.param("Wh", [H, H]);
    const bh = m.param("bh", [H]);
    const Wy = m.param("Wy", [H, V]);
    const by = m.param("by", [V]);
    let h = m.constant(0, [B, H]);
    let loss: Wasmgrad.Tensor | undefined;
    for (let t = 0; t < steps; t++) {
      h = x.index(0, t).matmul(Wx).add(h.matmul(Wh)).add(bh).tanh();
      const l = api.nn.softmaxCrossEntropy(h.matmul(Wy).add(by), y.index(0, t));
      loss = loss ? loss.add(l) : l;
    }
    m.loss(loss!.div(steps));
  });
}
