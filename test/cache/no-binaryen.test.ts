// A hit does not load binaryen: a child process that cannot resolve it (test/ir's no-binaryen
// resolve hook) is served the module another process stored, byte for byte; the control, a miss
// in such a process, fails with the hook's error.
import { execFile } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";
import { repoRoot, type CliResult } from "../support/cli.js";

const program = join(realpathSync(repoRoot), "test/cache/fixtures/hit-program.ts");
const noBinaryen = [
  "--import",
  pathToFileURL(join(repoRoot, "test/ir/fixtures/no-binaryen/register.mjs")).href,
];
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-cache-nb-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(hook: readonly string[], dir: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...hook, "--import", "tsx", program, dir],
      { cwd: repoRoot, encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

it("a hit is served without binaryen, the bytes another process stored", async () => {
  const dir = join(scratch, "cache");
  const stored = await run([], dir);
  expect(stored.stderr).toBe("");
  expect(stored.stdout).toMatch(/^miss [0-9a-f]{64}\n$/);
  const served = await run(noBinaryen, dir);
  expect(served.stderr).toBe("");
  expect(served.stdout).toBe(stored.stdout.replace("miss", "hit"));
}, 240_000);

it("the control: a miss in such a process fails with the hook's error", async () => {
  const r = await run(noBinaryen, join(scratch, "empty"));
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(
    /no-binaryen hook: 'binaryen' resolved from \S+\/compiler\/wasm\/binaryen\/load\.ts/,
  );
}, 120_000);
