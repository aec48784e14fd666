// The compiler's fingerprint (compiler/cache/fingerprint.ts), computed by a child process over a
// copy of the compiler: it changes with any edit to a compiler or runtime module, the version or
// the kernels, so that a developer editing the compiler never hits an entry of the old code, and
// stays the same when nothing the compiler runs changed.
import { execFile } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";

const copy = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-fingerprint-")));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function fingerprint(): Promise<string> {
  const url = pathToFileURL(join(copy, "compiler/cache/fingerprint.ts")).href;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { compilerFingerprint } = await import(${JSON.stringify(url)}); console.log(compilerFingerprint());`,
      ],
      { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim()),
    );
  });
}

let original: string;
beforeAll(async () => {
  for (const dir of ["compiler", "runtime"])
    cpSync(join(repoRoot, dir), join(copy, dir), { recursive: true });
  mkdirSync(join(copy, "build"));
  cpSync(join(repoRoot, "build/kernels.wasm"), join(copy, "build/kernels.wasm"));
  mkdirSync(join(copy, "test"));
  writeFileSync(join(copy, "package.json"), JSON.stringify({ type: "module" }));
  original = await fingerprint();
}, 120_000);

/** Applies `edit` to the copy, computes the fingerprint, and undoes the edit. */
async function afterEdit(path: string, edit: (text: Buffer) => Buffer | string): Promise<string> {
  const file = join(copy, path);
  const saved = (() => {
    try {
      return readFileSync(file);
    } catch {
      return undefined;
    }
  })();
  writeFileSync(file, edit(Buffer.from(saved ?? Buffer.alloc(0)))); // a copy: edits may write into it
  try {
    return await fingerprint();
  } finally {
    if (saved === undefined) rmSync(file);
    else writeFileSync(file, saved);
  }
}

describe.sequential("the compiler's fingerprint", () => {
  it("is a sha256, the same when computed again", async () => {
    expect(original).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprint()).toBe(original);
  });

  it.each<[string, string, (b: Buffer) => Buffer | string]>([
    ["a pass, by one comment", "compiler/passes/cse.ts", (b) => `${b}// edited\n`],
    [
      "the version",
      "compiler/version.ts",
      (b) => String(b).replace(/VERSION = "[^"]*"/, 'VERSION = "9.9.9"'),
    ],
    ["the runtime's manifest format", "runtime/manifest.ts", (b) => `${b}\n`],
    ["a module file added", "compiler/passes/new-pass.ts", () => "export {};\n"],
    ["one byte of the kernels", "build/kernels.wasm", (b) => ((b[b.length - 1]! ^= 1), b)],
  ])(
    "changes with %s",
    async (_, path, edit) => {
      expect(await afterEdit(path, edit)).not.toBe(original);
    },
    60_000,
  );

  it("stays the same when a file that is not a module changes", async () => {
    appendFileSync(join(copy, "test/notes.ts"), "// not part of the compiler\n");
    expect(await afterEdit("compiler/README.txt", () => "notes")).toBe(original);
  }, 60_000);
});
