// Issue 11: no binaryen unless compiling. A child process runs fixtures/no-binaryen/program.ts with
// a module resolve hook (fixtures/no-binaryen/hooks.mjs, installed by `--import register.mjs`
// through node:module's register) that throws whenever anything resolves binaryen. The program
// imports the package root, builds, prints, differentiates, interprets, gradchecks and serializes a
// model (fixtures/no-binaryen/work.ts), and exits 0; then, with the same hook, `await compile(model)`
// fails with the hook's error: the hook works, and compile loads binaryen on its first call only.
// Node chains hooks last-registered first, so both orders of the hook and tsx's own hooks are run.
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { repoRoot, type CliResult } from "../support/cli.js";
import { withoutCodegen } from "./fixtures/no-binaryen/work.js";

const fixtures = join(realpathSync(repoRoot), "test/ir/fixtures/no-binaryen");
const program = join(fixtures, "program.ts");
const register = pathToFileURL(join(fixtures, "register.mjs")).href;

const ORDERS: Readonly<Record<string, readonly string[]>> = {
  "hook registered before tsx": ["--import", register, "--import", "tsx"],
  "hook registered after tsx": ["--import", "tsx", "--import", register],
};

function run(flags: readonly string[], ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, program, ...args],
      { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The work without code generation, done here too (this process has not loaded binaryen either). */
const expected = withoutCodegen();

describe("the work program (fixtures/no-binaryen/work.ts)", () => {
  it("prints the model and its gradient graph, evaluates them, gradchecks and round-trips the JSON", () => {
    expect(expected).toMatch(/^graph tiny\n {2}%0 = input x : f32\[2,3\]$/m);
    expect(expected).toMatch(/^grads\n {2}V -> %\d+\n {2}W -> %\d+\n {2}b -> %\d+$/m);
    expect(expected).toMatch(/^loss [\d.]+$/m);
    expect(expected).toMatch(/^d loss \/ d W \[\[/m);
    expect(expected).toMatch(/^OK: worst error \S+ \(tolerance 1e-6\)$/m);
    expect(expected).toMatch(/^graphToJSON: \d+ characters; read back unchanged$/m);
  });
});

describe.concurrent.each(Object.entries(ORDERS))(
  "a process that cannot resolve binaryen (%s)",
  (_, flags) => {
    it("builds, prints, differentiates, interprets, gradchecks and serializes a model", async () => {
      const r = await run(flags);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      // the last line is the control: in this process, importing binaryen is what throws
      expect(r.stdout).toBe(
        expected +
          `import("binaryen"): no-binaryen hook: 'binaryen' resolved from ${pathToFileURL(program).href}\n`,
      );
    });

    it("compile() loads binaryen on its first call, and fails there with the hook's error", async () => {
      const r = await run(flags, "compile");
      expect(r.stdout).toBe(`${expected}compiling\n`);
      expect(r.stderr).toMatch(
        /^Error: no-binaryen hook: 'binaryen' resolved from file:\/\/\S+\/compiler\/wasm\/binaryen\/load\.ts$/m,
      );
      expect(r.code).toBe(1);
    });
  },
);
