/**
 * Whether binaryen's functions are compiled when it loads or on their first call (load.ts,
 * v8-flags.ts): up front by default, for processes that compile more than once; on demand for a
 * process that compiles once and exits, which says so before its first compile.
 */
let upFront = true;

/** Compile binaryen's functions on their first call (call before the first compile). */
export function compileBinaryenOnDemand(): void {
  upFront = false;
}

export const binaryenUpFront = (): boolean => upFront;
