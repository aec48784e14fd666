/**
 * A scan inside a scan's step: a word-level RNN whose input at word t is the final carry of a
 * character-level RNN over that word's characters. The inner recurrence starts from a projection of
 * the outer carry and reads the outer carry at every character as well (a value that varies in the
 * outer loop but is invariant in the inner one), so gradients reach the outer carry through the
 * inner loop's initial carry and through its invariants. Each level is built as a scan or unrolled
 * independently.
 */
import { init, model, nn, type Model } from "../../compiler/index.js";
import { randomValues } from "../wasm/harness.js";
import { ids, recur, type Mode } from "./models.js";

export const WORDS = 3;
export const CHARS = 4;
export const NB = 2;
export const ND = 3;
export const NH = 4;
export const NV = 3;

export function nested(outer: Mode, inner: Mode): Model {
  return model("nested", (m) => {
    const X = m.input("x", [WORDS, CHARS, NB, ND]);
    const Y = m.input("y", [WORDS, NB], "i32");
    const Wc = m.param("Wc", [ND, NH]);
    const Uc = m.param("Uc", [NH, NH], init.normal(0.5));
    const Pc = m.param("Pc", [NH, NH], init.normal(0.5));
    const Wo = m.param("Wo", [NH, NH]);
    const Uo = m.param("Uo", [NH, NH], init.normal(0.5));
    const Wy = m.param("Wy", [NH, NV]);
    const h0 = m.input("h0", [NB, NH]);
    const words = recur(m, outer, { init: [h0], xs: [X] }, ([h], [word]) => {
      const context = h!.matmul(Pc); // varies with the word, invariant over its characters
      const chars = recur(m, inner, { init: [context.tanh()], xs: [word!] }, ([g], [x]) => {
        const g2 = x!.matmul(Wc).add(g!.matmul(Uc)).add(context).tanh();
        return { carry: [g2], ys: [g2.sum(-1)] };
      });
      const h2 = chars.carry[0]!.matmul(Wo).add(h!.matmul(Uo)).tanh();
      return { carry: [h2], ys: [h2, chars.ys[0]!] };
    });
    m.output("hs", words.ys[0]!);
    m.output("charSums", words.ys[1]!);
    m.loss(nn.softmaxCrossEntropy(words.ys[0]!.matmul(Wy), Y).add(words.ys[1]!.square().mean().mul(0.1)));
  });
}

export function nestedInputs(seed: number) {
  return {
    x: randomValues(WORDS * CHARS * NB * ND, seed, -1, 1),
    y: ids(WORDS * NB, seed + 1, NV),
    h0: randomValues(NB * NH, seed + 2, -0.5, 0.5),
  };
}
