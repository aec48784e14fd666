/** Runs the `wasmgrad` command from the TypeScript sources, as the CLI tests do. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `wasmgrad ...args` in the repository root; resolves with the exit code and both streams. */
export function wasmgrad(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "compiler/cli/main.ts", ...args],
      // loading a model file that imports the compiler (and so binaryen) through tsx is slow
      { cwd: repoRoot, encoding: "utf8", timeout: 150_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
