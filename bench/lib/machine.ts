/** What the results were measured on: CPU, cores, Node, package versions, repository state. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";

const ROOT = new URL("../../", import.meta.url);

export interface MachineInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cpuFlags: string;
  readonly logicalCores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  readonly gcc: string;
  readonly git: string;
  /** The harness process's nice value (children inherit it). */
  readonly nice: number;
  readonly packages: Readonly<Record<string, string>>;
}

function cpuModel(): { model: string; flags: string } {
  let model = os.cpus()[0]?.model ?? "unknown";
  let flags = "";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? model;
    const all = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? "").split(/\s+/));
    flags = ["sse4_2", "avx", "avx2", "fma", "avx512f"].filter((f) => all.has(f)).join(" ");
  } catch {
    // not Linux: keep os.cpus()
  }
  return { model, flags };
}

function tryRun(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      cwd: ROOT,
    }).trim();
  } catch {
    return undefined;
  }
}

/** The 1-minute load average (0 where unavailable). The benchmark itself adds about 1. */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

export function packageVersion(name: string): string {
  const file = new URL(`node_modules/${name}/package.json`, ROOT);
  if (!existsSync(file)) return "not installed";
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

export function machineInfo(): MachineInfo {
  const { model, flags } = cpuModel();
  const commit = tryRun("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = tryRun("git", ["status", "--porcelain", "--", "compiler", "runtime", "assembly"]);
  const self = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as { version: string };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: model,
    cpuFlags: flags,
    logicalCores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    gcc: tryRun("gcc", ["-dumpfullversion"]) ?? "not found",
    nice: os.getPriority(),
    git: commit
      ? `${commit}${dirty ? " + uncommitted changes in compiler/runtime/assembly" : ""}`
      : "unknown",
    packages: {
      wasmgrad: self.version,
      "@tensorflow/tfjs-core": packageVersion("@tensorflow/tfjs-core"),
      "@tensorflow/tfjs-backend-wasm": packageVersion("@tensorflow/tfjs-backend-wasm"),
      "@tensorflow/tfjs-backend-cpu": packageVersion("@tensorflow/tfjs-backend-cpu"),
      "@tensorflow/tfjs": packageVersion("@tensorflow/tfjs"),
      "@jax-js/jax": packageVersion("@jax-js/jax"),
    },
  };
}

/**
 * The V8 flag that turns relaxed SIMD on in Node 20 (on by default from Node 21). The `-relaxed`
 * rows (wasmgrad compiled with relaxedSimd, and jax-js, which uses f32x4.relaxed_madd wherever the
 * engine has it) are measured in processes started with it.
 */
export const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";
