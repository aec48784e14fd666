/**
 * The registry: the closed set of primitives, and the ops the compiler makes for itself.
 * Everything else (softmax, most losses, activations, convolution, pooling, dropout) is a
 * composite of the primitives and needs no rules of its own. Softmax cross-entropy was promoted to
 * a primitive pair for speed (see softmax_xent.ts), and so were the image windows that
 * convolution and pooling are built on (im2col.ts).
 *
 * Adding a primitive: its file (shape rule, evaluation, VJP, traits, batching rule), one entry
 * below, its lowering in compiler/wasm/lowerings.ts, and a row in each table-driven op test
 * (test/ops/primitives, test/ops/gradients, test/wasm/ops). test/ops/registry.test.ts checks
 * that every primitive has every rule it needs.
 */
import type { OpDef, OpTable } from "../ir/op.js";
import { abs } from "./abs.js";
import { arg } from "./arg.js";
import { add } from "./add.js";
import { broadcast } from "./broadcast.js";
import { cast } from "./cast.js";
import { compare } from "./compare.js";
import { concat } from "./concat.js";
import { constant } from "./const.js";
import { div } from "./div.js";
import { exp } from "./exp.js";
import { extract } from "./extract.js";
import { fusion, fusionOutput } from "./fusion.js";
import { gather } from "./gather.js";
import { col2im, im2col } from "./im2col.js";
import { iota } from "./iota.js";
import { input, param, state } from "./leaves.js";
import { log } from "./log.js";
import { log1p } from "./log1p.js";
import { matmul } from "./matmul.js";
import { maximum } from "./maximum.js";
import { minimum } from "./minimum.js";
import { mode } from "./mode.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { pad } from "./pad.js";
import { pow } from "./pow.js";
import { randomUniform } from "./random_uniform.js";
import { reduceMax } from "./reduce_max.js";
import { reduceSum } from "./reduce_sum.js";
import { registerPrimitives } from "./registry.js";
import { reshape } from "./reshape.js";
import { scan } from "./scan.js";
import { scatterAdd } from "./scatter_add.js";
import { scatterSub } from "./scatter_sub.js";
import { select } from "./select.js";
import { sigmoid } from "./sigmoid.js";
import { sign } from "./sign.js";
import { slice } from "./slice.js";
import { softmaxXent, softmaxXentGrad } from "./softmax_xent.js";
import { sqrt } from "./sqrt.js";
import { stopGradient } from "./stop_gradient.js";
import { sub } from "./sub.js";
import { tanh } from "./tanh.js";
import { transpose } from "./transpose.js";

export const PRIMITIVES = [
  // leaves and sources
  input,
  param,
  state,
  constant,
  iota,
  randomUniform,
  mode,
  // elementwise
  add,
  sub,
  mul,
  div,
  maximum,
  minimum,
  compare,
  select,
  neg,
  exp,
  log,
  log1p,
  sqrt,
  abs,
  sign,
  tanh,
  sigmoid,
  pow,
  cast,
  stopGradient,
  // reductions
  reduceSum,
  reduceMax,
  // movement
  reshape,
  transpose,
  broadcast,
  slice,
  pad,
  concat,
  // linear algebra and indexing
  matmul,
  gather,
  scatterAdd,
  // image windows (promoted: the columns under conv2d and pooling in one pass each way)
  im2col,
  col2im,
  // losses (promoted composites: one kernel for softmax cross-entropy and its gradient)
  softmaxXent,
  softmaxXentGrad,
  // views and loops
  extract,
  scan,
] as const;

/**
 * Ops the compiler makes for itself (never written by users, never differentiated): fusions, and
 * the row-sparse update scatter_sub (passes/sparse.ts).
 */
export const INTERNAL_OPS = [fusion, fusionOutput, arg, scatterSub] as const;

type Registered = { [D in (typeof PRIMITIVES)[number] | (typeof INTERNAL_OPS)[number] as D["name"]]: D };

declare module "../ir/op.js" {
  // every op's name, as a type: `OpName` (declaration merging)
  interface OpRegistry extends Registered {}
}

const BY_NAME: ReadonlyMap<string, OpDef> = new Map<string, OpDef>(
  [...PRIMITIVES, ...INTERNAL_OPS].map((op) => [op.name, op]),
);
registerPrimitives(PRIMITIVES);

/** The op table every model's nodes are created from (`new Context(name, OPS)`). */
export const OPS: OpTable = BY_NAME;

export function getOp(name: string): OpDef | undefined {
  return BY_NAME.get(name);
}
