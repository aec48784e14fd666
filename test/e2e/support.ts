/**
 * Shared by the end-to-end tests: child processes, the built CLI, a static file server on
 * 127.0.0.1 for the hosts to fetch the module from, and the result of one training run
 * (train-host.mjs).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { repoRoot } from "../support/build.js";

export { buildPackage, repoRoot } from "../support/build.js";

/** The built CLI (run with plain node) and the script every host runs. */
export const cli = join(repoRoot, "dist/compiler/cli/main.js");
export const hostScript = join(repoRoot, "test/e2e/train-host.mjs");

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<Result> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? repoRoot,
        env: options.env ?? process.env,
        encoding: "utf8",
        timeout: options.timeout ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Fails with the command's output unless it exited with 0. */
export function expectSuccess(r: Result, what: string): Result {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** `wasmgrad compile ...` with the built CLI (slow: tsx loads the model, the compiler and binaryen). */
export async function compileWithCli(args: readonly string[]): Promise<Result> {
  return expectSuccess(
    await run(process.execPath, [cli, "compile", ...args], { timeout: 150_000 }),
    `wasmgrad compile ${args.join(" ")}`,
  );
}

/** What train-host.mjs prints: see that file. */
export interface TrainResult {
  readonly engine: string;
  readonly model: string;
  readonly simd: boolean;
  /** Whether the module loaded uses relaxed SIMD (the variant an "auto" module's load picked). */
  readonly relaxedSimd: boolean;
  readonly losses: readonly number[];
  readonly outputs: Readonly<Record<string, readonly number[]>>;
  readonly bits: {
    readonly losses: string;
    readonly outputs: Readonly<Record<string, string>>;
    readonly params: Readonly<Record<string, string>>;
    readonly states: Readonly<Record<string, string>>;
    readonly weights: string;
  };
}

/** Parses the one JSON line a host printed. */
export function parseTrainResult(r: Result, host: string): TrainResult {
  expectSuccess(r, host);
  try {
    return JSON.parse(r.stdout) as TrainResult;
  } catch {
    throw new Error(`${host} printed no JSON result:\n${r.stdout}\n${r.stderr}`);
  }
}

/** Everything of a result but the engine's name, for comparing hosts. */
export function comparable(r: TrainResult): Omit<TrainResult, "engine"> {
  const { engine: _engine, ...rest } = r;
  return rest;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

/** Debian's Chromium, which the tests and the bench drive through playwright-core (never downloaded). */
export const CHROMIUM = "/usr/bin/chromium";

/** Chromium's launch arguments for a headless run on a CI machine (no sandbox, GPU or network services). */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface FileServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `routes` (URL prefix → directory) on 127.0.0.1 at an ephemeral port, GET only, nothing
 * outside the routes' directories; `/` is an empty HTML page for a browser to open.
 */
export async function serveFiles(routes: Readonly<Record<string, string>>): Promise<FileServer> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/") {
      res.writeHead(200, { "content-type": CONTENT_TYPES[".html"]! });
      res.end(`<!doctype html><link rel="icon" href="data:,"><title>wasmgrad e2e</title>`);
      return;
    }
    for (const [prefix, dir] of Object.entries(routes)) {
      if (!path.startsWith(prefix)) continue;
      const root = resolve(dir);
      const file = resolve(root, path.slice(prefix.length));
      if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) break;
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : readFileSync(file));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
