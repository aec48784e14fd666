/**
 * Native C (bench/native/*.c), built at bench time with `gcc -O3 -march=native` (no fast-math)
 * and run as a subprocess, single-threaded. The harness writes the shared data to a binary file;
 * the program runs the same agreement protocol and timing protocol as the in-process peers and
 * reports its check values through an output file and its timings as JSON on stdout.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type {
  External,
  F32,
  Impl,
  Measurement,
  Params,
  TimingPlan,
  TrainCheck,
  W1Data,
  W2Data,
  W3Data,
  W4Data,
} from "../lib/types.js";

const run = promisify(execFile);
const SOURCES = fileURLToPath(new URL("../native/", import.meta.url));
export const CFLAGS = ["-O3", "-march=native"];
const PROGRAMS = ["w1_mlp_train", "w2_rnn_bptt", "w3_mlp_infer", "w4_matmul"] as const;
type Program = (typeof PROGRAMS)[number];

let workDir: string | undefined;

function bytesOf(...arrays: (Float32Array | Int32Array)[]): Buffer {
  return Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}

function f32At(buf: Buffer, byteOffset: number, length: number): F32 {
  const out = new Float32Array(length);
  out.set(
    new Float32Array(buf.buffer.slice(buf.byteOffset + byteOffset, buf.byteOffset + byteOffset + length * 4)),
  );
  return out;
}

async function execute(
  program: Program,
  data: Buffer,
  plan: TimingPlan,
  n = 0,
): Promise<{ out: Buffer; measurement: Measurement }> {
  if (!workDir) throw new Error("native: setup() was not run");
  const dataFile = join(workDir, `${program}.in`);
  const outFile = join(workDir, `${program}.out`);
  writeFileSync(dataFile, data);
  const args = [
    dataFile,
    outFile,
    String(plan.warmupMs),
    String(plan.targetMs),
    String(plan.repeats),
    String(n),
  ];
  const { stdout } = await run(join(workDir, program), args, { maxBuffer: 1 << 20 });
  const measurement = JSON.parse(stdout) as Measurement;
  return { out: readFileSync(outFile), measurement };
}

/** The training check values: losses of steps 1..3 (f64), then the named params after step 1. */
function trainCheck(out: Buffer, initial: Params, names: readonly string[]): TrainCheck {
  const losses = [out.readDoubleLE(0), out.readDoubleLE(8), out.readDoubleLE(16)];
  const paramsAfter1: Params = {};
  let offset = 24;
  for (const k of names) {
    const len = initial[k]!.length;
    paramsAfter1[k] = f32At(out, offset, len);
    offset += len * 4;
  }
  if (offset !== out.length)
    throw new Error(`native: output file has ${out.length} bytes, expected ${offset}`);
  return { losses, paramsAfter1 };
}

export const native: Impl = {
  id: "native-c",
  async setup() {
    let version: string;
    try {
      version = (await run("gcc", ["--version"])).stdout.split("\n")[0]!;
    } catch {
      return { notes: [], skip: "gcc not found on PATH" };
    }
    workDir = mkdtempSync(join(tmpdir(), "wasmgrad-bench-"));
    for (const p of PROGRAMS) {
      await run("gcc", [...CFLAGS, "-o", join(workDir, p), join(SOURCES, `${p}.c`), "-lm"]);
    }
    return {
      notes: [
        `${version}; gcc ${CFLAGS.join(" ")} (no -ffast-math; GCC contracts a*b+c to FMA by default)`,
        "straightforward i-k-j loops, single thread, timed inside the process with clock_gettime",
      ],
    };
  },
  async w1(d: W1Data, plan: TimingPlan): Promise<External<TrainCheck>> {
    const names = ["W1", "b1", "W2", "b2"];
    const data = bytesOf(d.x, d.y, ...names.map((k) => d.params[k]!));
    const { out, measurement } = await execute("w1_mlp_train", data, plan);
    return { kind: "external", check: trainCheck(out, d.params, names), measurement };
  },
  async w2(d: W2Data, plan: TimingPlan): Promise<External<TrainCheck>> {
    const dims = [d.steps, d.batch, d.inDim, d.hidden, d.classes, d.lr].join(",");
    if (dims !== "32,16,64,128,64,0.1")
      throw new Error(`native W2 is built for 32,16,64,128,64,0.1 (got ${dims})`);
    const names = ["Wx", "Wh", "bh", "Wy", "by"];
    const data = bytesOf(d.x, d.y, ...names.map((k) => d.params[k]!));
    const { out, measurement } = await execute("w2_rnn_bptt", data, plan);
    return { kind: "external", check: trainCheck(out, d.params, names), measurement };
  },
  async w3(d: W3Data, plan: TimingPlan): Promise<External<F32[]>> {
    if (d.inputs.length !== 16) throw new Error("native W3 expects 16 inputs");
    const p = d.params;
    const data = bytesOf(...d.inputs, p.W1!, p.b1!, p.W2!, p.b2!, p.W3!, p.b3!);
    const { out, measurement } = await execute("w3_mlp_infer", data, plan);
    const outputs = d.inputs.map((_, k) => f32At(out, k * d.classes * 4, d.classes));
    return { kind: "external", check: outputs, measurement };
  },
  async w4(d: W4Data, plan: TimingPlan): Promise<External<F32>> {
    const { out, measurement } = await execute("w4_matmul", bytesOf(d.a, d.b), plan, d.n);
    return { kind: "external", check: f32At(out, 0, d.n * d.n), measurement };
  },
  async teardown() {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    workDir = undefined;
  },
};
