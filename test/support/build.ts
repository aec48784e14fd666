/**
 * `npm run build` for the tests that use the built package (dist/ and build/kernels.wasm), at
 * most one at a time and only when needed: test files run in parallel workers, and a build
 * rewriting dist/ while another test's child process imports it would make that test flaky.
 *
 * The build is skipped when every output is newer than every source (what `npm ci` leaves
 * behind, since its `prepare` script builds). A lock directory in the temp dir serializes the
 * check and the build across workers, so one build serves all and nobody reads a half-written
 * dist/.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** What the build reads: a change to any of these makes the outputs stale. */
const SOURCES = [
  "compiler",
  "runtime",
  "assembly",
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "packages/runtime/tsconfig.json",
  "asconfig.json",
];
/** What the build writes (each build rewrites all of them). */
const OUTPUTS = [
  "build/kernels.wasm",
  "dist/compiler/index.js",
  "dist/compiler/cli/main.js",
  "dist/compiler/cli/bundle.js",
  "dist/runtime/index.js",
  "dist/runtime/index.d.ts",
  "packages/runtime/dist/index.js",
];

const LOCK = join(
  tmpdir(),
  `wasmgrad-build-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 12)}.lock`,
);
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when every output exists and is newer than every source. */
export function buildIsFresh(): boolean {
  let oldestOutput = Infinity;
  for (const out of OUTPUTS) {
    try {
      oldestOutput = Math.min(oldestOutput, statSync(join(repoRoot, out)).mtimeMs);
    } catch {
      return false;
    }
  }
  const newestSource = Math.max(...SOURCES.map((s) => newestMtime(join(repoRoot, s))));
  return newestSource < oldestOutput;
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "npm",
      ["run", "build"],
      { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`npm run build failed:\n${stdout}\n${stderr}`));
        else resolve();
      },
    );
  });
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_LOCK_MS || Date.now() > deadline) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds the package unless dist/ is up to date with the sources (waiting for a build under way). */
export async function buildPackage(): Promise<void> {
  await withLock(async () => {
    if (!buildIsFresh()) await runBuild();
  });
}
