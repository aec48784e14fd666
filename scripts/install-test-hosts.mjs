#!/usr/bin/env node
// Installs Deno for the portability tests (test/e2e/hosts.test.ts) into .hosts/, from the npm
// registry. Deno is not a devDependency because the registry this project is built against serves
// only the current platform's binary package, and npm cannot write a lock file that `npm ci`
// accepts without the other platforms' entries. Runs before `npm test` (the `pretest` script);
// a no-op when the pinned version is already there.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DENO_VERSION = "2.9.6";
const root = fileURLToPath(new URL("..", import.meta.url));
const prefix = `${root}.hosts`;
const installed = `${prefix}/node_modules/deno/package.json`;

const current = existsSync(installed) ? JSON.parse(readFileSync(installed, "utf8")).version : undefined;
if (current !== DENO_VERSION) {
  console.log(`installing deno@${DENO_VERSION} into .hosts/ for the portability tests`);
  execFileSync(
    "npm",
    [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      `deno@${DENO_VERSION}`,
    ],
    { stdio: "inherit" },
  );
}
