/**
 * wasmgrad: a symbolic computation-graph compiler for trainable neural networks.
 *
 * Define a model with `model(...)`, inspect or differentiate its graph, and evaluate it with the
 * float64 reference interpreter. (Code generation to WebAssembly builds on these.)
 */
export { WasmgradError, type SourceLocation } from "./errors.js";
export { model, initParams, ModelBuilder, type Model, type Dims } from "./dsl/model.js";
export { atDims } from "./dsl/dims.js";
export { Tensor, type TensorLike } from "./dsl/tensor.js";
export * as nn from "./dsl/nn.js";
export { init, type Initializer } from "./dsl/init.js";
export { gradGraph, LOSS, type GradOptions } from "./autodiff/grad.js";
export { vjp } from "./autodiff/vjp.js";
export { interpret, type Bindings, type Evaluation } from "./interp/interpret.js";
export type { Mode } from "./ops/mode.js";
export { toNested, fromValues, type NDArray, type TensorData } from "./ir/ndarray.js";
export type { Feed } from "./interp/bind.js";
export type { Graph } from "./ir/graph.js";
export { graphNodes, leafName } from "./ir/graph.js";
export type { Node } from "./ir/node.js";
export type { DType, Shape } from "./ir/shape.js";
export {
  gradcheck,
  formatGradcheck,
  gradcheckError,
  type GradcheckOptions,
  type GradcheckReport,
  type GradcheckEntry,
} from "./gradcheck.js";
export { optim, applyUpdate, slotNames, type Optimizer } from "./optim/optimizers.js";
export { schedule, learningRateAt, type Schedule, type LearningRate } from "./optim/schedules.js";
export {
  trainGraph,
  clipByGlobalNorm,
  STEP_STATE,
  type TrainGraph,
  type TrainOptions,
} from "./optim/train.js";
export {
  referenceTrainer,
  type ReferenceTrainer,
  type ReferenceTrainerOptions,
} from "./optim/reference-trainer.js";
export { checkGraph } from "./ir/spec.js";
export { graphToJSON, graphFromJSON, type GraphJSON, type NodeJSON } from "./serialize.js";
export { compile, type CompileOptions, type CompiledModel } from "./pipeline/compile.js";
export type { MemoryPlan } from "./pipeline/compile.js";
export {
  compileCached,
  DEFAULT_CACHE_BYTES,
  type Artifact,
  type ArtifactProducer,
  type CachedCompile,
  type CacheOutcome,
  type CacheSettings,
} from "./cache/compile-cached.js";
export { defaultCacheDir, CACHE_DIR_ENV } from "./cache/location.js";
export { compilerFingerprint } from "./cache/fingerprint.js";
export type { StepPlan } from "./wasm/program.js";
export { describePlan, planToSvg, type EntryPlan, type PlannedBuffer } from "./plan/index.js";
export { emitDts, type DtsOptions } from "./wasm/dts.js";
export { VERSION } from "./version.js";
export { PRIMITIVES } from "./ops/index.js";
export { printGraph, type PrintOptions } from "./inspect/text.js";
export { graphToDot, type DotOptions } from "./inspect/dot.js";
export {
  graphToSvg,
  loadGraphviz,
  forwardGraphSvg,
  gradGraphSvg,
  optimizedGraphSvg,
  entryGraphSvg,
  type GraphEntry,
} from "./inspect/svg.js";
