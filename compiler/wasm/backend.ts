/**
 * The backend stages that need the code generator (binaryen): the pipeline imports this module
 * dynamically, on the first compile, which awaits `loadCodegen()` (binaryen/instance.ts) before it
 * builds a module: importing this module alone does not load binaryen.
 */
export { lowerEntries } from "./entries.js";
export { emitInit } from "./init.js";
export { loadKernels } from "./kernels.js";
export { ModuleBuilder } from "./module.js";
export { emitConstantFills } from "./start.js";
