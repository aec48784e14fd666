/** Runs the `wasmgrad` command from the TypeScript sources, as the CLI tests do. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `wasmgrad ...args` in the repository root; resolves with the exit code and both streams. */
export function wasmgrad(...args: string[]): Promise<CliResult> {
  // loading a model file that imports the compiler (and so binaryen) through tsx is slow
  return runInRepo(process.execPath, ["--import", "tsx", "compiler/cli/main.ts", ...args]);
}

/** Runs `file ...args` in the repository root; resolves with the exit code and both streams. */
export function runInRepo(file: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: repoRoot, encoding: "utf8", timeout: 150_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Asserts a failure reported as exactly one `wasmgrad: ...` line on stderr, without a stack trace
 * and with nothing on stdout; `code` is the exit status expected (default: any but 0).
 */
export function expectOneLineError(r: CliResult, code?: number): string {
  if (code === undefined) expect(r.code, r.stderr).not.toBe(0);
  else expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^wasmgrad: \S/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

/** Asserts a run exited with 0 (showing its stderr otherwise); returns it. */
export function expectOk(r: CliResult): CliResult {
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** The first and last loss of a `wasmgrad train` summary's `loss` line. */
export function summaryLosses(stdout: string): [string, string] {
  const m = /^ {2}loss +(\S+) at step 1, (\S+) at step \d+$/m.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return [m![1]!, m![2]!];
}
