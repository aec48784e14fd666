// The fixture app (test/fixtures/web-app/main.ts) bundled with esbuild's build() and the plugin's
// esbuild form: the module goes through esbuild's file loader (a hashed .wasm beside the bundle,
// listed in the metafile), and the bundle trains the model in headless Chromium. The plugin's
// compile options apply to every model, and a model file's `compileOptions` override them.
import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { optim } from "../../compiler/index.js";
import { wasmgrad } from "../../compiler/plugin/index.js";
import { fixtureRoot, manifestOf, readBytes, runInChromium, tempDir, wasmFiles } from "./support.js";

const out = tempDir("esbuild");
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("esbuild", () => {
  it("emits the model as a hashed .wasm file, and the bundle trains it in Chromium", async () => {
    const result = await build({
      entryPoints: [join(fixtureRoot, "main.ts")],
      bundle: true,
      format: "esm",
      outdir: join(out, "app"),
      metafile: true,
      logLevel: "silent",
      plugins: [
        wasmgrad.esbuild({
          // the model file's optimizer (Adam) wins over this one; simd: false is the plugin's alone
          compile: { optimizer: optim.sgd(0.1), simd: false },
          cacheDir: join(out, "cache"),
        }),
      ],
    });
    expect(result.errors).toEqual([]);
    expect(readdirSync(join(out, "cache"), { recursive: true }).length).toBeGreaterThan(0);
    const files = wasmFiles(out);
    expect(files).toEqual([expect.stringMatching(/^app\/xor-[A-Z0-9]{8}\.wasm$/)]);
    expect(Object.keys(result.metafile.outputs)).toContainEqual(
      expect.stringMatching(/xor-[A-Z0-9]{8}\.wasm$/),
    );
    const manifest = manifestOf(readBytes(join(out, files[0]!)));
    expect(manifest?.model).toBe("xor");
    expect(manifest?.options).toMatchObject({ simd: false, optimizer: { kind: "adam" } });

    const run = await runInChromium(out, { script: "app/main.js" });
    expect(new URL(run.wasmUrl).pathname).toBe(`/${files[0]}`);
    expect(run.loss).toBeLessThan(0.01);
  });

  it("reports a shape error at the model file's line", async () => {
    const root = join(fixtureRoot, "shape-error");
    const error = await build({
      entryPoints: [join(root, "main.ts")],
      bundle: true,
      format: "esm",
      write: false,
      outdir: join(out, "shape-error"),
      logLevel: "silent",
      plugins: [wasmgrad.esbuild()],
    }).then(
      () => undefined,
      (e: unknown) => e as { errors?: { text: string; location: { file: string; line: number } | null }[] },
    );
    const [message] = error?.errors ?? [];
    expect(message?.text).toContain("shape-error.model.ts:7:12: matmul: inner dimensions differ");
    // esbuild shows the file relative to its working directory, and 0-based columns
    const file = relative(process.cwd(), join(root, "shape-error.model.ts"));
    expect(message?.location).toMatchObject({ file, line: 7, column: 11 });
  });
});
