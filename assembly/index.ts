// Hand-written WebAssembly kernels, compiled by `asc` (asconfig.json, `npm run build:kernels`)
// and merged into each generated module by the backend. This entry re-exports every kernel file.
export { kernelAbiVersion } from "./abi";
export {
  exp_f32,
  exp_v128,
  log_f32,
  log_v128,
  tanh_f32,
  tanh_v128,
  sigmoid_f32,
  sigmoid_v128,
  map_f32,
  map_v128,
} from "./math";
export { fill_const, fill_uniform, fill_xavier, fill_normal } from "./init";
export { ieee754_log, ieee754_cos } from "./fdlibm";
