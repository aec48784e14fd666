/**
 * The reporter of `npm run fuzz` (vitest.fuzz.config.ts): a line per property as it finishes (its
 * cases and time), a heartbeat each minute naming what is still running, and at the end a table
 * of the cases each property ran, the totals (how many compiled a module and compared it with the
 * interpreter) and every failure with its seed, fast-check path and replay command. The counts
 * come from the meta that test/support/runs.ts records for each `fc.assert`.
 */
import { relative } from "node:path";
import type { Reporter, SerializedError, TestCase, TestModule } from "vitest/node";
import type { PropertyRecord } from "./runs.js";

const HEARTBEAT_MS = 60_000;

interface Finished {
  readonly label: string;
  readonly properties: readonly PropertyRecord[];
  readonly ms: number;
  readonly failed: boolean;
}

export default class FuzzReporter implements Reporter {
  private start = Date.now();
  private readonly running = new Map<string, number>();
  private readonly finished: Finished[] = [];
  private readonly failures: string[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  onTestRunStart(): void {
    this.start = Date.now();
    const env = process.env;
    const seed = env.WASMGRAD_FUZZ_SEED ? `seed ${env.WASMGRAD_FUZZ_SEED}` : "a fresh seed per property";
    console.log(`fuzz: ${seed}, count scale ${env.WASMGRAD_FUZZ_SCALE || 1}`);
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  onTestCaseReady(test: TestCase): void {
    this.running.set(label(test), Date.now());
  }

  onTestCaseResult(test: TestCase): void {
    this.running.delete(label(test));
    const state = test.result().state;
    if (state === "skipped" || state === "pending") return;
    const properties = test.meta().properties ?? [];
    const ms = test.diagnostic()?.duration ?? 0;
    const failed = state === "failed";
    this.finished.push({ label: label(test), properties, ms, failed });
    if (failed) this.failures.push(describeFailure(label(test), test.result().errors ?? []));
    // progress: every property, and every failure
    if (properties.length === 0 && !failed) return;
    const cases = properties.reduce((n, p) => n + p.cases, 0);
    console.log(
      `${clock(Date.now() - this.start)} ${failed ? "FAIL" : "ok  "} ${label(test)}: ` +
        `${cases} cases${notes(properties)} in ${seconds(ms)}`,
    );
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    clearInterval(this.heartbeat);
    for (const m of modules)
      for (const e of m.errors())
        this.failures.push(describeFailure(relative(process.cwd(), m.moduleId), [e]));
    for (const e of unhandled) this.failures.push(describeFailure("unhandled error", [e]));
    const withProperties = this.finished
      .filter((f) => f.properties.length > 0)
      .sort((a, b) => a.label.localeCompare(b.label));
    console.log("\ncases per property:");
    for (const f of withProperties) {
      const cases = f.properties.reduce((n, p) => n + p.cases, 0);
      const kind = f.properties.some((p) => p.compiled) ? "compiled" : "interpreter";
      console.log(
        `  ${String(cases).padStart(6)}  ${kind.padEnd(11)} ${seconds(f.ms).padStart(7)}  ` +
          `${f.failed ? "FAIL " : ""}${f.label}${notes(f.properties)}`,
      );
    }
    const all = withProperties.flatMap((f) => f.properties);
    const total = all.reduce((n, p) => n + p.cases, 0);
    const compiled = all.filter((p) => p.compiled).reduce((n, p) => n + p.cases, 0);
    for (const failure of this.failures) console.log(`\n${failure}`);
    console.log(
      `\nfuzz: ${all.length} properties, ${total} cases (${compiled} compiled and compared with the ` +
        `interpreter, ${total - compiled} on the interpreter alone), ${this.failures.length} failed, ` +
        `${clock(Date.now() - this.start)} wall`,
    );
  }

  private beat(): void {
    const done = this.finished.reduce((n, f) => n + f.properties.reduce((m, p) => m + p.cases, 0), 0);
    const now = Date.now();
    const running = [...this.running].map(([name, since]) => `${name} (${seconds(now - since)})`);
    console.log(
      `${clock(now - this.start)} … ${this.finished.length} tests done, ${done} cases; running: ` +
        (running.join("; ") || "none"),
    );
  }
}

/** The project (when there are several), the file and the test's full name. */
function label(test: TestCase): string {
  const project = test.project.name ? `[${test.project.name}] ` : "";
  return `${project}${relative(process.cwd(), test.module.moduleId)} > ${test.fullName}`;
}

function describeFailure(where: string, errors: ReadonlyArray<SerializedError>): string {
  const lines = [`FAILED ${where}`];
  for (const e of errors) {
    lines.push(indent(String(e.message)));
    // fast-check's message names the counterexample; its cause says what did not match
    let cause = (e as { cause?: SerializedError }).cause;
    while (cause) {
      lines.push(indent(`caused by: ${String(cause.message)}`));
      cause = (cause as { cause?: SerializedError }).cause;
    }
  }
  return lines.join("\n");
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
/** What a property did besides running its cases: stopped early, rejected drawn cases. */
const notes = (ps: readonly PropertyRecord[]) => {
  const skipped = ps.reduce((n, p) => n + p.skipped, 0);
  return (
    (ps.some((p) => p.interrupted) ? " (stopped by its time limit)" : "") +
    (skipped > 0 ? ` (${skipped} drawn cases rejected by fc.pre)` : "")
  );
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};
