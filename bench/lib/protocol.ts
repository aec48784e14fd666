/**
 * One (implementation, workload) measurement: the check values on a fresh state, then the timing.
 * In-process peers run this in a fresh child process (bench/lib/worker.ts) so that no peer runs
 * in a JIT or heap state shaped by another; the native peer runs its own process.
 */
import { makeW1Data, makeW2Data, makeW3Data, makeW4Data, makeW6Data } from "./data.js";
import { measure, syncBody, type Body } from "./timing.js";
import {
  isExternal,
  type F32,
  type Impl,
  type Measurement,
  type External,
  type TimingPlan,
  type TrainCheck,
  type TrainRunner,
  type W1Data,
  type W2Data,
  type W3Data,
  type W4Data,
  type W6Data,
} from "./types.js";
import type { Workload } from "./workloads.js";

export type WorkloadData =
  | { readonly group: "W1"; readonly data: W1Data }
  | { readonly group: "W2"; readonly data: W2Data }
  | { readonly group: "W3"; readonly data: W3Data }
  | { readonly group: "W4"; readonly data: W4Data }
  | { readonly group: "W6"; readonly data: W6Data };

export type CheckValues = TrainCheck | F32[] | F32;

export interface RawOutcome {
  readonly check: CheckValues;
  readonly measurement: Measurement;
  readonly notes?: readonly string[];
}

/** The workload's data: deterministic (seeded), so every process builds identical arrays. */
export function workloadData(w: Workload): WorkloadData {
  switch (w.group) {
    case "W1":
      return { group: "W1", data: makeW1Data() };
    case "W2":
      return { group: "W2", data: makeW2Data() };
    case "W3":
      return { group: "W3", data: makeW3Data() };
    case "W4":
      return { group: "W4", data: makeW4Data(w.id === "W4-256" ? 256 : 512) };
    case "W6":
      return { group: "W6", data: makeW6Data() };
  }
}

/** FNV-1a over the bytes of every array: the parent checks that a child used the same data. */
export function fingerprint(wd: WorkloadData): string {
  const d = wd.data;
  const arrays: ArrayBufferView[] =
    wd.group === "W1" || wd.group === "W2" || wd.group === "W6"
      ? [wd.data.x, wd.data.y, ...Object.values(wd.data.params)]
      : wd.group === "W3"
        ? [...wd.data.inputs, ...Object.values(wd.data.params)]
        : [wd.data.a, wd.data.b];
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  }
  return `${wd.group}:${(h >>> 0).toString(16)}:${"n" in d ? d.n : ""}`;
}

/** Whether the peer implements the workload (a peer without the method is "not implemented"). */
export function supports(impl: Impl, w: Workload): boolean {
  switch (w.group) {
    case "W1":
      return !!impl.w1;
    case "W2":
      return !!impl.w2;
    case "W3":
      return !!impl.w3;
    case "W4":
      return !!impl.w4;
    case "W6":
      return !!impl.w6;
  }
}

/** W1, W2 and W6: losses of steps 1–3 and the parameters after step 1 from a fresh state, then the
 * timing with the parameters reset before each repeat. */
async function runTrain(p: TrainRunner | External<TrainCheck>, plan: TimingPlan): Promise<RawOutcome> {
  if (isExternal<TrainCheck>(p)) return { check: p.check, measurement: p.measurement };
  try {
    p.reset();
    const l1 = p.step();
    const paramsAfter1 = p.params();
    const losses = [l1, p.step(), p.step()];
    const measurement = await measure(
      syncBody(() => p.step()),
      plan,
      () => p.reset(),
    );
    return { check: { losses, paramsAfter1 }, measurement, ...(p.notes ? { notes: p.notes } : {}) };
  } finally {
    p.dispose?.();
  }
}

async function runW3(impl: Impl, d: W3Data, plan: TimingPlan): Promise<RawOutcome> {
  const p = await impl.w3!(d, plan);
  if (isExternal<F32[]>(p)) return { check: p.check, measurement: p.measurement };
  try {
    const outputs = d.inputs.map((x) => {
      const out = new Float32Array(d.classes);
      p.infer(x, out);
      return out;
    });
    const inputs = d.inputs;
    const mask = inputs.length - 1; // 16 inputs, cycled through
    const out = new Float32Array(d.classes);
    let i = 0;
    const body: Body = (n) => {
      for (let k = 0; k < n; k++) p.infer(inputs[i++ & mask]!, out);
    };
    const measurement = await measure(body, plan);
    return { check: outputs, measurement, ...(p.notes ? { notes: p.notes } : {}) };
  } finally {
    p.dispose?.();
  }
}

async function runW4(impl: Impl, d: W4Data, plan: TimingPlan): Promise<RawOutcome> {
  const p = await impl.w4!(d, plan);
  if (isExternal<F32>(p)) return { check: p.check, measurement: p.measurement };
  try {
    if (p.run) p.run();
    else await p.runAsync!();
    const result = p.result();
    let body: Body;
    if (p.run) body = syncBody(p.run);
    else {
      const runAsync = p.runAsync!;
      body = async (n) => {
        for (let k = 0; k < n; k++) await runAsync();
      };
    }
    const measurement = await measure(body, plan);
    return { check: result, measurement, ...(p.notes ? { notes: p.notes } : {}) };
  } finally {
    p.dispose?.();
  }
}

const runW1 = async (impl: Impl, d: W1Data, plan: TimingPlan) => runTrain(await impl.w1!(d, plan), plan);
const runW2 = async (impl: Impl, d: W2Data, plan: TimingPlan) => runTrain(await impl.w2!(d, plan), plan);
const runW6 = async (impl: Impl, d: W6Data, plan: TimingPlan) => runTrain(await impl.w6!(d, plan), plan);

export function runWorkload(impl: Impl, wd: WorkloadData, plan: TimingPlan): Promise<RawOutcome> {
  switch (wd.group) {
    case "W1":
      return runW1(impl, wd.data, plan);
    case "W2":
      return runW2(impl, wd.data, plan);
    case "W3":
      return runW3(impl, wd.data, plan);
    case "W4":
      return runW4(impl, wd.data, plan);
    case "W6":
      return runW6(impl, wd.data, plan);
  }
}
