// Small models for the compile cache tests, and variants that differ from `tiny` in one thing
// each. `tinyModel` traces the same model on every call (a fresh context, the same source lines).
import { init, model, nn, type Model } from "../../compiler/index.js";

export interface TinySpec {
  readonly hidden?: number;
  readonly activation?: "tanh" | "relu";
  readonly scale?: number;
  readonly init?: "zeros" | "ones";
  /** A node that no output uses. */
  readonly dead?: boolean;
}

export function tinyModel(spec: TinySpec = {}): Model {
  const hidden = spec.hidden ?? 4;
  return model("tiny", (m) => {
    const x = m.input("x", [2, 3]);
    const y = m.input("y", [2], "i32");
    const W = m.param("W", [3, hidden]);
    const b = m.param("b", [hidden], spec.init === "ones" ? init.ones() : init.zeros());
    const z = x
      .matmul(W)
      .add(b)
      .mul(spec.scale ?? 1.5);
    if (spec.dead) z.exp();
    const h = spec.activation === "relu" ? z.relu() : z.tanh();
    const logits = h.matmul(m.param("V", [hidden, 2]));
    m.output("probs", logits.softmax());
    m.loss(nn.softmaxCrossEntropy(logits, y));
  });
}

/** `tinyModel()` traced from other source lines: the same graph, other locations. */
export function tinyElsewhere(): Model {
  return model("tiny", (m) => {
    const x = m.input("x", [2, 3]);
    const y = m.input("y", [2], "i32");
    const W = m.param("W", [3, 4]);

    const b = m.param("b", [4], init.zeros());
    const z = x.matmul(W).add(b).mul(1.5);
    const h = z.tanh();
    const logits = h.matmul(m.param("V", [4, 2]));
    m.output("probs", logits.softmax());
    m.loss(nn.softmaxCrossEntropy(logits, y));
  });
}
