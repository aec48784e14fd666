/**
 * The model the browser demo trains: the spirals example's MLP (2 → 64 ReLU → 64 ReLU → 3), as a
 * model file for the bundler plugin (`import spirals from "./spirals.model.ts?wasmgrad"`), which
 * compiles it at build time with `compileOptions`: Adam, and besides the training step at the
 * minibatch size, a forward entry that classifies the whole GRID × GRID picture in one call.
 */
import { optim, type CompileOptions } from "../../compiler/index.js";
import { ARMS } from "../spirals/data.js";
import { spiralNet } from "../spirals/model.js";
import { BATCH, GRID, LEARNING_RATE } from "./config.js";

export default spiralNet(BATCH, ARMS);

export const compileOptions: CompileOptions = {
  optimizer: optim.adam(LEARNING_RATE),
  batches: { forward: [GRID * GRID] },
};
