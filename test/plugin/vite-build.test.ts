// `vite build` of the fixture app (test/fixtures/web-app) with the plugin, from its own
// vite.config.ts: the model is compiled at build time and emitted as a hashed .wasm asset, and
// the built app trains it in headless Chromium. A model with a shape error fails the build with
// the model file's line.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build, type InlineConfig } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import config from "../fixtures/web-app/vite.config.js";
import { fixtureRoot, manifestOf, readBytes, runInChromium, tempDir, wasmFiles } from "./support.js";

const out = tempDir("vite");
afterAll(() => rmSync(out, { recursive: true, force: true }));

function viteBuild(root: string, outDir: string, extra: InlineConfig = {}) {
  return build({
    ...(config as InlineConfig),
    configFile: false,
    root,
    logLevel: "silent",
    build: { outDir, emptyOutDir: true },
    ...extra,
  });
}

describe("vite build", () => {
  it("emits the model as a hashed .wasm asset, and the app trains it in Chromium", async () => {
    await viteBuild(fixtureRoot, out);
    const files = wasmFiles(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^assets\/xor-[\w-]{8}\.wasm$/);
    expect(manifestOf(readBytes(join(out, files[0]!)))?.model).toBe("xor");

    const run = await runInChromium(out, { page: "index.html" });
    expect(run.wasmUrl).toBe(`/${files[0]}`);
    expect(run.requests.some((url) => url.endsWith(`/${files[0]}`))).toBe(true);
    // 300 Adam steps from seed 1 take the 2-8-1 tanh network's cross-entropy from 0.7 to ~1e-3
    expect(run.loss).toBeLessThan(0.01);
  });

  it("fails on a model's shape error, naming the model file and line", async () => {
    const root = join(fixtureRoot, "shape-error");
    type PluginError = Error & { errors?: PluginError[]; plugin?: string; loc?: unknown; frame?: string };
    const thrown = await viteBuild(root, join(out, "shape-error")).then(
      () => undefined,
      (e: unknown) => e as PluginError,
    );
    expect(thrown).toBeInstanceOf(Error);
    const file = join(root, "shape-error.model.ts");
    expect(thrown!.message).toContain(`${file}:7:12: matmul: inner dimensions differ: [2,3] · [4,5]`);
    // Rolldown gathers the plugins' errors in `errors`, each as the plugin raised it
    const error = thrown!.errors?.[0] ?? thrown!;
    expect(error.plugin).toBe("wasmgrad");
    expect(error.loc).toEqual({ file, line: 7, column: 11 }); // 0-based column, as Rollup's
    expect(error.frame).toContain("> 7 |   m.loss(x.matmul(W).sum());\n    |            ^");
  });
});
