/**
 * Runs one command in a fresh process and times it from spawn to exit (wall clock, as a user at a
 * shell sees it), with a timeout after which the process group is killed and the run reported as
 * not finished instead of hanging the benchmark.
 */
import { spawn } from "node:child_process";

export interface Ran {
  /** Wall time from spawn to exit, in ms (up to the kill for a timed-out run). */
  readonly wallMs: number;
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

export function timedRun(command: string, args: readonly string[], o: RunOptions): Promise<Ran> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // its own process group, so that a timeout also ends what it started (npx starts node)
    const child = spawn(command, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, o.timeoutMs);
    let settled = false;
    const done = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ wallMs: performance.now() - t0, code, timedOut, stdout, stderr });
    };
    child.on("error", (e) => {
      stderr += e.message;
      done(null);
    });
    // "close", not "exit": all of its output has been read by then
    child.on("close", (code) => done(code));
  });
}

/** The last `@@probe {json}` line a probe printed (bench/compile/probe.ts). */
export function probeOutput(r: Ran): Record<string, number> {
  const line = r.stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("@@probe "));
  if (!line) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-1)[0] ?? "";
    throw new Error(`no result (exit ${r.code})${tail ? `: ${tail}` : ""}`);
  }
  const parsed = JSON.parse(line.slice("@@probe ".length)) as Record<string, number> & { error?: string };
  if (typeof parsed.error === "string") throw new Error(parsed.error);
  return parsed;
}
