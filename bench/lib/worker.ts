/**
 * Child process entry (forked by bench/run.ts): measures one implementation on one workload in a
 * fresh process and sends the outcome back over IPC.
 *
 *   argv: IMPL_ID WORKLOAD_ID PLAN_JSON
 *   reply: { ok: true, fingerprint, outcome } | { ok: false, error }
 */
import { fingerprint, runWorkload, workloadData, type RawOutcome } from "./protocol.js";
import { loadImpl } from "./registry.js";
import type { TimingPlan } from "./types.js";
import { WORKLOADS } from "./workloads.js";

export type WorkerReply =
  | { readonly ok: true; readonly fingerprint: string; readonly outcome: RawOutcome }
  | { readonly ok: false; readonly error: string };

function reply(msg: WorkerReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(msg));
      resolve();
    } else process.send(msg, undefined, {}, () => resolve());
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

const [implId, workloadId, planJson] = process.argv.slice(2);
try {
  const w = WORKLOADS.find((x) => x.id === workloadId);
  if (!w || !implId || !planJson) throw new Error(`usage: worker.ts IMPL WORKLOAD PLAN_JSON`);
  const plan = JSON.parse(planJson) as TimingPlan;
  const impl = await loadImpl(implId);
  const setup = await impl.setup(plan);
  if (setup.skip) throw new Error(`skipped: ${setup.skip}`);
  const wd = workloadData(w);
  const outcome = await runWorkload(impl, wd, plan);
  await impl.teardown?.();
  await reply({ ok: true, fingerprint: fingerprint(wd), outcome });
} catch (e) {
  await reply({ ok: false, error: message(e) });
}
process.exit(0);
