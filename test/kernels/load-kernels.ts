/**
 * Builds build/kernels.wasm (`npm run build:kernels`) when it is missing or older than a source in
 * assembly/ or asconfig.json, and instantiates it on its own. Test files run in parallel workers,
 * so the build runs under a lock directory: one worker builds, the others wait and re-check.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const wasmPath = join(root, "build/kernels.wasm");
export const watPath = join(root, "build/kernels.wat");

/** The kernels' exports as JavaScript sees them (the v128 functions cannot be called from JS). */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  kernelAbiVersion(): number;
  exp_f32(x: number): number;
  log_f32(x: number): number;
  tanh_f32(x: number): number;
  sigmoid_f32(x: number): number;
  map_f32(fn: number, src: number, dst: number, n: number): void;
  map_v128(fn: number, src: number, dst: number, n: number): void;
  fill_const(ptr: number, n: number, value: number): void;
  fill_uniform(ptr: number, n: number, seed: number, stream: number, low: number, high: number): void;
  fill_xavier(ptr: number, n: number, seed: number, stream: number, limit: number): void;
  fill_normal(ptr: number, n: number, seed: number, stream: number, mean: number, std: number): void;
  ieee754_log(x: number): number;
  ieee754_cos(x: number): number;
}

function newestSource(): number {
  let newest = statSync(join(root, "asconfig.json")).mtimeMs;
  const dir = join(root, "assembly");
  for (const name of readdirSync(dir)) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  return newest;
}

function stale(): boolean {
  return !existsSync(wasmPath) || statSync(wasmPath).mtimeMs < newestSource();
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function ensureKernelsBuilt(): void {
  if (!stale()) return;
  mkdirSync(join(root, "build"), { recursive: true });
  const lock = join(root, "build/.kernels-build.lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // a lock left by a killed run is older than any build takes
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120_000) rmSync(lock, { force: true, recursive: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleep(100);
    }
  }
  try {
    if (stale()) execFileSync("npm", ["run", "build:kernels"], { cwd: root, stdio: "pipe" });
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}

export async function loadKernels(): Promise<Kernels> {
  ensureKernelsBuilt();
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath));
  return instance.exports as unknown as Kernels;
}

/** Grows the kernels' memory so that [0, bytes) is addressable. */
export function reserve(k: Kernels, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / 65536));
}
