/**
 * How many cases a fast-check property runs, and how a failing case is replayed. Every property
 * test takes its parameters from `runs(...)`, so `npm test` and `npm run fuzz` run the very same
 * properties, only more of them under the fuzzer:
 *
 *  - `test` cases under `npm test`; `fuzz` cases when WASMGRAD_FUZZ=1 (vitest.fuzz.config.ts sets it);
 *  - WASMGRAD_FUZZ_SCALE=x multiplies the fuzz counts (0.05 to try the setup, 4 for a long night);
 *  - WASMGRAD_FUZZ_SEED=n fixes fast-check's seed (by default each property draws its own);
 *  - WASMGRAD_FUZZ_SEED with WASMGRAD_FUZZ_PATH=p replays one counterexample: a failure prints
 *    both, and the command that replays it.
 *
 * Each property's outcome (cases run, seed, path of a failure) goes to its vitest test's meta,
 * where the fuzz reporter (test/support/fuzz-reporter.ts) reads it.
 */
import { relative } from "node:path";
import fc from "fast-check";
import { TestRunner } from "vitest";

/** What one `fc.assert` did, as recorded in the meta of the test that ran it. */
export interface PropertyRecord {
  /** Cases run (up to and including the first failing one). */
  readonly cases: number;
  /** Cases drawn but rejected by `fc.pre` or a filter. */
  readonly skipped: number;
  /** Does each case compile a module and compare it with the interpreter? */
  readonly compiled: boolean;
  readonly seed: number;
  readonly failed: boolean;
  /** Stopped by its time limit before running all its cases. */
  readonly interrupted: boolean;
  /** fast-check's path to the (shrunk) counterexample. */
  readonly path?: string;
}

declare module "vitest" {
  interface TaskMeta {
    properties?: PropertyRecord[];
  }
}

export interface RunCounts {
  /** Cases under `npm test`. */
  readonly test: number;
  /** Cases under `npm run fuzz` (before WASMGRAD_FUZZ_SCALE). */
  readonly fuzz: number;
  /** Each case compiles a module and compares it with the interpreter (counted apart by the fuzz report). */
  readonly compiled?: boolean;
}

export interface Runs {
  /** The number of cases for this run (npm test or fuzz). */
  readonly count: number;
  /** The `fc.assert` parameters: the count, the seed and path to replay, the recorder. */
  readonly parameters: {
    readonly numRuns: number;
    readonly seed?: number;
    readonly path?: string;
    readonly plugins: Recorder[];
  };
  /** A time budget (ms) written for the `test` count, stretched in proportion to a larger `count`. */
  stretch(ms: number): number;
}

const env = process.env;
export const FUZZING = env.WASMGRAD_FUZZ === "1";
const SCALE = numberFrom("WASMGRAD_FUZZ_SCALE", 1);
const SEED = env.WASMGRAD_FUZZ_SEED === undefined ? undefined : numberFrom("WASMGRAD_FUZZ_SEED", 0);
const PATH = env.WASMGRAD_FUZZ_PATH || undefined;
if (PATH !== undefined && SEED === undefined)
  throw new Error("WASMGRAD_FUZZ_PATH replays a counterexample only with its WASMGRAD_FUZZ_SEED");

function numberFrom(name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${text}'`);
  return n;
}

/** The parameters of a property that runs `counts.test` cases under npm test, `counts.fuzz` under the fuzzer. */
export function runs(counts: RunCounts): Runs {
  const count = FUZZING ? Math.max(1, Math.round(counts.fuzz * SCALE)) : counts.test;
  return {
    count,
    parameters: {
      numRuns: count,
      ...(SEED === undefined ? {} : { seed: SEED }),
      ...(PATH === undefined ? {} : { path: PATH }),
      plugins: [recorder(counts.compiled ?? false)],
    },
    stretch: (ms) => Math.ceil(ms * Math.max(1, count / counts.test)),
  };
}

/** A fast-check plugin for properties of any argument types. */
type Recorder = <Ts>() => { onAllRunsComplete(details: fc.RunDetails<Ts>): void };

/** A fast-check plugin: records the run in the current test's meta, and adds the replay command to a failure. */
function recorder(compiled: boolean): Recorder {
  return () => ({
    onAllRunsComplete(details): void {
      const record: PropertyRecord = {
        cases: details.numRuns,
        skipped: details.numSkips,
        compiled,
        seed: details.seed,
        failed: details.failed,
        interrupted: details.interrupted,
        ...(details.counterexamplePath === null ? {} : { path: details.counterexamplePath }),
      };
      const test = TestRunner.getCurrentTest();
      if (test) (test.meta.properties ??= []).push(record);
      if (!details.failed) return;
      const report = fc.defaultReportMessage(details) ?? "property failed";
      const cause = details.errorInstance === null ? {} : { cause: details.errorInstance };
      throw new Error(`${report}\n\n${replayHint(record)}`, cause);
    },
  });
}

/** The command that replays this failure alone: its seed and path, its file, its test's name. */
function replayHint(record: PropertyRecord): string {
  const test = TestRunner.getCurrentTest();
  const vars = [`WASMGRAD_FUZZ_SEED=${record.seed}`];
  if (record.path !== undefined) vars.push(`WASMGRAD_FUZZ_PATH=${record.path}`);
  const args = ["npx vitest run"];
  if (FUZZING) args.push("--config vitest.fuzz.config.ts");
  if (test?.file.projectName) args.push(`--project ${shellQuote(test.file.projectName)}`);
  if (test) {
    args.push(shellQuote(relative(process.cwd(), test.file.filepath)));
    args.push(`-t ${shellQuote(`^${escapeRegExp(test.fullTestName.replaceAll(" > ", " "))}$`)}`);
  }
  return `replay (seed ${record.seed}, path ${record.path ?? "none"}):\n  ${vars.join(" ")} ${args.join(" ")}`;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
