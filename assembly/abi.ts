/**
 * The version of the calling convention between generated code and these kernels (pointer
 * arguments are byte offsets into the module's one linear memory, lengths are element counts).
 * The backend checks it when it merges the kernels, so a stale build/kernels.wasm is refused.
 */
export function kernelAbiVersion(): i32 {
  return 1;
}
