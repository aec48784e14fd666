// Hand-written WebAssembly kernels, compiled by `asc` (asconfig.json, `npm run build:kernels`)
// and merged into each generated module by the backend. This entry re-exports every kernel file.
export { kernelAbiVersion } from "./abi";
