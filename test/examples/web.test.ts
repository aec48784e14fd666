// The browser demo (examples/web), built with Vite and the wasmgrad plugin, run in Debian's
// Chromium: the page loads without cross-origin isolation, the worker trains the spirals MLP, the
// loss falls below LOSS_TARGET within MAX_STEPS steps, the pictures are in the page, and a
// screenshot is written to out/web-demo.png.
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../../examples/web/vite.config.js";
import { CHROMIUM, CHROMIUM_ARGS, repoRoot, serveFiles, type FileServer } from "../e2e/support.js";

const MAX_STEPS = 1500;
const LOSS_TARGET = 0.3;

const outDir = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-web-demo-")));
let server: FileServer | undefined;

beforeAll(async () => {
  await build({
    ...config,
    configFile: false,
    logLevel: "warn",
    build: { ...config.build, outDir, emptyOutDir: true },
  });
  server = await serveFiles({ "/demo/": outDir });
}, 240_000);

afterAll(async () => {
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe("the browser demo", () => {
  it("emits the model as a hashed .wasm asset", () => {
    const assets = readdirSync(join(outDir, "assets"));
    expect(assets.some((f) => /\.wasm$/.test(f) && /-[\w-]{6,}\.wasm$/.test(f))).toBe(true);
  });

  it("trains in a Web Worker until the loss is below the target, and shows the pictures", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1100 } });
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console error: ${m.text()}`);
      });
      await page.goto(`${server!.url}/demo/index.html`);
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
      await page
        .waitForSelector("body[data-ready], body[data-error]", { timeout: 60_000 })
        .catch(() => undefined);
      expect(problems, await page.locator("#status").innerText()).toEqual([]);
      expect(await page.evaluate(() => document.body.dataset.error ?? "")).toBe("");
      await page.click("#start");
      await page.waitForFunction(
        ([target, max]) =>
          Number(document.body.dataset.loss) < target || Number(document.body.dataset.step) >= max,
        [LOSS_TARGET, MAX_STEPS] as const,
        { timeout: 120_000 },
      );
      const { step, loss } = await page.evaluate(() => ({
        step: Number(document.body.dataset.step),
        loss: Number(document.body.dataset.loss),
      }));
      console.log(`browser demo: loss ${loss.toFixed(4)} after ${step} steps`);
      expect(loss).toBeLessThan(LOSS_TARGET);
      expect(step).toBeLessThanOrEqual(MAX_STEPS);
      for (const id of ["loss", "regions", "graph", "plan"])
        expect(await page.locator(`#${id} svg`).count(), id).toBeGreaterThan(0);
      expect(await page.locator("#graph svg").innerHTML()).toContain("matmul");
      mkdirSync(join(repoRoot, "out"), { recursive: true });
      await page.screenshot({ path: join(repoRoot, "out/web-demo.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 240_000);
});
