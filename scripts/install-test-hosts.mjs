#!/usr/bin/env node
// Installs the test hosts that are not devDependencies into .hosts/, from the npm registry: Deno
// for the portability tests (test/e2e/hosts.test.ts) and workerd, Cloudflare's open-source Workers
// runtime, for the edge example's test (test/e2e/workerd.test.ts). Neither is a devDependency
// because the registry this project is built against serves only the current platform's binary
// package, and npm cannot write a lock file that `npm ci` accepts without the other platforms'
// entries. Runs before `npm test` (the `pretest` script); a no-op when the pinned versions are
// already there, else one `npm install` of both.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DENO_VERSION = "2.9.6";
export const WORKERD_VERSION = "1.20261117.1";
const HOSTS = { deno: DENO_VERSION, workerd: WORKERD_VERSION };

const root = fileURLToPath(new URL("..", import.meta.url));
const prefix = `${root}.hosts`;

/** The version of `name` installed in .hosts/, or undefined. */
function installedVersion(name) {
  const manifest = `${prefix}/node_modules/${name}/package.json`;
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : undefined;
}

/** Whether the package's binary is there too (a platform package can fail to install). */
function hasBinary(name) {
  return existsSync(`${prefix}/node_modules/.bin/${name}`);
}

const stale = Object.entries(HOSTS).filter(
  ([name, version]) => installedVersion(name) !== version || !hasBinary(name),
);
if (stale.length) {
  const specs = Object.entries(HOSTS).map(([name, version]) => `${name}@${version}`);
  console.log(`installing ${specs.join(", ")} into .hosts/ for the end-to-end tests`);
  execFileSync(
    "npm",
    ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", ...specs],
    { stdio: "inherit" },
  );
}
