/**
 * The engines the section measures and how each is started, as test/e2e/hosts.test.ts starts
 * them: Node (this process's binary, with and without the flag that enables relaxed SIMD in
 * Node 20), Deno (installed by scripts/install-test-hosts.mjs), Bun (a devDependency) and
 * Debian's /usr/bin/chromium driven by playwright-core. A host whose binary is absent is reported
 * missing, not run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CHROMIUM, CHROMIUM_ARGS, repoRoot, run } from "../../test/e2e/support.js";
import { RELAXED_SIMD_FLAG } from "../lib/machine.js";
import type { HostResult } from "./types.js";

export const HOST_SCRIPT = join(repoRoot, "bench/engines/host.mjs");
/** Where a page imports the script from (the server serves bench/engines/ there). */
export const HOST_SCRIPT_PATH = "/bench/engines/host.mjs";
/** A full run of one host takes tens of seconds; this is only a guard against a hung host. */
const TIMEOUT_MS = 600_000;

export interface Host {
  /** The row's engine name, e.g. "node (--experimental-wasm-relaxed-simd)". */
  readonly label: string;
  /** How it is started, for the report. */
  readonly command: string;
  /** Why it cannot run here (its binary is absent), or undefined. */
  missing(): string | undefined;
  /** Runs host.mjs on the case list; `scratch` is a directory it may write to. */
  measure(casesUrl: string, scratch: string): Promise<HostResult>;
}

/** Resolved as test/e2e/hosts.test.ts resolves them: Deno under .hosts/, Bun in node_modules. */
function npmBinary(name: "deno" | "bun"): string {
  return join(repoRoot, name === "deno" ? ".hosts/node_modules/.bin" : "node_modules/.bin", name);
}

function missingFile(path: string, how: string): string | undefined {
  return existsSync(path) ? undefined : `missing: ${path} does not exist (${how})`;
}

/** Runs a command-line host and parses the one JSON line it prints. */
async function commandLine(
  what: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<HostResult> {
  const r = await run(command, args, { env: { ...process.env, ...env }, timeout: TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  try {
    return JSON.parse(r.stdout) as HostResult;
  } catch {
    throw new Error(`${what} printed no JSON result: ${(r.stdout + r.stderr).trim().slice(0, 500)}`);
  }
}

const nodeHost = (flags: readonly string[]): Host => ({
  label: flags.length ? `node (${flags.join(" ")})` : "node",
  command: ["node", ...flags, "bench/engines/host.mjs"].join(" "),
  missing: () => undefined,
  measure: (url) => commandLine("node", process.execPath, [...flags, HOST_SCRIPT, url]),
});

const DENO_FLAGS = ["run", "--quiet", "--no-config", "--no-lock", "--no-prompt", "--allow-net=127.0.0.1"];

const deno: Host = {
  label: "deno",
  command: `deno ${DENO_FLAGS.join(" ")} bench/engines/host.mjs`,
  missing: () => missingFile(npmBinary("deno"), "run node scripts/install-test-hosts.mjs"),
  measure: (url, scratch) =>
    commandLine("deno", npmBinary("deno"), [...DENO_FLAGS, HOST_SCRIPT, url], {
      DENO_DIR: join(scratch, "deno-cache"),
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
    }),
};

const bun: Host = {
  label: "bun",
  command: "bun --no-install bench/engines/host.mjs",
  missing: () => missingFile(npmBinary("bun"), "run npm ci"),
  measure: (url) =>
    commandLine("bun", npmBinary("bun"), ["--no-install", HOST_SCRIPT, url], {
      DO_NOT_TRACK: "1",
      NO_COLOR: "1",
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
    }),
};

const chromium: Host = {
  label: "chromium",
  command: `${CHROMIUM} --headless (playwright-core); the page imports ${HOST_SCRIPT_PATH} and calls benchRun()`,
  missing: () => missingFile(CHROMIUM, "apt-get install chromium"),
  async measure(url, scratch) {
    const { chromium: launcher } = await import("playwright-core");
    const context = await launcher.launchPersistentContext(join(scratch, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await page.goto(new URL("/", url).href);
      // a string, evaluated in the page: the page's own dynamic import of the host script
      const expression = `import(${JSON.stringify(HOST_SCRIPT_PATH)})
        .then((mod) => mod.benchRun(${JSON.stringify(url)}))
        .then((result) => JSON.stringify(result))`;
      const json = await page.evaluate<string>(expression).catch((e: unknown) => {
        throw new Error(`chromium: ${String(e)}${problems.length ? `; ${problems.join("; ")}` : ""}`);
      });
      return JSON.parse(json) as HostResult;
    } finally {
      await context.close();
    }
  },
};

/** In report order: Node as it ships, Node with relaxed SIMD, then the other engines. */
export const HOSTS: readonly Host[] = [nodeHost([]), nodeHost([RELAXED_SIMD_FLAG]), deno, bun, chromium];
